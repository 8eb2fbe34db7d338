// What the PKCS#11 attributes need from an X.509 certificate, parsed with OpenSSL.
#pragma once

#include <memory>
#include <string>

#include "apdu/bytes.h"
#include "common/openssl_ptr.h"

namespace jpki::pkcs11 {

struct CertificateFacts {
  Bytes subject;           // DER Name
  Bytes issuer;            // DER Name
  Bytes serial;            // DER INTEGER
  Bytes modulus;           // big-endian, no leading zero
  Bytes public_exponent;   // big-endian
  Bytes spki;              // DER SubjectPublicKeyInfo
  Bytes key_hash;          // SHA-1 of the subjectPublicKey bits
  std::string not_before;  // YYYYMMDD
  std::string not_after;   // YYYYMMDD
  std::size_t modulus_bits = 0;
};

// Throws std::runtime_error when `der` is not an RSA certificate.
CertificateFacts parse_certificate(ByteView der);
Pkey public_key_of(ByteView certificate_der);

// A certificate read from the card with its facts, parsed once per insertion
// (InsertedCard::certificates), not once per attribute.
struct ParsedCertificate {
  Bytes der;
  CertificateFacts facts;
};
// Throws std::runtime_error when `der` is not an RSA certificate.
std::shared_ptr<const ParsedCertificate> parse_certificate_once(Bytes der);

}  // namespace jpki::pkcs11
