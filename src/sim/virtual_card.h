// The virtual My Number Card's JPKI applet: raw command APDU in, raw response out,
// behaving as ../shared/jpki-card.md §1-§3 says the real card does.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "apdu/bytes.h"
#include "apdu/command.h"
#include "apdu/response.h"
#include "sim/card_state.h"

namespace jpki::sim {

struct CardOptions {
  Bytes atr = from_hex("3B E0 00 FF 81 31 FE 45 14");
  bool extended_length = true;
};

class VirtualCard {
 public:
  // Loads the card kept in `state_dir` (see card_state.h). Counters are written
  // back on every change, so a lockout survives a restart.
  VirtualCard(std::filesystem::path state_dir, CardOptions options);

  Bytes process(ByteView command);  // never throws for any input
  void reset();                     // power cycle: selection and security state lost
  void unblock();                   // what the city office does: counters back to max
  [[nodiscard]] const Bytes& atr() const { return options_.atr; }
  [[nodiscard]] const CardState& state() const { return state_; }

 private:
  apdu::Response dispatch(const apdu::Command& c);
  apdu::Response select(const apdu::Command& c);
  apdu::Response read_binary(const apdu::Command& c);
  apdu::Response verify(const apdu::Command& c);
  apdu::Response change_reference_data(const apdu::Command& c);
  apdu::Response sign(const apdu::Command& c);
  PinSlot* current_pin();

  std::filesystem::path dir_;
  CardOptions options_;
  CardState state_;
  bool applet_selected_ = false;
  std::optional<std::uint16_t> current_ef_;
  bool auth_verified_ = false;
  bool sign_verified_ = false;
};

}  // namespace jpki::sim
