#include "tool/pdf_messages.h"

#include <cstring>
#include <utility>

#include "tool/messages.h"

namespace jpki::tool::pdf {
namespace {

struct Entry {
  PdfMsg id;
  const char* en;
  const char* ja;
};
constexpr Entry kTable[] = {
    {PdfMsg::kNotPdf, "This is not a PDF file qpdf can read", "PDF ファイルとして読み込めません"},
    {PdfMsg::kEncrypted, "The PDF is encrypted (password protected): remove the protection first",
     "PDF が暗号化(パスワード保護)されています。保護を解除してから署名してください"},
    {PdfMsg::kDamaged, "The PDF is damaged", "PDF が壊れています"},
    {PdfMsg::kDamagedAdvice, "Repair it first, e.g. `qpdf IN.pdf repaired.pdf`, and check the result.",
     "先に修復してください(例: qpdf IN.pdf repaired.pdf)。修復後の内容を確認してください。"},
    {PdfMsg::kNoPages, "The PDF has no pages", "PDF にページがありません"},
    {PdfMsg::kCertified, "The PDF is certified with no changes allowed: another signature would break it",
     "PDF は変更不可の作成者署名(DocMDP P=1)付きです。署名を追加すると無効になります"},
    {PdfMsg::kCannotRead, "Cannot read", "読み込めません"},
    {PdfMsg::kNoName, "The certificate holds no name for /Name: give one with --name",
     "証明書に /Name に使える氏名がありません。--name で指定してください"},
    {PdfMsg::kCannotWrite, "Cannot write", "書き込めません"},
    {PdfMsg::kTooBig, "The signature does not fit the space reserved in the PDF",
     "署名が PDF 内の予約領域に収まりません"},
    {PdfMsg::kSigned, "Signed", "署名しました"},
    {PdfMsg::kFile, "File", "ファイル"},
    {PdfMsg::kBytes, "bytes", "バイト"},
    {PdfMsg::kSignature, "Signature", "署名"},
    {PdfMsg::kField, "field", "フィールド"},
    {PdfMsg::kSigner, "Signer (/Name)", "署名者(/Name)"},
    {PdfMsg::kTime, "Time (/M)", "署名日時(/M)"},
    {PdfMsg::kIssuer, "Certificate issuer", "証明書の発行者"},
    {PdfMsg::kValidUntil, "valid until", "有効期限"},
    {PdfMsg::kCrypto, "Cryptographic check", "暗号学的検証"},
    {PdfMsg::kCryptoOk, "valid (signature and messageDigest over the signed bytes)",
     "有効(署名値と messageDigest が署名範囲と一致)"},
    {PdfMsg::kCryptoBad, "INVALID", "無効"},
    {PdfMsg::kCovers, "Covers", "署名範囲"},
    {PdfMsg::kWholeFile, "the whole file", "ファイル全体"},
    {PdfMsg::kItsRevision, "its revision only (more bytes follow)", "署名時点の版のみ(後ろに追記あり)"},
    {PdfMsg::kPartOfRevision, "part of a revision", "版の一部"},
    {PdfMsg::kBadByteRange, "unusable ByteRange", "ByteRange が不正"},
    {PdfMsg::kChain, "Certificate chain", "証明書チェーン"},
    {PdfMsg::kTrusted, "trusted", "信頼できる"},
    {PdfMsg::kUntrusted, "NOT trusted", "信頼できない"},
    {PdfMsg::kRules, "Legal Affairs Bureau rules (登記・供託オンライン申請)",
     "法務局(登記・供託オンライン申請)の要件"},
    {PdfMsg::kVerdictOk, "valid and conformant", "有効・要件に適合"},
    {PdfMsg::kVerdictNotConformant, "valid, but NOT conformant", "有効だが要件に不適合"},
    {PdfMsg::kVerdictInvalid, "NOT valid", "無効"},
    {PdfMsg::kNoSignatures, "No signatures found.", "署名が見つかりません。"},
    {PdfMsg::kAllOk, "Every signature is valid and meets the Bureau's rules.",
     "すべての署名が有効で、法務局の要件を満たしています。"},
    {PdfMsg::kNotAllOk, "Not every signature is valid and conformant.",
     "有効でない、または要件を満たさない署名があります。"},
    {PdfMsg::kNoRevocation,
     "(Revocation is not checked: only J-LIS can say whether a certificate was revoked.)",
     "(失効の確認は行っていません。失効情報は J-LIS のみが提供します。)"},
};

struct RuleEntry {
  Rule rule;
  const char* en;
  const char* ja;
};
constexpr RuleEntry kRules[] = {
    {Rule::kType, "/Type is /Sig", "署名辞書の /Type が /Sig"},
    {Rule::kSubFilter, "/SubFilter is /adbe.pkcs7.detached", "/SubFilter が /adbe.pkcs7.detached"},
    {Rule::kName, "/Name present and not empty", "/Name(署名者名)があり空でない"},
    {Rule::kDate, "/M is a PDF date with its time zone", "/M(署名日時)がタイムゾーン付きの PDF 日付"},
    {Rule::kCoverage, "newest signature covers the whole file; an earlier one its own revision",
     "最新の署名がファイル全体を覆う(以前の署名は自分の版を覆う)"},
    {Rule::kContents, "/Contents is a CMS SignedData followed only by 0x00",
     "/Contents が CMS SignedData で、後ろは 0x00 のみ"},
    {Rule::kCmsContents, "CMS holds the signer certificate and signed contentType + messageDigest",
     "CMS に署名者証明書と署名属性 contentType・messageDigest がある"},
    {Rule::kDigest, "messageDigest is the SHA-256 of the ByteRange",
     "messageDigest が ByteRange の SHA-256 と一致"},
    {Rule::kAlgorithms, "SHA-256 digest, RSA signature", "SHA-256 のハッシュと RSA 署名"},
    {Rule::kNoTimestamp, "no time-stamp token", "タイムスタンプトークンなし"},
};

// The phrases pdf_rules.cpp and pdf_verify.cpp put into details, longest first
// where one contains another.
constexpr std::pair<const char*, const char*> kDetailPhrases[] = {
    {"the unsigned gap is not exactly the /Contents hex string",
     "署名対象外の部分が /Contents の16進文字列と一致しない"},
    {"ranges overlap or run past the end of the file", "範囲が重なるかファイル末尾を超える"},
    {"not four non-negative integers", "4つの非負整数ではない"},
    {"does not start at 0", "0 から始まらない"},
    {"SignedData with the content inside (not detached)", "内容を含む SignedData(detached ではない)"},
    {"bytes other than 0x00 after the CMS", "CMS の後に 0x00 以外のバイトがある"},
    {"CMS but not SignedData", "CMS だが SignedData ではない"},
    {"not a DER CMS", "DER の CMS ではない"},
    {"no single-signer SignedData", "署名者1人の SignedData ではない"},
    {"certificate, contentType, messageDigest", "証明書・contentType・messageDigest あり"},
    {"signer-certificate", "署名者証明書"},
    {"missing:", "不足:"},
    {"no messageDigest", "messageDigest なし"},
    {"differs:", "不一致:"},
    {"time-stamp token present", "タイムスタンプトークンあり"},
    {"newest signature, covers ", "最新の署名、範囲: "},
    {"earlier signature, covers ", "以前の署名、範囲: "},
    {"part of a revision", "版の一部"},
    {"its revision", "自分の版"},
    {"whole file", "ファイル全体"},
    {" bytes + 0x00 padding", " バイト + 0x00 の詰め物"},
    {"present", "あり"},
    {"absent", "なし"},
    {"empty", "空"},
    {"equal", "一致"},
    {"none", "なし"},
};

}  // namespace

std::string detail_text(const std::string& detail) {
  if (!japanese()) {
    return detail;
  }
  std::string out = detail;
  for (const auto& [en, ja] : kDetailPhrases) {
    const std::string from(en);
    for (std::size_t at = out.find(from); at != std::string::npos;
         at = out.find(from, at + std::strlen(ja))) {
      out.replace(at, from.size(), ja);
    }
  }
  return out;
}

const char* text(PdfMsg m) {
  for (const Entry& e : kTable) {
    if (e.id == m) {
      return japanese() ? e.ja : e.en;
    }
  }
  return "?";
}

const char* rule_text(Rule r) {
  for (const RuleEntry& e : kRules) {
    if (e.rule == r) {
      return japanese() ? e.ja : e.en;
    }
  }
  return "?";
}

std::string describe(const PdfError& e) {
  switch (e.problem()) {
    case PdfProblem::kNotPdf:
      return text(PdfMsg::kNotPdf);
    case PdfProblem::kEncrypted:
      return text(PdfMsg::kEncrypted);
    case PdfProblem::kDamaged:
      return std::string(text(PdfMsg::kDamaged)) + " (" + e.what() + ")";
    case PdfProblem::kNoPages:
      return text(PdfMsg::kNoPages);
    case PdfProblem::kCertifiedNoChanges:
      return text(PdfMsg::kCertified);
  }
  return e.what();
}

}  // namespace jpki::tool::pdf
