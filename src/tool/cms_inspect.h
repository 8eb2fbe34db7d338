// What a detached CMS signature holds and whether it verifies: the facts the
// Bureau's rules and `verify-pdf` look at. No trust decision here (see pdf_verify).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "apdu/bytes.h"

namespace jpki::tool {

struct CmsFacts {
  bool parsed = false;       // a DER ContentInfo at the start of the bytes
  std::size_t der_size = 0;  // its length; what follows is padding
  bool zero_padded = false;  // only 0x00 follows it
  bool signed_data = false;  // contentType id-signedData
  bool detached = false;     // no encapsulated content
  int signer_count = 0;
  bool signer_cert_included = false;
  Bytes signer_cert;               // DER, when included
  std::vector<Bytes> other_certs;  // every other certificate in the CMS (chain candidates)
  bool has_signed_attrs = false;
  bool has_content_type = false;
  bool has_message_digest = false;
  Bytes message_digest;
  std::string digest_algorithm;     // short name, e.g. "SHA256"
  std::string signature_algorithm;  // e.g. "rsaEncryption"
  bool digest_is_sha256 = false;
  bool signature_is_rsa = false;  // rsaEncryption or sha256WithRSAEncryption
  bool has_timestamp_token = false;
  bool signature_valid = false;  // the signature and messageDigest verify over the content
  std::string error;             // why not, when it does not
};

// `contents`: the raw /Contents bytes (DER, possibly zero padded). `content`: the signed bytes.
CmsFacts inspect_detached_cms(ByteView contents, ByteView content);

}  // namespace jpki::tool
