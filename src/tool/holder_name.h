// The certificate holder's name, for a PDF signature's /Name. A JPKI signing
// certificate carries it in subjectAltName (otherName 1.2.392.200149.8.5.5.1);
// its subject CN is an issuance number, not a name.
#pragma once

#include <string>

#include "apdu/bytes.h"

namespace jpki::tool {

// UTF-8; the JPKI name if present, else the subject CN, else empty. Throws on a non-certificate.
std::string holder_name(ByteView cert_der);

}  // namespace jpki::tool
