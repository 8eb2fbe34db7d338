#include <gtest/gtest.h>

#include <cstdlib>

#include "tool/json.h"
#include "tool/messages.h"
#include "tool/renewal.h"

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

}  // namespace
}  // namespace jpki::tool
