// What stays verified on the card, and for how long (README). A rogue PC/SC
// client (tests/support/pcsc_rogue) stands for any other program on the
// machine: it asks the card for a signature with no PIN, and must get none once
// the verification it would ride on has served the holder's purpose.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "p11_test.h"

namespace jpki::test {
namespace {

// Lines of the simulator's log that start with `prefix` (commands "C: ...", events "# ...").
std::size_t log_lines(const std::string& prefix) {
  std::ifstream in(std::getenv("JPKI_SIM_LOG"));
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0) ++n;
  return n;
}

class PinState : public P11Test {
 protected:
  // One signature with the token's key (the signing key after its context
  // login when `context_pin` is given), checked with OpenSSL.
  void sign_once(CK_SESSION_HANDLE s, bool sign_token, const std::string& context_pin = "") {
    const unsigned char id = sign_token ? 2 : 1;
    const auto key = find_one(s, CKO_PRIVATE_KEY, id);
    ASSERT_TRUE(key);
    const Bytes cert = attribute(s, find_one(s, CKO_CERTIFICATE, id).value_or(0), CKA_VALUE);
    const Bytes msg = bytes_of("document " + std::to_string(++signatures_));
    Bytes sig;
    ASSERT_EQ(sign(s, CKM_SHA256_RSA_PKCS, *key, msg, sig, context_pin), CKR_OK);
    EXPECT_TRUE(openssl_verify(cert, "SHA256", msg, sig));
  }
  CardKeptOpen witness_;  // pcscd never powers the card down behind the module's back
  int signatures_ = 0;
};

// Default settings (CKA_ALWAYS_AUTHENTICATE): the signing password serves the
// certificate at login and then one signature each time, nothing after.
TEST_F(PinState, TheSigningPasswordServesOneSignatureWhileTheSessionStaysOpen) {
  const CK_SESSION_HANDLE s = open(sign_slot());
  ASSERT_EQ(login(s, sign_pin()), CKR_OK);
  EXPECT_EQ(rogue("sign"), "refused") << "after the login, which only opened the certificate";
  for (int i = 0; i < 2; ++i) {
    sign_once(s, true, sign_pin());  // the next signature works after a fresh context login
    EXPECT_EQ(rogue("sign"), "refused") << "after signature " << i << ", the session still open";
  }
  CK_SESSION_INFO info{};
  ASSERT_EQ(f()->C_GetSessionInfo(s, &info), CKR_OK);
  EXPECT_EQ(info.state, static_cast<CK_STATE>(CKS_RO_USER_FUNCTIONS)) << "the holder stays logged in";
  EXPECT_EQ(card_tries("sign"), 5);
}

TEST_F(PinState, AnAbandonedContextLoginIsClearedToo) {
  const CK_SESSION_HANDLE s = open(sign_slot());
  ASSERT_EQ(login(s, sign_pin()), CKR_OK);
  const auto key = find_one(s, CKO_PRIVATE_KEY, 2);
  ASSERT_TRUE(key);
  CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(f()->C_SignInit(s, &m, *key), CKR_OK);
  ASSERT_EQ(login(s, sign_pin(), CKU_CONTEXT_SPECIFIC), CKR_OK);
  Bytes too_long(246, 1);
  Bytes sig(256);
  CK_ULONG len = sig.size();
  EXPECT_EQ(f()->C_Sign(s, too_long.data(), too_long.size(), sig.data(), &len), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(rogue("sign"), "refused") << "the signature it was given for never happened";
}

// The authentication key: verified from C_Login until C_Logout, the close of
// the token's last session, or C_Finalize.
TEST_F(PinState, TheAuthenticationPinLastsUntilLogout) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  ASSERT_EQ(login(s, auth_pin()), CKR_OK);
  sign_once(s, false);
  EXPECT_EQ(rogue("auth"), "signed") << "while logged in the card serves any program (this test's control)";
  ASSERT_EQ(f()->C_Logout(s), CKR_OK);
  EXPECT_EQ(rogue("auth"), "refused");
}

TEST_F(PinState, TheAuthenticationPinLastsUntilTheLastSessionCloses) {
  const CK_SESSION_HANDLE a = open(auth_slot());
  const CK_SESSION_HANDLE b = open(auth_slot());
  ASSERT_EQ(login(a, auth_pin()), CKR_OK);
  sign_once(a, false);
  ASSERT_EQ(f()->C_CloseSession(a), CKR_OK);
  EXPECT_EQ(rogue("auth"), "signed") << "one session is still open and logged in (this test's control)";
  ASSERT_EQ(f()->C_CloseSession(b), CKR_OK);
  EXPECT_EQ(rogue("auth"), "refused");
}

TEST_F(PinState, TheAuthenticationPinLastsUntilFinalize) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  ASSERT_EQ(login(s, auth_pin()), CKR_OK);
  sign_once(s, false);
  ASSERT_EQ(f()->C_Finalize(nullptr), CKR_OK);
  EXPECT_EQ(rogue("auth"), "refused");
  ASSERT_EQ(f()->C_Initialize(nullptr), CKR_OK);  // for TearDown
}

// Clearing logs out every program using the card: a process that verified
// nothing must not do it (no re-SELECT of the applet, no reset).
TEST_F(PinState, AProcessThatVerifiedNothingClearsNothing) {
  const std::size_t selects = log_lines("C: 00 A4 04 0C");
  const std::size_t resets = log_lines("# reset");
  const CK_SESSION_HANDLE s = open(auth_slot());
  EXPECT_FALSE(attribute(s, find_one(s, CKO_CERTIFICATE, 1).value_or(0), CKA_VALUE).empty());
  ASSERT_EQ(f()->C_CloseSession(s), CKR_OK);
  ASSERT_EQ(f()->C_Finalize(nullptr), CKR_OK);
  EXPECT_EQ(log_lines("C: 00 A4 04 0C"), selects) << "the applet was selected again";
  EXPECT_EQ(log_lines("# reset"), resets) << "the card was reset";
  ASSERT_EQ(f()->C_Initialize(nullptr), CKR_OK);  // for TearDown
}

// sign_always_authenticate = off: the holder chose one login for many
// signatures. It lasts until logout, the last session's close or finalize.
class PinStateOneLogin : public PinState {
 protected:
  void SetUp() override {
    ::setenv("JPKI_PKCS11_SIGN_ALWAYS_AUTH", "off", 1);
    PinState::SetUp();
  }
  void TearDown() override {
    PinState::TearDown();
    ::unsetenv("JPKI_PKCS11_SIGN_ALWAYS_AUTH");
  }
};

TEST_F(PinStateOneLogin, ManySignaturesOnOneLoginThenNothingAfterLogout) {
  const CK_SESSION_HANDLE s = open(sign_slot());
  ASSERT_EQ(login(s, sign_pin()), CKR_OK);
  sign_once(s, true);
  sign_once(s, true);  // no new login
  EXPECT_EQ(rogue("sign"), "signed")
      << "the login lasts while the holder's program runs (this test's control)";
  ASSERT_EQ(f()->C_Logout(s), CKR_OK);
  EXPECT_EQ(rogue("sign"), "refused");
  EXPECT_EQ(card_tries("sign"), 5);
}

TEST_F(PinStateOneLogin, NothingAfterTheLastSessionCloses) {
  const CK_SESSION_HANDLE s = open(sign_slot());
  ASSERT_EQ(login(s, sign_pin()), CKR_OK);
  sign_once(s, true);
  ASSERT_EQ(f()->C_CloseSession(s), CKR_OK);
  EXPECT_EQ(rogue("sign"), "refused");
}

TEST_F(PinStateOneLogin, NothingAfterFinalize) {
  const CK_SESSION_HANDLE s = open(sign_slot());
  ASSERT_EQ(login(s, sign_pin()), CKR_OK);
  sign_once(s, true);
  ASSERT_EQ(f()->C_Finalize(nullptr), CKR_OK);
  EXPECT_EQ(rogue("sign"), "refused");
  ASSERT_EQ(f()->C_Initialize(nullptr), CKR_OK);  // for TearDown
}

// Run only by tests/e2e/pin_state_e2e.sh: a holder's program that logs in,
// signs once with $JPKI_HOLDER_KEY ("auth" or "sign"), says "signed", and then
// waits to be killed ($JPKI_HOLDER_THEN=wait) or leaves with exit() and no
// C_Finalize, sessions still open (=exit), as some programs do.
using Holder = PinState;

TEST_F(Holder, SignsThenWaitsOrExits) {
  const char* key = std::getenv("JPKI_HOLDER_KEY");
  const char* then = std::getenv("JPKI_HOLDER_THEN");
  ASSERT_TRUE(key != nullptr && then != nullptr) << "run by tests/e2e/pin_state_e2e.sh";
  const bool sign_token = std::string(key) == "sign";
  const CK_SESSION_HANDLE s = open(sign_token ? sign_slot() : auth_slot());
  ASSERT_EQ(login(s, sign_token ? sign_pin() : auth_pin()), CKR_OK);
  const bool context_login = sign_token && std::getenv("JPKI_PKCS11_SIGN_ALWAYS_AUTH") == nullptr;
  sign_once(s, sign_token, context_login ? sign_pin() : "");
  ASSERT_FALSE(HasFailure());
  std::cout << "signed" << std::endl;
  if (std::string(then) == "exit") std::exit(0);
  for (;;) ::pause();
}

}  // namespace
}  // namespace jpki::test
