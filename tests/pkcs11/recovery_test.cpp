// Another process resets the card; the card is pulled out and another one is
// put in. The module recovers, reports lost logins honestly, serves nothing stale.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "p11_client.h"

namespace jpki::test {
namespace {

using Recovery = P11Test;

// Polls until the slot's token presence is `present` (pcscd needs a moment).
bool wait_token(CK_FUNCTION_LIST* f, CK_SLOT_ID slot, bool present) {
  for (int i = 0; i < 100; ++i) {
    CK_SLOT_INFO info{};
    if (f->C_GetSlotInfo(slot, &info) == CKR_OK && ((info.flags & CKF_TOKEN_PRESENT) != 0) == present)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST_F(Recovery, ResetByAnotherProcessDropsTheLoginHonestly) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  ASSERT_EQ(login(s, auth_pin()), CKR_OK);
  const auto key = find_one(s, CKO_PRIVATE_KEY, 1);
  const Bytes cert = attribute(s, find_one(s, CKO_CERTIFICATE, 1).value_or(0), CKA_VALUE);
  ASSERT_TRUE(key);
  const Bytes msg = bytes_of("before and after a reset");
  Bytes sig;
  for (int round = 0; round < 100; ++round) {
    ASSERT_EQ(sign(s, CKM_SHA256_RSA_PKCS, *key, msg, sig), CKR_OK);
    ASSERT_EQ(sim("reset-card"), 0);
    EXPECT_EQ(sign(s, CKM_SHA256_RSA_PKCS, *key, msg, sig), CKR_USER_NOT_LOGGED_IN) << "round " << round;
    CK_SESSION_INFO info{};
    ASSERT_EQ(f()->C_GetSessionInfo(s, &info), CKR_OK) << "the session survives a reset";
    EXPECT_EQ(info.state, static_cast<CK_STATE>(CKS_RO_PUBLIC_SESSION));
    ASSERT_EQ(login(s, auth_pin()), CKR_OK);
    ASSERT_EQ(sign(s, CKM_SHA256_RSA_PKCS, *key, msg, sig), CKR_OK);
    EXPECT_TRUE(openssl_verify(cert, "SHA256", msg, sig));
  }
  EXPECT_EQ(card_tries("auth"), 3);
}

TEST_F(Recovery, RemovalEndsSessionsAndAnotherCardAppears) {
  const std::string other = "/tmp/jpki-other-card-" + std::to_string(::getpid());
  std::filesystem::remove_all(other);
  ASSERT_EQ(sim("init --state " + other), 0);
  const char* home = std::getenv("JPKI_SIM_STATE");
  ASSERT_NE(home, nullptr);
  Bytes previous;
  // 50 cycles, each time with the other card: nothing stale may be served.
  for (int cycle = 0; cycle < 50; ++cycle) {
    const CK_SESSION_HANDLE s = open(auth_slot());
    const Bytes cert = attribute(s, find_one(s, CKO_CERTIFICATE, 1).value_or(0), CKA_VALUE);
    ASSERT_FALSE(cert.empty()) << "cycle " << cycle;
    if (cycle > 0) {
      EXPECT_NE(cert, previous) << "cycle " << cycle << ": a stale certificate";
    }
    previous = cert;
    ASSERT_EQ(sim("ctl --control {control} remove"), 0);
    ASSERT_TRUE(wait_token(f(), auth_slot(), false)) << "cycle " << cycle;
    CK_SESSION_INFO info{};
    const CK_RV rv = f()->C_GetSessionInfo(s, &info);
    EXPECT_TRUE(rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_DEVICE_REMOVED) << rv;
    CK_TOKEN_INFO none{};
    EXPECT_EQ(f()->C_GetTokenInfo(auth_slot(), &none), CKR_TOKEN_NOT_PRESENT);
    CK_SESSION_HANDLE h = 0;
    EXPECT_EQ(f()->C_OpenSession(auth_slot(), CKF_SERIAL_SESSION, nullptr, nullptr, &h),
              CKR_TOKEN_NOT_PRESENT);
    const std::string next = cycle % 2 == 0 ? other : std::string(home);
    ASSERT_EQ(sim("ctl --control {control} insert --state " + next), 0);
    ASSERT_TRUE(wait_token(f(), auth_slot(), true)) << "cycle " << cycle;
  }
  std::filesystem::remove_all(other);
}

TEST_F(Recovery, WaitForSlotEventSeesRemovalAndBlockedWaitEndsAtFinalize) {
  CK_SLOT_ID slot = 0;
  while (f()->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr) == CKR_OK) {
  }
  ASSERT_EQ(sim("ctl --control {control} remove"), 0);
  ASSERT_EQ(f()->C_WaitForSlotEvent(0, &slot, nullptr), CKR_OK) << "a blocking wait returns on removal";
  EXPECT_TRUE(slot == auth_slot() || slot == sign_slot());
  ASSERT_EQ(sim("ctl --control {control} insert"), 0);
  ASSERT_TRUE(wait_token(f(), auth_slot(), true));
  while (f()->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr) == CKR_OK) {
  }
  CK_RV waited = CKR_OK;
  std::thread waiter([&] { waited = f()->C_WaitForSlotEvent(0, &slot, nullptr); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(f()->C_Finalize(nullptr), CKR_OK);
  waiter.join();
  EXPECT_EQ(waited, CKR_CRYPTOKI_NOT_INITIALIZED);
  ASSERT_EQ(f()->C_Initialize(nullptr), CKR_OK);  // for TearDown
}

}  // namespace
}  // namespace jpki::test
