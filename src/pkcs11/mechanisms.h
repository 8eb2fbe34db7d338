// Signature mechanisms: which hash each uses, the DigestInfo the card is sent,
// and software verification with the certificate's public key.
#pragma once

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include "apdu/bytes.h"
#include "common/openssl_ptr.h"

namespace jpki::pkcs11 {

// The PSS ones only when `pss_enabled` (the rsa_pss setting).
bool is_supported_mechanism(CK_MECHANISM_TYPE m, bool pss_enabled);
bool is_pss(CK_MECHANISM_TYPE m);
// The one PSS parameter set the card does (P1=04): SHA-256, MGF1-SHA-256, 32-byte salt.
// CKR_OK, or CKR_MECHANISM_PARAM_INVALID. Other mechanisms take no parameter.
CK_RV check_mechanism_parameter(const CK_MECHANISM& m);
// nullptr for CKM_RSA_PKCS and CKM_RSA_PKCS_PSS (the caller hands in what is signed).
const EVP_MD* digest_of(CK_MECHANISM_TYPE m);
// DER DigestInfo = AlgorithmIdentifier prefix || hash.
Bytes digest_info(const EVP_MD* md, ByteView hash);

// Host-side hashing for the *_RSA_PKCS mechanisms, or buffering for CKM_RSA_PKCS.
class MessageInput {
 public:
  explicit MessageInput(CK_MECHANISM_TYPE m);
  void update(ByteView data);
  // The bytes the card signs (or the verifier checks): a DigestInfo, or for PSS the hash.
  Bytes finish();
  [[nodiscard]] bool raw() const { return md_ == nullptr; }
  [[nodiscard]] std::size_t buffered() const { return buffer_.size(); }

 private:
  const EVP_MD* md_;
  bool pss_;
  MdCtx ctx_;
  Bytes buffer_;  // CKM_RSA_PKCS input
};

// PKCS#1 v1.5 verification of `signature` over `digest_info` with the public key.
bool verify_pkcs1(EVP_PKEY* key, ByteView digest_info, ByteView signature);
// RSA-PSS (SHA-256, MGF1-SHA-256, salt 32) verification over a SHA-256 hash.
bool verify_pss_sha256(EVP_PKEY* key, ByteView hash, ByteView signature);

}  // namespace jpki::pkcs11
