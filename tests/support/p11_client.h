// A PKCS#11 client for the black-box suite and the benchmark: loads a module
// with dlopen and uses it only through C_GetFunctionList, as any application
// does. The helpers return the first CKR_ code that was not CKR_OK.
#pragma once

#include <p11-kit/pkcs11.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace jpki::test {

using Bytes = std::vector<unsigned char>;

std::string rv_text(CK_RV rv);  // "0x000000A0"

class Pkcs11Error : public std::runtime_error {
 public:
  Pkcs11Error(const std::string& call, CK_RV rv);
  [[nodiscard]] CK_RV rv() const { return rv_; }

 private:
  CK_RV rv_;
};

// Throws Pkcs11Error when rv != CKR_OK.
void check(CK_RV rv, const char* call);

class P11Module {
 public:
  // dlopen(path) and C_GetFunctionList; throws std::runtime_error. `unload`: dlclose
  // when destroyed (off for a module kept until the process exits).
  explicit P11Module(const std::string& path, bool unload = true);
  ~P11Module();
  P11Module(const P11Module&) = delete;
  P11Module& operator=(const P11Module&) = delete;

  [[nodiscard]] CK_FUNCTION_LIST* f() const { return functions_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
  void* handle_ = nullptr;
  bool unload_;
  CK_FUNCTION_LIST* functions_ = nullptr;
};

// C_Initialize (OS locking) ... C_Finalize.
class Initialized {
 public:
  explicit Initialized(CK_FUNCTION_LIST* f);
  ~Initialized();
  Initialized(const Initialized&) = delete;
  Initialized& operator=(const Initialized&) = delete;

 private:
  CK_FUNCTION_LIST* f_;
};

// Slots with a token whose label contains `label_part`.
std::vector<CK_SLOT_ID> slots_with_label(CK_FUNCTION_LIST* f, const std::string& label_part);

// C_FindObjectsInit (CKA_CLASS and CKA_ID when given), C_FindObjects, C_FindObjectsFinal.
CK_RV find_objects(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, std::optional<CK_OBJECT_CLASS> cls,
                   std::optional<unsigned char> id, std::vector<CK_OBJECT_HANDLE>& found);

// The two-call C_GetAttributeValue: the length, then the value. An unavailable
// value (CK_UNAVAILABLE_INFORMATION with CKR_OK) is empty.
CK_RV attribute_value(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                      Bytes& value);

// C_SignInit, C_Login(CKU_CONTEXT_SPECIFIC) when `context_pin` is given, C_Sign.
CK_RV sign_once(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE key,
                const Bytes& data, Bytes& sig, const std::string& context_pin = "");

}  // namespace jpki::test
