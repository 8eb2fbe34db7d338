#include "tool/pdf_rules.h"

#include <cctype>

namespace jpki::tool::pdf {
namespace {

bool digits(std::string_view s, std::size_t at, std::size_t n, int lo, int hi, int* out = nullptr) {
  if (at + n > s.size()) {
    return false;
  }
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i])) == 0) {
      return false;
    }
    v = v * 10 + (s[i] - '0');
  }
  if (out != nullptr) {
    *out = v;
  }
  return v >= lo && v <= hi;
}

int days_in(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::string hex(const Bytes& b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (const auto c : b) {
    s += {kDigits[c >> 4], kDigits[c & 0x0F]};
  }
  return s;
}

std::string shown(const std::optional<std::string>& v) { return v ? *v : std::string("absent"); }

RuleResult check(Rule r, const SignatureFacts& f) {
  const CmsFacts& c = f.cms;
  const bool cms = c.parsed && c.signed_data && c.signer_count == 1;
  switch (r) {
    case Rule::kType:
      return {r, f.type == "Sig", f.type ? "/" + *f.type : "absent"};
    case Rule::kSubFilter:
      return {r, f.sub_filter == "adbe.pkcs7.detached", f.sub_filter ? "/" + *f.sub_filter : "absent"};
    case Rule::kName:
      return {r, f.name && !f.name->empty(), f.name ? (f.name->empty() ? "empty" : "present") : "absent"};
    case Rule::kDate:
      return {r, f.m && is_pdf_date(*f.m), shown(f.m)};
    case Rule::kCoverage: {
      if (!f.byte_range_ok) {
        return {r, false, "ByteRange: " + f.byte_range_problem};
      }
      const char* what = f.coverage == Coverage::kWholeFile  ? "whole file"
                         : f.coverage == Coverage::kRevision ? "its revision"
                                                             : "part of a revision";
      const bool ok = f.newest ? f.coverage == Coverage::kWholeFile : f.coverage == Coverage::kRevision;
      return {r, ok,
              std::string(f.newest ? "newest signature, covers " : "earlier signature, covers ") + what};
    }
    case Rule::kContents: {
      if (!c.parsed) {
        return {r, false, "not a DER CMS"};
      }
      if (!c.signed_data) {
        return {r, false, "CMS but not SignedData"};
      }
      if (!c.detached) {
        return {r, false, "SignedData with the content inside (not detached)"};
      }
      if (!c.zero_padded) {
        return {r, false, "bytes other than 0x00 after the CMS"};
      }
      return {r, true, "SignedData, " + std::to_string(c.der_size) + " bytes + 0x00 padding"};
    }
    case Rule::kCmsContents: {
      if (!cms) {
        return {r, false, "no single-signer SignedData"};
      }
      std::string missing;
      if (!c.signer_cert_included) {
        missing += " signer-certificate";
      }
      if (!c.has_content_type) {
        missing += " contentType";
      }
      if (!c.has_message_digest) {
        missing += " messageDigest";
      }
      return {r, missing.empty(),
              missing.empty() ? "certificate, contentType, messageDigest" : "missing:" + missing};
    }
    case Rule::kDigest:
      if (!cms || !c.has_message_digest) {
        return {r, false, "no messageDigest"};
      }
      return {r, c.message_digest == f.byte_range_sha256,
              c.message_digest == f.byte_range_sha256 ? "equal"
                                                      : "differs: messageDigest " + hex(c.message_digest)};
    case Rule::kAlgorithms:
      if (!cms) {
        return {r, false, "no single-signer SignedData"};
      }
      return {r, c.digest_is_sha256 && c.signature_is_rsa,
              c.digest_algorithm + " / " + c.signature_algorithm};
    case Rule::kNoTimestamp:
      if (!cms) {
        return {r, false, "no single-signer SignedData"};
      }
      return {r, !c.has_timestamp_token, c.has_timestamp_token ? "time-stamp token present" : "none"};
  }
  return {r, false, "?"};
}

}  // namespace

const char* rule_id(Rule r) {
  static constexpr const char* kIds[] = {"C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10"};
  return kIds[static_cast<int>(r)];
}

const char* rule_keyword(Rule r) {
  static constexpr const char* kWords[] = {"type",       "sub_filter",   "name",      "date",
                                           "coverage",   "cms_contents", "cms_parts", "digest",
                                           "algorithms", "no_timestamp"};
  return kWords[static_cast<int>(r)];
}

std::vector<RuleResult> check_rules(const SignatureFacts& facts) {
  std::vector<RuleResult> out;
  for (const Rule r : kAllRules) {
    out.push_back(check(r, facts));
  }
  return out;
}

bool is_pdf_date(std::string_view s) {
  int year = 0;
  int month = 0;
  int day = 0;
  if (s.substr(0, 2) != "D:" || !digits(s, 2, 4, 0, 9999, &year) || !digits(s, 6, 2, 1, 12, &month) ||
      !digits(s, 8, 2, 1, 31, &day) || day > days_in(year, month) || !digits(s, 10, 2, 0, 23) ||
      !digits(s, 12, 2, 0, 59) || !digits(s, 14, 2, 0, 59)) {
    return false;
  }
  const std::string_view zone = s.substr(16);
  if (zone == "Z" || zone == "Z00'00'" || zone == "Z00'00") {
    return true;
  }
  if (zone.size() < 6 || (zone[0] != '+' && zone[0] != '-')) {
    return false;
  }
  if (!digits(zone, 1, 2, 0, 23) || zone[3] != '\'' || !digits(zone, 4, 2, 0, 59)) {
    return false;
  }
  return zone.size() == 6 || (zone.size() == 7 && zone[6] == '\'');
}

}  // namespace jpki::tool::pdf
