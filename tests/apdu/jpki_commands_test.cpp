// The exact byte vectors of docs/jpki-card.md §1.4 and §7.
#include <gtest/gtest.h>

#include <stdexcept>

#include "apdu/jpki.h"

namespace jpki::apdu {
namespace {

TEST(JpkiCommands, SelectApplet) {
  EXPECT_EQ(select_applet().encode(), from_hex("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"));
}

TEST(JpkiCommands, SelectEf) {
  EXPECT_EQ(select_ef(ef::kSignPin).encode(), from_hex("00 A4 02 0C 02 00 1B"));
  EXPECT_EQ(select_ef(ef::kAuthCert).encode(), from_hex("00 A4 02 0C 02 00 0A"));
}

TEST(JpkiCommands, ReadBinary) {
  EXPECT_EQ(read_binary(0, 4).encode(), from_hex("00 B0 00 00 04"));
  EXPECT_EQ(read_binary(0, 256).encode(), from_hex("00 B0 00 00 00"));
  EXPECT_EQ(read_binary(0x100, 0x2C).encode(), from_hex("00 B0 01 00 2C"));
  EXPECT_EQ(read_binary(0, 65536, true).encode(), from_hex("00 B0 00 00 00 00 00"));
  EXPECT_THROW((void)read_binary(0x8000, 1), std::out_of_range);
}

TEST(JpkiCommands, RetryQueryIsTrueCase1) { EXPECT_EQ(retry_query().encode(), from_hex("00 20 00 80")); }

TEST(JpkiCommands, Verify) {
  EXPECT_EQ(verify(as_bytes("1234")).encode(), from_hex("00 20 00 80 04 31 32 33 34"));
  EXPECT_EQ(verify(as_bytes("123456")).encode(), from_hex("00 20 00 80 06 31 32 33 34 35 36"));
  EXPECT_THROW((void)verify({}), std::invalid_argument);
}

TEST(JpkiCommands, ChangeReferenceData) {
  EXPECT_EQ(change_reference_data(as_bytes("5678")).encode(), from_hex("00 24 01 80 04 35 36 37 38"));
}

TEST(JpkiCommands, ComputeSignature) {
  EXPECT_EQ(compute_signature(from_hex("01 02")).encode(), from_hex("80 2A 00 80 02 01 02 00"));
  EXPECT_EQ(compute_signature(Bytes(32, 0x11), SignScheme::kPssPrehashedSha256).encode()[2], 0x04);
  EXPECT_THROW((void)compute_signature(Bytes(246, 1)), std::length_error);
  EXPECT_THROW((void)compute_signature({}), std::length_error);
}

TEST(JpkiCommands, GetResponse) { EXPECT_EQ(get_response(0x10).encode(), from_hex("00 C0 00 00 10")); }

}  // namespace
}  // namespace jpki::apdu
