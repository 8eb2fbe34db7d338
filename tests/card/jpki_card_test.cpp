// The card driver: exact APDU sequences (scripted card) and whole flows
// against the in-process virtual card.
#include "card/jpki_card.h"

#include <openssl/x509.h>

#include <filesystem>

#include "card/der_length.h"
#include "card/pin_policy.h"
#include "common/openssl_ptr.h"
#include "sim/card_state.h"
#include "tests/support/fake_channel.h"
#include "tests/support/scripted_channel.h"

namespace jpki::card {
namespace {

namespace fs = std::filesystem;
using test::FakeChannel;
using test::ScriptedChannel;
using test::SimCard;

const char* kSelectAp = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";

// ---- exact sequences -------------------------------------------------------

TEST(CardScripted, DetectKeepsAnAppletAnotherProcessSelected) {
  ScriptedChannel ch;
  ch.expect("00 A4 02 0C 02 00 06", "90 00");
  std::string info = to_hex(as_bytes("JPKIAPICCTOKEN2                 ")) + " " + to_hex(Bytes(48, 0x30)) +
                     " " + to_hex(as_bytes("0000000020500003")) + " " + to_hex(Bytes(64, 0));
  ch.expect("00 B0 00 00 A0", info + " 90 00");
  JpkiCard card(ch);
  const TokenInfo t = card.detect();
  EXPECT_EQ(t.token_name, "JPKIAPICCTOKEN2");
  EXPECT_EQ(t.serial, "0000000020500003");
  EXPECT_EQ(card.apdu_count(), 2u) << "no SELECT of the applet: that would log others out";
  EXPECT_TRUE(ch.done());
}

TEST(CardScripted, DetectSelectsTheAppletAfterAReset) {
  ScriptedChannel ch;
  ch.expect("00 A4 02 0C 02 00 06", "6A 82");
  ch.expect(kSelectAp, "90 00");
  ch.expect("00 A4 02 0C 02 00 06", "90 00");
  ch.expect("00 B0 00 00 A0",
            to_hex(as_bytes("JPKIAPICCTOKEN2")) + " " + to_hex(Bytes(145, 0x20)) + " 90 00");
  JpkiCard card(ch);
  EXPECT_EQ(card.detect().token_name, "JPKIAPICCTOKEN2");
  EXPECT_TRUE(ch.done());
}

TEST(CardScripted, NotAJpkiCard) {
  ScriptedChannel ch;
  ch.expect("00 A4 02 0C 02 00 06", "6A 82");
  ch.expect(kSelectAp, "6A 82");
  JpkiCard card(ch);
  try {
    card.detect();
    FAIL() << "detected a card without the applet";
  } catch (const CardError& e) {
    EXPECT_EQ(e.kind(), CardErrorKind::kNotJpki);
  }
}

TEST(CardScripted, LockedPinSendsNoVerify) {
  ScriptedChannel ch;
  ch.expect(kSelectAp, "90 00");
  ch.expect("00 A4 02 0C 02 00 18", "90 00");
  ch.expect("00 20 00 80", "63 C0");
  JpkiCard card(ch);
  try {
    card.verify(KeyKind::kAuth, SecureString("1234"));
    FAIL();
  } catch (const CardError& e) {
    EXPECT_EQ(e.kind(), CardErrorKind::kPinLocked);
  }
  EXPECT_TRUE(ch.done());
}

TEST(CardScripted, WrongPinReportsTriesAndIsNotRepeated) {
  ScriptedChannel ch;
  ch.expect(kSelectAp, "90 00");
  ch.expect("00 A4 02 0C 02 00 1B", "90 00");
  ch.expect("00 20 00 80", "63 C5");
  ch.expect("00 20 00 80 08 41 42 43 44 45 46 31 32", "63 C4");
  std::vector<std::string> trace;
  JpkiCard card(ch, {}, [&](ByteView c, ByteView r) { trace.push_back(to_hex(c) + " / " + to_hex(r)); });
  try {
    card.verify(KeyKind::kSign, SecureString("ABCDEF12"));
    FAIL();
  } catch (const CardError& e) {
    EXPECT_EQ(e.kind(), CardErrorKind::kPinIncorrect);
    EXPECT_EQ(e.tries_left(), 4);
  }
  EXPECT_TRUE(ch.done());
  for (const auto& line : trace)
    EXPECT_EQ(line.find("41 42 43"), std::string::npos) << "PIN in trace: " << line;
}

TEST(CardScripted, GetResponseAndWrongLe) {
  ScriptedChannel ch;
  ch.expect(kSelectAp, "90 00");
  ch.expect("00 A4 02 0C 02 00 17", "90 00");
  Bytes di(51, 0x11);
  ch.expect("80 2A 00 80 33 " + to_hex(di) + " 00", "61 80");
  ch.expect("00 C0 00 00 80", to_hex(Bytes(128, 0xAA)) + " 61 80");
  ch.expect("00 C0 00 00 80", to_hex(Bytes(128, 0xBB)) + " 90 00");
  JpkiCard card(ch);
  const Bytes sig = card.sign(KeyKind::kAuth, di);
  ASSERT_EQ(sig.size(), 256u);
  EXPECT_EQ(sig[0], 0xAA);
  EXPECT_EQ(sig[255], 0xBB);

  ScriptedChannel ch2;
  ch2.expect(kSelectAp, "90 00");
  ch2.expect("00 A4 02 0C 02 00 18", "90 00");
  ch2.expect("00 20 00 80", "6C 00");
  ch2.expect("00 20 00 80 00", "63 C3");
  JpkiCard card2(ch2);
  EXPECT_EQ(card2.pin_status(KeyKind::kAuth).tries_left, 3);
}

// A T=0 card sends the signing certificate through GET RESPONSE (61xx after the
// READ BINARY): those bytes (name, address) must not reach the trace either.
TEST(CardScripted, SigningCertificateThroughGetResponseStaysOutOfTheTrace) {
  ScriptedChannel ch;
  ch.expect(kSelectAp, "90 00");
  ch.expect("00 A4 02 0C 02 00 01", "90 00");
  // 30 82 01 00: 260 bytes; a name and an address in the middle.
  Bytes der = from_hex("30 82 01 00");
  const std::string person = "YAMADA HANAKO 1-1 CHIYODA TOKYO";
  for (std::size_t i = 0; der.size() < 260; ++i)
    der.push_back(static_cast<unsigned char>(person[i % person.size()]));
  ch.expect("00 B0 00 00 00", "61 00");
  ch.expect("00 C0 00 00 00", to_hex(ByteView(der).first(256)) + " 90 00");
  ch.expect("00 B0 01 00 04", "61 04");
  ch.expect("00 C0 00 00 04", to_hex(ByteView(der).subspan(256)) + " 90 00");
  std::string trace;
  JpkiCard card(ch, {}, [&](ByteView c, ByteView r) { trace += to_hex(c) + " / " + to_hex(r) + "\n"; });
  EXPECT_EQ(card.read_certificate(CertKind::kSign), der);
  EXPECT_TRUE(ch.done());
  EXPECT_EQ(trace.find(to_hex(as_bytes("YAMADA"))), std::string::npos) << trace;
  EXPECT_EQ(trace.find(to_hex(as_bytes("TOKYO"))), std::string::npos) << trace;
  EXPECT_NE(trace.find("00 C0 00 00 00 / 90 00"), std::string::npos) << "the status word stays visible\n"
                                                                     << trace;
}

TEST(CardScripted, EndlessGetResponseStops) {
  ScriptedChannel ch;
  ch.expect(kSelectAp, "90 00");
  ch.expect("00 A4 02 0C 02 00 18", "90 00");
  ch.expect("00 20 00 80", "61 01");
  for (int i = 0; i < 64; ++i) ch.expect("00 C0 00 00 01", "00 61 01");
  JpkiCard card(ch);
  try {
    card.pin_status(KeyKind::kAuth);
    FAIL();
  } catch (const CardError& e) {
    EXPECT_EQ(e.kind(), CardErrorKind::kBadResponse);
  }
}

TEST(CardScripted, CertificateLengthPastTheFileIsRejected) {
  ScriptedChannel ch;
  ch.expect(kSelectAp, "90 00");
  ch.expect("00 A4 02 0C 02 00 0A", "90 00");
  ch.expect("00 B0 00 00 00", "30 82 05 00 " + to_hex(Bytes(252, 0x01)) + " 90 00");
  ch.expect("00 B0 01 00 00", "6B 00");
  JpkiCard card(ch);
  try {
    card.read_certificate(CertKind::kAuth);
    FAIL();
  } catch (const CardError& e) {
    EXPECT_EQ(e.kind(), CardErrorKind::kBadResponse);
  }
}

TEST(CardScripted, ExtendedReadRefusedFallsBackToShortReads) {
  ScriptedChannel ch;
  ch.max_response = 65538;
  const std::string head = "30 82 03 FC " + to_hex(Bytes(252, 0x01));  // a 1024-byte DER object
  const std::string chunk = to_hex(Bytes(256, 0x02)) + " 90 00";
  ch.expect(kSelectAp, "90 00");
  ch.expect("00 A4 02 0C 02 00 0B", "90 00");
  ch.expect("00 B0 00 00 00", head + " 90 00");
  ch.expect("00 B0 01 00 00 03 00", "67 00");
  ch.expect("00 B0 01 00 00", chunk);
  ch.expect("00 B0 02 00 00", chunk);
  ch.expect("00 B0 03 00 00", chunk);
  JpkiCard card(ch);
  const Bytes der = card.read_certificate(CertKind::kAuthCa);
  EXPECT_EQ(der.size(), 1024u);
  EXPECT_EQ(der.back(), 0x02);
  // Refused once: the next certificate is read with short APDUs only.
  ch.expect("00 A4 02 0C 02 00 0B", "90 00");
  ch.expect("00 B0 00 00 00", head + " 90 00");
  ch.expect("00 B0 01 00 00", chunk);
  ch.expect("00 B0 02 00 00", chunk);
  ch.expect("00 B0 03 00 00", chunk);
  EXPECT_EQ(card.read_certificate(CertKind::kAuthCa).size(), 1024u);
  EXPECT_TRUE(ch.done());
}

TEST(CardScripted, ResponseWithoutStatusWordIsRejected) {
  ScriptedChannel ch;
  ch.expect("00 A4 02 0C 02 00 06", "90");
  ch.expect(kSelectAp, "90");
  JpkiCard card(ch);
  EXPECT_THROW(card.detect(), CardError);
}

// ---- clearing the PIN state: exact sequences per kind of card ---------------

const std::string kSignInput = to_hex(Bytes(51, 1));
const std::string kSignature = to_hex(Bytes(256, 0x11)) + " 90 00";

// VERIFY of the signing password (applet not selected yet).
void expect_sign_verify(ScriptedChannel& ch, bool select_applet) {
  if (select_applet) ch.expect(kSelectAp, "90 00");
  ch.expect("00 A4 02 0C 02 00 1B", "90 00");
  ch.expect("00 20 00 80", "63 C5");
  ch.expect("00 20 00 80 08 " + to_hex(as_bytes("ABCDEF12")), "90 00");
}
void expect_signature(ScriptedChannel& ch) {
  ch.expect("00 A4 02 0C 02 00 1A", "90 00");
  ch.expect("80 2A 00 80 33 " + kSignInput + " 00", kSignature);
}
// The probe: 1 byte of EF 0001, or 6982 when the signing password is not verified.
void expect_probe(ScriptedChannel& ch, bool verified) {
  ch.expect("00 A4 02 0C 02 00 01", "90 00");
  ch.expect("00 B0 00 00 01", verified ? "30 90 00" : "69 82");
}
Cleared sign_and_clear(JpkiCard& card) {
  const JpkiCard::Batch one(card);
  card.sign(KeyKind::kSign, Bytes(51, 1));
  return card.clear_verified(ClearScope::kSigningPin, SignPinNow::kJustSigned);
}

TEST(CardClear, ReselectThatClearsIsLearnedThenUsedAlone) {
  ScriptedChannel ch;
  JpkiCard card(ch);
  expect_sign_verify(ch, true);
  expect_signature(ch);
  expect_probe(ch, true);  // the signature left the password verified
  ch.expect(kSelectAp, "90 00");
  expect_probe(ch, false);  // and the re-SELECT cleared it
  card.verify(KeyKind::kSign, SecureString("ABCDEF12"));
  const int before = ch.transactions;
  EXPECT_EQ(sign_and_clear(card), Cleared::kReselected);
  EXPECT_EQ(ch.transactions, before + 1) << "signature and clearing: one transaction";
  EXPECT_FALSE(card.holds_verification(KeyKind::kSign));
  expect_sign_verify(ch, false);
  expect_signature(ch);
  ch.expect(kSelectAp, "90 00");  // both facts known: the re-SELECT alone
  card.verify(KeyKind::kSign, SecureString("ABCDEF12"));
  EXPECT_EQ(sign_and_clear(card), Cleared::kReselected);
  EXPECT_EQ(ch.card().power_cycles, 0);
  EXPECT_TRUE(ch.done());
}

TEST(CardClear, ACardThatKeepsThePasswordOnReselectIsReset) {
  ScriptedChannel ch;
  JpkiCard card(ch);
  expect_sign_verify(ch, true);
  expect_signature(ch);
  expect_probe(ch, true);
  ch.expect(kSelectAp, "90 00");
  expect_probe(ch, true);  // still verified after the re-SELECT
  card.verify(KeyKind::kSign, SecureString("ABCDEF12"));
  EXPECT_EQ(sign_and_clear(card), Cleared::kReset);
  EXPECT_EQ(ch.card().power_cycles, 1);
  expect_sign_verify(ch, true);  // after the reset the applet is selected again
  expect_signature(ch);          // and then reset at once: no APDU
  card.verify(KeyKind::kSign, SecureString("ABCDEF12"));
  EXPECT_EQ(sign_and_clear(card), Cleared::kReset);
  EXPECT_EQ(ch.card().power_cycles, 2);
  EXPECT_TRUE(ch.done());
}

TEST(CardClear, ACardWhoseSignatureUsesUpThePasswordIsLeftAlone) {
  ScriptedChannel ch;
  JpkiCard card(ch);
  expect_sign_verify(ch, true);
  expect_signature(ch);
  expect_probe(ch, false);  // the signature used it up: nothing to clear, nobody logged out
  card.verify(KeyKind::kSign, SecureString("ABCDEF12"));
  EXPECT_EQ(sign_and_clear(card), Cleared::kNothing);
  expect_sign_verify(ch, false);
  expect_signature(ch);  // known now: no probe either
  card.verify(KeyKind::kSign, SecureString("ABCDEF12"));
  EXPECT_EQ(sign_and_clear(card), Cleared::kNothing);
  EXPECT_EQ(ch.card().power_cycles, 0);
  EXPECT_TRUE(ch.done());
}

TEST(CardClear, TheAuthenticationPinWithNothingLearnedMeansAReset) {
  ScriptedChannel ch;
  JpkiCard card(ch);
  ch.expect(kSelectAp, "90 00");
  ch.expect("00 A4 02 0C 02 00 18", "90 00");
  ch.expect("00 20 00 80", "63 C3");
  ch.expect("00 20 00 80 04 31 32 33 34", "90 00");
  card.verify(KeyKind::kAuth, SecureString("1234"));
  EXPECT_EQ(card.clear_verified(ClearScope::kSigningPin), Cleared::kNothing) << "not the signing password's";
  EXPECT_EQ(card.clear_verified(ClearScope::kAuthenticationPin), Cleared::kReset)
      << "no harmless probe for this PIN: the safe side";
  EXPECT_EQ(ch.card().power_cycles, 1);
  EXPECT_EQ(card.logout(), Cleared::kNothing) << "nothing left of ours";
  EXPECT_TRUE(ch.done());
}

TEST(CardClear, NothingVerifiedNothingSent) {
  ScriptedChannel ch;
  JpkiCard card(ch);
  EXPECT_EQ(card.logout(), Cleared::kNothing);
  EXPECT_EQ(ch.transactions, 0);
  EXPECT_EQ(ch.card().power_cycles, 0);
}

TEST(PinPolicy, Shapes) {
  auto check = [](KeyKind k, std::string pin) { return check_pin_shape(k, pin); };
  EXPECT_EQ(check(KeyKind::kAuth, "1234"), PinShape::kOk);
  EXPECT_EQ(check(KeyKind::kAuth, "123"), PinShape::kLengthOutOfRange);
  EXPECT_EQ(check(KeyKind::kAuth, "12345"), PinShape::kLengthOutOfRange);
  EXPECT_EQ(check(KeyKind::kAuth, "12a4"), PinShape::kInvalidCharacters);
  EXPECT_EQ(check(KeyKind::kSign, "ABC123"), PinShape::kOk);
  EXPECT_EQ(check(KeyKind::kSign, "ABC12"), PinShape::kLengthOutOfRange);
  EXPECT_EQ(check(KeyKind::kSign, std::string(17, 'A')), PinShape::kLengthOutOfRange);
  EXPECT_EQ(check(KeyKind::kSign, "ABC-123"), PinShape::kInvalidCharacters);
  std::string lower = "abcdef12";
  EXPECT_EQ(check_pin_shape(KeyKind::kSign, lower), PinShape::kOk);
  EXPECT_EQ(lower, "ABCDEF12");
}

TEST(DerLength, Headers) {
  EXPECT_EQ(der_sequence_length(from_hex("30 82 04 D2")), 0x4D2u + 4);
  EXPECT_EQ(der_sequence_length(from_hex("30 81 80")), 0x80u + 3);
  EXPECT_EQ(der_sequence_length(from_hex("30 10")), 0x12u);
  EXPECT_FALSE(der_sequence_length(from_hex("31 82 04 D2")));
  EXPECT_FALSE(der_sequence_length(from_hex("30 80")));
  EXPECT_FALSE(der_sequence_length(from_hex("30 85 01 02 03 04 05")));
  EXPECT_FALSE(der_sequence_length(from_hex("30 82 04")));
  EXPECT_FALSE(der_sequence_length(from_hex("FF FF FF FF")));
}

// ---- against the virtual card ---------------------------------------------

class CardOnSim : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("jpki-card-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    sim::create_card(dir_, sim::InitOptions{});
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  void TearDown() override {
    if (card_) card_->card().unblock();
  }
  // The virtual card in a reader that carries extended APDUs, or one that does not.
  FakeChannel& connect(bool extended = true) {
    ch_.reset();
    card_ =
        std::make_unique<SimCard>(dir_, sim::CardOptions{from_hex("3B E0 00 FF 81 31 FE 45 14"), extended});
    ch_ = std::make_unique<FakeChannel>(*card_, "in-process", extended ? 65538 : 258);
    return *ch_;
  }
  std::unique_ptr<SimCard> card_;
  std::unique_ptr<FakeChannel> ch_;
  static fs::path dir_;
};
fs::path CardOnSim::dir_;

TEST_F(CardOnSim, CertificatesReadWholeWithExtendedAndShortApdus) {
  for (bool extended : {true, false}) {
    JpkiCard card(connect(extended));
    card.detect();
    for (CertKind k : {CertKind::kAuth, CertKind::kAuthCa, CertKind::kSignCa}) {
      const std::uint64_t before = card.apdu_count();
      const Bytes der = card.read_certificate(k);
      const unsigned char* p = der.data();
      const X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
      EXPECT_TRUE(x) << "certificate parses";
      EXPECT_EQ(p, der.data() + der.size()) << "exactly the DER object";
      if (extended) {
        EXPECT_EQ(card.apdu_count() - before, 3u) << "SELECT, a short READ for the header, one extended READ";
      }
    }
    EXPECT_THROW(card.read_certificate(CertKind::kSign), CardError);
    card.verify(KeyKind::kSign, SecureString("ABCDEF12"));
    EXPECT_GT(card.read_certificate(CertKind::kSign).size(), 500u);
  }
}

TEST_F(CardOnSim, TraceNeverCarriesTheSigningCertificate) {
  std::string trace;
  JpkiCard card(connect(), {},
                [&](ByteView c, ByteView r) { trace += to_hex(c) + " / " + to_hex(r) + "\n"; });
  card.detect();
  card.verify(KeyKind::kSign, SecureString("ABCDEF12"));
  const Bytes der = card.read_certificate(CertKind::kSign);
  // Any 16 bytes from the middle of the certificate (subject, SAN) must not appear.
  for (std::size_t off = 16; off + 16 < der.size(); off += 64) {
    const std::string piece = to_hex(ByteView(der).subspan(off, 16));
    EXPECT_EQ(trace.find(piece), std::string::npos) << "certificate bytes at " << off << " in the trace";
  }
  EXPECT_EQ(trace.find(to_hex(as_bytes("ABCDEF12"))), std::string::npos);
  const Bytes auth = card.read_certificate(CertKind::kAuth);
  EXPECT_NE(trace.find(to_hex(ByteView(auth).subspan(16, 16))), std::string::npos)
      << "public data stays visible";
}

TEST_F(CardOnSim, SignAndChangePin) {
  JpkiCard card(connect());
  card.detect();
  EXPECT_EQ(card.pin_status(KeyKind::kAuth).tries_left, 3);
  card.verify(KeyKind::kAuth, SecureString("1234"));
  EXPECT_EQ(card.sign(KeyKind::kAuth, Bytes(51, 1)).size(), 256u);
  card.change_pin(KeyKind::kAuth, SecureString("1234"), SecureString("4321"));
  card.change_pin(KeyKind::kAuth, SecureString("4321"), SecureString("1234"));
  card.logout();
  EXPECT_THROW(card.sign(KeyKind::kAuth, Bytes(51, 1)), CardError) << "logout drops the card's state";
}

}  // namespace
}  // namespace jpki::card
