// One session's C_DigestInit .. C_Digest / C_DigestFinal: a software hash on
// the host (the card only signs).
#pragma once

#include <openssl/evp.h>

#include <cstddef>

#include "apdu/bytes.h"
#include "common/openssl_ptr.h"

namespace jpki::pkcs11 {

class DigestOperation {
 public:
  explicit DigestOperation(const EVP_MD* md);  // throws std::runtime_error
  [[nodiscard]] std::size_t size() const;      // the hash's length
  void update(ByteView data);
  Bytes finish();
  // C_DigestUpdate or C_DigestKey ran: only C_DigestFinal may end it.
  bool multipart = false;

 private:
  const EVP_MD* md_;
  MdCtx ctx_;
};

}  // namespace jpki::pkcs11
