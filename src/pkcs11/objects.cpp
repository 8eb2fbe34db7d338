#include "pkcs11/objects.h"

#include <openssl/sha.h>

#include <cstring>
#include <string>

#include "pkcs11/certificate_facts.h"
#include "pkcs11/mechanisms.h"

namespace jpki::pkcs11 {
namespace {

using card::CertKind;
using card::KeyKind;
using State = AttributeValue::State;

template <typename T>
AttributeValue scalar(T v) {
  AttributeValue a{State::kValue, Bytes(sizeof v)};
  std::memcpy(a.value.data(), &v, sizeof v);
  return a;
}
AttributeValue boolean(bool v) { return scalar<CK_BBOOL>(v ? CK_TRUE : CK_FALSE); }
AttributeValue bytes(Bytes v) { return AttributeValue{State::kValue, std::move(v)}; }
AttributeValue text(const std::string& s) { return bytes(Bytes(s.begin(), s.end())); }
AttributeValue sensitive() { return AttributeValue{State::kSensitive, {}}; }
AttributeValue invalid() { return AttributeValue{State::kInvalid, {}}; }
AttributeValue date(const std::string& ymd) { return text(ymd); }  // CK_DATE is 8 ASCII digits

std::string label_of(ObjectRef r) {
  const bool auth = r.token == KeyKind::kAuth;
  switch (r.kind) {
    case ObjectKind::kCertificate:
      return auth ? "User Authentication Certificate" : "Digital Signature Certificate";
    case ObjectKind::kCaCertificate:
      return auth ? "User Authentication Certificate CA" : "Digital Signature Certificate CA";
    case ObjectKind::kPublicKey:
      return auth ? "User Authentication Public Key" : "Digital Signature Public Key";
    case ObjectKind::kPrivateKey:
      return auth ? "User Authentication Key" : "Digital Signature Key";
  }
  return {};
}

Bytes id_of(ObjectRef r) {
  // CA certificates get their own IDs (03 auth CA, 04 sign CA) so they never
  // pair with the holder's key.
  if (r.kind == ObjectKind::kCaCertificate) {
    return Bytes{r.token == KeyKind::kAuth ? std::uint8_t{3} : std::uint8_t{4}};
  }
  return Bytes{r.token == KeyKind::kAuth ? std::uint8_t{1} : std::uint8_t{2}};
}

Bytes mechanism_list_bytes(bool with_pss) {
  const auto& mechs = signature_mechanisms(with_pss);
  Bytes out(mechs.size() * sizeof(CK_MECHANISM_TYPE));
  std::memcpy(out.data(), mechs.data(), out.size());
  return out;
}

AttributeValue common_attribute(ObjectRef r, CK_ATTRIBUTE_TYPE type) {
  switch (type) {
    case CKA_TOKEN:
      return boolean(true);
    case CKA_MODIFIABLE:
      return boolean(false);
    case CKA_COPYABLE:
      return boolean(false);
    case CKA_DESTROYABLE:
      return boolean(false);
    case CKA_LABEL:
      return text(label_of(r));
    case CKA_ID:
      return bytes(id_of(r));
    default:
      return invalid();
  }
}

// What certificates and keys alike take from the certificate, then the common attributes.
AttributeValue shared_attribute(ObjectRef r, CK_ATTRIBUTE_TYPE type, const CertificateSource& cert) {
  switch (type) {
    case CKA_SUBJECT:
      return bytes(cert().facts.subject);
    case CKA_START_DATE:
      return date(cert().facts.not_before);
    case CKA_END_DATE:
      return date(cert().facts.not_after);
    case CKA_PUBLIC_KEY_INFO:
      return bytes(cert().facts.spki);
    default:
      return common_attribute(r, type);
  }
}

AttributeValue certificate_attribute(ObjectRef r, CK_ATTRIBUTE_TYPE type, const CertificateSource& cert) {
  switch (type) {
    case CKA_CLASS:
      return scalar<CK_OBJECT_CLASS>(CKO_CERTIFICATE);
    case CKA_CERTIFICATE_TYPE:
      return scalar<CK_CERTIFICATE_TYPE>(CKC_X_509);
    case CKA_TRUSTED:
      return boolean(false);
    case CKA_CERTIFICATE_CATEGORY:
      return scalar<CK_ULONG>(r.kind == ObjectKind::kCaCertificate ? 2UL : 1UL);  // authority : token user
    case CKA_JAVA_MIDP_SECURITY_DOMAIN:
      return scalar<CK_ULONG>(0);
    case CKA_URL:
      return bytes({});
    case CKA_NAME_HASH_ALGORITHM:
      return scalar<CK_MECHANISM_TYPE>(CKM_SHA_1);
    case CKA_VALUE:
      return bytes(cert().der);
    case CKA_CHECK_VALUE: {
      const Bytes& d = cert().der;
      Bytes h(SHA_DIGEST_LENGTH);
      SHA1(d.data(), d.size(), h.data());
      h.resize(3);
      return bytes(h);
    }
    case CKA_ISSUER:
      return bytes(cert().facts.issuer);
    case CKA_SERIAL_NUMBER:
      return bytes(cert().facts.serial);
    case CKA_HASH_OF_SUBJECT_PUBLIC_KEY:
      return bytes(cert().facts.key_hash);
    case CKA_HASH_OF_ISSUER_PUBLIC_KEY:
      return bytes({});
    default:
      return shared_attribute(r, type, cert);
  }
}

AttributeValue key_attribute(ObjectRef r, CK_ATTRIBUTE_TYPE type, const CertificateSource& cert,
                             const ObjectSettings& settings) {
  const bool priv = r.kind == ObjectKind::kPrivateKey;
  switch (type) {
    case CKA_CLASS:
      return scalar<CK_OBJECT_CLASS>(priv ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY);
    case CKA_KEY_TYPE:
      return scalar<CK_KEY_TYPE>(CKK_RSA);
    case CKA_MODULUS:
      return bytes(cert().facts.modulus);
    case CKA_MODULUS_BITS:
      return scalar<CK_ULONG>(cert().facts.modulus_bits);
    case CKA_PUBLIC_EXPONENT:
      return bytes(cert().facts.public_exponent);
    case CKA_DERIVE:
      return boolean(false);
    case CKA_LOCAL:
      return boolean(true);
    case CKA_KEY_GEN_MECHANISM:
      return scalar<CK_MECHANISM_TYPE>(CK_UNAVAILABLE_INFORMATION);
    case CKA_ALLOWED_MECHANISMS:
      return bytes(mechanism_list_bytes(settings.rsa_pss));
    case CKA_ENCRYPT:
    case CKA_WRAP:
    case CKA_VERIFY_RECOVER:
    case CKA_TRUSTED:
      return priv ? invalid() : boolean(false);
    case CKA_VERIFY:
      return priv ? invalid() : boolean(true);
    case CKA_SIGN:
      return priv ? boolean(true) : invalid();
    case CKA_SIGN_RECOVER:
    case CKA_DECRYPT:
    case CKA_UNWRAP:
    case CKA_WRAP_WITH_TRUSTED:
      return priv ? boolean(false) : invalid();
    case CKA_SENSITIVE:
    case CKA_ALWAYS_SENSITIVE:
    case CKA_NEVER_EXTRACTABLE:
      return priv ? boolean(true) : invalid();
    case CKA_EXTRACTABLE:
      return priv ? boolean(false) : invalid();
    case CKA_ALWAYS_AUTHENTICATE:
      return priv ? boolean(r.token == KeyKind::kSign && settings.sign_key_always_authenticate) : invalid();
    case CKA_PRIVATE_EXPONENT:
    case CKA_PRIME_1:
    case CKA_PRIME_2:
    case CKA_EXPONENT_1:
    case CKA_EXPONENT_2:
    case CKA_COEFFICIENT:
    case CKA_VALUE:
      return priv ? sensitive() : invalid();
    default:
      return shared_attribute(r, type, cert);
  }
}

}  // namespace

CK_OBJECT_HANDLE handle_of(ObjectRef ref) {
  return 1 + (ref.token == KeyKind::kAuth ? 0 : 4) + static_cast<CK_OBJECT_HANDLE>(ref.kind);
}

std::optional<ObjectRef> object_of(CK_OBJECT_HANDLE handle, KeyKind token) {
  const CK_OBJECT_HANDLE base = token == KeyKind::kAuth ? 1 : 5;
  if (handle < base || handle >= base + 4) {
    return std::nullopt;
  }
  return ObjectRef{token, static_cast<ObjectKind>(handle - base)};
}

std::vector<ObjectRef> objects_of(KeyKind token) {
  if (token == KeyKind::kAuth) {
    return {{token, ObjectKind::kCertificate},
            {token, ObjectKind::kCaCertificate},
            {token, ObjectKind::kPublicKey},
            {token, ObjectKind::kPrivateKey}};
  }
  return {{token, ObjectKind::kCaCertificate},
          {token, ObjectKind::kCertificate},
          {token, ObjectKind::kPublicKey},
          {token, ObjectKind::kPrivateKey}};
}

bool is_private(ObjectRef r, bool auth_certificate_private) {
  if (r.kind == ObjectKind::kPrivateKey) {
    return true;
  }
  if (r.kind == ObjectKind::kCaCertificate) {
    return false;
  }
  // The signing certificate carries name, address, birth date and sex; the
  // public keys come from the certificates, so they share their privacy.
  return r.token == KeyKind::kSign || auth_certificate_private;
}

card::CertKind source_certificate(ObjectRef r) {
  const bool auth = r.token == KeyKind::kAuth;
  if (r.kind == ObjectKind::kCaCertificate) {
    return auth ? CertKind::kAuthCa : CertKind::kSignCa;
  }
  return auth ? CertKind::kAuth : CertKind::kSign;
}

AttributeValue attribute_of(ObjectRef ref, CK_ATTRIBUTE_TYPE type, const CertificateSource& certificate,
                            const ObjectSettings& settings, bool auth_certificate_private) {
  if (type == CKA_PRIVATE) {
    return boolean(is_private(ref, auth_certificate_private));
  }
  if (ref.kind == ObjectKind::kCertificate || ref.kind == ObjectKind::kCaCertificate) {
    return certificate_attribute(ref, type, certificate);
  }
  return key_attribute(ref, type, certificate, settings);
}

}  // namespace jpki::pkcs11
