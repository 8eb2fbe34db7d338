// PKCS#11 3.0's way in (§5.4): C_GetInterfaceList and C_GetInterface offer the
// interface "PKCS 11" in version 3.0 (the default) and in version 2.40 (the
// list C_GetFunctionList gives). The functions 3.0 added are features this
// token does not have (messages, cancelling, named users): they answer
// CKR_FUNCTION_NOT_SUPPORTED once the library and the session are found good.
//
// Everything goes through the exported C_* functions of entry_points.cpp, so
// the lock, the logging and the return-code rules stay in one place.
#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "pkcs11/function_list.h"
#include "pkcs11/pkcs11_3_0.h"

namespace {

// CKR_CRYPTOKI_NOT_INITIALIZED, CKR_SESSION_HANDLE_INVALID, ... or CKR_FUNCTION_NOT_SUPPORTED.
CK_RV unsupported(CK_SESSION_HANDLE s) {
  CK_SESSION_INFO info{};
  const CK_RV rv = C_GetSessionInfo(s, &info);
  return rv != CKR_OK ? rv : CKR_FUNCTION_NOT_SUPPORTED;
}

// The same C_GetInfo, but a 3.0 caller is told it speaks 3.0.
CK_RV get_info_3_0(CK_INFO_PTR info) {
  const CK_RV rv = C_GetInfo(info);
  if (rv == CKR_OK) {
    info->cryptokiVersion = {3, 0};
  }
  return rv;
}

// Only a login without a user name is the C_Login this token knows.
CK_RV login_user(CK_SESSION_HANDLE s, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len,
                 CK_UTF8CHAR_PTR username, CK_ULONG username_len) {
  if (username == nullptr || username_len == 0) {
    return C_Login(s, user, pin, pin_len);
  }
  return unsupported(s);
}

CK_RV session_cancel(CK_SESSION_HANDLE s, CK_FLAGS) { return unsupported(s); }
CK_RV message_init(CK_SESSION_HANDLE s, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) { return unsupported(s); }
CK_RV message_final(CK_SESSION_HANDLE s) { return unsupported(s); }
CK_RV message_crypt(CK_SESSION_HANDLE s, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG,
                    CK_BYTE_PTR, CK_ULONG_PTR) {
  return unsupported(s);
}
CK_RV message_crypt_begin(CK_SESSION_HANDLE s, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG) {
  return unsupported(s);
}
CK_RV message_crypt_next(CK_SESSION_HANDLE s, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
                         CK_ULONG_PTR, CK_FLAGS) {
  return unsupported(s);
}
CK_RV sign_message(CK_SESSION_HANDLE s, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
                   CK_ULONG_PTR) {
  return unsupported(s);
}
CK_RV message_begin(CK_SESSION_HANDLE s, CK_VOID_PTR, CK_ULONG) { return unsupported(s); }
CK_RV verify_message(CK_SESSION_HANDLE s, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
                     CK_ULONG) {
  return unsupported(s);
}

extern "C" CK_RV C_GetInterfaceList(CK_INTERFACE_PTR list, CK_ULONG_PTR count);
extern "C" CK_RV C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, CK_INTERFACE_PTR_PTR iface,
                                CK_FLAGS flags);

CK_FUNCTION_LIST_3_0 g_list_3_0 = {
    {3, 0},
    C_Initialize,
    C_Finalize,
    get_info_3_0,
    JPKI_FUNCTIONS_AFTER_GET_INFO,
    C_GetInterfaceList,
    C_GetInterface,
    login_user,
    session_cancel,
    message_init,         // C_MessageEncryptInit
    message_crypt,        // C_EncryptMessage
    message_crypt_begin,  // C_EncryptMessageBegin
    message_crypt_next,   // C_EncryptMessageNext
    message_final,        // C_MessageEncryptFinal
    message_init,         // C_MessageDecryptInit
    message_crypt,        // C_DecryptMessage
    message_crypt_begin,  // C_DecryptMessageBegin
    message_crypt_next,   // C_DecryptMessageNext
    message_final,        // C_MessageDecryptFinal
    message_init,         // C_MessageSignInit
    sign_message,         // C_SignMessage
    message_begin,        // C_SignMessageBegin
    sign_message,         // C_SignMessageNext
    message_final,        // C_MessageSignFinal
    message_init,         // C_MessageVerifyInit
    verify_message,       // C_VerifyMessage
    message_begin,        // C_VerifyMessageBegin
    verify_message,       // C_VerifyMessageNext
    message_final,        // C_MessageVerifyFinal
};

std::array<CK_CHAR, 8> g_name = {'P', 'K', 'C', 'S', ' ', '1', '1', '\0'};

// The default first.
std::array<CK_INTERFACE, 2> interfaces() {
  CK_FUNCTION_LIST_PTR list_2_40 = nullptr;
  (void)C_GetFunctionList(&list_2_40);
  return {CK_INTERFACE{g_name.data(), &g_list_3_0, 0}, CK_INTERFACE{g_name.data(), list_2_40, 0}};
}
std::array<CK_INTERFACE, 2> g_interfaces = interfaces();

CK_VERSION version_of(const CK_INTERFACE& i) { return *static_cast<const CK_VERSION*>(i.pFunctionList); }

}  // namespace

#pragma GCC visibility push(default)
extern "C" {

// Like C_GetFunctionList, callable before C_Initialize.
CK_RV C_GetInterfaceList(CK_INTERFACE_PTR list, CK_ULONG_PTR count) {
  if (count == nullptr) {
    return CKR_ARGUMENTS_BAD;
  }
  if (list == nullptr) {
    *count = g_interfaces.size();
    return CKR_OK;
  }
  if (*count < g_interfaces.size()) {
    *count = g_interfaces.size();
    return CKR_BUFFER_TOO_SMALL;
  }
  std::copy(g_interfaces.begin(), g_interfaces.end(), list);
  *count = g_interfaces.size();
  return CKR_OK;
}

// NULL name: "PKCS 11"; NULL version: the first (3.0); the interface must have every flag asked for.
CK_RV C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, CK_INTERFACE_PTR_PTR iface,
                     CK_FLAGS flags) {
  if (iface == nullptr) {
    return CKR_ARGUMENTS_BAD;
  }
  for (CK_INTERFACE& i : g_interfaces) {
    if (name != nullptr && std::strcmp(reinterpret_cast<const char*>(name),  // NOLINT: C string
                                       reinterpret_cast<const char*>(i.pInterfaceName)) != 0) {
      continue;
    }
    const CK_VERSION v = version_of(i);
    if (version != nullptr && (version->major != v.major || version->minor != v.minor)) {
      continue;
    }
    if ((i.flags & flags) != flags) {
      continue;
    }
    *iface = &i;
    return CKR_OK;
  }
  return CKR_ARGUMENTS_BAD;  // §5.4: no such interface
}

}  // extern "C"
#pragma GCC visibility pop
