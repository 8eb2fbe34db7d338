// Signature mechanisms: which hash each uses, the DigestInfo the card is sent,
// and software verification with the certificate's public key.
#pragma once

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include <memory>
#include <optional>

#include "apdu/bytes.h"

namespace jpki::pkcs11 {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

bool is_supported_mechanism(CK_MECHANISM_TYPE m);
// nullptr for CKM_RSA_PKCS (the caller hands in the DigestInfo).
const EVP_MD* digest_of(CK_MECHANISM_TYPE m);
// DER DigestInfo = AlgorithmIdentifier prefix || hash.
Bytes digest_info(const EVP_MD* md, ByteView hash);

// Host-side hashing for the *_RSA_PKCS mechanisms, or buffering for CKM_RSA_PKCS.
class MessageInput {
 public:
  explicit MessageInput(CK_MECHANISM_TYPE m);
  void update(ByteView data);
  // The bytes the card signs (or the verifier checks): a DigestInfo.
  Bytes finish();
  [[nodiscard]] bool raw() const { return md_ == nullptr; }
  [[nodiscard]] std::size_t buffered() const { return buffer_.size(); }

 private:
  const EVP_MD* md_;
  MdCtx ctx_;
  Bytes buffer_;  // CKM_RSA_PKCS input
};

// PKCS#1 v1.5 verification of `signature` over `digest_info` with the public key.
bool verify_pkcs1(EVP_PKEY* key, ByteView digest_info, ByteView signature);

}  // namespace jpki::pkcs11
