#include "tool/pdf_verify.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <sstream>
#include <string_view>

#include "common/openssl_ptr.h"
#include "tool/cert_summary.h"
#include "tool/json.h"
#include "tool/pdf_document.h"
#include "tool/pdf_messages.h"

namespace jpki::tool::pdf {
namespace {

X509Ptr parse_cert(ByteView der) {
  const unsigned char* p = der.data();
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

std::optional<std::string> name_value(QPDFObjectHandle dict, const char* key) {
  auto o = dict.getKey(key);
  if (!o.isName()) {
    return std::nullopt;
  }
  return o.getName().substr(1);
}

std::optional<std::string> text_value(QPDFObjectHandle dict, const char* key) {
  auto o = dict.getKey(key);
  if (!o.isString()) {
    return std::nullopt;
  }
  return utf8_text(o);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// The bytes a hex string `<...>` stands for; nullopt if it is not one.
std::optional<Bytes> hex_string(std::string_view s) {
  if (s.size() < 2 || s.front() != '<' || s.back() != '>') {
    return std::nullopt;
  }
  Bytes out;
  int high = -1;
  for (const char ch : s.substr(1, s.size() - 2)) {
    if (std::isspace(static_cast<unsigned char>(ch)) != 0) {
      continue;
    }
    const int d = hex_digit(ch);
    if (d < 0) {
      return std::nullopt;
    }
    if (high < 0) {
      high = d;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | d));
      high = -1;
    }
  }
  if (high >= 0) {
    out.push_back(static_cast<std::uint8_t>(high << 4));
  }
  return out;
}

std::string_view view(const Bytes& b, std::size_t from, std::size_t to) {
  return {reinterpret_cast<const char*>(b.data()) + from, to - from};  // NOLINT
}

// Where the signed bytes end decides what the signature covers: the end of the
// file, or the end of a revision (its %%EOF) with no other revision between
// the signature dictionary and that end.
Coverage coverage_of(const Bytes& file, std::size_t gap_end, std::size_t end) {
  if (end == file.size()) {
    return Coverage::kWholeFile;
  }
  std::size_t t = end;
  for (int i = 0; i < 2 && t > gap_end && (file[t - 1] == '\n' || file[t - 1] == '\r'); ++i) {
    --t;
  }
  const std::string_view covered = view(file, gap_end, t);
  if (covered.size() < 5 || covered.substr(covered.size() - 5) != "%%EOF") {
    return Coverage::kPartial;
  }
  return covered.find("%%EOF") == covered.size() - 5 ? Coverage::kRevision : Coverage::kPartial;
}

SignatureFacts gather(const Bytes& file, QPDFObjectHandle v) {
  SignatureFacts f;
  f.type = name_value(v, "/Type");
  f.sub_filter = name_value(v, "/SubFilter");
  f.name = text_value(v, "/Name");
  f.m = text_value(v, "/M");
  auto contents_obj = v.getKey("/Contents");
  const std::string contents = contents_obj.isString() ? contents_obj.getStringValue() : std::string();

  auto br = v.getKey("/ByteRange");
  std::vector<long long> r;
  if (br.isArray()) {
    for (auto& n : br.getArrayAsVector()) {
      r.push_back(n.isInteger() ? n.getIntValue() : -1);
    }
  }
  const auto size = static_cast<long long>(file.size());
  if (r.size() != 4 || std::any_of(r.begin(), r.end(), [](long long x) { return x < 0; })) {
    f.byte_range_problem = "not four non-negative integers";
  } else if (r[0] != 0) {
    f.byte_range_problem = "does not start at 0";
  } else if (r[1] >= r[2] || r[2] > size || r[3] > size - r[2]) {
    f.byte_range_problem = "ranges overlap or run past the end of the file";
  } else if (hex_string(view(file, static_cast<std::size_t>(r[1]), static_cast<std::size_t>(r[2]))) !=
             Bytes(contents.begin(), contents.end())) {
    f.byte_range_problem = "the unsigned gap is not exactly the /Contents hex string";
  } else {
    f.byte_range_ok = true;
  }
  if (!f.byte_range_ok) {
    f.cms = inspect_detached_cms(as_bytes(contents), {});
    f.cms.signature_valid = false;
    return f;
  }
  const auto a = static_cast<std::size_t>(r[1]);
  const auto b = static_cast<std::size_t>(r[2]);
  f.covered_end = static_cast<std::size_t>(r[2] + r[3]);
  f.coverage = coverage_of(file, b, f.covered_end);
  Bytes signed_bytes(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(a));
  signed_bytes.insert(signed_bytes.end(), file.begin() + static_cast<std::ptrdiff_t>(b),
                      file.begin() + static_cast<std::ptrdiff_t>(f.covered_end));
  f.byte_range_sha256.resize(32);
  unsigned int len = 0;
  EVP_Digest(signed_bytes.data(), signed_bytes.size(), f.byte_range_sha256.data(), &len, EVP_sha256(),
             nullptr);
  f.cms = inspect_detached_cms(as_bytes(contents), signed_bytes);
  return f;
}

ChainResult check_chain(const CmsFacts& c, const std::vector<TrustAnchor>& anchors) {
  ChainResult out;
  if (!c.signer_cert_included) {
    out.error = "no signer certificate in the CMS";
    return out;
  }
  X509Ptr leaf = parse_cert(c.signer_cert);
  const X509StorePtr store(X509_STORE_new());
  const X509StackPtr untrusted(sk_X509_new_null());
  const X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!leaf || !store || !untrusted || !ctx) {
    out.error = "unreadable certificate";
    return out;
  }
  for (const auto& a : anchors) {
    if (X509Ptr x = parse_cert(a.der)) {
      X509_STORE_add_cert(store.get(), x.get());
    }
  }
  for (const auto& der : c.other_certs) {
    if (X509Ptr x = parse_cert(der)) {
      sk_X509_push(untrusted.get(), x.release());
    }
  }
  // JPKI certificates carry no S/MIME or document-signing purpose: check the chain itself.
  X509_STORE_set_purpose(store.get(), X509_PURPOSE_ANY);
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), untrusted.get());
  if (X509_verify_cert(ctx.get()) != 1) {
    out.error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
    return out;
  }
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  X509* root = sk_X509_value(chain, sk_X509_num(chain) - 1);
  for (const auto& a : anchors) {
    X509Ptr x = parse_cert(a.der);
    if (x && X509_cmp(x.get(), root) == 0) {
      out.trusted = true;
      out.anchor = summarize(a.der).subject + " [" + a.origin + "]";
      return out;
    }
  }
  out.error = "chain ends outside the trust anchors";
  return out;
}

const char* coverage_word(const SignatureFacts& f) {
  if (!f.byte_range_ok) {
    return "invalid";
  }
  switch (f.coverage) {
    case Coverage::kWholeFile:
      return "whole_file";
    case Coverage::kRevision:
      return "revision";
    case Coverage::kPartial:
      return "partial";
  }
  return "invalid";
}

std::string json_or_null(const std::optional<std::string>& v) { return v ? json_string(*v) : "null"; }
const char* json_bool(bool b) { return b ? "true" : "false"; }

}  // namespace

bool SignatureReport::conformant() const {
  return !rules.empty() && std::all_of(rules.begin(), rules.end(), [](const RuleResult& r) { return r.ok; });
}

bool PdfReport::ok() const {
  return !signatures.empty() &&
         std::all_of(signatures.begin(), signatures.end(), [](const SignatureReport& s) { return s.ok(); });
}

PdfReport verify_pdf(Bytes file, const std::vector<TrustAnchor>& anchors) {
  const PdfDocument doc(std::move(file));
  const Bytes& bytes = doc.bytes();
  PdfReport report;
  report.file_size = bytes.size();
  for (const auto& field : doc.signature_fields()) {
    SignatureReport s;
    s.field = field.name;
    s.facts = gather(bytes, field.value);
    report.signatures.push_back(std::move(s));
  }
  std::stable_sort(report.signatures.begin(), report.signatures.end(),
                   [](const SignatureReport& x, const SignatureReport& y) {
                     return x.facts.covered_end < y.facts.covered_end;
                   });
  std::size_t newest_end = 0;
  for (const auto& s : report.signatures) {
    if (s.facts.byte_range_ok) {
      newest_end = std::max(newest_end, s.facts.covered_end);
    }
  }
  for (auto& s : report.signatures) {
    s.facts.newest = s.facts.byte_range_ok && s.facts.covered_end == newest_end;
    s.rules = check_rules(s.facts);
    s.chain = check_chain(s.facts.cms, anchors);
    if (s.facts.cms.signer_cert_included) {
      try {
        const CertSummary cert = summarize(s.facts.cms.signer_cert);
        s.issuer = cert.issuer;
        s.not_after = to_string(cert.not_after);
      } catch (const std::exception&) {
        s.issuer = "?";
      }
    }
  }
  return report;
}

std::string report_text(const PdfReport& report, const std::string& file_name) {
  std::ostringstream o;
  o << text(PdfMsg::kFile) << ": " << file_name << " (" << report.file_size << " " << text(PdfMsg::kBytes)
    << ")\n";
  if (report.signatures.empty()) {
    o << text(PdfMsg::kNoSignatures) << "\n";
  }
  const std::size_t n = report.signatures.size();
  for (std::size_t i = 0; i < n; ++i) {
    const SignatureReport& s = report.signatures[i];
    const SignatureFacts& f = s.facts;
    o << "\n"
      << text(PdfMsg::kSignature) << " " << i + 1 << "/" << n << " (" << text(PdfMsg::kField) << " "
      << s.field << ")\n";
    o << "  " << text(PdfMsg::kSigner) << ": " << (f.name ? *f.name : "-") << "\n";
    o << "  " << text(PdfMsg::kTime) << ": " << (f.m ? *f.m : "-") << "\n";
    if (!s.issuer.empty()) {
      o << "  " << text(PdfMsg::kIssuer) << ": " << s.issuer << " (" << text(PdfMsg::kValidUntil) << " "
        << s.not_after << ")\n";
    }
    o << "  " << text(PdfMsg::kCrypto) << ": "
      << (f.byte_range_ok && f.cms.signature_valid ? text(PdfMsg::kCryptoOk) : text(PdfMsg::kCryptoBad));
    if (!f.cms.signature_valid && !f.cms.error.empty()) {
      o << " (" << f.cms.error << ")";
    }
    o << "\n  " << text(PdfMsg::kCovers) << ": ";
    if (!f.byte_range_ok) {
      o << text(PdfMsg::kBadByteRange) << " (" << detail_text(f.byte_range_problem) << ")\n";
    } else {
      o << (f.coverage == Coverage::kWholeFile  ? text(PdfMsg::kWholeFile)
            : f.coverage == Coverage::kRevision ? text(PdfMsg::kItsRevision)
                                                : text(PdfMsg::kPartOfRevision))
        << " (0.." << f.covered_end << " / " << report.file_size << ")\n";
    }
    o << "  " << text(PdfMsg::kChain) << ": "
      << (s.chain.trusted ? std::string(text(PdfMsg::kTrusted)) + ": " + s.chain.anchor
                          : std::string(text(PdfMsg::kUntrusted)) + " (" + s.chain.error + ")")
      << "\n";
    o << "  " << text(PdfMsg::kRules) << ":\n";
    for (const auto& r : s.rules) {
      o << "    [" << (r.ok ? "OK" : "NG") << "] " << rule_id(r.rule) << " " << rule_text(r.rule) << ": "
        << detail_text(r.detail) << "\n";
    }
    o << "  => "
      << text(!s.valid()       ? PdfMsg::kVerdictInvalid
              : s.conformant() ? PdfMsg::kVerdictOk
                               : PdfMsg::kVerdictNotConformant)
      << "\n";
  }
  o << "\n" << (report.ok() ? text(PdfMsg::kAllOk) : text(PdfMsg::kNotAllOk)) << "\n";
  if (!report.signatures.empty()) {
    o << text(PdfMsg::kNoRevocation) << "\n";
  }
  return o.str();
}

std::string report_json(const PdfReport& report, const std::string& file_name) {
  std::ostringstream o;
  o << "{\"file\": " << json_string(file_name) << ", \"size\": " << report.file_size
    << ", \"ok\": " << json_bool(report.ok()) << ", \"signatures\": [";
  for (std::size_t i = 0; i < report.signatures.size(); ++i) {
    const SignatureReport& s = report.signatures[i];
    const SignatureFacts& f = s.facts;
    o << (i == 0 ? "\n" : ",\n") << " {\"field\": " << json_string(s.field)
      << ", \"name\": " << json_or_null(f.name) << ", \"time\": " << json_or_null(f.m)
      << ", \"issuer\": " << json_string(s.issuer) << ", \"not_after\": " << json_string(s.not_after)
      << ", \"crypto_valid\": " << json_bool(f.byte_range_ok && f.cms.signature_valid)
      << ", \"crypto_error\": " << json_string(f.byte_range_ok ? f.cms.error : f.byte_range_problem)
      << ", \"coverage\": " << json_string(coverage_word(f)) << ", \"covered_bytes\": " << f.covered_end
      << ", \"newest\": " << json_bool(f.newest)
      << ",\n  \"chain\": {\"trusted\": " << json_bool(s.chain.trusted)
      << ", \"anchor\": " << json_string(s.chain.anchor) << ", \"error\": " << json_string(s.chain.error)
      << "},\n  \"rules\": [";
    for (std::size_t k = 0; k < s.rules.size(); ++k) {
      const RuleResult& r = s.rules[k];
      o << (k == 0 ? "" : ", ") << "{\"id\": " << json_string(rule_id(r.rule))
        << ", \"rule\": " << json_string(rule_keyword(r.rule)) << ", \"ok\": " << json_bool(r.ok)
        << ", \"detail\": " << json_string(r.detail) << "}";
    }
    o << "],\n  \"valid\": " << json_bool(s.valid()) << ", \"conformant\": " << json_bool(s.conformant())
      << ", \"ok\": " << json_bool(s.ok()) << "}";
  }
  o << "]}\n";
  return o.str();
}

}  // namespace jpki::tool::pdf
