// The table of return codes each function may give (PKCS#11 2.40), in process:
// a code outside a function's list becomes the nearest one inside it, and the
// debug log says so.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/log.h"
#include "pkcs11/error_map.h"

namespace jpki::pkcs11 {
namespace {

const std::vector<std::string> kFunctions = {"C_Initialize",
                                             "C_Finalize",
                                             "C_GetInfo",
                                             "C_GetFunctionList",
                                             "C_GetSlotList",
                                             "C_GetSlotInfo",
                                             "C_GetTokenInfo",
                                             "C_WaitForSlotEvent",
                                             "C_GetMechanismList",
                                             "C_GetMechanismInfo",
                                             "C_SetPIN",
                                             "C_OpenSession",
                                             "C_CloseSession",
                                             "C_CloseAllSessions",
                                             "C_GetSessionInfo",
                                             "C_Login",
                                             "C_Logout",
                                             "C_CreateObject",
                                             "C_CopyObject",
                                             "C_DestroyObject",
                                             "C_GetAttributeValue",
                                             "C_SetAttributeValue",
                                             "C_FindObjectsInit",
                                             "C_FindObjects",
                                             "C_FindObjectsFinal",
                                             "C_SignInit",
                                             "C_Sign",
                                             "C_SignUpdate",
                                             "C_SignFinal",
                                             "C_VerifyInit",
                                             "C_Verify",
                                             "C_VerifyUpdate",
                                             "C_VerifyFinal",
                                             "C_GetFunctionStatus",
                                             "C_CancelFunction",
                                             "C_Encrypt",
                                             "C_GenerateRandom"};

// Every code the module's layers produce, and then some.
const std::vector<CK_RV> kCodes = {CKR_OK,
                                   CKR_HOST_MEMORY,
                                   CKR_SLOT_ID_INVALID,
                                   CKR_GENERAL_ERROR,
                                   CKR_FUNCTION_FAILED,
                                   CKR_ARGUMENTS_BAD,
                                   CKR_NO_EVENT,
                                   CKR_CANT_LOCK,
                                   CKR_ATTRIBUTE_SENSITIVE,
                                   CKR_ATTRIBUTE_TYPE_INVALID,
                                   CKR_ACTION_PROHIBITED,
                                   CKR_DATA_LEN_RANGE,
                                   CKR_DEVICE_ERROR,
                                   CKR_DEVICE_MEMORY,
                                   CKR_DEVICE_REMOVED,
                                   CKR_FUNCTION_CANCELED,
                                   CKR_FUNCTION_NOT_PARALLEL,
                                   CKR_FUNCTION_NOT_SUPPORTED,
                                   CKR_KEY_HANDLE_INVALID,
                                   CKR_KEY_TYPE_INCONSISTENT,
                                   CKR_KEY_FUNCTION_NOT_PERMITTED,
                                   CKR_MECHANISM_INVALID,
                                   CKR_MECHANISM_PARAM_INVALID,
                                   CKR_OBJECT_HANDLE_INVALID,
                                   CKR_OPERATION_ACTIVE,
                                   CKR_OPERATION_NOT_INITIALIZED,
                                   CKR_PIN_INCORRECT,
                                   CKR_PIN_INVALID,
                                   CKR_PIN_LEN_RANGE,
                                   CKR_PIN_LOCKED,
                                   CKR_SESSION_CLOSED,
                                   CKR_SESSION_HANDLE_INVALID,
                                   CKR_SESSION_PARALLEL_NOT_SUPPORTED,
                                   CKR_SESSION_READ_ONLY,
                                   CKR_SIGNATURE_INVALID,
                                   CKR_SIGNATURE_LEN_RANGE,
                                   CKR_TOKEN_NOT_PRESENT,
                                   CKR_TOKEN_NOT_RECOGNIZED,
                                   CKR_TOKEN_WRITE_PROTECTED,
                                   CKR_USER_ALREADY_LOGGED_IN,
                                   CKR_USER_NOT_LOGGED_IN,
                                   CKR_USER_TYPE_INVALID,
                                   CKR_BUFFER_TOO_SMALL,
                                   CKR_CRYPTOKI_NOT_INITIALIZED,
                                   CKR_CRYPTOKI_ALREADY_INITIALIZED};

TEST(AllowedRv, WhatEveryFunctionMayReturn) {
  for (const auto& f : kFunctions) {
    for (const CK_RV rv : {CKR_OK, CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_FUNCTION_FAILED}) {
      EXPECT_TRUE(rv_allowed(f, rv)) << f << " " << rv_name(rv);
    }
  }
  EXPECT_FALSE(rv_allowed("C_Initialize", CKR_CRYPTOKI_NOT_INITIALIZED));
  EXPECT_FALSE(rv_allowed("C_GetFunctionList", CKR_CRYPTOKI_NOT_INITIALIZED));
  EXPECT_TRUE(rv_allowed("C_Finalize", CKR_CRYPTOKI_NOT_INITIALIZED));
  EXPECT_TRUE(rv_allowed("C_Encrypt", CKR_FUNCTION_NOT_SUPPORTED)) << "a stub";
}

TEST(AllowedRv, SessionAndTokenCodesOnlyWhereTheyBelong) {
  EXPECT_TRUE(rv_allowed("C_GetSessionInfo", CKR_SESSION_HANDLE_INVALID));
  EXPECT_TRUE(rv_allowed("C_GetSessionInfo", CKR_DEVICE_REMOVED));
  EXPECT_FALSE(rv_allowed("C_GetSlotList", CKR_SESSION_HANDLE_INVALID));
  EXPECT_FALSE(rv_allowed("C_GetSlotList", CKR_DEVICE_ERROR));
  EXPECT_TRUE(rv_allowed("C_GetSlotInfo", CKR_DEVICE_ERROR));
  EXPECT_FALSE(rv_allowed("C_GetSlotInfo", CKR_DEVICE_REMOVED));
  EXPECT_TRUE(rv_allowed("C_OpenSession", CKR_TOKEN_NOT_PRESENT));
  EXPECT_FALSE(rv_allowed("C_WaitForSlotEvent", CKR_SLOT_ID_INVALID));
}

TEST(AllowedRv, FunctionsOwnLists) {
  EXPECT_TRUE(rv_allowed("C_Login", CKR_PIN_INCORRECT));
  EXPECT_TRUE(rv_allowed("C_Login", CKR_PIN_LOCKED));
  EXPECT_TRUE(rv_allowed("C_Login", CKR_PIN_LEN_RANGE)) << "kept on purpose: nothing sent, no try spent";
  EXPECT_TRUE(rv_allowed("C_Login", CKR_PIN_INVALID)) << "kept on purpose";
  EXPECT_FALSE(rv_allowed("C_Login", CKR_USER_NOT_LOGGED_IN));
  EXPECT_TRUE(rv_allowed("C_Logout", CKR_USER_NOT_LOGGED_IN));
  EXPECT_TRUE(rv_allowed("C_Sign", CKR_USER_NOT_LOGGED_IN));
  EXPECT_FALSE(rv_allowed("C_Sign", CKR_OPERATION_ACTIVE));
  EXPECT_TRUE(rv_allowed("C_SignInit", CKR_OPERATION_ACTIVE));
  EXPECT_FALSE(rv_allowed("C_SetPIN", CKR_USER_NOT_LOGGED_IN));
  EXPECT_FALSE(rv_allowed("C_GetAttributeValue", CKR_USER_NOT_LOGGED_IN));
  EXPECT_FALSE(rv_allowed("C_GetTokenInfo", CKR_USER_NOT_LOGGED_IN));
  EXPECT_TRUE(rv_allowed("C_Verify", CKR_SIGNATURE_INVALID));
  EXPECT_FALSE(rv_allowed("C_Sign", CKR_SIGNATURE_INVALID));
  EXPECT_TRUE(rv_allowed("C_CreateObject", CKR_TOKEN_WRITE_PROTECTED));
  EXPECT_TRUE(rv_allowed("C_DestroyObject", CKR_ACTION_PROHIBITED));
}

TEST(AllowedRv, ACodeOutsideTheListBecomesTheNearestInside) {
  EXPECT_EQ(allowed_rv("C_Login", CKR_USER_NOT_LOGGED_IN), CKR_FUNCTION_FAILED);
  EXPECT_EQ(allowed_rv("C_Login", CKR_TOKEN_NOT_RECOGNIZED), CKR_DEVICE_ERROR);
  EXPECT_EQ(allowed_rv("C_Sign", CKR_OPERATION_ACTIVE), CKR_FUNCTION_FAILED);
  EXPECT_EQ(allowed_rv("C_GetSlotInfo", CKR_DEVICE_REMOVED), CKR_DEVICE_ERROR);
  EXPECT_EQ(allowed_rv("C_GetSlotList", CKR_DEVICE_ERROR), CKR_FUNCTION_FAILED);
  EXPECT_EQ(allowed_rv("C_GetSlotInfo", CKR_TOKEN_NOT_PRESENT), CKR_SLOT_ID_INVALID);
  EXPECT_EQ(allowed_rv("C_WaitForSlotEvent", CKR_SESSION_CLOSED), CKR_FUNCTION_FAILED);
  EXPECT_EQ(allowed_rv("C_Login", CKR_PIN_INCORRECT), CKR_PIN_INCORRECT) << "allowed codes pass unchanged";
}

TEST(AllowedRv, WhateverComesInAnAllowedCodeGoesOut) {
  for (const auto& f : kFunctions) {
    for (const CK_RV rv : kCodes) {
      EXPECT_TRUE(rv_allowed(f, allowed_rv(f, rv))) << f << " " << rv_name(rv);
    }
  }
}

TEST(AllowedRv, TheDebugLogSaysWhichCodeBecameWhich) {
  const std::string path = ::testing::TempDir() + "jpki-allowed-rv-" + std::to_string(::getpid()) + ".log";
  ::setenv("JPKI_PKCS11_DEBUG", path.c_str(), 1);
  log::reopen();
  (void)allowed_rv("C_Login", CKR_USER_NOT_LOGGED_IN);
  (void)allowed_rv("C_Login", CKR_PIN_INCORRECT);
  ::unsetenv("JPKI_PKCS11_DEBUG");
  log::reopen();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(
      text.str().find("C_Login: CKR_USER_NOT_LOGGED_IN is not among its return codes, CKR_FUNCTION_FAILED "
                      "instead"),
      std::string::npos)
      << text.str();
  EXPECT_EQ(text.str().find("CKR_PIN_INCORRECT"), std::string::npos) << "allowed codes are not logged";
  (void)std::remove(path.c_str());
}

// PKCS#11 3.0's C_GetInterfaceList / C_GetInterface work before C_Initialize, like C_GetFunctionList.
TEST(AllowedRv, InterfaceFunctions) {
  EXPECT_TRUE(rv_allowed("C_GetInterfaceList", CKR_BUFFER_TOO_SMALL));
  EXPECT_TRUE(rv_allowed("C_GetInterfaceList", CKR_ARGUMENTS_BAD));
  EXPECT_TRUE(rv_allowed("C_GetInterface", CKR_ARGUMENTS_BAD));
  EXPECT_FALSE(rv_allowed("C_GetInterface", CKR_BUFFER_TOO_SMALL));
  EXPECT_FALSE(rv_allowed("C_GetInterfaceList", CKR_CRYPTOKI_NOT_INITIALIZED));
  EXPECT_FALSE(rv_allowed("C_GetInterface", CKR_CRYPTOKI_NOT_INITIALIZED));
}

}  // namespace
}  // namespace jpki::pkcs11
