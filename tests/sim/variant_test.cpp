// `jpki-sim serve --variant SPEC`: each key's answers as exact bytes, next to the
// default card's answer to the same APDUs (which must not change).
#include "sim/variant.h"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "apdu/jpki.h"
#include "sim/virtual_card.h"
#include "sim_card_fixture.h"

namespace jpki::sim {
namespace {

using test::SimCardTest;

constexpr const char* kSelectApplet = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
constexpr const char* kAuthPinOk = "00 20 00 80 04 31 32 33 34";
constexpr const char* kAuthPinBad = "00 20 00 80 04 39 39 39 39";
constexpr const char* kSignPinOk = "00 20 00 80 08 41 42 43 44 45 46 31 32";

std::string padded_name(const std::string& name) {
  return to_hex(as_bytes(name + std::string(32 - name.size(), ' ')));
}

// 80 2A 00 80 <SHA-256 DigestInfo> 00, or 80 2A 04 80 <SHA-256> 00 for PSS.
std::string sign_apdu(bool pss = false) {
  if (pss)
    return to_hex(apdu::compute_signature(Bytes(32, 0x5A), apdu::SignScheme::kPssPrehashedSha256).encode());
  Bytes di = from_hex("30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20");
  di.resize(di.size() + 32, 0xAB);
  return to_hex(apdu::compute_signature(di).encode());
}

// The status word at the end of a hex response.
std::string sw_of(const std::string& hex) { return hex.substr(hex.size() - 5); }
std::size_t data_size(const std::string& hex) { return (hex.size() + 1) / 3 - 2; }

class VariantTest : public SimCardTest {
 protected:
  void select_ef(const std::string& fid) { ASSERT_EQ(tx("00 A4 02 0C 02 " + fid), "90 00") << fid; }
  void select_in_applet(const std::string& fid) {
    ASSERT_EQ(tx(kSelectApplet), "90 00");
    select_ef(fid);
  }
  // Reads the currently selected EF whole with one extended READ BINARY.
  Bytes read_whole() {
    const auto r = call(apdu::read_binary(0, 65536, true));
    EXPECT_TRUE(r.ok()) << r.sw.name();
    return r.data;
  }
};

TEST_F(VariantTest, TokenInfo32AndEof6282AnswerTheNameAndAWarning) {
  select_in_applet("00 06");
  EXPECT_EQ(data_size(tx("00 B0 00 00 A0")), 160u) << "default: 160 bytes";
  EXPECT_EQ(sw_of(tx("00 B0 00 00 A0")), "90 00");
  EXPECT_EQ(data_size(tx("00 B0 00 00 00")), 160u) << "default eof=short: what exists + 9000";
  EXPECT_EQ(sw_of(tx("00 B0 00 00 00")), "90 00");

  load("token-info=32,eof=6282");
  select_in_applet("00 06");
  EXPECT_EQ(tx("00 B0 00 00 A0"), padded_name("JPKIAPICCTOKEN2") + " 62 82");
  EXPECT_EQ(tx("00 B0 00 00 20"), padded_name("JPKIAPICCTOKEN2") + " 90 00") << "exactly 32: no warning";
  EXPECT_EQ(tx("00 B0 00 20 01"), "6B 00") << "at the end";
  EXPECT_EQ(card_->state().files.at(apdu::ef::kTokenInfo).size(), 32u);
}

TEST_F(VariantTest, TokenNameIsServedInThe160ByteTokenInfo) {
  select_in_applet("00 06");
  const std::string card = tx("00 B0 00 00 A0");
  EXPECT_EQ(card.substr(0, 95), padded_name("JPKIAPICCTOKEN2")) << "default token=card";
  const std::string rest = card.substr(96);  // bytes 32..159 and the SW
  const std::pair<const char*, const char*> tokens[] = {{"token=card", "JPKIAPICCTOKEN2"},
                                                        {"token=android", "JPKIAPGPSETOKEN"},
                                                        {"token=iphone", "JPKIAPIOSTOKEN"},
                                                        {"token=juki", "JPKIAPICCTOKEN"}};
  for (const auto& [spec, name] : tokens) {
    load(spec);
    select_in_applet("00 06");
    EXPECT_EQ(tx("00 B0 00 00 A0"), padded_name(name) + " " + rest) << spec;
    load(std::string(spec) + ",token-info=32");
    select_in_applet("00 06");
    EXPECT_EQ(tx("00 B0 00 00 20"), padded_name(name) + " 90 00") << spec;
  }
}

TEST_F(VariantTest, AuthCertPinKeepsEf000ABehindTheAuthPin) {
  select_in_applet("00 0A");
  EXPECT_EQ(sw_of(tx("00 B0 00 00 04")), "90 00") << "default: readable with nothing presented";

  for (const char* spec : {"auth-cert-pin=yes", "token=android"}) {
    load(spec);
    select_in_applet("00 0A");
    EXPECT_EQ(tx("00 B0 00 00 04"), "69 82") << spec;
    select_ef("00 0B");
    EXPECT_EQ(sw_of(tx("00 B0 00 00 04")), "90 00") << "the CA certificate stays public";
    select_ef("00 18");
    ASSERT_EQ(tx(kAuthPinOk), "90 00");
    select_ef("00 0A");
    EXPECT_EQ(data_size(tx("00 B0 00 00 04")), 4u) << spec;
    card_->reset();
    select_in_applet("00 0A");
    EXPECT_EQ(tx("00 B0 00 00 04"), "69 82") << "a power cycle forgets the PIN";
  }
  load("token=android,auth-cert-pin=no");
  select_in_applet("00 0A");
  EXPECT_EQ(sw_of(tx("00 B0 00 00 04")), "90 00") << "an explicit auth-cert-pin wins over token=android";
}

TEST_F(VariantTest, CertPadServesDerWithFfOr00FillerOrExactly) {
  const auto der_of = [](const Bytes& f) {
    return Bytes(f.begin(), f.begin() + 4 + ((f.at(2) << 8) | f.at(3)));
  };
  const auto padded = [&](const Bytes& f, std::uint8_t filler) {
    Bytes b = der_of(f);
    b.resize(f.size(), filler);
    return b;
  };
  std::map<std::string, Bytes> stored;  // the public certificate EFs as the default card serves them
  for (const char* fid : {"00 0A", "00 0B", "00 02"}) {
    select_in_applet(fid);
    stored[fid] = read_whole();
  }
  for (const auto& [fid, f] : stored) {
    ASSERT_GT(f.size(), der_of(f).size()) << fid << ": stored with filler";
    EXPECT_EQ(f, padded(f, 0xFF)) << fid << ": default cert-pad=ff";
  }
  for (const auto& [spec, filler] : {std::pair{"cert-pad=ff", 0xFF}, std::pair{"cert-pad=00", 0x00}}) {
    load(spec);
    for (const auto& [fid, f] : stored) {
      select_in_applet(fid);
      EXPECT_EQ(read_whole(), padded(f, static_cast<std::uint8_t>(filler))) << spec << " " << fid;
    }
  }
  load("cert-pad=none");
  for (const auto& [fid, f] : stored) {
    select_in_applet(fid);
    EXPECT_EQ(read_whole(), der_of(f)) << fid;
  }
  select_in_applet("00 0A");
  const auto end = static_cast<std::uint16_t>(der_of(stored["00 0A"]).size());
  EXPECT_EQ(call(apdu::read_binary(static_cast<std::uint16_t>(end - 4), 256)).data.size(), 4u);
  EXPECT_EQ(call(apdu::read_binary(end, 1)).sw.value(), 0x6B00) << "the file ends with the DER";
  select_ef("00 1B");
  ASSERT_EQ(tx(kSignPinOk), "90 00");
  select_ef("00 01");
  const Bytes sign = read_whole();
  EXPECT_EQ(sign, der_of(sign)) << "the signing certificate too";
}

TEST_F(VariantTest, EofModesForAReadRunningPastTheEnd) {
  // EF 0008 holds 3 bytes: ask for 5, then for 3, then at offset 3.
  const std::pair<const char*, const char*> modes[] = {
      {"", "8F 8F 00 90 00"}, {"eof=short", "8F 8F 00 90 00"}, {"eof=6282", "8F 8F 00 62 82"},
      {"eof=6b00", "6B 00"},  {"eof=6cxx", "6C 03"},           {"eof=6700", "67 00"}};
  for (const auto& [spec, past_end] : modes) {
    load(spec);
    select_in_applet("00 08");
    EXPECT_EQ(tx("00 B0 00 00 05"), past_end) << spec;
    EXPECT_EQ(tx("00 B0 00 00 03"), "8F 8F 00 90 00") << spec;
    EXPECT_EQ(tx("00 B0 00 01 02"), "8F 00 90 00") << spec;
    EXPECT_EQ(tx("00 B0 00 03 01"), "6B 00") << spec << ": at the end, 6B00 in every mode";
    EXPECT_EQ(tx("00 B0 00 09 01"), "6B 00") << spec;
  }
}

TEST_F(VariantTest, Eof6CxxGivesTheLengthToAskFor) {
  load("token-info=32,eof=6cxx");
  select_in_applet("00 06");
  EXPECT_EQ(tx("00 B0 00 00 A0"), "6C 20");
  EXPECT_EQ(tx("00 B0 00 00 20"), padded_name("JPKIAPICCTOKEN2") + " 90 00");
  EXPECT_EQ(tx("00 B0 00 10 00"), "6C 10");

  // 256 or more bytes left (only an extended Le can run past them): 6C00.
  select_ef("00 0A");
  const std::size_t size = card_->state().files.at(apdu::ef::kAuthCert).size();
  const auto offset = static_cast<std::uint16_t>(size - 256);
  EXPECT_EQ(call(apdu::read_binary(offset, 300, true)).sw.value(), 0x6C00);
  EXPECT_EQ(call(apdu::read_binary(offset, 256)).data.size(), 256u);
}

TEST_F(VariantTest, MaxLeReturnsFewerBytesThanAskedWith9000) {
  select_in_applet("00 0A");
  EXPECT_EQ(data_size(tx("00 B0 00 00 00")), 256u) << "default: Le=00 is 256";
  const std::size_t size = card_->state().files.at(apdu::ef::kAuthCert).size();
  EXPECT_EQ(read_whole().size(), size) << "default: extended Le takes the whole file";

  load("max-le=100");
  select_in_applet("00 0A");
  std::string r = tx("00 B0 00 00 00");
  EXPECT_EQ(data_size(r), 100u);
  EXPECT_EQ(sw_of(r), "90 00");
  EXPECT_EQ(read_whole().size(), 100u) << "extended reads too";
  EXPECT_EQ(data_size(tx("00 B0 00 00 64")), 100u);
  EXPECT_EQ(data_size(tx("00 B0 00 00 10")), 16u);

  load("max-le=100,token-info=32,eof=6282");
  select_in_applet("00 06");
  EXPECT_EQ(tx("00 B0 00 00 A0"), padded_name("JPKIAPICCTOKEN2") + " 62 82") << "fewer than 100 exist";
  load("max-le=16,token-info=32,eof=6282");
  select_in_applet("00 06");
  EXPECT_EQ(tx("00 B0 00 00 A0"), to_hex(as_bytes("JPKIAPICCTOKEN2 ")) + " 90 00")
      << "the end was not reached: 9000";
  EXPECT_EQ(tx("00 B0 00 10 A0"), to_hex(as_bytes(std::string(16, ' '))) + " 62 82");

  load("max-le=1");
  select_in_applet("00 08");
  EXPECT_EQ(tx("00 B0 00 00 03"), "8F 90 00");
  load("max-le=256");
  select_in_applet("00 0A");
  EXPECT_EQ(read_whole().size(), size) << "256 caps nothing";
}

TEST_F(VariantTest, ExtendedLengthAcceptedRefusedOrTruncated) {
  const std::string ext_read = "00 B0 00 00 00 00 00";  // Le 65536
  select_in_applet("00 0A");
  const std::size_t size = card_->state().files.at(apdu::ef::kAuthCert).size();
  EXPECT_EQ(data_size(tx(ext_read)), size) << "default ext=yes";

  load("ext=no");
  select_in_applet("00 0A");
  EXPECT_EQ(tx(ext_read), "67 00");
  EXPECT_EQ(data_size(tx("00 B0 00 00 00")), 256u) << "short reads work";
  load(CardOptions{from_hex("3B E0 00 FF 81 31 FE 45 14"), false});
  select_in_applet("00 0A");
  EXPECT_EQ(tx(ext_read), "67 00") << "CardOptions{atr, false} is ext=no";

  load("ext=truncate");
  select_in_applet("00 0A");
  std::string r = tx(ext_read);
  EXPECT_EQ(data_size(r), 256u);
  EXPECT_EQ(sw_of(r), "90 00");
  r = tx("00 B0 00 00 00 01 2C");  // Le 300
  EXPECT_EQ(data_size(r), 256u);
  EXPECT_EQ(sw_of(r), "90 00");
  EXPECT_EQ(data_size(tx("00 B0 00 00 00 00 04")), 4u) << "an extended Le of 4 is answered in full";
  select_ef("00 18");
  EXPECT_EQ(tx("00 20 00 80 00 00 04 31 32 33 34"), "90 00") << "other extended APDUs are accepted";
}

TEST_F(VariantTest, GetResponseDeliversDataAfter61xx) {
  select_in_applet("00 06");
  EXPECT_EQ(data_size(tx("00 B0 00 00 A0")), 160u) << "default: data at once";
  EXPECT_EQ(tx("00 C0 00 00 10"), "6D 00") << "default: no GET RESPONSE";

  load("get-response=yes");
  select_in_applet("00 06");
  const std::string whole = to_hex(card_->state().files.at(apdu::ef::kTokenInfo));
  EXPECT_EQ(tx("00 B0 00 00 A0"), "61 A0");
  EXPECT_EQ(tx("00 C0 00 00 A0"), whole + " 90 00");
  EXPECT_EQ(tx("00 C0 00 00 A0"), "69 85") << "nothing pending";

  EXPECT_EQ(tx("00 B0 00 00 A0"), "61 A0");
  EXPECT_EQ(tx("00 C0 00 00 10"), whole.substr(0, 16 * 3 - 1) + " 61 90")
      << "less than all, 61xx for the rest";
  EXPECT_EQ(tx("00 C0 00 00 90"), whole.substr(16 * 3) + " 90 00");

  EXPECT_EQ(tx("00 B0 00 00 A0"), "61 A0");
  EXPECT_EQ(tx("00 A4 02 0C 02 00 06"), "90 00") << "no data, no 61xx";
  EXPECT_EQ(tx("00 C0 00 00 A0"), "69 85") << "a new command dropped the pending data";

  select_ef("00 0A");
  EXPECT_EQ(tx("00 B0 00 00 00"), "61 00") << "256 bytes: 61 00";
  EXPECT_EQ(data_size(tx("00 C0 00 00 00")), 256u);

  load("get-response=yes,token-info=32,eof=6282");
  select_in_applet("00 06");
  EXPECT_EQ(tx("00 B0 00 00 A0"), "61 20");
  EXPECT_EQ(tx("00 C0 00 00 20"), padded_name("JPKIAPICCTOKEN2") + " 62 82") << "the warning ends the data";

  load("get-response=yes");
  select_in_applet("00 18");
  ASSERT_EQ(tx(kAuthPinOk), "90 00");
  select_ef("00 17");
  EXPECT_EQ(tx(sign_apdu()), "61 00");
  const std::string sig = tx("00 C0 00 00 00");
  EXPECT_EQ(data_size(sig), 256u);
  EXPECT_EQ(sw_of(sig), "90 00");
  EXPECT_EQ(tx("00 B0 00 00 04"), "69 86") << "errors carry no data and come at once";
}

TEST_F(VariantTest, FciAnswersSelectWithATemplate) {
  EXPECT_EQ(tx(kSelectApplet), "90 00") << "default: no FCI";
  EXPECT_EQ(tx("00 A4 02 0C 02 00 06"), "90 00");

  load("fci=yes");
  EXPECT_EQ(tx(kSelectApplet), "6F 0C 84 0A D3 92 F0 00 26 01 00 00 00 01 90 00");
  EXPECT_EQ(tx("00 A4 02 0C 02 00 06"), "6F 08 80 02 00 A0 83 02 00 06 90 00");
  EXPECT_EQ(tx("00 A4 02 0C 02 00 18"), "6F 04 83 02 00 18 90 00") << "a PIN EF has no size";
  EXPECT_EQ(tx("00 A4 02 0C 02 00 99"), "6A 82") << "no FCI for a failed SELECT";

  load("fci=yes,token-info=32");
  ASSERT_EQ(sw_of(tx(kSelectApplet)), "90 00");
  EXPECT_EQ(tx("00 A4 02 0C 02 00 06"), "6F 08 80 02 00 20 83 02 00 06 90 00") << "the served size";

  load("fci=yes,get-response=yes");
  EXPECT_EQ(tx(kSelectApplet), "61 0E");
  EXPECT_EQ(tx("00 C0 00 00 0E"), "6F 0C 84 0A D3 92 F0 00 26 01 00 00 00 01 90 00");
}

TEST_F(VariantTest, BlockedPinAnswers) {
  // {spec, VERIFY once blocked, retry query once blocked}
  const std::tuple<const char*, const char*, const char*> modes[] = {{"", "69 84", "63 C0"},
                                                                     {"blocked=6984", "69 84", "69 84"},
                                                                     {"blocked=6983", "69 83", "69 83"},
                                                                     {"blocked=63c0", "63 C0", "63 C0"}};
  for (const auto& [spec, verify, query] : modes) {
    card_->unblock();
    load(spec);
    select_in_applet("00 18");
    EXPECT_EQ(tx(kAuthPinBad), "63 C2") << spec;
    EXPECT_EQ(tx(kAuthPinBad), "63 C1") << spec;
    EXPECT_EQ(tx(kAuthPinBad), "63 C0") << spec << ": the exhausting try";
    EXPECT_EQ(tx("00 20 00 80"), query) << spec;
    EXPECT_EQ(tx(kAuthPinOk), verify) << spec;
    EXPECT_EQ(tx(kAuthPinBad), verify) << spec;
    EXPECT_EQ(tx("00 20 00 80"), query) << spec;
    EXPECT_EQ(card_->state().auth.tries, 0) << spec;
    EXPECT_EQ(load_card(dir_).auth.tries, 0) << spec << ": the counter on disk did not move";
    select_ef("00 1B");
    EXPECT_EQ(tx("00 20 00 80"), "63 C5") << spec << ": the other PIN is untouched";
  }
}

TEST_F(VariantTest, VerifiedQueryAnswers9000WhileThatPinIsVerified) {
  select_in_applet("00 18");
  ASSERT_EQ(tx(kAuthPinOk), "90 00");
  EXPECT_EQ(tx("00 20 00 80"), "63 C3") << "default: 63Cx after a good VERIFY";

  load("verified-query=9000");
  select_in_applet("00 18");
  EXPECT_EQ(tx("00 20 00 80"), "63 C3") << "not verified yet";
  ASSERT_EQ(tx(kAuthPinOk), "90 00");
  EXPECT_EQ(tx("00 20 00 80"), "90 00");
  select_ef("00 1B");
  EXPECT_EQ(tx("00 20 00 80"), "63 C5") << "the signing PIN is not verified";
  select_ef("00 18");
  EXPECT_EQ(tx(kAuthPinBad), "63 C2");
  EXPECT_EQ(tx("00 20 00 80"), "63 C2") << "a wrong VERIFY ends the verified state";
}

TEST_F(VariantTest, SignPinConsumedBySignature) {
  const auto sign_twice = [&](const std::string& second) {
    select_in_applet("00 18");
    ASSERT_EQ(tx(kAuthPinOk), "90 00");
    select_ef("00 1B");
    ASSERT_EQ(tx(kSignPinOk), "90 00");
    select_ef("00 1A");
    EXPECT_EQ(data_size(tx(sign_apdu())), 256u);
    EXPECT_EQ(sw_of(tx(sign_apdu())), second);
    select_ef("00 17");
    EXPECT_EQ(sw_of(tx(sign_apdu())), "90 00") << "the auth PIN stays";
    EXPECT_EQ(sw_of(tx(sign_apdu())), "90 00");
  };
  sign_twice("90 00");  // default sign-pin=stays

  load("sign-pin=consumed");
  sign_twice("69 82");
  select_ef("00 01");
  EXPECT_EQ(tx("00 B0 00 00 04"), "69 82") << "the sign certificate is closed again";
  select_ef("00 1B");
  EXPECT_EQ(tx("00 20 00 80"), "63 C5");
  ASSERT_EQ(tx(kSignPinOk), "90 00");
  select_ef("00 1A");
  EXPECT_EQ(sw_of(tx(sign_apdu(true))), "90 00") << "a PSS signature consumes it too";
  EXPECT_EQ(tx(sign_apdu(true)), "69 82");
}

TEST_F(VariantTest, PssNoRefusesP1Of04) {
  select_in_applet("00 18");
  ASSERT_EQ(tx(kAuthPinOk), "90 00");
  select_ef("00 17");
  EXPECT_EQ(sw_of(tx(sign_apdu(true))), "90 00") << "default pss=yes";

  load("pss=no");
  select_in_applet("00 18");
  ASSERT_EQ(tx(kAuthPinOk), "90 00");
  select_ef("00 17");
  EXPECT_EQ(tx(sign_apdu(true)), "6A 86");
  EXPECT_EQ(sw_of(tx(sign_apdu())), "90 00") << "PKCS#1 v1.5 as ever";
}

TEST_F(VariantTest, ReselectClearsOrKeepsTheVerifiedState) {
  const auto verify_both_and_reselect = [&] {
    select_in_applet("00 18");
    ASSERT_EQ(tx(kAuthPinOk), "90 00");
    select_ef("00 1B");
    ASSERT_EQ(tx(kSignPinOk), "90 00");
    ASSERT_EQ(tx(kSelectApplet), "90 00");
  };
  verify_both_and_reselect();
  select_ef("00 17");
  EXPECT_EQ(tx(sign_apdu()), "69 82") << "default: re-SELECT drops the auth PIN";
  select_ef("00 1A");
  EXPECT_EQ(tx(sign_apdu()), "69 82") << "and the signing PIN";

  load("reselect-clears=no");
  verify_both_and_reselect();
  select_ef("00 17");
  EXPECT_EQ(sw_of(tx(sign_apdu())), "90 00");
  select_ef("00 1A");
  EXPECT_EQ(sw_of(tx(sign_apdu())), "90 00");
  select_ef("00 01");
  EXPECT_EQ(sw_of(tx("00 B0 00 00 04")), "90 00");
  card_->reset();
  select_in_applet("00 17");
  EXPECT_EQ(tx(sign_apdu()), "69 82") << "a power cycle still clears it";
  select_ef("00 1A");
  EXPECT_EQ(tx(sign_apdu()), "69 82");
}

TEST_F(VariantTest, AtrFromTheVariantOrTheAlias) {
  EXPECT_EQ(to_hex(card_->atr()), "3B E0 00 FF 81 31 FE 45 14") << "default";
  load("atr=3B88800100000541E0B381A1007F");
  EXPECT_EQ(to_hex(card_->atr()), "3B 88 80 01 00 00 05 41 E0 B3 81 A1 00 7F");
  load(CardOptions{from_hex("3B C5 FF 81 31 FB 45 80 73 C6 01 00 00"), true});
  EXPECT_EQ(to_hex(card_->atr()), "3B C5 FF 81 31 FB 45 80 73 C6 01 00 00") << "CardOptions::atr (--atr)";
}

TEST_F(VariantTest, HostileApdusAlwaysGetAStatusWordUnderEveryShaper) {
  load(
      "token-info=32,cert-pad=none,eof=6cxx,max-le=7,ext=truncate,get-response=yes,fci=yes,blocked=6983,"
      "verified-query=9000,sign-pin=consumed,pss=no,reselect-clears=no,auth-cert-pin=yes");
  std::mt19937 rng(54321);
  for (int i = 0; i < 20000; ++i) {
    Bytes apdu(rng() % 40);
    for (auto& b : apdu) b = static_cast<std::uint8_t>(rng());
    if (i % 2 == 0 && apdu.size() >= 4) {
      apdu[0] = 0x00;
      apdu[1] = std::array<std::uint8_t, 6>{0xA4, 0xB0, 0x20, 0xC0, 0x2A, 0xA4}[rng() % 6];
      apdu[2] &= 0x07;
    }
    const Bytes r = card_->process(apdu);
    ASSERT_GE(r.size(), 2u) << to_hex(apdu);
    ASSERT_NE(r[r.size() - 2] & 0xF0, 0) << "SW1 must be 6x or 9x: " << to_hex(apdu);
    ASSERT_LE(r.size(), 2u + 14u) << "max-le=7 and the FCI bound every answer: " << to_hex(apdu);
  }
}

// --- parse_variant ---

TEST(VariantParseTest, EmptyIsTheDefaultCard) {
  EXPECT_EQ(parse_variant(""), Variant{});
  EXPECT_EQ(parse_variant(" , "), Variant{});
  const Variant v;
  EXPECT_EQ(v.token_info, 160u);
  EXPECT_EQ(v.token, Variant::TokenName::kCard);
  EXPECT_FALSE(v.auth_cert_pin);
  EXPECT_EQ(v.cert_pad, Variant::CertPad::kFF);
  EXPECT_EQ(v.eof, Variant::Eof::kShort);
  EXPECT_EQ(v.max_le, 256u);
  EXPECT_EQ(v.ext, Variant::Extended::kYes);
  EXPECT_FALSE(v.get_response);
  EXPECT_FALSE(v.fci);
  EXPECT_EQ(v.blocked, Variant::Blocked::kDefault);
  EXPECT_EQ(blocked_verify_sw(v.blocked), 0x6984);
  EXPECT_EQ(blocked_query_sw(v.blocked), 0x63C0);
  EXPECT_FALSE(v.verified_query_9000);
  EXPECT_FALSE(v.sign_pin_consumed);
  EXPECT_TRUE(v.pss);
  EXPECT_TRUE(v.reselect_clears);
  EXPECT_FALSE(v.atr.has_value());
}

TEST(VariantParseTest, EveryKeyAndValue) {
  using V = Variant;
  EXPECT_EQ(parse_variant("token-info=32").token_info, 32u);
  EXPECT_EQ(parse_variant("token-info=160").token_info, 160u);
  EXPECT_EQ(parse_variant("token=card").token, V::TokenName::kCard);
  EXPECT_EQ(parse_variant("token=iphone").token, V::TokenName::kIphone);
  EXPECT_EQ(parse_variant("token=juki").token, V::TokenName::kJuki);
  EXPECT_FALSE(parse_variant("token=iphone").auth_cert_pin);
  const V android = parse_variant("token=android");
  EXPECT_EQ(android.token, V::TokenName::kAndroid);
  EXPECT_TRUE(android.auth_cert_pin) << "android implies auth-cert-pin=yes";
  EXPECT_FALSE(parse_variant("auth-cert-pin=no,token=android").auth_cert_pin) << "explicit wins, any order";
  EXPECT_TRUE(parse_variant("auth-cert-pin=yes").auth_cert_pin);
  EXPECT_FALSE(parse_variant("auth-cert-pin=no").auth_cert_pin);
  EXPECT_EQ(parse_variant("cert-pad=ff").cert_pad, V::CertPad::kFF);
  EXPECT_EQ(parse_variant("cert-pad=00").cert_pad, V::CertPad::k00);
  EXPECT_EQ(parse_variant("cert-pad=none").cert_pad, V::CertPad::kNone);
  EXPECT_EQ(parse_variant("eof=short").eof, V::Eof::kShort);
  EXPECT_EQ(parse_variant("eof=6282").eof, V::Eof::k6282);
  EXPECT_EQ(parse_variant("eof=6b00").eof, V::Eof::k6B00);
  EXPECT_EQ(parse_variant("eof=6B00").eof, V::Eof::k6B00) << "hex values in either case";
  EXPECT_EQ(parse_variant("eof=6cxx").eof, V::Eof::k6Cxx);
  EXPECT_EQ(parse_variant("eof=6700").eof, V::Eof::k6700);
  EXPECT_EQ(parse_variant("max-le=256").max_le, 256u);
  EXPECT_EQ(parse_variant("max-le=1").max_le, 1u);
  EXPECT_EQ(parse_variant("max-le=255").max_le, 255u);
  EXPECT_EQ(parse_variant("ext=yes").ext, V::Extended::kYes);
  EXPECT_EQ(parse_variant("ext=no").ext, V::Extended::kNo);
  EXPECT_EQ(parse_variant("ext=truncate").ext, V::Extended::kTruncate);
  EXPECT_TRUE(parse_variant("get-response=yes").get_response);
  EXPECT_FALSE(parse_variant("get-response=no").get_response);
  EXPECT_TRUE(parse_variant("fci=yes").fci);
  EXPECT_FALSE(parse_variant("fci=no").fci);
  for (const auto& [value, blocked, verify, query] :
       std::vector<std::tuple<std::string, V::Blocked, int, int>>{
           {"6984", V::Blocked::k6984, 0x6984, 0x6984},
           {"6983", V::Blocked::k6983, 0x6983, 0x6983},
           {"63c0", V::Blocked::k63C0, 0x63C0, 0x63C0}}) {
    const V v = parse_variant("blocked=" + value);
    EXPECT_EQ(v.blocked, blocked) << value;
    EXPECT_EQ(blocked_verify_sw(v.blocked), verify) << value;
    EXPECT_EQ(blocked_query_sw(v.blocked), query) << value;
  }
  EXPECT_FALSE(parse_variant("verified-query=63cx").verified_query_9000);
  EXPECT_TRUE(parse_variant("verified-query=9000").verified_query_9000);
  EXPECT_FALSE(parse_variant("sign-pin=stays").sign_pin_consumed);
  EXPECT_TRUE(parse_variant("sign-pin=consumed").sign_pin_consumed);
  EXPECT_TRUE(parse_variant("pss=yes").pss);
  EXPECT_FALSE(parse_variant("pss=no").pss);
  EXPECT_TRUE(parse_variant("reselect-clears=yes").reselect_clears);
  EXPECT_FALSE(parse_variant("reselect-clears=no").reselect_clears);
  EXPECT_EQ(parse_variant("atr=3B E0 00 FF 81 31 FE 45 14").atr, from_hex("3BE000FF8131FE4514"));
  const V many = parse_variant(" token-info=32 , eof=6282,ext=no ");
  EXPECT_EQ(many.token_info, 32u);
  EXPECT_EQ(many.eof, V::Eof::k6282);
  EXPECT_EQ(many.ext, V::Extended::kNo);
  EXPECT_EQ(parse_variant("ext=no,ext=no").ext, V::Extended::kNo) << "a repeat that agrees is fine";
}

std::string parse_error(const std::string& spec) {
  try {
    parse_variant(spec);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(VariantParseTest, UnknownKeysAndValuesAreRefusedByName) {
  EXPECT_NE(parse_error("bad=1").find("unknown key 'bad'"), std::string::npos) << parse_error("bad=1");
  EXPECT_NE(parse_error("Eof=6282").find("unknown key 'Eof'"), std::string::npos) << "keys are exact";
  EXPECT_NE(parse_error("eof=6283").find("eof=6283: unknown value"), std::string::npos);
  EXPECT_NE(parse_error("eof=6283").find("short, 6282, 6b00, 6cxx, 6700"), std::string::npos);
  for (const std::string& spec : std::vector<std::string>{"token-info=64",
                                                          "token=phone",
                                                          "auth-cert-pin=1",
                                                          "cert-pad=fe",
                                                          "max-le=0",
                                                          "max-le=257",
                                                          "max-le=-1",
                                                          "max-le=1e2",
                                                          "max-le=",
                                                          "ext=maybe",
                                                          "get-response=true",
                                                          "fci=",
                                                          "blocked=6985",
                                                          "verified-query=63c3",
                                                          "sign-pin=gone",
                                                          "pss=on",
                                                          "reselect-clears=never",
                                                          "atr=3B",
                                                          "atr=xyz",
                                                          "atr=3B8",
                                                          "atr=" + std::string(68, 'A'),
                                                          "eof",
                                                          "=1",
                                                          "ext=no,ext=truncate"}) {
    EXPECT_NE(parse_error(spec), "(accepted)") << spec;
  }
  EXPECT_NE(parse_error("ext=no,ext=truncate").find("ext given twice"), std::string::npos);
}

}  // namespace
}  // namespace jpki::sim
