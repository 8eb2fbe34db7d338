// The front end on card variants (docs/jpki-card.md §9), in process: the module's
// Module over the in-process virtual card, with a thin layer that plays what
// today's simulator does not (a 32-byte EF 0006 answering 6282, the Android
// token's PIN-protected authentication certificate, a signing PIN consumed by
// each signature). Plus the object privacy rule, which is a pure function.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
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
#include "sim/card_state.h"
#include "sim/virtual_card.h"

namespace jpki::pkcs11 {
namespace {

namespace fs = std::filesystem;
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
    const auto no_cert = []() -> Bytes { throw std::logic_error("CKA_PRIVATE needs no certificate"); };
    const AttributeValue v = attribute_of(ObjectRef{KeyKind::kAuth, ObjectKind::kCertificate}, CKA_PRIVATE,
                                          no_cert, {}, auth_private);
    ASSERT_EQ(v.state, AttributeValue::State::kValue);
    EXPECT_EQ(v.value, Bytes{static_cast<std::uint8_t>(auth_private ? CK_TRUE : CK_FALSE)});
  }
  EXPECT_TRUE(card::auth_certificate_needs_pin(card::TokenModel::kAndroid));
}

// ---- a card variant over the virtual card --------------------------------------

struct Variant {
  std::string token_name = "JPKIAPICCTOKEN2";
  bool token_info_32 = false;      // EF 0006 holds the space-padded name only
  bool eof_6282 = false;           // a READ past the end: the bytes that exist + 6282
  bool auth_cert_pin = false;      // EF 000A: 6982 until the auth PIN is verified
  bool sign_pin_consumed = false;  // a signature with the signing key drops its verification
};

class VariantCard {
 public:
  VariantCard(const fs::path& template_dir, const fs::path& dir, const Variant& v) : v_(v) {
    fs::remove_all(dir);
    fs::copy(template_dir, dir, fs::copy_options::recursive);
    // The simulator serves EF 0006 in the size asked; the name (any, even one the
    // simulator does not know) is put into its answers below.
    sim::Variant sv;
    sv.token_info = v.token_info_32 ? 32 : 160;
    name_ = v.token_name + std::string(32 - v.token_name.size(), ' ');
    card_ = std::make_unique<sim::VirtualCard>(dir, sim::CardOptions(sv));
    const Bytes& file = card_->state().files.at(apdu::ef::kAuthCert);
    auth_cert_.assign(file.begin(),
                      file.begin() + static_cast<std::ptrdiff_t>(*card::der_sequence_length(file)));
  }

  Bytes process(ByteView raw) {
    commands.emplace_back(raw.begin(), raw.end());
    const auto c = apdu::parse_command(raw);
    if (!c) return card_->process(raw);
    if (c->ins == apdu::ins::kSelect && c->p1 == 0x04) {
      auth_verified_ = false;  // the virtual card drops both PINs on re-SELECT
      sign_consumed_ = false;
    }
    if (c->ins == apdu::ins::kReadBinary && ef_ == apdu::ef::kAuthCert && v_.auth_cert_pin && !auth_verified_)
      return {0x69, 0x82};
    if (c->ins == apdu::ins::kComputeSignature && ef_ == apdu::ef::kSignKey && sign_consumed_)
      return {0x69, 0x82};
    Bytes r = card_->process(raw);
    const bool ok = r.size() >= 2 && r[r.size() - 2] == 0x90 && r[r.size() - 1] == 0x00;
    if (c->ins == apdu::ins::kSelect && c->p1 == 0x02 && ok) ef_ = (c->data[0] << 8) | c->data[1];
    if (c->ins == apdu::ins::kVerify && !c->data.empty() && ok) {
      if (ef_ == apdu::ef::kAuthPin) auth_verified_ = true;
      if (ef_ == apdu::ef::kSignPin) sign_consumed_ = false;
    }
    if (c->ins == apdu::ins::kComputeSignature && ef_ == apdu::ef::kSignKey && ok && v_.sign_pin_consumed)
      sign_consumed_ = true;
    if (c->ins == apdu::ins::kReadBinary && ef_ == apdu::ef::kTokenInfo && c->p1 == 0 &&
        c->p2 < name_.size()) {
      for (std::size_t i = c->p2; i < name_.size() && i - c->p2 + 2 < r.size(); ++i)
        r[i - c->p2] = static_cast<std::uint8_t>(name_[i]);
    }
    if (c->ins == apdu::ins::kReadBinary && ef_ == apdu::ef::kTokenInfo && ok && v_.eof_6282 &&
        r.size() - 2 < c->le.value_or(256)) {
      r[r.size() - 2] = 0x62;
      r[r.size() - 1] = 0x82;
    }
    return r;
  }
  void reset() {
    card_->reset();
    auth_verified_ = false;
    sign_consumed_ = false;
  }
  [[nodiscard]] std::size_t count(std::uint8_t ins, bool with_data = false) const {
    std::size_t n = 0;
    for (const Bytes& c : commands) {
      if (c.size() > 1 && c[1] == ins && (!with_data || c.size() > 5)) ++n;
    }
    return n;
  }
  [[nodiscard]] const Bytes& auth_cert() const { return auth_cert_; }
  std::vector<Bytes> commands;

 private:
  Variant v_;
  std::string name_;
  std::unique_ptr<sim::VirtualCard> card_;
  Bytes auth_cert_;
  std::optional<int> ef_;
  bool auth_verified_ = false;
  bool sign_consumed_ = false;
};

class VariantChannel final : public transport::CardChannel {
 public:
  explicit VariantChannel(VariantCard& card) : card_(card) {}
  Bytes transmit(ByteView command) override { return card_.process(command); }
  void begin_transaction() override {}
  void end_transaction() noexcept override {}
  void reconnect(bool power_cycle) override {
    if (power_cycle) card_.reset();
  }
  [[nodiscard]] std::size_t max_response_size() const override { return 65538; }
  [[nodiscard]] Bytes atr() const override { return {}; }
  [[nodiscard]] std::string reader_name() const override { return "Variant Reader 00"; }

 private:
  VariantCard& card_;
};

class OneReader final : public transport::ReaderProvider {
 public:
  explicit OneReader(VariantCard& card) : card_(card) {}
  std::vector<transport::ReaderState> readers() override { return {{"Variant Reader 00", true, 1}}; }
  std::unique_ptr<transport::CardChannel> connect(const std::string& /*reader*/) override {
    return std::make_unique<VariantChannel>(card_);
  }
  bool wait_for_change(std::chrono::milliseconds /*timeout*/) override { return false; }
  void cancel() override {}

 private:
  VariantCard& card_;
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
  static void SetUpTestSuite() {
    template_ = fs::temp_directory_path() / ("jpki-variants-template-" + std::to_string(::getpid()));
    fs::remove_all(template_);
    sim::create_card(template_, sim::InitOptions{});
  }
  static void TearDownTestSuite() { fs::remove_all(template_); }
  void TearDown() override {
    module_.reset();
    card_.reset();
    fs::remove_all(dir());
  }
  static fs::path dir() {
    return fs::temp_directory_path() / ("jpki-variants-" + std::to_string(::getpid()));
  }

  void start(const Variant& v, Settings settings = {}) {
    card_ = std::make_unique<VariantCard>(template_, dir(), v);
    module_ = std::make_unique<Module>(std::make_unique<OneReader>(*card_), settings);
    CK_ULONG n = 2;
    ASSERT_EQ(call([&] { return module_->get_slot_list(CK_TRUE, slots_, &n); }), CKR_OK);
    ASSERT_EQ(n, 2u) << "both tokens shown";
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

  static fs::path template_;
  std::unique_ptr<VariantCard> card_;
  std::unique_ptr<Module> module_;
  CK_SLOT_ID slots_[2]{};
};
fs::path Variants::template_;

// token=android (32-byte EF 0006): auth certificate and public key private until
// login; listing them before login is clean; after login they are there and the
// key signs. The model is shown, the label is not changed.
TEST_F(Variants, AndroidTokenShowsItsAuthCertificateAfterLogin) {
  Variant v;
  v.token_name = "JPKIAPGPSETOKEN";
  v.token_info_32 = true;
  v.auth_cert_pin = true;
  start(v);
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
  EXPECT_EQ(card_->count(apdu::ins::kVerify, true), 0u) << "no PIN sent before login";

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
  EXPECT_EQ(value, card_->auth_cert());
  EXPECT_EQ(sign(h), CKR_OK);
  EXPECT_EQ(field(token_info(KeyKind::kAuth).serialNumber, 16), serial) << "the login changes no serial";
}

// The report's card: EF 0006 of 32 bytes answered with 62 82; the serial then
// comes from the authentication certificate.
TEST_F(Variants, ThirtyTwoByteTokenInfoCardTakesTheAuthCertificateSerial) {
  Variant v;
  v.token_info_32 = true;
  v.eof_6282 = true;
  start(v);
  const CK_TOKEN_INFO a = token_info(KeyKind::kAuth);
  EXPECT_EQ(field(a.model, 16), "My Number Card  ");
  std::string want = serial_hex_of(card_->auth_cert());
  want.resize(16, ' ');
  EXPECT_EQ(field(a.serialNumber, 16), want);
  const std::size_t reads = card_->count(apdu::ins::kReadBinary);
  EXPECT_EQ(field(token_info(KeyKind::kSign).serialNumber, 16), want);
  const CK_SESSION_HANDLE h = open(KeyKind::kAuth);
  std::vector<CK_OBJECT_HANDLE> objects;
  EXPECT_EQ(list_objects(h, objects), CKR_OK);
  EXPECT_EQ(objects.size(), 3u);
  EXPECT_EQ(card_->count(apdu::ins::kReadBinary) - reads, 2u)
      << "the auth certificate is read once per insertion: only its CA is read now";
}

// A card that is not an Android token but answers 6982 on EF 000A anyway: the
// certificate becomes private until login instead of an error on every listing.
TEST_F(Variants, UnexpectedPinOnTheAuthCertificateMakesItPrivate) {
  Variant v;
  v.token_info_32 = true;
  v.auth_cert_pin = true;
  start(v);
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
  Variant v;
  v.auth_cert_pin = true;
  start(v);
  const CK_SESSION_HANDLE h = open(KeyKind::kAuth);
  std::vector<CK_OBJECT_HANDLE> objects;
  EXPECT_EQ(list_objects(h, objects), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(list_objects(h, objects), CKR_OK);
  EXPECT_EQ(objects.size(), 1u);
  EXPECT_EQ(card_->count(apdu::ins::kVerify, true), 0u);
}

// sign-pin=consumed with sign_always_authenticate=off: the second signature
// gets 6982, which is CKR_USER_NOT_LOGGED_IN and a logout in our view; a new
// login signs again.
TEST_F(Variants, ConsumedSigningPinWithoutAlwaysAuthenticate) {
  Variant v;
  v.sign_pin_consumed = true;
  Settings s;
  s.sign_always_authenticate = false;
  start(v, s);
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
  Variant v;
  v.sign_pin_consumed = true;
  start(v);
  const CK_SESSION_HANDLE h = open(KeyKind::kSign);
  ASSERT_EQ(login(h, "ABCDEF12"), CKR_OK);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(sign(h, "ABCDEF12"), CKR_OK) << i;
}

TEST_F(Variants, OtherTokenNamesShowTheirModel) {
  const std::vector<std::pair<std::string, std::string>> names = {{"JPKIAPIOSTOKEN", "iPhone          "},
                                                                  {"JPKIAPICCTOKEN", "Juki card       "},
                                                                  {"JPKIAPNEWTOKEN", "JPKIAPNEWTOKEN  "}};
  for (const auto& [name, model] : names) {
    Variant v;
    v.token_name = name;
    start(v);
    const CK_TOKEN_INFO a = token_info(KeyKind::kAuth);
    EXPECT_EQ(field(a.model, 16), model);
    EXPECT_EQ(field(a.label, 32), "JPKI User Authentication        ");
    module_.reset();
  }
}

}  // namespace
}  // namespace jpki::pkcs11
