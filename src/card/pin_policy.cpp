#include "card/pin_policy.h"

namespace jpki::card {

PinShape check_pin_shape(KeyKind kind, std::string& pin) {
  const PinRules& rules = pin_rules(kind);
  if (pin.size() < rules.min_len || pin.size() > rules.max_len) return PinShape::kLengthOutOfRange;
  for (char& c : pin) {
    if (c >= '0' && c <= '9') continue;
    if (kind == KeyKind::kSign) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');  // the card stores it in uppercase
      if (c >= 'A' && c <= 'Z') continue;
    }
    return PinShape::kInvalidCharacters;
  }
  return PinShape::kOk;
}

}  // namespace jpki::card
