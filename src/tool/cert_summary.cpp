#include "tool/cert_summary.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>
#include <stdexcept>

#include "common/openssl_ptr.h"

namespace jpki::tool {
namespace {
X509Ptr parse(ByteView der) {
  const unsigned char* p = der.data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) {
    throw std::runtime_error("not an X.509 certificate");
  }
  return x;
}

std::string name_line(const X509_NAME* name) {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}
}  // namespace

CertSummary summarize(ByteView der) {
  const X509Ptr x = parse(der);
  CertSummary s;
  s.subject = name_line(X509_get_subject_name(x.get()));
  s.issuer = name_line(X509_get_issuer_name(x.get()));
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(x.get()), &tm) != 1) {
    throw std::runtime_error("bad notAfter");
  }
  // Certificates end at 23:59:59 JST; shown as the holder's calendar date.
  const time_t t = timegm(&tm) + 9 * 3600;
  std::tm jst{};
  gmtime_r(&t, &jst);
  s.not_after = Date{jst.tm_year + 1900, jst.tm_mon + 1, jst.tm_mday};
  return s;
}

std::string to_pem(ByteView der) {
  const X509Ptr x = parse(der);
  const BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), x.get());
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::vector<Bytes> certificates_from_pem(ByteView pem) {
  std::vector<Bytes> out;
  const BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (X509* raw = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    const X509Ptr x(raw);
    const int len = i2d_X509(x.get(), nullptr);
    if (len <= 0) {
      continue;
    }
    Bytes der(static_cast<std::size_t>(len));
    unsigned char* p = der.data();
    i2d_X509(x.get(), &p);
    out.push_back(std::move(der));
  }
  return out;
}

}  // namespace jpki::tool
