// Slots, tokens and mechanisms as clients see them.
#include <algorithm>
#include <cstring>
#include <string>

#include "p11_test.h"

namespace jpki::test {
namespace {

std::string field(const unsigned char* p, std::size_t n) {
  return std::string(reinterpret_cast<const char*>(p), n);
}

TEST(Lifecycle, InitializeSendsNoApdu) {
  const std::size_t before = card_apdus();
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  ASSERT_EQ(module()->C_Initialize(&args), CKR_OK);
  EXPECT_EQ(card_apdus(), before);
  EXPECT_EQ(module()->C_Finalize(nullptr), CKR_OK);
}

using Slots = P11Test;

TEST_F(Slots, TwoSlotsAuthenticationFirst) {
  CK_TOKEN_INFO a{};
  CK_TOKEN_INFO s{};
  ASSERT_EQ(f()->C_GetTokenInfo(auth_slot(), &a), CKR_OK);
  ASSERT_EQ(f()->C_GetTokenInfo(sign_slot(), &s), CKR_OK);
  EXPECT_EQ(field(a.label, 32), "JPKI User Authentication        ");
  EXPECT_EQ(field(s.label, 32), "JPKI Digital Signature          ");
  EXPECT_NE(field(a.serialNumber, 16), "0000000000000000");
  EXPECT_NE(field(a.serialNumber, 16).find_first_not_of(' '), std::string::npos);
  EXPECT_EQ(field(a.serialNumber, 16), field(s.serialNumber, 16)) << "one card, one serial";
  EXPECT_EQ(a.ulMinPinLen, 4u);
  EXPECT_EQ(a.ulMaxPinLen, 4u);
  EXPECT_EQ(s.ulMinPinLen, 6u);
  EXPECT_EQ(s.ulMaxPinLen, 16u);
  for (const CK_TOKEN_INFO* t : {&a, &s}) {
    const CK_FLAGS need = CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED | CKF_LOGIN_REQUIRED;
    EXPECT_EQ(t->flags & need, need);
    EXPECT_EQ(t->flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED), 0u);
  }
}

TEST_F(Slots, TwoCallPatternAndStableIds) {
  CK_ULONG n = 0;
  ASSERT_EQ(f()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
  ASSERT_EQ(n, 2u);
  CK_SLOT_ID one = 0;
  CK_ULONG small = 1;
  EXPECT_EQ(f()->C_GetSlotList(CK_TRUE, &one, &small), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(small, 2u);
  std::vector<CK_SLOT_ID> again(2);
  ASSERT_EQ(f()->C_GetSlotList(CK_TRUE, again.data(), &n), CKR_OK);
  EXPECT_EQ(again[0], auth_slot());
  EXPECT_EQ(again[1], sign_slot());
  CK_ULONG all = 0;
  ASSERT_EQ(f()->C_GetSlotList(CK_FALSE, nullptr, &all), CKR_OK);
  EXPECT_GE(all, 2u) << "empty readers appear without a token";
  EXPECT_EQ(f()->C_GetSlotList(CK_TRUE, nullptr, nullptr), CKR_ARGUMENTS_BAD);
}

TEST_F(Slots, SlotInfoSaysRemovableHardwareWithToken) {
  CK_SLOT_INFO info{};
  ASSERT_EQ(f()->C_GetSlotInfo(auth_slot(), &info), CKR_OK);
  EXPECT_NE(info.flags & CKF_TOKEN_PRESENT, 0u);
  EXPECT_NE(info.flags & CKF_REMOVABLE_DEVICE, 0u);
  EXPECT_NE(info.flags & CKF_HW_SLOT, 0u);
  EXPECT_EQ(f()->C_GetSlotInfo(9999, &info), CKR_SLOT_ID_INVALID);
  CK_TOKEN_INFO t{};
  EXPECT_EQ(f()->C_GetTokenInfo(9999, &t), CKR_SLOT_ID_INVALID);
}

TEST_F(Slots, MechanismsAreThoseTheCardDoes) {
  CK_ULONG n = 0;
  ASSERT_EQ(f()->C_GetMechanismList(auth_slot(), nullptr, &n), CKR_OK);
  std::vector<CK_MECHANISM_TYPE> mechs(n);
  ASSERT_EQ(f()->C_GetMechanismList(auth_slot(), mechs.data(), &n), CKR_OK);
  for (CK_MECHANISM_TYPE m : {CKM_RSA_PKCS, CKM_SHA1_RSA_PKCS, CKM_SHA224_RSA_PKCS, CKM_SHA256_RSA_PKCS,
                              CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS}) {
    EXPECT_NE(std::find(mechs.begin(), mechs.end(), m), mechs.end()) << m;
    CK_MECHANISM_INFO info{};
    ASSERT_EQ(f()->C_GetMechanismInfo(auth_slot(), m, &info), CKR_OK);
    EXPECT_EQ(info.ulMinKeySize, 2048u);
    EXPECT_EQ(info.ulMaxKeySize, 2048u);
    EXPECT_NE(info.flags & CKF_HW, 0u);
    EXPECT_NE(info.flags & CKF_SIGN, 0u);
  }
  for (CK_MECHANISM_TYPE m : {CKM_RSA_X_509, CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS}) {
    EXPECT_EQ(std::find(mechs.begin(), mechs.end(), m), mechs.end()) << m;
    CK_MECHANISM_INFO info{};
    EXPECT_EQ(f()->C_GetMechanismInfo(auth_slot(), m, &info), CKR_MECHANISM_INVALID);
  }
}

TEST_F(Slots, GetInfoNamesTheLibrary) {
  CK_INFO info{};
  ASSERT_EQ(f()->C_GetInfo(&info), CKR_OK);
  EXPECT_EQ(info.cryptokiVersion.major, 2);
  EXPECT_EQ(field(info.libraryDescription, 27), "JPKI My Number Card PKCS#11");
}

// The "tokens" setting shows one token only (browsers get "auth" by default:
// tests/pkcs11/settings_test.cpp).
TEST_F(Slots, TheTokensSettingShowsOneTokenOnly) {
  ::setenv("JPKI_PKCS11_TOKENS", "auth", 1);
  f()->C_Finalize(nullptr);
  ASSERT_EQ(f()->C_Initialize(nullptr), CKR_OK);
  CK_ULONG n = 0;
  ASSERT_EQ(f()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
  std::vector<CK_SLOT_ID> ids(n);
  ASSERT_EQ(f()->C_GetSlotList(CK_TRUE, ids.data(), &n), CKR_OK);
  ASSERT_EQ(n, 1U);
  EXPECT_EQ(ids[0], auth_slot());
  CK_TOKEN_INFO info{};
  EXPECT_EQ(f()->C_GetTokenInfo(sign_slot(), &info), CKR_SLOT_ID_INVALID);
  CK_SESSION_HANDLE h = 0;
  EXPECT_EQ(f()->C_OpenSession(sign_slot(), CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_SLOT_ID_INVALID);
  ASSERT_EQ(f()->C_GetTokenInfo(auth_slot(), &info), CKR_OK);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(info.label), 24), "JPKI User Authentication");

  ::setenv("JPKI_PKCS11_TOKENS", "sign", 1);
  f()->C_Finalize(nullptr);
  ASSERT_EQ(f()->C_Initialize(nullptr), CKR_OK);
  ASSERT_EQ(f()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
  ASSERT_EQ(n, 1U);
  EXPECT_EQ(f()->C_GetTokenInfo(auth_slot(), &info), CKR_SLOT_ID_INVALID);
  EXPECT_EQ(f()->C_GetTokenInfo(sign_slot(), &info), CKR_OK);
  ::unsetenv("JPKI_PKCS11_TOKENS");
}

}  // namespace
}  // namespace jpki::test
