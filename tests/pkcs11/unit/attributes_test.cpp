// C_GetAttributeValue as PKCS#11 2.40 §5.7 says, and the two-call pattern
// (length first, then the value) of every function that has one.
#include <openssl/x509.h>

#include <algorithm>
#include <array>

#include "common/openssl_ptr.h"
#include "module_fixture.h"
#include "pkcs11/mechanisms.h"

namespace jpki::pkcs11::unit {
namespace {

// PKCS#11 2.40 §5.7, C_GetAttributeValue:
//
//   For each (type, pValue, ulValueLen) triple in the template, C_GetAttributeValue
//   performs the following algorithm:
//   1. If the specified attribute (i.e., the attribute specified by the type field)
//      for the object cannot be revealed because the object is sensitive or
//      unextractable, then the ulValueLen field in that triple is modified to hold
//      the value CK_UNAVAILABLE_INFORMATION.
//   2. Otherwise, if the specified value for the object is invalid (the object does
//      not possess such an attribute), then the ulValueLen field in that triple is
//      modified to hold the value CK_UNAVAILABLE_INFORMATION.
//   3. Otherwise, if the pValue field has the value NULL_PTR, then the ulValueLen
//      field is modified to hold the exact length of the specified attribute for
//      the object.
//   4. Otherwise, if the length specified in ulValueLen is large enough to hold the
//      value of the specified attribute for the object, then that attribute is
//      copied into the buffer located at pValue, and the ulValueLen field is
//      modified to hold the exact length of the attribute.
//   5. Otherwise, the ulValueLen field is modified to hold the value
//      CK_UNAVAILABLE_INFORMATION.
//
//   If case 1 applies to any of the requested attributes, then the call should
//   return the value CKR_ATTRIBUTE_SENSITIVE. If case 2 applies to any of the
//   requested attributes, then the call should return the value
//   CKR_ATTRIBUTE_TYPE_INVALID. If case 5 applies to any of the requested
//   attributes, then the call should return the value CKR_BUFFER_TOO_SMALL. As
//   usual, if more than one of these error codes is applicable, Cryptoki may return
//   any of them. Only if none of them applies to any of the requested attributes
//   will CKR_OK be returned.
//
//   Note that the error codes CKR_ATTRIBUTE_SENSITIVE, CKR_ATTRIBUTE_TYPE_INVALID,
//   and CKR_BUFFER_TOO_SMALL do not denote true errors for C_GetAttributeValue. If a
//   call to C_GetAttributeValue returns any of these three values, then the call
//   MUST nonetheless have processed every attribute in the template supplied to
//   C_GetAttributeValue. Each attribute in the template whose value can be returned
//   by the call to C_GetAttributeValue will be returned by the call to
//   C_GetAttributeValue.

class Attributes : public ModuleTest {
 protected:
  // Logged in on the auth token, so its private key is visible.
  void SetUp() override {
    ModuleTest::SetUp();
    start();
    h_ = open(kAuthSlot);
    ASSERT_EQ(login(h_, kAuthPin), CKR_OK);
    key_ = find(h_, CKO_PRIVATE_KEY);
    cert_ = find(h_, CKO_CERTIFICATE);
    ASSERT_NE(key_, CK_INVALID_HANDLE);
    ASSERT_NE(cert_, CK_INVALID_HANDLE);
  }
  CK_RV get(CK_OBJECT_HANDLE o, std::vector<CK_ATTRIBUTE>& t) {
    return call([&] { return m().get_attribute_value(h_, o, t.data(), t.size()); });
  }
  CK_SESSION_HANDLE h_ = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE key_ = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE cert_ = CK_INVALID_HANDLE;
};

constexpr CK_ULONG kUnavailable = CK_UNAVAILABLE_INFORMATION;

// Cases 1-5 in one template: every triple gets its own outcome, whatever comes before it.
TEST_F(Attributes, EveryTripleIsProcessedByItsOwnCase) {
  std::array<CK_BYTE, 256> id{};
  std::array<CK_BYTE, 10> small{};
  std::array<CK_BYTE, 512> exponent{};
  std::vector<CK_ATTRIBUTE> t = {
      {CKA_PRIVATE_EXPONENT, nullptr, 0},               // 1: sensitive, even with pValue NULL
      {CKA_ENCRYPT, nullptr, 0},                        // 2: a private key has no CKA_ENCRYPT
      {CKA_LABEL, nullptr, 0},                          // 3: the length
      {CKA_ID, id.data(), id.size()},                   // 4: the value
      {CKA_MODULUS, small.data(), small.size()},        // 5: 256 bytes do not fit in 10
      {CKA_PRIME_1, exponent.data(), exponent.size()},  // 1 again, with room to spare
  };
  const CK_RV rv = get(key_, t);
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_BUFFER_TOO_SMALL)
      << rv_name(rv) << ": one of the applicable codes";
  EXPECT_EQ(t[0].ulValueLen, kUnavailable);
  EXPECT_EQ(t[1].ulValueLen, kUnavailable);
  EXPECT_EQ(t[2].ulValueLen, std::string("User Authentication Key").size());
  EXPECT_EQ(t[3].ulValueLen, 1u);
  EXPECT_EQ(id[0], 0x01) << "CKA_ID of the auth key";
  EXPECT_EQ(t[4].ulValueLen, kUnavailable);
  EXPECT_EQ(t[5].ulValueLen, kUnavailable);
  EXPECT_TRUE(std::all_of(exponent.begin(), exponent.end(), [](CK_BYTE b) { return b == 0; }))
      << "nothing of a sensitive attribute is written";
}

TEST_F(Attributes, EachCaseAloneReturnsItsCode) {
  std::vector<CK_ATTRIBUTE> sensitive = {{CKA_VALUE, nullptr, 0}, {CKA_LABEL, nullptr, 0}};
  EXPECT_EQ(get(key_, sensitive), CKR_ATTRIBUTE_SENSITIVE);
  EXPECT_EQ(sensitive[0].ulValueLen, kUnavailable);
  EXPECT_GT(sensitive[1].ulValueLen, 0u);

  std::vector<CK_ATTRIBUTE> invalid = {{CKA_MODULUS, nullptr, 0}, {CKA_LABEL, nullptr, 0}};
  EXPECT_EQ(get(cert_, invalid), CKR_ATTRIBUTE_TYPE_INVALID) << "a certificate has no CKA_MODULUS";
  EXPECT_EQ(invalid[0].ulValueLen, kUnavailable);
  EXPECT_GT(invalid[1].ulValueLen, 0u);

  CK_OBJECT_CLASS cls = 0;
  std::array<CK_BYTE, 4> small{};
  std::vector<CK_ATTRIBUTE> too_small = {{CKA_VALUE, small.data(), small.size()},
                                         {CKA_CLASS, &cls, sizeof cls}};
  EXPECT_EQ(get(cert_, too_small), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(too_small[0].ulValueLen, kUnavailable);
  EXPECT_EQ(too_small[1].ulValueLen, sizeof cls);
  EXPECT_EQ(cls, static_cast<CK_OBJECT_CLASS>(CKO_CERTIFICATE)) << "the value that fits is returned";

  CK_BBOOL sign = CK_FALSE;
  std::vector<CK_ATTRIBUTE> fine = {{CKA_SIGN, &sign, sizeof sign}, {CKA_LABEL, nullptr, 0}};
  EXPECT_EQ(get(key_, fine), CKR_OK) << "cases 3 and 4 only";
  EXPECT_EQ(sign, CK_TRUE);
}

// "if more than one of these error codes is applicable, Cryptoki may return any
// of them": like SoftHSMv2, one fixed order (sensitive, then invalid, then buffer
// too small), so the answer does not depend on the template's order.
TEST_F(Attributes, SeveralErrorsAnswerInAFixedOrder) {
  std::array<CK_BYTE, 4> small{};
  std::vector<CK_ATTRIBUTE> t = {{CKA_PRIVATE_EXPONENT, nullptr, 0},
                                 {CKA_ENCRYPT, nullptr, 0},
                                 {CKA_MODULUS, small.data(), small.size()}};
  EXPECT_EQ(get(key_, t), CKR_ATTRIBUTE_SENSITIVE);
  std::vector<CK_ATTRIBUTE> u = {{CKA_ENCRYPT, nullptr, 0}, {CKA_MODULUS, small.data(), small.size()}};
  EXPECT_EQ(get(key_, u), CKR_ATTRIBUTE_TYPE_INVALID);
}

// Two calls for every attribute of every object: the length, then exactly that
// many bytes; one byte less is too small.
TEST_F(Attributes, LengthThenValueForEveryAttribute) {
  const std::vector<CK_ATTRIBUTE_TYPE> types = {CKA_CLASS,
                                                CKA_TOKEN,
                                                CKA_PRIVATE,
                                                CKA_LABEL,
                                                CKA_ID,
                                                CKA_VALUE,
                                                CKA_SUBJECT,
                                                CKA_ISSUER,
                                                CKA_SERIAL_NUMBER,
                                                CKA_MODULUS,
                                                CKA_PUBLIC_EXPONENT,
                                                CKA_MODULUS_BITS,
                                                CKA_KEY_TYPE,
                                                CKA_ALLOWED_MECHANISMS,
                                                CKA_START_DATE,
                                                CKA_CHECK_VALUE,
                                                CKA_URL};
  int values = 0;
  for (CK_OBJECT_HANDLE o = 1; o <= 4; ++o) {
    for (const CK_ATTRIBUTE_TYPE type : types) {
      SCOPED_TRACE("object " + std::to_string(o) + " attribute " + std::to_string(type));
      CK_ATTRIBUTE a{type, nullptr, 0};
      const CK_RV rv = call([&] { return m().get_attribute_value(h_, o, &a, 1); });
      if (rv != CKR_OK) {
        EXPECT_TRUE(rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE) << rv_name(rv);
        EXPECT_EQ(a.ulValueLen, kUnavailable);
        continue;
      }
      ++values;
      const CK_ULONG len = a.ulValueLen;
      Bytes exact(len + 1, 0xEE);
      a = {type, exact.data(), len};
      ASSERT_EQ(call([&] { return m().get_attribute_value(h_, o, &a, 1); }), CKR_OK);
      EXPECT_EQ(a.ulValueLen, len);
      EXPECT_EQ(exact[len], 0xEE) << "nothing written past the length";
      Bytes roomy(len + 64, 0);
      a = {type, roomy.data(), roomy.size()};
      ASSERT_EQ(call([&] { return m().get_attribute_value(h_, o, &a, 1); }), CKR_OK);
      EXPECT_EQ(a.ulValueLen, len) << "a larger buffer gets the exact length back";
      EXPECT_TRUE(std::equal(exact.begin(), exact.begin() + static_cast<std::ptrdiff_t>(len), roomy.begin()));
      if (len > 0) {
        a = {type, exact.data(), len - 1};
        EXPECT_EQ(call([&] { return m().get_attribute_value(h_, o, &a, 1); }), CKR_BUFFER_TOO_SMALL);
        EXPECT_EQ(a.ulValueLen, kUnavailable);
      }
    }
  }
  EXPECT_GT(values, 40) << "most attributes have values";
}

// The certificate's CKA_VALUE is exactly the DER on the card.
TEST_F(Attributes, CertificateValueIsTheCardsDer) {
  CK_ATTRIBUTE a{CKA_VALUE, nullptr, 0};
  ASSERT_EQ(call([&] { return m().get_attribute_value(h_, cert_, &a, 1); }), CKR_OK);
  Bytes der(a.ulValueLen);
  a.pValue = der.data();
  ASSERT_EQ(call([&] { return m().get_attribute_value(h_, cert_, &a, 1); }), CKR_OK);
  const Bytes& file = card().card().state().files.at(0x000A);
  ASSERT_LE(der.size(), file.size());
  EXPECT_TRUE(std::equal(der.begin(), der.end(), file.begin()));
  const unsigned char* p = der.data();
  const X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  EXPECT_TRUE(x);
  EXPECT_EQ(p, der.data() + der.size());
}

// ---- the other two-call functions -------------------------------------------

class TwoCall : public ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    start();
  }
};

TEST_F(TwoCall, SlotListAndMechanismList) {
  CK_ULONG n = 0;
  ASSERT_EQ(call([&] { return m().get_slot_list(CK_TRUE, nullptr, &n); }), CKR_OK);
  EXPECT_EQ(n, 2u);
  std::array<CK_SLOT_ID, 4> slots{};
  n = 1;
  EXPECT_EQ(call([&] { return m().get_slot_list(CK_TRUE, slots.data(), &n); }), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(n, 2u) << "the size needed";
  n = slots.size();
  ASSERT_EQ(call([&] { return m().get_slot_list(CK_TRUE, slots.data(), &n); }), CKR_OK);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(slots[0], kAuthSlot);
  EXPECT_EQ(slots[1], kSignSlot);

  n = 0;
  ASSERT_EQ(call([&] { return m().get_mechanism_list(kAuthSlot, nullptr, &n); }), CKR_OK);
  const CK_ULONG mechanisms = n;
  EXPECT_EQ(mechanisms, token_mechanisms(false).size());
  std::vector<CK_MECHANISM_TYPE> list(mechanisms);
  n = mechanisms - 1;
  EXPECT_EQ(call([&] { return m().get_mechanism_list(kAuthSlot, list.data(), &n); }), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(n, mechanisms);
  ASSERT_EQ(call([&] { return m().get_mechanism_list(kAuthSlot, list.data(), &n); }), CKR_OK);
  EXPECT_EQ(list, token_mechanisms(false));
}

// C_Sign: a length query and a buffer too small keep the operation, and reach no card.
TEST_F(TwoCall, SignatureLengthThenSignature) {
  const CK_SESSION_HANDLE h = open(kAuthSlot);
  ASSERT_EQ(login(h, kAuthPin), CKR_OK);
  CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
  const CK_OBJECT_HANDLE key = find(h, CKO_PRIVATE_KEY);
  ASSERT_EQ(call([&] { return m().sign_init(h, &mech, key); }), CKR_OK);
  Bytes data{'d', 'o', 'c'};
  CK_ULONG len = 0;
  const std::size_t before = card().commands.size();
  ASSERT_EQ(call([&] { return m().sign(h, data.data(), data.size(), nullptr, &len); }), CKR_OK);
  EXPECT_EQ(len, 256u);
  Bytes sig(512);
  len = 255;
  EXPECT_EQ(call([&] { return m().sign(h, data.data(), data.size(), sig.data(), &len); }),
            CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 256u);
  EXPECT_EQ(card().commands.size(), before) << "no APDU for a length";
  len = sig.size();
  ASSERT_EQ(call([&] { return m().sign(h, data.data(), data.size(), sig.data(), &len); }), CKR_OK);
  EXPECT_EQ(len, 256u);
  EXPECT_EQ(call([&] { return m().sign(h, data.data(), data.size(), sig.data(), &len); }),
            CKR_OPERATION_NOT_INITIALIZED)
      << "the signature ended the operation";
}

// ---- the mechanism table ----------------------------------------------------

// Each DigestInfo prefix with a hash of its digest's size is a DER DigestInfo
// naming that digest: what the card signs is right for every mechanism.
TEST(MechanismTable, DigestInfoPrefixesNameTheirDigest) {
  int pkcs1 = 0;
  for (const Mechanism& row : mechanism_table()) {
    SCOPED_TRACE(row.type);
    if (row.pss || row.digest == nullptr) {
      EXPECT_TRUE(row.digest_info_prefix.empty());
      continue;
    }
    ++pkcs1;
    const EVP_MD* md = row.digest();
    Bytes info(row.digest_info_prefix.begin(), row.digest_info_prefix.end());
    info.resize(info.size() + static_cast<std::size_t>(EVP_MD_get_size(md)), 0xAB);
    const unsigned char* p = info.data();
    X509_SIG* raw = d2i_X509_SIG(nullptr, &p, static_cast<long>(info.size()));
    ASSERT_NE(raw, nullptr);
    const OpensslPtr<X509_SIG, X509_SIG_free> sig(raw);
    EXPECT_EQ(p, info.data() + info.size());
    const X509_ALGOR* alg = nullptr;
    const ASN1_OCTET_STRING* digest = nullptr;
    X509_SIG_get0(sig.get(), &alg, &digest);
    const ASN1_OBJECT* oid = nullptr;
    X509_ALGOR_get0(&oid, nullptr, nullptr, alg);
    EXPECT_EQ(OBJ_obj2nid(oid), EVP_MD_get_type(md));
    EXPECT_EQ(ASN1_STRING_length(digest), EVP_MD_get_size(md));
  }
  EXPECT_EQ(pkcs1, 5) << "SHA-1, SHA-224, SHA-256, SHA-384, SHA-512";
}

TEST(MechanismTable, PssOnlyWithTheSetting) {
  EXPECT_EQ(signature_mechanisms(false).size() + 2, signature_mechanisms(true).size());
  for (const Mechanism& row : mechanism_table()) {
    EXPECT_EQ(find_mechanism(row.type, true), &row);
    EXPECT_EQ(find_mechanism(row.type, false) != nullptr, !row.pss);
    EXPECT_EQ(is_pss(row.type), row.pss);
  }
  EXPECT_EQ(find_mechanism(CKM_RSA_X_509, true), nullptr) << "no raw RSA on the card";
  EXPECT_EQ(find_mechanism(CKM_SHA256_RSA_PKCS_PSS, true)->digest, &EVP_sha256);
}

// CKA_ALLOWED_MECHANISMS and C_GetMechanismList come from the same table (the
// list then adds the software digests, which take no key).
TEST_F(TwoCall, AllowedMechanismsAreTheMechanismList) {
  for (const bool pss : {false, true}) {
    Settings s;
    s.rsa_pss = pss;
    start(s);
    const CK_SESSION_HANDLE h = open(kAuthSlot);
    std::vector<CK_MECHANISM_TYPE> allowed(16);
    CK_ATTRIBUTE a{CKA_ALLOWED_MECHANISMS, allowed.data(), allowed.size() * sizeof(CK_MECHANISM_TYPE)};
    ASSERT_EQ(call([&] { return m().get_attribute_value(h, find(h, CKO_PUBLIC_KEY), &a, 1); }), CKR_OK);
    allowed.resize(a.ulValueLen / sizeof(CK_MECHANISM_TYPE));
    std::vector<CK_MECHANISM_TYPE> list(16);
    CK_ULONG n = list.size();
    ASSERT_EQ(call([&] { return m().get_mechanism_list(kAuthSlot, list.data(), &n); }), CKR_OK);
    list.resize(n);
    ASSERT_GE(list.size(), allowed.size());
    EXPECT_EQ(allowed, std::vector<CK_MECHANISM_TYPE>(
                           list.begin(), list.begin() + static_cast<std::ptrdiff_t>(allowed.size())));
    EXPECT_EQ(list, token_mechanisms(pss));
    CK_MECHANISM_INFO info{};
    EXPECT_EQ(call([&] { return m().get_mechanism_info(kAuthSlot, CKM_SHA256_RSA_PKCS_PSS, &info); }),
              pss ? CKR_OK : CKR_MECHANISM_INVALID);
  }
}

}  // namespace
}  // namespace jpki::pkcs11::unit
