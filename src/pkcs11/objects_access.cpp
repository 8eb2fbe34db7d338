// Objects: C_FindObjects*, C_GetAttributeValue, certificates from the card,
// the token serial and which objects a session sees.
#include <cstring>
#include <string>

#include "card/token_serial.h"
#include "pkcs11/card_calls.h"
#include "pkcs11/module.h"

namespace jpki::pkcs11 {

using card::CertKind;
using card::KeyKind;

std::shared_ptr<const ParsedCertificate> Module::certificate(InsertedCard& c, CertKind which) {
  const auto it = c.certificates.find(which);
  if (it != c.certificates.end()) {
    return it->second;
  }
  if ((which == CertKind::kSign && !c.is_logged_in(KeyKind::kSign)) ||
      (which == CertKind::kAuth && c.auth_certificate_private && !c.is_logged_in(KeyKind::kAuth))) {
    throw CkrError{CKR_USER_NOT_LOGGED_IN};
  }
  Bytes der;
  try {
    der =
        with_card(c, which != CertKind::kSign, [&](card::JpkiCard& k) { return k.read_certificate(which); });
  } catch (const card::CardError& e) {
    if (e.kind() == card::CardErrorKind::kSecurityNotSatisfied && which == CertKind::kAuth) {
      c.auth_certificate_private = true;  // whatever the model said: private until login
      c.set_logged_in(KeyKind::kAuth, false);
    } else if (e.kind() == card::CardErrorKind::kSecurityNotSatisfied) {
      c.set_logged_in(KeyKind::kSign, false);
    }
    throw;
  }
  std::shared_ptr<const ParsedCertificate> parsed;
  try {
    parsed =
        parse_certificate_once(std::move(der));  // never keep (or serve) bytes that are not a certificate
  } catch (const std::runtime_error& e) {
    throw card::CardError(card::CardErrorKind::kBadResponse, std::string("certificate EF: ") + e.what());
  }
  c.certificates[which] = parsed;
  return parsed;
}

std::string Module::token_serial(InsertedCard& c) {
  if (c.serial) {
    return *c.serial;
  }
  // Certificates come from (and stay in) the insertion's cache. A certificate the
  // card keeps behind a PIN is a fact; any other failure may pass, so the serial
  // is kept only when none happened.
  bool settled = true;
  std::string serial = card::token_serial(c.info, [&](CertKind which) -> std::optional<Bytes> {
    if (which == CertKind::kAuth && c.auth_certificate_private) {
      return std::nullopt;  // behind the PIN: the serial must not depend on the login
    }
    try {
      return certificate(c, which)->der;
    } catch (const card::CardError& e) {
      settled = settled && e.kind() == card::CardErrorKind::kSecurityNotSatisfied;
      log::line(std::string("serial number: certificate unreadable: ") + e.what());
      return std::nullopt;
    }
  });
  if (settled) {
    c.serial = serial;
  }
  return serial;
}

bool Module::visible(const Session& s, ObjectRef ref) {
  const InsertedCard* c = s.reader->card.get();
  if (!is_private(ref, c != nullptr && c->auth_certificate_private)) {
    return true;
  }
  return c != nullptr && c->is_logged_in(s.token);
}

CK_RV Module::find_objects_init(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count) {
  Session& s = session(h);
  InsertedCard& c = card_of(s);
  if (tmpl == nullptr && count > 0) {
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  if (s.found) {
    throw CkrError{CKR_OPERATION_ACTIVE};
  }
  std::vector<CK_OBJECT_HANDLE> found;
  for (const ObjectRef ref : objects_of(s.token)) {
    if (!visible(s, ref)) {
      continue;
    }
    bool match = true;
    std::shared_ptr<const ParsedCertificate> held;
    const CertificateSource source = [&]() -> const ParsedCertificate& {
      if (!held) {
        held = certificate(c, source_certificate(ref));
      }
      return *held;
    };
    for (CK_ULONG i = 0; i < count && match; ++i) {
      if (tmpl[i].pValue == nullptr && tmpl[i].ulValueLen > 0) {
        throw CkrError{CKR_ARGUMENTS_BAD};
      }
      const AttributeValue v =
          attribute_of(ref, tmpl[i].type, source, object_settings_, c.auth_certificate_private);
      match = v.state == AttributeValue::State::kValue && v.value.size() == tmpl[i].ulValueLen &&
              (v.value.empty() || std::memcmp(v.value.data(), tmpl[i].pValue, v.value.size()) == 0);
    }
    if (match) {
      found.push_back(handle_of(ref));
    }
  }
  s.found = std::move(found);
  s.found_pos = 0;
  return CKR_OK;
}

CK_RV Module::find_objects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR count) {
  Session& s = session(h);
  card_of(s);
  if (out == nullptr || count == nullptr) {
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  if (!s.found) {
    throw CkrError{CKR_OPERATION_NOT_INITIALIZED};
  }
  CK_ULONG n = 0;
  while (n < max && s.found_pos < s.found->size()) {
    out[n++] = (*s.found)[s.found_pos++];
  }
  *count = n;
  return CKR_OK;
}

CK_RV Module::find_objects_final(CK_SESSION_HANDLE h) {
  Session& s = session(h);
  if (!s.found) {
    throw CkrError{CKR_OPERATION_NOT_INITIALIZED};
  }
  s.found.reset();
  return CKR_OK;
}

CK_RV Module::get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl,
                                  CK_ULONG count) {
  Session& s = session(h);
  InsertedCard& c = card_of(s);
  if (tmpl == nullptr && count > 0) {
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  const auto ref = object_of(obj, s.token);
  if (!ref || !visible(s, *ref)) {
    throw CkrError{CKR_OBJECT_HANDLE_INVALID};
  }
  // PKCS#11 v2.40 §5.7, C_GetAttributeValue: "If case 1 applies to any of the
  // requested attributes, then the call should return the value
  // CKR_ATTRIBUTE_SENSITIVE. If case 2 applies to any of the requested
  // attributes, then the call should return the value CKR_ATTRIBUTE_TYPE_INVALID.
  // If case 5 applies to any of the requested attributes, then the call should
  // return the value CKR_BUFFER_TOO_SMALL. As usual, if more than one of these
  // error codes is applicable, Cryptoki may return any of them."
  // Like SoftHSMv2 we answer in one fixed order, whatever the template's order:
  // sensitive, then invalid, then buffer too small.
  bool sensitive = false;
  bool invalid = false;
  bool too_small = false;
  std::shared_ptr<const ParsedCertificate> held;  // read (and parsed) at most once per call
  const CertificateSource source = [&]() -> const ParsedCertificate& {
    if (!held) {
      held = certificate(c, source_certificate(*ref));
    }
    return *held;
  };
  for (CK_ULONG i = 0; i < count; ++i) {
    const AttributeValue v =
        attribute_of(*ref, tmpl[i].type, source, object_settings_, c.auth_certificate_private);
    if (v.state == AttributeValue::State::kSensitive) {  // case 1
      tmpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
      sensitive = true;
    } else if (v.state == AttributeValue::State::kInvalid) {  // case 2
      tmpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
      invalid = true;
    } else if (tmpl[i].pValue == nullptr) {  // case 3
      tmpl[i].ulValueLen = v.value.size();
    } else if (tmpl[i].ulValueLen < v.value.size()) {  // case 5
      tmpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
      too_small = true;
    } else {  // case 4
      if (!v.value.empty()) {
        std::memcpy(tmpl[i].pValue, v.value.data(), v.value.size());
      }
      tmpl[i].ulValueLen = v.value.size();
    }
  }
  if (sensitive) {
    throw CkrError{CKR_ATTRIBUTE_SENSITIVE};
  }
  if (invalid) {
    throw CkrError{CKR_ATTRIBUTE_TYPE_INVALID};
  }
  if (too_small) {
    throw CkrError{CKR_BUFFER_TOO_SMALL};
  }
  return CKR_OK;
}
}  // namespace jpki::pkcs11
