#include "tool/pdf_document.h"

#include <algorithm>
#include <qpdf/BufferInputSource.hh>
#include <qpdf/QPDFAcroFormDocumentHelper.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFTokenizer.hh>
#include <string_view>

namespace jpki::tool::pdf {
namespace {

std::shared_ptr<InputSource> source_at(const Bytes& bytes, std::size_t from) {
  const auto* p = reinterpret_cast<const char*>(bytes.data());  // NOLINT: qpdf takes chars
  return std::make_shared<BufferInputSource>("pdf", std::string(p + from, bytes.size() - from));
}

// The number after the file's last `startxref` keyword: where a reader starts,
// and what the increment's /Prev must name. qpdf's tokenizer reads the tokens.
std::size_t find_startxref(const Bytes& bytes) {
  const std::string_view all(reinterpret_cast<const char*>(bytes.data()), bytes.size());  // NOLINT
  const std::size_t tail = all.size() > 4096 ? all.size() - 4096 : 0;
  const std::size_t at = all.rfind("startxref");
  if (at == std::string_view::npos || at < tail) {
    throw PdfError(PdfProblem::kDamaged, "no startxref at the end");
  }
  auto in = source_at(bytes, at);
  QPDFTokenizer tok;
  tok.allowEOF();
  const auto keyword = tok.readToken(in, "startxref", true);
  const auto number = tok.readToken(in, "startxref", true);
  if (!keyword.isWord("startxref") || !number.isInteger()) {
    throw PdfError(PdfProblem::kDamaged, "unreadable startxref");
  }
  const long long v = std::stoll(number.getValue());
  if (v <= 0 || static_cast<std::size_t>(v) >= at) {
    throw PdfError(PdfProblem::kDamaged, "startxref out of range");
  }
  return static_cast<std::size_t>(v);
}

// A classic section starts with the keyword `xref`; an xref stream is an object `N G obj`.
XrefKind xref_kind_at(const Bytes& bytes, std::size_t offset, QPDF& qpdf) {
  auto in = source_at(bytes, offset);
  QPDFTokenizer tok;
  tok.allowEOF();
  const auto first = tok.readToken(in, "xref", true);
  if (first.isWord("xref")) {
    return XrefKind::kTable;
  }
  const auto gen = tok.readToken(in, "xref", true);
  const auto obj = tok.readToken(in, "xref", true);
  if (first.isInteger() && gen.isInteger() && obj.isWord("obj")) {
    auto stream = qpdf.getObjectByID(std::stoi(first.getValue()), std::stoi(gen.getValue()));
    if (stream.isStreamOfType("/XRef")) {
      return XrefKind::kStream;
    }
  }
  throw PdfError(PdfProblem::kDamaged, "startxref does not point at a cross-reference section");
}

// qpdf's form walk warns about things common in sound files (a widget missing from
// /Fields, say): those warnings are read and dropped, they are not damage.
void collect_names(QPDF& qpdf, std::vector<SignatureField>* sigs, std::vector<std::string>* names) {
  QPDFAcroFormDocumentHelper form(qpdf);
  auto fields = form.getFormFields();
  (void)qpdf.getWarnings();
  for (auto& field : fields) {
    if (names != nullptr) {
      names->push_back(field.getFullyQualifiedName());
    }
    if (sigs == nullptr || field.getFieldType() != "/Sig") {
      continue;
    }
    QPDFObjectHandle v = field.getValue();
    if (v.isDictionary()) {
      sigs->push_back(SignatureField{field.getFullyQualifiedName(), v});
    }
  }
}

}  // namespace

PdfDocument::PdfDocument(Bytes bytes)
    : bytes_(std::make_unique<const Bytes>(std::move(bytes))), qpdf_(std::make_unique<QPDF>()) {
  qpdf_->setSuppressWarnings(true);
  qpdf_->setAttemptRecovery(false);  // a file qpdf must repair is refused, not silently fixed
  try {
    qpdf_->processMemoryFile("input", reinterpret_cast<const char*>(bytes_->data()),  // NOLINT
                             bytes_->size());
    if (qpdf_->isEncrypted()) {
      throw PdfError(PdfProblem::kEncrypted, "encrypted");
    }
    for (auto& o : qpdf_->getAllObjects()) {
      (void)o.getTypeCode();  // parse every object once
    }
    if (!trailer().getKey("/Root").isIndirect() || !trailer().getKey("/Root").isDictionary()) {
      throw PdfError(PdfProblem::kDamaged, "no document catalog");
    }
    if (pages().empty()) {
      throw PdfError(PdfProblem::kNoPages, "no pages");
    }
    startxref_ = find_startxref(*bytes_);
    xref_kind_ = xref_kind_at(*bytes_, startxref_, *qpdf_);
    int highest = 0;
    for (const auto& [og, entry] : qpdf_->getXRefTable()) {
      highest = std::max(highest, og.getObj());
    }
    auto size = trailer().getKey("/Size");
    next_object_ = std::max(highest + 1, size.isInteger() ? size.getIntValueAsInt() : 0);
  } catch (const PdfError&) {
    throw;
  } catch (const QPDFExc& e) {
    if (e.getErrorCode() == qpdf_e_password) {
      throw PdfError(PdfProblem::kEncrypted, "encrypted (password)");
    }
    throw PdfError(bytes_->size() > 5 && std::equal(bytes_->begin(), bytes_->begin() + 5, "%PDF-")
                       ? PdfProblem::kDamaged
                       : PdfProblem::kNotPdf,
                   e.getMessageDetail());
  } catch (const std::exception& e) {
    throw PdfError(PdfProblem::kDamaged, e.what());
  }
  if (qpdf_->anyWarnings()) {
    const auto warnings = qpdf_->getWarnings();
    throw PdfError(PdfProblem::kDamaged, warnings.front().getMessageDetail());
  }
}

QPDFObjectHandle PdfDocument::trailer() const { return qpdf_->getTrailer(); }

std::vector<QPDFObjectHandle> PdfDocument::pages() const { return qpdf_->getAllPages(); }

std::vector<SignatureField> PdfDocument::signature_fields() const {
  std::vector<SignatureField> sigs;
  collect_names(*qpdf_, &sigs, nullptr);
  return sigs;
}

std::vector<std::string> PdfDocument::field_names() const {
  std::vector<std::string> names;
  collect_names(*qpdf_, nullptr, &names);
  return names;
}

std::string utf8_text(QPDFObjectHandle string) {
  return string.isString() ? string.getUTF8Value() : std::string();
}

}  // namespace jpki::tool::pdf
