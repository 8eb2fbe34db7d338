// The fixed set of objects a JPKI token shows, and their PKCS#11 attributes,
// derived from the certificates on the card. CKA_ID 01 (auth) and 02 (sign) are
// shared by certificate, public key and private key, as OpenSC does.
#pragma once

#include <p11-kit/pkcs11.h>

#include <functional>
#include <optional>
#include <vector>

#include "apdu/bytes.h"
#include "card/types.h"
#include "pkcs11/certificate_facts.h"

namespace jpki::pkcs11 {

enum class ObjectKind { kCertificate, kCaCertificate, kPublicKey, kPrivateKey };

struct ObjectRef {
  card::KeyKind token;
  ObjectKind kind;
};

// Stable handles: 1-4 on the auth token, 5-8 on the sign token.
CK_OBJECT_HANDLE handle_of(ObjectRef ref);
std::optional<ObjectRef> object_of(CK_OBJECT_HANDLE handle, card::KeyKind token);
std::vector<ObjectRef> objects_of(card::KeyKind token);

// CKA_PRIVATE objects appear only after login on their token. The signing
// certificate always needs its PIN; the authentication certificate (and the
// public key taken from it) where the card keeps it behind the PIN too
// (Android, card::auth_certificate_needs_pin, or a card that answered 6982).
bool is_private(ObjectRef ref, bool auth_certificate_private);
// Which certificate the object's attributes come from.
card::CertKind source_certificate(ObjectRef ref);

struct AttributeValue {
  enum class State { kValue, kSensitive, kInvalid } state = State::kInvalid;
  Bytes value;
};

struct ObjectSettings {
  bool sign_key_always_authenticate = true;
  bool rsa_pss = false;
};

// The object's source certificate; it may read the card, and is only called
// for attributes that need it.
using CertificateSource = std::function<const ParsedCertificate&()>;

AttributeValue attribute_of(ObjectRef ref, CK_ATTRIBUTE_TYPE type, const CertificateSource& certificate,
                            const ObjectSettings& settings, bool auth_certificate_private);

}  // namespace jpki::pkcs11
