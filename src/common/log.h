// The module's debug log, off unless JPKI_PKCS11_DEBUG is set ("1" or "stderr":
// standard error; anything else: a file path to append to). PINs never reach it:
// callers log call names, return codes and already-redacted APDUs only.
#pragma once

#include <string>

namespace jpki::log {

bool enabled();
void line(const std::string& text);  // no-op when disabled; thread-safe
void reopen();                       // re-read the environment (C_Initialize)

// Fork handlers (the module's pthread_atfork): the log's lock is held across
// fork(), so the child does not inherit it locked by a thread it does not have.
void before_fork();
void after_fork();  // in the parent and in the child

}  // namespace jpki::log
