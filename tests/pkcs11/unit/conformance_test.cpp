// What an independent conformance suite probes on a read-only token:
// C_GetObjectSize, the RNG answers, software digests (C_Digest*), and the
// checks every unsupported function makes before it refuses.
#include <openssl/evp.h>

#include <algorithm>
#include <functional>
#include <string>

#include "module_fixture.h"

namespace jpki::pkcs11::unit {
namespace {

constexpr CK_SESSION_HANDLE kNoSession = 0xBAD;

Bytes openssl_hash(const EVP_MD* md, const Bytes& data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr), 1);
  out.resize(len);
  return out;
}

class Conformance : public ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    start();
    ASSERT_EQ(slot_count(), 2u);
    h_ = open(kAuthSlot);
  }
  CK_RV digest_init(CK_MECHANISM_TYPE type) {
    CK_MECHANISM mech{type, nullptr, 0};
    return call([&] { return m().digest_init(h_, &mech); });
  }
  CK_SESSION_HANDLE h_ = CK_INVALID_HANDLE;
};

TEST_F(Conformance, ObjectSizeIsTheCertificateDerAndSecretForPrivateKeys) {
  const CK_OBJECT_HANDLE cert = find(h_, CKO_CERTIFICATE);
  ASSERT_NE(cert, CK_INVALID_HANDLE);
  CK_ATTRIBUTE value{CKA_VALUE, nullptr, 0};
  ASSERT_EQ(call([&] { return m().get_attribute_value(h_, cert, &value, 1); }), CKR_OK);
  CK_ULONG size = 0;
  ASSERT_EQ(call([&] { return m().get_object_size(h_, cert, &size); }), CKR_OK);
  EXPECT_EQ(size, value.ulValueLen);
  EXPECT_GT(size, 500U);

  ASSERT_EQ(login(h_, kAuthPin), CKR_OK);
  const CK_OBJECT_HANDLE key = find(h_, CKO_PRIVATE_KEY);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  EXPECT_EQ(call([&] { return m().get_object_size(h_, key, &size); }), CKR_INFORMATION_SENSITIVE);
  const CK_OBJECT_HANDLE pub = find(h_, CKO_PUBLIC_KEY);
  ASSERT_EQ(call([&] { return m().get_object_size(h_, pub, &size); }), CKR_OK);
  EXPECT_GT(size, 256U) << "its SubjectPublicKeyInfo";

  EXPECT_EQ(call([&] { return m().get_object_size(kNoSession, cert, &size); }), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(call([&] { return m().get_object_size(h_, 0xBAD, &size); }), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(call([&] { return m().get_object_size(h_, 5, &size); }), CKR_OBJECT_HANDLE_INVALID)
      << "the other token's object";
  EXPECT_EQ(call([&] { return m().get_object_size(h_, cert, nullptr); }), CKR_ARGUMENTS_BAD);
}

TEST_F(Conformance, NoRandomNumberGenerator) {
  CK_BYTE buf[16] = {};
  EXPECT_EQ(call([&] { return m().generate_random(kNoSession, buf, sizeof buf); }),
            CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(call([&] { return m().seed_random(kNoSession, buf, sizeof buf); }), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(call([&] { return m().generate_random(h_, nullptr, 16); }), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(call([&] { return m().seed_random(h_, nullptr, 16); }), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(call([&] { return m().generate_random(h_, buf, sizeof buf); }), CKR_RANDOM_NO_RNG);
  EXPECT_EQ(call([&] { return m().seed_random(h_, buf, sizeof buf); }), CKR_RANDOM_NO_RNG);
  CK_TOKEN_INFO info{};
  ASSERT_EQ(call([&] { return m().get_token_info(kAuthSlot, &info); }), CKR_OK);
  EXPECT_EQ(info.flags & CKF_RNG, 0U);
}

TEST_F(Conformance, DigestsAreOfferedAndMatchOpenssl) {
  CK_ULONG n = 0;
  ASSERT_EQ(call([&] { return m().get_mechanism_list(kAuthSlot, nullptr, &n); }), CKR_OK);
  std::vector<CK_MECHANISM_TYPE> list(n);
  ASSERT_EQ(call([&] { return m().get_mechanism_list(kAuthSlot, list.data(), &n); }), CKR_OK);
  const struct {
    CK_MECHANISM_TYPE type;
    const EVP_MD* md;
  } digests[] = {{CKM_SHA_1, EVP_sha1()},
                 {CKM_SHA224, EVP_sha224()},
                 {CKM_SHA256, EVP_sha256()},
                 {CKM_SHA384, EVP_sha384()},
                 {CKM_SHA512, EVP_sha512()}};
  const Bytes data(1000, 'x');
  const std::size_t apdus = card().commands.size();
  for (const auto& d : digests) {
    EXPECT_NE(std::find(list.begin(), list.end(), d.type), list.end()) << d.type;
    CK_MECHANISM_INFO info{};
    ASSERT_EQ(call([&] { return m().get_mechanism_info(kAuthSlot, d.type, &info); }), CKR_OK);
    EXPECT_EQ(info.flags, static_cast<CK_FLAGS>(CKF_DIGEST));
    const Bytes want = openssl_hash(d.md, data);

    // One part, with the two-call length pattern.
    ASSERT_EQ(digest_init(d.type), CKR_OK);
    Bytes in = data;
    CK_ULONG len = 0;
    ASSERT_EQ(call([&] { return m().digest(h_, in.data(), in.size(), nullptr, &len); }), CKR_OK);
    EXPECT_EQ(len, want.size());
    Bytes out(len);
    CK_ULONG small = len - 1;
    EXPECT_EQ(call([&] { return m().digest(h_, in.data(), in.size(), out.data(), &small); }),
              CKR_BUFFER_TOO_SMALL);
    EXPECT_EQ(small, want.size());
    ASSERT_EQ(call([&] { return m().digest(h_, in.data(), in.size(), out.data(), &len); }), CKR_OK);
    EXPECT_EQ(out, want);
    EXPECT_EQ(call([&] { return m().digest(h_, in.data(), in.size(), out.data(), &len); }),
              CKR_OPERATION_NOT_INITIALIZED)
        << "C_Digest ended the operation";

    // Several parts.
    ASSERT_EQ(digest_init(d.type), CKR_OK);
    ASSERT_EQ(call([&] { return m().digest_update(h_, in.data(), 400); }), CKR_OK);
    ASSERT_EQ(call([&] { return m().digest_update(h_, in.data() + 400, in.size() - 400); }), CKR_OK);
    len = 0;
    ASSERT_EQ(call([&] { return m().digest_final(h_, nullptr, &len); }), CKR_OK);
    out.assign(len, 0);
    ASSERT_EQ(call([&] { return m().digest_final(h_, out.data(), &len); }), CKR_OK);
    EXPECT_EQ(out, want);
  }
  EXPECT_EQ(card().commands.size(), apdus) << "digests are done on the host";
}

TEST_F(Conformance, DigestStateIsPerSessionAndChecked) {
  const CK_SESSION_HANDLE other = open(kAuthSlot);
  ASSERT_EQ(digest_init(CKM_SHA256), CKR_OK);
  EXPECT_EQ(digest_init(CKM_SHA256), CKR_OPERATION_ACTIVE);
  CK_BYTE out[64] = {};
  CK_ULONG len = sizeof out;
  EXPECT_EQ(call([&] { return m().digest_final(other, out, &len); }), CKR_OPERATION_NOT_INITIALIZED)
      << "another session has no digest";
  CK_BYTE data[3] = {'a', 'b', 'c'};
  ASSERT_EQ(call([&] { return m().digest_update(h_, data, sizeof data); }), CKR_OK);
  EXPECT_EQ(call([&] { return m().digest(h_, data, sizeof data, out, &len); }), CKR_OPERATION_ACTIVE)
      << "a multi-part digest ends with C_DigestFinal";
  ASSERT_EQ(call([&] { return m().digest_final(h_, out, &len); }), CKR_OK);
  EXPECT_EQ(len, 32U);

  CK_MECHANISM with_param{CKM_SHA256, data, sizeof data};
  EXPECT_EQ(call([&] { return m().digest_init(h_, &with_param); }), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(digest_init(CKM_MD5), CKR_MECHANISM_INVALID);
  EXPECT_EQ(digest_init(CKM_SHA256_RSA_PKCS), CKR_MECHANISM_INVALID);
  EXPECT_EQ(call([&] { return m().digest_init(h_, nullptr); }), CKR_ARGUMENTS_BAD);
  CK_MECHANISM mech{CKM_SHA256, nullptr, 0};
  EXPECT_EQ(call([&] { return m().digest_init(kNoSession, &mech); }), CKR_SESSION_HANDLE_INVALID);

  // C_DigestKey: an RSA key on the card cannot be hashed; the error ends the operation.
  ASSERT_EQ(digest_init(CKM_SHA256), CKR_OK);
  const CK_OBJECT_HANDLE pub = find(h_, CKO_PUBLIC_KEY);
  EXPECT_EQ(call([&] { return m().digest_key(h_, pub); }), CKR_KEY_INDIGESTIBLE);
  EXPECT_EQ(call([&] { return m().digest_final(h_, out, &len); }), CKR_OPERATION_NOT_INITIALIZED);
  ASSERT_EQ(digest_init(CKM_SHA256), CKR_OK);
  EXPECT_EQ(call([&] { return m().digest_key(h_, 0xBAD); }), CKR_KEY_HANDLE_INVALID);
  EXPECT_EQ(call([&] { return m().digest_key(h_, pub); }), CKR_OPERATION_NOT_INITIALIZED);

  // NULL pointers end the operation too.
  ASSERT_EQ(digest_init(CKM_SHA256), CKR_OK);
  EXPECT_EQ(call([&] { return m().digest(h_, data, sizeof data, out, nullptr); }), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(call([&] { return m().digest_final(h_, out, &len); }), CKR_OPERATION_NOT_INITIALIZED);
  ASSERT_EQ(digest_init(CKM_SHA256), CKR_OK);
  EXPECT_EQ(call([&] { return m().digest_update(h_, nullptr, 3); }), CKR_ARGUMENTS_BAD);
  ASSERT_EQ(digest_init(CKM_SHA256), CKR_OK);
  EXPECT_EQ(call([&] { return m().digest_final(h_, out, nullptr); }), CKR_ARGUMENTS_BAD);

  // Closing the session drops its digest.
  ASSERT_EQ(digest_init(CKM_SHA256), CKR_OK);
  ASSERT_EQ(call([&] { return m().close_session(h_); }), CKR_OK);
  EXPECT_EQ(call([&] { return m().digest_final(h_, out, &len); }), CKR_SESSION_HANDLE_INVALID);
}

// The refusals: session first, then NULL pointers, then the mechanism, then no.
TEST_F(Conformance, UnsupportedFunctionsCheckFirst) {
  CK_MECHANISM mech{CKM_RSA_PKCS, nullptr, 0};
  CK_OBJECT_HANDLE out = 0;
  CK_ULONG len = 0;
  const std::size_t apdus = card().commands.size();
  EXPECT_EQ(call([&] { return m().refuse_mechanism(kNoSession, &mech, {&out}); }),
            CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(call([&] { return m().refuse_mechanism(kNoSession, nullptr, {nullptr}); }),
            CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(call([&] { return m().refuse_mechanism(h_, nullptr, {&out}); }), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(call([&] { return m().refuse_mechanism(h_, &mech, {&out, nullptr}); }), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(call([&] { return m().refuse_mechanism(h_, &mech, {&out}); }), CKR_MECHANISM_INVALID);
  EXPECT_EQ(call([&] { return m().refuse_in_session(kNoSession, CKR_OPERATION_NOT_INITIALIZED, {&len}); }),
            CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(call([&] { return m().refuse_in_session(h_, CKR_OPERATION_NOT_INITIALIZED, {nullptr}); }),
            CKR_ARGUMENTS_BAD);
  EXPECT_EQ(call([&] { return m().refuse_in_session(h_, CKR_TOKEN_WRITE_PROTECTED, {&len}); }),
            CKR_TOKEN_WRITE_PROTECTED);
  EXPECT_EQ(card().commands.size(), apdus);
}

}  // namespace
}  // namespace jpki::pkcs11::unit
