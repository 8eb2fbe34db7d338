// The front end on card variants (docs/jpki-card.md §9), in process: the module's
// Module over the in-process virtual card served as jpki-sim's --variant says (a
// 32-byte EF 0006 answering 6282, the Android token's PIN-protected
// authentication certificate, a signing PIN consumed by each signature, token
// names). Plus the object privacy rule, which is a pure function.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/x509.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "apdu/jpki.h"
#include "card/der_length.h"
#include "card/token_model.h"
#include "common/openssl_ptr.h"
#include "pkcs11/error_map.h"
#include "pkcs11/module.h"
#include "pkcs11/objects.h"
#include "sim/variant.h"
#include "tests/support/card_dir.h"
#include "tests/support/fake_reader_provider.h"

namespace jpki::pkcs11 {
namespace {

using card::KeyKind;

// ---- the object privacy rule ---------------------------------------------------

TEST(ObjectPrivacy, AndroidAuthCertificateAndItsPublicKeyArePrivate) {
  for (const bool auth_private : {false, true}) {
    SCOPED_TRACE(auth_private ? "auth certificate behind the PIN" : "auth certificate public");
    const auto priv = [&](KeyKind t, ObjectKind k) { return is_private(ObjectRef{t, k}, auth_private); };
    EXPECT_EQ(priv(KeyKind::kAuth, ObjectKind::kCertificate), auth_private);
    EXPECT_EQ(priv(KeyKind::kAuth, ObjectKind::kPublicKey), auth_private);
    EXPECT_TRUE(priv(KeyKind::kAuth, ObjectKind::kPrivateKey));
    EXPECT_FALSE(priv(KeyKind::kAuth, ObjectKind::kCaCertificate));
    EXPECT_TRUE(priv(KeyKind::kSign, ObjectKind::kCertificate));
    EXPECT_TRUE(priv(KeyKind::kSign, ObjectKind::kPublicKey));
    EXPECT_TRUE(priv(KeyKind::kSign, ObjectKind::kPrivateKey));
    EXPECT_FALSE(priv(KeyKind::kSign, ObjectKind::kCaCertificate));
    const auto no_cert = []() -> const ParsedCertificate& {
      throw std::logic_error("CKA_PRIVATE needs no certificate");
    };
    const AttributeValue v = attribute_of(ObjectRef{KeyKind::kAuth, ObjectKind::kCertificate}, CKA_PRIVATE,
                                          no_cert, {}, auth_private);
    ASSERT_EQ(v.state, AttributeValue::State::kValue);
    EXPECT_EQ(v.value, Bytes{static_cast<std::uint8_t>(auth_private ? CK_TRUE : CK_FALSE)});
  }
  EXPECT_TRUE(card::auth_certificate_needs_pin(card::TokenModel::kAndroid));
}

// ---- a card variant over the virtual card --------------------------------------

// A token name the simulator does not play (sim/variant.h knows four): EF 0006's
// first 32 bytes replaced as they are read.
class RenamedToken final : public test::FakeCard {
 public:
  RenamedToken(std::shared_ptr<test::SimCard> card, const std::string& name)
      : card_(std::move(card)), name_(name + std::string(32 - name.size(), ' ')) {}
  Bytes process(ByteView raw) override {
    Bytes r = card_->process(raw);
    const auto c = apdu::parse_command(raw);
    if (!c) return r;
    if (c->ins == apdu::ins::kSelect) token_info_selected_ = c->p1 == 0x02 && c->data == Bytes{0x00, 0x06};
    if (c->ins == apdu::ins::kReadBinary && token_info_selected_ && r.size() >= 2) {
      const std::size_t offset = static_cast<std::size_t>(c->p1 << 8 | c->p2);
      for (std::size_t i = 0; i + 2 < r.size() && offset + i < name_.size(); ++i)
        r[i] = static_cast<std::uint8_t>(name_[offset + i]);
    }
    return r;
  }
  void power_cycle() override { card_->power_cycle(); }
  [[nodiscard]] Bytes atr() const override { return card_->atr(); }

 private:
  std::shared_ptr<test::SimCard> card_;
  std::string name_;
  bool token_info_selected_ = false;
};

template <typename F>
CK_RV call(F&& f) {
  try {
    return f();
  } catch (...) {
    return rv_of_current_exception();
  }
}

std::string field(const CK_UTF8CHAR* p, std::size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}  // NOLINT

std::string serial_hex_of(const Bytes& der) {
  const unsigned char* p = der.data();
  const X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  const BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x.get()), nullptr));
  const OpensslString h(BN_bn2hex(bn.get()));
  std::string s(h.get());
  return s.size() > 16 ? s.substr(s.size() - 16) : s;
}

class Variants : public ::testing::Test {
 protected:
  void TearDown() override {
    module_.reset();
    card_.reset();
    dir_.reset();
  }

  // jpki-sim's variant SPEC (sim/variant.h); `token_name`: one the simulator does not know.
  void start(const std::string& spec, Settings settings = {}, const std::string& token_name = "") {
    module_.reset();
    dir_.reset();
    dir_ = std::make_unique<test::CardDir>("variants-" + std::to_string(++starts_));
    card_ = std::make_shared<test::SimCard>(dir_->path(), sim::CardOptions(sim::parse_variant(spec)));
    auto provider = std::make_unique<test::FakeReaderProvider>();
    if (token_name.empty()) {
      provider->add_reader("Variant Reader 00", card_);
    } else {
      provider->add_reader("Variant Reader 00", std::make_shared<RenamedToken>(card_, token_name));
    }
    module_ = std::make_unique<Module>(std::move(provider), settings);
    CK_ULONG n = 2;
    ASSERT_EQ(call([&] { return module_->get_slot_list(CK_TRUE, slots_, &n); }), CKR_OK);
    ASSERT_EQ(n, 2u) << "both tokens shown";
  }
  // The authentication certificate's DER, as the card holds it.
  Bytes auth_cert() {
    const Bytes& file = card_->card().state().files.at(apdu::ef::kAuthCert);
    return Bytes(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(*card::der_sequence_length(file)));
  }
  CK_TOKEN_INFO token_info(KeyKind k) {
    CK_TOKEN_INFO info{};
    EXPECT_EQ(call([&] { return module_->get_token_info(slot(k), &info); }), CKR_OK);
    return info;
  }
  CK_SLOT_ID slot(KeyKind k) const { return slots_[k == KeyKind::kAuth ? 0 : 1]; }
  CK_SESSION_HANDLE open(KeyKind k) {
    CK_SESSION_HANDLE h = 0;
    EXPECT_EQ(call([&] { return module_->open_session(slot(k), CKF_SERIAL_SESSION, &h); }), CKR_OK);
    return h;
  }
  CK_RV login(CK_SESSION_HANDLE h, const std::string& pin, CK_USER_TYPE user = CKU_USER) {
    std::string p = pin;
    return call([&] {
      return module_->login(h, user, reinterpret_cast<CK_UTF8CHAR_PTR>(p.data()), p.size());  // NOLINT
    });
  }
  // What `pkcs11-tool -O` does: every object, then its class, label, id, value.
  CK_RV list_objects(CK_SESSION_HANDLE h, std::vector<CK_OBJECT_HANDLE>& found) {
    found.assign(8, 0);
    CK_ULONG n = 0;
    if (CK_RV rv = call([&] { return module_->find_objects_init(h, nullptr, 0); }); rv != CKR_OK) return rv;
    if (CK_RV rv = call([&] { return module_->find_objects(h, found.data(), found.size(), &n); });
        rv != CKR_OK)
      return rv;
    found.resize(n);
    call([&] { return module_->find_objects_final(h); });
    for (const CK_OBJECT_HANDLE o : found) {
      CK_OBJECT_CLASS cls = 0;
      CK_ATTRIBUTE a{CKA_CLASS, &cls, sizeof cls};
      if (CK_RV rv = call([&] { return module_->get_attribute_value(h, o, &a, 1); }); rv != CKR_OK) return rv;
      for (const CK_ATTRIBUTE_TYPE t :
           {CKA_LABEL, CKA_ID, CKA_PRIVATE, cls == CKO_CERTIFICATE ? CKA_VALUE : CKA_MODULUS, CKA_SUBJECT}) {
        if (cls == CKO_PRIVATE_KEY && t == CKA_MODULUS) continue;
        Bytes v(4096);
        CK_ATTRIBUTE b{t, v.data(), v.size()};
        if (CK_RV rv = call([&] { return module_->get_attribute_value(h, o, &b, 1); }); rv != CKR_OK)
          return rv;
      }
    }
    return CKR_OK;
  }
  CK_OBJECT_HANDLE find(CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls) {
    CK_ATTRIBUTE t{CKA_CLASS, &cls, sizeof cls};
    CK_OBJECT_HANDLE o = 0;
    CK_ULONG n = 0;
    EXPECT_EQ(call([&] { return module_->find_objects_init(h, &t, 1); }), CKR_OK);
    EXPECT_EQ(call([&] { return module_->find_objects(h, &o, 1, &n); }), CKR_OK);
    call([&] { return module_->find_objects_final(h); });
    return n == 1 ? o : 0;
  }
  bool bool_attribute(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
    CK_BBOOL v = CK_FALSE;
    CK_ATTRIBUTE a{type, &v, sizeof v};
    EXPECT_EQ(call([&] { return module_->get_attribute_value(h, o, &a, 1); }), CKR_OK);
    return v == CK_TRUE;
  }
  CK_RV sign(CK_SESSION_HANDLE h, const std::string& context_pin = "") {
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    const CK_OBJECT_HANDLE key = find(h, CKO_PRIVATE_KEY);
    if (CK_RV rv = call([&] { return module_->sign_init(h, &m, key); }); rv != CKR_OK) return rv;
    if (!context_pin.empty()) {
      if (CK_RV rv = login(h, context_pin, CKU_CONTEXT_SPECIFIC); rv != CKR_OK) return rv;
    }
    Bytes data{'d', 'o', 'c'};
    Bytes sig(256);
    CK_ULONG len = sig.size();
    return call([&] { return module_->sign(h, data.data(), data.size(), sig.data(), &len); });
  }

  int starts_ = 0;
  std::unique_ptr<test::CardDir> dir_;
  std::shared_ptr<test::SimCard> card_;  // every command it got: card_->commands
  std::unique_ptr<Module> module_;
  CK_SLOT_ID slots_[2]{};
};

// token=android (32-byte EF 0006): auth certificate and public key private until
// login; listing them before login is clean; after login they are there and the
// key signs. The model is shown, the label is not changed.
TEST_F(Variants, AndroidTokenShowsItsAuthCertificateAfterLogin) {
  start("token=android,token-info=32");
  const CK_TOKEN_INFO a = token_info(KeyKind::kAuth);
  EXPECT_EQ(field(a.label, 32), "JPKI User Authentication        ");
  EXPECT_EQ(field(a.model, 16), "Android phone   ");
  const std::string serial = field(a.serialNumber, 16);
  EXPECT_EQ(serial.find_first_not_of("0123456789ABCDEF"), std::string::npos) << serial;
  EXPECT_EQ(field(token_info(KeyKind::kSign).serialNumber, 16), serial);

  const CK_SESSION_HANDLE h = open(KeyKind::kAuth);
  std::vector<CK_OBJECT_HANDLE> before;
  EXPECT_EQ(list_objects(h, before), CKR_OK) << "pkcs11-tool -O before login";
  EXPECT_EQ(before.size(), 1u) << "only the CA certificate";
  EXPECT_EQ(card_->sent_with_ins(apdu::ins::kVerify, true), 0u) << "no PIN sent before login";

  ASSERT_EQ(login(h, "1234"), CKR_OK);
  std::vector<CK_OBJECT_HANDLE> after;
  EXPECT_EQ(list_objects(h, after), CKR_OK);
  EXPECT_EQ(after.size(), 4u);
  const CK_OBJECT_HANDLE cert = find(h, CKO_CERTIFICATE);
  ASSERT_NE(cert, 0u);
  EXPECT_TRUE(bool_attribute(h, cert, CKA_PRIVATE));
  EXPECT_TRUE(bool_attribute(h, find(h, CKO_PUBLIC_KEY), CKA_PRIVATE));
  Bytes value(4096);
  CK_ATTRIBUTE va{CKA_VALUE, value.data(), value.size()};
  ASSERT_EQ(call([&] { return module_->get_attribute_value(h, cert, &va, 1); }), CKR_OK);
  value.resize(va.ulValueLen);
  EXPECT_EQ(value, auth_cert());
  EXPECT_EQ(sign(h), CKR_OK);
  EXPECT_EQ(field(token_info(KeyKind::kAuth).serialNumber, 16), serial) << "the login changes no serial";
}

// The report's card: EF 0006 of 32 bytes answered with 62 82; the serial then
// comes from the authentication certificate.
TEST_F(Variants, ThirtyTwoByteTokenInfoCardTakesTheAuthCertificateSerial) {
  start("token-info=32,eof=6282");
  const CK_TOKEN_INFO a = token_info(KeyKind::kAuth);
  EXPECT_EQ(field(a.model, 16), "My Number Card  ");
  std::string want = serial_hex_of(auth_cert());
  want.resize(16, ' ');
  EXPECT_EQ(field(a.serialNumber, 16), want);
  const std::size_t reads = card_->sent_with_ins(apdu::ins::kReadBinary);
  EXPECT_EQ(field(token_info(KeyKind::kSign).serialNumber, 16), want);
  const CK_SESSION_HANDLE h = open(KeyKind::kAuth);
  std::vector<CK_OBJECT_HANDLE> objects;
  EXPECT_EQ(list_objects(h, objects), CKR_OK);
  EXPECT_EQ(objects.size(), 3u);
  EXPECT_EQ(card_->sent_with_ins(apdu::ins::kReadBinary) - reads, 2u)
      << "the auth certificate is read once per insertion: only its CA is read now";
}

// A card that is not an Android token but answers 6982 on EF 000A anyway: the
// certificate becomes private until login instead of an error on every listing.
TEST_F(Variants, UnexpectedPinOnTheAuthCertificateMakesItPrivate) {
  start("token-info=32,auth-cert-pin=yes");
  EXPECT_EQ(field(token_info(KeyKind::kAuth).model, 16), "My Number Card  ");
  const CK_SESSION_HANDLE h = open(KeyKind::kAuth);
  std::vector<CK_OBJECT_HANDLE> objects;
  EXPECT_EQ(list_objects(h, objects), CKR_OK);
  EXPECT_EQ(objects.size(), 1u) << "learnt while working out the serial";
  ASSERT_EQ(login(h, "1234"), CKR_OK);
  const CK_OBJECT_HANDLE cert = find(h, CKO_CERTIFICATE);
  ASSERT_NE(cert, 0u);
  EXPECT_TRUE(bool_attribute(h, cert, CKA_PRIVATE));
  EXPECT_EQ(sign(h), CKR_OK);
}

// Same card, objects listed before anything asked for the serial: the first
// read of the certificate fails (the card said 6982), later listings hide it.
TEST_F(Variants, UnexpectedPinLearntWhileListing) {
  start("auth-cert-pin=yes");
  const CK_SESSION_HANDLE h = open(KeyKind::kAuth);
  std::vector<CK_OBJECT_HANDLE> objects;
  EXPECT_EQ(list_objects(h, objects), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(list_objects(h, objects), CKR_OK);
  EXPECT_EQ(objects.size(), 1u);
  EXPECT_EQ(card_->sent_with_ins(apdu::ins::kVerify, true), 0u);
}

// sign-pin=consumed with sign_always_authenticate=off: the second signature
// gets 6982, which is CKR_USER_NOT_LOGGED_IN and a logout in our view; a new
// login signs again.
TEST_F(Variants, ConsumedSigningPinWithoutAlwaysAuthenticate) {
  Settings s;
  s.sign_always_authenticate = false;
  start("sign-pin=consumed", s);
  const CK_SESSION_HANDLE h = open(KeyKind::kSign);
  ASSERT_EQ(login(h, "ABCDEF12"), CKR_OK);
  EXPECT_EQ(sign(h), CKR_OK);
  EXPECT_EQ(sign(h), CKR_USER_NOT_LOGGED_IN);
  CK_SESSION_INFO si{};
  ASSERT_EQ(call([&] { return module_->get_session_info(h, &si); }), CKR_OK);
  EXPECT_EQ(si.state, static_cast<CK_STATE>(CKS_RO_PUBLIC_SESSION));
  ASSERT_EQ(login(h, "ABCDEF12"), CKR_OK);
  EXPECT_EQ(sign(h), CKR_OK);
}

// sign-pin=consumed with CKA_ALWAYS_AUTHENTICATE (the default): each signature
// has its own context login, so every one works.
TEST_F(Variants, ConsumedSigningPinWithAlwaysAuthenticate) {
  start("sign-pin=consumed");
  const CK_SESSION_HANDLE h = open(KeyKind::kSign);
  ASSERT_EQ(login(h, "ABCDEF12"), CKR_OK);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(sign(h, "ABCDEF12"), CKR_OK) << i;
}

TEST_F(Variants, OtherTokenNamesShowTheirModel) {
  // {variant SPEC, token name the simulator does not play, model shown}
  const std::vector<std::array<std::string, 3>> cases = {{"token=iphone", "", "iPhone          "},
                                                         {"token=juki", "", "Juki card       "},
                                                         {"", "JPKIAPNEWTOKEN", "JPKIAPNEWTOKEN  "}};
  for (const auto& [spec, name, model] : cases) {
    SCOPED_TRACE(spec + name);
    start(spec, {}, name);
    const CK_TOKEN_INFO a = token_info(KeyKind::kAuth);
    EXPECT_EQ(field(a.model, 16), model);
    EXPECT_EQ(field(a.label, 32), "JPKI User Authentication        ");
    module_.reset();
  }
}

}  // namespace
}  // namespace jpki::pkcs11
