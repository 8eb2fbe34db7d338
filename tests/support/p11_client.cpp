#include "tests/support/p11_client.h"

#include <dlfcn.h>

#include <array>
#include <cstdio>

namespace jpki::test {

namespace {
CK_UTF8CHAR_PTR utf8(std::string& s) {
  return reinterpret_cast<CK_UTF8CHAR_PTR>(s.data());  // NOLINT: PKCS#11 text is bytes
}
}  // namespace

std::string rv_text(CK_RV rv) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "0x%08lX", rv);
  return buf.data();
}

Pkcs11Error::Pkcs11Error(const std::string& call, CK_RV rv)
    : std::runtime_error(call + " -> " + rv_text(rv)), rv_(rv) {}

void check(CK_RV rv, const char* call) {
  if (rv != CKR_OK) throw Pkcs11Error(call, rv);
}

P11Module::P11Module(const std::string& path, bool unload)
    : path_(path), handle_(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)), unload_(unload) {
  if (handle_ == nullptr) throw std::runtime_error("dlopen " + path + ": " + dlerror());
  auto* get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle_, "C_GetFunctionList"));  // NOLINT
  if (get == nullptr) throw std::runtime_error(path + " has no C_GetFunctionList");
  check(get(&functions_), "C_GetFunctionList");
}

P11Module::~P11Module() {
  if (unload_ && handle_ != nullptr) dlclose(handle_);
}

Initialized::Initialized(CK_FUNCTION_LIST* f) : f_(f) {
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  check(f_->C_Initialize(&args), "C_Initialize");
}

Initialized::~Initialized() { f_->C_Finalize(nullptr); }

std::vector<CK_SLOT_ID> slots_with_label(CK_FUNCTION_LIST* f, const std::string& label_part) {
  CK_ULONG count = 0;
  check(f->C_GetSlotList(CK_TRUE, nullptr, &count), "C_GetSlotList");
  std::vector<CK_SLOT_ID> slots(count);
  check(f->C_GetSlotList(CK_TRUE, slots.data(), &count), "C_GetSlotList");
  slots.resize(count);
  std::vector<CK_SLOT_ID> out;
  for (CK_SLOT_ID s : slots) {
    CK_TOKEN_INFO info{};
    check(f->C_GetTokenInfo(s, &info), "C_GetTokenInfo");
    const std::string label(reinterpret_cast<const char*>(info.label), sizeof info.label);  // NOLINT
    if (label.find(label_part) != std::string::npos) out.push_back(s);
  }
  return out;
}

CK_RV find_objects(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, std::optional<CK_OBJECT_CLASS> cls,
                   std::optional<unsigned char> id, std::vector<CK_OBJECT_HANDLE>& found) {
  std::vector<CK_ATTRIBUTE> tmpl;
  CK_OBJECT_CLASS c = cls.value_or(0);
  unsigned char i = id.value_or(0);
  if (cls) tmpl.push_back({CKA_CLASS, &c, sizeof c});
  if (id) tmpl.push_back({CKA_ID, &i, 1});
  found.clear();
  if (const CK_RV rv = f->C_FindObjectsInit(s, tmpl.data(), tmpl.size()); rv != CKR_OK) return rv;
  std::vector<CK_OBJECT_HANDLE> out(32);
  CK_ULONG n = 0;
  const CK_RV rv = f->C_FindObjects(s, out.data(), out.size(), &n);
  const CK_RV final_rv = f->C_FindObjectsFinal(s);
  if (rv != CKR_OK) return rv;
  out.resize(n);
  found = std::move(out);
  return final_rv;
}

CK_RV attribute_value(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                      Bytes& value) {
  value.clear();
  CK_ATTRIBUTE a{type, nullptr, 0};
  if (const CK_RV rv = f->C_GetAttributeValue(s, o, &a, 1); rv != CKR_OK) return rv;
  if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION) return CKR_OK;
  value.resize(a.ulValueLen);
  a.pValue = value.data();
  const CK_RV rv = f->C_GetAttributeValue(s, o, &a, 1);
  value.resize(rv == CKR_OK ? a.ulValueLen : 0);
  return rv;
}

CK_RV sign_once(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE key,
                const Bytes& data, Bytes& sig, const std::string& context_pin) {
  CK_MECHANISM m{mech, nullptr, 0};
  CK_RV rv = f->C_SignInit(s, &m, key);
  if (rv != CKR_OK) return rv;
  if (!context_pin.empty()) {
    std::string pin = context_pin;
    rv = f->C_Login(s, CKU_CONTEXT_SPECIFIC, utf8(pin), pin.size());
    if (rv != CKR_OK) return rv;
  }
  sig.assign(512, 0);
  CK_ULONG len = sig.size();
  Bytes in = data;
  rv = f->C_Sign(s, in.data(), in.size(), sig.data(), &len);
  sig.resize(rv == CKR_OK ? len : 0);
  return rv;
}

}  // namespace jpki::test
