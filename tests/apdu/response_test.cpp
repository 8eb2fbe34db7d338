#include "apdu/response.h"

#include <gtest/gtest.h>

namespace jpki::apdu {
namespace {

TEST(Response, SplitsDataAndStatus) {
  const auto r = parse_response(from_hex("01 02 90 00"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data, from_hex("01 02"));
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->encode(), from_hex("01 02 90 00"));
}

TEST(Response, TooShortIsRejected) {
  EXPECT_FALSE(parse_response(from_hex("")));
  EXPECT_FALSE(parse_response(from_hex("90")));
}

TEST(StatusWord, NamesTheWordsTheCardUses) {
  EXPECT_TRUE(StatusWord(0x9000).ok());
  EXPECT_TRUE(StatusWord(0x63C3).is_retry_counter());
  EXPECT_EQ(StatusWord(0x63C3).tries_left(), 3);
  EXPECT_FALSE(StatusWord(0x63C3).pin_blocked());
  EXPECT_TRUE(StatusWord(0x63C0).pin_blocked());
  EXPECT_TRUE(StatusWord(0x6983).pin_blocked());
  EXPECT_TRUE(StatusWord(0x6984).pin_blocked());
  EXPECT_TRUE(StatusWord(0x6110).more_data());
  EXPECT_TRUE(StatusWord(0x6C10).wrong_le());
  EXPECT_EQ(StatusWord(0x63C2).name(), "63C2 verification failed / tries left (2)");
  for (std::uint16_t v : std::initializer_list<std::uint16_t>{0x9000, 0x6982, 0x6983, 0x6984, 0x6A82, 0x6A86,
                                                              0x6700, 0x6B00, 0x6D00}) {
    EXPECT_EQ(StatusWord(v).name().find("unknown"), std::string::npos) << std::hex << v;
  }
  EXPECT_EQ(StatusWord(0x12, 0x34).value(), 0x1234);
}

}  // namespace
}  // namespace jpki::apdu
