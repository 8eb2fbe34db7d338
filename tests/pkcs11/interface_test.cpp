// PKCS#11 3.0's way in: C_GetInterfaceList / C_GetInterface offer "PKCS 11"
// 3.0 (the default) and 2.40 (C_GetFunctionList's list), and the 3.0 list
// drives the card like the 2.40 one; the functions 3.0 added answer
// CKR_FUNCTION_NOT_SUPPORTED after the usual checks.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "pkcs11/pkcs11_3_0.h"
#include "tests/pkcs11/p11_test.h"

namespace jpki::test {
namespace {

using GetInterfaceList = CK_RV (*)(CK_INTERFACE_PTR, CK_ULONG_PTR);
using GetInterface = CK_RV (*)(CK_UTF8CHAR_PTR, CK_VERSION_PTR, CK_INTERFACE_PTR_PTR, CK_FLAGS);

// The module's exported 3.0 functions (the module stays loaded: see module()).
struct Exports {
  Exports() {
    (void)module();
    void* h = dlopen(std::getenv("JPKI_PKCS11_MODULE"), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (h == nullptr) throw std::runtime_error("module not loaded");
    list = reinterpret_cast<GetInterfaceList>(dlsym(h, "C_GetInterfaceList"));  // NOLINT
    get = reinterpret_cast<GetInterface>(dlsym(h, "C_GetInterface"));           // NOLINT
    dlclose(h);                                                                 // module() keeps it
  }
  GetInterfaceList list = nullptr;
  GetInterface get = nullptr;
};
const Exports& exports() {
  static const Exports e;
  return e;
}

CK_VERSION version_of(const CK_INTERFACE& i) { return *static_cast<const CK_VERSION*>(i.pFunctionList); }
std::string name_of(const CK_INTERFACE& i) {
  return reinterpret_cast<const char*>(i.pInterfaceName);
}  // NOLINT

CK_FUNCTION_LIST_3_0* list_3_0() {
  CK_INTERFACE* i = nullptr;
  if (exports().get(nullptr, nullptr, &i, 0) != CKR_OK) return nullptr;
  return static_cast<CK_FUNCTION_LIST_3_0*>(i->pFunctionList);
}

TEST(Interface, ListOffersPkcs11In30Then240) {
  ASSERT_NE(exports().list, nullptr);
  CK_ULONG n = 0;
  ASSERT_EQ(exports().list(nullptr, nullptr), CKR_ARGUMENTS_BAD);
  ASSERT_EQ(exports().list(nullptr, &n), CKR_OK);
  ASSERT_EQ(n, 2U);
  std::vector<CK_INTERFACE> all(n);
  CK_ULONG small = 1;
  EXPECT_EQ(exports().list(all.data(), &small), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(small, 2U);
  ASSERT_EQ(exports().list(all.data(), &n), CKR_OK);
  EXPECT_EQ(name_of(all[0]), "PKCS 11");
  EXPECT_EQ(version_of(all[0]).major, 3);
  EXPECT_EQ(version_of(all[0]).minor, 0);
  EXPECT_EQ(all[0].flags, 0U);
  EXPECT_EQ(name_of(all[1]), "PKCS 11");
  EXPECT_EQ(all[1].pFunctionList, static_cast<void*>(module()));  // the 2.40 list itself
  EXPECT_EQ(all[1].flags, 0U);
}

TEST(Interface, GetInterfaceFindsByNameVersionAndFlags) {
  ASSERT_NE(exports().get, nullptr);
  CK_INTERFACE* i = nullptr;
  EXPECT_EQ(exports().get(nullptr, nullptr, nullptr, 0), CKR_ARGUMENTS_BAD);
  ASSERT_EQ(exports().get(nullptr, nullptr, &i, 0), CKR_OK);  // the default: 3.0
  EXPECT_EQ(version_of(*i).major, 3);
  std::string name = "PKCS 11";
  auto* n = reinterpret_cast<CK_UTF8CHAR_PTR>(name.data());  // NOLINT
  CK_VERSION v240{2, 40};
  ASSERT_EQ(exports().get(n, &v240, &i, 0), CKR_OK);
  EXPECT_EQ(i->pFunctionList, static_cast<void*>(module()));
  CK_VERSION v30{3, 0};
  ASSERT_EQ(exports().get(n, &v30, &i, 0), CKR_OK);
  EXPECT_EQ(version_of(*i).major, 3);
  CK_VERSION v31{3, 1};
  EXPECT_EQ(exports().get(n, &v31, &i, 0), CKR_ARGUMENTS_BAD);
  std::string other = "Vendor";
  EXPECT_EQ(exports().get(reinterpret_cast<CK_UTF8CHAR_PTR>(other.data()), nullptr, &i, 0),  // NOLINT
            CKR_ARGUMENTS_BAD);
  EXPECT_EQ(exports().get(nullptr, nullptr, &i, CKF_INTERFACE_FORK_SAFE), CKR_ARGUMENTS_BAD);
}

TEST(Interface, NewFunctionsSayNotInitializedFirst) {
  CK_FUNCTION_LIST_3_0* f = list_3_0();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->C_SessionCancel(1, 0), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f->C_MessageSignInit(1, nullptr, 0), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f->C_LoginUser(1, CKU_USER, nullptr, 0, nullptr, 0), CKR_CRYPTOKI_NOT_INITIALIZED);
  CK_INFO info{};
  EXPECT_EQ(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
}

// Loaded through C_GetInterface, the module finds the card, logs in and signs.
TEST(Interface, ThreeZeroListDrivesTheCard) {
  CK_FUNCTION_LIST_3_0* f = list_3_0();
  ASSERT_NE(f, nullptr);
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  ASSERT_EQ(f->C_Initialize(&args), CKR_OK);
  CK_INFO info{};
  ASSERT_EQ(f->C_GetInfo(&info), CKR_OK);
  EXPECT_EQ(info.cryptokiVersion.major, 3);
  EXPECT_EQ(info.cryptokiVersion.minor, 0);
  auto* as_240 = reinterpret_cast<CK_FUNCTION_LIST*>(f);  // NOLINT: the 2.40 part is the same layout
  const std::vector<CK_SLOT_ID> slots = slots_with_label(as_240, "");
  ASSERT_EQ(slots.size(), 2U);  // the auth slot first (see P11Test)
  CK_SESSION_HANDLE s = 0;
  ASSERT_EQ(f->C_OpenSession(slots[0], CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK);
  std::vector<CK_OBJECT_HANDLE> found;
  EXPECT_EQ(find_objects(as_240, s, CKO_CERTIFICATE, std::nullopt, found), CKR_OK);
  EXPECT_FALSE(found.empty());

  EXPECT_EQ(f->C_SessionCancel(s + 1000, 0), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(f->C_SessionCancel(s, CKF_SIGN), CKR_FUNCTION_NOT_SUPPORTED);
  CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
  EXPECT_EQ(f->C_MessageSignInit(s, &mech, 0), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(f->C_MessageEncryptInit(s, &mech, 0), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(f->C_MessageVerifyFinal(s), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(f->C_SignMessageBegin(s, nullptr, 0), CKR_FUNCTION_NOT_SUPPORTED);
  std::string user = "someone";
  std::string pin = auth_pin();
  auto* p = reinterpret_cast<CK_UTF8CHAR_PTR>(pin.data());  // NOLINT
  // A user name: not something this token has; no PIN goes to the card.
  EXPECT_EQ(
      f->C_LoginUser(s, CKU_USER, p, pin.size(), reinterpret_cast<CK_UTF8CHAR_PTR>(user.data()),  // NOLINT
                     user.size()),
      CKR_FUNCTION_NOT_SUPPORTED);
  // Without one, it is C_Login.
  EXPECT_EQ(f->C_LoginUser(s, CKU_USER, p, pin.size(), nullptr, 0), CKR_OK);
  CK_SESSION_INFO si{};
  ASSERT_EQ(f->C_GetSessionInfo(s, &si), CKR_OK);
  EXPECT_EQ(si.state, static_cast<CK_STATE>(CKS_RO_USER_FUNCTIONS));
  EXPECT_EQ(f->C_Logout(s), CKR_OK);
  EXPECT_EQ(f->C_Finalize(nullptr), CKR_OK);
}

}  // namespace
}  // namespace jpki::test
