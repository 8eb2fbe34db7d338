// Signing on the card and verifying in software, on the mechanism table.
#include <cstring>

#include "pkcs11/card_calls.h"
#include "pkcs11/module.h"

namespace jpki::pkcs11 {

using card::KeyKind;

namespace {

CK_RV verified(VerifyOperation& op, ByteView sig) {
  const Bytes in = op.input.finish();
  const bool ok = is_pss(op.mechanism) ? in.size() == 32 && verify_pss_sha256(op.key.get(), in, sig)
                                       : verify_pkcs1(op.key.get(), in, sig);
  if (!ok) {
    throw CkrError{CKR_SIGNATURE_INVALID};
  }
  return CKR_OK;
}

}  // namespace

namespace {
// What C_SignInit and C_VerifyInit check first, in the same order.
void check_operation_start(CK_MECHANISM_PTR mech, bool active, bool rsa_pss) {
  if (mech == nullptr) {
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  if (active) {
    throw CkrError{CKR_OPERATION_ACTIVE};
  }
  if (!is_supported_mechanism(mech->mechanism, rsa_pss)) {
    throw CkrError{CKR_MECHANISM_INVALID};
  }
  if (const CK_RV rv = check_mechanism_parameter(*mech); rv != CKR_OK) {
    throw CkrError{rv};
  }
}
}  // namespace

void Module::drop_sign_operation(Session& s) {
  const bool context_login = s.sign && s.sign->context_login_done;
  s.sign.reset();
  InsertedCard* c = s.reader->card.get();
  if (context_login && c != nullptr && c->generation == s.generation) {
    clear_card_state(*c, card::ClearScope::kSigningPin, true);
  }
}

// ---- signing --------------------------------------------------------------

CK_RV Module::sign_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key) {
  Session& s = session(h);
  InsertedCard& c = card_of(s);
  check_operation_start(mech, s.sign.has_value(), settings_.rsa_pss);
  const auto ref = object_of(key, s.token);
  if (!ref) {
    throw CkrError{CKR_KEY_HANDLE_INVALID};
  }
  if (ref->kind != ObjectKind::kPrivateKey) {
    throw CkrError{visible(s, *ref) ? CKR_KEY_FUNCTION_NOT_PERMITTED : CKR_KEY_HANDLE_INVALID};
  }
  if (!c.is_logged_in(s.token)) {
    throw CkrError{CKR_USER_NOT_LOGGED_IN};
  }
  s.sign.emplace(SignOperation{mech->mechanism, *ref, MessageInput(mech->mechanism), false,
                               s.token == KeyKind::kSign && object_settings_.sign_key_always_authenticate,
                               false});
  return CKR_OK;
}

CK_RV Module::finish_signature(Session& s, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len) {
  SignOperation& op = *s.sign;
  // A length query, or a buffer too small, leaves the operation active.
  if (sig == nullptr) {
    *sig_len = apdu::kSignatureSize;
    return CKR_OK;
  }
  if (*sig_len < apdu::kSignatureSize) {
    *sig_len = apdu::kSignatureSize;
    throw CkrError{CKR_BUFFER_TOO_SMALL};
  }
  SignOperation done = std::move(op);
  s.sign.reset();
  InsertedCard& c = card_of(s);
  const Bytes input = done.input.finish();
  const bool pss = is_pss(done.mechanism);
  CK_RV refused = CKR_OK;
  if (!c.is_logged_in(s.token) || (done.needs_context_login && !done.context_login_done)) {
    refused = CKR_USER_NOT_LOGGED_IN;
  } else if (input.empty() || input.size() > apdu::kMaxDigestInfo || (pss && input.size() != 32)) {
    refused = CKR_DATA_LEN_RANGE;
  }
  if (refused != CKR_OK) {
    if (done.context_login_done) {  // its signature will not come: nor will its verification stay
      clear_card_state(c, card::ClearScope::kSigningPin, true);
    }
    throw CkrError{refused};
  }
  const auto scheme = pss ? apdu::SignScheme::kPssPrehashedSha256 : apdu::SignScheme::kPkcs1DigestInfo;
  // CKA_ALWAYS_AUTHENTICATE: the verification is used up by this one signature,
  // cleared in the same transaction (nobody signs in between).
  const bool one_signature = done.needs_context_login;
  Bytes signature;
  try {
    signature = in_one_transaction(c, [&](card::JpkiCard& k, card::Cleared& cleared) {
      if (!one_signature) {
        return k.sign(s.token, input, scheme);
      }
      try {
        Bytes out = k.sign(s.token, input, scheme);
        cleared = k.clear_verified(card::ClearScope::kSigningPin, card::SignPinNow::kJustSigned);
        return out;
      } catch (const card::CardError&) {
        cleared = k.clear_verified(card::ClearScope::kSigningPin);
        throw;
      }
    });
  } catch (const card::CardError& e) {
    if (e.kind() == card::CardErrorKind::kSecurityNotSatisfied) {
      c.set_logged_in(s.token, false);
    }
    throw;
  }
  std::memcpy(sig, signature.data(), signature.size());
  *sig_len = signature.size();
  return CKR_OK;
}

CK_RV Module::sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
                   CK_ULONG_PTR sig_len) {
  Session& s = session(h);
  card_of(s);
  if (!s.sign) {
    throw CkrError{CKR_OPERATION_NOT_INITIALIZED};
  }
  if ((data == nullptr && len > 0) || sig_len == nullptr) {
    drop_sign_operation(s);
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  if (s.sign->multipart) {
    drop_sign_operation(s);
    throw CkrError{CKR_OPERATION_ACTIVE};
  }
  if (s.sign->input.raw() && len > apdu::kMaxDigestInfo) {
    drop_sign_operation(s);
    throw CkrError{CKR_DATA_LEN_RANGE};
  }
  if (sig != nullptr && *sig_len >= apdu::kSignatureSize) {
    s.sign->input.update(ByteView(data, len));
  }
  return finish_signature(s, sig, sig_len);
}

CK_RV Module::sign_update(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len) {
  Session& s = session(h);
  card_of(s);
  if (!s.sign) {
    throw CkrError{CKR_OPERATION_NOT_INITIALIZED};
  }
  if (data == nullptr && len > 0) {
    drop_sign_operation(s);
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  s.sign->multipart = true;
  if (s.sign->input.raw() && s.sign->input.buffered() + len > apdu::kMaxDigestInfo) {
    drop_sign_operation(s);
    throw CkrError{CKR_DATA_LEN_RANGE};
  }
  s.sign->input.update(ByteView(data, len));
  return CKR_OK;
}

CK_RV Module::sign_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len) {
  Session& s = session(h);
  card_of(s);
  if (!s.sign) {
    throw CkrError{CKR_OPERATION_NOT_INITIALIZED};
  }
  if (sig_len == nullptr) {
    drop_sign_operation(s);
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  return finish_signature(s, sig, sig_len);
}

// ---- verification (software, with the certificate's public key) ------------

CK_RV Module::verify_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key) {
  Session& s = session(h);
  InsertedCard& c = card_of(s);
  check_operation_start(mech, s.verify.has_value(), settings_.rsa_pss);
  const auto ref = object_of(key, s.token);
  if (!ref || !visible(s, *ref)) {
    throw CkrError{CKR_KEY_HANDLE_INVALID};
  }
  if (ref->kind != ObjectKind::kPublicKey) {
    throw CkrError{CKR_KEY_TYPE_INCONSISTENT};
  }
  Pkey pub = public_key_of(certificate(c, source_certificate(*ref))->der);
  s.verify.emplace(VerifyOperation{mech->mechanism, MessageInput(mech->mechanism), std::move(pub), false});
  return CKR_OK;
}

CK_RV Module::verify(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG sig_len) {
  Session& s = session(h);
  if (!s.verify) {
    throw CkrError{CKR_OPERATION_NOT_INITIALIZED};
  }
  VerifyOperation op = std::move(*s.verify);
  s.verify.reset();
  if ((data == nullptr && len > 0) || sig == nullptr) {
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  if (op.multipart) {
    throw CkrError{CKR_OPERATION_ACTIVE};
  }
  if (sig_len != apdu::kSignatureSize) {
    throw CkrError{CKR_SIGNATURE_LEN_RANGE};
  }
  op.input.update(ByteView(data, len));
  return verified(op, ByteView(sig, sig_len));
}

CK_RV Module::verify_update(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len) {
  Session& s = session(h);
  if (!s.verify) {
    throw CkrError{CKR_OPERATION_NOT_INITIALIZED};
  }
  if (data == nullptr && len > 0) {
    s.verify.reset();
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  s.verify->multipart = true;
  s.verify->input.update(ByteView(data, len));
  return CKR_OK;
}

CK_RV Module::verify_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG sig_len) {
  Session& s = session(h);
  if (!s.verify) {
    throw CkrError{CKR_OPERATION_NOT_INITIALIZED};
  }
  VerifyOperation op = std::move(*s.verify);
  s.verify.reset();
  if (sig == nullptr) {
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  if (sig_len != apdu::kSignatureSize) {
    throw CkrError{CKR_SIGNATURE_LEN_RANGE};
  }
  return verified(op, ByteView(sig, sig_len));
}

}  // namespace jpki::pkcs11
