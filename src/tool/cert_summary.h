// What the holder needs to know of a certificate.
#pragma once

#include <string>
#include <vector>

#include "apdu/bytes.h"
#include "tool/renewal.h"

namespace jpki::tool {

struct CertSummary {
  std::string subject;  // one line, RFC 2253 style
  std::string issuer;
  Date not_after;
};

// Throws std::runtime_error when `der` is not a certificate.
CertSummary summarize(ByteView der);
std::string to_pem(ByteView der);
// Every certificate in a PEM file, as DER.
std::vector<Bytes> certificates_from_pem(ByteView pem);

}  // namespace jpki::tool
