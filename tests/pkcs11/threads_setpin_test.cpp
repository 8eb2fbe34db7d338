// Several threads signing at once, fork with a busy thread, and PIN changes.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "p11_test.h"

namespace jpki::test {
namespace {

using Threads = P11Test;

TEST_F(Threads, FourThreadsSignConcurrently) {
  const CK_SESSION_HANDLE first = open(auth_slot());
  ASSERT_EQ(login(first, auth_pin()), CKR_OK);
  const auto key = find_one(first, CKO_PRIVATE_KEY, 1);
  const Bytes cert = attribute(first, find_one(first, CKO_CERTIFICATE, 1).value_or(0), CKA_VALUE);
  ASSERT_TRUE(key);
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      CK_SESSION_HANDLE s = 0;
      if (f()->C_OpenSession(auth_slot(), CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) return;
      for (int i = 0; i < 10; ++i) {
        const Bytes msg = bytes_of("thread " + std::to_string(t) + " message " + std::to_string(i));
        Bytes sig;
        if (sign(s, CKM_SHA256_RSA_PKCS, *key, msg, sig) == CKR_OK &&
            openssl_verify(cert, "SHA256", msg, sig))
          ++good;
      }
      f()->C_CloseSession(s);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 40);
}

// fork() while another thread is inside the module: the child must not inherit
// a lock held by a thread it does not have. It starts over (C_Initialize) and
// finds the card; each child has 10 s, or SIGALRM ends it.
TEST_F(Threads, ForkWhileAnotherThreadIsInsideTheModule) {
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0};
  std::thread busy([&] {
    while (!stop) {
      CK_TOKEN_INFO info{};
      f()->C_GetTokenInfo(auth_slot(), &info);  // reads the retry counter: card I/O under the lock
      ++calls;
    }
  });
  while (calls < 5) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (int i = 0; i < 20; ++i) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::alarm(10);
      CK_ULONG n = 0;
      if (f()->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_CRYPTOKI_NOT_INITIALIZED) ::_exit(2);
      CK_C_INITIALIZE_ARGS args{};
      args.flags = CKF_OS_LOCKING_OK;
      if (f()->C_Initialize(&args) != CKR_OK) ::_exit(3);
      if (f()->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_OK || n != 2) ::_exit(4);
      if (f()->C_Finalize(nullptr) != CKR_OK) ::_exit(5);
      ::_exit(0);
    }
    int status = 0;
    pid_t done = 0;
    for (int w = 0; w < 1500 && done == 0; ++w) {
      done = ::waitpid(pid, &status, WNOHANG);
      if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (done == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ADD_FAILURE() << "fork " << i << ": the child hung";
      break;
    }
    ASSERT_TRUE(WIFEXITED(status)) << "fork " << i << ": the child died of signal "
                                   << (WIFSIGNALED(status) ? WTERMSIG(status) : 0)
                                   << " (14: SIGALRM, it hung)";
    ASSERT_EQ(WEXITSTATUS(status), 0) << "fork " << i;
  }
  stop = true;
  busy.join();
  CK_ULONG n = 0;
  EXPECT_EQ(f()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK) << "the parent goes on";
  EXPECT_EQ(n, 2U);
}

using SetPin = P11Test;

TEST_F(SetPin, ChangeAuthPinAndBack) {
  const CK_SESSION_HANDLE s = open(auth_slot(), true);
  Bytes old_pin = bytes_of(auth_pin());
  Bytes new_pin = bytes_of("5678");
  ASSERT_EQ(f()->C_SetPIN(s, old_pin.data(), old_pin.size(), new_pin.data(), new_pin.size()), CKR_OK);
  EXPECT_EQ(login(s, auth_pin()), CKR_PIN_INCORRECT);
  EXPECT_EQ(card_tries("auth"), 2);
  ASSERT_EQ(login(s, "5678"), CKR_OK);
  ASSERT_EQ(f()->C_SetPIN(s, new_pin.data(), new_pin.size(), old_pin.data(), old_pin.size()), CKR_OK);
  ASSERT_EQ(f()->C_Logout(s), CKR_OK);
  EXPECT_EQ(login(s, auth_pin()), CKR_OK);
  EXPECT_EQ(card_tries("auth"), 3);
}

TEST_F(SetPin, ChangeSignPinAndBack) {
  const CK_SESSION_HANDLE s = open(sign_slot(), true);
  Bytes old_pin = bytes_of(sign_pin());
  Bytes new_pin = bytes_of("NEWPASS2026");
  ASSERT_EQ(f()->C_SetPIN(s, old_pin.data(), old_pin.size(), new_pin.data(), new_pin.size()), CKR_OK);
  ASSERT_EQ(f()->C_SetPIN(s, new_pin.data(), new_pin.size(), old_pin.data(), old_pin.size()), CKR_OK);
  EXPECT_EQ(login(s, sign_pin()), CKR_OK);
  EXPECT_EQ(card_tries("sign"), 5);
}

TEST_F(SetPin, WrongOldPinCostsOneTryMalformedNewPinNothing) {
  const CK_SESSION_HANDLE s = open(auth_slot(), true);
  Bytes wrong = bytes_of("0000");
  Bytes good = bytes_of(auth_pin());
  Bytes next = bytes_of("4321");
  EXPECT_EQ(f()->C_SetPIN(s, wrong.data(), wrong.size(), next.data(), next.size()), CKR_PIN_INCORRECT);
  EXPECT_EQ(card_tries("auth"), 2);
  const std::size_t apdus = card_apdus();
  Bytes bad_new = bytes_of("12a4");
  Bytes short_new = bytes_of("12");
  EXPECT_EQ(f()->C_SetPIN(s, good.data(), good.size(), bad_new.data(), bad_new.size()), CKR_PIN_INVALID);
  EXPECT_EQ(f()->C_SetPIN(s, good.data(), good.size(), short_new.data(), short_new.size()),
            CKR_PIN_LEN_RANGE);
  EXPECT_EQ(card_apdus(), apdus);
  EXPECT_EQ(card_tries("auth"), 2);
  EXPECT_EQ(login(s, auth_pin()), CKR_OK);
  EXPECT_EQ(card_tries("auth"), 3);
}

}  // namespace
}  // namespace jpki::test

namespace jpki::test {
namespace {

using Stress = P11Test;

// Run by tests/e2e/two_processes.sh next to a pkcs11-tool loop on the same card.
// Each pkcs11-tool run clears the card when it ends, which logs this process
// out too (README): a signature then answers CKR_USER_NOT_LOGGED_IN and, as a
// program asking the holder again would, this one logs in again.
TEST_F(Stress, HundredSignaturesWhileAnotherProcessSigns) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  ASSERT_EQ(login(s, auth_pin()), CKR_OK);
  const auto key = find_one(s, CKO_PRIVATE_KEY, 1);
  const Bytes cert = attribute(s, find_one(s, CKO_CERTIFICATE, 1).value_or(0), CKA_VALUE);
  ASSERT_TRUE(key);
  int good = 0;
  int logins = 0;
  for (int i = 0; i < 100; ++i) {
    const Bytes msg = bytes_of("process A message " + std::to_string(i));
    Bytes sig;
    CK_RV rv = sign(s, CKM_SHA256_RSA_PKCS, *key, msg, sig);
    for (int again = 0; rv == CKR_USER_NOT_LOGGED_IN && again < 20; ++again) {
      ASSERT_EQ(login(s, auth_pin()), CKR_OK) << "signature " << i;
      ++logins;
      rv = sign(s, CKM_SHA256_RSA_PKCS, *key, msg, sig);
    }
    EXPECT_EQ(rv, CKR_OK) << "signature " << i;
    if (rv == CKR_OK && openssl_verify(cert, "SHA256", msg, sig)) ++good;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // spread over the other's runs
  }
  EXPECT_EQ(good, 100);
  std::printf("process A logged in again %d times\n", logins);
}

}  // namespace
}  // namespace jpki::test
