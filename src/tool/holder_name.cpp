#include "tool/holder_name.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>

#include "common/openssl_ptr.h"

namespace jpki::tool {
namespace {

constexpr const char* kJpkiNameOid = "1.2.392.200149.8.5.5.1";

std::string utf8(const ASN1_STRING* s) {
  unsigned char* out = nullptr;
  const int len = ASN1_STRING_to_UTF8(&out, s);
  if (len < 0) {
    return "";
  }
  const OpensslBytes owned(out);
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(len));  // NOLINT
}

std::string jpki_name(X509* x) {
  const GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) {
    return "";
  }
  const Asn1ObjectPtr want(OBJ_txt2obj(kJpkiNameOid, 1));
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
  const X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())));
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
