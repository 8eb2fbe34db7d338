// A minimal PKCS#11 client for the benchmark: loads a module with dlopen and
// drives it only through C_GetFunctionList, like any application would.
#pragma once

#include <p11-kit/pkcs11.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace jpki::bench {

class Pkcs11Error : public std::runtime_error {
 public:
  Pkcs11Error(const std::string& call, CK_RV rv);
  [[nodiscard]] CK_RV rv() const { return rv_; }

 private:
  CK_RV rv_;
};

// Throws Pkcs11Error when rv != CKR_OK.
void check(CK_RV rv, const char* call);

class Module {
 public:
  explicit Module(const std::string& path);
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  [[nodiscard]] CK_FUNCTION_LIST* f() const { return functions_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  struct Closer {
    void operator()(void* handle) const;
  };
  std::string path_;
  std::unique_ptr<void, Closer> handle_;
  CK_FUNCTION_LIST* functions_ = nullptr;
};

// C_Initialize (OS locking) ... C_Finalize.
class Initialized {
 public:
  explicit Initialized(const Module& m);
  ~Initialized();
  Initialized(const Initialized&) = delete;
  Initialized& operator=(const Initialized&) = delete;

 private:
  const Module& module_;
};

// Slots with a token whose label contains `label_part`.
std::vector<CK_SLOT_ID> slots_with_label(const Module& m, const std::string& label_part);

// Reads every attribute a browser reads of every certificate in the session.
std::size_t read_all_certificates(const Module& m, CK_SESSION_HANDLE session);

std::optional<CK_OBJECT_HANDLE> find_object(const Module& m, CK_SESSION_HANDLE session, CK_OBJECT_CLASS cls,
                                            unsigned char id);

std::vector<unsigned char> attribute(const Module& m, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE obj,
                                     CK_ATTRIBUTE_TYPE type);

// One SHA256-RSA-PKCS signature; does the context-specific login when the key asks for it.
std::vector<unsigned char> sign_sha256(const Module& m, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key,
                                       const std::string& pin, const std::string& message);

}  // namespace jpki::bench
