// An adbe.pkcs7.detached signature appended to a PDF as an incremental update
// (ISO 32000-1 §7.5.6, §12.8): the earlier bytes stay as they are, so earlier
// signatures stay valid. New objects: the signature dictionary and an invisible
// widget on page 1; new versions of the page (or its /Annots array) and of the
// AcroForm (or catalog); then a cross-reference section of the kind the file's
// last one is (a table after a table, a stream after a stream), with /Prev.
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "apdu/bytes.h"
#include "tool/pdf_document.h"

namespace jpki::tool::pdf {

// The signature dictionary's entries (text in UTF-8). The defaults are what the
// Legal Affairs Bureau accepts; tests change them to break one rule at a time.
struct SignatureDictionary {
  std::string type = "Sig";  // empty: no /Type
  std::string filter = "Adobe.PPKLite";
  std::string sub_filter = "adbe.pkcs7.detached";
  std::string name;      // /Name; empty: omitted
  std::string m;         // /M, a PDF date; empty: omitted
  std::string reason;    // empty: omitted
  std::string location;  // empty: omitted
};

// The file with the increment written and /Contents still zeros.
class PreparedSignature {
 public:
  PreparedSignature(Bytes file, std::size_t contents_at, std::size_t contents_hex, std::string field);

  // [0, a, b, c]: everything but the /Contents hex string, '<' and '>' included.
  [[nodiscard]] std::array<std::size_t, 4> byte_range() const;
  [[nodiscard]] Bytes signed_bytes() const;  // the two ranges, concatenated
  [[nodiscard]] Bytes digest() const;        // SHA-256 over them: the CMS messageDigest
  // Writes the DER CMS into /Contents (hex, zero padded). Throws std::length_error when too big.
  void embed(ByteView cms);
  [[nodiscard]] const Bytes& file() const { return file_; }
  [[nodiscard]] const std::string& field_name() const { return field_; }

 private:
  Bytes file_;
  std::size_t contents_at_;   // offset of '<'
  std::size_t contents_hex_;  // hex digits between '<' and '>'
  std::string field_;
};

// Throws PdfError(kCertifiedNoChanges) when a certification signature forbids
// changes: called before any PIN is asked, and again by prepare_signature.
void ensure_signable(const PdfDocument& doc);

// Throws as ensure_signable. `cms_capacity` is the room reserved for the DER CMS, in bytes.
PreparedSignature prepare_signature(const PdfDocument& doc, const SignatureDictionary& dict,
                                    std::size_t cms_capacity);

// D:YYYYMMDDHHmmSS+HH'mm' for `t` in the local time zone.
std::string pdf_date(std::time_t t);

}  // namespace jpki::tool::pdf
