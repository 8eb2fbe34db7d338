// PINs for jpki-tool: never from argv. From a file (--pin-file), the
// environment (JPKI_PIN / JPKI_NEW_PIN, for automation) or the terminal without echo.
#pragma once

#include <optional>
#include <string>

#include "card/secure_string.h"

namespace jpki::tool {

// `env` names the environment variable; `file` is a path or empty; `prompt` is shown on /dev/tty.
std::optional<card::SecureString> read_pin(const std::string& file, const char* env, const char* prompt);

}  // namespace jpki::tool
