#include "pkcs11/certificate_facts.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <ctime>
#include <stdexcept>

namespace jpki::pkcs11 {
namespace {

X509Ptr parse(ByteView der) {
  const unsigned char* p = der.data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) {
    throw std::runtime_error("certificate is not valid DER X.509");
  }
  return x;
}

template <typename T, typename F>
Bytes i2d_bytes(T* obj, F i2d) {
  const int len = i2d(obj, nullptr);
  if (len <= 0) {
    throw std::runtime_error("DER encoding failed");
  }
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d(obj, &p);
  return out;
}

Bytes bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    throw std::runtime_error("not an RSA key");
  }
  const BignumPtr bn(raw);
  Bytes out(static_cast<std::size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), out.data());
  return out;
}

std::string ymd(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    return "00000000";
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
                tm.tm_mday % 100);
  return buf;
}

}  // namespace

Pkey public_key_of(ByteView certificate_der) {
  const X509Ptr x = parse(certificate_der);
  Pkey key(X509_get_pubkey(x.get()));
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    throw std::runtime_error("not an RSA certificate");
  }
  return key;
}

CertificateFacts parse_certificate(ByteView der) {
  const X509Ptr x = parse(der);
  CertificateFacts f;
  f.subject = i2d_bytes(X509_get_subject_name(x.get()), i2d_X509_NAME);
  f.issuer = i2d_bytes(X509_get_issuer_name(x.get()), i2d_X509_NAME);
  f.serial = i2d_bytes(X509_get_serialNumber(x.get()), i2d_ASN1_INTEGER);
  Pkey key(X509_get_pubkey(x.get()));
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    throw std::runtime_error("not an RSA certificate");
  }
  f.modulus = bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N);
  f.public_exponent = bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E);
  f.modulus_bits = static_cast<std::size_t>(EVP_PKEY_get_bits(key.get()));
  f.spki = i2d_bytes(X509_get_X509_PUBKEY(x.get()), i2d_X509_PUBKEY);
  const ASN1_BIT_STRING* bits = X509_get0_pubkey_bitstr(x.get());
  f.key_hash.resize(SHA_DIGEST_LENGTH);
  SHA1(bits->data, static_cast<std::size_t>(bits->length), f.key_hash.data());
  f.not_before = ymd(X509_get0_notBefore(x.get()));
  f.not_after = ymd(X509_get0_notAfter(x.get()));
  return f;
}

std::shared_ptr<const ParsedCertificate> parse_certificate_once(Bytes der) {
  CertificateFacts facts = parse_certificate(der);
  return std::make_shared<const ParsedCertificate>(ParsedCertificate{std::move(der), std::move(facts)});
}

}  // namespace jpki::pkcs11
