// verify-pdf: every signature of a PDF, checked cryptographically, against the
// trust anchors, and against each of the Legal Affairs Bureau's rules.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "apdu/bytes.h"
#include "tool/pdf_rules.h"

namespace jpki::tool::pdf {

struct TrustAnchor {
  Bytes der;
  std::string origin;  // where it came from: "J-LIS (shipped)", "card", "--CAfile"
};

struct ChainResult {
  bool trusted = false;
  std::string anchor;  // the anchor's subject and origin, when trusted
  std::string error;   // why not, otherwise
};

struct SignatureReport {
  std::string field;
  SignatureFacts facts;
  ChainResult chain;
  std::vector<RuleResult> rules;
  std::string issuer;     // of the signer certificate (a CA, not the holder)
  std::string not_after;  // of the signer certificate, YYYY-MM-DD

  [[nodiscard]] bool valid() const {
    return facts.byte_range_ok && facts.cms.signature_valid && chain.trusted;
  }
  [[nodiscard]] bool conformant() const;
  [[nodiscard]] bool ok() const { return valid() && conformant(); }
};

struct PdfReport {
  std::size_t file_size = 0;
  std::vector<SignatureReport> signatures;
  [[nodiscard]] bool ok() const;  // at least one signature, and every one valid and conformant
};

// Throws PdfError when qpdf cannot read the file.
PdfReport verify_pdf(Bytes file, const std::vector<TrustAnchor>& anchors);

// Text in the locale's language; JSON with stable English keys.
std::string report_text(const PdfReport& report, const std::string& file_name);
std::string report_json(const PdfReport& report, const std::string& file_name);

}  // namespace jpki::tool::pdf
