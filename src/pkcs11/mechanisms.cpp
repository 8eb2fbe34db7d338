#include "pkcs11/mechanisms.h"

#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

namespace jpki::pkcs11 {
namespace {

// The fixed DER prefixes of RFC 8017 §9.2, note 1.
constexpr std::array<std::uint8_t, 15> kSha1Prefix = {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E,
                                                      0x03, 0x02, 0x1A, 0x05, 0x00, 0x04, 0x14};
constexpr std::array<std::uint8_t, 19> kSha224Prefix = {0x30, 0x2D, 0x30, 0x0D, 0x06, 0x09, 0x60,
                                                        0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                        0x04, 0x05, 0x00, 0x04, 0x1C};
constexpr std::array<std::uint8_t, 19> kSha256Prefix = {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60,
                                                        0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                        0x01, 0x05, 0x00, 0x04, 0x20};
constexpr std::array<std::uint8_t, 19> kSha384Prefix = {0x30, 0x41, 0x30, 0x0D, 0x06, 0x09, 0x60,
                                                        0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                        0x02, 0x05, 0x00, 0x04, 0x30};
constexpr std::array<std::uint8_t, 19> kSha512Prefix = {0x30, 0x51, 0x30, 0x0D, 0x06, 0x09, 0x60,
                                                        0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                        0x03, 0x05, 0x00, 0x04, 0x40};

const std::array<Mechanism, 8> kMechanisms = {{
    {CKM_RSA_PKCS, nullptr, false, {}},
    {CKM_SHA1_RSA_PKCS, EVP_sha1, false, kSha1Prefix},
    {CKM_SHA224_RSA_PKCS, EVP_sha224, false, kSha224Prefix},
    {CKM_SHA256_RSA_PKCS, EVP_sha256, false, kSha256Prefix},
    {CKM_SHA384_RSA_PKCS, EVP_sha384, false, kSha384Prefix},
    {CKM_SHA512_RSA_PKCS, EVP_sha512, false, kSha512Prefix},
    {CKM_RSA_PKCS_PSS, nullptr, true, {}},
    {CKM_SHA256_RSA_PKCS_PSS, EVP_sha256, true, {}},
}};

const std::array<DigestMechanism, 5> kDigests = {{
    {CKM_SHA_1, EVP_sha1},
    {CKM_SHA224, EVP_sha224},
    {CKM_SHA256, EVP_sha256},
    {CKM_SHA384, EVP_sha384},
    {CKM_SHA512, EVP_sha512},
}};

const Mechanism* row_of(CK_MECHANISM_TYPE m) {
  const auto it =
      std::find_if(kMechanisms.begin(), kMechanisms.end(), [&](const Mechanism& r) { return r.type == m; });
  return it == kMechanisms.end() ? nullptr : &*it;
}

std::vector<CK_MECHANISM_TYPE> types_of(bool with_pss) {
  std::vector<CK_MECHANISM_TYPE> out;
  for (const Mechanism& r : kMechanisms) {
    if (!r.pss || with_pss) {
      out.push_back(r.type);
    }
  }
  return out;
}

}  // namespace

std::span<const Mechanism> mechanism_table() { return kMechanisms; }

const Mechanism* find_mechanism(CK_MECHANISM_TYPE m, bool pss_enabled) {
  const Mechanism* r = row_of(m);
  return r != nullptr && (!r->pss || pss_enabled) ? r : nullptr;
}

const std::vector<CK_MECHANISM_TYPE>& signature_mechanisms(bool with_pss) {
  static const std::vector<CK_MECHANISM_TYPE> pkcs1 = types_of(false);
  static const std::vector<CK_MECHANISM_TYPE> all = types_of(true);
  return with_pss ? all : pkcs1;
}

std::span<const DigestMechanism> digest_table() { return kDigests; }

const DigestMechanism* find_digest(CK_MECHANISM_TYPE m) {
  const auto it =
      std::find_if(kDigests.begin(), kDigests.end(), [&](const DigestMechanism& d) { return d.type == m; });
  return it == kDigests.end() ? nullptr : &*it;
}

std::vector<CK_MECHANISM_TYPE> token_mechanisms(bool with_pss) {
  std::vector<CK_MECHANISM_TYPE> out = signature_mechanisms(with_pss);
  for (const DigestMechanism& d : kDigests) {
    out.push_back(d.type);
  }
  return out;
}

bool digest_mechanism_info(CK_MECHANISM_TYPE m, CK_MECHANISM_INFO& info) {
  if (find_digest(m) == nullptr) {
    return false;
  }
  info.ulMinKeySize = 0;  // no key
  info.ulMaxKeySize = 0;
  info.flags = CKF_DIGEST;  // software, on the host: no CKF_HW
  return true;
}

bool is_pss(CK_MECHANISM_TYPE m) {
  const Mechanism* r = row_of(m);
  return r != nullptr && r->pss;
}

bool is_supported_mechanism(CK_MECHANISM_TYPE m, bool pss_enabled) {
  return find_mechanism(m, pss_enabled) != nullptr;
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

MessageInput::MessageInput(CK_MECHANISM_TYPE m)
    : mechanism_(row_of(m)),
      md_(mechanism_ != nullptr && mechanism_->digest != nullptr ? mechanism_->digest() : nullptr) {
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
  if (mechanism_->pss) {
    return hash;
  }
  // DigestInfo = AlgorithmIdentifier prefix || hash.
  Bytes out(mechanism_->digest_info_prefix.begin(), mechanism_->digest_info_prefix.end());
  out.insert(out.end(), hash.begin(), hash.end());
  return out;
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
