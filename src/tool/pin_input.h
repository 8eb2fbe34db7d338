// PINs for jpki-tool: never from argv. From a file (--pin-file), the
// environment (JPKI_PIN / JPKI_NEW_PIN, for automation) or the terminal without echo.
#pragma once

#include <optional>
#include <string>

#include "card/secure_string.h"

namespace jpki::tool {

// `env` names the environment variable; `file` is a path or empty; `prompt` is shown on /dev/tty.
// `line` picks the file's line (the repeated new PIN may stand on line 2; absent, line 1 serves).
std::optional<card::SecureString> read_pin(const std::string& file, const char* env, const char* prompt,
                                           int line = 0);

}  // namespace jpki::tool
