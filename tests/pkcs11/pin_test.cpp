// The module never wastes a PIN try: malformed PINs never reach the card, a
// locked PIN is never sent, counters show in the token flags.
#include <cstring>
#include <string>

#include "p11_test.h"

namespace jpki::test {
namespace {

constexpr CK_FLAGS kCounterFlags = CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED;

struct Malformed {
  const char* what;
  std::string pin;
  CK_RV expected;
};

class PinShape : public P11Test {
 protected:
  // Logs in with `pin` and checks that nothing reached the card.
  void expect_refused_without_apdu(CK_SLOT_ID slot, const Malformed& m, const char* counter) {
    const CK_SESSION_HANDLE s = open(slot);
    const int tries = card_tries(counter);
    const std::size_t apdus = card_apdus();
    Bytes p = bytes_of(m.pin);
    p.reserve(1);  // a valid pointer even for the empty PIN
    EXPECT_EQ(f()->C_Login(s, CKU_USER, p.data(), p.size()), m.expected) << m.what;
    EXPECT_EQ(card_apdus(), apdus) << m.what << ": an APDU was sent";
    EXPECT_EQ(card_tries(counter), tries) << m.what << ": a try was spent";
    f()->C_CloseSession(s);
  }
};

TEST_F(PinShape, AuthPinMalformedClassesNeverReachTheCard) {
  const Malformed cases[] = {
      {"too short", "123", CKR_PIN_LEN_RANGE},
      {"too long", "12345", CKR_PIN_LEN_RANGE},
      {"empty", "", CKR_PIN_LEN_RANGE},
      {"letters", "12a4", CKR_PIN_INVALID},
      {"uppercase letters", "ABCD", CKR_PIN_INVALID},
      {"symbols", "12-4", CKR_PIN_INVALID},
      {"space", "12 4", CKR_PIN_INVALID},
      {"non-ASCII", "12\xC3\xA9", CKR_PIN_INVALID},
      {"full-width digits", "１２３４", CKR_PIN_LEN_RANGE},
      {"embedded NUL",
       std::string("12\0"
                   "4",
                   4),
       CKR_PIN_INVALID},
      {"huge", std::string(4096, '1'), CKR_PIN_LEN_RANGE},
  };
  for (const auto& m : cases) expect_refused_without_apdu(auth_slot(), m, "auth");
}

TEST_F(PinShape, SignPinMalformedClassesNeverReachTheCard) {
  const Malformed cases[] = {
      {"too short", "ABC12", CKR_PIN_LEN_RANGE},
      {"too long", "ABCDEFGHIJ1234567", CKR_PIN_LEN_RANGE},
      {"empty", "", CKR_PIN_LEN_RANGE},
      {"symbols", "ABC-123", CKR_PIN_INVALID},
      {"space", "ABC 123", CKR_PIN_INVALID},
      {"non-ASCII",
       "ABC\xC3\xA9"
       "12",
       CKR_PIN_INVALID},
      {"embedded NUL",
       std::string("ABC\0"
                   "123",
                   7),
       CKR_PIN_INVALID},
  };
  for (const auto& m : cases) expect_refused_without_apdu(sign_slot(), m, "sign");
}

TEST_F(PinShape, NullPinIsRefusedWithoutApdu) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  const std::size_t apdus = card_apdus();
  EXPECT_EQ(f()->C_Login(s, CKU_USER, nullptr, 0), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f()->C_Login(s, CKU_USER, nullptr, 4), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(card_apdus(), apdus);
  EXPECT_EQ(card_tries("auth"), 3);
}

TEST_F(PinShape, LowercaseSignPasswordIsFoldedToUppercase) {
  std::string lower = sign_pin();
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const CK_SESSION_HANDLE s = open(sign_slot());
  EXPECT_EQ(login(s, lower), CKR_OK);
  EXPECT_EQ(card_tries("sign"), 5);
}

TEST_F(PinShape, LoginTwiceAndLogoutRules) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  EXPECT_EQ(f()->C_Logout(s), CKR_USER_NOT_LOGGED_IN);
  ASSERT_EQ(login(s, auth_pin()), CKR_OK);
  EXPECT_EQ(login(s, auth_pin()), CKR_USER_ALREADY_LOGGED_IN);
  EXPECT_EQ(login(s, auth_pin(), CKU_SO), CKR_USER_TYPE_INVALID);
  EXPECT_EQ(login(s, auth_pin(), 77), CKR_USER_TYPE_INVALID);
  EXPECT_EQ(f()->C_Logout(s), CKR_OK);
}

TEST_F(PinShape, CorrectPinAfterWrongOneResetsTheCounter) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  EXPECT_EQ(login(s, "9999"), CKR_PIN_INCORRECT);
  EXPECT_EQ(card_tries("auth"), 2);
  EXPECT_EQ(token_flags(auth_slot()) & kCounterFlags, CKF_USER_PIN_COUNT_LOW);
  EXPECT_EQ(login(s, auth_pin()), CKR_OK);
  EXPECT_EQ(card_tries("auth"), 3);
  EXPECT_EQ(token_flags(auth_slot()) & kCounterFlags, 0u);
}

// Each wrong PIN costs exactly one try, and the flags follow the counter down.
void count_down(P11Test& t, CK_FUNCTION_LIST* f, CK_SLOT_ID slot, const char* counter, int max,
                const std::string& wrong, const std::string& right, CK_SESSION_HANDLE s) {
  for (int left = max - 1; left >= 0; --left) {
    Bytes p = bytes_of(wrong);
    const CK_RV rv = f->C_Login(s, CKU_USER, p.data(), p.size());
    EXPECT_EQ(rv, left == 0 ? CKR_PIN_LOCKED : CKR_PIN_INCORRECT) << left;
    EXPECT_EQ(card_tries(counter), left);
    CK_TOKEN_INFO info{};
    ASSERT_EQ(f->C_GetTokenInfo(slot, &info), CKR_OK);
    const CK_FLAGS want = left == 0   ? CKF_USER_PIN_LOCKED
                          : left == 1 ? CKF_USER_PIN_FINAL_TRY
                                      : CKF_USER_PIN_COUNT_LOW;
    EXPECT_EQ(info.flags & kCounterFlags, want) << left << " tries left";
  }
  // Locked: even the right PIN is refused, and no VERIFY carrying it is sent.
  const std::size_t apdus = card_apdus();
  Bytes p = bytes_of(right);
  EXPECT_EQ(f->C_Login(s, CKU_USER, p.data(), p.size()), CKR_PIN_LOCKED);
  EXPECT_LE(card_apdus() - apdus, 2u) << "only SELECT and the retry query";
  EXPECT_EQ(card_tries(counter), 0);
  (void)t;
}

using Lockout = P11Test;

TEST_F(Lockout, AuthPinThreeWrongTriesLockIt) {
  count_down(*this, f(), auth_slot(), "auth", 3, "9999", auth_pin(), open(auth_slot()));
  EXPECT_EQ(card_tries("sign"), 5) << "the other PIN is untouched";
}

TEST_F(Lockout, SignPinFiveWrongTriesLockIt) {
  count_down(*this, f(), sign_slot(), "sign", 5, "WRONG999", sign_pin(), open(sign_slot()));
  EXPECT_EQ(card_tries("auth"), 3);
}

}  // namespace
}  // namespace jpki::test
