// What a token without these features still owes a caller (PKCS#11 2.40 §5):
// the session and argument checks first, then the refusal the specification
// names. Plus the two small things it can do on the host: software digests
// (C_Digest*) and C_GetObjectSize.
#include <cstring>

#include "pkcs11/mechanisms.h"
#include "pkcs11/module.h"

namespace jpki::pkcs11 {
namespace {

bool any_null(std::initializer_list<const void*> required) {
  for (const void* p : required) {
    if (p == nullptr) {
      return true;
    }
  }
  return false;
}

// The two-call length pattern (§5.2) for a digest: a NULL buffer asks the length and a
// short one says so, and both keep the operation; otherwise the digest of all it was
// given, `last` included, is written and the operation ends.
CK_RV answer_digest(std::optional<DigestOperation>& digest, ByteView last, CK_BYTE_PTR out,
                    CK_ULONG_PTR out_len) {
  const std::size_t size = digest->size();
  if (out == nullptr) {
    *out_len = size;
    return CKR_OK;
  }
  if (*out_len < size) {
    *out_len = size;
    throw CkrError{CKR_BUFFER_TOO_SMALL};
  }
  DigestOperation op = std::move(*digest);
  digest.reset();
  op.update(last);
  const Bytes hash = op.finish();
  std::memcpy(out, hash.data(), hash.size());
  *out_len = hash.size();
  return CKR_OK;
}

}  // namespace

CK_RV Module::refuse_in_session(CK_SESSION_HANDLE h, CK_RV rv, std::initializer_list<const void*> required) {
  (void)session(h);
  throw CkrError{any_null(required) ? CKR_ARGUMENTS_BAD : rv};
}

CK_RV Module::refuse_mechanism(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech,
                               std::initializer_list<const void*> required) {
  (void)session(h);
  if (mech == nullptr || any_null(required)) {
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  throw CkrError{CKR_MECHANISM_INVALID};
}

// §5.15: this token has no random number generator (the card's GET CHALLENGE
// is not confirmed by any source), and CKR_RANDOM_NO_RNG outranks
// CKR_RANDOM_SEED_NOT_SUPPORTED.
CK_RV Module::generate_random(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len) {
  (void)session(h);
  if (out == nullptr && len > 0) {
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  throw CkrError{CKR_RANDOM_NO_RNG};
}
CK_RV Module::seed_random(CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len) {
  (void)session(h);
  if (seed == nullptr && len > 0) {
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  throw CkrError{CKR_RANDOM_NO_RNG};
}

// §5.7: a certificate's size is its DER; a private key's is not to be told
// (CKR_INFORMATION_SENSITIVE); a public key's is its SubjectPublicKeyInfo.
CK_RV Module::get_object_size(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ULONG_PTR size) {
  Session& s = session(h);
  InsertedCard& c = card_of(s);
  if (size == nullptr) {
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  const auto ref = object_of(obj, s.token);
  if (!ref || !visible(s, *ref)) {
    throw CkrError{CKR_OBJECT_HANDLE_INVALID};
  }
  if (ref->kind == ObjectKind::kPrivateKey) {
    throw CkrError{CKR_INFORMATION_SENSITIVE};
  }
  const CK_ATTRIBUTE_TYPE type = ref->kind == ObjectKind::kPublicKey ? CKA_PUBLIC_KEY_INFO : CKA_VALUE;
  std::shared_ptr<const ParsedCertificate> held;
  const CertificateSource source = [&]() -> const ParsedCertificate& {
    held = certificate(c, source_certificate(*ref));
    return *held;
  };
  const AttributeValue v = attribute_of(*ref, type, source, object_settings_, c.auth_certificate_private);
  *size = v.state == AttributeValue::State::kValue ? v.value.size() : CK_UNAVAILABLE_INFORMATION;
  return CKR_OK;
}

// §5.10. A digest needs no card and no login; each session has its own.
CK_RV Module::digest_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech) {
  Session& s = session(h);
  if (mech == nullptr) {
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  if (s.digest) {
    throw CkrError{CKR_OPERATION_ACTIVE};
  }
  const DigestMechanism* d = find_digest(mech->mechanism);
  if (d == nullptr) {
    throw CkrError{CKR_MECHANISM_INVALID};
  }
  if (mech->pParameter != nullptr || mech->ulParameterLen != 0) {
    throw CkrError{CKR_MECHANISM_PARAM_INVALID};
  }
  s.digest.emplace(d->digest());
  return CKR_OK;
}

// Ends the operation except for a length query or CKR_BUFFER_TOO_SMALL.
CK_RV Module::digest(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out,
                     CK_ULONG_PTR out_len) {
  Session& s = session(h);
  if (!s.digest) {
    throw CkrError{CKR_OPERATION_NOT_INITIALIZED};
  }
  if (out_len == nullptr || (data == nullptr && len > 0)) {
    s.digest.reset();
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  if (s.digest->multipart) {
    throw CkrError{CKR_OPERATION_ACTIVE};  // C_DigestFinal ends a multi-part digest
  }
  return answer_digest(s.digest, ByteView(data, len), out, out_len);
}

CK_RV Module::digest_update(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len) {
  Session& s = session(h);
  if (!s.digest) {
    throw CkrError{CKR_OPERATION_NOT_INITIALIZED};
  }
  if (data == nullptr && len > 0) {
    s.digest.reset();
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  s.digest->multipart = true;
  try {
    s.digest->update(ByteView(data, len));
  } catch (...) {
    s.digest.reset();
    throw;
  }
  return CKR_OK;
}

// Our keys are RSA keys on the card, not secret keys whose value could be hashed.
CK_RV Module::digest_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key) {
  Session& s = session(h);
  if (!s.digest) {
    throw CkrError{CKR_OPERATION_NOT_INITIALIZED};
  }
  s.digest.reset();  // an error ends the operation
  const auto ref = object_of(key, s.token);
  if (!ref || !visible(s, *ref) || ref->kind == ObjectKind::kCertificate ||
      ref->kind == ObjectKind::kCaCertificate) {
    throw CkrError{CKR_KEY_HANDLE_INVALID};
  }
  throw CkrError{CKR_KEY_INDIGESTIBLE};
}

CK_RV Module::digest_final(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len) {
  Session& s = session(h);
  if (!s.digest) {
    throw CkrError{CKR_OPERATION_NOT_INITIALIZED};
  }
  if (out_len == nullptr) {
    s.digest.reset();
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  return answer_digest(s.digest, {}, out, out_len);
}

}  // namespace jpki::pkcs11
