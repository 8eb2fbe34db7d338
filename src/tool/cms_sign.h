// Detached CMS (PKCS#7 SignedData) where the card does the RSA: OpenSSL builds
// the structure and the signed attributes, the card signs their DigestInfo.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "apdu/bytes.h"

namespace jpki::tool {

// `sign` receives the DER DigestInfo (SHA-256) of the signed attributes and
// returns the card's PKCS#1 v1.5 signature. Returns the CMS in DER.
Bytes make_detached_cms(ByteView content, ByteView signer_cert_der,
                        const std::function<Bytes(ByteView)>& sign);

// The same for content whose SHA-256 the caller has computed (a PDF's ByteRange,
// which is not one contiguous buffer).
Bytes make_detached_cms_for_digest(ByteView content_sha256, ByteView signer_cert_der,
                                   const std::function<Bytes(ByteView)>& sign);

// Checks a detached CMS over `content` against the given CA certificates (DER).
// On failure returns false and says why in `error`.
bool verify_detached_cms(ByteView content, ByteView cms_der, const std::vector<Bytes>& ca_ders,
                         std::string& error);

}  // namespace jpki::tool
