// Case 1-4 encoding and parsing, short and extended.
#include "apdu/command.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace jpki::apdu {
namespace {

Bytes enc(const Command& c) { return c.encode(); }

TEST(Command, Case1IsHeaderOnly) {
  EXPECT_EQ(enc({0x00, 0x20, 0x00, 0x80, {}, {}, false}), from_hex("00 20 00 80"));
}

TEST(Command, Case2ShortEncodes256AsZero) {
  EXPECT_EQ(enc({0x00, 0xB0, 0x00, 0x00, {}, 256, false}), from_hex("00 B0 00 00 00"));
  EXPECT_EQ(enc({0x00, 0xB0, 0x01, 0x00, {}, 4, false}), from_hex("00 B0 01 00 04"));
}

TEST(Command, Case2ExtendedUsesThreeByteLe) {
  EXPECT_EQ(enc({0x00, 0xB0, 0x00, 0x00, {}, 1000, false}), from_hex("00 B0 00 00 00 03 E8"));
  EXPECT_EQ(enc({0x00, 0xB0, 0x00, 0x00, {}, 65536, false}), from_hex("00 B0 00 00 00 00 00"));
  EXPECT_EQ(enc({0x00, 0xB0, 0x00, 0x00, {}, 4, true}), from_hex("00 B0 00 00 00 00 04"));
}

TEST(Command, Case3ShortAndExtended) {
  EXPECT_EQ(enc({0x00, 0x20, 0x00, 0x80, from_hex("31 32 33 34"), {}, false}),
            from_hex("00 20 00 80 04 31 32 33 34"));
  Bytes big(300, 0xAB);
  const Bytes e = enc({0x00, 0x2A, 0x00, 0x80, big, {}, false});
  ASSERT_EQ(e.size(), 4u + 3u + 300u);
  EXPECT_EQ(Bytes(e.begin(), e.begin() + 7), from_hex("00 2A 00 80 00 01 2C"));
}

TEST(Command, Case4ShortAndExtended) {
  EXPECT_EQ(enc({0x80, 0x2A, 0x00, 0x80, from_hex("01 02"), 256, false}),
            from_hex("80 2A 00 80 02 01 02 00"));
  EXPECT_EQ(enc({0x80, 0x2A, 0x00, 0x80, from_hex("01 02"), 256, true}),
            from_hex("80 2A 00 80 00 00 02 01 02 01 00"));
}

TEST(Command, RejectsImpossibleLengths) {
  EXPECT_THROW(enc({0, 0, 0, 0, Bytes(65536, 1), {}, false}), std::length_error);
  EXPECT_THROW(enc({0, 0, 0, 0, {}, 0, false}), std::length_error);
  EXPECT_THROW(enc({0, 0, 0, 0, {}, 65537, false}), std::length_error);
}

TEST(Command, CasesAreReported) {
  EXPECT_EQ((Command{0, 0, 0, 0, {}, {}, false}.apdu_case()), Case::k1);
  EXPECT_EQ((Command{0, 0, 0, 0, {}, 1, false}.apdu_case()), Case::k2);
  EXPECT_EQ((Command{0, 0, 0, 0, {1}, {}, false}.apdu_case()), Case::k3);
  EXPECT_EQ((Command{0, 0, 0, 0, {1}, 1, false}.apdu_case()), Case::k4);
}

TEST(ParseCommand, RoundTripsEveryCase) {
  const Command cases[] = {
      {0x00, 0x20, 0x00, 0x80, {}, {}, false},
      {0x00, 0xB0, 0x00, 0x00, {}, 256, false},
      {0x00, 0xB0, 0x00, 0x00, {}, 7, false},
      {0x00, 0x20, 0x00, 0x80, from_hex("31 32 33 34"), {}, false},
      {0x80, 0x2A, 0x00, 0x80, from_hex("30 31"), 256, false},
      {0x00, 0xB0, 0x00, 0x00, {}, 65536, true},
      {0x00, 0xB0, 0x00, 0x00, {}, 2000, true},
      {0x00, 0x2A, 0x00, 0x80, Bytes(300, 7), {}, true},
      {0x80, 0x2A, 0x00, 0x80, Bytes(300, 7), 65536, true},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_command(c.encode());
    ASSERT_TRUE(parsed.has_value()) << to_hex(c.encode());
    EXPECT_EQ(parsed->data, c.data);
    EXPECT_EQ(parsed->le, c.le);
    EXPECT_EQ(parsed->ins, c.ins);
  }
}

TEST(ParseCommand, EmptyVerifyWithTrailingZeroIsCase2) {
  // 00 20 00 80 00 is a VERIFY with Le=256, not the retry query: real cards answer 6700.
  const auto c = parse_command(from_hex("00 20 00 80 00"));
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->data.empty());
  EXPECT_EQ(c->le, 256u);
}

TEST(ParseCommand, RejectsMalformedLengths) {
  EXPECT_FALSE(parse_command(from_hex("00 A4 04")));
  EXPECT_FALSE(parse_command(from_hex("00 A4 04 0C 0A D3 92")));        // Lc says 10, 2 present
  EXPECT_FALSE(parse_command(from_hex("00 A4 04 0C 02 00 01 00 00")));  // two bytes too many
  EXPECT_FALSE(parse_command(from_hex("00 B0 00 00 00 01")));           // truncated extended
  EXPECT_FALSE(parse_command(from_hex("00 B0 00 00 00 00 00 AA")));     // extended Lc=0 with data
}

TEST(Hex, RoundTripAndErrors) {
  EXPECT_EQ(to_hex(from_hex("00a40c:ff")), "00 A4 0C FF");
  EXPECT_THROW(from_hex("0"), std::invalid_argument);
  EXPECT_THROW(from_hex("zz"), std::invalid_argument);
}

}  // namespace
}  // namespace jpki::apdu
