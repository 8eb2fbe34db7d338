// Where a certificate stands: days left and whether it can be renewed now.
// JPKI certificates can be renewed from 3 months before they expire.
#pragma once

#include <string>

namespace jpki::tool {

struct Date {
  int year = 0;
  int month = 0;  // 1-12
  int day = 0;    // 1-31
  friend auto operator<=>(const Date&, const Date&) = default;
};

enum class Renewal { kNotYet, kOpen, kExpired };

struct ExpiryStatus {
  long days_left = 0;  // negative once expired
  Renewal renewal = Renewal::kNotYet;
  Date renewal_opens;
};

bool parse_date(const std::string& yyyy_mm_dd, Date& out);
std::string to_string(const Date& d);
long days_between(const Date& from, const Date& to);
Date minus_months(const Date& d, int months);  // clamps the day to the month's end
ExpiryStatus expiry_status(const Date& today, const Date& not_after);

}  // namespace jpki::tool
