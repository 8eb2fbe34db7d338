// The module's state between C_Initialize and C_Finalize: slots, sessions,
// logins and operations. Entry points (entry_points.cpp) hold the module lock
// while calling in here, and turn exceptions into CKR_ codes.
//
// One error channel: every failure is thrown (CkrError, or a card/transport
// error mapped by error_map.h); a method that returns gives CKR_OK. Outputs a
// failing call must still fill (lengths with CKR_BUFFER_TOO_SMALL, attribute
// lengths) are written before the throw.
#pragma once

#include <p11-kit/pkcs11.h>

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "pkcs11/certificate_facts.h"
#include "pkcs11/digest_operation.h"
#include "pkcs11/mechanisms.h"
#include "pkcs11/objects.h"
#include "pkcs11/settings.h"
#include "pkcs11/slots.h"

namespace jpki::pkcs11 {

struct SignOperation {
  CK_MECHANISM_TYPE mechanism = 0;
  ObjectRef key{};
  MessageInput input;
  bool multipart = false;
  bool needs_context_login = false;
  bool context_login_done = false;
};

struct VerifyOperation {
  CK_MECHANISM_TYPE mechanism = 0;
  MessageInput input;
  Pkey key;
  bool multipart = false;
};

struct Session {
  CK_SLOT_ID slot = 0;
  card::KeyKind token = card::KeyKind::kAuth;
  ReaderEntry* reader = nullptr;
  std::uint64_t generation = 0;
  CK_FLAGS flags = 0;
  std::optional<std::vector<CK_OBJECT_HANDLE>> found;  // active C_FindObjects
  std::size_t found_pos = 0;
  std::optional<SignOperation> sign;
  std::optional<VerifyOperation> verify;
  std::optional<DigestOperation> digest;  // software, host side (module_conformance.cpp)
};

// Runs `wait` with the module lock released, for waits on a person (pinentry),
// and takes the lock again. Throws CkrError when the module was finalized meanwhile.
using Unlocker = std::function<void(const std::function<void()>& wait)>;

class Module {
 public:
  Module();  // settings from the config file and environment, cards from PC/SC
  // Cards from elsewhere: the fuzzer's in-process virtual card.
  explicit Module(std::unique_ptr<transport::ReaderProvider> provider, Settings settings = {});
  // Set by the entry points; without one, waits keep the lock.
  void set_unlocker(Unlocker u) { unlocker_ = std::move(u); }

  // C_Finalize, or the program's exit without it: nothing this process
  // verified stays verified on a card.
  void clear_all_cards() noexcept;

  CK_RV get_slot_list(CK_BBOOL token_present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count);
  CK_RV get_slot_info(CK_SLOT_ID id, CK_SLOT_INFO_PTR info);
  CK_RV get_token_info(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info);
  CK_RV get_mechanism_list(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count);
  CK_RV get_mechanism_info(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info);
  CK_RV open_session(CK_SLOT_ID id, CK_FLAGS flags, CK_SESSION_HANDLE_PTR handle);
  CK_RV close_session(CK_SESSION_HANDLE h);
  CK_RV close_all_sessions(CK_SLOT_ID id);
  CK_RV get_session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info);
  CK_RV login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len);
  CK_RV logout(CK_SESSION_HANDLE h);
  CK_RV set_pin(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len, CK_UTF8CHAR_PTR new_pin,
                CK_ULONG new_len);
  CK_RV find_objects_init(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count);
  CK_RV find_objects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR count);
  CK_RV find_objects_final(CK_SESSION_HANDLE h);
  CK_RV get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count);
  CK_RV sign_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key);
  CK_RV sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len);
  CK_RV sign_update(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len);
  CK_RV sign_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len);
  CK_RV verify_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key);
  CK_RV verify(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG sig_len);
  CK_RV verify_update(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len);
  CK_RV verify_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG sig_len);
  // module_conformance.cpp: software digests, object sizes, no RNG, and the
  // checks every unsupported function makes before it refuses.
  CK_RV digest_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech);
  CK_RV digest(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out, CK_ULONG_PTR out_len);
  CK_RV digest_update(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len);
  CK_RV digest_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key);
  CK_RV digest_final(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len);
  CK_RV get_object_size(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ULONG_PTR size);
  CK_RV generate_random(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len);
  CK_RV seed_random(CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len);
  // Session, then `required` pointers (CKR_ARGUMENTS_BAD when one is NULL), then
  // the mechanism (NULL: CKR_ARGUMENTS_BAD; none is offered for these: CKR_MECHANISM_INVALID).
  CK_RV refuse_mechanism(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech,
                         std::initializer_list<const void*> required);
  // Session, then `required`, then `rv` (e.g. CKR_OPERATION_NOT_INITIALIZED: no such operation can be
  // active).
  CK_RV refuse_in_session(CK_SESSION_HANDLE h, CK_RV rv, std::initializer_list<const void*> required = {});

  // Non-blocking part of C_WaitForSlotEvent: a slot whose token changed since the last call.
  std::optional<CK_SLOT_ID> poll_slot_event();
  transport::ReaderProvider& provider() { return slots_.provider(); }

 private:
  explicit Module(const Settings& settings);
  Session& session(CK_SESSION_HANDLE h);
  InsertedCard& card_of(Session& s);
  InsertedCard& card_in_slot(CK_SLOT_ID id, card::KeyKind* token = nullptr);
  void close_sessions_of(const std::vector<std::uint64_t>& generations);
  // PKCS#11 §5.6: closing the last session with a token logs the application out of it.
  void logout_if_last_session(ReaderEntry* reader, CK_SLOT_ID slot, card::KeyKind token);
  // The card forgot both PINs (applet re-selected or card reset): our view of
  // both tokens follows. The signing token's login stays where it holds nothing
  // on the card (CKA_ALWAYS_AUTHENTICATE: each signature brings its own).
  void forget_card_state(InsertedCard& c);
  // What this process verified for `scope` goes from the card. `quiet`: failures
  // are logged, not thrown (closing, finalizing).
  void clear_card_state(InsertedCard& c, card::ClearScope scope, bool quiet);
  // Ends the session's signing operation; a context login it carried, whose
  // signature will not come, is cleared from the card.
  void drop_sign_operation(Session& s);
  // Runs f(card, cleared) in one PC/SC transaction (card::JpkiCard::Batch);
  // what `cleared` reports is followed by our view, also when f throws.
  template <typename F>
  auto in_one_transaction(InsertedCard& c, F&& f);
  bool visible(const Session& s, ObjectRef ref);
  // From the insertion's cache, or read from the card and parsed once.
  std::shared_ptr<const ParsedCertificate> certificate(InsertedCard& c, card::CertKind which);
  // CK_TOKEN_INFO.serialNumber: worked out once per insertion (card/token_serial.h).
  std::string token_serial(InsertedCard& c);
  // Runs a card operation; maps resets and removals. `retry` repeats it once
  // after a reset (only for operations that carry no PIN and need no login).
  template <typename F>
  auto with_card(InsertedCard& c, bool retry, F&& f) -> decltype(f(*c.card));
  CK_RV finish_signature(Session& s, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len);
  // C_Login with a NULL PIN and a pinentry configured: ask the holder, with the
  // module lock released while the pinentry is up.
  card::SecureString pin_from_pinentry(InsertedCard& c, card::KeyKind kind);
  void unlocked(const std::function<void()>& wait);
  void check_login(Session& s, InsertedCard& c, CK_USER_TYPE user);
  CK_RV verify_pin(Session& s, InsertedCard& c, CK_USER_TYPE user, const card::SecureString& pin);

  Settings settings_;
  SlotTable slots_;
  std::map<CK_SESSION_HANDLE, Session> sessions_;
  CK_SESSION_HANDLE next_session_ = 1;
  std::map<CK_SLOT_ID, std::uint64_t> last_events_;
  bool events_known_ = false;  // last_events_ holds a poll's result
  ObjectSettings object_settings_;
  Unlocker unlocker_;
};

}  // namespace jpki::pkcs11
