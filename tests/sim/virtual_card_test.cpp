// The virtual card against the byte vectors of docs/jpki-card.md §1-§3.
#include "sim/virtual_card.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>
#include <filesystem>
#include <random>

#include "apdu/jpki.h"
#include "apdu/response.h"
#include "common/openssl_ptr.h"
#include "sim/card_state.h"
#include "sim_card_fixture.h"

namespace jpki::sim {
namespace {

class VirtualCardTest : public test::SimCardTest {};

TEST_F(VirtualCardTest, SelectApplicationAndFiles) {
  EXPECT_EQ(tx("00 A4 02 0C 02 00 06"), "6A 82") << "no EF before the applet";
  EXPECT_EQ(tx("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"), "90 00");
  EXPECT_EQ(tx("00 A4 02 0C 02 00 06"), "90 00");
  EXPECT_EQ(tx("00 A4 02 0C 02 00 99"), "6A 82");
  EXPECT_EQ(tx("00 A4 04 0C 05 A0 00 00 00 01"), "6A 82");
}

TEST_F(VirtualCardTest, TokenInfoIs160BytesBeginningWithTheTokenName) {
  select(apdu::ef::kTokenInfo);
  const auto r = call(apdu::read_binary(0, 256));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.data.size(), 160u);
  EXPECT_EQ(std::string(r.data.begin(), r.data.begin() + 15), "JPKIAPICCTOKEN2");
  EXPECT_EQ(r.data[15], ' ');
  select(apdu::ef::kCertAvailability);
  EXPECT_EQ(to_hex(call(apdu::read_binary(0, 3)).encode()), "8F 8F 00 90 00");
}

TEST_F(VirtualCardTest, ReadBinaryOffsetsLengthsAndEndOfFile) {
  select(apdu::ef::kAuthCert);
  const auto head = call(apdu::read_binary(0, 4));
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head.data[0], 0x30);
  EXPECT_EQ(head.data[1], 0x82);
  EXPECT_EQ(call(apdu::read_binary(0, 256)).data.size(), 256u) << "Le=00 is 256";
  const auto second = call(apdu::read_binary(1, 3));
  EXPECT_EQ(Bytes(second.data.begin(), second.data.end()), Bytes(head.data.begin() + 1, head.data.end()));
  EXPECT_EQ(call(apdu::read_binary(0x7000, 1)).sw.value(), 0x6B00) << "past the end";
  const auto whole = call(apdu::read_binary(0, 65536, true));
  ASSERT_TRUE(whole.ok());
  EXPECT_GT(whole.data.size(), 256u) << "extended Le takes the whole file";
  EXPECT_EQ(whole.data.back(), 0xFF) << "filler after the DER object";
}

TEST_F(VirtualCardTest, SignCertificateNeedsTheSignPassword) {
  select(apdu::ef::kSignCert);
  EXPECT_EQ(call(apdu::read_binary(0, 4)).sw.value(), 0x6982);
  select(apdu::ef::kSignCaCert);
  EXPECT_TRUE(call(apdu::read_binary(0, 4)).ok()) << "the CA certificate is public";
  select(apdu::ef::kSignPin);
  ASSERT_TRUE(call(apdu::verify(as_bytes("ABCDEF12"))).ok());
  ASSERT_EQ(call(apdu::select_ef(apdu::ef::kSignCert)).sw.value(), 0x9000);
  EXPECT_TRUE(call(apdu::read_binary(0, 4)).ok());
}

TEST_F(VirtualCardTest, RetryQueryNeverSpendsATry) {
  select(apdu::ef::kAuthPin);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(tx("00 20 00 80"), "63 C3");
  EXPECT_EQ(tx("00 20 00 80 00"), "67 00") << "a trailing 00 is Le: wrong length, as a real card";
  EXPECT_EQ(card_->state().auth.tries, 3);
  EXPECT_EQ(tx("00 20 00 80 04 31 32 33 34"), "90 00");
  EXPECT_EQ(tx("00 20 00 80"), "63 C3") << "the card still answers 63Cx after a good VERIFY";
}

TEST_F(VirtualCardTest, WrongPinsCountDownThenBlock) {
  select(apdu::ef::kAuthPin);
  EXPECT_EQ(tx("00 20 00 80 04 39 39 39 39"), "63 C2");
  EXPECT_EQ(tx("00 20 00 80 04 39 39 39 39"), "63 C1");
  EXPECT_EQ(tx("00 20 00 80 04 39 39 39 39"), "63 C0") << "the exhausting try";
  EXPECT_EQ(tx("00 20 00 80 04 31 32 33 34"), "69 84") << "blocked, even with the right PIN";
  EXPECT_EQ(tx("00 20 00 80"), "63 C0");
  // The lockout survives a restart.
  load(CardOptions{});
  select(apdu::ef::kAuthPin);
  EXPECT_EQ(tx("00 20 00 80"), "63 C0");
  card_->unblock();
  EXPECT_EQ(tx("00 20 00 80"), "63 C3");
}

TEST_F(VirtualCardTest, ChangeReferenceDataNeedsVerifyFirst) {
  select(apdu::ef::kAuthPin);
  EXPECT_EQ(tx("00 24 01 80 04 35 36 37 38"), "69 82");
  ASSERT_EQ(tx("00 20 00 80 04 31 32 33 34"), "90 00");
  EXPECT_EQ(tx("00 24 01 80 04 35 36 37 38"), "90 00");
  card_->reset();
  select(apdu::ef::kAuthPin);
  EXPECT_EQ(tx("00 20 00 80 04 35 36 37 38"), "90 00");
}

bool verifies(const Bytes& cert_file, ByteView input, const Bytes& sig, bool pss) {
  const unsigned char* p = cert_file.data();
  const X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(cert_file.size())));
  const Pkey k(X509_get_pubkey(x.get()));
  const PkeyCtx c(EVP_PKEY_CTX_new(k.get(), nullptr));
  EVP_PKEY_verify_init(c.get());
  if (pss) {
    EVP_PKEY_CTX_set_rsa_padding(c.get(), RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_signature_md(c.get(), EVP_sha256());
    EVP_PKEY_CTX_set_rsa_pss_saltlen(c.get(), 32);
  } else {
    EVP_PKEY_CTX_set_rsa_padding(c.get(), RSA_PKCS1_PADDING);
  }
  return EVP_PKEY_verify(c.get(), sig.data(), sig.size(), input.data(), input.size()) == 1;
}

TEST_F(VirtualCardTest, SignsDigestInfoWithPkcs1AndPrehashWithPss) {
  select(apdu::ef::kAuthKey);
  Bytes di = from_hex("30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20");
  di.insert(di.end(), 32, 0xAB);
  EXPECT_EQ(call(apdu::compute_signature(di)).sw.value(), 0x6982) << "no signature before VERIFY";
  select(apdu::ef::kAuthPin);
  ASSERT_EQ(tx("00 20 00 80 04 31 32 33 34"), "90 00");
  ASSERT_EQ(call(apdu::select_ef(apdu::ef::kAuthKey)).sw.value(), 0x9000);
  const auto r = call(apdu::compute_signature(di));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.data.size(), 256u);
  const Bytes& cert = card_->state().files.at(apdu::ef::kAuthCert);
  EXPECT_TRUE(verifies(cert, di, r.data, false));
  const Bytes hash(32, 0x5A);
  const auto pss = call(apdu::compute_signature(hash, apdu::SignScheme::kPssPrehashedSha256));
  ASSERT_TRUE(pss.ok());
  EXPECT_TRUE(verifies(cert, hash, pss.data, true));
  Bytes too_long = Bytes(246, 1);
  apdu::Command c{0x80, 0x2A, 0x00, 0x80, too_long, 256, false};
  EXPECT_EQ(call(c).sw.value(), 0x6700);
  c = {0x80, 0x2A, 0x07, 0x80, Bytes(20, 1), 256, false};
  EXPECT_EQ(call(c).sw.value(), 0x6A86);
}

TEST_F(VirtualCardTest, UnknownInstructionsAndClasses) {
  EXPECT_EQ(tx("00 CA 00 00 00"), "6D 00");
  EXPECT_EQ(tx("B0 A4 04 0C 00"), "6E 00");
  EXPECT_EQ(tx("00 A4 04 0C 0A D3 92"), "67 00") << "Lc larger than the data";
}

TEST_F(VirtualCardTest, HostileApdusAlwaysGetAStatusWord) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 20000; ++i) {
    Bytes apdu(rng() % 300);
    for (auto& b : apdu) b = static_cast<std::uint8_t>(rng());
    if (i % 3 == 0 && apdu.size() >= 2)
      apdu[1] = std::array<std::uint8_t, 5>{0xA4, 0xB0, 0x20, 0x24, 0x2A}[rng() % 5];
    const Bytes r = card_->process(apdu);
    ASSERT_GE(r.size(), 2u) << to_hex(apdu);
    ASSERT_NE(r[r.size() - 2] & 0xF0, 0) << "SW1 must be 6x or 9x: " << to_hex(apdu);
  }
}

}  // namespace
}  // namespace jpki::sim
