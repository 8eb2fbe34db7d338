// Misbehaviour on demand: the simulator plays a card (or reader) that lies, so
// tests can show the module answers every lie with a clean error and recovers.
//
// A fault spec is one line: MODE [ins XX] [after N] [count N]
//   off          behave again
//   truncate     cut each response to half its length (a lone SW to one byte)
//   overlong     300 bytes more data than the command asked for
//   sw XXXX      answer only this status word
//   cert-length  the certificate EFs' DER header claims 0x7F00 bytes, far past the file
//   garbage-der  the certificate EFs' bytes after the DER header are noise
//   endless-61   answer every command, GET RESPONSE included, with 61 10
//   silence      do not answer; after two seconds the reader gives up and re-powers the card
//   vanish       do not answer: the card is pulled out mid-command (ctl insert brings it back)
// `ins XX` limits the fault to commands with that INS; `after N` lets the next N such
// commands through first; `count N` ends it after N faulty answers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "apdu/bytes.h"

namespace jpki::sim {

class FaultInjector {
 public:
  enum class Action { kAnswer, kSilence, kVanish };

  // Throws std::invalid_argument for a spec it does not know.
  void configure(const std::string& spec);

  // Sees each command and the card's answer; may rewrite the answer, or say not to give one.
  Action apply(ByteView command, Bytes& response);

  [[nodiscard]] bool active() const { return mode_ != Mode::kOff; }

 private:
  enum class Mode {
    kOff,
    kTruncate,
    kOverlong,
    kStatus,
    kCertLength,
    kGarbageDer,
    kEndless61,
    kSilence,
    kVanish
  };
  [[nodiscard]] bool concerns(ByteView command) const;
  void track_selection(ByteView command, const Bytes& response);

  Mode mode_ = Mode::kOff;
  std::uint16_t status_ = 0;
  std::optional<std::uint8_t> ins_;
  long remaining_ = -1;  // -1: until "off"
  long skip_ = 0;
  std::optional<std::uint16_t> selected_ef_;
};

}  // namespace jpki::sim
