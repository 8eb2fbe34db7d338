// Sessions: the handle table, the last-session rule and session states.
#include <algorithm>

#include "pkcs11/card_calls.h"
#include "pkcs11/module.h"

namespace jpki::pkcs11 {

using card::CertKind;
using card::KeyKind;

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

CK_RV Module::open_session(CK_SLOT_ID id, CK_FLAGS flags, CK_SESSION_HANDLE_PTR handle) {
  if (handle == nullptr) {
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  if ((flags & CKF_SERIAL_SESSION) == 0) {
    throw CkrError{CKR_SESSION_PARALLEL_NOT_SUPPORTED};
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
    throw CkrError{CKR_SLOT_ID_INVALID};
  }
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.slot == id; });
  logout_if_last_session(ref->reader, id, ref->token);
  return CKR_OK;
}

CK_RV Module::get_session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info) {
  if (info == nullptr) {
    throw CkrError{CKR_ARGUMENTS_BAD};
  }
  const std::uint64_t generation = session(h).generation;
  // Applications poll this between calls (NSS does): a reader poll (PC/SC only,
  // no APDU) lets a removal reach the session without any card operation. The
  // session answers CKR_DEVICE_REMOVED once, then is gone like the others.
  const auto gone = slots_.refresh();
  close_sessions_of(gone);
  if (std::find(gone.begin(), gone.end(), generation) != gone.end()) {
    throw CkrError{CKR_DEVICE_REMOVED};
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

}  // namespace jpki::pkcs11
