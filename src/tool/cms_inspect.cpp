#include "tool/cms_inspect.h"

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <algorithm>

#include "common/openssl_ptr.h"

namespace jpki::tool {
namespace {

Bytes der_of(X509* x) {
  const int len = i2d_X509(x, nullptr);
  if (len <= 0) {
    return {};
  }
  Bytes der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  i2d_X509(x, &p);
  return der;
}

std::string last_openssl_error() {
  const unsigned long e = ERR_peek_last_error();
  std::string why = "verification failed";
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    why = buf;
  }
  ERR_clear_error();
  return why;
}

std::string algorithm_name(const X509_ALGOR* alg) {
  if (alg == nullptr) {
    return "";
  }
  const ASN1_OBJECT* obj = nullptr;
  X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
  const int nid = OBJ_obj2nid(obj);
  if (nid != NID_undef) {
    return OBJ_nid2sn(nid);
  }
  char buf[80];
  OBJ_obj2txt(buf, sizeof buf, obj, 1);
  return buf;
}

int nid_of(const X509_ALGOR* alg) {
  if (alg == nullptr) {
    return NID_undef;
  }
  const ASN1_OBJECT* obj = nullptr;
  X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
  return OBJ_obj2nid(obj);
}

}  // namespace

CmsFacts inspect_detached_cms(ByteView contents, ByteView content) {
  CmsFacts f;
  const unsigned char* p = contents.data();
  const CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(contents.size())));
  if (!cms) {
    f.error = "not a DER CMS ContentInfo";
    ERR_clear_error();
    return f;
  }
  f.parsed = true;
  f.der_size = static_cast<std::size_t>(p - contents.data());
  f.zero_padded = std::all_of(contents.begin() + static_cast<std::ptrdiff_t>(f.der_size), contents.end(),
                              [](std::uint8_t b) { return b == 0; });
  f.signed_data = OBJ_obj2nid(CMS_get0_type(cms.get())) == NID_pkcs7_signed;
  if (!f.signed_data) {
    f.error = "not SignedData";
    return f;
  }
  ASN1_OCTET_STRING** econtent = CMS_get0_content(cms.get());
  f.detached = econtent == nullptr || *econtent == nullptr;
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
  f.signer_count = sk_CMS_SignerInfo_num(signers);
  if (f.signer_count != 1) {
    f.error = "expected one signer, found " + std::to_string(f.signer_count);
    return f;
  }
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(signers, 0);

  const X509StackPtr certs(CMS_get1_certs(cms.get()));
  for (int i = 0; certs && i < sk_X509_num(certs.get()); ++i) {
    X509* x = sk_X509_value(certs.get(), i);
    if (!f.signer_cert_included && CMS_SignerInfo_cert_cmp(si, x) == 0) {
      f.signer_cert_included = true;
      f.signer_cert = der_of(x);
    } else {
      f.other_certs.push_back(der_of(x));
    }
  }

  f.has_signed_attrs = CMS_signed_get_attr_count(si) > 0;
  f.has_content_type = CMS_signed_get_attr_by_NID(si, NID_pkcs9_contentType, -1) >= 0;
  const int md_at = CMS_signed_get_attr_by_NID(si, NID_pkcs9_messageDigest, -1);
  f.has_message_digest = md_at >= 0;
  if (f.has_message_digest) {
    const auto* os = static_cast<const ASN1_OCTET_STRING*>(
        X509_ATTRIBUTE_get0_data(CMS_signed_get_attr(si, md_at), 0, V_ASN1_OCTET_STRING, nullptr));
    if (os != nullptr) {
      f.message_digest.assign(os->data, os->data + os->length);
    }
  }
  X509_ALGOR* dig = nullptr;
  X509_ALGOR* sig = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, &sig);
  f.digest_algorithm = algorithm_name(dig);
  f.signature_algorithm = algorithm_name(sig);
  f.digest_is_sha256 = nid_of(dig) == NID_sha256;
  f.signature_is_rsa = nid_of(sig) == NID_rsaEncryption || nid_of(sig) == NID_sha256WithRSAEncryption;
  f.has_timestamp_token = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1) >= 0;

  // The signature over the signed attributes and their messageDigest over the
  // content; the certificate chain is judged separately (pdf_verify).
  const BioPtr data(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  f.signature_valid = CMS_verify(cms.get(), nullptr, nullptr, data.get(), nullptr,
                                 CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
  if (!f.signature_valid) {
    f.error = last_openssl_error();
  }
  return f;
}

}  // namespace jpki::tool
