#include "tool/holder_name.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace jpki::tool {
namespace {

constexpr const char* kJpkiNameOid = "1.2.392.200149.8.5.5.1";

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct NamesFree {
  void operator()(GENERAL_NAMES* n) const { GENERAL_NAMES_free(n); }
};

std::string utf8(const ASN1_STRING* s) {
  unsigned char* out = nullptr;
  const int len = ASN1_STRING_to_UTF8(&out, s);
  if (len < 0) {
    return "";
  }
  std::string r(reinterpret_cast<const char*>(out), static_cast<std::size_t>(len));  // NOLINT
  OPENSSL_free(out);
  return r;
}

std::string jpki_name(X509* x) {
  std::unique_ptr<GENERAL_NAMES, NamesFree> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) {
    return "";
  }
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> want(OBJ_txt2obj(kJpkiNameOid, 1),
                                                                 ASN1_OBJECT_free);
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
    if (gn->type != GEN_OTHERNAME || OBJ_cmp(gn->d.otherName->type_id, want.get()) != 0) {
      continue;
    }
    const ASN1_TYPE* v = gn->d.otherName->value;
    if (v != nullptr && v->type != V_ASN1_OBJECT && v->type != V_ASN1_NULL && v->type != V_ASN1_BOOLEAN &&
        v->type != V_ASN1_SEQUENCE && v->type != V_ASN1_SET) {
      return utf8(v->value.asn1_string);
    }
  }
  return "";
}

}  // namespace

std::string holder_name(ByteView cert_der) {
  const unsigned char* p = cert_der.data();
  std::unique_ptr<X509, X509Free> x(d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())));
  if (!x) {
    throw std::runtime_error("not an X.509 certificate");
  }
  if (std::string name = jpki_name(x.get()); !name.empty()) {
    return name;
  }
  const X509_NAME* subject = X509_get_subject_name(x.get());
  const int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at < 0) {
    return "";
  }
  return utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at)));
}

}  // namespace jpki::tool
