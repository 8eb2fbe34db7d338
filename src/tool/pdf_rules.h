// The Legal Affairs Bureau's rules for a signed PDF (登記・供託オンライン申請;
// see docs in examples/pdf/README.md), each checked on facts gathered from the
// file and its CMS. No I/O here: the unit tests feed it hand-made PDFs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apdu/bytes.h"
#include "tool/cms_inspect.h"

namespace jpki::tool::pdf {

enum class Rule {
  kType,         // C1  /Type /Sig
  kSubFilter,    // C2  /SubFilter /adbe.pkcs7.detached
  kName,         // C3  /Name present, not empty
  kDate,         // C4  /M a PDF date with its time zone
  kCoverage,     // C5  the newest signature covers the whole file, an earlier one its revision
  kContents,     // C6  /Contents: a CMS SignedData, then only 0x00
  kCmsContents,  // C7  signer certificate, signed attributes contentType + messageDigest
  kDigest,       // C8  messageDigest = SHA-256 of the ByteRange
  kAlgorithms,   // C9  SHA-256 digest, RSA signature
  kNoTimestamp,  // C10 no time-stamp token (the Bureau's systems may refuse one)
};
inline constexpr Rule kAllRules[] = {Rule::kType,       Rule::kSubFilter,  Rule::kName,        Rule::kDate,
                                     Rule::kCoverage,   Rule::kContents,   Rule::kCmsContents, Rule::kDigest,
                                     Rule::kAlgorithms, Rule::kNoTimestamp};

const char* rule_id(Rule r);       // "C1" .. "C10"
const char* rule_keyword(Rule r);  // "type", "sub_filter", ... (JSON)

enum class Coverage {
  kWholeFile,  // ByteRange ends at the end of the file
  kRevision,   // it ends at a revision's %%EOF, and its own revision is the last one it covers
  kPartial,    // it ends elsewhere
};

// What the rules look at, for one signature.
struct SignatureFacts {
  std::optional<std::string> type;        // /Type as a name (no slash); nullopt when absent or not a name
  std::optional<std::string> sub_filter;  // likewise
  std::optional<std::string> name;        // /Name as UTF-8; nullopt when absent
  std::optional<std::string> m;           // /M
  bool byte_range_ok = false;             // 4 numbers from 0, the gap is exactly /Contents, inside the file
  std::string byte_range_problem;
  std::size_t covered_end = 0;  // where the ByteRange ends
  Coverage coverage = Coverage::kPartial;
  bool newest = false;      // no other signature covers more of the file
  Bytes byte_range_sha256;  // SHA-256 over the ByteRange
  CmsFacts cms;
};

struct RuleResult {
  Rule rule;
  bool ok = false;
  std::string detail;  // what was found, in plain ASCII/UTF-8 (values, not sentences)
};

std::vector<RuleResult> check_rules(const SignatureFacts& facts);

// D:YYYYMMDDHHmmSS followed by Z or +HH'mm' / -HH'mm' (the closing apostrophe optional).
bool is_pdf_date(std::string_view s);

}  // namespace jpki::tool::pdf
