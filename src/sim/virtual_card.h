// The virtual My Number Card's JPKI applet: raw command APDU in, raw response out,
// behaving as docs/jpki-card.md §1-§3 says the real card does.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "apdu/bytes.h"
#include "apdu/command.h"
#include "apdu/response.h"
#include "sim/card_state.h"
#include "sim/response_shaper.h"
#include "sim/variant.h"

namespace jpki::sim {

// {atr, extended} is the original form and keeps working. The variant's atr (when set)
// wins, and extended_length=false means ext=no unless the variant says truncate.
struct CardOptions {
  CardOptions() = default;
  CardOptions(Bytes card_atr, bool extended, Variant card_variant = {})
      : atr(std::move(card_atr)), extended_length(extended), variant(std::move(card_variant)) {}
  explicit CardOptions(Variant card_variant) : variant(std::move(card_variant)) {}

  Bytes atr = from_hex("3B E0 00 FF 81 31 FE 45 14");
  bool extended_length = true;
  Variant variant;
};

class VirtualCard {
 public:
  // Loads the card kept in `state_dir` (see card_state.h) and shapes its files as the
  // variant says (served_files.h). Counters are written back on every change, so a
  // lockout survives a restart.
  VirtualCard(std::filesystem::path state_dir, CardOptions options);

  Bytes process(ByteView command);  // never throws for any input
  void reset();                     // power cycle: selection and security state lost
  void unblock();                   // what the city office does: counters back to max
  [[nodiscard]] const Bytes& atr() const { return options_.atr; }
  [[nodiscard]] const CardState& state() const { return state_; }  // files as served
  [[nodiscard]] const Variant& variant() const { return options_.variant; }

 private:
  apdu::Response dispatch(const apdu::Command& c);
  apdu::Response select(const apdu::Command& c);
  apdu::Response read_binary(const apdu::Command& c);
  apdu::Response verify(const apdu::Command& c);
  apdu::Response change_reference_data(const apdu::Command& c);
  apdu::Response sign(const apdu::Command& c);
  PinSlot* current_pin();
  void clear_security();

  std::filesystem::path dir_;
  CardOptions options_;
  CardState state_;
  bool applet_selected_ = false;
  std::optional<std::uint16_t> current_ef_;
  bool auth_verified_ = false;
  bool sign_verified_ = false;
  ResponseShaper shaper_;
};

}  // namespace jpki::sim
