// Login, logout, C_SetPIN, the pinentry flow, and clearing the card's PIN state.
#include <chrono>
#include <string>

#include "card/pin_policy.h"
#include "card/secure_string.h"
#include "pkcs11/card_calls.h"
#include "pkcs11/module.h"
#include "pkcs11/pin_prompts.h"
#include "pkcs11/pinentry.h"

namespace jpki::pkcs11 {

using card::CertKind;
using card::KeyKind;

namespace {

card::SecureString pin_from(CK_UTF8CHAR_PTR pin, CK_ULONG len, KeyKind kind) {
  if (pin == nullptr) {
    throw CkrError{CKR_ARGUMENTS_BAD};  // (NULL means "ask" only with a pinentry)
  }
  if (len > 64) {
    throw CkrError{CKR_PIN_LEN_RANGE};
  }
  card::SecureString s(
      std::string_view(reinterpret_cast<const char*>(pin), len));  // NOLINT: UTF8CHAR is bytes
  switch (card::check_pin_shape(kind, s.str())) {
    case card::PinShape::kOk:
      return s;
    case card::PinShape::kLengthOutOfRange:
      throw CkrError{CKR_PIN_LEN_RANGE};
    case card::PinShape::kInvalidCharacters:
      throw CkrError{CKR_PIN_INVALID};
  }
  throw CkrError{CKR_PIN_INVALID};
}

}  // namespace

void Module::forget_card_state(InsertedCard& c) {
  c.set_logged_in(KeyKind::kAuth, false);
  if (!object_settings_.sign_key_always_authenticate) {
    c.set_logged_in(KeyKind::kSign, false);
    c.certificates.erase(CertKind::kSign);
  }
}

void Module::clear_card_state(InsertedCard& c, card::ClearScope scope, bool quiet) {
  try {
    in_one_transaction(c, [&](card::JpkiCard& k, card::Cleared& cleared) {
      cleared = k.clear_verified(scope);
      return 0;
    });
  } catch (...) {
    if (!quiet) {
      throw;
    }
    log::line(std::string("clearing the card's PIN state failed: ") + rv_name(rv_of_current_exception()));
  }
}

CK_RV Module::login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
  Session& s = session(h);
  InsertedCard& c = card_of(s);
  check_login(s, c, user);
  if (pin != nullptr || settings_.pinentry.empty()) {
    // Shape first: a PIN of the wrong shape never reaches the card.
    return verify_pin(s, c, user, pin_from(pin, len, s.token));
  }
  const card::SecureString p = pin_from_pinentry(c, s.token);
  // Other threads ran while the holder typed: the session may be closed, the
  // card gone, the login done or the operation ended. Look everything up again.
  Session& now = session(h);
  InsertedCard& card = card_of(now);
  check_login(now, card, user);
  return verify_pin(now, card, user, p);
}

void Module::check_login(Session& s, InsertedCard& c, CK_USER_TYPE user) {
  if (user == CKU_SO) {
    throw CkrError{CKR_USER_TYPE_INVALID};  // the card has no security officer
  }
  if (user == CKU_CONTEXT_SPECIFIC) {
    if (!s.sign || !s.sign->needs_context_login) {
      throw CkrError{CKR_OPERATION_NOT_INITIALIZED};
    }
  } else if (user != CKU_USER) {
    throw CkrError{CKR_USER_TYPE_INVALID};
  } else if (c.is_logged_in(s.token)) {
    throw CkrError{CKR_USER_ALREADY_LOGGED_IN};
  }
}

CK_RV Module::verify_pin(Session& s, InsertedCard& c, CK_USER_TYPE user, const card::SecureString& pin) {
  // With CKA_ALWAYS_AUTHENTICATE each signature brings its own login: this one
  // only opens the signing certificate. Read it now and leave nothing verified.
  const bool certificate_only =
      user == CKU_USER && s.token == KeyKind::kSign && object_settings_.sign_key_always_authenticate;
  std::optional<Bytes> sign_cert;
  in_one_transaction(c, [&](card::JpkiCard& k, card::Cleared& cleared) {
    k.verify(s.token, pin);
    if (certificate_only) {
      if (!c.certificates.contains(CertKind::kSign)) {
        try {
          sign_cert = k.read_certificate(CertKind::kSign);
        } catch (const card::CardError& e) {
          log::line(std::string("signing certificate at login: ") + e.what());  // read again when asked
        }
      }
      cleared = k.clear_verified(card::ClearScope::kSigningPin,
                                 sign_cert ? card::SignPinNow::kVerified : card::SignPinNow::kUnknown);
    }
    return 0;
  });
  if (sign_cert) {
    try {
      // never keep bytes that are not a certificate
      c.certificates[CertKind::kSign] = parse_certificate_once(std::move(*sign_cert));
    } catch (const std::runtime_error& e) {
      log::line(std::string("signing certificate at login: ") + e.what());
    }
  }
  if (user == CKU_CONTEXT_SPECIFIC) {
    s.sign->context_login_done = true;
  } else {
    c.set_logged_in(s.token, true);
  }
  return CKR_OK;
}

card::SecureString Module::pin_from_pinentry(InsertedCard& c, KeyKind kind) {
  // The counter first (no try spent): a locked PIN is not asked for at all,
  // but the holder is told why the login cannot happen.
  const card::PinStatus st = with_card(c, true, [&](card::JpkiCard& k) { return k.pin_status(kind); });
  // From here on nothing of the module is touched until the lock is back.
  const std::chrono::seconds timeout(settings_.pinentry_timeout);
  if (st.blocked()) {
    try {
      unlocked([&] { show_message(settings_.pinentry, locked_notice(kind), timeout); });
    } catch (const std::runtime_error& e) {
      log::line(std::string("pinentry: ") + e.what());
    }
    throw CkrError{CKR_PIN_LOCKED};
  }
  card::SecureString pin;
  PinEntryResult r{};
  const PinPrompt prompt = prompt_for(kind, st.tries_left);
  try {
    unlocked([&] {
      r = ask_pin(
          settings_.pinentry, prompt, [&](card::SecureString& p) { return shape_error(kind, p); }, pin,
          timeout);
    });
  } catch (const std::runtime_error& e) {
    log::line(std::string("pinentry: ") + e.what());
    throw CkrError{CKR_FUNCTION_FAILED};
  }
  if (r == PinEntryResult::kCancelled) {
    throw CkrError{CKR_FUNCTION_CANCELED};
  }
  if (r == PinEntryResult::kWrongShape) {
    throw CkrError{CKR_PIN_INVALID};
  }
  return pin;
}

void Module::unlocked(const std::function<void()>& wait) {
  if (unlocker_) {
    unlocker_(wait);
  } else {
    wait();
  }
}

CK_RV Module::logout(CK_SESSION_HANDLE h) {
  Session& s = session(h);
  InsertedCard& c = card_of(s);
  if (!c.is_logged_in(s.token)) {
    throw CkrError{CKR_USER_NOT_LOGGED_IN};
  }
  c.set_logged_in(s.token, false);
  if (s.token == KeyKind::kSign) {
    c.certificates.erase(CertKind::kSign);
  }
  // Clearing the card's state drops both PINs (forget_card_state).
  clear_card_state(
      c, s.token == KeyKind::kAuth ? card::ClearScope::kAuthenticationPin : card::ClearScope::kSigningPin,
      false);
  return CKR_OK;
}

CK_RV Module::set_pin(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len, CK_UTF8CHAR_PTR new_pin,
                      CK_ULONG new_len) {
  Session& s = session(h);
  InsertedCard& c = card_of(s);
  if ((s.flags & CKF_RW_SESSION) == 0) {
    throw CkrError{CKR_SESSION_READ_ONLY};
  }
  const card::SecureString o = pin_from(old_pin, old_len, s.token);
  const card::SecureString n = pin_from(new_pin, new_len, s.token);
  // The VERIFY of the old PIN stays only where a login of ours relies on it.
  const bool keep = c.is_logged_in(s.token) &&
                    (s.token == KeyKind::kAuth || !object_settings_.sign_key_always_authenticate);
  const auto scope =
      s.token == KeyKind::kAuth ? card::ClearScope::kAuthenticationPin : card::ClearScope::kSigningPin;
  in_one_transaction(c, [&](card::JpkiCard& k, card::Cleared& cleared) {
    try {
      k.change_pin(s.token, o, n);
    } catch (const card::CardError&) {
      if (!keep) {
        cleared = k.clear_verified(scope);
      }
      throw;
    }
    if (!keep) {
      cleared = k.clear_verified(scope);
    }
    return 0;
  });
  return CKR_OK;
}
}  // namespace jpki::pkcs11
