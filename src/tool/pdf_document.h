// A PDF file read through qpdf: what an incremental signature and its check
// need to know (last cross-reference section, trailer, pages, signature fields).
// The bytes are kept as they are: a signature appends, it never rewrites.
#pragma once

#include <cstddef>
#include <memory>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <stdexcept>
#include <string>
#include <vector>

#include "apdu/bytes.h"

namespace jpki::tool::pdf {

enum class PdfProblem {
  kNotPdf,     // qpdf cannot read it at all
  kEncrypted,  // the Bureau takes no encrypted PDFs, and its strings would need the password
  kDamaged,    // qpdf had to repair it, or warned: an increment on top would inherit the damage
  kNoPages,
  kCertifiedNoChanges,  // a certification signature (DocMDP P=1) forbids any change, even a signature
};

class PdfError : public std::runtime_error {
 public:
  PdfError(PdfProblem problem, const std::string& detail) : std::runtime_error(detail), problem_(problem) {}
  [[nodiscard]] PdfProblem problem() const { return problem_; }

 private:
  PdfProblem problem_;
};

enum class XrefKind { kTable, kStream };

// One signature field whose value is a signature dictionary.
struct SignatureField {
  std::string name;        // fully qualified field name
  QPDFObjectHandle value;  // the /V dictionary
};

class PdfDocument {
 public:
  // Reads `bytes` strictly: any qpdf warning makes it kDamaged. Throws PdfError.
  explicit PdfDocument(Bytes bytes);
  PdfDocument(const PdfDocument&) = delete;
  PdfDocument& operator=(const PdfDocument&) = delete;

  [[nodiscard]] const Bytes& bytes() const { return *bytes_; }
  [[nodiscard]] QPDF& qpdf() const { return *qpdf_; }
  [[nodiscard]] QPDFObjectHandle trailer() const;
  // Offset of the last cross-reference section (the file's last startxref) and its kind.
  [[nodiscard]] std::size_t startxref() const { return startxref_; }
  [[nodiscard]] XrefKind xref_kind() const { return xref_kind_; }
  // The first object number no revision has used (new objects start here).
  [[nodiscard]] int next_object_number() const { return next_object_; }
  [[nodiscard]] std::vector<QPDFObjectHandle> pages() const;
  // Every terminal field of type /Sig with a signature dictionary as value, in field order.
  [[nodiscard]] std::vector<SignatureField> signature_fields() const;
  // Fully qualified names of all terminal fields.
  [[nodiscard]] std::vector<std::string> field_names() const;

 private:
  std::unique_ptr<const Bytes> bytes_;  // qpdf reads from this buffer: it must not move
  std::unique_ptr<QPDF> qpdf_;
  std::size_t startxref_ = 0;
  XrefKind xref_kind_ = XrefKind::kTable;
  int next_object_ = 1;
};

// A PDF text string as UTF-8 (PDFDocEncoding or UTF-16BE with BOM).
std::string utf8_text(QPDFObjectHandle string);

}  // namespace jpki::tool::pdf
