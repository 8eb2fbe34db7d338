#include "pkcs11/module.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>

#include "card/pin_policy.h"
#include "card/secure_string.h"
#include "card/token_serial.h"
#include "common/log.h"
#include "pkcs11/error_map.h"
#include "pkcs11/pinentry.h"
#include "pkcs11/text_field.h"
#include "transport/pcsc_reader_provider.h"

namespace jpki::pkcs11 {

using card::CertKind;
using card::KeyKind;

namespace {

std::unique_ptr<transport::ReaderProvider> make_provider(const std::string& reader_filter) {
  return std::make_unique<transport::PcscReaderProvider>(reader_filter);
}

// The two-call pattern: a length query, CKR_BUFFER_TOO_SMALL, or the copy.
template <typename T>
CK_RV copy_out(const std::vector<T>& items, T* list, CK_ULONG_PTR count) {
  const CK_ULONG available = *count;
  *count = items.size();
  if (list == nullptr) {
    return CKR_OK;
  }
  if (available < items.size()) {
    return CKR_BUFFER_TOO_SMALL;
  }
  std::copy(items.begin(), items.end(), list);
  return CKR_OK;
}

constexpr std::size_t kSignatureLength = apdu::kSignatureSize;

std::string token_label(KeyKind k) {
  return k == KeyKind::kAuth ? "JPKI User Authentication" : "JPKI Digital Signature";
}

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

// What the holder reads in the pinentry window: which certificate, the PIN's
// shape, tries left, and what the last wrong try costs.
PinPrompt prompt_for(KeyKind kind, int tries_left) {
  PinPrompt p;
  p.title = "マイナンバーカード / My Number Card";
  p.description = kind == KeyKind::kAuth
                      ? "利用者証明用電子証明書のパスワード（数字4桁）を入力してください。\n"
                        "User authentication certificate: enter its PIN (4 digits)."
                      : "署名用電子証明書のパスワード（英大文字と数字、6〜16文字）を入力してください。\n"
                        "Digital signature certificate: enter its password (6-16 characters, A-Z and 0-9).";
  p.description += "\n\n残り回数 / Tries left: " + std::to_string(tries_left);
  if (tries_left == 1) {
    p.description +=
        "\n\nこれが最後の1回です。間違えるとこの証明書はロックされ、市区町村の窓口での手続きが必要になります"
        "。\n"
        "This is the last try: a wrong PIN locks this certificate until you visit your city office.";
  }
  p.prompt = kind == KeyKind::kAuth ? "PIN:" : "パスワード / Password:";
  return p;
}

// What the holder reads when the PIN is locked: nothing to type, where to go.
PinPrompt locked_notice(KeyKind kind) {
  PinPrompt p;
  p.title = "マイナンバーカード / My Number Card";
  p.description = kind == KeyKind::kAuth ? "利用者証明用電子証明書のパスワードはロックされています。\n"
                                           "User authentication certificate: its PIN is locked."
                                         : "署名用電子証明書のパスワードはロックされています。\n"
                                           "Digital signature certificate: its password is locked.";
  p.description +=
      "\n\n残り回数 / Tries left: 0\n\n"
      "市区町村の窓口でパスワードの初期化（再設定）を申請してください。\n"
      "Your city office can reset it; nothing typed here can unlock it.";
  return p;
}

std::string shape_error(KeyKind kind, card::SecureString& pin) {
  if (card::check_pin_shape(kind, pin.str()) == card::PinShape::kOk) {
    return "";
  }
  return kind == KeyKind::kAuth ? "数字4桁です / The PIN is 4 digits"
                                : "英大文字と数字で6〜16文字です / 6-16 characters, A-Z and 0-9";
}

CK_RV verified(VerifyOperation& op, ByteView sig) {
  const Bytes in = op.input.finish();
  const bool ok = is_pss(op.mechanism) ? in.size() == 32 && verify_pss_sha256(op.key.get(), in, sig)
                                       : verify_pkcs1(op.key.get(), in, sig);
  return ok ? CKR_OK : CKR_SIGNATURE_INVALID;
}

}  // namespace

Module::Module() : Module(load_settings(host_program())) {}

Module::Module(const Settings& settings) : Module(make_provider(settings.reader), settings) {}

Module::Module(std::unique_ptr<transport::ReaderProvider> provider, Settings settings)
    : settings_(std::move(settings)), slots_(std::move(provider)) {
  object_settings_.sign_key_always_authenticate = settings_.sign_always_authenticate;
  object_settings_.rsa_pss = settings_.rsa_pss;
  slots_.show_tokens(settings_.show_auth_token, settings_.show_sign_token);
  if (!settings_.source.empty()) {
    log::line("settings from " + settings_.source);
  }
  log::line(settings_.tokens_reason);
}

// ---- plumbing -------------------------------------------------------------

template <typename F>
auto Module::with_card(InsertedCard& c, bool retry, F&& f) -> decltype(f(*c.card)) {
  if (c.removed) {
    throw CkrError{CKR_DEVICE_REMOVED};
  }
  for (int attempt = 0;; ++attempt) {
    try {
      return f(*c.card);
    } catch (const transport::TransportError& e) {
      log::line(std::string("card I/O: ") + e.what());
      if (e.kind() == transport::ErrorKind::kReset) {
        c.logged_in = {false, false};  // the card forgot every VERIFY
        try {
          c.channel->reconnect();
          c.card->card_was_reset();
        } catch (const transport::TransportError&) {
          c.removed = true;
          throw CkrError{CKR_DEVICE_REMOVED};
        }
        if (retry && attempt == 0) {
          continue;
        }
        throw CkrError{CKR_USER_NOT_LOGGED_IN};
      }
      if (e.kind() == transport::ErrorKind::kRemoved || e.kind() == transport::ErrorKind::kNoReader ||
          e.kind() == transport::ErrorKind::kNoService) {
        c.removed = true;
        throw CkrError{CKR_DEVICE_REMOVED};
      }
      if ((e.kind() == transport::ErrorKind::kCommunication || e.kind() == transport::ErrorKind::kTimeout) &&
          !answers_after_reconnect(c)) {
        // Still no sensible answer: reset the card so the next call can work,
        // and count every VERIFY as gone (the reset logs out every process).
        c.logged_in = {false, false};
        try {
          c.channel->reconnect(true);
          c.card->card_was_reset();
        } catch (const transport::TransportError&) {
          c.removed = true;
          throw CkrError{CKR_DEVICE_REMOVED};
        }
      }
      throw CkrError{CKR_DEVICE_ERROR};
    }
  }
}

void Module::clear_all_cards() noexcept {
  try {
    for (const auto& c : slots_.cards()) {
      clear_card_state(*c, card::ClearScope::kEverything, true);
    }
  } catch (...) {  // (only allocation can fail here)
  }
}

template <typename F>
auto Module::in_one_transaction(InsertedCard& c, F&& f) {
  card::Cleared cleared = card::Cleared::kNothing;
  struct Follow {
    Module& m;
    InsertedCard& c;
    const card::Cleared& cleared;
    ~Follow() {
      if (cleared != card::Cleared::kNothing) {
        log::line(cleared == card::Cleared::kReselected ? "PIN state cleared (applet selected again)"
                                                        : "PIN state cleared (card reset)");
        m.forget_card_state(c);
      }
    }
  } follow{*this, c, cleared};
  return with_card(c, false, [&](card::JpkiCard& k) {
    const card::JpkiCard::Batch one(k);
    return f(k, cleared);
  });
}

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

void Module::drop_sign_operation(Session& s) {
  const bool context_login = s.sign && s.sign->context_login_done;
  s.sign.reset();
  InsertedCard* c = s.reader->card.get();
  if (context_login && c != nullptr && c->generation == s.generation) {
    clear_card_state(*c, card::ClearScope::kSigningPin, true);
  }
}

bool Module::answers_after_reconnect(InsertedCard& c) {
  // A plain reconnect keeps the card's state, and every other process's login with it.
  try {
    c.channel->reconnect(false);
    (void)c.card->detect();  // reads the token info; selects the applet only if another one is
    log::line("card answers again after a reconnect");
    return true;
  } catch (const transport::TransportError& e) {
    log::line(std::string("card I/O after a reconnect: ") + e.what());
  } catch (const card::CardError& e) {
    log::line(std::string("card after a reconnect: ") + e.what());
  }
  return false;
}

void Module::close_sessions_of(const std::vector<std::uint64_t>& generations) {
  if (generations.empty()) {
    return;
  }
  std::erase_if(sessions_, [&](const auto& kv) {
    return std::find(generations.begin(), generations.end(), kv.second.generation) != generations.end();
  });
}

Session& Module::session(CK_SESSION_HANDLE h) {
  const auto it = sessions_.find(h);
  if (it == sessions_.end()) {
    throw CkrError{CKR_SESSION_HANDLE_INVALID};
  }
  return it->second;
}

InsertedCard& Module::card_of(Session& s) {
  InsertedCard* c = s.reader->card.get();
  if (c == nullptr || c->generation != s.generation || c->removed) {
    throw CkrError{CKR_DEVICE_REMOVED};
  }
  return *c;
}

InsertedCard& Module::card_in_slot(CK_SLOT_ID id, KeyKind* token) {
  close_sessions_of(slots_.refresh());
  const auto ref = slots_.find(id);
  if (!ref) {
    throw CkrError{CKR_SLOT_ID_INVALID};
  }
  if (!ref->reader->card) {
    throw CkrError{CKR_TOKEN_NOT_PRESENT};
  }
  if (token != nullptr) {
    *token = ref->token;
  }
  return *ref->reader->card;
}

Bytes Module::certificate(InsertedCard& c, CertKind which) {
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
  try {
    (void)parse_certificate(der);  // never keep (or serve) bytes that are not a certificate
  } catch (const std::runtime_error& e) {
    throw card::CardError(card::CardErrorKind::kBadResponse, std::string("certificate EF: ") + e.what());
  }
  c.certificates[which] = der;
  return der;
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
      return certificate(c, which);
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

// ---- slots and tokens -----------------------------------------------------

CK_RV Module::get_slot_list(CK_BBOOL token_present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count) {
  if (count == nullptr) {
    return CKR_ARGUMENTS_BAD;
  }
  close_sessions_of(slots_.refresh());
  const auto ids = slots_.slot_ids(token_present == CK_TRUE);
  if (!events_known_) {
    last_events_ = slots_.event_state();
    events_known_ = true;
  }
  return copy_out(ids, list, count);
}

CK_RV Module::get_slot_info(CK_SLOT_ID id, CK_SLOT_INFO_PTR info) {
  if (info == nullptr) {
    return CKR_ARGUMENTS_BAD;
  }
  close_sessions_of(slots_.refresh());
  const auto ref = slots_.find(id);
  if (!ref) {
    return CKR_SLOT_ID_INVALID;
  }
  pad(info->slotDescription, sizeof info->slotDescription,
      ref->reader->name + (ref->token == KeyKind::kAuth ? " (auth)" : " (sign)"));
  pad(info->manufacturerID, sizeof info->manufacturerID, "jpki-pkcs11");
  info->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT | (ref->reader->card ? CKF_TOKEN_PRESENT : 0);
  info->hardwareVersion = {0, 0};
  info->firmwareVersion = {0, 0};
  return CKR_OK;
}

CK_RV Module::get_token_info(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info) {
  if (info == nullptr) {
    return CKR_ARGUMENTS_BAD;
  }
  KeyKind kind{};
  InsertedCard& c = card_in_slot(id, &kind);
  const card::PinStatus st = with_card(c, true, [&](card::JpkiCard& k) { return k.pin_status(kind); });
  const card::PinRules& rules = card::pin_rules(kind);
  pad(info->label, sizeof info->label, token_label(kind));
  pad(info->manufacturerID, sizeof info->manufacturerID, "J-LIS (JPKI)");
  const std::string model = card::model_label(c.info.model);
  pad(info->model, sizeof info->model, model.empty() ? c.info.token_name : model);
  pad(info->serialNumber, sizeof info->serialNumber, token_serial(c));
  info->flags = CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED | CKF_LOGIN_REQUIRED | CKF_WRITE_PROTECTED;
  if (!settings_.pinentry.empty()) {
    info->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
  }
  if (st.tries_left <= 0) {
    info->flags |= CKF_USER_PIN_LOCKED;
  } else if (st.tries_left == 1) {
    info->flags |= CKF_USER_PIN_FINAL_TRY;
  } else if (st.tries_left < rules.max_tries) {
    info->flags |= CKF_USER_PIN_COUNT_LOW;
  }
  CK_ULONG open = 0;
  CK_ULONG rw = 0;
  for (const auto& [h, s] : sessions_) {
    if (s.slot == id) {
      ++open;
      if ((s.flags & CKF_RW_SESSION) != 0) {
        ++rw;
      }
    }
  }
  info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
  info->ulSessionCount = open;
  info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
  info->ulRwSessionCount = rw;
  info->ulMaxPinLen = rules.max_len;
  info->ulMinPinLen = rules.min_len;
  info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
  info->hardwareVersion = {0, 0};
  info->firmwareVersion = {0, 0};
  pad(info->utcTime, sizeof info->utcTime, "");
  return CKR_OK;
}

CK_RV Module::get_mechanism_list(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
  if (count == nullptr) {
    return CKR_ARGUMENTS_BAD;
  }
  card_in_slot(id);
  return copy_out(token_mechanisms(settings_.rsa_pss), list, count);
}

CK_RV Module::get_mechanism_info(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info) {
  if (info == nullptr) {
    return CKR_ARGUMENTS_BAD;
  }
  card_in_slot(id);
  if (digest_mechanism_info(type, *info)) {
    return CKR_OK;
  }
  if (!is_supported_mechanism(type, settings_.rsa_pss)) {
    return CKR_MECHANISM_INVALID;
  }
  info->ulMinKeySize = 2048;
  info->ulMaxKeySize = 2048;
  info->flags = CKF_HW | CKF_SIGN | CKF_VERIFY;
  return CKR_OK;
}

std::optional<CK_SLOT_ID> Module::poll_slot_event() {
  close_sessions_of(slots_.refresh());
  const auto now = slots_.event_state();
  if (!events_known_) {  // (an empty map is no proof: the first poll may have seen no reader)
    last_events_ = now;
    events_known_ = true;
    return std::nullopt;
  }
  for (const auto& [slot, gen] : now) {
    const auto it = last_events_.find(slot);
    if (it == last_events_.end() || it->second != gen) {
      last_events_[slot] = gen;
      return slot;
    }
  }
  return std::nullopt;
}

// ---- sessions and login ---------------------------------------------------

CK_RV Module::open_session(CK_SLOT_ID id, CK_FLAGS flags, CK_SESSION_HANDLE_PTR handle) {
  if (handle == nullptr) {
    return CKR_ARGUMENTS_BAD;
  }
  if ((flags & CKF_SERIAL_SESSION) == 0) {
    return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
  }
  KeyKind kind{};
  InsertedCard& c = card_in_slot(id, &kind);
  Session s;
  s.slot = id;
  s.token = kind;
  s.reader = slots_.find(id)->reader;
  s.generation = c.generation;
  s.flags = flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION);
  *handle = next_session_++;
  sessions_.emplace(*handle, std::move(s));
  return CKR_OK;
}

void Module::logout_if_last_session(ReaderEntry* reader, CK_SLOT_ID slot, KeyKind token) {
  if (reader == nullptr || !reader->card) {
    return;
  }
  const bool others =
      std::any_of(sessions_.begin(), sessions_.end(), [&](const auto& kv) { return kv.second.slot == slot; });
  if (others) {
    return;
  }
  reader->card->set_logged_in(token, false);
  if (token == KeyKind::kSign) {
    reader->card->certificates.erase(CertKind::kSign);
  }
  // And the card forgets what we verified for it (which logs out other
  // processes using the card too: only when there is something of ours).
  clear_card_state(
      *reader->card,
      token == KeyKind::kAuth ? card::ClearScope::kAuthenticationPin : card::ClearScope::kSigningPin, true);
}

CK_RV Module::close_session(CK_SESSION_HANDLE h) {
  Session& s = session(h);
  drop_sign_operation(s);
  ReaderEntry* reader = s.reader;
  const CK_SLOT_ID slot = s.slot;
  const KeyKind token = s.token;
  sessions_.erase(h);
  logout_if_last_session(reader, slot, token);
  return CKR_OK;
}

CK_RV Module::close_all_sessions(CK_SLOT_ID id) {
  close_sessions_of(slots_.refresh());
  const auto ref = slots_.find(id);
  if (!ref) {
    return CKR_SLOT_ID_INVALID;
  }
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.slot == id; });
  logout_if_last_session(ref->reader, id, ref->token);
  return CKR_OK;
}

CK_RV Module::get_session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info) {
  if (info == nullptr) {
    return CKR_ARGUMENTS_BAD;
  }
  Session& s = session(h);
  InsertedCard& c = card_of(s);
  const bool rw = (s.flags & CKF_RW_SESSION) != 0;
  const bool user = c.is_logged_in(s.token);
  info->slotID = s.slot;
  info->state = user ? (rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS)
                     : (rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION);
  info->flags = s.flags;
  info->ulDeviceError = 0;
  return CKR_OK;
}

CK_RV Module::login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
  Session& s = session(h);
  InsertedCard& c = card_of(s);
  if (const CK_RV rv = check_login(s, c, user); rv != CKR_OK) {
    return rv;
  }
  if (pin != nullptr || settings_.pinentry.empty()) {
    // Shape first: a PIN of the wrong shape never reaches the card.
    return verify_pin(s, c, user, pin_from(pin, len, s.token));
  }
  const card::SecureString p = pin_from_pinentry(c, s.token);
  // Other threads ran while the holder typed: the session may be closed, the
  // card gone, the login done or the operation ended. Look everything up again.
  Session& now = session(h);
  InsertedCard& card = card_of(now);
  if (const CK_RV rv = check_login(now, card, user); rv != CKR_OK) {
    return rv;
  }
  return verify_pin(now, card, user, p);
}

CK_RV Module::check_login(Session& s, InsertedCard& c, CK_USER_TYPE user) {
  if (user == CKU_SO) {
    return CKR_USER_TYPE_INVALID;  // the card has no security officer
  }
  if (user == CKU_CONTEXT_SPECIFIC) {
    if (!s.sign || !s.sign->needs_context_login) {
      return CKR_OPERATION_NOT_INITIALIZED;
    }
  } else if (user != CKU_USER) {
    return CKR_USER_TYPE_INVALID;
  } else if (c.is_logged_in(s.token)) {
    return CKR_USER_ALREADY_LOGGED_IN;
  }
  return CKR_OK;
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
      (void)parse_certificate(*sign_cert);  // never keep bytes that are not a certificate
      c.certificates[CertKind::kSign] = std::move(*sign_cert);
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
    return CKR_USER_NOT_LOGGED_IN;
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
    return CKR_SESSION_READ_ONLY;
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

// ---- objects --------------------------------------------------------------

CK_RV Module::find_objects_init(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count) {
  Session& s = session(h);
  InsertedCard& c = card_of(s);
  if (tmpl == nullptr && count > 0) {
    return CKR_ARGUMENTS_BAD;
  }
  if (s.found) {
    return CKR_OPERATION_ACTIVE;
  }
  std::vector<CK_OBJECT_HANDLE> found;
  for (const ObjectRef ref : objects_of(s.token)) {
    if (!visible(s, ref)) {
      continue;
    }
    bool match = true;
    for (CK_ULONG i = 0; i < count && match; ++i) {
      if (tmpl[i].pValue == nullptr && tmpl[i].ulValueLen > 0) {
        return CKR_ARGUMENTS_BAD;
      }
      const AttributeValue v = attribute_of(
          ref, tmpl[i].type, [&] { return certificate(c, source_certificate(ref)); }, object_settings_,
          c.auth_certificate_private);
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
    return CKR_ARGUMENTS_BAD;
  }
  if (!s.found) {
    return CKR_OPERATION_NOT_INITIALIZED;
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
    return CKR_OPERATION_NOT_INITIALIZED;
  }
  s.found.reset();
  return CKR_OK;
}

CK_RV Module::get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl,
                                  CK_ULONG count) {
  Session& s = session(h);
  InsertedCard& c = card_of(s);
  if (tmpl == nullptr && count > 0) {
    return CKR_ARGUMENTS_BAD;
  }
  const auto ref = object_of(obj, s.token);
  if (!ref || !visible(s, *ref)) {
    return CKR_OBJECT_HANDLE_INVALID;
  }
  CK_RV rv = CKR_OK;
  for (CK_ULONG i = 0; i < count; ++i) {
    const AttributeValue v = attribute_of(
        *ref, tmpl[i].type, [&] { return certificate(c, source_certificate(*ref)); }, object_settings_,
        c.auth_certificate_private);
    if (v.state == AttributeValue::State::kInvalid) {
      tmpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = CKR_ATTRIBUTE_TYPE_INVALID;
    } else if (v.state == AttributeValue::State::kSensitive) {
      tmpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = CKR_ATTRIBUTE_SENSITIVE;
    } else if (tmpl[i].pValue == nullptr) {
      tmpl[i].ulValueLen = v.value.size();
    } else if (tmpl[i].ulValueLen < v.value.size()) {
      tmpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = CKR_BUFFER_TOO_SMALL;
    } else {
      if (!v.value.empty()) {
        std::memcpy(tmpl[i].pValue, v.value.data(), v.value.size());
      }
      tmpl[i].ulValueLen = v.value.size();
    }
  }
  return rv;
}

// ---- signing --------------------------------------------------------------

CK_RV Module::sign_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key) {
  Session& s = session(h);
  InsertedCard& c = card_of(s);
  if (mech == nullptr) {
    return CKR_ARGUMENTS_BAD;
  }
  if (s.sign) {
    return CKR_OPERATION_ACTIVE;
  }
  if (!is_supported_mechanism(mech->mechanism, settings_.rsa_pss)) {
    return CKR_MECHANISM_INVALID;
  }
  if (const CK_RV rv = check_mechanism_parameter(*mech); rv != CKR_OK) {
    return rv;
  }
  const auto ref = object_of(key, s.token);
  if (!ref) {
    return CKR_KEY_HANDLE_INVALID;
  }
  if (ref->kind != ObjectKind::kPrivateKey) {
    return visible(s, *ref) ? CKR_KEY_FUNCTION_NOT_PERMITTED : CKR_KEY_HANDLE_INVALID;
  }
  if (!c.is_logged_in(s.token)) {
    return CKR_USER_NOT_LOGGED_IN;
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
    *sig_len = kSignatureLength;
    return CKR_OK;
  }
  if (*sig_len < kSignatureLength) {
    *sig_len = kSignatureLength;
    return CKR_BUFFER_TOO_SMALL;
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
    return refused;
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
    return CKR_OPERATION_NOT_INITIALIZED;
  }
  if ((data == nullptr && len > 0) || sig_len == nullptr) {
    drop_sign_operation(s);
    return CKR_ARGUMENTS_BAD;
  }
  if (s.sign->multipart) {
    drop_sign_operation(s);
    return CKR_OPERATION_ACTIVE;
  }
  if (s.sign->input.raw() && len > apdu::kMaxDigestInfo) {
    drop_sign_operation(s);
    return CKR_DATA_LEN_RANGE;
  }
  if (sig != nullptr && *sig_len >= kSignatureLength) {
    s.sign->input.update(ByteView(data, len));
  }
  return finish_signature(s, sig, sig_len);
}

CK_RV Module::sign_update(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len) {
  Session& s = session(h);
  card_of(s);
  if (!s.sign) {
    return CKR_OPERATION_NOT_INITIALIZED;
  }
  if (data == nullptr && len > 0) {
    drop_sign_operation(s);
    return CKR_ARGUMENTS_BAD;
  }
  s.sign->multipart = true;
  if (s.sign->input.raw() && s.sign->input.buffered() + len > apdu::kMaxDigestInfo) {
    drop_sign_operation(s);
    return CKR_DATA_LEN_RANGE;
  }
  s.sign->input.update(ByteView(data, len));
  return CKR_OK;
}

CK_RV Module::sign_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len) {
  Session& s = session(h);
  card_of(s);
  if (!s.sign) {
    return CKR_OPERATION_NOT_INITIALIZED;
  }
  if (sig_len == nullptr) {
    drop_sign_operation(s);
    return CKR_ARGUMENTS_BAD;
  }
  return finish_signature(s, sig, sig_len);
}

// ---- verification (software, with the certificate's public key) ------------

CK_RV Module::verify_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key) {
  Session& s = session(h);
  InsertedCard& c = card_of(s);
  if (mech == nullptr) {
    return CKR_ARGUMENTS_BAD;
  }
  if (s.verify) {
    return CKR_OPERATION_ACTIVE;
  }
  if (!is_supported_mechanism(mech->mechanism, settings_.rsa_pss)) {
    return CKR_MECHANISM_INVALID;
  }
  if (const CK_RV rv = check_mechanism_parameter(*mech); rv != CKR_OK) {
    return rv;
  }
  const auto ref = object_of(key, s.token);
  if (!ref || !visible(s, *ref)) {
    return CKR_KEY_HANDLE_INVALID;
  }
  if (ref->kind != ObjectKind::kPublicKey) {
    return CKR_KEY_TYPE_INCONSISTENT;
  }
  Pkey pub = public_key_of(certificate(c, source_certificate(*ref)));
  s.verify.emplace(VerifyOperation{mech->mechanism, MessageInput(mech->mechanism), std::move(pub), false});
  return CKR_OK;
}

CK_RV Module::verify(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG sig_len) {
  Session& s = session(h);
  if (!s.verify) {
    return CKR_OPERATION_NOT_INITIALIZED;
  }
  VerifyOperation op = std::move(*s.verify);
  s.verify.reset();
  if ((data == nullptr && len > 0) || sig == nullptr) {
    return CKR_ARGUMENTS_BAD;
  }
  if (op.multipart) {
    return CKR_OPERATION_ACTIVE;
  }
  if (sig_len != kSignatureLength) {
    return CKR_SIGNATURE_LEN_RANGE;
  }
  op.input.update(ByteView(data, len));
  return verified(op, ByteView(sig, sig_len));
}

CK_RV Module::verify_update(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len) {
  Session& s = session(h);
  if (!s.verify) {
    return CKR_OPERATION_NOT_INITIALIZED;
  }
  if (data == nullptr && len > 0) {
    s.verify.reset();
    return CKR_ARGUMENTS_BAD;
  }
  s.verify->multipart = true;
  s.verify->input.update(ByteView(data, len));
  return CKR_OK;
}

CK_RV Module::verify_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG sig_len) {
  Session& s = session(h);
  if (!s.verify) {
    return CKR_OPERATION_NOT_INITIALIZED;
  }
  VerifyOperation op = std::move(*s.verify);
  s.verify.reset();
  if (sig == nullptr) {
    return CKR_ARGUMENTS_BAD;
  }
  if (sig_len != kSignatureLength) {
    return CKR_SIGNATURE_LEN_RANGE;
  }
  return verified(op, ByteView(sig, sig_len));
}

}  // namespace jpki::pkcs11
