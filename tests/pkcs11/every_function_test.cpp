// Every C_* function of the 3.0 list (which holds the 2.40 one), table-driven,
// through the C entry points: before C_Initialize, with a session handle that
// names nothing, with NULL pointers, and with no operation begun. Each answers
// the code PKCS#11 names; none of it reaches the card.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "pkcs11/pkcs11_3_0.h"
#include "tests/pkcs11/p11_test.h"

namespace jpki::test {
namespace {

using F = CK_FUNCTION_LIST_3_0;

// The default interface (3.0) of the module module() loaded.
F* list_3_0() {
  (void)module();
  void* h = dlopen(std::getenv("JPKI_PKCS11_MODULE"), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  if (h == nullptr) return nullptr;
  using GetInterface = CK_RV (*)(CK_UTF8CHAR_PTR, CK_VERSION_PTR, CK_INTERFACE_PTR_PTR, CK_FLAGS);
  auto get = reinterpret_cast<GetInterface>(dlsym(h, "C_GetInterface"));  // NOLINT
  dlclose(h);                                                             // module() keeps it loaded
  CK_INTERFACE* i = nullptr;
  if (get == nullptr || get(nullptr, nullptr, &i, 0) != CKR_OK) return nullptr;
  return static_cast<F*>(i->pFunctionList);
}

// Valid places for every argument, so that only what a case changes is wrong.
struct Args {
  CK_BYTE data[32] = {};
  CK_BYTE out[512] = {};
  CK_ULONG len = sizeof out;
  CK_UTF8CHAR pin[4] = {'0', '0', '0', '0'};  // never reaches the card: every case fails before
  CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
  CK_ATTRIBUTE attr{CKA_LABEL, data, sizeof data};
  CK_OBJECT_HANDLE object = 1;
  CK_OBJECT_HANDLE objects[4] = {};
  CK_SESSION_INFO session_info{};
  CK_SLOT_INFO slot_info{};
  CK_TOKEN_INFO token_info{};
  CK_MECHANISM_INFO mech_info{};
  CK_INFO info{};
  CK_SLOT_ID slot_out = 0;
  CK_SESSION_HANDLE session_out = 0;
};

using Run = std::function<CK_RV(F*, Args&, CK_SESSION_HANDLE)>;
struct Call {
  const char* name;
  Run run;
};

// Every function that takes a session, with valid arguments.
std::vector<Call> session_functions() {
  return {
      {"C_InitPIN", [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_InitPIN(s, a.pin, 4); }},
      {"C_SetPIN", [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_SetPIN(s, a.pin, 4, a.pin, 4); }},
      {"C_CloseSession", [](F* f, Args&, CK_SESSION_HANDLE s) { return f->C_CloseSession(s); }},
      {"C_GetSessionInfo",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_GetSessionInfo(s, &a.session_info); }},
      {"C_GetOperationState",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_GetOperationState(s, a.out, &a.len); }},
      {"C_SetOperationState",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_SetOperationState(s, a.data, sizeof a.data, 0, 0);
       }},
      {"C_Login", [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_Login(s, CKU_USER, a.pin, 4); }},
      {"C_Logout", [](F* f, Args&, CK_SESSION_HANDLE s) { return f->C_Logout(s); }},
      {"C_CreateObject",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_CreateObject(s, &a.attr, 1, &a.object); }},
      {"C_CopyObject",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_CopyObject(s, 1, &a.attr, 1, &a.object); }},
      {"C_DestroyObject", [](F* f, Args&, CK_SESSION_HANDLE s) { return f->C_DestroyObject(s, 1); }},
      {"C_GetObjectSize",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_GetObjectSize(s, 1, &a.len); }},
      {"C_GetAttributeValue",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_GetAttributeValue(s, 1, &a.attr, 1); }},
      {"C_SetAttributeValue",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_SetAttributeValue(s, 1, &a.attr, 1); }},
      {"C_FindObjectsInit",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_FindObjectsInit(s, &a.attr, 1); }},
      {"C_FindObjects",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_FindObjects(s, a.objects, 4, &a.len); }},
      {"C_FindObjectsFinal", [](F* f, Args&, CK_SESSION_HANDLE s) { return f->C_FindObjectsFinal(s); }},
      {"C_EncryptInit", [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_EncryptInit(s, &a.mech, 1); }},
      {"C_Encrypt",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_Encrypt(s, a.data, sizeof a.data, a.out, &a.len);
       }},
      {"C_EncryptUpdate",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_EncryptUpdate(s, a.data, sizeof a.data, a.out, &a.len);
       }},
      {"C_EncryptFinal",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_EncryptFinal(s, a.out, &a.len); }},
      {"C_DecryptInit", [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_DecryptInit(s, &a.mech, 1); }},
      {"C_Decrypt",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_Decrypt(s, a.data, sizeof a.data, a.out, &a.len);
       }},
      {"C_DecryptUpdate",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_DecryptUpdate(s, a.data, sizeof a.data, a.out, &a.len);
       }},
      {"C_DecryptFinal",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_DecryptFinal(s, a.out, &a.len); }},
      {"C_DigestInit", [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_DigestInit(s, &a.mech); }},
      {"C_Digest", [](F* f, Args& a,
                      CK_SESSION_HANDLE s) { return f->C_Digest(s, a.data, sizeof a.data, a.out, &a.len); }},
      {"C_DigestUpdate", [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_DigestUpdate(s, a.data, 1); }},
      {"C_DigestKey", [](F* f, Args&, CK_SESSION_HANDLE s) { return f->C_DigestKey(s, 1); }},
      {"C_DigestFinal",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_DigestFinal(s, a.out, &a.len); }},
      {"C_SignInit", [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_SignInit(s, &a.mech, 1); }},
      {"C_Sign",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_Sign(s, a.data, sizeof a.data, a.out, &a.len); }},
      {"C_SignUpdate", [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_SignUpdate(s, a.data, 1); }},
      {"C_SignFinal", [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_SignFinal(s, a.out, &a.len); }},
      {"C_SignRecoverInit",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_SignRecoverInit(s, &a.mech, 1); }},
      {"C_SignRecover",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_SignRecover(s, a.data, sizeof a.data, a.out, &a.len);
       }},
      {"C_VerifyInit", [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_VerifyInit(s, &a.mech, 1); }},
      {"C_Verify",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_Verify(s, a.data, sizeof a.data, a.out, 256); }},
      {"C_VerifyUpdate", [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_VerifyUpdate(s, a.data, 1); }},
      {"C_VerifyFinal", [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_VerifyFinal(s, a.out, 256); }},
      {"C_VerifyRecoverInit",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_VerifyRecoverInit(s, &a.mech, 1); }},
      {"C_VerifyRecover",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_VerifyRecover(s, a.out, 256, a.data, &a.len); }},
      {"C_DigestEncryptUpdate",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_DigestEncryptUpdate(s, a.data, sizeof a.data, a.out, &a.len);
       }},
      {"C_DecryptDigestUpdate",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_DecryptDigestUpdate(s, a.data, sizeof a.data, a.out, &a.len);
       }},
      {"C_SignEncryptUpdate",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_SignEncryptUpdate(s, a.data, sizeof a.data, a.out, &a.len);
       }},
      {"C_DecryptVerifyUpdate",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_DecryptVerifyUpdate(s, a.data, sizeof a.data, a.out, &a.len);
       }},
      {"C_GenerateKey",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_GenerateKey(s, &a.mech, &a.attr, 1, &a.object);
       }},
      {"C_GenerateKeyPair",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_GenerateKeyPair(s, &a.mech, &a.attr, 1, &a.attr, 1, &a.object, &a.objects[0]);
       }},
      {"C_WrapKey",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_WrapKey(s, &a.mech, 1, 2, a.out, &a.len); }},
      {"C_UnwrapKey",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_UnwrapKey(s, &a.mech, 1, a.data, sizeof a.data, &a.attr, 1, &a.object);
       }},
      {"C_DeriveKey",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_DeriveKey(s, &a.mech, 1, &a.attr, 1, &a.object);
       }},
      {"C_SeedRandom",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_SeedRandom(s, a.data, sizeof a.data); }},
      {"C_GenerateRandom",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_GenerateRandom(s, a.out, 16); }},
      // 3.0
      {"C_LoginUser",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_LoginUser(s, CKU_USER, a.pin, 4, nullptr, 0); }},
      {"C_SessionCancel", [](F* f, Args&, CK_SESSION_HANDLE s) { return f->C_SessionCancel(s, CKF_SIGN); }},
      {"C_MessageEncryptInit",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_MessageEncryptInit(s, &a.mech, 1); }},
      {"C_EncryptMessage",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_EncryptMessage(s, a.data, 1, a.data, 1, a.data, 1, a.out, &a.len);
       }},
      {"C_EncryptMessageBegin",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_EncryptMessageBegin(s, a.data, 1, a.data, 1); }},
      {"C_EncryptMessageNext",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_EncryptMessageNext(s, a.data, 1, a.data, 1, a.out, &a.len, 0);
       }},
      {"C_MessageEncryptFinal", [](F* f, Args&, CK_SESSION_HANDLE s) { return f->C_MessageEncryptFinal(s); }},
      {"C_MessageDecryptInit",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_MessageDecryptInit(s, &a.mech, 1); }},
      {"C_DecryptMessage",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_DecryptMessage(s, a.data, 1, a.data, 1, a.data, 1, a.out, &a.len);
       }},
      {"C_DecryptMessageBegin",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_DecryptMessageBegin(s, a.data, 1, a.data, 1); }},
      {"C_DecryptMessageNext",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_DecryptMessageNext(s, a.data, 1, a.data, 1, a.out, &a.len, 0);
       }},
      {"C_MessageDecryptFinal", [](F* f, Args&, CK_SESSION_HANDLE s) { return f->C_MessageDecryptFinal(s); }},
      {"C_MessageSignInit",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_MessageSignInit(s, &a.mech, 1); }},
      {"C_SignMessage",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_SignMessage(s, a.data, 1, a.data, 1, a.out, &a.len);
       }},
      {"C_SignMessageBegin",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_SignMessageBegin(s, a.data, 1); }},
      {"C_SignMessageNext",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_SignMessageNext(s, a.data, 1, a.data, 1, a.out, &a.len);
       }},
      {"C_MessageSignFinal", [](F* f, Args&, CK_SESSION_HANDLE s) { return f->C_MessageSignFinal(s); }},
      {"C_MessageVerifyInit",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_MessageVerifyInit(s, &a.mech, 1); }},
      {"C_VerifyMessage",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_VerifyMessage(s, a.data, 1, a.data, 1, a.out, 256);
       }},
      {"C_VerifyMessageBegin",
       [](F* f, Args& a, CK_SESSION_HANDLE s) { return f->C_VerifyMessageBegin(s, a.data, 1); }},
      {"C_VerifyMessageNext",
       [](F* f, Args& a, CK_SESSION_HANDLE s) {
         return f->C_VerifyMessageNext(s, a.data, 1, a.data, 1, a.out, 256);
       }},
      {"C_MessageVerifyFinal", [](F* f, Args&, CK_SESSION_HANDLE s) { return f->C_MessageVerifyFinal(s); }},
  };
}

// The functions that take no session (C_Initialize, C_GetFunctionList and
// C_GetInterface* need no initialization and are tested elsewhere).
std::vector<Call> library_functions() {
  return {
      {"C_Finalize", [](F* f, Args&, CK_SESSION_HANDLE) { return f->C_Finalize(nullptr); }},
      {"C_GetInfo", [](F* f, Args& a, CK_SESSION_HANDLE) { return f->C_GetInfo(&a.info); }},
      {"C_GetSlotList",
       [](F* f, Args& a, CK_SESSION_HANDLE) { return f->C_GetSlotList(CK_TRUE, nullptr, &a.len); }},
      {"C_GetSlotInfo", [](F* f, Args& a, CK_SESSION_HANDLE) { return f->C_GetSlotInfo(0, &a.slot_info); }},
      {"C_GetTokenInfo",
       [](F* f, Args& a, CK_SESSION_HANDLE) { return f->C_GetTokenInfo(0, &a.token_info); }},
      {"C_GetMechanismList",
       [](F* f, Args& a, CK_SESSION_HANDLE) { return f->C_GetMechanismList(0, nullptr, &a.len); }},
      {"C_GetMechanismInfo",
       [](F* f, Args& a, CK_SESSION_HANDLE) { return f->C_GetMechanismInfo(0, CKM_SHA256, &a.mech_info); }},
      {"C_InitToken", [](F* f, Args& a, CK_SESSION_HANDLE) { return f->C_InitToken(0, a.pin, 4, a.data); }},
      {"C_OpenSession",
       [](F* f, Args& a, CK_SESSION_HANDLE) {
         return f->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &a.session_out);
       }},
      {"C_CloseAllSessions", [](F* f, Args&, CK_SESSION_HANDLE) { return f->C_CloseAllSessions(0); }},
      {"C_GetFunctionStatus", [](F* f, Args&, CK_SESSION_HANDLE s) { return f->C_GetFunctionStatus(s); }},
      {"C_CancelFunction", [](F* f, Args&, CK_SESSION_HANDLE s) { return f->C_CancelFunction(s); }},
      {"C_WaitForSlotEvent",
       [](F* f, Args& a, CK_SESSION_HANDLE) {
         return f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &a.slot_out, nullptr);
       }},
  };
}

TEST(EveryFunction, BeforeInitializeEachSaysNotInitialized) {
  F* f = list_3_0();
  ASSERT_NE(f, nullptr);
  const std::size_t apdus = card_apdus();
  for (auto& calls : {session_functions(), library_functions()}) {
    for (const Call& c : calls) {
      Args a;
      EXPECT_EQ(c.run(f, a, 1), CKR_CRYPTOKI_NOT_INITIALIZED) << c.name;
    }
  }
  EXPECT_EQ(card_apdus(), apdus);
}

class EveryFunctionInitialized : public P11Test {
 protected:
  void SetUp() override {
    P11Test::SetUp();
    f3_ = list_3_0();
    ASSERT_NE(f3_, nullptr);
  }
  F* f3_ = nullptr;
};

TEST_F(EveryFunctionInitialized, SessionHandleThatNamesNothing) {
  const CK_SESSION_HANDLE live = open(auth_slot());  // a real one exists, but not this
  const std::size_t apdus = card_apdus();
  for (const Call& c : session_functions()) {
    Args a;
    EXPECT_EQ(c.run(f3_, a, live + 1000), CKR_SESSION_HANDLE_INVALID) << c.name;
  }
  EXPECT_EQ(card_apdus(), apdus) << "nothing reached the card";
  CK_SESSION_INFO info{};
  EXPECT_EQ(f()->C_GetSessionInfo(live, &info), CKR_OK) << "and the real session is still there";
}

// No operation begun: each continuation says so (the session stays usable).
TEST_F(EveryFunctionInitialized, InitTokenChecksTheSlotThenRefuses) {
  Args a;
  EXPECT_EQ(f3_->C_InitToken(77, a.pin, 4, a.data), CKR_SLOT_ID_INVALID);
  EXPECT_EQ(f3_->C_InitToken(auth_slot(), a.pin, 4, a.data), CKR_FUNCTION_NOT_SUPPORTED);
}

TEST_F(EveryFunctionInitialized, OperationNotInitialized) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  const std::vector<std::string> continuations = {"C_FindObjects",
                                                  "C_FindObjectsFinal",
                                                  "C_Encrypt",
                                                  "C_EncryptUpdate",
                                                  "C_EncryptFinal",
                                                  "C_Decrypt",
                                                  "C_DecryptUpdate",
                                                  "C_DecryptFinal",
                                                  "C_Digest",
                                                  "C_DigestUpdate",
                                                  "C_DigestKey",
                                                  "C_DigestFinal",
                                                  "C_Sign",
                                                  "C_SignUpdate",
                                                  "C_SignFinal",
                                                  "C_SignRecover",
                                                  "C_Verify",
                                                  "C_VerifyUpdate",
                                                  "C_VerifyFinal",
                                                  "C_VerifyRecover",
                                                  "C_DigestEncryptUpdate",
                                                  "C_DecryptDigestUpdate",
                                                  "C_SignEncryptUpdate",
                                                  "C_DecryptVerifyUpdate"};
  std::size_t seen = 0;
  for (const Call& c : session_functions()) {
    if (std::find(continuations.begin(), continuations.end(), c.name) == continuations.end()) continue;
    ++seen;
    Args a;
    EXPECT_EQ(c.run(f3_, a, s), CKR_OPERATION_NOT_INITIALIZED) << c.name;
  }
  EXPECT_EQ(seen, continuations.size());
}

// Each pointer a function needs, NULL, on a live session with nothing begun.
TEST_F(EveryFunctionInitialized, NullPointers) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  Args a;
  const CK_RV bad = CKR_ARGUMENTS_BAD;
  const std::vector<std::pair<const char*, std::function<CK_RV()>>> cases = {
      {"C_GetInfo", [&] { return f3_->C_GetInfo(nullptr); }},
      {"C_GetSlotList", [&] { return f3_->C_GetSlotList(CK_TRUE, nullptr, nullptr); }},
      {"C_GetSlotInfo", [&] { return f3_->C_GetSlotInfo(auth_slot(), nullptr); }},
      {"C_GetTokenInfo", [&] { return f3_->C_GetTokenInfo(auth_slot(), nullptr); }},
      {"C_GetMechanismList", [&] { return f3_->C_GetMechanismList(auth_slot(), nullptr, nullptr); }},
      {"C_GetMechanismInfo", [&] { return f3_->C_GetMechanismInfo(auth_slot(), CKM_SHA256, nullptr); }},
      {"C_WaitForSlotEvent", [&] { return f3_->C_WaitForSlotEvent(CKF_DONT_BLOCK, nullptr, nullptr); }},
      {"C_OpenSession",
       [&] { return f3_->C_OpenSession(auth_slot(), CKF_SERIAL_SESSION, nullptr, nullptr, nullptr); }},
      {"C_GetSessionInfo", [&] { return f3_->C_GetSessionInfo(s, nullptr); }},
      {"C_GetOperationState", [&] { return f3_->C_GetOperationState(s, nullptr, nullptr); }},
      {"C_SetOperationState", [&] { return f3_->C_SetOperationState(s, nullptr, 4, 0, 0); }},
      {"C_CreateObject", [&] { return f3_->C_CreateObject(s, &a.attr, 1, nullptr); }},
      {"C_CreateObject template", [&] { return f3_->C_CreateObject(s, nullptr, 1, &a.object); }},
      {"C_CopyObject", [&] { return f3_->C_CopyObject(s, 1, &a.attr, 1, nullptr); }},
      {"C_GetObjectSize", [&] { return f3_->C_GetObjectSize(s, 1, nullptr); }},
      {"C_SetAttributeValue", [&] { return f3_->C_SetAttributeValue(s, 1, nullptr, 1); }},
      {"C_InitToken", [&] { return f3_->C_InitToken(auth_slot(), a.pin, 4, nullptr); }},
      {"C_GetAttributeValue", [&] { return f3_->C_GetAttributeValue(s, 1, nullptr, 1); }},
      {"C_FindObjectsInit", [&] { return f3_->C_FindObjectsInit(s, nullptr, 1); }},
      {"C_EncryptInit", [&] { return f3_->C_EncryptInit(s, nullptr, 1); }},
      {"C_DecryptInit", [&] { return f3_->C_DecryptInit(s, nullptr, 1); }},
      {"C_DigestInit", [&] { return f3_->C_DigestInit(s, nullptr); }},
      {"C_SignInit", [&] { return f3_->C_SignInit(s, nullptr, 1); }},
      {"C_SignRecoverInit", [&] { return f3_->C_SignRecoverInit(s, nullptr, 1); }},
      {"C_VerifyInit", [&] { return f3_->C_VerifyInit(s, nullptr, 1); }},
      {"C_VerifyRecoverInit", [&] { return f3_->C_VerifyRecoverInit(s, nullptr, 1); }},
      {"C_GenerateKey", [&] { return f3_->C_GenerateKey(s, nullptr, &a.attr, 1, &a.object); }},
      {"C_GenerateKey handle", [&] { return f3_->C_GenerateKey(s, &a.mech, &a.attr, 1, nullptr); }},
      {"C_GenerateKeyPair",
       [&] { return f3_->C_GenerateKeyPair(s, nullptr, &a.attr, 1, &a.attr, 1, &a.object, &a.objects[0]); }},
      {"C_GenerateKeyPair handles",
       [&] { return f3_->C_GenerateKeyPair(s, &a.mech, &a.attr, 1, &a.attr, 1, nullptr, nullptr); }},
      {"C_WrapKey", [&] { return f3_->C_WrapKey(s, &a.mech, 1, 2, a.out, nullptr); }},
      {"C_UnwrapKey", [&] { return f3_->C_UnwrapKey(s, &a.mech, 1, nullptr, 4, &a.attr, 1, &a.object); }},
      {"C_DeriveKey", [&] { return f3_->C_DeriveKey(s, nullptr, 1, &a.attr, 1, &a.object); }},
      {"C_SeedRandom", [&] { return f3_->C_SeedRandom(s, nullptr, 4); }},
      {"C_GenerateRandom", [&] { return f3_->C_GenerateRandom(s, nullptr, 4); }},
  };
  const std::size_t apdus = card_apdus();
  for (const auto& [name, run] : cases) {
    EXPECT_EQ(run(), bad) << name;
  }
  EXPECT_EQ(card_apdus(), apdus);
}

// With valid arguments, what a read-only token without these features answers.
TEST_F(EveryFunctionInitialized, RefusalsAfterTheChecks) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  const std::vector<std::pair<std::string, CK_RV>> expected = {
      {"C_CreateObject", CKR_TOKEN_WRITE_PROTECTED},
      {"C_CopyObject", CKR_ACTION_PROHIBITED},
      {"C_DestroyObject", CKR_ACTION_PROHIBITED},
      {"C_SetAttributeValue", CKR_ACTION_PROHIBITED},
      {"C_EncryptInit", CKR_MECHANISM_INVALID},
      {"C_DecryptInit", CKR_MECHANISM_INVALID},
      {"C_DigestInit", CKR_MECHANISM_INVALID},
      {"C_SignRecoverInit", CKR_MECHANISM_INVALID},
      {"C_VerifyRecoverInit", CKR_MECHANISM_INVALID},
      {"C_GenerateKey", CKR_MECHANISM_INVALID},
      {"C_GenerateKeyPair", CKR_MECHANISM_INVALID},
      {"C_WrapKey", CKR_MECHANISM_INVALID},
      {"C_UnwrapKey", CKR_MECHANISM_INVALID},
      {"C_DeriveKey", CKR_MECHANISM_INVALID},
      {"C_SeedRandom", CKR_RANDOM_NO_RNG},
      {"C_GenerateRandom", CKR_RANDOM_NO_RNG},
      {"C_InitPIN", CKR_FUNCTION_NOT_SUPPORTED},
      {"C_SetOperationState", CKR_FUNCTION_NOT_SUPPORTED},
      {"C_GetOperationState", CKR_FUNCTION_NOT_SUPPORTED},
      {"C_SessionCancel", CKR_FUNCTION_NOT_SUPPORTED},
      {"C_MessageSignInit", CKR_FUNCTION_NOT_SUPPORTED},
      {"C_SignMessage", CKR_FUNCTION_NOT_SUPPORTED},
      {"C_MessageVerifyFinal", CKR_FUNCTION_NOT_SUPPORTED},
  };
  const std::size_t apdus = card_apdus();
  for (const Call& c : session_functions()) {
    const auto it =
        std::find_if(expected.begin(), expected.end(), [&](const auto& e) { return e.first == c.name; });
    if (it == expected.end()) continue;
    Args a;  // (the mechanism is CKM_SHA256_RSA_PKCS: a signature, not a digest or a key maker)
    EXPECT_EQ(c.run(f3_, a, s), it->second) << c.name;
  }
  EXPECT_EQ(card_apdus(), apdus);
}

}  // namespace
}  // namespace jpki::test
