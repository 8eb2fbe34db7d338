// Which CKR_ codes each function may return (PKCS#11 2.40, §5: each function's
// "Return values", plus §5.1's codes for every function, every function that
// takes a session and every function that uses a token). A code outside its
// function's list becomes the nearest one inside it.
//
// Everything here is constexpr: hosts call C_CloseAllSessions and C_Finalize
// from their exit handlers, after static destructors ran (see immortal.h).
#include <algorithm>
#include <array>
#include <span>
#include <string>
#include <string_view>

#include "common/log.h"
#include "pkcs11/error_map.h"

namespace jpki::pkcs11 {
namespace {

enum Uses : unsigned { kNothing = 0, kSession = 1, kToken = 2, kBoth = 3 };

struct Entry {
  std::string_view function;
  unsigned uses;
  std::span<const CK_RV> own;  // the function's list, less the §5.1 codes
};

// §5.1.1 (every function; CKR_CRYPTOKI_NOT_INITIALIZED from every function but
// C_Initialize and C_GetFunctionList; CKR_FUNCTION_NOT_SUPPORTED from a stub).
constexpr std::array kUniversal = {CKR_OK, CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_FUNCTION_FAILED,
                                   CKR_FUNCTION_NOT_SUPPORTED};
// §5.1.2: functions that take a session handle.
constexpr std::array kSessionCodes = {CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED, CKR_DEVICE_REMOVED};
// §5.1.3: functions that use a token.
constexpr std::array kTokenCodes = {CKR_DEVICE_MEMORY, CKR_DEVICE_ERROR, CKR_TOKEN_NOT_PRESENT,
                                    CKR_DEVICE_REMOVED};

constexpr std::array<CK_RV, 4> kInitialize = {CKR_ARGUMENTS_BAD, CKR_CANT_LOCK,
                                              CKR_CRYPTOKI_ALREADY_INITIALIZED, CKR_NEED_TO_CREATE_THREADS};
constexpr std::array<CK_RV, 1> kArgumentsOnly = {CKR_ARGUMENTS_BAD};
constexpr std::array<CK_RV, 2> kGetSlotList = {CKR_ARGUMENTS_BAD, CKR_BUFFER_TOO_SMALL};
constexpr std::array<CK_RV, 3> kGetSlotInfo = {CKR_ARGUMENTS_BAD, CKR_DEVICE_ERROR, CKR_SLOT_ID_INVALID};
constexpr std::array<CK_RV, 3> kGetTokenInfo = {CKR_ARGUMENTS_BAD, CKR_SLOT_ID_INVALID,
                                                CKR_TOKEN_NOT_RECOGNIZED};
constexpr std::array<CK_RV, 2> kWaitForSlotEvent = {CKR_ARGUMENTS_BAD, CKR_NO_EVENT};
constexpr std::array<CK_RV, 4> kGetMechanismList = {CKR_ARGUMENTS_BAD, CKR_BUFFER_TOO_SMALL,
                                                    CKR_SLOT_ID_INVALID, CKR_TOKEN_NOT_RECOGNIZED};
constexpr std::array<CK_RV, 4> kGetMechanismInfo = {CKR_ARGUMENTS_BAD, CKR_MECHANISM_INVALID,
                                                    CKR_SLOT_ID_INVALID, CKR_TOKEN_NOT_RECOGNIZED};
constexpr std::array<CK_RV, 8> kSetPin = {CKR_ARGUMENTS_BAD,     CKR_FUNCTION_CANCELED,    CKR_PIN_INCORRECT,
                                          CKR_PIN_INVALID,       CKR_PIN_LEN_RANGE,        CKR_PIN_LOCKED,
                                          CKR_SESSION_READ_ONLY, CKR_TOKEN_WRITE_PROTECTED};
constexpr std::array<CK_RV, 7> kOpenSession = {CKR_ARGUMENTS_BAD,
                                               CKR_SESSION_COUNT,
                                               CKR_SESSION_PARALLEL_NOT_SUPPORTED,
                                               CKR_SESSION_READ_WRITE_SO_EXISTS,
                                               CKR_SLOT_ID_INVALID,
                                               CKR_TOKEN_NOT_RECOGNIZED,
                                               CKR_TOKEN_WRITE_PROTECTED};
constexpr std::array<CK_RV, 1> kCloseAllSessions = {CKR_SLOT_ID_INVALID};
// C_Login: CKR_PIN_INVALID and CKR_PIN_LEN_RANGE are not in 2.40's list. They
// are kept on purpose: the PIN's shape is checked before the card sees it, and
// these two say "nothing was sent, no try spent", which CKR_PIN_INCORRECT would
// not (OpenSC's module answers the same).
constexpr std::array<CK_RV, 13> kLogin = {CKR_ARGUMENTS_BAD,
                                          CKR_FUNCTION_CANCELED,
                                          CKR_OPERATION_NOT_INITIALIZED,
                                          CKR_PIN_INCORRECT,
                                          CKR_PIN_LOCKED,
                                          CKR_SESSION_READ_ONLY_EXISTS,
                                          CKR_USER_ALREADY_LOGGED_IN,
                                          CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
                                          CKR_USER_PIN_NOT_INITIALIZED,
                                          CKR_USER_TOO_MANY_TYPES,
                                          CKR_USER_TYPE_INVALID,
                                          CKR_PIN_INVALID,
                                          CKR_PIN_LEN_RANGE};
constexpr std::array<CK_RV, 1> kLogout = {CKR_USER_NOT_LOGGED_IN};
constexpr std::array<CK_RV, 12> kCreateObject = {CKR_ARGUMENTS_BAD,
                                                 CKR_ATTRIBUTE_READ_ONLY,
                                                 CKR_ATTRIBUTE_TYPE_INVALID,
                                                 CKR_ATTRIBUTE_VALUE_INVALID,
                                                 CKR_CURVE_NOT_SUPPORTED,
                                                 CKR_DOMAIN_PARAMS_INVALID,
                                                 CKR_PIN_EXPIRED,
                                                 CKR_SESSION_READ_ONLY,
                                                 CKR_TEMPLATE_INCOMPLETE,
                                                 CKR_TEMPLATE_INCONSISTENT,
                                                 CKR_TOKEN_WRITE_PROTECTED,
                                                 CKR_USER_NOT_LOGGED_IN};
constexpr std::array<CK_RV, 11> kCopyObject = {CKR_ACTION_PROHIBITED,
                                               CKR_ARGUMENTS_BAD,
                                               CKR_ATTRIBUTE_READ_ONLY,
                                               CKR_ATTRIBUTE_TYPE_INVALID,
                                               CKR_ATTRIBUTE_VALUE_INVALID,
                                               CKR_OBJECT_HANDLE_INVALID,
                                               CKR_PIN_EXPIRED,
                                               CKR_SESSION_READ_ONLY,
                                               CKR_TEMPLATE_INCONSISTENT,
                                               CKR_TOKEN_WRITE_PROTECTED,
                                               CKR_USER_NOT_LOGGED_IN};
constexpr std::array<CK_RV, 5> kDestroyObject = {CKR_ACTION_PROHIBITED, CKR_OBJECT_HANDLE_INVALID,
                                                 CKR_PIN_EXPIRED, CKR_SESSION_READ_ONLY,
                                                 CKR_TOKEN_WRITE_PROTECTED};
constexpr std::array<CK_RV, 5> kGetAttributeValue = {CKR_ARGUMENTS_BAD, CKR_ATTRIBUTE_SENSITIVE,
                                                     CKR_ATTRIBUTE_TYPE_INVALID, CKR_BUFFER_TOO_SMALL,
                                                     CKR_OBJECT_HANDLE_INVALID};
constexpr std::array<CK_RV, 10> kSetAttributeValue = {CKR_ACTION_PROHIBITED,       CKR_ARGUMENTS_BAD,
                                                      CKR_ATTRIBUTE_READ_ONLY,     CKR_ATTRIBUTE_TYPE_INVALID,
                                                      CKR_ATTRIBUTE_VALUE_INVALID, CKR_OBJECT_HANDLE_INVALID,
                                                      CKR_SESSION_READ_ONLY,       CKR_TEMPLATE_INCONSISTENT,
                                                      CKR_TOKEN_WRITE_PROTECTED,   CKR_USER_NOT_LOGGED_IN};
constexpr std::array<CK_RV, 5> kFindObjectsInit = {CKR_ARGUMENTS_BAD, CKR_ATTRIBUTE_TYPE_INVALID,
                                                   CKR_ATTRIBUTE_VALUE_INVALID, CKR_OPERATION_ACTIVE,
                                                   CKR_PIN_EXPIRED};
constexpr std::array<CK_RV, 2> kFindObjects = {CKR_ARGUMENTS_BAD, CKR_OPERATION_NOT_INITIALIZED};
constexpr std::array<CK_RV, 1> kFindObjectsFinal = {CKR_OPERATION_NOT_INITIALIZED};
// C_SignInit and C_VerifyInit share their list.
constexpr std::array<CK_RV, 11> kSignVerifyInit = {
    CKR_ARGUMENTS_BAD,      CKR_FUNCTION_CANCELED,       CKR_KEY_FUNCTION_NOT_PERMITTED,
    CKR_KEY_HANDLE_INVALID, CKR_KEY_SIZE_RANGE,          CKR_KEY_TYPE_INCONSISTENT,
    CKR_MECHANISM_INVALID,  CKR_MECHANISM_PARAM_INVALID, CKR_OPERATION_ACTIVE,
    CKR_PIN_EXPIRED,        CKR_USER_NOT_LOGGED_IN};
constexpr std::array<CK_RV, 8> kSign = {
    CKR_ARGUMENTS_BAD,     CKR_BUFFER_TOO_SMALL,          CKR_DATA_INVALID,       CKR_DATA_LEN_RANGE,
    CKR_FUNCTION_CANCELED, CKR_OPERATION_NOT_INITIALIZED, CKR_USER_NOT_LOGGED_IN, CKR_FUNCTION_REJECTED};
constexpr std::array<CK_RV, 5> kSignUpdate = {CKR_ARGUMENTS_BAD, CKR_DATA_LEN_RANGE, CKR_FUNCTION_CANCELED,
                                              CKR_OPERATION_NOT_INITIALIZED, CKR_USER_NOT_LOGGED_IN};
constexpr std::array<CK_RV, 7> kSignFinal = {
    CKR_ARGUMENTS_BAD,     CKR_BUFFER_TOO_SMALL,          CKR_DATA_LEN_RANGE,
    CKR_FUNCTION_CANCELED, CKR_OPERATION_NOT_INITIALIZED, CKR_USER_NOT_LOGGED_IN,
    CKR_FUNCTION_REJECTED};
constexpr std::array<CK_RV, 7> kVerify = {CKR_ARGUMENTS_BAD,
                                          CKR_DATA_INVALID,
                                          CKR_DATA_LEN_RANGE,
                                          CKR_FUNCTION_CANCELED,
                                          CKR_OPERATION_NOT_INITIALIZED,
                                          CKR_SIGNATURE_INVALID,
                                          CKR_SIGNATURE_LEN_RANGE};
constexpr std::array<CK_RV, 4> kVerifyUpdate = {CKR_ARGUMENTS_BAD, CKR_DATA_LEN_RANGE, CKR_FUNCTION_CANCELED,
                                                CKR_OPERATION_NOT_INITIALIZED};
constexpr std::array<CK_RV, 6> kVerifyFinal = {CKR_ARGUMENTS_BAD,     CKR_DATA_LEN_RANGE,
                                               CKR_FUNCTION_CANCELED, CKR_OPERATION_NOT_INITIALIZED,
                                               CKR_SIGNATURE_INVALID, CKR_SIGNATURE_LEN_RANGE};
constexpr std::array<CK_RV, 1> kNotParallel = {CKR_FUNCTION_NOT_PARALLEL};
constexpr std::array<CK_RV, 2> kInitToken = {CKR_ARGUMENTS_BAD, CKR_SLOT_ID_INVALID};
constexpr std::array<CK_RV, 3> kGetObjectSize = {CKR_ARGUMENTS_BAD, CKR_INFORMATION_SENSITIVE,
                                                 CKR_OBJECT_HANDLE_INVALID};
// Functions whose mechanism no row offers (encrypt, recover, key making), and
// the operations such an init would have begun (module_conformance.cpp).
constexpr std::array<CK_RV, 2> kNoSuchMechanism = {CKR_ARGUMENTS_BAD, CKR_MECHANISM_INVALID};
constexpr std::array<CK_RV, 2> kNoSuchOperation = {CKR_ARGUMENTS_BAD, CKR_OPERATION_NOT_INITIALIZED};
constexpr std::array<CK_RV, 4> kDigestInit = {CKR_ARGUMENTS_BAD, CKR_MECHANISM_INVALID,
                                              CKR_MECHANISM_PARAM_INVALID, CKR_OPERATION_ACTIVE};
// C_Digest: CKR_OPERATION_ACTIVE when a multi-part digest is under way (only C_DigestFinal ends it).
constexpr std::array<CK_RV, 4> kDigest = {CKR_ARGUMENTS_BAD, CKR_BUFFER_TOO_SMALL,
                                          CKR_OPERATION_NOT_INITIALIZED, CKR_OPERATION_ACTIVE};
constexpr std::array<CK_RV, 3> kDigestKey = {CKR_KEY_HANDLE_INVALID, CKR_KEY_INDIGESTIBLE,
                                             CKR_OPERATION_NOT_INITIALIZED};
constexpr std::array<CK_RV, 3> kDigestFinal = {CKR_ARGUMENTS_BAD, CKR_BUFFER_TOO_SMALL,
                                               CKR_OPERATION_NOT_INITIALIZED};
constexpr std::array<CK_RV, 3> kRandom = {CKR_ARGUMENTS_BAD, CKR_RANDOM_NO_RNG,
                                          CKR_RANDOM_SEED_NOT_SUPPORTED};
constexpr std::span<const CK_RV> kNone{};

// The functions this module implements or checks before refusing; the others
// are stubs (§5.1.1 codes only).
constexpr std::array kTable = {
    Entry{"C_Initialize", kNothing, kInitialize},
    Entry{"C_Finalize", kNothing, kArgumentsOnly},
    Entry{"C_GetInfo", kNothing, kArgumentsOnly},
    Entry{"C_GetFunctionList", kNothing, kArgumentsOnly},
    Entry{"C_GetInterfaceList", kNothing, kGetSlotList},  // 3.0: the same two
    Entry{"C_GetInterface", kNothing, kArgumentsOnly},
    Entry{"C_GetSlotList", kNothing, kGetSlotList},
    Entry{"C_GetSlotInfo", kNothing, kGetSlotInfo},
    Entry{"C_GetTokenInfo", kToken, kGetTokenInfo},
    Entry{"C_WaitForSlotEvent", kNothing, kWaitForSlotEvent},
    Entry{"C_GetMechanismList", kToken, kGetMechanismList},
    Entry{"C_GetMechanismInfo", kToken, kGetMechanismInfo},
    Entry{"C_SetPIN", kBoth, kSetPin},
    Entry{"C_OpenSession", kToken, kOpenSession},
    Entry{"C_CloseSession", kBoth, kNone},
    Entry{"C_CloseAllSessions", kToken, kCloseAllSessions},
    Entry{"C_GetSessionInfo", kBoth, kArgumentsOnly},
    Entry{"C_Login", kBoth, kLogin},
    Entry{"C_Logout", kBoth, kLogout},
    Entry{"C_CreateObject", kBoth, kCreateObject},
    Entry{"C_CopyObject", kBoth, kCopyObject},
    Entry{"C_DestroyObject", kBoth, kDestroyObject},
    Entry{"C_GetAttributeValue", kBoth, kGetAttributeValue},
    Entry{"C_SetAttributeValue", kBoth, kSetAttributeValue},
    Entry{"C_FindObjectsInit", kBoth, kFindObjectsInit},
    Entry{"C_FindObjects", kBoth, kFindObjects},
    Entry{"C_FindObjectsFinal", kBoth, kFindObjectsFinal},
    Entry{"C_SignInit", kBoth, kSignVerifyInit},
    Entry{"C_Sign", kBoth, kSign},
    Entry{"C_SignUpdate", kBoth, kSignUpdate},
    Entry{"C_SignFinal", kBoth, kSignFinal},
    Entry{"C_VerifyInit", kBoth, kSignVerifyInit},
    Entry{"C_Verify", kBoth, kVerify},
    Entry{"C_VerifyUpdate", kBoth, kVerifyUpdate},
    Entry{"C_VerifyFinal", kBoth, kVerifyFinal},
    Entry{"C_InitToken", kToken, kInitToken},
    Entry{"C_InitPIN", kBoth, kArgumentsOnly},
    Entry{"C_GetOperationState", kBoth, kArgumentsOnly},
    Entry{"C_SetOperationState", kBoth, kArgumentsOnly},
    Entry{"C_GetObjectSize", kBoth, kGetObjectSize},
    Entry{"C_EncryptInit", kBoth, kNoSuchMechanism},
    Entry{"C_Encrypt", kBoth, kNoSuchOperation},
    Entry{"C_EncryptUpdate", kBoth, kNoSuchOperation},
    Entry{"C_EncryptFinal", kBoth, kNoSuchOperation},
    Entry{"C_DecryptInit", kBoth, kNoSuchMechanism},
    Entry{"C_Decrypt", kBoth, kNoSuchOperation},
    Entry{"C_DecryptUpdate", kBoth, kNoSuchOperation},
    Entry{"C_DecryptFinal", kBoth, kNoSuchOperation},
    Entry{"C_DigestInit", kBoth, kDigestInit},
    Entry{"C_Digest", kBoth, kDigest},
    Entry{"C_DigestUpdate", kBoth, kNoSuchOperation},
    Entry{"C_DigestKey", kBoth, kDigestKey},
    Entry{"C_DigestFinal", kBoth, kDigestFinal},
    Entry{"C_SignRecoverInit", kBoth, kNoSuchMechanism},
    Entry{"C_SignRecover", kBoth, kNoSuchOperation},
    Entry{"C_VerifyRecoverInit", kBoth, kNoSuchMechanism},
    Entry{"C_VerifyRecover", kBoth, kNoSuchOperation},
    Entry{"C_DigestEncryptUpdate", kBoth, kNoSuchOperation},
    Entry{"C_DecryptDigestUpdate", kBoth, kNoSuchOperation},
    Entry{"C_SignEncryptUpdate", kBoth, kNoSuchOperation},
    Entry{"C_DecryptVerifyUpdate", kBoth, kNoSuchOperation},
    Entry{"C_GenerateKey", kBoth, kNoSuchMechanism},
    Entry{"C_GenerateKeyPair", kBoth, kNoSuchMechanism},
    Entry{"C_WrapKey", kBoth, kNoSuchMechanism},
    Entry{"C_UnwrapKey", kBoth, kNoSuchMechanism},
    Entry{"C_DeriveKey", kBoth, kNoSuchMechanism},
    Entry{"C_SeedRandom", kBoth, kRandom},
    Entry{"C_GenerateRandom", kBoth, kRandom},
    Entry{"C_GetFunctionStatus", kSession, kNotParallel},
    Entry{"C_CancelFunction", kSession, kNotParallel},
};

template <typename List>
bool in(const List& list, CK_RV rv) {
  return std::find(list.begin(), list.end(), rv) != list.end();
}

const Entry* entry_of(std::string_view function) {
  const auto* it =
      std::find_if(kTable.begin(), kTable.end(), [&](const Entry& e) { return e.function == function; });
  return it == kTable.end() ? nullptr : it;
}

// Where a code outside the list goes, in order of preference; CKR_FUNCTION_FAILED
// (allowed everywhere) is the last resort.
CK_RV nearest(std::string_view function, CK_RV rv) {
  auto first_allowed = [&](std::initializer_list<CK_RV> candidates) {
    for (const CK_RV c : candidates) {
      if (rv_allowed(function, c)) {
        return c;
      }
    }
    return static_cast<CK_RV>(CKR_FUNCTION_FAILED);
  };
  switch (rv) {
    case CKR_TOKEN_NOT_PRESENT:
      return first_allowed({CKR_DEVICE_REMOVED, CKR_SLOT_ID_INVALID});
    case CKR_DEVICE_REMOVED:
      return first_allowed({CKR_TOKEN_NOT_PRESENT, CKR_DEVICE_ERROR});
    case CKR_SESSION_CLOSED:
      return first_allowed({CKR_SESSION_HANDLE_INVALID});
    case CKR_DEVICE_MEMORY:
    case CKR_TOKEN_NOT_RECOGNIZED:
      return first_allowed({CKR_DEVICE_ERROR});
    default:
      // E.g. CKR_USER_NOT_LOGGED_IN from C_Login after a reset: it did not
      // happen, and may on a second try.
      return CKR_FUNCTION_FAILED;
  }
}

}  // namespace

bool rv_allowed(std::string_view function, CK_RV rv) {
  if (in(kUniversal, rv)) {
    return true;
  }
  if (rv == CKR_CRYPTOKI_NOT_INITIALIZED) {
    return function != "C_Initialize" && function != "C_GetFunctionList" &&
           function != "C_GetInterfaceList" && function != "C_GetInterface";
  }
  const Entry* e = entry_of(function);
  if (e == nullptr) {
    return false;
  }
  return in(e->own, rv) || ((e->uses & kSession) != 0 && in(kSessionCodes, rv)) ||
         ((e->uses & kToken) != 0 && in(kTokenCodes, rv));
}

CK_RV allowed_rv(std::string_view function, CK_RV rv) {
  if (rv_allowed(function, rv)) {
    return rv;
  }
  const CK_RV to = nearest(function, rv);
  if (log::enabled()) {
    log::line(std::string(function) + ": " + rv_name(rv) + " is not among its return codes, " + rv_name(to) +
              " instead");
  }
  return to;
}

}  // namespace jpki::pkcs11
