#include "pkcs11/digest_operation.h"

#include <stdexcept>

namespace jpki::pkcs11 {

DigestOperation::DigestOperation(const EVP_MD* md) : md_(md), ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), md_, nullptr) != 1) {
    throw std::runtime_error("digest init");
  }
}

std::size_t DigestOperation::size() const { return static_cast<std::size_t>(EVP_MD_get_size(md_)); }

void DigestOperation::update(ByteView data) {
  if (!data.empty() && EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
    throw std::runtime_error("digest update");
  }
}

Bytes DigestOperation::finish() {
  Bytes out(size());
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1) {
    throw std::runtime_error("digest final");
  }
  out.resize(len);
  return out;
}

}  // namespace jpki::pkcs11
