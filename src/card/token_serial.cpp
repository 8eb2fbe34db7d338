#include "card/token_serial.h"

#include <openssl/sha.h>
#include <openssl/x509.h>

#include "common/openssl_ptr.h"

namespace jpki::card {

namespace {
constexpr std::size_t kSerialChars = 16;

std::string hex_digits(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (const std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0F]);
  }
  return out;
}
}  // namespace

std::optional<std::string> certificate_serial_hex(ByteView der) {
  const unsigned char* p = der.data();
  const X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) {
    return std::nullopt;
  }
  const ASN1_INTEGER* serial = X509_get0_serialNumber(x.get());
  const int len = ASN1_STRING_length(serial);
  if (len <= 0) {
    return std::nullopt;
  }
  std::string hex = hex_digits(ByteView(ASN1_STRING_get0_data(serial), static_cast<std::size_t>(len)));
  if (hex.size() > kSerialChars) {
    hex.erase(0, hex.size() - kSerialChars);
  }
  return hex;
}

std::string token_serial(const TokenInfo& info, const PublicCertificate& certificate) {
  if (!info.serial.empty()) {
    return info.serial;
  }
  if (!auth_certificate_needs_pin(info.model)) {
    if (const auto der = certificate(CertKind::kAuth)) {
      if (auto hex = certificate_serial_hex(*der)) {
        return *hex;
      }
    }
  }
  Bytes input = info.raw;
  if (const auto ca = certificate(CertKind::kAuthCa)) {
    input.insert(input.end(), ca->begin(), ca->end());
  }
  Bytes digest(SHA256_DIGEST_LENGTH);
  SHA256(input.data(), input.size(), digest.data());
  return hex_digits(ByteView(digest).first(kSerialChars / 2));
}

}  // namespace jpki::card
