#include "tool/renewal.h"

#include <cstdio>

namespace jpki::tool {
namespace {
// Days since 1970-01-01 (proleptic Gregorian), H. Hinnant's algorithm.
long days_from_civil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long yoe = y - era * 400;
  const long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}
int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}
}  // namespace

bool parse_date(const std::string& s, Date& out) {
  Date d;
  char tail = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &d.year, &d.month, &d.day, &tail) != 3) return false;
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > days_in_month(d.year, d.month)) return false;
  out = d;
  return true;
}

std::string to_string(const Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year % 10000, d.month % 100, d.day % 100);
  return buf;
}

long days_between(const Date& from, const Date& to) {
  return days_from_civil(to.year, to.month, to.day) - days_from_civil(from.year, from.month, from.day);
}

Date minus_months(const Date& d, int months) {
  int total = d.year * 12 + (d.month - 1) - months;
  Date out{total / 12, total % 12 + 1, d.day};
  if (out.day > days_in_month(out.year, out.month)) out.day = days_in_month(out.year, out.month);
  return out;
}

ExpiryStatus expiry_status(const Date& today, const Date& not_after) {
  ExpiryStatus s;
  s.days_left = days_between(today, not_after);
  s.renewal_opens = minus_months(not_after, 3);
  if (today > not_after) {
    s.renewal = Renewal::kExpired;
  } else if (today >= s.renewal_opens) {
    s.renewal = Renewal::kOpen;
  } else {
    s.renewal = Renewal::kNotYet;
  }
  return s;
}

}  // namespace jpki::tool
