// Objects per token, private-object visibility and attribute semantics.
#include "p11_test.h"

namespace jpki::test {
namespace {

using Objects = P11Test;

TEST_F(Objects, AuthTokenBeforeLogin) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  EXPECT_TRUE(find_one(s, CKO_CERTIFICATE, 1));
  EXPECT_TRUE(find_one(s, CKO_CERTIFICATE, 3)) << "auth CA certificate";
  EXPECT_TRUE(find_one(s, CKO_PUBLIC_KEY, 1));
  EXPECT_TRUE(find(s, CKO_PRIVATE_KEY).empty()) << "private keys are private objects";
  EXPECT_EQ(find(s).size(), 3u);
  const auto ca = find_one(s, CKO_CERTIFICATE, 3);
  ASSERT_TRUE(ca);
  EXPECT_EQ(ulong_attribute(s, *ca, CKA_CERTIFICATE_CATEGORY), 2u);
}

TEST_F(Objects, SignTokenShowsOnlyTheCaBeforeLogin) {
  const CK_SESSION_HANDLE s = open(sign_slot());
  const auto all = find(s);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(find_one(s, CKO_CERTIFICATE, 4));
  EXPECT_EQ(ulong_attribute(s, all[0], CKA_CERTIFICATE_CATEGORY), 2u);
}

TEST_F(Objects, SignObjectsAppearAfterLoginAndGoAfterLogout) {
  const CK_SESSION_HANDLE s = open(sign_slot());
  const CK_SESSION_HANDLE other = open(sign_slot());
  ASSERT_EQ(login(s, sign_pin()), CKR_OK);
  for (CK_SESSION_HANDLE h : {s, other}) {  // login is per token, seen by every session
    EXPECT_EQ(find(h).size(), 4u);
    const auto cert = find_one(h, CKO_CERTIFICATE, 2);
    ASSERT_TRUE(cert);
    EXPECT_TRUE(bool_attribute(h, *cert, CKA_PRIVATE));
    EXPECT_EQ(ulong_attribute(h, *cert, CKA_CERTIFICATE_CATEGORY), 1u);
    const auto pub = find_one(h, CKO_PUBLIC_KEY, 2);
    ASSERT_TRUE(pub);
    EXPECT_TRUE(bool_attribute(h, *pub, CKA_PRIVATE));
    const auto key = find_one(h, CKO_PRIVATE_KEY, 2);
    ASSERT_TRUE(key);
    EXPECT_TRUE(bool_attribute(h, *key, CKA_ALWAYS_AUTHENTICATE));
    EXPECT_EQ(attribute(h, *key, CKA_MODULUS), attribute(h, *pub, CKA_MODULUS));
  }
  CK_SESSION_INFO info{};
  ASSERT_EQ(f()->C_GetSessionInfo(other, &info), CKR_OK);
  EXPECT_EQ(info.state, static_cast<CK_STATE>(CKS_RO_USER_FUNCTIONS));
  ASSERT_EQ(f()->C_Logout(s), CKR_OK);
  EXPECT_EQ(find(s).size(), 1u);
  EXPECT_EQ(find(other).size(), 1u);
  EXPECT_EQ(f()->C_Logout(s), CKR_USER_NOT_LOGGED_IN);
}

TEST_F(Objects, PrivateKeyAttributes) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  ASSERT_EQ(login(s, auth_pin()), CKR_OK);
  const auto key = find_one(s, CKO_PRIVATE_KEY, 1);
  const auto cert = find_one(s, CKO_CERTIFICATE, 1);
  const auto pub = find_one(s, CKO_PUBLIC_KEY, 1);
  ASSERT_TRUE(key && cert && pub);
  EXPECT_TRUE(bool_attribute(s, *key, CKA_SIGN));
  EXPECT_TRUE(bool_attribute(s, *key, CKA_SENSITIVE));
  EXPECT_FALSE(bool_attribute(s, *key, CKA_EXTRACTABLE));
  EXPECT_FALSE(bool_attribute(s, *key, CKA_DECRYPT));
  EXPECT_FALSE(bool_attribute(s, *key, CKA_ALWAYS_AUTHENTICATE));
  EXPECT_TRUE(bool_attribute(s, *key, CKA_PRIVATE));
  EXPECT_EQ(ulong_attribute(s, *key, CKA_KEY_TYPE), static_cast<CK_ULONG>(CKK_RSA));
  EXPECT_EQ(ulong_attribute(s, *pub, CKA_MODULUS_BITS), 2048u);
  EXPECT_EQ(attribute(s, *key, CKA_MODULUS).size(), 256u);
  EXPECT_EQ(attribute(s, *key, CKA_PUBLIC_EXPONENT), (Bytes{0x01, 0x00, 0x01}));
  EXPECT_EQ(attribute(s, *key, CKA_SUBJECT), attribute(s, *cert, CKA_SUBJECT));
  EXPECT_EQ(attribute(s, *key, CKA_ID), (Bytes{0x01}));
}

TEST_F(Objects, AttributeSemanticsFollowTheStandard) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  ASSERT_EQ(login(s, auth_pin()), CKR_OK);
  const auto key = find_one(s, CKO_PRIVATE_KEY, 1);
  const auto cert = find_one(s, CKO_CERTIFICATE, 1);
  ASSERT_TRUE(key && cert);
  // Sensitive.
  CK_ATTRIBUTE a{CKA_PRIVATE_EXPONENT, nullptr, 0};
  EXPECT_EQ(f()->C_GetAttributeValue(s, *key, &a, 1), CKR_ATTRIBUTE_SENSITIVE);
  EXPECT_EQ(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
  // Invalid type.
  a = {0x7FFFFFF0UL, nullptr, 0};
  EXPECT_EQ(f()->C_GetAttributeValue(s, *cert, &a, 1), CKR_ATTRIBUTE_TYPE_INVALID);
  EXPECT_EQ(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
  // Length query, then too small a buffer.
  a = {CKA_VALUE, nullptr, 0};
  ASSERT_EQ(f()->C_GetAttributeValue(s, *cert, &a, 1), CKR_OK);
  const CK_ULONG len = a.ulValueLen;
  EXPECT_GT(len, 500u);
  Bytes small(10);
  a = {CKA_VALUE, small.data(), small.size()};
  EXPECT_EQ(f()->C_GetAttributeValue(s, *cert, &a, 1), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
  // Several at once: one bad one does not stop the others.
  CK_OBJECT_CLASS cls = 0;
  Bytes value(len);
  CK_ATTRIBUTE many[] = {
      {CKA_CLASS, &cls, sizeof cls}, {0x7FFFFFF0UL, nullptr, 0}, {CKA_VALUE, value.data(), len}};
  EXPECT_EQ(f()->C_GetAttributeValue(s, *cert, many, 3), CKR_ATTRIBUTE_TYPE_INVALID);
  EXPECT_EQ(cls, static_cast<CK_OBJECT_CLASS>(CKO_CERTIFICATE));
  EXPECT_EQ(many[2].ulValueLen, len);
  EXPECT_EQ(value[0], 0x30);
  // The certificate is DER and matches its subject attribute.
  EXPECT_FALSE(attribute(s, *cert, CKA_SUBJECT).empty());
  EXPECT_FALSE(attribute(s, *cert, CKA_ISSUER).empty());
  EXPECT_EQ(attribute(s, *cert, CKA_SERIAL_NUMBER)[0], 0x02) << "DER INTEGER";
}

TEST_F(Objects, ObjectsCannotBeChanged) {
  const CK_SESSION_HANDLE s = open(auth_slot(), true);
  const auto cert = find_one(s, CKO_CERTIFICATE, 1);
  ASSERT_TRUE(cert);
  CK_BBOOL t = CK_TRUE;
  CK_ATTRIBUTE a{CKA_PRIVATE, &t, sizeof t};
  EXPECT_EQ(f()->C_SetAttributeValue(s, *cert, &a, 1), CKR_ACTION_PROHIBITED);
  EXPECT_EQ(f()->C_DestroyObject(s, *cert), CKR_ACTION_PROHIBITED);
  CK_OBJECT_HANDLE h = 0;
  EXPECT_EQ(f()->C_CreateObject(s, &a, 1, &h), CKR_TOKEN_WRITE_PROTECTED);
}

}  // namespace
}  // namespace jpki::test
