// Makes a new virtual card: two test CAs, two RSA-2048 holder keys and
// certificates, token info, PINs and counters, written to the state directory.
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <ctime>
#include <fstream>
#include <stdexcept>

#include "apdu/jpki.h"
#include "sim/card_state.h"

namespace jpki::sim {
namespace {

namespace fs = std::filesystem;

void ossl(int ok, const char* what) {
  if (ok <= 0) {
    throw std::runtime_error(std::string("OpenSSL: ") + what);
  }
}

Pkey new_rsa_key() {
  Pkey k(EVP_RSA_gen(2048));
  if (!k) {
    throw std::runtime_error("RSA key generation failed");
  }
  return k;
}

std::string random_digits(std::size_t n) {
  std::string s;
  std::array<unsigned char, 64> buf{};
  ossl(RAND_bytes(buf.data(), static_cast<int>(buf.size())), "RAND_bytes");
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(static_cast<char>('0' + buf[i] % 10));
  }
  return s;
}

time_t parse_date(const std::string& ymd) {
  std::tm tm{};
  if (std::sscanf(ymd.c_str(), "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3) {
    throw std::invalid_argument("date must be YYYY-MM-DD: " + ymd);
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_hour = 14;  // 23:59:59 JST is 14:59:59 UTC
  tm.tm_min = 59;
  tm.tm_sec = 59;
  return timegm(&tm);
}

X509NamePtr make_name(const std::vector<std::pair<const char*, std::string>>& parts) {
  X509NamePtr name(X509_NAME_new());
  for (const auto& [field, value] : parts) {
    ossl(X509_NAME_add_entry_by_txt(name.get(), field, MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0),
         "name entry");
  }
  return name;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  const X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext) {
    throw std::runtime_error(std::string("extension ") + value);
  }
  ossl(X509_add_ext(cert, ext.get(), -1), "add extension");
}

// SAN otherName entries with the JPKI OIDs 1.2.392.200149.8.5.5.x, UTF8String values.
void add_personal_data(X509* cert) {
  const std::array<std::pair<const char*, const char*>, 6> fields{{
      {"1.2.392.200149.8.5.5.1", "試験 太郎"},                           // name
      {"1.2.392.200149.8.5.5.2", "シケン タロウ"},                       // name (alternative)
      {"1.2.392.200149.8.5.5.3", "1"},                                   // sex
      {"1.2.392.200149.8.5.5.4", "S450101"},                             // birth date
      {"1.2.392.200149.8.5.5.5", "東京都千代田区霞が関二丁目一番二号"},  // address
      {"1.2.392.200149.8.5.5.6", "トウキョウト チヨダク"},               // address (alternative)
  }};
  const GeneralNamesPtr names(GENERAL_NAMES_new());
  for (const auto& [oid, value] : fields) {
    ASN1_OBJECT* obj = OBJ_txt2obj(oid, 1);
    ASN1_TYPE* type = ASN1_TYPE_new();
    ASN1_UTF8STRING* str = ASN1_UTF8STRING_new();
    ASN1_STRING_set(str, value, -1);
    ASN1_TYPE_set(type, V_ASN1_UTF8STRING, str);
    GENERAL_NAME* gen = GENERAL_NAME_new();
    ossl(GENERAL_NAME_set0_othername(gen, obj, type), "othername");
    sk_GENERAL_NAME_push(names.get(), gen);
  }
  ossl(X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, 0), "SAN");
}

X509Ptr make_cert(const X509_NAME* subject, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                  time_t not_before, time_t not_after) {
  X509Ptr cert(X509_new());
  ossl(X509_set_version(cert.get(), 2), "version");
  std::array<unsigned char, 8> serial{};
  ossl(RAND_bytes(serial.data(), serial.size()), "serial");
  serial[0] &= 0x7F;
  const BignumPtr bn(BN_bin2bn(serial.data(), serial.size(), nullptr));
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), not_before);
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), not_after);
  ossl(X509_set_subject_name(cert.get(), subject), "subject");
  ossl(X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : subject),
       "issuer");
  ossl(X509_set_pubkey(cert.get(), key), "pubkey");
  add_ext(cert.get(), issuer != nullptr ? issuer : cert.get(), NID_subject_key_identifier, "hash");
  if (issuer != nullptr) {
    add_ext(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
  }
  (void)issuer_key;
  return cert;
}

void sign_cert(X509* cert, EVP_PKEY* key) { ossl(X509_sign(cert, key, EVP_sha256()) > 0, "X509_sign"); }

Bytes der_of(X509* cert) {
  const int len = i2d_X509(cert, nullptr);
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_X509(cert, &p);
  return out;
}

// Certificate EFs on the card are fixed-size files: the DER, then FF filler.
Bytes as_cert_file(const Bytes& der) {
  Bytes file = der;
  file.resize(std::max<std::size_t>(der.size() + 16, 2048), 0xFF);
  return file;
}

void write_file(const fs::path& p, ByteView data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out) {
    throw std::runtime_error("cannot write " + p.string());
  }
}

void write_pem_key(const fs::path& p, EVP_PKEY* key) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(p.c_str(), "w"), std::fclose);
  if (!f) {
    throw std::runtime_error("cannot write " + p.string());
  }
  ossl(PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr, nullptr), "PEM key");
}

void write_pem_cert(const fs::path& p, X509* cert) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(p.c_str(), "w"), std::fclose);
  if (!f) {
    throw std::runtime_error("cannot write " + p.string());
  }
  ossl(PEM_write_X509(f.get(), cert), "PEM cert");
}

void put_padded(Bytes& b, std::size_t off, std::size_t len, const std::string& s) {
  for (std::size_t i = 0; i < len; ++i) {
    b[off + i] = i < s.size() ? static_cast<std::uint8_t>(s[i]) : ' ';
  }
}
void put_u32(Bytes& b, std::size_t off, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    b[off + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
  }
}

// EF 0006: a serialised CK_TOKEN_INFO with 4-byte big-endian CK_ULONGs (docs/jpki-card.md §4.1).
Bytes token_info(const std::string& serial) {
  Bytes b(apdu::kTokenInfoSize, 0);
  put_padded(b, 0, 32, "JPKIAPICCTOKEN2");
  put_padded(b, 32, 32, "00000000000000000000000000000001");
  put_padded(b, 64, 16, "JPKISIM1");
  put_padded(b, 80, 16, serial);
  put_u32(b, 96, 0x40D);
  put_u32(b, 100, 1);
  put_u32(b, 104, 0);
  put_u32(b, 108, 1);
  put_u32(b, 112, 0);
  put_u32(b, 116, 16);
  put_u32(b, 120, 6);
  for (std::size_t off = 124; off < 140; off += 4) {
    put_u32(b, off, 0xFFFFFFFF);
  }
  b[140] = '0';
  b[141] = '3';
  b[142] = '0';
  b[143] = '1';
  put_padded(b, 144, 16, "");
  return b;
}

}  // namespace

void create_card(const fs::path& dir, const InitOptions& options) {
  fs::create_directories(dir / "ca");
  const time_t now = std::time(nullptr);
  const time_t not_before = options.not_before.empty() ? now - 86400 : parse_date(options.not_before);
  const time_t not_after = options.not_after.empty() ? now + static_cast<time_t>(5 * 365 + 1) * 86400
                                                     : parse_date(options.not_after);
  const time_t ca_end = std::max(not_after, now) + static_cast<time_t>(10 * 365) * 86400;

  struct Ca {
    Pkey key;
    X509Ptr cert;
  };
  auto make_ca = [&](const char* ou) {
    Ca ca{new_rsa_key(), nullptr};
    auto name =
        make_name({{"C", "JP"}, {"O", "JPKI-SIM"}, {"OU", ou}, {"OU", "jpki-sim test CA (not J-LIS)"}});
    ca.cert = make_cert(name.get(), ca.key.get(), nullptr, nullptr, now - 86400 * 30, ca_end);
    add_ext(ca.cert.get(), ca.cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_ext(ca.cert.get(), ca.cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    sign_cert(ca.cert.get(), ca.key.get());
    return ca;
  };
  Ca auth_ca = make_ca("JPKI for user authentication");
  Ca sign_ca = make_ca("JPKI for digital signature");

  Pkey auth_key = new_rsa_key();
  Pkey sign_key = new_rsa_key();
  const std::string serial = random_digits(16);

  auto auth_name = make_name({{"C", "JP"}, {"CN", random_digits(12) + "A"}});
  X509Ptr auth_cert = make_cert(auth_name.get(), auth_key.get(), auth_ca.cert.get(), auth_ca.key.get(),
                                not_before, not_after);
  add_ext(auth_cert.get(), auth_ca.cert.get(), NID_key_usage, "critical,digitalSignature");
  add_ext(auth_cert.get(), auth_ca.cert.get(), NID_ext_key_usage, "clientAuth");
  sign_cert(auth_cert.get(), auth_ca.key.get());

  auto sign_name =
      make_name({{"C", "JP"}, {"L", "Tokyo"}, {"L", "Chiyoda-ku"}, {"CN", random_digits(12) + "S"}});
  X509Ptr sign_cert_x = make_cert(sign_name.get(), sign_key.get(), sign_ca.cert.get(), sign_ca.key.get(),
                                  not_before, not_after);
  add_ext(sign_cert_x.get(), sign_ca.cert.get(), NID_key_usage, "critical,digitalSignature,nonRepudiation");
  add_personal_data(sign_cert_x.get());
  sign_cert(sign_cert_x.get(), sign_ca.key.get());

  write_file(dir / "ef-000A.bin", as_cert_file(der_of(auth_cert.get())));
  write_file(dir / "ef-000B.bin", as_cert_file(der_of(auth_ca.cert.get())));
  write_file(dir / "ef-0001.bin", as_cert_file(der_of(sign_cert_x.get())));
  write_file(dir / "ef-0002.bin", as_cert_file(der_of(sign_ca.cert.get())));
  write_file(dir / "ef-0006.bin", token_info(serial));
  write_file(dir / "ef-0008.bin", from_hex("8F 8F 00"));
  write_pem_key(dir / "auth-key.pem", auth_key.get());
  write_pem_key(dir / "sign-key.pem", sign_key.get());
  write_pem_key(dir / "ca" / "auth-ca-key.pem", auth_ca.key.get());
  write_pem_key(dir / "ca" / "sign-ca-key.pem", sign_ca.key.get());
  write_pem_cert(dir / "ca" / "auth-ca.pem", auth_ca.cert.get());
  write_pem_cert(dir / "ca" / "sign-ca.pem", sign_ca.cert.get());
  write_pem_cert(dir / "ca" / "auth.pem", auth_cert.get());
  write_pem_cert(dir / "ca" / "sign.pem", sign_cert_x.get());

  CardState st;
  st.auth = {options.auth_pin, 3, 3};
  st.sign = {options.sign_pin, 5, 5};
  save_pins(dir, st);
  save_counters(dir, st);
}

}  // namespace jpki::sim
