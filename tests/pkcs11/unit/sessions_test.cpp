// Session states (C_GetSessionInfo) across login, logout, the last session
// closing, card removal and a card reset behind the module's back.
#include "module_fixture.h"

namespace jpki::pkcs11::unit {
namespace {

class Sessions : public ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    start();
  }
};

// PKCS#11 2.40 §5.6: a login is the application's, on the token: every session
// with that token sees it; the other token of the card is another token.
TEST_F(Sessions, LoginAndLogoutChangeEverySessionOfTheToken) {
  const CK_SESSION_HANDLE ro = open(kAuthSlot);
  const CK_SESSION_HANDLE rw = open(kAuthSlot, true);
  const CK_SESSION_HANDLE other = open(kSignSlot);
  EXPECT_EQ(state(ro), CKS_RO_PUBLIC_SESSION);
  EXPECT_EQ(state(rw), CKS_RW_PUBLIC_SESSION);

  ASSERT_EQ(login(ro, kAuthPin), CKR_OK);
  EXPECT_EQ(state(ro), CKS_RO_USER_FUNCTIONS);
  EXPECT_EQ(state(rw), CKS_RW_USER_FUNCTIONS);
  EXPECT_EQ(state(other), CKS_RO_PUBLIC_SESSION);
  EXPECT_EQ(login(rw, kAuthPin), CKR_USER_ALREADY_LOGGED_IN);
  EXPECT_EQ(verifies_with_pin(), 1u) << "the second login sent no PIN";

  EXPECT_EQ(call([&] { return m().logout(rw); }), CKR_OK);
  EXPECT_EQ(state(ro), CKS_RO_PUBLIC_SESSION);
  EXPECT_EQ(state(rw), CKS_RW_PUBLIC_SESSION);
  EXPECT_EQ(call([&] { return m().logout(ro); }), CKR_USER_NOT_LOGGED_IN);
}

TEST_F(Sessions, SessionInfoNamesSlotAndFlags) {
  const CK_SESSION_HANDLE h = open(kSignSlot, true);
  CK_SESSION_INFO info{};
  ASSERT_EQ(session_info(h, info), CKR_OK);
  EXPECT_EQ(info.slotID, kSignSlot);
  EXPECT_EQ(info.flags, static_cast<CK_FLAGS>(CKF_SERIAL_SESSION | CKF_RW_SESSION));
  EXPECT_EQ(info.ulDeviceError, 0u);
}

// PKCS#11 2.40 §5.6: closing the last session with a token logs the application out.
TEST_F(Sessions, ClosingTheLastSessionLogsOut) {
  const CK_SESSION_HANDLE a = open(kAuthSlot);
  const CK_SESSION_HANDLE b = open(kAuthSlot);
  ASSERT_EQ(login(a, kAuthPin), CKR_OK);
  ASSERT_EQ(call([&] { return m().close_session(a); }), CKR_OK);
  EXPECT_EQ(state(b), CKS_RO_USER_FUNCTIONS) << "another session is still open";
  ASSERT_EQ(call([&] { return m().close_session(b); }), CKR_OK);
  const CK_SESSION_HANDLE c = open(kAuthSlot);
  EXPECT_EQ(state(c), CKS_RO_PUBLIC_SESSION);
  EXPECT_EQ(find(c, CKO_PRIVATE_KEY), CK_INVALID_HANDLE) << "the private key is hidden again";

  ASSERT_EQ(login(c, kAuthPin), CKR_OK);
  ASSERT_EQ(call([&] { return m().close_all_sessions(kAuthSlot); }), CKR_OK);
  CK_SESSION_INFO info{};
  EXPECT_EQ(session_info(c, info), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(state(open(kAuthSlot)), CKS_RO_PUBLIC_SESSION);
}

// The card pulled out: the sessions with it are gone as soon as the module
// looks at the readers, and the slot has no token.
TEST_F(Sessions, RemovalClosesTheSessionsOfTheCard) {
  const CK_SESSION_HANDLE h = open(kAuthSlot);
  const CK_SESSION_HANDLE s = open(kSignSlot);
  ASSERT_EQ(login(h, kAuthPin), CKR_OK);
  readers().pull_out(kReader);
  EXPECT_EQ(slot_count(), 0u);
  CK_SESSION_INFO info{};
  EXPECT_EQ(session_info(h, info), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(session_info(s, info), CKR_SESSION_HANDLE_INVALID);
  CK_SESSION_HANDLE again = CK_INVALID_HANDLE;
  EXPECT_EQ(call([&] { return m().open_session(kAuthSlot, CKF_SERIAL_SESSION, &again); }),
            CKR_TOKEN_NOT_PRESENT);

  readers().insert(kReader);
  const CK_SESSION_HANDLE fresh = open(kAuthSlot);
  EXPECT_EQ(state(fresh), CKS_RO_PUBLIC_SESSION) << "a new insertion starts logged out";
  EXPECT_NE(fresh, h) << "handles are not reused";
}

// Pulled out in the middle of work: the card operation says so, and the session
// keeps saying so until the module looks at the readers again.
TEST_F(Sessions, RemovalSeenByACardOperation) {
  const CK_SESSION_HANDLE h = open(kAuthSlot);
  ASSERT_EQ(login(h, kAuthPin), CKR_OK);
  CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(call([&] { return m().sign_init(h, &mech, find(h, CKO_PRIVATE_KEY)); }), CKR_OK);
  readers().pull_out(kReader);
  Bytes data{'d', 'o', 'c'};
  Bytes sig(256);
  CK_ULONG len = sig.size();
  EXPECT_EQ(call([&] { return m().sign(h, data.data(), data.size(), sig.data(), &len); }),
            CKR_DEVICE_REMOVED);
  CK_SESSION_INFO info{};
  EXPECT_EQ(session_info(h, info), CKR_DEVICE_REMOVED);
  EXPECT_EQ(slot_count(), 0u);
  EXPECT_EQ(session_info(h, info), CKR_SESSION_HANDLE_INVALID);
}

// Right after the card is pulled out, before any other call looks at the readers
// or the card: PKCS#11 closes the sessions of a removed token, and an application
// polling C_GetSessionInfo (as NSS does between calls) must not be told the
// session is fine. C_GetSessionInfo polls the readers (no APDU).
TEST_F(Sessions, RemovalSeenWithoutAnyCardOperation) {
  const CK_SESSION_HANDLE h = open(kAuthSlot);
  ASSERT_EQ(login(h, kAuthPin), CKR_OK);
  readers().pull_out(kReader);
  CK_SESSION_INFO info{};
  const CK_RV rv = session_info(h, info);
  EXPECT_TRUE(rv == CKR_DEVICE_REMOVED || rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED)
      << rv_name(rv);
}

// Another process reset the card (PC/SC says so at the next use): the card forgot
// the PIN, so the session is public again, and no PIN is sent on the holder's behalf.
TEST_F(Sessions, ResetByAnotherProcessLogsOut) {
  const CK_SESSION_HANDLE h = open(kAuthSlot);
  ASSERT_EQ(login(h, kAuthPin), CKR_OK);
  ASSERT_EQ(sign(h), CKR_OK);
  card().reset_by_someone_else(true);
  EXPECT_EQ(sign(h), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(state(h), CKS_RO_PUBLIC_SESSION);
  EXPECT_EQ(verifies_with_pin(), 1u) << "only the holder's own login";
  CK_TOKEN_INFO info{};
  EXPECT_EQ(call([&] { return m().get_token_info(kAuthSlot, &info); }), CKR_OK) << "the card works on";
  ASSERT_EQ(login(h, kAuthPin), CKR_OK);
  EXPECT_EQ(sign(h), CKR_OK);
}

// The card lost its state and nobody said so (a reset PC/SC did not report): the
// card's 6982 logs the session out.
TEST_F(Sessions, UnannouncedResetLogsOutAtTheNextSignature) {
  const CK_SESSION_HANDLE h = open(kAuthSlot);
  ASSERT_EQ(login(h, kAuthPin), CKR_OK);
  card().reset_by_someone_else(false);
  EXPECT_EQ(sign(h), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(state(h), CKS_RO_PUBLIC_SESSION);
  EXPECT_EQ(verifies_with_pin(), 1u);
}

// A card that stops answering: the signature fails; a plain reconnect does not
// bring it back, so it is power-cycled (its state is unknown), and the session
// is public.
TEST_F(Sessions, MuteCardLogsOut) {
  const CK_SESSION_HANDLE h = open(kAuthSlot);
  ASSERT_EQ(login(h, kAuthPin), CKR_OK);
  card().fail(transport::ErrorKind::kTimeout);
  EXPECT_EQ(sign(h), CKR_DEVICE_ERROR);
  EXPECT_EQ(card().reconnects, 1);
  EXPECT_EQ(card().power_cycles, 1);
  card().heal();
  EXPECT_EQ(state(h), CKS_RO_PUBLIC_SESSION);
  EXPECT_EQ(verifies_with_pin(), 1u);
  ASSERT_EQ(login(h, kAuthPin), CKR_OK);
  EXPECT_EQ(sign(h), CKR_OK) << "the card works again after its power cycle";
}

}  // namespace
}  // namespace jpki::pkcs11::unit
