#include "pkcs11/module.h"

#include <algorithm>
#include <string>

#include "card/pin_policy.h"
#include "card/token_serial.h"
#include "common/log.h"
#include "pkcs11/card_calls.h"
#include "pkcs11/error_map.h"
#include "pkcs11/text_field.h"
#include "transport/pcsc_reader_provider.h"

namespace jpki::pkcs11 {

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
    throw CkrError{CKR_BUFFER_TOO_SMALL};
  }
  std::copy(items.begin(), items.end(), list);
  return CKR_OK;
}

std::string token_label(KeyKind k) {
  return k == KeyKind::kAuth ? "JPKI User Authentication" : "JPKI Digital Signature";
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

void Module::clear_all_cards() noexcept {
  try {
    for (const auto& c : slots_.cards()) {
      clear_card_state(*c, card::ClearScope::kEverything, true);
    }
  } catch (...) {  // (only allocation can fail here)
  }
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

// ---- slots and tokens -----------------------------------------------------

CK_RV Module::get_slot_list(CK_BBOOL token_present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count) {
  if (count == nullptr) {
    throw CkrError{CKR_ARGUMENTS_BAD};
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
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  close_sessions_of(slots_.refresh());
  const auto ref = slots_.find(id);
  if (!ref) {
    throw CkrError{CKR_SLOT_ID_INVALID};
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
    throw CkrError{CKR_ARGUMENTS_BAD};
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
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  card_in_slot(id);
  return copy_out(token_mechanisms(settings_.rsa_pss), list, count);
}

CK_RV Module::get_mechanism_info(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info) {
  if (info == nullptr) {
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  card_in_slot(id);
  if (digest_mechanism_info(type, *info)) {
    return CKR_OK;
  }
  if (!is_supported_mechanism(type, settings_.rsa_pss)) {
    throw CkrError{CKR_MECHANISM_INVALID};
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

}  // namespace jpki::pkcs11
