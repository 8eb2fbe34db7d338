// The core flows every card variant must pass (tests/variants runs this group
// once per variant of the simulator; the default card runs it with the suite):
// list, objects, login, both keys signing, the signing certificate after login,
// a wrong PIN and the lockout flags. What differs by variant comes from
//   JPKI_EXPECT_MODEL              the token model shown in CK_TOKEN_INFO
//   JPKI_EXPECT_AUTH_CERT_PRIVATE  1: the authentication certificate needs the PIN
#include <cstdlib>
#include <cstring>
#include <string>

#include "p11_test.h"

namespace jpki::test {
namespace {

constexpr CK_FLAGS kCounterFlags = CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED;

std::string expected_model() {
  const char* v = std::getenv("JPKI_EXPECT_MODEL");
  return v == nullptr ? "My Number Card" : v;
}
bool auth_cert_private() {
  const char* v = std::getenv("JPKI_EXPECT_AUTH_CERT_PRIVATE");
  return v != nullptr && std::string(v) == "1";
}

std::string field(const CK_UTF8CHAR* p, std::size_t n) {
  std::string s(reinterpret_cast<const char*>(p), n);  // NOLINT: UTF8CHAR is bytes
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

class CoreFlows : public P11Test {
 protected:
  CK_TOKEN_INFO token_info(CK_SLOT_ID slot) {
    CK_TOKEN_INFO info{};
    EXPECT_EQ(f()->C_GetTokenInfo(slot, &info), CKR_OK);
    return info;
  }
  // Login must not have spent a try; the signature must verify with the token's certificate.
  void sign_and_verify(CK_SESSION_HANDLE s, unsigned char id, const std::string& context_pin) {
    const auto key = find_one(s, CKO_PRIVATE_KEY, id);
    const auto cert = find_one(s, CKO_CERTIFICATE, id);
    ASSERT_TRUE(key && cert);
    const Bytes der = attribute(s, *cert, CKA_VALUE);
    for (const char* text : {"first document", "second document"}) {
      Bytes sig;
      ASSERT_EQ(sign(s, CKM_SHA256_RSA_PKCS, *key, bytes_of(text), sig, context_pin), CKR_OK) << text;
      EXPECT_TRUE(openssl_verify(der, "SHA256", bytes_of(text), sig)) << text;
    }
  }
};

TEST_F(CoreFlows, ListsBothTokensWithModelAndAStableSerial) {
  const CK_TOKEN_INFO auth = token_info(auth_slot());
  const CK_TOKEN_INFO sign = token_info(sign_slot());
  EXPECT_EQ(field(auth.label, sizeof auth.label), "JPKI User Authentication");
  EXPECT_EQ(field(sign.label, sizeof sign.label), "JPKI Digital Signature");
  EXPECT_EQ(field(auth.model, sizeof auth.model), expected_model());
  const std::string serial = field(auth.serialNumber, sizeof auth.serialNumber);
  EXPECT_FALSE(serial.empty());
  EXPECT_NE(serial, std::string(serial.size(), '0')) << "a dummy serial";
  EXPECT_EQ(field(sign.serialNumber, sizeof sign.serialNumber), serial) << "one card, one serial";
  EXPECT_EQ(auth.ulMinPinLen, 4u);
  EXPECT_EQ(sign.ulMaxPinLen, 16u);
  EXPECT_EQ(auth.flags & kCounterFlags, 0u);
  // The same card gives the same serial after the module is loaded again.
  f()->C_Finalize(nullptr);
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  ASSERT_EQ(f()->C_Initialize(&args), CKR_OK);
  CK_ULONG n = 0;
  ASSERT_EQ(f()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
  ASSERT_EQ(n, 2u);
  const CK_TOKEN_INFO again = token_info(auth_slot());
  EXPECT_EQ(field(again.serialNumber, sizeof again.serialNumber), serial);
  EXPECT_EQ(card_verifies_with_data(), 0u) << "listing never sends a PIN";
}

TEST_F(CoreFlows, AuthTokenObjectsAndSignatures) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  EXPECT_TRUE(find_one(s, CKO_CERTIFICATE, 3)) << "the CA certificate is public";
  EXPECT_TRUE(find(s, CKO_PRIVATE_KEY).empty());
  EXPECT_EQ(find_one(s, CKO_CERTIFICATE, 1).has_value(), !auth_cert_private());
  EXPECT_EQ(find_one(s, CKO_PUBLIC_KEY, 1).has_value(), !auth_cert_private());
  ASSERT_EQ(login(s, auth_pin()), CKR_OK);
  const auto cert = find_one(s, CKO_CERTIFICATE, 1);
  const auto pub = find_one(s, CKO_PUBLIC_KEY, 1);
  const auto key = find_one(s, CKO_PRIVATE_KEY, 1);
  ASSERT_TRUE(cert && pub && key);
  EXPECT_EQ(bool_attribute(s, *cert, CKA_PRIVATE), auth_cert_private());
  EXPECT_EQ(attribute(s, *key, CKA_MODULUS), attribute(s, *pub, CKA_MODULUS));
  sign_and_verify(s, 1, "");
  EXPECT_EQ(card_tries("auth"), 3);
}

TEST_F(CoreFlows, SignTokenCertificateAfterLoginAndSignatures) {
  const CK_SESSION_HANDLE s = open(sign_slot());
  ASSERT_EQ(find(s).size(), 1u) << "only the CA certificate before login";
  ASSERT_EQ(login(s, sign_pin()), CKR_OK);
  const auto cert = find_one(s, CKO_CERTIFICATE, 2);
  ASSERT_TRUE(cert);
  EXPECT_TRUE(bool_attribute(s, *cert, CKA_PRIVATE));
  EXPECT_GT(attribute(s, *cert, CKA_VALUE).size(), 500u);
  sign_and_verify(s, 2, sign_pin());  // CKA_ALWAYS_AUTHENTICATE: a PIN per signature
  EXPECT_EQ(card_tries("sign"), 5);
}

TEST_F(CoreFlows, WrongPinCostsOneTryAndShowsInTheFlags) {
  const CK_SESSION_HANDLE a = open(auth_slot());
  EXPECT_EQ(login(a, "9999"), CKR_PIN_INCORRECT);
  EXPECT_EQ(card_tries("auth"), 2);
  EXPECT_EQ(token_info(auth_slot()).flags & kCounterFlags, CKF_USER_PIN_COUNT_LOW);
  EXPECT_EQ(login(a, "12ab"), CKR_PIN_INVALID) << "the wrong shape never reaches the card";
  EXPECT_EQ(card_tries("auth"), 2);
  EXPECT_EQ(login(a, auth_pin()), CKR_OK);
  EXPECT_EQ(token_info(auth_slot()).flags & kCounterFlags, 0u);
  const CK_SESSION_HANDLE s = open(sign_slot());
  EXPECT_EQ(login(s, "WRONG999"), CKR_PIN_INCORRECT);
  EXPECT_EQ(card_tries("sign"), 4);
  EXPECT_EQ(token_info(sign_slot()).flags & kCounterFlags, CKF_USER_PIN_COUNT_LOW);
  EXPECT_EQ(login(s, sign_pin()), CKR_OK);
  EXPECT_EQ(card_tries("sign"), 5);
}

TEST_F(CoreFlows, LockoutFlagsAndNoVerifyOnceLocked) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  for (int left = 2; left >= 0; --left) {
    EXPECT_EQ(login(s, "9999"), left == 0 ? CKR_PIN_LOCKED : CKR_PIN_INCORRECT) << left;
    EXPECT_EQ(card_tries("auth"), left);
    const CK_FLAGS want = left == 0   ? CKF_USER_PIN_LOCKED
                          : left == 1 ? CKF_USER_PIN_FINAL_TRY
                                      : CKF_USER_PIN_COUNT_LOW;
    EXPECT_EQ(token_info(auth_slot()).flags & kCounterFlags, want) << left << " tries left";
  }
  const std::size_t verifies = card_verifies_with_data();
  EXPECT_EQ(login(s, auth_pin()), CKR_PIN_LOCKED);
  EXPECT_EQ(card_verifies_with_data(), verifies) << "a locked PIN is never sent";
  EXPECT_EQ(card_tries("sign"), 5) << "the other PIN is untouched";
  unblock_card();
  EXPECT_EQ(token_info(auth_slot()).flags & kCounterFlags, 0u);
  EXPECT_EQ(login(s, auth_pin()), CKR_OK);
}

}  // namespace
}  // namespace jpki::test
