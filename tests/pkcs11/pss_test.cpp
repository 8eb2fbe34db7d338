// RSA-PSS (for TLS 1.3), off by default: the card's P1=04 mode signs a SHA-256
// hash with MGF1-SHA-256 and a 32-byte salt, and nothing else.
#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "p11_test.h"

namespace jpki::test {
namespace {

Bytes sha256(const Bytes& data) {
  Bytes h(32);
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), h.data(), &len, EVP_sha256(), nullptr);
  return h;
}

std::vector<CK_MECHANISM_TYPE> mechanisms(CK_FUNCTION_LIST* f, CK_SLOT_ID slot) {
  CK_ULONG n = 0;
  EXPECT_EQ(f->C_GetMechanismList(slot, nullptr, &n), CKR_OK);
  std::vector<CK_MECHANISM_TYPE> out(n);
  EXPECT_EQ(f->C_GetMechanismList(slot, out.data(), &n), CKR_OK);
  return out;
}

bool has(const std::vector<CK_MECHANISM_TYPE>& v, CK_MECHANISM_TYPE m) {
  return std::find(v.begin(), v.end(), m) != v.end();
}

class Pss : public P11Test {
 protected:
  void sign_in(CK_SLOT_ID slot, const std::string& pin, unsigned char id) {
    s_ = open(slot);
    ASSERT_EQ(login(s_, pin), CKR_OK);
    key_ = find_one(s_, CKO_PRIVATE_KEY, id).value_or(0);
    cert_ = attribute(s_, find_one(s_, CKO_CERTIFICATE, id).value_or(0), CKA_VALUE);
    ASSERT_NE(key_, 0U);
  }
  CK_RV pss_sign(CK_MECHANISM_TYPE type, CK_RSA_PKCS_PSS_PARAMS params, const Bytes& data, Bytes& sig,
                 const std::string& context_pin = "") {
    CK_MECHANISM m{type, &params, sizeof params};
    CK_RV rv = f()->C_SignInit(s_, &m, key_);
    if (rv != CKR_OK) return rv;
    if (!context_pin.empty() && (rv = login(s_, context_pin, CKU_CONTEXT_SPECIFIC)) != CKR_OK) return rv;
    sig.assign(256, 0);
    CK_ULONG len = sig.size();
    Bytes in = data;
    rv = f()->C_Sign(s_, in.data(), in.size(), sig.data(), &len);
    sig.resize(rv == CKR_OK ? len : 0);
    return rv;
  }
  CK_SESSION_HANDLE s_ = 0;
  CK_OBJECT_HANDLE key_ = 0;
  Bytes cert_;
};

const CK_RSA_PKCS_PSS_PARAMS kCardParams{CKM_SHA256, CKG_MGF1_SHA256, 32};

TEST_F(Pss, OffByDefault) {
  EXPECT_FALSE(has(mechanisms(f(), auth_slot()), CKM_RSA_PKCS_PSS));
  EXPECT_FALSE(has(mechanisms(f(), auth_slot()), CKM_SHA256_RSA_PKCS_PSS));
  sign_in(auth_slot(), auth_pin(), 1);
  Bytes sig;
  EXPECT_EQ(pss_sign(CKM_RSA_PKCS_PSS, kCardParams, sha256(bytes_of("x")), sig), CKR_MECHANISM_INVALID);
  CK_MECHANISM_INFO info{};
  EXPECT_EQ(f()->C_GetMechanismInfo(auth_slot(), CKM_RSA_PKCS_PSS, &info), CKR_MECHANISM_INVALID);
}

class PssOn : public Pss {
 protected:
  void SetUp() override {
    ::setenv("JPKI_PKCS11_RSA_PSS", "1", 1);
    Pss::SetUp();
  }
  void TearDown() override {
    Pss::TearDown();
    ::unsetenv("JPKI_PKCS11_RSA_PSS");
  }
};

TEST_F(PssOn, BothKeysSignAndTheSignaturesVerify) {
  for (const auto slot : {auth_slot(), sign_slot()}) {
    const bool sign_token = slot == sign_slot();
    sign_in(slot, sign_token ? sign_pin() : auth_pin(), sign_token ? 2 : 1);
    EXPECT_TRUE(has(mechanisms(f(), slot), CKM_RSA_PKCS_PSS));
    EXPECT_TRUE(has(mechanisms(f(), slot), CKM_SHA256_RSA_PKCS_PSS));
    const std::string ctx = sign_token ? sign_pin() : "";
    const Bytes msg = bytes_of("TLS 1.3 CertificateVerify content");
    Bytes sig;
    ASSERT_EQ(pss_sign(CKM_SHA256_RSA_PKCS_PSS, kCardParams, msg, sig, ctx), CKR_OK);
    EXPECT_TRUE(openssl_verify_pss_sha256(cert_, sha256(msg), sig));
    Bytes sig2;
    ASSERT_EQ(pss_sign(CKM_RSA_PKCS_PSS, kCardParams, sha256(msg), sig2, ctx), CKR_OK);
    EXPECT_TRUE(openssl_verify_pss_sha256(cert_, sha256(msg), sig2));
    EXPECT_NE(sig, sig2) << "PSS is salted: two signatures differ";
    // The module's own verification agrees.
    CK_OBJECT_HANDLE pub = find_one(s_, CKO_PUBLIC_KEY, sign_token ? 2 : 1).value_or(0);
    CK_RSA_PKCS_PSS_PARAMS p = kCardParams;
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS_PSS, &p, sizeof p};
    Bytes data = msg;
    ASSERT_EQ(f()->C_VerifyInit(s_, &m, pub), CKR_OK);
    EXPECT_EQ(f()->C_Verify(s_, data.data(), data.size(), sig.data(), sig.size()), CKR_OK);
    sig[10] ^= 1;
    ASSERT_EQ(f()->C_VerifyInit(s_, &m, pub), CKR_OK);
    EXPECT_EQ(f()->C_Verify(s_, data.data(), data.size(), sig.data(), sig.size()), CKR_SIGNATURE_INVALID);
    f()->C_CloseSession(s_);
  }
}

TEST_F(PssOn, OnlyTheCardsParametersAreAccepted) {
  sign_in(auth_slot(), auth_pin(), 1);
  const Bytes hash = sha256(bytes_of("y"));
  Bytes sig;
  const CK_RSA_PKCS_PSS_PARAMS wrong[] = {{CKM_SHA256, CKG_MGF1_SHA256, 20},
                                          {CKM_SHA384, CKG_MGF1_SHA384, 48},
                                          {CKM_SHA256, CKG_MGF1_SHA1, 32},
                                          {CKM_SHA_1, CKG_MGF1_SHA256, 32}};
  for (const auto& p : wrong) {
    EXPECT_EQ(pss_sign(CKM_RSA_PKCS_PSS, p, hash, sig), CKR_MECHANISM_PARAM_INVALID) << p.sLen;
  }
  CK_MECHANISM no_params{CKM_RSA_PKCS_PSS, nullptr, 0};
  EXPECT_EQ(f()->C_SignInit(s_, &no_params, key_), CKR_MECHANISM_PARAM_INVALID);
  // CKM_RSA_PKCS_PSS signs a SHA-256 hash: 32 bytes, no more, no less.
  EXPECT_EQ(pss_sign(CKM_RSA_PKCS_PSS, kCardParams, Bytes(31, 1), sig), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(pss_sign(CKM_RSA_PKCS_PSS, kCardParams, Bytes(48, 1), sig), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(pss_sign(CKM_RSA_PKCS_PSS, kCardParams, hash, sig), CKR_OK) << "and it still works";
}

TEST_F(Pss, TheConfigFileTurnsItOn) {
  const std::string conf = "/tmp/jpki-pkcs11-test-" + std::to_string(::getpid()) + ".conf";
  std::ofstream(conf) << "# test\nrsa_pss = on\n";
  ::setenv("JPKI_PKCS11_CONFIG", conf.c_str(), 1);
  f()->C_Finalize(nullptr);
  ASSERT_EQ(f()->C_Initialize(nullptr), CKR_OK);
  EXPECT_TRUE(has(mechanisms(f(), auth_slot()), CKM_SHA256_RSA_PKCS_PSS));
  ::setenv("JPKI_PKCS11_RSA_PSS", "off", 1);  // the environment wins over the file
  f()->C_Finalize(nullptr);
  ASSERT_EQ(f()->C_Initialize(nullptr), CKR_OK);
  EXPECT_FALSE(has(mechanisms(f(), auth_slot()), CKM_SHA256_RSA_PKCS_PSS));
  ::unsetenv("JPKI_PKCS11_RSA_PSS");
  ::unsetenv("JPKI_PKCS11_CONFIG");
  std::remove(conf.c_str());
}

}  // namespace
}  // namespace jpki::test
