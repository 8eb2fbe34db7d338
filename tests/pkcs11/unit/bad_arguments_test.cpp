// Every Module entry with a handle that names nothing, and with each pointer it
// needs set to NULL: the CKR_ code PKCS#11 allows, never a crash, and nothing
// sent to the card.
#include <functional>

#include "module_fixture.h"

namespace jpki::pkcs11::unit {
namespace {

constexpr CK_SESSION_HANDLE kNoSession = 0xBAD;
constexpr CK_SLOT_ID kNoSlot = 77;
constexpr CK_OBJECT_HANDLE kNoObject = 0xBAD;

struct Case {
  const char* what;
  std::function<CK_RV(Module&)> run;
  CK_RV expected;
};

class BadArguments : public ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    start();
    ASSERT_EQ(slot_count(), 2u);
    h_ = open(kAuthSlot, true);
    ASSERT_EQ(login(h_, kAuthPin), CKR_OK);
    key_ = find(h_, CKO_PRIVATE_KEY);
    pub_ = find(h_, CKO_PUBLIC_KEY);
  }
  void run(const std::vector<Case>& cases) {
    const std::size_t apdus = card().commands.size();
    for (const Case& c : cases) {
      EXPECT_EQ(call([&] { return c.run(m()); }), c.expected) << c.what;
    }
    EXPECT_EQ(card().commands.size(), apdus) << "a refused call sends nothing to the card";
    EXPECT_EQ(state(h_), CKS_RW_USER_FUNCTIONS) << "and changes nothing";
  }
  CK_SESSION_HANDLE h_ = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE key_ = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE pub_ = CK_INVALID_HANDLE;
  CK_MECHANISM mech_{CKM_SHA256_RSA_PKCS, nullptr, 0};
  CK_BYTE data_[3] = {'d', 'o', 'c'};
  CK_BYTE sig_[256] = {};
  CK_ULONG len_ = sizeof sig_;
};

TEST_F(BadArguments, SessionHandleThatNamesNothing) {
  CK_SESSION_INFO info{};
  CK_ATTRIBUTE a{CKA_CLASS, nullptr, 0};
  CK_OBJECT_HANDLE found[4];
  CK_ULONG n = 0;
  CK_UTF8CHAR pin[] = {'1', '2', '3', '4'};
  const CK_RV bad = CKR_SESSION_HANDLE_INVALID;
  run({
      {"C_CloseSession", [](Module& m) { return m.close_session(kNoSession); }, bad},
      {"C_GetSessionInfo", [&](Module& m) { return m.get_session_info(kNoSession, &info); }, bad},
      {"C_Login", [&](Module& m) { return m.login(kNoSession, CKU_USER, pin, sizeof pin); }, bad},
      {"C_Logout", [](Module& m) { return m.logout(kNoSession); }, bad},
      {"C_SetPIN", [&](Module& m) { return m.set_pin(kNoSession, pin, sizeof pin, pin, sizeof pin); }, bad},
      {"C_FindObjectsInit", [&](Module& m) { return m.find_objects_init(kNoSession, &a, 1); }, bad},
      {"C_FindObjects", [&](Module& m) { return m.find_objects(kNoSession, found, 4, &n); }, bad},
      {"C_FindObjectsFinal", [](Module& m) { return m.find_objects_final(kNoSession); }, bad},
      {"C_GetAttributeValue", [&](Module& m) { return m.get_attribute_value(kNoSession, 1, &a, 1); }, bad},
      {"C_SignInit", [&](Module& m) { return m.sign_init(kNoSession, &mech_, key_); }, bad},
      {"C_Sign", [&](Module& m) { return m.sign(kNoSession, data_, sizeof data_, sig_, &len_); }, bad},
      {"C_SignUpdate", [&](Module& m) { return m.sign_update(kNoSession, data_, sizeof data_); }, bad},
      {"C_SignFinal", [&](Module& m) { return m.sign_final(kNoSession, sig_, &len_); }, bad},
      {"C_VerifyInit", [&](Module& m) { return m.verify_init(kNoSession, &mech_, pub_); }, bad},
      {"C_Verify", [&](Module& m) { return m.verify(kNoSession, data_, sizeof data_, sig_, sizeof sig_); },
       bad},
      {"C_VerifyUpdate", [&](Module& m) { return m.verify_update(kNoSession, data_, sizeof data_); }, bad},
      {"C_VerifyFinal", [&](Module& m) { return m.verify_final(kNoSession, sig_, sizeof sig_); }, bad},
  });
  EXPECT_EQ(call([&] { return m().close_session(CK_INVALID_HANDLE); }), bad) << "handle 0 is never valid";
}

TEST_F(BadArguments, SlotThatNamesNothing) {
  CK_SLOT_INFO slot{};
  CK_TOKEN_INFO token{};
  CK_MECHANISM_INFO mech{};
  CK_ULONG n = 0;
  CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
  const CK_RV bad = CKR_SLOT_ID_INVALID;
  run({
      {"C_GetSlotInfo", [&](Module& m) { return m.get_slot_info(kNoSlot, &slot); }, bad},
      {"C_GetTokenInfo", [&](Module& m) { return m.get_token_info(kNoSlot, &token); }, bad},
      {"C_GetMechanismList", [&](Module& m) { return m.get_mechanism_list(kNoSlot, nullptr, &n); }, bad},
      {"C_GetMechanismInfo",
       [&](Module& m) { return m.get_mechanism_info(kNoSlot, CKM_SHA256_RSA_PKCS, &mech); }, bad},
      {"C_OpenSession", [&](Module& m) { return m.open_session(kNoSlot, CKF_SERIAL_SESSION, &h); }, bad},
      {"C_CloseAllSessions", [](Module& m) { return m.close_all_sessions(kNoSlot); }, bad},
  });
}

TEST_F(BadArguments, ObjectAndKeyHandlesThatNameNothing) {
  CK_ATTRIBUTE a{CKA_CLASS, nullptr, 0};
  run({
      {"C_GetAttributeValue", [&](Module& m) { return m.get_attribute_value(h_, kNoObject, &a, 1); },
       CKR_OBJECT_HANDLE_INVALID},
      {"C_GetAttributeValue (the other token's object)",
       [&](Module& m) { return m.get_attribute_value(h_, 5, &a, 1); }, CKR_OBJECT_HANDLE_INVALID},
      {"C_SignInit", [&](Module& m) { return m.sign_init(h_, &mech_, kNoObject); }, CKR_KEY_HANDLE_INVALID},
      {"C_VerifyInit", [&](Module& m) { return m.verify_init(h_, &mech_, kNoObject); },
       CKR_KEY_HANDLE_INVALID},
  });
}

// Each pointer the entry needs, NULL, on a valid handle.
TEST_F(BadArguments, NullPointers) {
  CK_ULONG n = 0;
  CK_OBJECT_HANDLE found[4];
  const CK_RV bad = CKR_ARGUMENTS_BAD;
  run({
      {"C_GetSlotList count", [](Module& m) { return m.get_slot_list(CK_TRUE, nullptr, nullptr); }, bad},
      {"C_GetSlotInfo info", [](Module& m) { return m.get_slot_info(kAuthSlot, nullptr); }, bad},
      {"C_GetTokenInfo info", [](Module& m) { return m.get_token_info(kAuthSlot, nullptr); }, bad},
      {"C_GetMechanismList count",
       [](Module& m) { return m.get_mechanism_list(kAuthSlot, nullptr, nullptr); }, bad},
      {"C_GetMechanismInfo info",
       [](Module& m) { return m.get_mechanism_info(kAuthSlot, CKM_SHA256_RSA_PKCS, nullptr); }, bad},
      {"C_OpenSession handle",
       [](Module& m) { return m.open_session(kAuthSlot, CKF_SERIAL_SESSION, nullptr); }, bad},
      {"C_GetSessionInfo info", [&](Module& m) { return m.get_session_info(h_, nullptr); }, bad},
      {"C_SetPIN old PIN", [&](Module& m) { return m.set_pin(h_, nullptr, 4, nullptr, 4); }, bad},
      {"C_FindObjectsInit template", [&](Module& m) { return m.find_objects_init(h_, nullptr, 1); }, bad},
      {"C_GetAttributeValue template", [&](Module& m) { return m.get_attribute_value(h_, key_, nullptr, 1); },
       bad},
      {"C_SignInit mechanism", [&](Module& m) { return m.sign_init(h_, nullptr, key_); }, bad},
      {"C_VerifyInit mechanism", [&](Module& m) { return m.verify_init(h_, nullptr, pub_); }, bad},
  });
  // C_FindObjects: the output and the count, inside an active search.
  ASSERT_EQ(call([&] { return m().find_objects_init(h_, nullptr, 0); }), CKR_OK);
  EXPECT_EQ(call([&] { return m().find_objects(h_, nullptr, 4, &n); }), bad);
  EXPECT_EQ(call([&] { return m().find_objects(h_, found, 4, nullptr); }), bad);
  EXPECT_EQ(call([&] { return m().find_objects_final(h_); }), CKR_OK);
  // A template entry with a value length but no value.
  CK_ATTRIBUTE t{CKA_ID, nullptr, 1};
  EXPECT_EQ(call([&] { return m().find_objects_init(h_, &t, 1); }), bad);
  EXPECT_EQ(call([&] { return m().find_objects_final(h_); }), CKR_OPERATION_NOT_INITIALIZED);
}

// Inside an operation: the signature length pointer, the data, the signature.
TEST_F(BadArguments, NullPointersInsideOperations) {
  const CK_RV bad = CKR_ARGUMENTS_BAD;
  const auto init = [&] { ASSERT_EQ(call([&] { return m().sign_init(h_, &mech_, key_); }), CKR_OK); };
  init();
  EXPECT_EQ(call([&] { return m().sign(h_, data_, sizeof data_, sig_, nullptr); }), bad);
  init();
  EXPECT_EQ(call([&] { return m().sign(h_, nullptr, 3, sig_, &len_); }), bad);
  init();
  EXPECT_EQ(call([&] { return m().sign_update(h_, nullptr, 3); }), bad);
  init();
  EXPECT_EQ(call([&] { return m().sign_final(h_, sig_, nullptr); }), bad);
  EXPECT_EQ(call([&] { return m().sign_final(h_, sig_, &len_); }), CKR_OPERATION_NOT_INITIALIZED)
      << "the refused call ended the operation";

  const auto verify_init = [&] {
    ASSERT_EQ(call([&] { return m().verify_init(h_, &mech_, pub_); }), CKR_OK);
  };
  verify_init();
  EXPECT_EQ(call([&] { return m().verify(h_, data_, sizeof data_, nullptr, 256); }), bad);
  verify_init();
  EXPECT_EQ(call([&] { return m().verify(h_, nullptr, 3, sig_, sizeof sig_); }), bad);
  verify_init();
  EXPECT_EQ(call([&] { return m().verify_update(h_, nullptr, 3); }), bad);
  verify_init();
  EXPECT_EQ(call([&] { return m().verify_final(h_, nullptr, 256); }), bad);
  EXPECT_EQ(call([&] { return m().verify_final(h_, sig_, sizeof sig_); }), CKR_OPERATION_NOT_INITIALIZED);
  // A NULL PIN without a pinentry is no PIN.
  EXPECT_EQ(call([&] { return m().login(open(kSignSlot), CKU_USER, nullptr, 0); }), bad);
}

// Operations asked for in the wrong order, and user types the card does not have.
TEST_F(BadArguments, CallsOutOfOrder) {
  CK_OBJECT_HANDLE found[4];
  CK_ULONG n = 0;
  CK_UTF8CHAR pin[] = {'1', '2', '3', '4'};
  run({
      {"C_FindObjects without init", [&](Module& m) { return m.find_objects(h_, found, 4, &n); },
       CKR_OPERATION_NOT_INITIALIZED},
      {"C_FindObjectsFinal without init", [&](Module& m) { return m.find_objects_final(h_); },
       CKR_OPERATION_NOT_INITIALIZED},
      {"C_Sign without init", [&](Module& m) { return m.sign(h_, data_, sizeof data_, sig_, &len_); },
       CKR_OPERATION_NOT_INITIALIZED},
      {"C_SignUpdate without init", [&](Module& m) { return m.sign_update(h_, data_, sizeof data_); },
       CKR_OPERATION_NOT_INITIALIZED},
      {"C_SignFinal without init", [&](Module& m) { return m.sign_final(h_, sig_, &len_); },
       CKR_OPERATION_NOT_INITIALIZED},
      {"C_Verify without init",
       [&](Module& m) { return m.verify(h_, data_, sizeof data_, sig_, sizeof sig_); },
       CKR_OPERATION_NOT_INITIALIZED},
      {"C_VerifyFinal without init", [&](Module& m) { return m.verify_final(h_, sig_, sizeof sig_); },
       CKR_OPERATION_NOT_INITIALIZED},
      {"C_Login as SO", [&](Module& m) { return m.login(h_, CKU_SO, pin, sizeof pin); },
       CKR_USER_TYPE_INVALID},
      {"C_Login as user 7", [&](Module& m) { return m.login(h_, 7, pin, sizeof pin); },
       CKR_USER_TYPE_INVALID},
      {"C_Login context-specific without an operation",
       [&](Module& m) { return m.login(h_, CKU_CONTEXT_SPECIFIC, pin, sizeof pin); },
       CKR_OPERATION_NOT_INITIALIZED},
      {"C_OpenSession without CKF_SERIAL_SESSION",
       [&](Module& m) {
         CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
         return m.open_session(kAuthSlot, 0, &h);
       },
       CKR_SESSION_PARALLEL_NOT_SUPPORTED},
      {"C_GetMechanismInfo of raw RSA",
       [](Module& m) {
         CK_MECHANISM_INFO info{};
         return m.get_mechanism_info(kAuthSlot, CKM_RSA_X_509, &info);
       },
       CKR_MECHANISM_INVALID},
  });
}

}  // namespace
}  // namespace jpki::pkcs11::unit
