// PIN entry on a protected path: with a pinentry configured the tokens say
// CKF_PROTECTED_AUTHENTICATION_PATH and C_Login with a NULL PIN asks the
// holder (here: tests/pkcs11/scripted-pinentry.sh). Cancel and PINs of the
// wrong shape never reach the card.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "p11_client.h"

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
    ::unsetenv("JPKI_PKCS11_PINENTRY");
    ::unsetenv("PINENTRY_ANSWERS");
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

using NoPinentry = P11Test;

TEST_F(NoPinentry, WithoutAPinentryANullPinIsABadArgument) {
  EXPECT_EQ(token_flags(auth_slot()) & CKF_PROTECTED_AUTHENTICATION_PATH, 0U);
  const CK_SESSION_HANDLE s = open(auth_slot());
  EXPECT_EQ(f()->C_Login(s, CKU_USER, nullptr, 0), CKR_ARGUMENTS_BAD);
}

}  // namespace
}  // namespace jpki::test
