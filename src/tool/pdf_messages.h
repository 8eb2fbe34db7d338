// Sentences of sign-pdf / verify-pdf, in English and Japanese (the language
// follows the locale, as for the rest of jpki-tool: messages.h `japanese()`).
#pragma once

#include <string>

#include "tool/pdf_document.h"
#include "tool/pdf_rules.h"

namespace jpki::tool::pdf {

enum class PdfMsg {
  kNotPdf,
  kEncrypted,
  kDamaged,
  kDamagedAdvice,
  kNoPages,
  kCertified,
  kCannotRead,
  kNoName,
  kCannotWrite,
  kTooBig,
  kSigned,
  kFile,
  kBytes,
  kSignature,
  kField,
  kSigner,
  kTime,
  kIssuer,
  kValidUntil,
  kCrypto,
  kCryptoOk,
  kCryptoBad,
  kCovers,
  kWholeFile,
  kItsRevision,
  kPartOfRevision,
  kBadByteRange,
  kChain,
  kTrusted,
  kUntrusted,
  kRules,
  kVerdictOk,
  kVerdictNotConformant,
  kVerdictInvalid,
  kNoSignatures,
  kAllOk,
  kNotAllOk,
  kNoRevocation,
};

const char* text(PdfMsg m);
const char* rule_text(Rule r);
// A rule's detail (pdf_rules.cpp writes English phrases and values) in the locale's language.
std::string detail_text(const std::string& detail);
// Why a PDF cannot be signed or checked, for the holder (qpdf's detail for damage).
std::string describe(const PdfError& e);

}  // namespace jpki::tool::pdf
