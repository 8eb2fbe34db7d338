// Hostile callers: each gets the CKR_ code the PKCS#11 standard names.
//
// | call                                   | situation                   | CKR_                         |
// |----------------------------------------|-----------------------------|------------------------------|
// | any C_* but Initialize/GetFunctionList | before C_Initialize / after Finalize | CRYPTOKI_NOT_INITIALIZED
// | | C_Initialize                           | twice                       | CRYPTOKI_ALREADY_INITIALIZED |
// | C_Initialize                           | pReserved != NULL           | ARGUMENTS_BAD                |
// | C_Initialize                           | only some mutex functions   | ARGUMENTS_BAD                |
// | C_Finalize                             | pReserved != NULL           | ARGUMENTS_BAD                |
// | C_OpenSession                          | no CKF_SERIAL_SESSION       | SESSION_PARALLEL_NOT_SUPPORTED |
// | C_OpenSession / C_GetSlotInfo          | unknown slot                | SLOT_ID_INVALID              |
// | session calls                          | unknown / closed session    | SESSION_HANDLE_INVALID       |
// | C_GetAttributeValue                    | unknown object              | OBJECT_HANDLE_INVALID        |
// | C_FindObjects / C_Sign                 | no Init                     | OPERATION_NOT_INITIALIZED    |
// | C_FindObjectsInit                      | already finding             | OPERATION_ACTIVE             |
// | C_Sign / C_Verify                      | after an Update             | FUNCTION_FAILED              |
// | C_SetPIN                               | read-only session           | SESSION_READ_ONLY            |
// | output pointers                        | NULL                        | ARGUMENTS_BAD                |
#include <sys/wait.h>
#include <unistd.h>

#include "p11_test.h"

namespace jpki::test {
namespace {

TEST(Hostile, CallsBeforeInitialize) {
  CK_FUNCTION_LIST* f = module();
  CK_ULONG n = 0;
  CK_INFO info{};
  EXPECT_EQ(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
  CK_SESSION_HANDLE s = 0;
  EXPECT_EQ(f->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_CRYPTOKI_NOT_INITIALIZED);
}

TEST(Hostile, InitializeArguments) {
  CK_FUNCTION_LIST* f = module();
  CK_C_INITIALIZE_ARGS args{};
  args.pReserved = &args;
  EXPECT_EQ(f->C_Initialize(&args), CKR_ARGUMENTS_BAD);
  args = {};
  args.CreateMutex = [](CK_VOID_PTR_PTR) -> CK_RV { return CKR_OK; };
  EXPECT_EQ(f->C_Initialize(&args), CKR_ARGUMENTS_BAD);
  ASSERT_EQ(f->C_Initialize(nullptr), CKR_OK);
  EXPECT_EQ(f->C_Initialize(nullptr), CKR_CRYPTOKI_ALREADY_INITIALIZED);
  EXPECT_EQ(f->C_Finalize(&args), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_Finalize(nullptr), CKR_OK);
  CK_ULONG n = 0;
  EXPECT_EQ(f->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
}

TEST(Hostile, ApplicationMutexCallbacksAreUsed) {
  static int locks = 0;
  CK_C_INITIALIZE_ARGS args{};
  args.CreateMutex = [](CK_VOID_PTR_PTR m) -> CK_RV {
    *m = &locks;
    return CKR_OK;
  };
  args.DestroyMutex = [](CK_VOID_PTR) -> CK_RV { return CKR_OK; };
  args.LockMutex = [](CK_VOID_PTR) -> CK_RV {
    ++locks;
    return CKR_OK;
  };
  args.UnlockMutex = [](CK_VOID_PTR) -> CK_RV { return CKR_OK; };
  ASSERT_EQ(module()->C_Initialize(&args), CKR_OK);
  CK_ULONG n = 0;
  EXPECT_EQ(module()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
  EXPECT_GT(locks, 0);
  EXPECT_EQ(module()->C_Finalize(nullptr), CKR_OK);
}

using HostileSession = P11Test;

TEST_F(HostileSession, InvalidHandlesAndArguments) {
  CK_SESSION_HANDLE s = 0;
  EXPECT_EQ(f()->C_OpenSession(auth_slot(), 0, nullptr, nullptr, &s), CKR_SESSION_PARALLEL_NOT_SUPPORTED);
  EXPECT_EQ(f()->C_OpenSession(4242, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_SLOT_ID_INVALID);
  EXPECT_EQ(f()->C_OpenSession(auth_slot(), CKF_SERIAL_SESSION, nullptr, nullptr, nullptr),
            CKR_ARGUMENTS_BAD);
  s = open(auth_slot());
  CK_SESSION_INFO info{};
  EXPECT_EQ(f()->C_GetSessionInfo(s + 1000, &info), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(f()->C_GetSessionInfo(s, nullptr), CKR_ARGUMENTS_BAD);
  CK_ATTRIBUTE a{CKA_CLASS, nullptr, 0};
  EXPECT_EQ(f()->C_GetAttributeValue(s, 12345, &a, 1), CKR_OBJECT_HANDLE_INVALID);
  CK_OBJECT_HANDLE out[4];
  CK_ULONG n = 0;
  EXPECT_EQ(f()->C_FindObjects(s, out, 4, &n), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(f()->C_FindObjectsFinal(s), CKR_OPERATION_NOT_INITIALIZED);
  ASSERT_EQ(f()->C_FindObjectsInit(s, nullptr, 0), CKR_OK);
  EXPECT_EQ(f()->C_FindObjectsInit(s, nullptr, 0), CKR_OPERATION_ACTIVE);
  EXPECT_EQ(f()->C_FindObjects(s, nullptr, 4, &n), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f()->C_FindObjectsFinal(s), CKR_OK);
  Bytes data(4);
  CK_ULONG len = 0;
  EXPECT_EQ(f()->C_Sign(s, data.data(), data.size(), nullptr, &len), CKR_OPERATION_NOT_INITIALIZED);
  Bytes pin = bytes_of("123456");
  EXPECT_EQ(f()->C_SetPIN(s, pin.data(), 4, pin.data(), 4), CKR_SESSION_READ_ONLY);
  EXPECT_EQ(f()->C_CloseSession(s), CKR_OK);
  EXPECT_EQ(f()->C_CloseSession(s), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(f()->C_CloseAllSessions(4242), CKR_SLOT_ID_INVALID);
}

// C_Sign and C_Verify cannot end a multi-part operation; CKR_OPERATION_ACTIVE is
// not among the codes PKCS#11 2.40 lets them return: CKR_FUNCTION_FAILED is.
TEST_F(HostileSession, OneShotCallsAfterAnUpdateGetACodeTheirListAllows) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  ASSERT_EQ(login(s, auth_pin()), CKR_OK);
  const auto key = find_one(s, CKO_PRIVATE_KEY, 1);
  const auto pub = find_one(s, CKO_PUBLIC_KEY, 1);
  ASSERT_TRUE(key && pub);
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  Bytes data = bytes_of("two parts");
  Bytes sig(256);
  CK_ULONG len = sig.size();
  ASSERT_EQ(f()->C_SignInit(s, &m, *key), CKR_OK);
  ASSERT_EQ(f()->C_SignUpdate(s, data.data(), data.size()), CKR_OK);
  EXPECT_EQ(f()->C_Sign(s, data.data(), data.size(), sig.data(), &len), CKR_FUNCTION_FAILED);
  ASSERT_EQ(f()->C_VerifyInit(s, &m, *pub), CKR_OK);
  ASSERT_EQ(f()->C_VerifyUpdate(s, data.data(), data.size()), CKR_OK);
  EXPECT_EQ(f()->C_Verify(s, data.data(), data.size(), sig.data(), sig.size()), CKR_FUNCTION_FAILED);
}

TEST_F(HostileSession, ObjectsOfTheOtherTokenAreNotHandles) {
  const CK_SESSION_HANDLE a = open(auth_slot());
  const CK_SESSION_HANDLE s = open(sign_slot());
  const auto auth_cert = find_one(a, CKO_CERTIFICATE, 1);
  ASSERT_TRUE(auth_cert);
  CK_OBJECT_CLASS cls = 0;
  CK_ATTRIBUTE attr{CKA_CLASS, &cls, sizeof cls};
  EXPECT_EQ(f()->C_GetAttributeValue(s, *auth_cert, &attr, 1), CKR_OBJECT_HANDLE_INVALID);
  // The sign certificate's handle, before login, is not a handle either.
  ASSERT_EQ(login(s, sign_pin()), CKR_OK);
  const auto sign_cert = find_one(s, CKO_CERTIFICATE, 2);
  ASSERT_TRUE(sign_cert);
  ASSERT_EQ(f()->C_Logout(s), CKR_OK);
  EXPECT_EQ(f()->C_GetAttributeValue(s, *sign_cert, &attr, 1), CKR_OBJECT_HANDLE_INVALID);
}

TEST_F(HostileSession, FinalizeWithOpenSessionsThenInitializeAgain) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  ASSERT_EQ(login(s, auth_pin()), CKR_OK);
  ASSERT_EQ(f()->C_Finalize(nullptr), CKR_OK);
  CK_SESSION_INFO info{};
  EXPECT_EQ(f()->C_GetSessionInfo(s, &info), CKR_CRYPTOKI_NOT_INITIALIZED);
  ASSERT_EQ(f()->C_Initialize(nullptr), CKR_OK);
  EXPECT_EQ(f()->C_GetSessionInfo(s, &info), CKR_SESSION_HANDLE_INVALID);
  const CK_SESSION_HANDLE again = open(auth_slot());
  ASSERT_EQ(f()->C_GetSessionInfo(again, &info), CKR_OK);
  EXPECT_EQ(info.state, static_cast<CK_STATE>(CKS_RO_PUBLIC_SESSION))
      << "a new module instance starts logged out";
}

TEST_F(HostileSession, ForkedChildGetsAFreshModule) {
  const CK_SESSION_HANDLE s = open(auth_slot());
  ASSERT_EQ(login(s, auth_pin()), CKR_OK);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // In the child the parent's module state is not ours: C_Initialize starts afresh.
    CK_ULONG n = 0;
    CK_SESSION_INFO info{};
    int rc = 0;
    if (f()->C_GetSessionInfo(s, &info) != CKR_CRYPTOKI_NOT_INITIALIZED) rc |= 1;
    if (f()->C_Initialize(nullptr) != CKR_OK) rc |= 2;
    if (f()->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_OK || n != 2) rc |= 4;
    if (f()->C_GetSessionInfo(s, &info) != CKR_SESSION_HANDLE_INVALID) rc |= 8;
    _exit(rc);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "bit mask of failed checks in the child";
  CK_SESSION_INFO info{};
  EXPECT_EQ(f()->C_GetSessionInfo(s, &info), CKR_OK) << "the parent's session is untouched";
}

TEST_F(HostileSession, WaitForSlotEventDoesNotBlockWhenAsked) {
  CK_SLOT_ID slot = 0;
  CK_RV rv = CKR_OK;
  // The first calls may report the initial state; then nothing changes.
  for (int i = 0; i < 8 && rv == CKR_OK; ++i) rv = f()->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr);
  EXPECT_EQ(rv, CKR_NO_EVENT);
  EXPECT_EQ(f()->C_WaitForSlotEvent(CKF_DONT_BLOCK, nullptr, nullptr), CKR_ARGUMENTS_BAD);
}

}  // namespace
}  // namespace jpki::test
