// The module's settings: a config file, then environment variables, which win.
//
//   file: $JPKI_PKCS11_CONFIG, else $XDG_CONFIG_HOME/jpki-pkcs11.conf (or
//         ~/.config/jpki-pkcs11.conf), else /etc/jpki-pkcs11.conf
//   lines: "key = value", '#' starts a comment
//
//   key (environment variable)                            default
//   sign_always_authenticate (JPKI_PKCS11_SIGN_ALWAYS_AUTH)  on: CKA_ALWAYS_AUTHENTICATE on the sign key
//   rsa_pss (JPKI_PKCS11_RSA_PSS)                            off: CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS
//   pinentry (JPKI_PKCS11_PINENTRY)                          "": a pinentry program (protected PIN path)
//   pinentry_timeout (JPKI_PKCS11_PINENTRY_TIMEOUT)          300: seconds the pinentry waits for the holder
//   reader (JPKI_PKCS11_READER)                              "": only readers whose name contains this
//   tokens (JPKI_PKCS11_TOKENS)                              "auth" in a web browser, else "both";
//                                                            "auth", "sign" or "both"
#pragma once

#include <string>
#include <string_view>

namespace jpki::pkcs11 {

struct Settings {
  bool sign_always_authenticate = true;
  bool rsa_pss = false;
  std::string pinentry;
  int pinentry_timeout = 300;  // seconds; then the login fails (CKR_FUNCTION_FAILED) and the window closes
  std::string reader;
  bool show_auth_token = true;
  bool show_sign_token = true;
  std::string source;         // the config file read, if any (for the debug log)
  std::string tokens_reason;  // why these tokens are shown (for the debug log)
};

// Reads the file and the environment now (C_Initialize time). `program` is the
// host's executable name: it decides the default of "tokens".
Settings load_settings(std::string_view program);

// The running program's executable name (basename of /proc/self/exe), "" if unknown.
std::string host_program();

// A login page never needs the signing key. Shown the signing token, a browser
// asks for the signing password (5 tries) to list its certificate, the one that
// carries name and address. So browsers see only the authentication token.
bool is_web_browser(std::string_view program);

// "on/off", "1/0", "yes/no", "true/false"; anything else leaves `fallback`.
bool parse_switch(const std::string& value, bool fallback);
// A whole number of seconds, 1 to 999999; anything else leaves `fallback`.
int parse_seconds(const std::string& value, int fallback);

}  // namespace jpki::pkcs11
