// The C ABI: every C_* function. Each takes the module lock, calls into Module,
// and turns any exception into a CKR_ code: nothing throws across this line.
#include <p11-kit/pkcs11.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "common/immortal.h"
#include "common/log.h"
#include "jpki/version.h"
#include "pkcs11/error_map.h"
#include "pkcs11/function_list.h"
#include "pkcs11/module.h"
#include "pkcs11/module_lock.h"
#include "pkcs11/text_field.h"

namespace jpki::pkcs11 {
namespace {

ModuleLock g_lock;
// Outlives static destruction (see immortal.h). A host that exits without
// C_Finalize leaves the module alive: pcscd closes our connections then.
Immortal<std::shared_ptr<Module>> g_module_storage;
std::shared_ptr<Module>& g_module = g_module_storage.value;  // guarded by g_lock
std::atomic<pid_t> g_pid{0};
std::atomic<std::uint64_t> g_epoch{0};  // bumps at every C_Finalize (wakes waiters)
// g_module is set and g_pid initialized it (read without the lock at exit).
std::atomic<bool> g_initialized{false};

// fork() while another thread holds one of our locks would leave the child
// that lock held by a thread it does not have: its first call would hang. So
// fork waits until no thread is inside the module (or the log), and both sides
// let go after. (The child then starts over with C_Initialize: see g_pid.)
void before_fork() {
  ModuleLock::InitGuard::init_mutex().lock();  // NOLINT: released in after_fork
  g_lock.lock();
  log::before_fork();
}
void after_fork() {
  log::after_fork();
  g_lock.unlock();
  ModuleLock::InitGuard::init_mutex().unlock();
}
[[maybe_unused]] const int g_fork_handlers = pthread_atfork(before_fork, after_fork, after_fork);

// Every C_* answer: mapped by the allowed-return-codes table, and logged.
CK_RV answer(const char* name, CK_RV rv) noexcept {
  rv = allowed_rv(name, rv);
  if (log::enabled()) {
    log::line(std::string(name) + " -> " + rv_name(rv));
  }
  return rv;
}

template <typename F>
CK_RV call(const char* name, F&& f) noexcept {
  CK_RV rv = CKR_OK;
  try {
    ModuleLock::Guard guard(g_lock);
    if (!g_module || g_pid != getpid()) {
      rv = CKR_CRYPTOKI_NOT_INITIALIZED;
    } else {
      const std::shared_ptr<Module> keep = g_module;  // alive even if finalized while the lock is let go
      rv = f(*keep);
    }
  } catch (...) {
    rv = rv_of_current_exception();
  }
  return answer(name, rv);
}

// Pointers needed in every state: before the lock, left to right (Module checks the rest).
template <typename F>
CK_RV call(const char* name, std::initializer_list<const void*> required, F&& f) noexcept {
  const bool missing = std::find(required.begin(), required.end(), nullptr) != required.end();
  return missing ? answer(name, CKR_ARGUMENTS_BAD) : call(name, std::forward<F>(f));
}

// A program that leaves with exit() (or dlclose) and no C_Finalize: what this
// process verified on a card goes all the same. Registered by C_Initialize, so
// it runs before this library's static objects (the log's among them) go.
void clear_cards_at_exit() noexcept {
  // Finalized: nothing to clear, and the application's mutex may be gone. A
  // forked child leaves its parent's cards (and perhaps held lock) alone.
  if (!g_initialized || g_pid != getpid()) {
    return;
  }
  try {
    ModuleLock::Guard guard(g_lock);
    if (g_module && g_pid == getpid()) {
      g_module->clear_all_cards();
    }
  } catch (...) {  // nothing may escape an exit handler
  }
}

// The card's objects are fixed: a valid session gets `rv`, an invalid one says so.
CK_RV refuse_change(const char* name, CK_SESSION_HANDLE s, CK_RV rv) noexcept {
  return call(name, [&](Module& m) {
    CK_SESSION_INFO info{};
    m.get_session_info(s, &info);  // throws for an invalid session
    return rv;
  });
}

}  // namespace
}  // namespace jpki::pkcs11

using jpki::pkcs11::call;
using jpki::pkcs11::Module;
using jpki::pkcs11::refuse_change;

// Only these are visible outside the .so (with exports.map).
#pragma GCC visibility push(default)
extern "C" {

CK_RV C_Initialize(CK_VOID_PTR init_args) {
  using namespace jpki::pkcs11;
  try {
    const auto* args = static_cast<CK_C_INITIALIZE_ARGS*>(init_args);
    if (args != nullptr) {
      if (args->pReserved != nullptr) {
        return CKR_ARGUMENTS_BAD;
      }
      const int given = (args->CreateMutex != nullptr) + (args->DestroyMutex != nullptr) +
                        (args->LockMutex != nullptr) + (args->UnlockMutex != nullptr);
      if (given != 0 && given != 4) {
        return CKR_ARGUMENTS_BAD;
      }
    }
    ModuleLock::InitGuard init;
    if (g_module && g_pid == getpid()) {
      return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    }
    if (g_module) {
      // A forked child: the parent's PC/SC handles are not ours to close.
      // Deliberately never destroyed: destroying it would release contexts that
      // belong to the parent's connection to pcscd.
      (void)std::make_unique<std::shared_ptr<Module>>(std::move(g_module)).release();
    }
    jpki::log::reopen();
    const CK_RV rv = g_lock.configure(args);
    if (rv != CKR_OK) {
      return rv;
    }
    ModuleLock::Guard guard(g_lock);
    g_module = std::make_shared<Module>();
    g_module->set_unlocker([m = g_module.get()](const std::function<void()>& wait) {
      {
        ModuleLock::Released released(g_lock);
        wait();
      }
      if (g_module.get() != m) {  // C_Finalize ran meanwhile (and perhaps C_Initialize)
        throw CkrError{g_module ? CKR_SESSION_HANDLE_INVALID : CKR_CRYPTOKI_NOT_INITIALIZED};
      }
    });
    g_pid = getpid();
    g_initialized = true;
    static std::once_flag at_exit;
    std::call_once(at_exit, [] { std::atexit(clear_cards_at_exit); });
    jpki::log::line("C_Initialize -> CKR_OK (version " JPKI_PKCS11_VERSION_STRING ")");
    return CKR_OK;
  } catch (...) {
    return allowed_rv("C_Initialize", rv_of_current_exception());
  }
}

CK_RV C_Finalize(CK_VOID_PTR reserved) {
  using namespace jpki::pkcs11;
  if (reserved != nullptr) {
    return CKR_ARGUMENTS_BAD;
  }
  try {
    ModuleLock::InitGuard init;
    std::shared_ptr<Module> doomed;
    {
      ModuleLock::Guard guard(g_lock);
      if (!g_module || g_pid != getpid()) {
        return CKR_CRYPTOKI_NOT_INITIALIZED;
      }
      g_module->clear_all_cards();  // nothing this process verified stays on a card
      doomed = std::move(g_module);
      g_module.reset();
      g_initialized = false;
      ++g_epoch;
    }
    doomed->provider().cancel();  // wakes a blocked C_WaitForSlotEvent
    jpki::log::line("C_Finalize -> CKR_OK");
    return CKR_OK;
  } catch (...) {
    return allowed_rv("C_Finalize", rv_of_current_exception());
  }
}

CK_RV C_GetInfo(CK_INFO_PTR info) {
  return call("C_GetInfo", {info}, [&](Module&) {
    info->cryptokiVersion = {2, 40};
    jpki::pkcs11::pad(info->manufacturerID, sizeof info->manufacturerID, "jpki-pkcs11 project");
    info->flags = 0;
    jpki::pkcs11::pad(info->libraryDescription, sizeof info->libraryDescription,
                      "JPKI My Number Card PKCS#11");
    info->libraryVersion = {JPKI_PKCS11_VERSION_MAJOR, JPKI_PKCS11_VERSION_MINOR};
    return CKR_OK;
  });
}

CK_RV C_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count) {
  return call("C_GetSlotList", {count}, [&](Module& m) { return m.get_slot_list(present, list, count); });
}
CK_RV C_GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info) {
  return call("C_GetSlotInfo", {info}, [&](Module& m) { return m.get_slot_info(slot, info); });
}
CK_RV C_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
  return call("C_GetTokenInfo", {info}, [&](Module& m) { return m.get_token_info(slot, info); });
}
CK_RV C_GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
  return call("C_GetMechanismList", {count},
              [&](Module& m) { return m.get_mechanism_list(slot, list, count); });
}
CK_RV C_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info) {
  return call("C_GetMechanismInfo", {info},
              [&](Module& m) { return m.get_mechanism_info(slot, type, info); });
}

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved) {
  using namespace jpki::pkcs11;
  if (slot == nullptr || reserved != nullptr) {
    return CKR_ARGUMENTS_BAD;
  }
  std::shared_ptr<Module> module;  // keeps the state alive while we wait unlocked
  const std::uint64_t epoch = g_epoch;
  for (;;) {
    CK_RV rv = call("C_WaitForSlotEvent", [&](Module& m) {
      if (const auto s = m.poll_slot_event()) {
        *slot = *s;
        return CKR_OK;
      }
      return CKR_NO_EVENT;
    });
    if (rv != CKR_NO_EVENT || (flags & CKF_DONT_BLOCK) != 0) {
      return rv;
    }
    {
      ModuleLock::Guard guard(g_lock);
      if (!g_module || g_epoch != epoch) {
        return CKR_CRYPTOKI_NOT_INITIALIZED;
      }
      module = g_module;
    }
    try {
      module->provider().wait_for_change(std::chrono::milliseconds(500));
    } catch (...) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // pcscd away: poll slowly
    }
    if (g_epoch != epoch) {
      return CKR_CRYPTOKI_NOT_INITIALIZED;
    }
  }
}

CK_RV C_InitToken(CK_SLOT_ID slot, CK_UTF8CHAR_PTR, CK_ULONG, CK_UTF8CHAR_PTR label) {
  return call("C_InitToken", [&](Module& m) {
    CK_SLOT_INFO info{};
    const CK_RV slot_rv = m.get_slot_info(slot, &info);
    if (slot_rv != CKR_OK) {
      return slot_rv;
    }
    return label == nullptr ? CKR_ARGUMENTS_BAD : CKR_FUNCTION_NOT_SUPPORTED;
  });
}
CK_RV C_InitPIN(CK_SESSION_HANDLE s, CK_UTF8CHAR_PTR, CK_ULONG) {
  return call("C_InitPIN", [&](Module& m) { return m.refuse_in_session(s, CKR_FUNCTION_NOT_SUPPORTED); });
}
CK_RV C_SetPIN(CK_SESSION_HANDLE s, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len, CK_UTF8CHAR_PTR new_pin,
               CK_ULONG new_len) {
  return call("C_SetPIN", [&](Module& m) { return m.set_pin(s, old_pin, old_len, new_pin, new_len); });
}

CK_RV C_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR, CK_NOTIFY, CK_SESSION_HANDLE_PTR session) {
  return call("C_OpenSession", {session}, [&](Module& m) { return m.open_session(slot, flags, session); });
}
CK_RV C_CloseSession(CK_SESSION_HANDLE s) {
  return call("C_CloseSession", [&](Module& m) { return m.close_session(s); });
}
CK_RV C_CloseAllSessions(CK_SLOT_ID slot) {
  return call("C_CloseAllSessions", [&](Module& m) { return m.close_all_sessions(slot); });
}
CK_RV C_GetSessionInfo(CK_SESSION_HANDLE s, CK_SESSION_INFO_PTR info) {
  return call("C_GetSessionInfo", {info}, [&](Module& m) { return m.get_session_info(s, info); });
}
CK_RV C_GetOperationState(CK_SESSION_HANDLE s, CK_BYTE_PTR, CK_ULONG_PTR len) {
  return call("C_GetOperationState",
              [&](Module& m) { return m.refuse_in_session(s, CKR_FUNCTION_NOT_SUPPORTED, {len}); });
}
CK_RV C_SetOperationState(CK_SESSION_HANDLE s, CK_BYTE_PTR state, CK_ULONG, CK_OBJECT_HANDLE,
                          CK_OBJECT_HANDLE) {
  return call("C_SetOperationState",
              [&](Module& m) { return m.refuse_in_session(s, CKR_FUNCTION_NOT_SUPPORTED, {state}); });
}
CK_RV C_Login(CK_SESSION_HANDLE s, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
  return call("C_Login", [&](Module& m) { return m.login(s, user, pin, len); });
}
CK_RV C_Logout(CK_SESSION_HANDLE s) {
  return call("C_Logout", [&](Module& m) { return m.logout(s); });
}

CK_RV C_CreateObject(CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR o) {
  const void* tmpl = n == 0 ? &n : static_cast<const void*>(t);  // NULL with no attributes is fine
  return call("C_CreateObject", [&](Module& m) {
    return m.refuse_in_session(s, CKR_TOKEN_WRITE_PROTECTED, {tmpl, o});
  });
}
CK_RV C_CopyObject(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE, CK_ATTRIBUTE_PTR t, CK_ULONG n,
                   CK_OBJECT_HANDLE_PTR o) {
  const void* tmpl = n == 0 ? &n : static_cast<const void*>(t);
  return call("C_CopyObject", [&](Module& m) {
    return m.refuse_in_session(s, CKR_ACTION_PROHIBITED, {tmpl, o});
  });
}
CK_RV C_DestroyObject(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE) {
  return refuse_change("C_DestroyObject", s, CKR_ACTION_PROHIBITED);
}
CK_RV C_GetObjectSize(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ULONG_PTR size) {
  return call("C_GetObjectSize", [&](Module& m) { return m.get_object_size(s, o, size); });
}
CK_RV C_GetAttributeValue(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n) {
  return call("C_GetAttributeValue", [&](Module& m) { return m.get_attribute_value(s, o, t, n); });
}
CK_RV C_SetAttributeValue(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE, CK_ATTRIBUTE_PTR t, CK_ULONG n) {
  const void* tmpl = n == 0 ? &n : static_cast<const void*>(t);
  return call("C_SetAttributeValue",
              [&](Module& m) { return m.refuse_in_session(s, CKR_ACTION_PROHIBITED, {tmpl}); });
}
CK_RV C_FindObjectsInit(CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, CK_ULONG n) {
  return call("C_FindObjectsInit", [&](Module& m) { return m.find_objects_init(s, t, n); });
}
CK_RV C_FindObjects(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR count) {
  return call("C_FindObjects", [&](Module& m) { return m.find_objects(s, out, max, count); });
}
CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE s) {
  return call("C_FindObjectsFinal", [&](Module& m) { return m.find_objects_final(s); });
}

CK_RV C_EncryptInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE) {
  return call("C_EncryptInit", [&](Module& m) { return m.refuse_mechanism(s, mech, {}); });
}
CK_RV C_Encrypt(CK_SESSION_HANDLE s, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR len) {
  return call("C_Encrypt",
              [&](Module& m) { return m.refuse_in_session(s, CKR_OPERATION_NOT_INITIALIZED, {len}); });
}
CK_RV C_EncryptUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR len) {
  return call("C_EncryptUpdate",
              [&](Module& m) { return m.refuse_in_session(s, CKR_OPERATION_NOT_INITIALIZED, {len}); });
}
CK_RV C_EncryptFinal(CK_SESSION_HANDLE s, CK_BYTE_PTR, CK_ULONG_PTR len) {
  return call("C_EncryptFinal",
              [&](Module& m) { return m.refuse_in_session(s, CKR_OPERATION_NOT_INITIALIZED, {len}); });
}
CK_RV C_DecryptInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE) {
  return call("C_DecryptInit", [&](Module& m) { return m.refuse_mechanism(s, mech, {}); });
}
CK_RV C_Decrypt(CK_SESSION_HANDLE s, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR len) {
  return call("C_Decrypt",
              [&](Module& m) { return m.refuse_in_session(s, CKR_OPERATION_NOT_INITIALIZED, {len}); });
}
CK_RV C_DecryptUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR len) {
  return call("C_DecryptUpdate",
              [&](Module& m) { return m.refuse_in_session(s, CKR_OPERATION_NOT_INITIALIZED, {len}); });
}
CK_RV C_DecryptFinal(CK_SESSION_HANDLE s, CK_BYTE_PTR, CK_ULONG_PTR len) {
  return call("C_DecryptFinal",
              [&](Module& m) { return m.refuse_in_session(s, CKR_OPERATION_NOT_INITIALIZED, {len}); });
}
CK_RV C_DigestInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR mech) {
  return call("C_DigestInit", [&](Module& m) { return m.digest_init(s, mech); });
}
CK_RV C_Digest(CK_SESSION_HANDLE s, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out, CK_ULONG_PTR out_len) {
  return call("C_Digest", [&](Module& m) { return m.digest(s, data, len, out, out_len); });
}
CK_RV C_DigestUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR data, CK_ULONG len) {
  return call("C_DigestUpdate", [&](Module& m) { return m.digest_update(s, data, len); });
}
CK_RV C_DigestKey(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key) {
  return call("C_DigestKey", [&](Module& m) { return m.digest_key(s, key); });
}
CK_RV C_DigestFinal(CK_SESSION_HANDLE s, CK_BYTE_PTR out, CK_ULONG_PTR out_len) {
  return call("C_DigestFinal", [&](Module& m) { return m.digest_final(s, out, out_len); });
}

CK_RV C_SignInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key) {
  return call("C_SignInit", [&](Module& m) { return m.sign_init(s, mech, key); });
}
CK_RV C_Sign(CK_SESSION_HANDLE s, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len) {
  return call("C_Sign", [&](Module& m) { return m.sign(s, data, len, sig, sig_len); });
}
CK_RV C_SignUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR data, CK_ULONG len) {
  return call("C_SignUpdate", [&](Module& m) { return m.sign_update(s, data, len); });
}
CK_RV C_SignFinal(CK_SESSION_HANDLE s, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len) {
  return call("C_SignFinal", [&](Module& m) { return m.sign_final(s, sig, sig_len); });
}
CK_RV C_SignRecoverInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE) {
  return call("C_SignRecoverInit", [&](Module& m) { return m.refuse_mechanism(s, mech, {}); });
}
CK_RV C_SignRecover(CK_SESSION_HANDLE s, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR len) {
  return call("C_SignRecover",
              [&](Module& m) { return m.refuse_in_session(s, CKR_OPERATION_NOT_INITIALIZED, {len}); });
}
CK_RV C_VerifyInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key) {
  return call("C_VerifyInit", [&](Module& m) { return m.verify_init(s, mech, key); });
}
CK_RV C_Verify(CK_SESSION_HANDLE s, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG sig_len) {
  return call("C_Verify", [&](Module& m) { return m.verify(s, data, len, sig, sig_len); });
}
CK_RV C_VerifyUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR data, CK_ULONG len) {
  return call("C_VerifyUpdate", [&](Module& m) { return m.verify_update(s, data, len); });
}
CK_RV C_VerifyFinal(CK_SESSION_HANDLE s, CK_BYTE_PTR sig, CK_ULONG sig_len) {
  return call("C_VerifyFinal", [&](Module& m) { return m.verify_final(s, sig, sig_len); });
}
CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE) {
  return call("C_VerifyRecoverInit", [&](Module& m) { return m.refuse_mechanism(s, mech, {}); });
}
CK_RV C_VerifyRecover(CK_SESSION_HANDLE s, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR len) {
  return call("C_VerifyRecover",
              [&](Module& m) { return m.refuse_in_session(s, CKR_OPERATION_NOT_INITIALIZED, {len}); });
}
CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR len) {
  return call("C_DigestEncryptUpdate",
              [&](Module& m) { return m.refuse_in_session(s, CKR_OPERATION_NOT_INITIALIZED, {len}); });
}
CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR len) {
  return call("C_DecryptDigestUpdate",
              [&](Module& m) { return m.refuse_in_session(s, CKR_OPERATION_NOT_INITIALIZED, {len}); });
}
CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR len) {
  return call("C_SignEncryptUpdate",
              [&](Module& m) { return m.refuse_in_session(s, CKR_OPERATION_NOT_INITIALIZED, {len}); });
}
CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR len) {
  return call("C_DecryptVerifyUpdate",
              [&](Module& m) { return m.refuse_in_session(s, CKR_OPERATION_NOT_INITIALIZED, {len}); });
}
// No mechanism here makes, wraps or derives keys: after the checks, CKR_MECHANISM_INVALID.
CK_RV C_GenerateKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR t, CK_ULONG n,
                    CK_OBJECT_HANDLE_PTR key) {
  const void* tmpl = n == 0 ? &n : static_cast<const void*>(t);
  return call("C_GenerateKey", [&](Module& m) { return m.refuse_mechanism(s, mech, {tmpl, key}); });
}
CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE s, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR pub_t, CK_ULONG pub_n,
                        CK_ATTRIBUTE_PTR priv_t, CK_ULONG priv_n, CK_OBJECT_HANDLE_PTR pub,
                        CK_OBJECT_HANDLE_PTR priv) {
  const void* pub_tmpl = pub_n == 0 ? &pub_n : static_cast<const void*>(pub_t);
  const void* priv_tmpl = priv_n == 0 ? &priv_n : static_cast<const void*>(priv_t);
  return call("C_GenerateKeyPair", [&](Module& m) {
    return m.refuse_mechanism(s, mech, {pub_tmpl, priv_tmpl, pub, priv});
  });
}
CK_RV C_WrapKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE, CK_BYTE_PTR,
                CK_ULONG_PTR len) {
  return call("C_WrapKey", [&](Module& m) { return m.refuse_mechanism(s, mech, {len}); });
}
CK_RV C_UnwrapKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE, CK_BYTE_PTR wrapped, CK_ULONG,
                  CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR key) {
  const void* tmpl = n == 0 ? &n : static_cast<const void*>(t);
  return call("C_UnwrapKey", [&](Module& m) { return m.refuse_mechanism(s, mech, {wrapped, tmpl, key}); });
}
CK_RV C_DeriveKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE, CK_ATTRIBUTE_PTR t,
                  CK_ULONG n, CK_OBJECT_HANDLE_PTR key) {
  const void* tmpl = n == 0 ? &n : static_cast<const void*>(t);
  return call("C_DeriveKey", [&](Module& m) { return m.refuse_mechanism(s, mech, {tmpl, key}); });
}
CK_RV C_SeedRandom(CK_SESSION_HANDLE s, CK_BYTE_PTR seed, CK_ULONG len) {
  return call("C_SeedRandom", [&](Module& m) { return m.seed_random(s, seed, len); });
}
CK_RV C_GenerateRandom(CK_SESSION_HANDLE s, CK_BYTE_PTR out, CK_ULONG len) {
  return call("C_GenerateRandom", [&](Module& m) { return m.generate_random(s, out, len); });
}
CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE) {
  return call("C_GetFunctionStatus", [](Module&) { return CKR_FUNCTION_NOT_PARALLEL; });
}
CK_RV C_CancelFunction(CK_SESSION_HANDLE) {
  return call("C_CancelFunction", [](Module&) { return CKR_FUNCTION_NOT_PARALLEL; });
}

static CK_FUNCTION_LIST g_function_list = {
    {2, 40}, C_Initialize, C_Finalize, C_GetInfo, JPKI_FUNCTIONS_AFTER_GET_INFO};

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
  if (list == nullptr) {
    return CKR_ARGUMENTS_BAD;
  }
  *list = &g_function_list;
  return CKR_OK;
}

}  // extern "C"
#pragma GCC visibility pop
