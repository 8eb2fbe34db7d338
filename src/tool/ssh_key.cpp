#include "tool/ssh_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <stdexcept>

#include "common/openssl_ptr.h"
#include "tool/cert_summary.h"

namespace jpki::tool {
namespace {

void put_u32(Bytes& out, std::size_t n) {
  if (n > 0xFFFFFFFFU) {
    throw std::invalid_argument("ssh field too long");
  }
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>((n >> shift) & 0xFFU));
  }
}

// RFC 4251 string: uint32 length, then the bytes.
void put_string(Bytes& out, const std::string& s) {
  put_u32(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

// RFC 4251 mpint (non-negative here): big-endian, no leading zero bytes, but one zero byte in
// front when the top bit is set, so the number does not read as negative; zero is empty.
void put_mpint(Bytes& out, const BIGNUM* bn) {
  Bytes mag(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, mag.data());
  const bool pad = !mag.empty() && (mag.front() & 0x80U) != 0;
  put_u32(out, mag.size() + (pad ? 1 : 0));
  if (pad) {
    out.push_back(0);
  }
  out.insert(out.end(), mag.begin(), mag.end());
}

BignumPtr rsa_param(const EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) {
    throw std::invalid_argument("RSA key without its parameters");
  }
  return BignumPtr(bn);
}

}  // namespace

Bytes ssh_rsa_blob(ByteView cert_der) {
  const unsigned char* p = cert_der.data();
  const X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())));
  if (!x) {
    throw std::invalid_argument("not an X.509 certificate");
  }
  const EVP_PKEY* key = X509_get0_pubkey(x.get());
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    throw std::invalid_argument("the certificate's key is not RSA");
  }
  const BignumPtr e = rsa_param(key, OSSL_PKEY_PARAM_RSA_E);
  const BignumPtr n = rsa_param(key, OSSL_PKEY_PARAM_RSA_N);
  Bytes blob;
  put_string(blob, "ssh-rsa");
  put_mpint(blob, e.get());
  put_mpint(blob, n.get());
  return blob;
}

std::string authorized_keys_line(ByteView cert_der) {
  const Bytes blob = ssh_rsa_blob(cert_der);
  std::string b64(4 * ((blob.size() + 2) / 3) + 1, '\0');
  const int len =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),  // NOLINT: OpenSSL wants bytes
                      blob.data(), static_cast<int>(blob.size()));
  b64.resize(static_cast<std::size_t>(len));
  return "ssh-rsa " + b64 + " My Number Card (JPKI user authentication, expires " +
         to_string(summarize(cert_der).not_after) + ")";
}

}  // namespace jpki::tool
