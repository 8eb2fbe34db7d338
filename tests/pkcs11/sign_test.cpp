// Signing with both keys and every mechanism, checked by OpenSSL.
#include <string>

#include "p11_test.h"

namespace jpki::test {
namespace {

struct Mech {
  CK_MECHANISM_TYPE type;
  const char* md;
};
const Mech kHashMechs[] = {{CKM_SHA1_RSA_PKCS, "SHA1"},
                           {CKM_SHA224_RSA_PKCS, "SHA224"},
                           {CKM_SHA256_RSA_PKCS, "SHA256"},
                           {CKM_SHA384_RSA_PKCS, "SHA384"},
                           {CKM_SHA512_RSA_PKCS, "SHA512"}};

class Signing : public P11Test {
 protected:
  void SetUp() override {
    P11Test::SetUp();
    auth_ = open(auth_slot());
    ASSERT_EQ(login(auth_, auth_pin()), CKR_OK);
    auth_key_ = find_one(auth_, CKO_PRIVATE_KEY, 1).value_or(0);
    auth_cert_ = attribute(auth_, find_one(auth_, CKO_CERTIFICATE, 1).value_or(0), CKA_VALUE);
    ASSERT_NE(auth_key_, 0u);
  }
  CK_SESSION_HANDLE auth_ = 0;
  CK_OBJECT_HANDLE auth_key_ = 0;
  Bytes auth_cert_;
};

TEST_F(Signing, EveryHashMechanismOnePart) {
  const Bytes msg = bytes_of("e-Tax filing 2026");
  for (const auto& m : kHashMechs) {
    Bytes sig;
    ASSERT_EQ(sign(auth_, m.type, auth_key_, msg, sig), CKR_OK) << m.md;
    EXPECT_EQ(sig.size(), 256u);
    EXPECT_TRUE(openssl_verify(auth_cert_, m.md, msg, sig)) << m.md;
  }
}

TEST_F(Signing, EveryHashMechanismMultiPart) {
  const Bytes part1 = bytes_of("first part, ");
  const Bytes part2 = bytes_of("second part");
  Bytes whole = part1;
  whole.insert(whole.end(), part2.begin(), part2.end());
  for (const auto& m : kHashMechs) {
    CK_MECHANISM mech{m.type, nullptr, 0};
    ASSERT_EQ(f()->C_SignInit(auth_, &mech, auth_key_), CKR_OK);
    Bytes a = part1;
    Bytes b = part2;
    ASSERT_EQ(f()->C_SignUpdate(auth_, a.data(), a.size()), CKR_OK);
    ASSERT_EQ(f()->C_SignUpdate(auth_, b.data(), b.size()), CKR_OK);
    CK_ULONG len = 0;
    ASSERT_EQ(f()->C_SignFinal(auth_, nullptr, &len), CKR_OK);
    EXPECT_EQ(len, 256u);
    Bytes sig(len);
    ASSERT_EQ(f()->C_SignFinal(auth_, sig.data(), &len), CKR_OK) << m.md;
    EXPECT_TRUE(openssl_verify(auth_cert_, m.md, whole, sig)) << m.md;
  }
}

TEST_F(Signing, RsaPkcsTakesADigestInfo) {
  const Bytes di = digest_info_sha256(bytes_of("document"));
  Bytes sig;
  ASSERT_EQ(sign(auth_, CKM_RSA_PKCS, auth_key_, di, sig), CKR_OK);
  EXPECT_TRUE(openssl_verify(auth_cert_, "", di, sig));
  EXPECT_TRUE(openssl_verify(auth_cert_, "SHA256", bytes_of("document"), sig));
  EXPECT_EQ(sign(auth_, CKM_RSA_PKCS, auth_key_, Bytes(246, 1), sig), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(sign(auth_, CKM_RSA_PKCS, auth_key_, Bytes(245, 1), sig), CKR_OK)
      << "245 bytes is the card's limit";
}

TEST_F(Signing, LengthQueryAndShortBufferKeepTheOperation) {
  CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(f()->C_SignInit(auth_, &mech, auth_key_), CKR_OK);
  Bytes msg = bytes_of("x");
  CK_ULONG len = 0;
  const std::size_t apdus = card_apdus();
  ASSERT_EQ(f()->C_Sign(auth_, msg.data(), msg.size(), nullptr, &len), CKR_OK);
  EXPECT_EQ(len, 256u);
  EXPECT_EQ(card_apdus(), apdus) << "a length query does not touch the card";
  Bytes small(10);
  len = small.size();
  EXPECT_EQ(f()->C_Sign(auth_, msg.data(), msg.size(), small.data(), &len), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 256u);
  Bytes sig(256);
  len = sig.size();
  ASSERT_EQ(f()->C_Sign(auth_, msg.data(), msg.size(), sig.data(), &len), CKR_OK);
  EXPECT_TRUE(openssl_verify(auth_cert_, "SHA256", msg, sig));
  EXPECT_EQ(f()->C_Sign(auth_, msg.data(), msg.size(), sig.data(), &len), CKR_OPERATION_NOT_INITIALIZED);
}

TEST_F(Signing, SignKeyNeedsContextSpecificLoginEachTime) {
  const CK_SESSION_HANDLE s = open(sign_slot());
  ASSERT_EQ(login(s, sign_pin()), CKR_OK);
  const auto key = find_one(s, CKO_PRIVATE_KEY, 2);
  ASSERT_TRUE(key);
  const Bytes cert = attribute(s, find_one(s, CKO_CERTIFICATE, 2).value_or(0), CKA_VALUE);
  const Bytes msg = bytes_of("signed application");
  Bytes sig;
  EXPECT_EQ(sign(s, CKM_SHA256_RSA_PKCS, *key, msg, sig), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(login(s, sign_pin(), CKU_CONTEXT_SPECIFIC), CKR_OPERATION_NOT_INITIALIZED)
      << "no operation to authorise";
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(sign(s, CKM_SHA256_RSA_PKCS, *key, msg, sig, sign_pin()), CKR_OK);
    EXPECT_TRUE(openssl_verify(cert, "SHA256", msg, sig));
  }
  EXPECT_EQ(card_tries("sign"), 5);
}

TEST_F(Signing, SoftwareVerifyAcceptsGoodAndRejectsBad) {
  const auto pub = find_one(auth_, CKO_PUBLIC_KEY, 1);
  ASSERT_TRUE(pub);
  Bytes msg = bytes_of("verify me");
  Bytes sig;
  ASSERT_EQ(sign(auth_, CKM_SHA256_RSA_PKCS, auth_key_, msg, sig), CKR_OK);
  CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(f()->C_VerifyInit(auth_, &mech, *pub), CKR_OK);
  EXPECT_EQ(f()->C_Verify(auth_, msg.data(), msg.size(), sig.data(), sig.size()), CKR_OK);
  sig[10] ^= 1;
  ASSERT_EQ(f()->C_VerifyInit(auth_, &mech, *pub), CKR_OK);
  EXPECT_EQ(f()->C_Verify(auth_, msg.data(), msg.size(), sig.data(), sig.size()), CKR_SIGNATURE_INVALID);
}

TEST_F(Signing, WrongMechanismsAndKeysAreRefused) {
  CK_MECHANISM pss{CKM_RSA_PKCS_PSS, nullptr, 0};
  EXPECT_EQ(f()->C_SignInit(auth_, &pss, auth_key_), CKR_MECHANISM_INVALID);
  CK_ULONG param = 1;
  CK_MECHANISM with_param{CKM_SHA256_RSA_PKCS, &param, sizeof param};
  EXPECT_EQ(f()->C_SignInit(auth_, &with_param, auth_key_), CKR_MECHANISM_PARAM_INVALID);
  CK_MECHANISM ok{CKM_SHA256_RSA_PKCS, nullptr, 0};
  EXPECT_EQ(f()->C_SignInit(auth_, &ok, 999), CKR_KEY_HANDLE_INVALID);
  const auto pub = find_one(auth_, CKO_PUBLIC_KEY, 1);
  EXPECT_EQ(f()->C_SignInit(auth_, &ok, *pub), CKR_KEY_FUNCTION_NOT_PERMITTED);
  EXPECT_EQ(f()->C_SignInit(auth_, nullptr, auth_key_), CKR_ARGUMENTS_BAD);
  ASSERT_EQ(f()->C_SignInit(auth_, &ok, auth_key_), CKR_OK);
  EXPECT_EQ(f()->C_SignInit(auth_, &ok, auth_key_), CKR_OPERATION_ACTIVE);
}

TEST_F(Signing, NoSignatureWithoutLogin) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  ASSERT_EQ(f()->C_Logout(s), CKR_OK);
  CK_MECHANISM ok{CKM_SHA256_RSA_PKCS, nullptr, 0};
  EXPECT_EQ(f()->C_SignInit(s, &ok, auth_key_), CKR_USER_NOT_LOGGED_IN);
}

}  // namespace
}  // namespace jpki::test
