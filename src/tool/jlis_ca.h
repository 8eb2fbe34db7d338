// J-LIS's public signing-CA certificates (data/jlis-ca/*.pem, compiled in):
// verify-pdf's default trust anchors, so a signature made with a real card can
// be checked without the card. Never the virtual card's or J-LIS's test CAs.
#pragma once

#include <vector>

#include "tool/pdf_verify.h"

namespace jpki::tool::pdf {

std::vector<TrustAnchor> jlis_signing_cas();

}  // namespace jpki::tool::pdf
