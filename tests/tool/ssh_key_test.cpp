// jpki-tool ssh-key: the RFC 4253 "ssh-rsa" blob and the authorized_keys line, checked field
// by field against the key OpenSSL generated (the e2e test also compares with ssh-keygen).
#include "tool/ssh_key.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <stdexcept>
#include <string>

#include "common/openssl_ptr.h"

namespace jpki::tool {
namespace {

// A self-signed certificate for `key`, valid until 2031-11-23 14:59:59 UTC (23:59:59 JST).
Bytes certificate_for(EVP_PKEY* key) {
  const X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("test"), -1, -1, 0);  // NOLINT
  X509_set_issuer_name(x.get(), X509_get_subject_name(x.get()));
  ASN1_TIME_set_string(X509_getm_notBefore(x.get()), "20261123000000Z");
  ASN1_TIME_set_string(X509_getm_notAfter(x.get()), "20311123145959Z");
  X509_set_pubkey(x.get(), key);
  EXPECT_GT(X509_sign(x.get(), key, EVP_sha256()), 0);
  const int len = i2d_X509(x.get(), nullptr);
  Bytes der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  i2d_X509(x.get(), &p);
  return der;
}

// Reads RFC 4251 fields back from a blob.
struct Reader {
  ByteView in;
  std::size_t pos = 0;
  Bytes field() {
    EXPECT_LE(pos + 4, in.size());
    const std::size_t n = (std::size_t{in[pos]} << 24) | (std::size_t{in[pos + 1]} << 16) |
                          (std::size_t{in[pos + 2]} << 8) | std::size_t{in[pos + 3]};
    pos += 4;
    EXPECT_LE(pos + n, in.size());
    Bytes out(in.begin() + static_cast<std::ptrdiff_t>(pos),
              in.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
    return out;
  }
};

Bytes magnitude(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &raw), 1);
  const BignumPtr bn(raw);
  Bytes out(static_cast<std::size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), out.data());
  return out;
}

TEST(SshKey, BlobIsTypeThenExponentThenModulusAsMpints) {
  const Pkey key(EVP_RSA_gen(2048));
  ASSERT_TRUE(key);
  const Bytes blob = ssh_rsa_blob(certificate_for(key.get()));
  Reader r{blob};
  const Bytes type = r.field();
  EXPECT_EQ(std::string(type.begin(), type.end()), "ssh-rsa");
  EXPECT_EQ(r.field(), (Bytes{0x01, 0x00, 0x01})) << "e = 65537, top bit clear: no padding byte";
  const Bytes n = r.field();
  const Bytes want = magnitude(key.get(), OSSL_PKEY_PARAM_RSA_N);
  ASSERT_EQ(want.size(), 256U);
  ASSERT_EQ(n.size(), 257U) << "a 2048-bit modulus has its top bit set: one zero byte in front";
  EXPECT_EQ(n.front(), 0);
  EXPECT_EQ(Bytes(n.begin() + 1, n.end()), want);
  EXPECT_EQ(r.pos, blob.size()) << "nothing after the modulus";
}

TEST(SshKey, LineCarriesTheBlobInBase64AndTheExpiryInJst) {
  const Pkey key(EVP_RSA_gen(2048));
  ASSERT_TRUE(key);
  const Bytes cert = certificate_for(key.get());
  const std::string line = authorized_keys_line(cert);
  const std::string tail = " My Number Card (JPKI user authentication, expires 2031-11-23)";
  ASSERT_GT(line.size(), tail.size());
  EXPECT_EQ(line.rfind("ssh-rsa AAAAB3NzaC1yc2E", 0), 0U) << line;  // base64 of "\0\0\0\7ssh-rsa"
  EXPECT_EQ(line.substr(line.size() - tail.size()), tail);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const std::string b64 = line.substr(8, line.size() - tail.size() - 8);
  Bytes decoded(b64.size());
  const int len =
      EVP_DecodeBlock(decoded.data(), reinterpret_cast<const unsigned char*>(b64.data()),  // NOLINT
                      static_cast<int>(b64.size()));
  const Bytes blob = ssh_rsa_blob(cert);
  ASSERT_GE(len, static_cast<int>(blob.size()));
  EXPECT_EQ(Bytes(decoded.begin(), decoded.begin() + static_cast<std::ptrdiff_t>(blob.size())), blob);
}

TEST(SshKey, RefusesWhatIsNotAnRsaCertificate) {
  const Pkey ec(EVP_EC_gen("P-256"));
  ASSERT_TRUE(ec);
  EXPECT_THROW(ssh_rsa_blob(certificate_for(ec.get())), std::invalid_argument);
  const Bytes garbage{0x30, 0x03, 0x02, 0x01, 0x00};
  EXPECT_THROW(ssh_rsa_blob(garbage), std::invalid_argument);
}

}  // namespace
}  // namespace jpki::tool
