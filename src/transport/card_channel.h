// A connection to one card: raw APDU exchange plus the PC/SC transaction that
// keeps other processes out between our SELECT and our READ/VERIFY/SIGN.
// Implemented over PC/SC (pcsc_channel.h) and in-process for tests/fuzzers.
#pragma once

#include <stdexcept>
#include <string>

#include "apdu/bytes.h"

namespace jpki::transport {

enum class ErrorKind {
  kRemoved,           // card gone: the token is gone
  kReset,             // another process reset the card: reconnect, re-select, forget logins
  kNoService,         // pcscd not running / not reachable
  kNoReader,          // reader vanished
  kSharingViolation,  // someone holds the card exclusively
  kTimeout,           // the card did not answer
  kCommunication,     // anything else on the wire
};

class TransportError : public std::runtime_error {
 public:
  TransportError(ErrorKind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  [[nodiscard]] ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

class CardChannel {
 public:
  virtual ~CardChannel() = default;
  CardChannel() = default;
  CardChannel(const CardChannel&) = delete;
  CardChannel& operator=(const CardChannel&) = delete;

  // One command APDU out, the raw response (data + SW1 SW2) back. No 61xx/6Cxx
  // handling here: that is the card driver's. Throws TransportError.
  virtual Bytes transmit(ByteView command) = 0;
  // Exclusive access for a multi-APDU step. Nested calls are not allowed.
  virtual void begin_transaction() = 0;
  virtual void end_transaction() noexcept = 0;
  // After kReset: reconnect (SCardReconnect with SCARD_LEAVE_CARD). With
  // `power_cycle`, the card is reset too: the way back from a card that went mute.
  virtual void reconnect(bool power_cycle = false) = 0;
  // Largest response the reader can carry (258 for short-only readers).
  [[nodiscard]] virtual std::size_t max_response_size() const = 0;
  [[nodiscard]] virtual Bytes atr() const = 0;
  [[nodiscard]] virtual std::string reader_name() const = 0;
};

}  // namespace jpki::transport
