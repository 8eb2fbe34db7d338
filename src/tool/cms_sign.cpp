#include "tool/cms_sign.h"

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "common/openssl_ptr.h"

namespace jpki::tool {
namespace {

X509Ptr parse_cert(ByteView der) {
  const unsigned char* p = der.data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) {
    throw std::runtime_error("not an X.509 certificate");
  }
  return x;
}

void ossl(int ok, const char* what) {
  if (ok <= 0) {
    throw std::runtime_error(std::string("OpenSSL: ") + what);
  }
}

Bytes sha256(ByteView data) {
  Bytes md(32);
  unsigned int len = 0;
  ossl(EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr), "SHA-256");
  return md;
}

void append_der_length(Bytes& out, std::size_t len) {
  if (len < 0x80) {
    out.push_back(static_cast<std::uint8_t>(len));
    return;
  }
  Bytes be;
  for (std::size_t v = len; v != 0; v >>= 8) {
    be.insert(be.begin(), static_cast<std::uint8_t>(v & 0xFF));
  }
  out.push_back(static_cast<std::uint8_t>(0x80 | be.size()));
  out.insert(out.end(), be.begin(), be.end());
}

// The signed attributes as RFC 5652 §5.4 has them signed: a DER SET OF
// (tag 31, elements in ascending byte order).
Bytes signed_attributes_der(CMS_SignerInfo* si) {
  std::vector<Bytes> parts;
  for (int i = 0; i < CMS_signed_get_attr_count(si); ++i) {
    X509_ATTRIBUTE* attr = CMS_signed_get_attr(si, i);
    const int len = i2d_X509_ATTRIBUTE(attr, nullptr);
    ossl(len, "attribute encoding");
    Bytes der(static_cast<std::size_t>(len));
    unsigned char* p = der.data();
    i2d_X509_ATTRIBUTE(attr, &p);
    parts.push_back(std::move(der));
  }
  std::sort(parts.begin(), parts.end());
  Bytes body;
  for (const auto& p : parts) {
    body.insert(body.end(), p.begin(), p.end());
  }
  Bytes out{0x31};
  append_der_length(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace

Bytes make_detached_cms(ByteView content, ByteView signer_cert_der,
                        const std::function<Bytes(ByteView)>& sign) {
  return make_detached_cms_for_digest(sha256(content), signer_cert_der, sign);
}

Bytes make_detached_cms_for_digest(ByteView content_sha256, ByteView signer_cert_der,
                                   const std::function<Bytes(ByteView)>& sign) {
  if (content_sha256.size() != 32) {
    throw std::invalid_argument("not a SHA-256 digest");
  }
  auto cert = parse_cert(signer_cert_der);
  const CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY));
  if (!cms) {
    throw std::runtime_error("CMS_sign");
  }
  // The certificate's public key stands in for the private key, which never leaves the card.
  CMS_SignerInfo* si = CMS_add1_signer(cms.get(), cert.get(), X509_get0_pubkey(cert.get()), EVP_sha256(),
                                       CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP);
  if (si == nullptr) {
    throw std::runtime_error("CMS_add1_signer");
  }
  ossl(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT, OBJ_nid2obj(NID_pkcs7_data), -1),
       "contentType");
  const Asn1TimePtr now(X509_gmtime_adj(nullptr, 0));
  ossl(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, now->type, now.get(), -1), "signingTime");
  ossl(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, content_sha256.data(),
                                   static_cast<int>(content_sha256.size())),
       "messageDigest");
  const Bytes attrs_hash = sha256(signed_attributes_der(si));
  Bytes digest_info = from_hex("30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20");
  digest_info.insert(digest_info.end(), attrs_hash.begin(), attrs_hash.end());
  const Bytes signature = sign(digest_info);
  ossl(ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), signature.data(),
                       static_cast<int>(signature.size())),
       "signature");
  ossl(CMS_set_detached(cms.get(), 1), "detached");
  const int len = i2d_CMS_ContentInfo(cms.get(), nullptr);
  ossl(len, "CMS encoding");
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_CMS_ContentInfo(cms.get(), &p);
  return out;
}

bool verify_detached_cms(ByteView content, ByteView cms_der, const std::vector<Bytes>& ca_ders,
                         std::string& error) {
  const unsigned char* p = cms_der.data();
  const CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(cms_der.size())));
  if (!cms) {
    error = "not a CMS signature";
    return false;
  }
  const X509StorePtr store(X509_STORE_new());
  for (const auto& der : ca_ders) {
    X509_STORE_add_cert(store.get(), parse_cert(der).get());
  }
  // JPKI certificates carry no S/MIME purpose: check the chain and the signature.
  X509_STORE_set_purpose(store.get(), X509_PURPOSE_ANY);
  const BioPtr data(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  if (CMS_verify(cms.get(), nullptr, store.get(), data.get(), nullptr, CMS_BINARY) == 1) {
    return true;
  }
  const unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  error = buf;
  ERR_clear_error();
  return false;
}

}  // namespace jpki::tool
