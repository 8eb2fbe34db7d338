// PIN entry on a protected path: the holder types the PIN into a pinentry
// program (GnuPG's Assuan pinentry protocol), never into the application.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "card/secure_string.h"

namespace jpki::pkcs11 {

struct PinPrompt {
  std::string title;        // SETTITLE
  std::string description;  // SETDESC: which certificate, the PIN's shape, tries left, warnings
  std::string prompt;       // SETPROMPT
};

// Returns an error text for a PIN of the wrong shape (shown with SETERROR, and
// the holder is asked again), or "" when the shape is right.
using ShapeCheck = std::function<std::string(card::SecureString&)>;

enum class PinEntryResult { kEntered, kCancelled, kWrongShape };

// Runs `program` and asks up to `attempts` times until `check` accepts the PIN.
// Throws std::runtime_error when the program cannot be run or breaks the protocol,
// or when the holder has not answered within `timeout` (the program's protocol
// answers are due within seconds); a program that stopped answering is killed.
PinEntryResult ask_pin(const std::string& program, const PinPrompt& text, const ShapeCheck& check,
                       card::SecureString& pin, std::chrono::seconds timeout, int attempts = 3);

// Shows `text` with one button (Assuan MESSAGE) and waits until the holder
// closes it, at most `timeout`. Throws std::runtime_error when the program cannot be run.
void show_message(const std::string& program, const PinPrompt& text, std::chrono::seconds timeout);

// Assuan: '%', CR and LF in a command's argument are sent as %XX.
std::string assuan_escape(const std::string& s);

}  // namespace jpki::pkcs11
