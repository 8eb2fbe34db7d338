// The module's debug log, off unless JPKI_PKCS11_DEBUG is set ("1" or "stderr":
// standard error; anything else: a file path to append to). PINs never reach it:
// callers log call names, return codes and already-redacted APDUs only.
#pragma once

#include <string>

namespace jpki::log {

bool enabled();
void line(const std::string& text);  // no-op when disabled; thread-safe
void reopen();                       // re-read the environment (C_Initialize)

}  // namespace jpki::log
