#include "pkcs11_client.h"

#include <dlfcn.h>

#include <array>
#include <cstdio>

namespace jpki::bench {

namespace {
std::string rv_text(CK_RV rv) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "0x%08lX", rv);
  return buf.data();
}

CK_UTF8CHAR_PTR utf8(const std::string& s) {
  // PKCS#11 takes non-const PIN pointers but never writes through them.
  return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(s.data()));  // NOLINT
}
}  // namespace

Pkcs11Error::Pkcs11Error(const std::string& call, CK_RV rv)
    : std::runtime_error(call + " -> " + rv_text(rv)), rv_(rv) {}

void check(CK_RV rv, const char* call) {
  if (rv != CKR_OK) throw Pkcs11Error(call, rv);
}

void Module::Closer::operator()(void* handle) const {
  if (handle != nullptr) dlclose(handle);
}

Module::Module(const std::string& path) : path_(path), handle_(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
  if (!handle_) throw std::runtime_error("dlopen " + path + ": " + dlerror());
  auto* get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle_.get(), "C_GetFunctionList"));  // NOLINT
  if (get == nullptr) throw std::runtime_error(path + " has no C_GetFunctionList");
  check(get(&functions_), "C_GetFunctionList");
}

Module::~Module() = default;

Initialized::Initialized(const Module& m) : module_(m) {
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  check(m.f()->C_Initialize(&args), "C_Initialize");
}

Initialized::~Initialized() { module_.f()->C_Finalize(nullptr); }

std::vector<CK_SLOT_ID> slots_with_label(const Module& m, const std::string& label_part) {
  CK_ULONG count = 0;
  check(m.f()->C_GetSlotList(CK_TRUE, nullptr, &count), "C_GetSlotList");
  std::vector<CK_SLOT_ID> slots(count);
  check(m.f()->C_GetSlotList(CK_TRUE, slots.data(), &count), "C_GetSlotList");
  slots.resize(count);
  std::vector<CK_SLOT_ID> out;
  for (CK_SLOT_ID s : slots) {
    CK_TOKEN_INFO info{};
    check(m.f()->C_GetTokenInfo(s, &info), "C_GetTokenInfo");
    const std::string label(reinterpret_cast<const char*>(info.label), sizeof info.label);  // NOLINT
    if (label.find(label_part) != std::string::npos) out.push_back(s);
  }
  return out;
}

std::vector<unsigned char> attribute(const Module& m, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE obj,
                                     CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  if (m.f()->C_GetAttributeValue(session, obj, &a, 1) != CKR_OK ||
      a.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
    return {};
  }
  std::vector<unsigned char> value(a.ulValueLen);
  a.pValue = value.data();
  check(m.f()->C_GetAttributeValue(session, obj, &a, 1), "C_GetAttributeValue");
  value.resize(a.ulValueLen);
  return value;
}

std::size_t read_all_certificates(const Module& m, CK_SESSION_HANDLE session) {
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  CK_ATTRIBUTE tmpl{CKA_CLASS, &cls, sizeof cls};
  check(m.f()->C_FindObjectsInit(session, &tmpl, 1), "C_FindObjectsInit");
  std::array<CK_OBJECT_HANDLE, 16> found{};
  CK_ULONG n = 0;
  check(m.f()->C_FindObjects(session, found.data(), found.size(), &n), "C_FindObjects");
  check(m.f()->C_FindObjectsFinal(session), "C_FindObjectsFinal");
  std::size_t bytes = 0;
  for (CK_ULONG i = 0; i < n; ++i) {
    for (CK_ATTRIBUTE_TYPE t : {CKA_LABEL, CKA_ID, CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_VALUE}) {
      bytes += attribute(m, session, found[i], t).size();
    }
  }
  return bytes;
}

std::optional<CK_OBJECT_HANDLE> find_object(const Module& m, CK_SESSION_HANDLE session, CK_OBJECT_CLASS cls,
                                            unsigned char id) {
  std::array<CK_ATTRIBUTE, 2> tmpl{{{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, &id, 1}}};
  check(m.f()->C_FindObjectsInit(session, tmpl.data(), tmpl.size()), "C_FindObjectsInit");
  CK_OBJECT_HANDLE obj = 0;
  CK_ULONG n = 0;
  check(m.f()->C_FindObjects(session, &obj, 1, &n), "C_FindObjects");
  check(m.f()->C_FindObjectsFinal(session), "C_FindObjectsFinal");
  if (n == 0) return std::nullopt;
  return obj;
}

std::vector<unsigned char> sign_sha256(const Module& m, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key,
                                       const std::string& pin, const std::string& message) {
  CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
  check(m.f()->C_SignInit(session, &mech, key), "C_SignInit");
  const auto always = attribute(m, session, key, CKA_ALWAYS_AUTHENTICATE);
  if (!always.empty() && always[0] == CK_TRUE) {
    check(m.f()->C_Login(session, CKU_CONTEXT_SPECIFIC, utf8(pin), pin.size()), "C_Login(CONTEXT_SPECIFIC)");
  }
  std::vector<unsigned char> sig(512);
  CK_ULONG len = sig.size();
  auto* data = reinterpret_cast<CK_BYTE_PTR>(const_cast<char*>(message.data()));  // NOLINT
  check(m.f()->C_Sign(session, data, message.size(), sig.data(), &len), "C_Sign");
  sig.resize(len);
  return sig;
}

}  // namespace jpki::bench
