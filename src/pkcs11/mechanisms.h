// Signature mechanisms: one table says which mechanisms exist, which hash each
// uses, whether it is PSS, and the DigestInfo the card is sent. Every mechanism
// function (C_GetMechanismList/Info, CKA_ALLOWED_MECHANISMS, C_SignInit,
// C_VerifyInit, the host-side hashing) reads it. Plus software verification with
// the certificate's public key.
#pragma once

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include <span>
#include <vector>

#include "apdu/bytes.h"
#include "common/openssl_ptr.h"

namespace jpki::pkcs11 {

struct Mechanism {
  CK_MECHANISM_TYPE type;
  // The hash done on the host; nullptr: the caller hands in what is signed
  // (a DigestInfo for CKM_RSA_PKCS, a SHA-256 hash for CKM_RSA_PKCS_PSS).
  const EVP_MD* (*digest)();
  // The card does PSS (P1=04) with SHA-256 only (docs/jpki-card.md §3.2); the rsa_pss
  // setting turns these on.
  bool pss;
  // DER prefix of the DigestInfo (RFC 8017 §9.2, note 1); empty where no DigestInfo is built.
  ByteView digest_info_prefix;
};

// Every mechanism, in the order C_GetMechanismList gives them.
std::span<const Mechanism> mechanism_table();
// The row of `m`, or nullptr when the module does not offer it (PSS only when `pss_enabled`).
const Mechanism* find_mechanism(CK_MECHANISM_TYPE m, bool pss_enabled);
// The mechanism types, in table order: C_GetMechanismList and CKA_ALLOWED_MECHANISMS.
const std::vector<CK_MECHANISM_TYPE>& signature_mechanisms(bool with_pss);

bool is_supported_mechanism(CK_MECHANISM_TYPE m, bool pss_enabled);
bool is_pss(CK_MECHANISM_TYPE m);
// The one PSS parameter set the card does (P1=04): SHA-256, MGF1-SHA-256, 32-byte salt.
// CKR_OK, or CKR_MECHANISM_PARAM_INVALID. Other mechanisms take no parameter.
CK_RV check_mechanism_parameter(const CK_MECHANISM& m);

// Software digests (C_Digest*): hashed on the host, nothing goes to the card.
struct DigestMechanism {
  CK_MECHANISM_TYPE type;
  const EVP_MD* (*digest)();
};
std::span<const DigestMechanism> digest_table();
const DigestMechanism* find_digest(CK_MECHANISM_TYPE m);  // nullptr: not a digest we do
// C_GetMechanismList: the signature mechanisms, then the digests.
std::vector<CK_MECHANISM_TYPE> token_mechanisms(bool with_pss);
// C_GetMechanismInfo for a digest: fills `info` and says true; false for any other mechanism.
bool digest_mechanism_info(CK_MECHANISM_TYPE m, CK_MECHANISM_INFO& info);

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
  const Mechanism* mechanism_;
  const EVP_MD* md_;
  MdCtx ctx_;
  Bytes buffer_;  // CKM_RSA_PKCS input
};

// PKCS#1 v1.5 verification of `signature` over `digest_info` with the public key.
bool verify_pkcs1(EVP_PKEY* key, ByteView digest_info, ByteView signature);
// RSA-PSS (SHA-256, MGF1-SHA-256, salt 32) verification over a SHA-256 hash.
bool verify_pss_sha256(EVP_PKEY* key, ByteView hash, ByteView signature);

}  // namespace jpki::pkcs11
