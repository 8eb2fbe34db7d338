// Another process resets the card; the card is pulled out and another one is
// put in. The module recovers, reports lost logins honestly, serves nothing stale.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "p11_test.h"

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

// Resets land at random points between and inside our operations: another PC/SC
// client resetting the card (pcscd tells us), and the card silently losing its
// state (a power glitch nobody reports). A signature is either right or refused.
TEST_F(Recovery, ResetsLandingAnywhereNeverYieldAWrongResult) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  ASSERT_EQ(login(s, auth_pin()), CKR_OK);
  const auto key = find_one(s, CKO_PRIVATE_KEY, 1);
  const Bytes cert = attribute(s, find_one(s, CKO_CERTIFICATE, 1).value_or(0), CKA_VALUE);
  ASSERT_TRUE(key);
  std::atomic<bool> stop{false};
  std::atomic<int> resets{0};
  std::thread other([&] {
    for (int i = 0; !stop; ++i) {
      sim(i % 2 == 0 ? "reset-card" : "ctl --control {control} reset");
      ++resets;
      std::this_thread::sleep_for(std::chrono::milliseconds(2 + (i * 7) % 11));
    }
  });
  int good = 0;
  int refused = 0;
  for (int i = 0; resets < 50; ++i) {
    const Bytes msg = bytes_of("round " + std::to_string(i));
    Bytes sig;
    const CK_RV rv = sign(s, CKM_SHA256_RSA_PKCS, *key, msg, sig);
    if (rv == CKR_OK) {
      EXPECT_TRUE(openssl_verify(cert, "SHA256", msg, sig)) << "round " << i << ": a wrong signature";
      ++good;
      continue;
    }
    // A glitch between our SELECT and SIGN leaves the card without a current EF: 6986, a device error.
    EXPECT_TRUE(rv == CKR_USER_NOT_LOGGED_IN || rv == CKR_DEVICE_ERROR) << "round " << i << ": answer " << rv;
    ++refused;
    const CK_RV in = login(s, auth_pin());
    EXPECT_TRUE(in == CKR_OK || in == CKR_USER_ALREADY_LOGGED_IN || in == CKR_DEVICE_ERROR)
        << "round " << i << ": login answered " << in;
    if (::testing::Test::HasFailure()) break;
  }
  stop = true;
  other.join();
  std::printf("resets: %d, signatures: %d good, %d refused as not logged in\n", resets.load(), good, refused);
  EXPECT_GT(refused, 0) << "no reset landed: the test proved nothing";
  EXPECT_GT(good, 0);
  EXPECT_EQ(card_tries("auth"), 3);
}

// The card is pulled and put back at random points while a client keeps signing:
// every answer is a signature that verifies or a clean "gone / not logged in".
TEST_F(Recovery, RemovalsLandingAnywhereNeverYieldAWrongResult) {
  CK_SESSION_HANDLE s = open(auth_slot());
  const Bytes cert = attribute(s, find_one(s, CKO_CERTIFICATE, 1).value_or(0), CKA_VALUE);
  std::atomic<bool> stop{false};
  std::atomic<int> removals{0};
  std::thread hand([&] {
    for (int i = 0; !stop; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(150 + (i * 37) % 400));
      sim("ctl --control {control} remove");
      ++removals;
      // Out for longer than pcscd's 400 ms poll, as a hand takes: pcscd must see the empty reader.
      std::this_thread::sleep_for(std::chrono::milliseconds(500 + (i * 53) % 700));
      sim("ctl --control {control} insert");
    }
  });
  int good = 0;
  int failed = 0;
  bool logged_in = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(12);
  while (std::chrono::steady_clock::now() < deadline) {
    CK_RV rv = CKR_OK;
    if (s == 0) {
      rv = f()->C_OpenSession(auth_slot(), CKF_SERIAL_SESSION, nullptr, nullptr, &s);
      if (rv != CKR_OK) s = 0;
    }
    if (rv == CKR_OK && !logged_in) {
      rv = login(s, auth_pin());
      logged_in = rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN;
      if (logged_in) rv = CKR_OK;
    }
    Bytes sig;
    const Bytes msg = bytes_of("at " + std::to_string(good + failed));
    if (rv == CKR_OK) {
      CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
      CK_ATTRIBUTE t{CKA_CLASS, &cls, sizeof cls};
      CK_OBJECT_HANDLE key = 0;
      CK_ULONG n = 0;
      rv = f()->C_FindObjectsInit(s, &t, 1);
      if (rv == CKR_OK) rv = f()->C_FindObjects(s, &key, 1, &n);
      f()->C_FindObjectsFinal(s);
      if (rv == CKR_OK) rv = n == 1 ? sign(s, CKM_SHA256_RSA_PKCS, key, msg, sig) : CKR_USER_NOT_LOGGED_IN;
    }
    if (rv == CKR_OK) {
      EXPECT_TRUE(openssl_verify(cert, "SHA256", msg, sig)) << "a wrong signature";
      ++good;
      continue;
    }
    ++failed;
    EXPECT_TRUE(rv == CKR_DEVICE_REMOVED || rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_TOKEN_NOT_PRESENT ||
                rv == CKR_USER_NOT_LOGGED_IN || rv == CKR_SESSION_CLOSED || rv == CKR_DEVICE_ERROR)
        << "answer " << rv;
    if (rv != CKR_USER_NOT_LOGGED_IN) s = 0;
    logged_in = false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  hand.join();
  sim("ctl --control {control} insert");
  if (!wait_token(f(), auth_slot(), true)) {
    // Whose view is stale: ours, or pcscd's? A fresh start of the module tells.
    f()->C_Finalize(nullptr);
    ASSERT_EQ(f()->C_Initialize(nullptr), CKR_OK);
    const bool fresh_sees_it = wait_token(f(), auth_slot(), true);
    ADD_FAILURE() << "the card did not come back; a freshly initialised module "
                  << (fresh_sees_it ? "sees it: the module kept a stale view"
                                    : "does not see it either (pcscd)");
  }
  std::printf("removals: %d, signatures: %d good, %d refused cleanly\n", removals.load(), good, failed);
  EXPECT_GT(removals.load(), 5);
  EXPECT_GT(good, 10);
  EXPECT_EQ(card_tries("auth"), 3);
}

// pcscd restarts (an update, a crash) under a program that keeps the module
// loaded: the next calls find the token again, without C_Finalize.
TEST_F(Recovery, APcscdRestartIsSurvived) {
  const char* restart = std::getenv("JPKI_PCSCD_RESTART");
  ASSERT_NE(restart, nullptr);
  const CK_SESSION_HANDLE s = open(auth_slot());
  ASSERT_EQ(login(s, auth_pin()), CKR_OK);
  const auto key = find_one(s, CKO_PRIVATE_KEY, 1);
  const Bytes cert = attribute(s, find_one(s, CKO_CERTIFICATE, 1).value_or(0), CKA_VALUE);
  ASSERT_TRUE(key);
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(std::system(restart), 0) << "round " << round;
    bool back = false;
    for (int i = 0; i < 100 && !back; ++i) {
      CK_ULONG n = 0;
      back = f()->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK && n == 2;
      if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(back) << "round " << round << ": no token after pcscd came back";
    std::vector<CK_SLOT_ID> slots(2);
    CK_ULONG n = slots.size();
    ASSERT_EQ(f()->C_GetSlotList(CK_TRUE, slots.data(), &n), CKR_OK);
    EXPECT_EQ(slots[0], auth_slot()) << "slot IDs stay the same for the same reader";
    // pcscd reset the card when it stopped: the old session went with it.
    CK_SESSION_INFO info{};
    const CK_RV old = f()->C_GetSessionInfo(s, &info);
    EXPECT_TRUE(old == CKR_SESSION_HANDLE_INVALID || old == CKR_DEVICE_REMOVED) << old;
    const CK_SESSION_HANDLE t = open(auth_slot());
    ASSERT_EQ(login(t, auth_pin()), CKR_OK) << "round " << round;
    const auto k = find_one(t, CKO_PRIVATE_KEY, 1);
    ASSERT_TRUE(k);
    const Bytes msg = bytes_of("after pcscd restart " + std::to_string(round));
    Bytes sig;
    ASSERT_EQ(sign(t, CKM_SHA256_RSA_PKCS, *k, msg, sig), CKR_OK) << "round " << round;
    EXPECT_TRUE(openssl_verify(cert, "SHA256", msg, sig));
    f()->C_CloseSession(t);
  }
  EXPECT_EQ(card_tries("auth"), 3);
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
