// The authentication key as one OpenSSH authorized_keys line, built from the card's
// authentication certificate with OpenSSL (no ssh-keygen needed, no PIN).
#pragma once

#include <string>

#include "apdu/bytes.h"

namespace jpki::tool {

// The RFC 4253 "ssh-rsa" public key blob: string "ssh-rsa", mpint e, mpint n.
// Throws std::invalid_argument when `cert_der` is not a certificate with an RSA key.
Bytes ssh_rsa_blob(ByteView cert_der);

// "ssh-rsa <base64 blob> My Number Card (JPKI user authentication, expires YYYY-MM-DD)".
std::string authorized_keys_line(ByteView cert_der);

}  // namespace jpki::tool
