// PIN shape rules, checked before any PIN reaches the card so that a typo of
// the wrong shape never costs a try.
#pragma once

#include <string>

#include "card/types.h"

namespace jpki::card {

enum class PinShape {
  kOk,
  kLengthOutOfRange,   // -> CKR_PIN_LEN_RANGE
  kInvalidCharacters,  // -> CKR_PIN_INVALID
};

// Auth: exactly 4 ASCII digits. Sign: 6-16 of A-Z 0-9; lowercase a-z is folded
// to uppercase in place (the card stores the password in uppercase).
PinShape check_pin_shape(KeyKind kind, std::string& pin);

}  // namespace jpki::card
