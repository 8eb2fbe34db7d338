// PIN entry on a protected path: with a pinentry configured the tokens say
// CKF_PROTECTED_AUTHENTICATION_PATH and C_Login with a NULL PIN asks the
// holder (here: tests/pkcs11/scripted-pinentry.sh). Cancel and PINs of the
// wrong shape never reach the card. The module lock is let go while the
// holder types, and a pinentry that hangs ends the login within its timeout.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "p11_test.h"

namespace jpki::test {
namespace {

class Pinentry : public P11Test {
 protected:
  void SetUp() override {
    const char* script = std::getenv("JPKI_TEST_PINENTRY");
    ASSERT_NE(script, nullptr);
    log_ = "/tmp/jpki-pinentry-" + std::to_string(::getpid()) + ".log";
    std::filesystem::remove(log_);
    std::filesystem::remove(log_ + ".count");
    ::setenv("JPKI_PKCS11_PINENTRY", script, 1);
    ::setenv("PINENTRY_LOG", log_.c_str(), 1);
    P11Test::SetUp();
  }
  void TearDown() override {
    P11Test::TearDown();
    for (const char* v : {"JPKI_PKCS11_PINENTRY", "PINENTRY_ANSWERS", "PINENTRY_DELAY", "PINENTRY_GREETING",
                          "PINENTRY_GREETING_DELAY", "JPKI_PKCS11_PINENTRY_TIMEOUT", "JPKI_PKCS11_DEBUG"}) {
      ::unsetenv(v);
    }
    std::filesystem::remove(log_);
    std::filesystem::remove(log_ + ".count");
    unblock_card();
  }
  static void answers(const std::string& words) { ::setenv("PINENTRY_ANSWERS", words.c_str(), 1); }
  CK_RV login_null(CK_SESSION_HANDLE s, CK_USER_TYPE user = CKU_USER) {
    return f()->C_Login(s, user, nullptr, 0);
  }
  std::string dialog() const {
    std::ifstream in(log_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Settings are read at C_Initialize.
  void reinitialize() {
    f()->C_Finalize(nullptr);
    ASSERT_EQ(f()->C_Initialize(nullptr), CKR_OK);
  }
  // Waits until the pinentry got `command` (it logs each command as it reads it).
  bool wait_for(const std::string& command) const {
    for (int i = 0; i < 200; ++i) {
      if (dialog().find(command) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  static std::size_t open_descriptors() {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                                  std::filesystem::directory_iterator()));
  }
  // True when this process has no child left: none running, none unreaped.
  static bool no_children() {
    int status = 0;
    return ::waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD;
  }
  static double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }
  static std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
  }
  std::string log_;
};

TEST_F(Pinentry, NullPinAsksTheHolderAndTheLoginWorks) {
  EXPECT_NE(token_flags(auth_slot()) & CKF_PROTECTED_AUTHENTICATION_PATH, 0U);
  EXPECT_NE(token_flags(sign_slot()) & CKF_PROTECTED_AUTHENTICATION_PATH, 0U);
  const CK_SESSION_HANDLE s = open(auth_slot());
  answers(auth_pin());
  ASSERT_EQ(login_null(s), CKR_OK);
  const std::string d = dialog();
  EXPECT_NE(d.find("SETTITLE "), std::string::npos) << d;
  EXPECT_NE(d.find("User authentication certificate"), std::string::npos) << d;
  EXPECT_NE(d.find("4 digits"), std::string::npos) << d;
  EXPECT_NE(d.find("Tries left: 3"), std::string::npos) << d;
  EXPECT_NE(d.find("SETPROMPT "), std::string::npos) << d;
  EXPECT_EQ(count(d, "GETPIN"), 1U);
  EXPECT_EQ(d.find("city office"), std::string::npos) << "no last-try warning with 3 tries left";
  EXPECT_EQ(d.find(auth_pin()), std::string::npos) << "the PIN travels only from pinentry to the module";
  Bytes sig;
  const Bytes msg = bytes_of("logged in through pinentry");
  ASSERT_EQ(sign(s, CKM_SHA256_RSA_PKCS, find_one(s, CKO_PRIVATE_KEY, 1).value_or(0), msg, sig), CKR_OK);
}

TEST_F(Pinentry, CancelSpendsNoTryAndSendsNothing) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  const std::size_t before = card_verifies_with_data();
  answers("CANCEL");
  EXPECT_EQ(login_null(s), CKR_FUNCTION_CANCELED);
  EXPECT_EQ(card_verifies_with_data(), before);
  EXPECT_EQ(card_tries("auth"), 3);
  CK_SESSION_INFO info{};
  ASSERT_EQ(f()->C_GetSessionInfo(s, &info), CKR_OK);
  EXPECT_EQ(info.state, static_cast<CK_STATE>(CKS_RO_PUBLIC_SESSION));
}

TEST_F(Pinentry, AWrongShapeIsAskedAgainNotSentToTheCard) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  const std::size_t before = card_verifies_with_data();
  answers("12a4 123 " + auth_pin());
  ASSERT_EQ(login_null(s), CKR_OK);
  const std::string d = dialog();
  EXPECT_EQ(count(d, "GETPIN"), 3U);
  EXPECT_EQ(count(d, "SETERROR"), 2U);
  EXPECT_NE(d.find("The PIN is 4 digits"), std::string::npos) << d;
  EXPECT_EQ(card_verifies_with_data() - before, 1U) << "only the well-shaped PIN reached the card";
}

TEST_F(Pinentry, ThreeWrongShapesEndTheLoginWithoutATry) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  const std::size_t before = card_verifies_with_data();
  answers("abcd 12 99999");
  EXPECT_EQ(login_null(s), CKR_PIN_INVALID);
  EXPECT_EQ(card_verifies_with_data(), before);
  EXPECT_EQ(card_tries("auth"), 3);
}

TEST_F(Pinentry, TheLastTryIsAnnouncedWithItsCost) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  const std::string wrong = auth_pin() == "1111" ? "2222" : "1111";
  ASSERT_EQ(login(s, wrong), CKR_PIN_INCORRECT);
  ASSERT_EQ(login(s, wrong), CKR_PIN_INCORRECT);
  answers("CANCEL");
  EXPECT_EQ(login_null(s), CKR_FUNCTION_CANCELED);
  const std::string d = dialog();
  EXPECT_NE(d.find("Tries left: 1"), std::string::npos) << d;
  EXPECT_NE(d.find("last try"), std::string::npos) << d;
  EXPECT_NE(d.find("city office"), std::string::npos) << d;
  EXPECT_EQ(card_tries("auth"), 1) << "cancelling cost nothing";
}

TEST_F(Pinentry, ALockedPinIsExplainedNotAskedFor) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  const std::string wrong = auth_pin() == "1111" ? "2222" : "1111";
  for (int i = 0; i < 3; ++i) {
    ASSERT_NE(login(s, wrong), CKR_OK);
  }
  ASSERT_EQ(card_tries("auth"), 0);
  const std::size_t before = card_verifies_with_data();
  answers(auth_pin());  // offered, but must not be asked for
  EXPECT_EQ(login_null(s), CKR_PIN_LOCKED);
  const std::string d = dialog();
  EXPECT_EQ(count(d, "GETPIN"), 0U) << d;
  EXPECT_EQ(count(d, "MESSAGE"), 1U) << d;
  EXPECT_NE(d.find("User authentication certificate: its PIN is locked"), std::string::npos) << d;
  EXPECT_NE(d.find("city office"), std::string::npos) << d;
  EXPECT_EQ(card_verifies_with_data(), before) << "no VERIFY with data at 0 tries";
}

TEST_F(Pinentry, TheSigningKeysContextLoginAsksToo) {
  const CK_SESSION_HANDLE s = open(sign_slot());
  answers(sign_pin() + " " + sign_pin());
  ASSERT_EQ(login_null(s), CKR_OK);
  const CK_OBJECT_HANDLE key = find_one(s, CKO_PRIVATE_KEY, 2).value_or(0);
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(f()->C_SignInit(s, &m, key), CKR_OK);
  ASSERT_EQ(login_null(s, CKU_CONTEXT_SPECIFIC), CKR_OK);
  Bytes data = bytes_of("signed with the password typed into pinentry");
  Bytes sig(256);
  CK_ULONG len = sig.size();
  ASSERT_EQ(f()->C_Sign(s, data.data(), data.size(), sig.data(), &len), CKR_OK);
  EXPECT_EQ(rogue("sign"), "refused") << "a password typed into pinentry serves one signature too";
  const Bytes cert = attribute(s, find_one(s, CKO_CERTIFICATE, 2).value_or(0), CKA_VALUE);
  EXPECT_TRUE(openssl_verify(cert, "SHA256", data, sig));
  const std::string d = dialog();
  EXPECT_EQ(count(d, "GETPIN"), 2U);
  EXPECT_NE(d.find("Digital signature certificate"), std::string::npos) << d;
  EXPECT_NE(d.find("Tries left: 5"), std::string::npos) << d;
}

TEST_F(Pinentry, AMissingProgramIsAFailureNotAHang) {
  ::setenv("JPKI_PKCS11_PINENTRY", "/nonexistent/pinentry", 1);
  f()->C_Finalize(nullptr);
  ASSERT_EQ(f()->C_Initialize(nullptr), CKR_OK);
  const CK_SESSION_HANDLE s = open(auth_slot());
  EXPECT_EQ(login_null(s), CKR_FUNCTION_FAILED);
  EXPECT_EQ(card_tries("auth"), 3);
}

TEST_F(Pinentry, OtherThreadsAreServedWhileTheHolderTypes) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  answers(auth_pin());
  ::setenv("PINENTRY_DELAY", "3", 1);
  const auto start = std::chrono::steady_clock::now();
  CK_RV rv = CKR_GENERAL_ERROR;
  std::thread typing([&] { rv = login_null(s); });
  ASSERT_TRUE(wait_for("GETPIN"));
  for (int i = 0; i < 3; ++i) {
    const auto t = std::chrono::steady_clock::now();
    CK_SLOT_INFO slot{};
    EXPECT_EQ(f()->C_GetSlotInfo(sign_slot(), &slot), CKR_OK);
    CK_TOKEN_INFO token{};
    EXPECT_EQ(f()->C_GetTokenInfo(sign_slot(), &token), CKR_OK);
    EXPECT_LT(seconds_since(t), 1.0) << "another thread waited for the person typing";
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  typing.join();
  EXPECT_EQ(rv, CKR_OK);
  EXPECT_GE(seconds_since(start), 2.5) << "the pinentry did not take its time: the test proved nothing";
  CK_SESSION_INFO info{};
  ASSERT_EQ(f()->C_GetSessionInfo(s, &info), CKR_OK);
  EXPECT_EQ(info.state, static_cast<CK_STATE>(CKS_RO_USER_FUNCTIONS));
}

TEST_F(Pinentry, ASessionClosedWhileTheHolderTypesGetsNoVerify) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  const CK_SESSION_HANDLE keep_token = open(auth_slot());  // the token stays in use
  answers(auth_pin());
  ::setenv("PINENTRY_DELAY", "2", 1);
  const std::size_t before = card_verifies_with_data();
  CK_RV rv = CKR_GENERAL_ERROR;
  std::thread typing([&] { rv = login_null(s); });
  ASSERT_TRUE(wait_for("GETPIN"));
  EXPECT_EQ(f()->C_CloseSession(s), CKR_OK);
  typing.join();
  EXPECT_EQ(rv, CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(card_verifies_with_data(), before) << "the PIN went to the card for a closed session";
  CK_SESSION_INFO info{};
  ASSERT_EQ(f()->C_GetSessionInfo(keep_token, &info), CKR_OK);
  EXPECT_EQ(info.state, static_cast<CK_STATE>(CKS_RO_PUBLIC_SESSION));
}

TEST_F(Pinentry, AHungPinentryEndsTheLoginWithinItsTimeout) {
  const std::string debug = log_ + ".debug";
  ::setenv("JPKI_PKCS11_DEBUG", debug.c_str(), 1);
  ::setenv("JPKI_PKCS11_PINENTRY_TIMEOUT", "2", 1);
  ::setenv("PINENTRY_DELAY", "30", 1);  // the window is never answered
  answers(auth_pin());
  reinitialize();
  const CK_SESSION_HANDLE s = open(auth_slot());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(login_null(s), CKR_FUNCTION_FAILED);
  EXPECT_LT(seconds_since(start), 5.0);
  EXPECT_TRUE(no_children()) << "the hung pinentry was left behind";
  EXPECT_EQ(card_tries("auth"), 3);
  std::ifstream in(debug);
  std::stringstream log;
  log << in.rdbuf();
  EXPECT_NE(log.str().find("pinentry: no answer within 2 s"), std::string::npos) << log.str();
  std::filesystem::remove(debug);
}

TEST_F(Pinentry, AHungGreetingEndsTheLoginWithinItsTimeout) {
  ::setenv("JPKI_PKCS11_PINENTRY_TIMEOUT", "2", 1);
  ::setenv("PINENTRY_GREETING_DELAY", "30", 1);
  reinitialize();
  const CK_SESSION_HANDLE s = open(auth_slot());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(login_null(s), CKR_FUNCTION_FAILED);
  EXPECT_LT(seconds_since(start), 5.0);
  EXPECT_TRUE(no_children());
}

TEST_F(Pinentry, ARefusedGreetingLeavesNoSocketAndNoChild) {
  ::setenv("PINENTRY_GREETING", "ERR", 1);
  const CK_SESSION_HANDLE s = open(auth_slot());
  EXPECT_EQ(login_null(s), CKR_FUNCTION_FAILED);
  const std::size_t fds = open_descriptors();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(login_null(s), CKR_FUNCTION_FAILED);
  }
  EXPECT_EQ(open_descriptors(), fds) << "a socket per failed greeting";
  EXPECT_TRUE(no_children()) << "an unreaped pinentry per failed greeting";
  EXPECT_EQ(card_tries("auth"), 3);
}

using NoPinentry = P11Test;

TEST_F(NoPinentry, WithoutAPinentryANullPinIsABadArgument) {
  EXPECT_EQ(token_flags(auth_slot()) & CKF_PROTECTED_AUTHENTICATION_PATH, 0U);
  const CK_SESSION_HANDLE s = open(auth_slot());
  EXPECT_EQ(f()->C_Login(s, CKU_USER, nullptr, 0), CKR_ARGUMENTS_BAD);
}

}  // namespace
}  // namespace jpki::test
