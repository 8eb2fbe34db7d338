#include "pkcs11/mechanisms.h"

#include <openssl/rsa.h>

#include <cstring>
#include <stdexcept>

namespace jpki::pkcs11 {
bool is_pss(CK_MECHANISM_TYPE m) { return m == CKM_RSA_PKCS_PSS || m == CKM_SHA256_RSA_PKCS_PSS; }

bool is_supported_mechanism(CK_MECHANISM_TYPE m, bool pss_enabled) {
  if (is_pss(m)) {
    return pss_enabled;
  }
  return m == CKM_RSA_PKCS || m == CKM_SHA1_RSA_PKCS || m == CKM_SHA224_RSA_PKCS ||
         m == CKM_SHA256_RSA_PKCS || m == CKM_SHA384_RSA_PKCS || m == CKM_SHA512_RSA_PKCS;
}

CK_RV check_mechanism_parameter(const CK_MECHANISM& m) {
  if (!is_pss(m.mechanism)) {
    return m.pParameter == nullptr && m.ulParameterLen == 0 ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
  }
  if (m.pParameter == nullptr || m.ulParameterLen != sizeof(CK_RSA_PKCS_PSS_PARAMS)) {
    return CKR_MECHANISM_PARAM_INVALID;
  }
  CK_RSA_PKCS_PSS_PARAMS p{};
  std::memcpy(&p, m.pParameter, sizeof p);
  return p.hashAlg == CKM_SHA256 && p.mgf == CKG_MGF1_SHA256 && p.sLen == 32 ? CKR_OK
                                                                             : CKR_MECHANISM_PARAM_INVALID;
}

const EVP_MD* digest_of(CK_MECHANISM_TYPE m) {
  switch (m) {
    case CKM_SHA1_RSA_PKCS:
      return EVP_sha1();
    case CKM_SHA224_RSA_PKCS:
      return EVP_sha224();
    case CKM_SHA256_RSA_PKCS:
    case CKM_SHA256_RSA_PKCS_PSS:
      return EVP_sha256();
    case CKM_SHA384_RSA_PKCS:
      return EVP_sha384();
    case CKM_SHA512_RSA_PKCS:
      return EVP_sha512();
    default:
      return nullptr;
  }
}

Bytes digest_info(const EVP_MD* md, ByteView hash) {
  // The fixed DER prefixes of RFC 8017 §9.2, note 1.
  Bytes prefix;
  switch (EVP_MD_get_type(md)) {
    case NID_sha1:
      prefix = from_hex("30 21 30 09 06 05 2B 0E 03 02 1A 05 00 04 14");
      break;
    case NID_sha224:
      prefix = from_hex("30 2D 30 0D 06 09 60 86 48 01 65 03 04 02 04 05 00 04 1C");
      break;
    case NID_sha256:
      prefix = from_hex("30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20");
      break;
    case NID_sha384:
      prefix = from_hex("30 41 30 0D 06 09 60 86 48 01 65 03 04 02 02 05 00 04 30");
      break;
    case NID_sha512:
      prefix = from_hex("30 51 30 0D 06 09 60 86 48 01 65 03 04 02 03 05 00 04 40");
      break;
    default:
      throw std::invalid_argument("unsupported digest");
  }
  prefix.insert(prefix.end(), hash.begin(), hash.end());
  return prefix;
}

MessageInput::MessageInput(CK_MECHANISM_TYPE m) : md_(digest_of(m)), pss_(is_pss(m)) {
  if (md_ != nullptr) {
    ctx_.reset(EVP_MD_CTX_new());
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), md_, nullptr) != 1) {
      throw std::runtime_error("digest init");
    }
  }
}

void MessageInput::update(ByteView data) {
  if (md_ == nullptr) {
    buffer_.insert(buffer_.end(), data.begin(), data.end());
    return;
  }
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
    throw std::runtime_error("digest update");
  }
}

Bytes MessageInput::finish() {
  if (md_ == nullptr) {
    return buffer_;
  }
  Bytes hash(static_cast<std::size_t>(EVP_MD_get_size(md_)));
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), hash.data(), &len) != 1) {
    throw std::runtime_error("digest final");
  }
  hash.resize(len);
  return pss_ ? hash : digest_info(md_, hash);
}

bool verify_pkcs1(EVP_PKEY* key, ByteView digest_info_bytes, ByteView signature) {
  const PkeyCtx ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
    return false;
  }
  return EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digest_info_bytes.data(),
                         digest_info_bytes.size()) == 1;
}

bool verify_pss_sha256(EVP_PKEY* key, ByteView hash, ByteView signature) {
  const PkeyCtx ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), 32) != 1) {
    return false;
  }
  return EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), hash.data(), hash.size()) == 1;
}

}  // namespace jpki::pkcs11
