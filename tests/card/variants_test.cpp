// The card driver on every card variant the simulator spec lists (BRIEF.md,
// docs/jpki-card.md §9): each test plays one variant's exact bytes through a
// ScriptedChannel and checks what the driver returns and which APDUs it sent.
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "card/jpki_card.h"
#include "card/token_model.h"
#include "card/token_serial.h"
#include "common/openssl_ptr.h"
#include "tests/support/scripted_channel.h"

namespace jpki::card {
namespace {

using test::ScriptedChannel;

const char* const kSelectAp = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
const char* const kSelectInfo = "00 A4 02 0C 02 00 06";
const char* const kSelectAuthCert = "00 A4 02 0C 02 00 0A";
const char* const kSelectAuthPin = "00 A4 02 0C 02 00 18";
const char* const kSelectSignPin = "00 A4 02 0C 02 00 1B";
const char* const kSelectSignKey = "00 A4 02 0C 02 00 1A";
const char* const kRetryQuery = "00 20 00 80";
constexpr std::uint8_t kInsVerify = 0x20;

std::string hex(ByteView b) { return to_hex(b); }
std::string hex(const std::string& s) { return to_hex(as_bytes(s)); }

// EF 0006, 32-byte layout: the space-padded token name.
std::string name32(const std::string& name) { return hex(name + std::string(32 - name.size(), ' ')); }

// EF 0006, 160-byte layout: a serialised CK_TOKEN_INFO (docs/jpki-card.md §4.1).
std::string info160(const std::string& name, const std::string& serial = "7628218871281910") {
  return name32(name) + " " + hex(std::string(32, '0')) + " " + hex(std::string("JPKISIM1") + "        ") +
         " " + hex(serial + std::string(16 - serial.size(), ' ')) + " " + hex(Bytes(64, 0));
}

// A DER SEQUENCE of `total` bytes (header included) with recognisable content.
Bytes der_blob(std::size_t total) {
  Bytes b(total);
  b[0] = 0x30;
  b[1] = 0x82;
  b[2] = static_cast<std::uint8_t>((total - 4) >> 8);
  b[3] = static_cast<std::uint8_t>((total - 4) & 0xFF);
  for (std::size_t i = 4; i < total; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return b;
}
std::string part(const Bytes& b, std::size_t from, std::size_t to) {
  return hex(ByteView(b).subspan(from, to - from));
}

// A real (self-signed, EC) certificate with the given serial number.
Bytes certificate_with_serial(const std::string& serial_hex) {
  const Pkey key(EVP_EC_gen("P-256"));
  const X509Ptr x(X509_new());
  BIGNUM* raw_bn = nullptr;
  BN_hex2bn(&raw_bn, serial_hex.c_str());
  const BignumPtr bn(raw_bn);
  const Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  X509_set_serialNumber(x.get(), serial.get());
  X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("test"), -1, -1, 0);  // NOLINT
  X509_set_issuer_name(x.get(), X509_get_subject_name(x.get()));
  X509_set_pubkey(x.get(), key.get());
  X509_sign(x.get(), key.get(), EVP_sha256());
  Bytes der(static_cast<std::size_t>(i2d_X509(x.get(), nullptr)));
  unsigned char* out = der.data();
  i2d_X509(x.get(), &out);
  return der;
}

CardErrorKind error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const CardError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no CardError";
  return CardErrorKind::kUnexpectedStatus;
}

// ---- detection: EF 0006 of 32 or 160 bytes, and how its end is said ----------

// The failing case of the report: `00 B0 00 00 A0` answered with 32 bytes + 62 82.
TEST(CardDetect, ThirtyTwoByteTokenInfoAnsweredWithWarning6282) {
  ScriptedChannel ch;
  ch.expect(kSelectInfo, "90 00");
  ch.expect("00 B0 00 00 A0", name32("JPKIAPICCTOKEN2") + " 62 82");
  JpkiCard card(ch);
  const TokenInfo t = card.detect();
  EXPECT_EQ(t.token_name, "JPKIAPICCTOKEN2");
  EXPECT_EQ(t.model, TokenModel::kCard);
  EXPECT_EQ(t.serial, "") << "no serialNumber field in the 32-byte layout";
  EXPECT_EQ(t.raw.size(), 32u);
  EXPECT_EQ(card.apdu_count(), 2u);
  EXPECT_TRUE(ch.done());
}

// token-info=32 with each `eof` answer to a Le past the end of the file.
TEST(CardDetect, ThirtyTwoByteTokenInfoWithEachEndOfFileAnswer) {
  struct Case {
    const char* eof;
    std::vector<std::pair<std::string, std::string>> reads;
  };
  const std::string data = name32("JPKIAPICCTOKEN2");
  const std::vector<Case> cases = {
      {"short", {{"00 B0 00 00 A0", data + " 90 00"}}},
      {"6282", {{"00 B0 00 00 A0", data + " 62 82"}}},
      {"6cxx", {{"00 B0 00 00 A0", "6C 20"}, {"00 B0 00 00 20", data + " 90 00"}}},
      {"6b00", {{"00 B0 00 00 A0", "6B 00"}, {"00 B0 00 00 20", data + " 90 00"}}},
      {"6700", {{"00 B0 00 00 A0", "67 00"}, {"00 B0 00 00 20", data + " 90 00"}}},
      {"6a86", {{"00 B0 00 00 A0", "6A 86"}, {"00 B0 00 00 20", data + " 90 00"}}},
      {"6b00 then 6282", {{"00 B0 00 00 A0", "6B 00"}, {"00 B0 00 00 20", data + " 62 82"}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.eof);
    ScriptedChannel ch;
    ch.expect(kSelectInfo, "90 00");
    for (const auto& [cmd, answer] : c.reads) ch.expect(cmd, answer);
    JpkiCard card(ch);
    const TokenInfo t = card.detect();
    EXPECT_EQ(t.model, TokenModel::kCard);
    EXPECT_EQ(t.raw.size(), 32u);
    EXPECT_EQ(card.apdu_count(), 1 + c.reads.size());
    EXPECT_EQ(ch.sent_with_ins(kInsVerify), 0u);
    EXPECT_TRUE(ch.done());
  }
}

TEST(CardDetect, FullTokenInfoIsOneReadAndGivesTheSerial) {
  ScriptedChannel ch;
  ch.expect(kSelectInfo, "90 00");
  ch.expect("00 B0 00 00 A0", info160("JPKIAPICCTOKEN2") + " 90 00");
  JpkiCard card(ch);
  const TokenInfo t = card.detect();
  EXPECT_EQ(t.model, TokenModel::kCard);
  EXPECT_EQ(t.serial, "7628218871281910");
  EXPECT_EQ(t.manufacturer, std::string(32, '0'));
  EXPECT_EQ(t.model_field, "JPKISIM1");
  EXPECT_EQ(t.raw.size(), 160u);
  EXPECT_EQ(card.apdu_count(), 2u);
  EXPECT_TRUE(ch.done());
}

TEST(CardDetect, JustInsertedCardCostsTheAppletSelectToo) {
  ScriptedChannel ch;
  ch.expect(kSelectInfo, "6A 82");
  ch.expect(kSelectAp, "90 00");
  ch.expect(kSelectInfo, "90 00");
  ch.expect("00 B0 00 00 A0", info160("JPKIAPICCTOKEN2") + " 90 00");
  JpkiCard card(ch);
  EXPECT_EQ(card.detect().serial, "7628218871281910");
  EXPECT_EQ(card.apdu_count(), 4u);
  EXPECT_TRUE(ch.done());
}

TEST(CardDetect, BlankZeroOrBinarySerialFieldIsNoSerial) {
  for (const std::string& serial : {std::string(), std::string("0000000000000000"),
                                    std::string("12\x01"
                                                "4",
                                                4)}) {
    ScriptedChannel ch;
    ch.expect(kSelectInfo, "90 00");
    ch.expect("00 B0 00 00 A0", info160("JPKIAPICCTOKEN2", serial) + " 90 00");
    JpkiCard card(ch);
    EXPECT_EQ(card.detect().serial, "") << hex(serial);
  }
}

// max-le: 9000 with fewer bytes than asked; reading goes on from there.
TEST(CardDetect, ReaderThatSendsLessGoesOnFromThere) {
  const Bytes full = from_hex(info160("JPKIAPICCTOKEN2"));
  ScriptedChannel ch;
  ch.expect(kSelectInfo, "90 00");
  ch.expect("00 B0 00 00 A0", part(full, 0, 64) + " 90 00");
  ch.expect("00 B0 00 40 60", part(full, 64, 128) + " 90 00");
  ch.expect("00 B0 00 80 20", part(full, 128, 160) + " 90 00");
  JpkiCard card(ch);
  const TokenInfo t = card.detect();
  EXPECT_EQ(t.raw, full);
  EXPECT_EQ(t.serial, "7628218871281910");
  EXPECT_TRUE(ch.done());

  // 16 bytes per answer on a 32-byte EF: on to its end (6B00), then stop.
  const Bytes name = from_hex(name32("JPKIAPGPSETOKEN"));
  ScriptedChannel ch2;
  ch2.expect(kSelectInfo, "90 00");
  ch2.expect("00 B0 00 00 A0", part(name, 0, 16) + " 90 00");
  ch2.expect("00 B0 00 10 90", part(name, 16, 32) + " 90 00");
  ch2.expect("00 B0 00 20 80", "6B 00");
  JpkiCard card2(ch2);
  const TokenInfo t2 = card2.detect();
  EXPECT_EQ(t2.model, TokenModel::kAndroid);
  EXPECT_EQ(t2.raw, name);
  EXPECT_TRUE(ch2.done());
}

// fci=yes and get-response=yes, alone and together, on a just-inserted card.
TEST(CardDetect, SelectWithFciAndAnswersByGetResponse) {
  const std::string fci_ap = "6F 0C 84 0A D3 92 F0 00 26 01 00 00 00 01";
  const std::string fci_ef = "6F 04 83 02 00 06";
  {
    SCOPED_TRACE("fci");
    ScriptedChannel ch;
    ch.expect(kSelectInfo, "6A 82");
    ch.expect(kSelectAp, fci_ap + " 90 00");
    ch.expect(kSelectInfo, fci_ef + " 90 00");
    ch.expect("00 B0 00 00 A0", name32("JPKIAPICCTOKEN2") + " 62 82");
    JpkiCard card(ch);
    EXPECT_EQ(card.detect().model, TokenModel::kCard);
    EXPECT_TRUE(ch.done());
  }
  {
    SCOPED_TRACE("get-response, 160 bytes");
    ScriptedChannel ch;
    ch.expect(kSelectInfo, "90 00");
    ch.expect("00 B0 00 00 A0", "61 A0");
    ch.expect("00 C0 00 00 A0", info160("JPKIAPICCTOKEN2") + " 90 00");
    JpkiCard card(ch);
    EXPECT_EQ(card.detect().serial, "7628218871281910");
    EXPECT_EQ(card.apdu_count(), 3u);
    EXPECT_TRUE(ch.done());
  }
  {
    SCOPED_TRACE("get-response, 32 bytes");
    ScriptedChannel ch;
    ch.expect(kSelectInfo, "90 00");
    ch.expect("00 B0 00 00 A0", "61 20");
    ch.expect("00 C0 00 00 20", name32("JPKIAPIOSTOKEN") + " 62 82");
    JpkiCard card(ch);
    EXPECT_EQ(card.detect().model, TokenModel::kIphone);
    EXPECT_TRUE(ch.done());
  }
  {
    SCOPED_TRACE("fci and get-response");
    ScriptedChannel ch;
    ch.expect(kSelectInfo, "6A 82");
    ch.expect(kSelectAp, "61 0E");
    ch.expect("00 C0 00 00 0E", fci_ap + " 90 00");
    ch.expect(kSelectInfo, "61 06");
    ch.expect("00 C0 00 00 06", fci_ef + " 90 00");
    ch.expect("00 B0 00 00 A0", "61 A0");
    ch.expect("00 C0 00 00 A0", info160("JPKIAPICCTOKEN2") + " 90 00");
    JpkiCard card(ch);
    EXPECT_EQ(card.detect().serial, "7628218871281910");
    EXPECT_TRUE(ch.done());
  }
}

TEST(CardDetect, TokenNamesGiveTheModel) {
  const std::vector<std::pair<std::string, TokenModel>> names = {
      {"JPKIAPICCTOKEN2", TokenModel::kCard},       {"JPKIAPGPSETOKEN", TokenModel::kAndroid},
      {"JPKIAPIOSTOKEN", TokenModel::kIphone},      {"JPKIAPICCTOKEN", TokenModel::kJuki},
      {"JPKIAPFUTURETOKEN3", TokenModel::kUnknown},
  };
  for (const auto& [name, model] : names) {
    for (const bool full : {false, true}) {
      SCOPED_TRACE(name + (full ? " 160" : " 32"));
      ScriptedChannel ch;
      ch.expect(kSelectInfo, "90 00");
      ch.expect("00 B0 00 00 A0", (full ? info160(name) : name32(name)) + " 90 00");
      JpkiCard card(ch);
      const TokenInfo t = card.detect();
      EXPECT_EQ(t.token_name, name);
      EXPECT_EQ(t.model, model);
    }
  }
  EXPECT_EQ(model_label(TokenModel::kCard), "My Number Card");
  EXPECT_EQ(model_label(TokenModel::kAndroid), "Android phone");
  EXPECT_EQ(model_label(TokenModel::kIphone), "iPhone");
  EXPECT_EQ(model_label(TokenModel::kJuki), "Juki card");
  EXPECT_EQ(model_label(TokenModel::kUnknown), "");
  EXPECT_TRUE(auth_certificate_needs_pin(TokenModel::kAndroid));
  EXPECT_FALSE(auth_certificate_needs_pin(TokenModel::kCard));
  EXPECT_FALSE(auth_certificate_needs_pin(TokenModel::kIphone));
  EXPECT_FALSE(token_model_of("JPKIA").has_value());
  EXPECT_FALSE(token_model_of("").has_value());
}

TEST(CardDetect, AnotherNameIsNotJpkiEvenAfterSelectingTheApplet) {
  ScriptedChannel ch;
  ch.expect(kSelectInfo, "90 00");
  ch.expect("00 B0 00 00 A0", name32("SOMEOTHERAPPLET") + " 90 00");
  ch.expect(kSelectAp, "90 00");
  ch.expect(kSelectInfo, "90 00");
  ch.expect("00 B0 00 00 A0", name32("SOMEOTHERAPPLET") + " 62 82");
  JpkiCard card(ch);
  EXPECT_EQ(error_of([&] { card.detect(); }), CardErrorKind::kNotJpki);
  EXPECT_TRUE(ch.done());
}

TEST(CardDetect, NoTokenInfoEfIsNotJpki) {
  ScriptedChannel ch;  // SELECT of the EF refused in the applet
  ch.expect(kSelectInfo, "6A 82");
  ch.expect(kSelectAp, "90 00");
  ch.expect(kSelectInfo, "6A 82");
  JpkiCard card(ch);
  EXPECT_EQ(error_of([&] { card.detect(); }), CardErrorKind::kNotJpki);
  EXPECT_TRUE(ch.done());

  ScriptedChannel ch2;  // or the READ says so
  ch2.expect(kSelectInfo, "90 00");
  ch2.expect("00 B0 00 00 A0", "6A 82");
  ch2.expect(kSelectAp, "90 00");
  ch2.expect(kSelectInfo, "90 00");
  ch2.expect("00 B0 00 00 A0", "6A 82");
  JpkiCard card2(ch2);
  EXPECT_EQ(error_of([&] { card2.detect(); }), CardErrorKind::kNotJpki);
  EXPECT_TRUE(ch2.done());
}

// Anything but "no such applet / EF / name" keeps the card for the next poll.
TEST(CardDetect, UnreadableTokenInfoIsNotANoButAskAgain) {
  for (const std::string sw : {"6F 00", "69 82", "69 86", "62 82"}) {
    SCOPED_TRACE(sw);
    ScriptedChannel ch;
    ch.expect(kSelectInfo, "90 00");
    ch.expect("00 B0 00 00 A0", sw);
    ch.expect("00 B0 00 00 20", sw);
    ch.expect(kSelectAp, "90 00");
    ch.expect(kSelectInfo, "90 00");
    ch.expect("00 B0 00 00 A0", sw);
    ch.expect("00 B0 00 00 20", sw);
    JpkiCard card(ch);
    EXPECT_EQ(error_of([&] { card.detect(); }), CardErrorKind::kUnexpectedStatus);
    EXPECT_TRUE(ch.done());
    // Asked again (the next poll): the card is still worth asking.
    ch.expect(kSelectInfo, "90 00");
    ch.expect("00 B0 00 00 A0", info160("JPKIAPICCTOKEN2") + " 90 00");
    EXPECT_EQ(card.detect().model, TokenModel::kCard);
    EXPECT_TRUE(ch.done());
  }
}

TEST(CardDetect, MoreThanLeIsStillRefused) {
  ScriptedChannel ch;
  ch.expect(kSelectInfo, "90 00");
  ch.expect("00 B0 00 00 A0", hex(Bytes(200, 0x41)) + " 90 00");
  ch.expect(kSelectAp, "90 00");
  ch.expect(kSelectInfo, "90 00");
  ch.expect("00 B0 00 00 A0", hex(Bytes(200, 0x41)) + " 90 00");
  JpkiCard card(ch);
  EXPECT_EQ(error_of([&] { card.detect(); }), CardErrorKind::kBadResponse);
  EXPECT_TRUE(ch.done());
}

// docs/jpki-card.md §9: contact, contactless, and random-PUPI ATRs. None is looked at.
TEST(CardDetect, NeverLooksAtTheAtr) {
  for (const char* atr :
       {"", "3B E0 00 FF 81 31 FE 45 14", "3B DA 13 FF 81 31 FB 46 80 12 39 2F 31 C1 73 C6 01 C0 3B",
        "3B 88 80 01 00 00 05 E0 B3 81 A1 00 7F", "3B 88 80 01 12 34 56 78 00 00 00 00 00",
        "3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A"}) {
    ScriptedChannel ch;
    ch.script().atr_bytes = from_hex(atr);
    ch.expect(kSelectInfo, "6A 82");
    ch.expect(kSelectAp, "90 00");
    ch.expect(kSelectInfo, "90 00");
    ch.expect("00 B0 00 00 A0", name32("JPKIAPICCTOKEN2") + " 62 82");
    JpkiCard card(ch);
    EXPECT_EQ(card.detect().model, TokenModel::kCard) << atr;
    EXPECT_EQ(ch.atr_reads, 0) << "the driver read the ATR";
    EXPECT_TRUE(ch.done());
  }
}

// ---- certificates -----------------------------------------------------------

class CardCertificate : public ::testing::Test {
 protected:
  void SetUp() override {
    ch_.expect(kSelectAp, "90 00");
    ch_.expect(kSelectAuthCert, "90 00");
  }
  Bytes read() {
    JpkiCard card(ch_);
    Bytes der = card.read_certificate(CertKind::kAuth);
    EXPECT_TRUE(ch_.done());
    EXPECT_EQ(ch_.sent_with_ins(kInsVerify), 0u);
    return der;
  }
  ScriptedChannel ch_;
};

// cert-pad=none with extended length: header read, then exactly the rest.
TEST_F(CardCertificate, ExactSizeEfReadToItsEnd) {
  const Bytes der = der_blob(1000);
  ch_.max_response = 65538;
  ch_.expect("00 B0 00 00 00", part(der, 0, 256) + " 90 00");
  ch_.expect("00 B0 01 00 00 02 E8", part(der, 256, 1000) + " 90 00");
  EXPECT_EQ(read(), der);
}

// cert-pad=ff and 00: the DER length decides, no READ goes into the filler.
TEST_F(CardCertificate, PaddedEfReadExactlyToTheDerLength) {
  const Bytes der = der_blob(700);
  for (const std::uint8_t fill : {std::uint8_t{0xFF}, std::uint8_t{0x00}}) {
    Bytes file = der;
    file.insert(file.end(), 300, fill);
    ScriptedChannel& ch = ch_;
    ch.expect("00 B0 00 00 00", part(file, 0, 256) + " 90 00");
    ch.expect("00 B0 01 00 00", part(file, 256, 512) + " 90 00");
    ch.expect("00 B0 02 00 BC", part(file, 512, 700) + " 90 00");
    EXPECT_EQ(read(), der);
    ch.expect(kSelectAp, "90 00");  // the next round's card
    ch.expect(kSelectAuthCert, "90 00");
  }
}

// ext=truncate: the extended READ comes back with 256 bytes + 9000.
TEST_F(CardCertificate, TruncatedExtendedReadGoesOnWithShortReads) {
  const Bytes der = der_blob(1000);
  ch_.max_response = 65538;
  ch_.expect("00 B0 00 00 00", part(der, 0, 256) + " 90 00");
  ch_.expect("00 B0 01 00 00 02 E8", part(der, 256, 512) + " 90 00");
  ch_.expect("00 B0 02 00 00", part(der, 512, 768) + " 90 00");
  ch_.expect("00 B0 03 00 E8", part(der, 768, 1000) + " 90 00");
  JpkiCard card(ch_);
  EXPECT_EQ(card.read_certificate(CertKind::kAuth), der);
  // No extended READ for the next certificate: it bought nothing.
  ch_.expect(kSelectAuthCert, "90 00");
  ch_.expect("00 B0 00 00 00", part(der, 0, 256) + " 90 00");
  ch_.expect("00 B0 01 00 00", part(der, 256, 512) + " 90 00");
  ch_.expect("00 B0 02 00 00", part(der, 512, 768) + " 90 00");
  ch_.expect("00 B0 03 00 E8", part(der, 768, 1000) + " 90 00");
  EXPECT_EQ(card.read_certificate(CertKind::kAuth), der);
  EXPECT_TRUE(ch_.done());
}

// max-le=100: every answer shorter than asked; on from the new offset.
TEST_F(CardCertificate, CardThatSendsLessGoesOnFromThere) {
  const Bytes der = der_blob(450);
  ch_.expect("00 B0 00 00 00", part(der, 0, 100) + " 90 00");
  ch_.expect("00 B0 00 64 00", part(der, 100, 200) + " 90 00");
  ch_.expect("00 B0 00 C8 FA", part(der, 200, 300) + " 90 00");
  ch_.expect("00 B0 01 2C 96", part(der, 300, 400) + " 90 00");
  ch_.expect("00 B0 01 90 32", part(der, 400, 450) + " 90 00");
  EXPECT_EQ(read(), der);
}

// max-le=2: even the DER header comes in parts.
TEST_F(CardCertificate, HeaderSplitOverAnswers) {
  Bytes der{0x30, 0x81, 0x84};
  for (int i = 0; i < 0x84; ++i) der.push_back(static_cast<std::uint8_t>(i));
  ch_.expect("00 B0 00 00 00", part(der, 0, 2) + " 90 00");
  ch_.expect("00 B0 00 02 00", part(der, 2, 4) + " 90 00");
  for (std::size_t off = 4; off < der.size(); off += 2) {
    const std::size_t n = std::min<std::size_t>(2, der.size() - off);
    ch_.expect("00 B0 00 " + hex(Bytes{static_cast<std::uint8_t>(off)}) + " " +
                   hex(Bytes{static_cast<std::uint8_t>(der.size() - off)}),
               part(der, off, off + n) + " 90 00");
  }
  EXPECT_EQ(read(), der);
}

// 6Cxx in the middle and 6282 with the last bytes.
TEST_F(CardCertificate, WrongLeAndEndOfFileWarning) {
  const Bytes der = der_blob(600);
  ch_.expect("00 B0 00 00 00", part(der, 0, 256) + " 90 00");
  ch_.expect("00 B0 01 00 00", "6C 80");
  ch_.expect("00 B0 01 00 80", part(der, 256, 384) + " 90 00");
  ch_.expect("00 B0 01 80 D8", part(der, 384, 600) + " 62 82");
  EXPECT_EQ(read(), der);
}

// get-response=yes: every answer with data comes as 61xx, GET RESPONSE.
TEST_F(CardCertificate, GetResponseChains) {
  const Bytes der = der_blob(300);
  ch_.expect("00 B0 00 00 00", "61 00");
  ch_.expect("00 C0 00 00 00", part(der, 0, 128) + " 61 80");
  ch_.expect("00 C0 00 00 80", part(der, 128, 256) + " 90 00");
  ch_.expect("00 B0 01 00 2C", "61 2C");
  ch_.expect("00 C0 00 00 2C", part(der, 256, 300) + " 90 00");
  EXPECT_EQ(read(), der);
}

TEST(CardCertificateFci, SelectAnsweringFciIsAccepted) {
  const Bytes der = der_blob(300);
  ScriptedChannel ch;
  ch.expect(kSelectAp, "6F 0C 84 0A D3 92 F0 00 26 01 00 00 00 01 90 00");
  ch.expect("00 A4 02 0C 02 00 0B", "6F 04 83 02 00 0B 90 00");
  ch.expect("00 B0 00 00 00", part(der, 0, 256) + " 90 00");
  ch.expect("00 B0 01 00 2C", part(der, 256, 300) + " 90 00");
  JpkiCard card(ch);
  EXPECT_EQ(card.read_certificate(CertKind::kAuthCa), der);
  EXPECT_TRUE(ch.done());
}

TEST_F(CardCertificate, WarningWithoutDataIsNoCertificate) {
  ch_.expect("00 B0 00 00 00", "62 82");
  JpkiCard card(ch_);
  EXPECT_EQ(error_of([&] { card.read_certificate(CertKind::kAuth); }), CardErrorKind::kUnexpectedStatus);
}

TEST_F(CardCertificate, FileEndingBeforeTheDerLengthIsAnError) {
  const Bytes der = der_blob(600);
  ch_.expect("00 B0 00 00 00", part(der, 0, 256) + " 90 00");
  ch_.expect("00 B0 01 00 00", part(der, 256, 400) + " 62 82");
  ch_.expect("00 B0 01 90 C8", "6B 00");
  JpkiCard card(ch_);
  EXPECT_EQ(error_of([&] { card.read_certificate(CertKind::kAuth); }), CardErrorKind::kBadResponse);
}

// token=android / auth-cert-pin=yes: EF 000A answers 6982 until the 4-digit PIN.
TEST(CardAndroid, AuthCertificateNeedsThePinAndReadingItSpendsNoTry) {
  const Bytes der = der_blob(300);
  ScriptedChannel ch;
  ch.expect(kSelectInfo, "90 00");
  ch.expect("00 B0 00 00 A0", name32("JPKIAPGPSETOKEN") + " 62 82");
  ch.expect(kSelectAuthCert, "90 00");
  ch.expect("00 B0 00 00 00", "69 82");
  JpkiCard card(ch);
  EXPECT_EQ(card.detect().model, TokenModel::kAndroid);
  EXPECT_EQ(error_of([&] { card.read_certificate(CertKind::kAuth); }), CardErrorKind::kSecurityNotSatisfied);
  EXPECT_EQ(ch.sent_with_ins(kInsVerify), 0u);
  ch.expect(kSelectAuthPin, "90 00");
  ch.expect(kRetryQuery, "63 C3");
  ch.expect("00 20 00 80 04 31 32 33 34", "90 00");
  card.verify(KeyKind::kAuth, SecureString("1234"));
  ch.expect(kSelectAuthCert, "90 00");
  ch.expect("00 B0 00 00 00", part(der, 0, 256) + " 90 00");
  ch.expect("00 B0 01 00 2C", part(der, 256, 300) + " 90 00");
  EXPECT_EQ(card.read_certificate(CertKind::kAuth), der);
  EXPECT_TRUE(ch.done());
}

// ---- the exchange -----------------------------------------------------------

TEST(CardExchange, MoreDataThanLeStaysRefusedWhereLeWasSet) {
  ScriptedChannel ch;  // SIGN (Le=256) answered with 300 bytes
  ch.expect(kSelectAp, "90 00");
  ch.expect(kSelectSignKey, "90 00");
  const Bytes di(51, 0x11);
  ch.expect("80 2A 00 80 33 " + hex(di) + " 00", hex(Bytes(300, 0xA5)) + " 90 00");
  JpkiCard card(ch);
  EXPECT_EQ(error_of([&] { card.sign(KeyKind::kSign, di); }), CardErrorKind::kBadResponse);

  ch.expect(kSelectAuthPin, "90 00");  // the retry query (no Le) with data: no VERIFY follows
  ch.expect(kRetryQuery, hex(Bytes(300, 0xA5)) + " 63 C3");
  EXPECT_EQ(error_of([&] { card.verify(KeyKind::kAuth, SecureString("1234")); }),
            CardErrorKind::kBadResponse);
  EXPECT_EQ(ch.sent_with_ins(kInsVerify), 1u) << "only the query";
  EXPECT_TRUE(ch.done());
}

TEST(CardExchange, TraceHidesTheSigningCertificateInGetResponseToo) {
  const Bytes der = der_blob(300);
  ScriptedChannel ch;
  ch.expect(kSelectAp, "90 00");
  ch.expect("00 A4 02 0C 02 00 01", "90 00");
  ch.expect("00 B0 00 00 00", "61 00");
  ch.expect("00 C0 00 00 00", part(der, 0, 256) + " 90 00");
  ch.expect("00 B0 01 00 2C", "6C 2C");
  ch.expect("00 B0 01 00 2C", "61 2C");
  ch.expect("00 C0 00 00 2C", part(der, 256, 300) + " 90 00");
  std::string trace;
  JpkiCard card(ch, {}, [&](ByteView c, ByteView r) { trace += to_hex(c) + " / " + to_hex(r) + "\n"; });
  EXPECT_EQ(card.read_certificate(CertKind::kSign), der);
  EXPECT_EQ(trace.find(part(der, 8, 24)), std::string::npos) << trace;
  EXPECT_EQ(trace.find(part(der, 270, 290)), std::string::npos) << trace;
  EXPECT_TRUE(ch.done());
}

// ---- PINs: blocked said three ways, and the query while verified -------------

TEST(CardPin, BlockedAnswersToVerifyAreLocked) {
  for (const char* sw : {"69 83", "69 84", "63 C0"}) {
    ScriptedChannel ch;
    ch.expect(kSelectAp, "90 00");
    ch.expect(kSelectSignPin, "90 00");
    ch.expect(kRetryQuery, "63 C1");
    ch.expect("00 20 00 80 08 41 42 43 44 45 46 31 32", sw);
    JpkiCard card(ch);
    try {
      card.verify(KeyKind::kSign, SecureString("ABCDEF12"));
      ADD_FAILURE() << sw;
    } catch (const CardError& e) {
      EXPECT_EQ(e.kind(), CardErrorKind::kPinLocked) << sw;
      EXPECT_EQ(e.tries_left(), 0) << sw;
    }
    EXPECT_TRUE(ch.done()) << sw;
  }
}

TEST(CardPin, BlockedAnswersToTheQuerySendNoVerify) {
  for (const char* sw : {"69 83", "69 84", "63 C0"}) {
    for (const KeyKind k : {KeyKind::kAuth, KeyKind::kSign}) {
      ScriptedChannel ch;
      ch.expect(kSelectAp, "90 00");
      ch.expect(k == KeyKind::kAuth ? kSelectAuthPin : kSelectSignPin, "90 00");
      ch.expect(kRetryQuery, sw);
      ch.expect(k == KeyKind::kAuth ? kSelectAuthPin : kSelectSignPin, "90 00");
      ch.expect(kRetryQuery, sw);
      JpkiCard card(ch);
      const PinStatus st = card.pin_status(k);
      EXPECT_TRUE(st.blocked()) << sw;
      EXPECT_EQ(error_of([&] { card.verify(k, SecureString(k == KeyKind::kAuth ? "1234" : "ABCDEF12")); }),
                CardErrorKind::kPinLocked)
          << sw;
      EXPECT_EQ(ch.sent_with_ins(kInsVerify), 2u) << sw << ": the two queries, no VERIFY";
      EXPECT_TRUE(ch.done()) << sw;
    }
  }
}

// verified-query=9000: a verified PIN has its full count back.
TEST(CardPin, QueryAnswering9000WhileVerified) {
  for (const KeyKind k : {KeyKind::kAuth, KeyKind::kSign}) {
    ScriptedChannel ch;
    ch.expect(kSelectAp, "90 00");
    ch.expect(k == KeyKind::kAuth ? kSelectAuthPin : kSelectSignPin, "90 00");
    ch.expect(kRetryQuery, "90 00");
    JpkiCard card(ch);
    EXPECT_EQ(card.pin_status(k).tries_left, pin_rules(k).max_tries);
    EXPECT_TRUE(ch.done());
  }
}

// ---- signing ------------------------------------------------------------------

// sign-pin=consumed: the second signature gets 6982 until the next VERIFY.
TEST(CardSign, ConsumedSigningPinAsksForANewVerify) {
  const Bytes di(51, 0x22);
  const std::string sign_cmd = "80 2A 00 80 33 " + hex(di) + " 00";
  ScriptedChannel ch;
  ch.expect(kSelectAp, "90 00");
  ch.expect(kSelectSignKey, "90 00");
  ch.expect(sign_cmd, hex(Bytes(256, 0x01)) + " 90 00");
  ch.expect(kSelectSignKey, "90 00");
  ch.expect(sign_cmd, "69 82");
  ch.expect(kSelectSignPin, "90 00");
  ch.expect(kRetryQuery, "63 C5");
  ch.expect("00 20 00 80 08 41 42 43 44 45 46 31 32", "90 00");
  ch.expect(kSelectSignKey, "90 00");
  ch.expect(sign_cmd, hex(Bytes(256, 0x02)) + " 90 00");
  JpkiCard card(ch);
  EXPECT_EQ(card.sign(KeyKind::kSign, di)[0], 0x01);
  EXPECT_EQ(error_of([&] { card.sign(KeyKind::kSign, di); }), CardErrorKind::kSecurityNotSatisfied);
  card.verify(KeyKind::kSign, SecureString("ABCDEF12"));
  EXPECT_EQ(card.sign(KeyKind::kSign, di)[0], 0x02);
  EXPECT_TRUE(ch.done());
}

TEST(CardSign, FciAndGetResponseAroundASignature) {
  const Bytes di(51, 0x33);
  ScriptedChannel ch;
  ch.expect(kSelectAp, "61 0E");
  ch.expect("00 C0 00 00 0E", "6F 0C 84 0A D3 92 F0 00 26 01 00 00 00 01 90 00");
  ch.expect("00 A4 02 0C 02 00 17", "61 04");
  ch.expect("00 C0 00 00 04", "6F 02 80 00 90 00");
  ch.expect("80 2A 00 80 33 " + hex(di) + " 00", "61 00");
  ch.expect("00 C0 00 00 00", hex(Bytes(256, 0x5A)) + " 90 00");
  JpkiCard card(ch);
  EXPECT_EQ(card.sign(KeyKind::kAuth, di), Bytes(256, 0x5A));
  EXPECT_TRUE(ch.done());
}

// ---- the token's serial number --------------------------------------------------

struct CertificateLog {
  std::optional<Bytes> auth;
  std::optional<Bytes> auth_ca;
  std::vector<CertKind> asked;
  PublicCertificate source() {
    return [this](CertKind k) -> std::optional<Bytes> {
      asked.push_back(k);
      return k == CertKind::kAuth ? auth : k == CertKind::kAuthCa ? auth_ca : std::nullopt;
    };
  }
};

TokenInfo info_of(const std::string& hex_bytes, TokenModel model, const std::string& serial = "") {
  TokenInfo t;
  t.raw = from_hex(hex_bytes);
  t.model = model;
  t.serial = serial;
  return t;
}

TEST(TokenSerial, SerialFieldFirstWithoutReadingAnything) {
  CertificateLog certs;
  EXPECT_EQ(token_serial(info_of(info160("JPKIAPICCTOKEN2"), TokenModel::kCard, "7628218871281910"),
                         certs.source()),
            "7628218871281910");
  EXPECT_TRUE(certs.asked.empty());
}

TEST(TokenSerial, ElseTheAuthenticationCertificateSerial) {
  CertificateLog certs;
  certs.auth = certificate_with_serial("0123456789ABCDEF0123");
  EXPECT_EQ(token_serial(info_of(name32("JPKIAPICCTOKEN2"), TokenModel::kCard), certs.source()),
            "456789ABCDEF0123");
  EXPECT_EQ(certs.asked, std::vector<CertKind>{CertKind::kAuth});
  EXPECT_EQ(certificate_serial_hex(certificate_with_serial("2A")), "2A");
  EXPECT_FALSE(certificate_serial_hex(der_blob(300)).has_value());
}

TEST(TokenSerial, ElseAHashOfTheTokenInfoAndTheAuthenticationCa) {
  CertificateLog certs;  // auth certificate behind a PIN (6982) on a card that was not expected to
  certs.auth_ca = der_blob(500);
  const TokenInfo t = info_of(name32("JPKIAPICCTOKEN2"), TokenModel::kCard);
  const std::string serial = token_serial(t, certs.source());
  Bytes input = t.raw;
  input.insert(input.end(), certs.auth_ca->begin(), certs.auth_ca->end());
  Bytes digest(SHA256_DIGEST_LENGTH);
  SHA256(input.data(), input.size(), digest.data());
  std::string expected = to_hex(ByteView(digest).first(8));
  std::erase(expected, ' ');
  EXPECT_EQ(serial, expected);
  EXPECT_EQ(token_serial(t, certs.source()), serial) << "stable";
  EXPECT_EQ(certs.asked,
            (std::vector<CertKind>{CertKind::kAuth, CertKind::kAuthCa, CertKind::kAuth, CertKind::kAuthCa}));
}

// Android: the auth certificate is readable after login only, so it is never the
// source (the serial would change with the login).
TEST(TokenSerial, AndroidNeverAsksForTheAuthenticationCertificate) {
  CertificateLog certs;
  certs.auth = certificate_with_serial("0123456789ABCDEF0123");
  certs.auth_ca = der_blob(500);
  const std::string serial =
      token_serial(info_of(name32("JPKIAPGPSETOKEN"), TokenModel::kAndroid), certs.source());
  EXPECT_EQ(serial.size(), 16u);
  EXPECT_EQ(certs.asked, std::vector<CertKind>{CertKind::kAuthCa});
  certs.auth_ca.reset();  // no CA either: EF 0006 alone
  EXPECT_EQ(token_serial(info_of(name32("JPKIAPGPSETOKEN"), TokenModel::kAndroid), certs.source()).size(),
            16u);
}

}  // namespace
}  // namespace jpki::card
