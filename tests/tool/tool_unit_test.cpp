#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include "sim/card_state.h"
#include "sim/variant.h"
#include "sim/virtual_card.h"
#include "tests/support/fake_reader_provider.h"
#include "tool/apdu_record.h"
#include "tool/atr_class.h"
#include "tool/cert_summary.h"
#include "tool/diagnose.h"
#include "tool/diagnose_report.h"
#include "tool/json.h"
#include "tool/messages.h"
#include "tool/renewal.h"
#include "tool/token_model.h"

namespace jpki::tool {
namespace {

Date d(const char* s) {
  Date out;
  EXPECT_TRUE(parse_date(s, out)) << s;
  return out;
}

TEST(Renewal, WindowOpensThreeMonthsBeforeExpiry) {
  const Date expiry = d("2031-11-23");
  EXPECT_EQ(expiry_status(d("2031-09-04"), expiry).days_left, 80);
  EXPECT_EQ(expiry_status(d("2031-09-04"), expiry).renewal, Renewal::kOpen);
  EXPECT_EQ(expiry_status(d("2031-05-07"), expiry).days_left, 200);
  EXPECT_EQ(expiry_status(d("2031-05-07"), expiry).renewal, Renewal::kNotYet);
  EXPECT_EQ(expiry_status(d("2031-08-23"), expiry).renewal, Renewal::kOpen) << "the first day of the window";
  EXPECT_EQ(expiry_status(d("2031-08-22"), expiry).renewal, Renewal::kNotYet);
  EXPECT_EQ(expiry_status(d("2031-11-23"), expiry).renewal, Renewal::kOpen) << "the last valid day";
  EXPECT_EQ(expiry_status(d("2031-11-24"), expiry).renewal, Renewal::kExpired);
  EXPECT_EQ(expiry_status(d("2031-11-24"), expiry).days_left, -1);
}

TEST(Renewal, MonthArithmeticClampsTheDay) {
  EXPECT_EQ(to_string(minus_months(d("2031-05-31"), 3)), "2031-02-28");
  EXPECT_EQ(to_string(minus_months(d("2032-05-31"), 3)), "2032-02-29");
  EXPECT_EQ(to_string(minus_months(d("2031-01-15"), 3)), "2030-10-15");
  EXPECT_EQ(days_between(d("2024-02-28"), d("2024-03-01")), 2);
  Date bad;
  EXPECT_FALSE(parse_date("2031-02-30", bad));
  EXPECT_FALSE(parse_date("2031-13-01", bad));
  EXPECT_FALSE(parse_date("yesterday", bad));
}

TEST(Json, EscapesWhatJsonNeeds) {
  EXPECT_EQ(json_string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
  EXPECT_EQ(json_string(std::string("\x01", 1)), "\"\\u0001\"");
  EXPECT_EQ(json_string("試験"), "\"試験\"");
}

TEST(Messages, LanguageFollowsTheLocale) {
  setenv("LC_ALL", "ja_JP.UTF-8", 1);
  EXPECT_TRUE(japanese());
  EXPECT_STREQ(text(Msg::kPinChanged), "暗証番号を変更しました。");
  setenv("LC_ALL", "C.UTF-8", 1);
  EXPECT_FALSE(japanese());
  EXPECT_STREQ(text(Msg::kPinChanged), "PIN changed.");
  unsetenv("LC_ALL");
}

TEST(Atr, KnownAtrsFromPublicSources) {
  const char* contact[] = {
      "3B E0 00 FF 81 31 FE 45 14", "3B DA 13 FF 81 31 FB 46 80 12 39 2F 31 C1 73 C6 01 C0 3B",
      "3B C5 FF 81 31 FB 45 80 73 C6 01 00 00", "3B F5 91 00 FF 91 81 71 FE 40 00 42 00 01 00 D1 D6",
      "3B F5 91 00 FF 91 81 71 FE 40 00 42 00 01 B3 A1 15"};
  for (const char* hex : contact) {
    EXPECT_EQ(classify_atr(from_hex(hex)).kind, AtrKind::kKnownContact) << hex;
  }
  EXPECT_EQ(classify_atr(from_hex("3B DA 13 FF 81 31 FB 46 80 12 39 2F 31 C1 73 C6 01 C0 3B")).label,
            "JPKI (02)");
  const char* contactless[] = {
      "3B 88 80 01 00 00 05 E0 B3 81 A1 00 7F", "3B 88 80 01 00 00 41 E0 B3 81 A1 00 3B",
      "3B 88 80 01 00 4B 51 FF 00 81 D1 00 BC", "3B 88 80 01 00 4B 51 FF B3 81 D1 00 0F"};
  for (const char* hex : contactless) {
    EXPECT_EQ(classify_atr(from_hex(hex)).kind, AtrKind::kKnownContactless) << hex;
  }
  EXPECT_EQ(classify_atr(from_hex("3B 88 80 01 00 4B 51 FF B3 81 D1 00 0F")).label, "JPKI (09)");
}

TEST(Atr, RandomPupiIsRecognisedAndUnknownIsNoError) {
  // Bytes 5-8 carry the PUPI, different at each read.
  const AtrClass pupi = classify_atr(from_hex("3B 88 80 01 A7 19 C2 5E B3 81 A1 00 4D"));
  EXPECT_EQ(pupi.kind, AtrKind::kContactlessPupi);
  EXPECT_TRUE(pupi.label.empty());
  EXPECT_STREQ(atr_kind_word(pupi.kind), "contactless_pupi");
  EXPECT_EQ(classify_atr(from_hex("3B 88 80 01 A7 19 C2 5E B3 81 A1 00")).kind, AtrKind::kUnknown) << "short";
  EXPECT_EQ(classify_atr(from_hex("3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A")).kind,
            AtrKind::kUnknown);
  EXPECT_EQ(classify_atr(from_hex("3B E0 00 FF 81 31 FE 45")).kind, AtrKind::kUnknown)
      << "a known ATR cut short";
  EXPECT_EQ(classify_atr({}).kind, AtrKind::kUnknown);
}

// The token name's meaning is the driver's (tests/card); the tool keeps only its words for it.
TEST(TokenModel, WordsAndMessages) {
  EXPECT_STREQ(token_model_word(card::TokenModel::kCard), "my_number_card");
  EXPECT_STREQ(token_model_word(card::TokenModel::kAndroid), "android");
  EXPECT_STREQ(token_model_word(card::TokenModel::kIphone), "iphone");
  EXPECT_STREQ(token_model_word(card::TokenModel::kJuki), "juki_card");
  EXPECT_STREQ(token_model_word(card::TokenModel::kUnknown), "unknown_jpki");
  EXPECT_STREQ(token_model_word(std::nullopt), "not_jpki");
  EXPECT_STREQ(token_model_word(card::token_model_of("JPKIAPICCTOKEN2")), "my_number_card");
  EXPECT_STREQ(token_model_word(card::token_model_of("OTHERTOKEN")), "not_jpki");
  EXPECT_EQ(token_model_msg(card::TokenModel::kAndroid), Msg::kModelAndroid);
  EXPECT_EQ(token_model_msg(card::TokenModel::kUnknown), Msg::kModelUnknown);
  EXPECT_EQ(token_model_msg(std::nullopt), Msg::kModelNotJpki);
}

TEST(ApduRecorder, HistogramPerCommandInOrderSeen) {
  ApduRecorder r;
  r.add(from_hex("00 A4 02 0C 02 00 06"), from_hex("90 00"));
  r.add(from_hex("00 B0 00 00 A0"), from_hex("4A 50 62 82"));
  r.add(from_hex("00 A4 02 0C 02 00 0A"), from_hex("90 00"));
  r.add(from_hex("00 B0 00 00 00"), from_hex("30 82 90 00"));
  r.add(from_hex("00 B0 00 02 00"), from_hex("01 90 00"));
  r.add(from_hex("00 20 00 80"), from_hex("63 C3"));
  EXPECT_EQ(histogram_line(r.histogram()),
            "SELECT 9000 x2, READ BINARY 6282 x1, 9000 x2, VERIFY (query) 63C3 x1");
  EXPECT_EQ(r.records()[1].data_bytes, 2U);
  EXPECT_EQ(r.records()[1].sw, 0x6282);
}

TEST(ApduRecorder, NeverShowsPinData) {
  ApduRecorder r;
  r.add(from_hex("00 20 00 80 04 31 32 33 34"), from_hex("90 00"));
  r.add(from_hex("00 24 01 80 04 35 36 37 38"), from_hex("90 00"));
  EXPECT_EQ(r.records()[0].command, "00 20 00 80 <5 bytes>");
  EXPECT_EQ(r.records()[0].name, "VERIFY");
  EXPECT_EQ(r.records()[1].command, "00 24 01 80 <5 bytes>");
}

// A Diagnosis as diagnose() leaves it for one healthy card; tests spoil parts of it.
Diagnosis healthy() {
  Diagnosis d;
  d.pcscd_reachable = true;
  d.readers = {{"Reader A", true, true}};
  CardCheck c;
  c.reader = "Reader A";
  c.atr = from_hex("3B E0 00 FF 81 31 FE 45 14");
  c.atr_class = classify_atr(c.atr);
  c.applet_answered = c.detected = true;
  c.token_name = "JPKIAPICCTOKEN2";
  c.model = card::TokenModel::kCard;
  c.token_info_size = 160;
  c.auth = {CertState::kRead,
            1200,
            "OU=Japan Agency for Local Authority Information Systems,C=JP",
            Date{2030, 1, 1},
            {}};
  c.auth_ca = c.sign_ca = {CertState::kRead, 1000, {}, {}, {}};
  c.auth_pin = {3, 3, {}};
  c.sign_pin = {5, 5, {}};
  d.cards.push_back(c);
  return d;
}

std::vector<std::string> codes(const Diagnosis& d) {
  std::vector<std::string> out;
  for (const Finding& f : d.findings) {
    out.push_back(f.code);
  }
  return out;
}

const Date kToday{2026, 6, 1};

TEST(Findings, HealthyCardIsExitZero) {
  Diagnosis d = healthy();
  add_findings(d, kToday);
  EXPECT_TRUE(d.findings.empty()) << codes(d).front();
  EXPECT_EQ(diagnose_exit_code(d), 0);
}

TEST(Findings, NoPcscdNoReaderNoCardAreExitTwo) {
  Diagnosis d;
  d.pcscd_error = "SCardEstablishContext: Service not available.";
  add_findings(d, kToday);
  EXPECT_EQ(codes(d), std::vector<std::string>{"pcscd_unreachable"});
  EXPECT_EQ(diagnose_exit_code(d), 2);
  EXPECT_NE(std::string(english(d.findings[0].message)).find("systemctl start pcscd.socket"),
            std::string::npos);

  d = Diagnosis{};
  d.pcscd_reachable = true;
  add_findings(d, kToday);
  EXPECT_EQ(codes(d), std::vector<std::string>{"no_reader"});
  EXPECT_EQ(diagnose_exit_code(d), 2);

  d.readers = {{"Reader A", true, false}};
  d.reader_filter = "nosuch";
  add_findings(d, kToday);
  EXPECT_EQ(codes(d), std::vector<std::string>{"no_matching_reader"});
  EXPECT_EQ(diagnose_exit_code(d), 2);

  d.readers = {{"Reader A", false, true}};
  add_findings(d, kToday);
  EXPECT_EQ(codes(d), std::vector<std::string>{"no_card"});
  EXPECT_EQ(diagnose_exit_code(d), 2);
}

TEST(Findings, LockedPinIsAProblemFewerTriesANote) {
  Diagnosis d = healthy();
  d.cards[0].auth_pin.tries_left = 0;
  d.cards[0].sign_pin.tries_left = 4;
  add_findings(d, kToday);
  EXPECT_EQ(codes(d), (std::vector<std::string>{"pin_locked_auth", "pin_tries_low_sign"}));
  EXPECT_EQ(d.findings[0].severity, Severity::kProblem);
  EXPECT_EQ(d.findings[0].detail, "0/3");
  EXPECT_EQ(d.findings[1].severity, Severity::kNote);
  EXPECT_EQ(diagnose_exit_code(d), 6);
  d.cards[0].auth_pin.tries_left = 3;
  add_findings(d, kToday);
  EXPECT_EQ(diagnose_exit_code(d), 0) << "fewer tries alone is no problem";
}

TEST(Findings, UnknownAtrIsNoProblem) {
  Diagnosis d = healthy();
  d.cards[0].atr = from_hex("3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A");
  d.cards[0].atr_class = classify_atr(d.cards[0].atr);
  add_findings(d, kToday);
  EXPECT_EQ(codes(d), std::vector<std::string>{"atr_unknown"});
  EXPECT_EQ(diagnose_exit_code(d), 0);
}

TEST(Findings, AuthCertNeedingPinIsNotAFailure) {
  Diagnosis d = healthy();
  d.cards[0].token_name = "JPKIAPGPSETOKEN";
  d.cards[0].model = card::TokenModel::kAndroid;
  d.cards[0].auth = {CertState::kNeedsPin, 0, {}, {}, {}};
  add_findings(d, kToday);
  EXPECT_EQ(codes(d), std::vector<std::string>{"android_token"});
  EXPECT_EQ(diagnose_exit_code(d), 0);
  d.cards[0].model = card::TokenModel::kCard;  // a card doing it is news, still no failure
  add_findings(d, kToday);
  EXPECT_EQ(codes(d), std::vector<std::string>{"auth_cert_needs_pin"});
  EXPECT_EQ(diagnose_exit_code(d), 0);
}

TEST(Findings, WhatLooksWrong) {
  Diagnosis d = healthy();
  d.cards[0].model = card::TokenModel::kJuki;
  d.cards[0].auth.not_after = Date{2020, 1, 1};
  d.cards[0].sign_ca = {CertState::kFailed, 0, {}, {}, "READ BINARY: card answered 6F00"};
  add_findings(d, kToday);
  EXPECT_EQ(codes(d),
            (std::vector<std::string>{"juki_card", "cert_unreadable_sign_ca", "auth_cert_expired"}));
  EXPECT_EQ(diagnose_exit_code(d), 6);

  d = healthy();  // a Juki card whose certificate is still valid is news, not a failure
  d.cards[0].model = card::TokenModel::kJuki;
  add_findings(d, kToday);
  EXPECT_EQ(codes(d), std::vector<std::string>{"juki_card"});
  EXPECT_EQ(diagnose_exit_code(d), 0);

  d = healthy();
  d.cards[0].applet_answered = d.cards[0].detected = false;
  d.cards[0].detect_error = "no JPKI applet: 6A82";
  add_findings(d, kToday);
  EXPECT_EQ(codes(d), std::vector<std::string>{"no_jpki_applet"});
  EXPECT_EQ(diagnose_exit_code(d), 6);
  // Beside a working My Number Card, a bank card in another reader is only a note.
  Diagnosis two = healthy();
  two.cards.push_back(d.cards[0]);
  two.cards[1].reader = "Reader B";
  add_findings(two, kToday);
  EXPECT_EQ(codes(two), std::vector<std::string>{"no_jpki_applet"});
  EXPECT_EQ(diagnose_exit_code(two), 0);
}

std::size_t der_size_of(const std::filesystem::path& pem_file) {
  std::ifstream in(pem_file, std::ios::binary);
  const Bytes pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto certs = certificates_from_pem(pem);
  return certs.empty() ? 0 : certs.front().size();
}

TEST(Diagnose, ThroughTheDriverOnAVirtualCard) {
  const auto dir = std::filesystem::temp_directory_path() / ("jpki-tool-diag-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  sim::create_card(dir, {});
  // The virtual card whose authentication certificate answers 6982 until a VERIFY
  // (as the Android token's does), behind a contactless ATR, in a short-APDU reader.
  auto card = std::make_shared<test::SimCard>(
      dir, sim::CardOptions{from_hex("3B 88 80 01 A7 19 C2 5E B3 81 A1 00 4D"), true,
                            sim::parse_variant("auth-cert-pin=yes")});
  test::FakeReaderProvider provider;
  provider.add_reader("In-process reader", card, 258);
  provider.add_reader("Empty reader");
  const Diagnosis d = diagnose(provider, "", kToday);
  ASSERT_TRUE(d.pcscd_reachable);
  ASSERT_EQ(d.readers.size(), 2U);
  ASSERT_EQ(d.cards.size(), 1U) << "only the reader with a card is examined";
  const CardCheck& c = d.cards[0];
  EXPECT_EQ(c.atr_class.kind, AtrKind::kContactlessPupi);
  EXPECT_TRUE(c.detected) << c.detect_error;
  EXPECT_EQ(c.token_name, "JPKIAPICCTOKEN2");
  EXPECT_EQ(c.token_info_size, 160U);
  EXPECT_EQ(c.auth.state, CertState::kNeedsPin);
  EXPECT_EQ(c.auth_ca.state, CertState::kRead);
  EXPECT_EQ(c.auth_ca.der_size, der_size_of(dir / "ca" / "auth-ca.pem"));
  EXPECT_EQ(c.sign_ca.der_size, der_size_of(dir / "ca" / "sign-ca.pem"));
  EXPECT_EQ(c.auth_pin.tries_left, 3);
  EXPECT_EQ(c.sign_pin.tries_left, 5);
  EXPECT_EQ(diagnose_exit_code(d), 0);
  EXPECT_NE(diagnose_text(d, SystemInfo{"test", "os", "x"}).find("needs PIN on this token"),
            std::string::npos);
  // What reached the card: no VERIFY with data, no SELECT of EF 0001; and all of it recorded.
  ASSERT_FALSE(card->commands.empty());
  for (const Bytes& command : card->commands) {
    const std::string cmd = to_hex(command);
    EXPECT_NE(cmd, "00 A4 02 0C 02 00 01");
    if (cmd.rfind("00 20", 0) == 0) {
      EXPECT_EQ(cmd, "00 20 00 80");
    }
  }
  EXPECT_EQ(c.apdus.size(), card->commands.size());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace jpki::tool
