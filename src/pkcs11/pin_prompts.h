// The texts the holder reads in the pinentry window, in Japanese and English.
#pragma once

#include <string>

#include "card/secure_string.h"
#include "card/types.h"
#include "pkcs11/pinentry.h"

namespace jpki::pkcs11 {

// Which certificate, the PIN's shape, tries left, and what the last wrong try costs.
PinPrompt prompt_for(card::KeyKind kind, int tries_left);
// The PIN is locked: nothing to type, where to go.
PinPrompt locked_notice(card::KeyKind kind);
// Empty when `pin` has the PIN's shape; otherwise what the holder is told.
std::string shape_error(card::KeyKind kind, card::SecureString& pin);

}  // namespace jpki::pkcs11
