// The serial number a token shows (CK_TOKEN_INFO.serialNumber, 16 characters),
// from the best source the card offers. Only C_GetTokenInfo needs it, so it is
// worked out when asked, from certificates the caller may already hold.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "apdu/bytes.h"
#include "card/jpki_card.h"
#include "card/types.h"

namespace jpki::card {

// Returns the DER of a certificate that needs no PIN, or nullopt when the card
// wants a PIN for it (6982) or cannot give it now.
using PublicCertificate = std::function<std::optional<Bytes>(CertKind)>;

// In order:
// 1. EF 0006 serialNumber (160-byte layout) when present and not blank or zeros;
// 2. the authentication certificate's serial number, upper-case hex, its last 16
//    digits — unless the model keeps that certificate behind the PIN (Android):
//    a serial must not change with the login state;
// 3. the first 16 hex digits of SHA-256 over EF 0006 and the authentication CA
//    certificate. Stable for the token, but NOT unique: every phone of one model
//    with a 32-byte EF 0006 under one CA shows the same value.
// Reads only what the step it reaches needs.
std::string token_serial(const TokenInfo& info, const PublicCertificate& certificate);

// Upper-case hex of a certificate's serial number, its last 16 digits; nullopt
// when the bytes are not a certificate.
std::optional<std::string> certificate_serial_hex(ByteView der);

}  // namespace jpki::card
