// sign-pdf's incremental writer and verify-pdf's rules, in process, with a
// software RSA key standing in for the card. Every PDF is made here: a small
// text PDF normalised by qpdf, then signed, then (for the rule tests) broken in
// exactly one of the Legal Affairs Bureau's rules.
#include <gtest/gtest.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFWriter.hh>
#include <set>
#include <string>

#include "common/openssl_ptr.h"
#include "tool/cms_sign.h"
#include "tool/holder_name.h"
#include "tool/jlis_ca.h"
#include "tool/pdf_document.h"
#include "tool/pdf_messages.h"
#include "tool/pdf_sign.h"
#include "tool/pdf_verify.h"

namespace jpki::tool::pdf {
namespace {

// ---------------------------------------------------------------- keys and certificates

Bytes der_of(X509* x) {
  Bytes der(static_cast<std::size_t>(i2d_X509(x, nullptr)));
  unsigned char* p = der.data();
  i2d_X509(x, &p);
  return der;
}

// A self-signed signing certificate shaped like JPKI's: the subject CN is an
// issuance number, the holder's name sits in subjectAltName otherName.
struct Signer {
  Pkey key;
  X509Ptr cert;
  Bytes der;
};

Signer make_signer(const char* algorithm, bool with_jpki_name = true) {
  Signer s;
  s.key.reset(std::string(algorithm) == "RSA" ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
  s.cert.reset(X509_new());
  X509* x = s.cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("JP"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("123456789012S"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, s.key.get());
  if (with_jpki_name) {
    GENERAL_NAMES* names = GENERAL_NAMES_new();
    ASN1_UTF8STRING* value = ASN1_UTF8STRING_new();
    ASN1_STRING_set(value, "試験 花子", -1);
    ASN1_TYPE* type = ASN1_TYPE_new();
    ASN1_TYPE_set(type, V_ASN1_UTF8STRING, value);
    GENERAL_NAME* gen = GENERAL_NAME_new();
    GENERAL_NAME_set0_othername(gen, OBJ_txt2obj("1.2.392.200149.8.5.5.1", 1), type);
    sk_GENERAL_NAME_push(names, gen);
    X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0, 0);
    GENERAL_NAMES_free(names);
  }
  X509_sign(x, s.key.get(), EVP_sha256());
  s.der = der_of(x);
  return s;
}

const Signer& rsa_signer() {
  static const Signer s = make_signer("RSA");
  return s;
}

// What the card does: PKCS#1 v1.5 over the DigestInfo it is given.
Bytes card_like_sign(EVP_PKEY* key, ByteView digest_info) {
  const PkeyCtx ctx(EVP_PKEY_CTX_new(key, nullptr));
  EVP_PKEY_sign_init(ctx.get());
  EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING);
  std::size_t len = 0;
  EVP_PKEY_sign(ctx.get(), nullptr, &len, digest_info.data(), digest_info.size());
  Bytes sig(len);
  EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest_info.data(), digest_info.size());
  sig.resize(len);
  return sig;
}

// The production CMS (cms_sign), with the software key.
Bytes production_cms(const PreparedSignature& p, const Signer& s = rsa_signer()) {
  return make_detached_cms_for_digest(p.digest(), s.der,
                                      [&](ByteView di) { return card_like_sign(s.key.get(), di); });
}

// OpenSSL's own CMS_sign over the signed bytes (for CMS shapes ours never makes).
Bytes openssl_cms(const Bytes& content, const Signer& s, unsigned flags, const EVP_MD* md = EVP_sha256()) {
  const BioPtr in(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  const CmsPtr cms(
      CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY | flags));
  CMS_add1_signer(cms.get(), s.cert.get(), s.key.get(), md, CMS_BINARY | flags);
  CMS_final(cms.get(), in.get(), nullptr, CMS_DETACHED | CMS_BINARY | flags);
  Bytes out(static_cast<std::size_t>(i2d_CMS_ContentInfo(cms.get(), nullptr)));
  unsigned char* p = out.data();
  i2d_CMS_ContentInfo(cms.get(), &p);
  return out;
}

std::vector<TrustAnchor> anchors_for(const Signer& s) { return {TrustAnchor{s.der, "test"}}; }

// ---------------------------------------------------------------- PDFs

constexpr const char* kSimplePdf = R"(%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R
  /Resources << /Font << /F1 5 0 R >> >> >> endobj
4 0 obj << /Length 44 >> stream
BT /F1 24 Tf 72 720 Td (Hello filing) Tj ET
endstream endobj
5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj
trailer << /Root 1 0 R /Size 6 >>
)";

// An indirect AcroForm with a text field, and an indirect /Annots array that
// also holds a link: the increment must write new versions of both arrays.
constexpr const char* kFormPdf = R"(%PDF-1.7
1 0 obj << /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Annots 9 0 R
  /Resources << /Font << /F1 5 0 R >> >> >> endobj
4 0 obj << /Length 44 >> stream
BT /F1 24 Tf 72 720 Td (Hello filing) Tj ET
endstream endobj
5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj
6 0 obj << /Fields 7 0 R /DA (/Helv 0 Tf 0 g) >> endobj
7 0 obj [8 0 R] endobj
8 0 obj << /Type /Annot /Subtype /Widget /FT /Tx /T (Applicant) /V (Yamada) /Rect [72 600 300 620] /P 3 0 R >> endobj
9 0 obj [8 0 R 10 0 R] endobj
10 0 obj << /Type /Annot /Subtype /Link /Rect [72 500 300 520] /A << /S /URI /URI (https://example.jp/) >> >> endobj
trailer << /Root 1 0 R /Size 11 >>
)";

// A widget on the page that /AcroForm /Fields does not list: qpdf's form walk warns,
// qpdf --check does not; a sound file all the same.
constexpr const char* kOrphanWidgetPdf = R"(%PDF-1.7
1 0 obj << /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] >> >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >> endobj
4 0 obj << /Type /Annot /Subtype /Widget /FT /Tx /T (Orphan) /Rect [72 600 300 620] /P 3 0 R >> endobj
trailer << /Root 1 0 R /Size 5 >>
)";

// A certification signature that allows no change at all (DocMDP P=1).
constexpr const char* kCertifiedPdf = R"(%PDF-1.7
1 0 obj << /Type /Catalog /Pages 2 0 R /Perms << /DocMDP 4 0 R >> >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj
4 0 obj << /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached
  /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P 1 /V /1.2 >> >>]
  /Contents <00> /ByteRange [0 0 0 0] >> endobj
trailer << /Root 1 0 R /Size 5 >>
)";

Bytes to_bytes(const std::shared_ptr<Buffer>& b) {
  return Bytes(b->getBuffer(), b->getBuffer() + b->getSize());
}

// qpdf writes the text PDF out properly (offsets, xref table or xref stream).
Bytes normalised(const char* raw, bool object_streams = false) {
  QPDF q;
  q.setSuppressWarnings(true);
  q.processMemoryFile("raw", raw, std::char_traits<char>::length(raw));
  QPDFWriter w(q);
  w.setOutputMemory();
  w.setStaticID(true);
  w.setObjectStreamMode(object_streams ? qpdf_o_generate : qpdf_o_disable);
  w.write();
  return to_bytes(w.getBufferSharedPointer());
}

SignatureDictionary conformant_dict() {
  SignatureDictionary d;
  d.name = "試験 花子";
  d.m = "D:20250401093000+09'00'";
  d.reason = "定款";
  return d;
}

// Signs `input` with the production CMS (or `cms_of`, given the prepared file).
template <typename CmsOf>
Bytes sign(const Bytes& input, const SignatureDictionary& dict, CmsOf cms_of) {
  const PdfDocument doc(input);
  PreparedSignature p = prepare_signature(doc, dict, 8192);
  p.embed(cms_of(p));
  return p.file();
}
Bytes sign(const Bytes& input, const SignatureDictionary& dict = conformant_dict()) {
  return sign(input, dict, [](const PreparedSignature& p) { return production_cms(p); });
}

std::set<Rule> failing(const SignatureReport& s) {
  std::set<Rule> out;
  for (const auto& r : s.rules) {
    if (!r.ok) out.insert(r.rule);
  }
  return out;
}

std::string str(const Bytes& b) { return std::string(b.begin(), b.end()); }

// ---------------------------------------------------------------- signing

TEST(PdfSign, ClassicFileGetsATableIncrementThatVerifies) {
  const Bytes input = normalised(kSimplePdf);
  ASSERT_EQ(PdfDocument(input).xref_kind(), XrefKind::kTable);
  const Bytes out = sign(input);
  ASSERT_TRUE(std::equal(input.begin(), input.end(), out.begin())) << "the earlier bytes changed";
  const PdfDocument signed_doc(out);  // qpdf reads it without a single warning
  EXPECT_EQ(signed_doc.xref_kind(), XrefKind::kTable);
  EXPECT_NE(str(out).find("/SigFlags 3"), std::string::npos);
  const PdfReport r = verify_pdf(out, anchors_for(rsa_signer()));
  ASSERT_EQ(r.signatures.size(), 1U);
  const SignatureReport& s = r.signatures[0];
  EXPECT_TRUE(s.facts.cms.signature_valid) << s.facts.cms.error;
  EXPECT_TRUE(s.chain.trusted) << s.chain.error;
  EXPECT_EQ(s.facts.coverage, Coverage::kWholeFile);
  EXPECT_EQ(failing(s), std::set<Rule>{});
  EXPECT_EQ(s.field, "Signature1");
  EXPECT_EQ(*s.facts.name, "試験 花子");
  EXPECT_TRUE(r.ok());
}

TEST(PdfSign, ObjectStreamFileGetsAnXrefStreamIncrement) {
  const Bytes input = normalised(kSimplePdf, true);
  ASSERT_EQ(PdfDocument(input).xref_kind(), XrefKind::kStream);
  const Bytes out = sign(input);
  EXPECT_EQ(PdfDocument(out).xref_kind(), XrefKind::kStream);
  EXPECT_EQ(str(out).find("\ntrailer"), std::string::npos) << "a classic trailer after an xref stream";
  EXPECT_TRUE(verify_pdf(out, anchors_for(rsa_signer())).ok());
}

TEST(PdfSign, ExistingFormAndAnnotationsAreKept) {
  for (const bool objstm : {false, true}) {
    const Bytes out = sign(normalised(kFormPdf, objstm));
    const PdfDocument doc(out);
    EXPECT_EQ(doc.field_names(), (std::vector<std::string>{"Applicant", "Signature1"}));
    EXPECT_EQ(doc.pages()[0].getKey("/Annots").getArrayNItems(), 3) << "link, text field, signature";
    EXPECT_TRUE(verify_pdf(out, anchors_for(rsa_signer())).ok());
  }
}

TEST(PdfSign, AWidgetMissingFromTheFieldsIsNoDamage) {
  const Bytes out = sign(normalised(kOrphanWidgetPdf));
  const PdfReport r = verify_pdf(out, anchors_for(rsa_signer()));
  ASSERT_EQ(r.signatures.size(), 1U);
  EXPECT_TRUE(r.ok()) << report_text(r, "orphan.pdf");
}

TEST(PdfSign, SecondSignatureKeepsTheFirstValid) {
  for (const bool objstm : {false, true}) {
    const Bytes once = sign(normalised(kFormPdf, objstm));
    SignatureDictionary second = conformant_dict();
    second.name = "Second Signer";
    const Bytes twice = sign(once, second);
    const PdfReport r = verify_pdf(twice, anchors_for(rsa_signer()));
    ASSERT_EQ(r.signatures.size(), 2U);
    EXPECT_EQ(r.signatures[0].field, "Signature1");
    EXPECT_EQ(r.signatures[0].facts.coverage, Coverage::kRevision);
    EXPECT_EQ(r.signatures[0].facts.covered_end, once.size());
    EXPECT_EQ(r.signatures[1].field, "Signature2");
    EXPECT_EQ(r.signatures[1].facts.coverage, Coverage::kWholeFile);
    EXPECT_TRUE(r.ok()) << report_text(r, "twice.pdf");
  }
}

TEST(PdfSign, ATamperedByteInTheFirstRevisionIsCaught) {
  Bytes out = sign(normalised(kSimplePdf));
  const std::size_t at = str(out).find("/MediaBox [ 0 0 595 842 ]");
  ASSERT_NE(at, std::string::npos);
  out[at + 18] = '6';  // 595 -> 596: the structure stays sound, the signed bytes do not
  const PdfReport r = verify_pdf(out, anchors_for(rsa_signer()));
  ASSERT_EQ(r.signatures.size(), 1U);
  EXPECT_FALSE(r.signatures[0].facts.cms.signature_valid);
  EXPECT_EQ(failing(r.signatures[0]), std::set<Rule>{Rule::kDigest});
  EXPECT_FALSE(r.ok());
}

TEST(PdfSign, SignatureFromAnUnknownCaIsNotTrusted) {
  const Bytes out = sign(normalised(kSimplePdf));
  const PdfReport r = verify_pdf(out, jlis_signing_cas());
  EXPECT_TRUE(r.signatures[0].facts.cms.signature_valid);
  EXPECT_FALSE(r.signatures[0].chain.trusted);
  EXPECT_FALSE(r.ok());
}

TEST(PdfSign, CmsLargerThanTheReservedSpaceIsRefused) {
  const PdfDocument doc(normalised(kSimplePdf));
  PreparedSignature p = prepare_signature(doc, conformant_dict(), 100);
  EXPECT_THROW(p.embed(production_cms(p)), std::length_error);
}

PdfProblem problem_of(const Bytes& b) {
  try {
    const PdfDocument doc(b);
    ensure_signable(doc);
  } catch (const PdfError& e) {
    return e.problem();
  }
  ADD_FAILURE() << "accepted";
  return PdfProblem::kNotPdf;
}

TEST(PdfInput, EncryptedDamagedCertifiedAndNonPdfAreRefused) {
  for (const char* user_password : {"", "secret"}) {
    QPDF q;
    q.setSuppressWarnings(true);
    q.processMemoryFile("raw", kSimplePdf, std::char_traits<char>::length(kSimplePdf));
    QPDFWriter w(q);
    w.setOutputMemory();
    w.setR6EncryptionParameters(user_password, "owner", true, true, true, true, true, true, qpdf_r3p_full,
                                true);
    w.write();
    EXPECT_EQ(problem_of(to_bytes(w.getBufferSharedPointer())), PdfProblem::kEncrypted) << user_password;
  }
  Bytes broken = normalised(kSimplePdf);
  const std::size_t xref = str(broken).rfind("xref\n0 ");
  broken[xref + 7] = 'x';  // the section header no longer parses: qpdf would have to reconstruct
  EXPECT_EQ(problem_of(broken), PdfProblem::kDamaged);
  Bytes truncated = normalised(kSimplePdf);
  truncated.resize(truncated.size() / 2);
  EXPECT_EQ(problem_of(truncated), PdfProblem::kDamaged);
  EXPECT_EQ(problem_of(Bytes{'h', 'e', 'l', 'l', 'o'}), PdfProblem::kNotPdf);
  EXPECT_EQ(problem_of(normalised(kCertifiedPdf)), PdfProblem::kCertifiedNoChanges);
}

TEST(PdfSign, DateIsLocalTimeWithItsOffset) {
  const char* old = std::getenv("TZ");
  const std::string saved = old != nullptr ? old : "";
  setenv("TZ", "Asia/Tokyo", 1);
  tzset();
  EXPECT_EQ(pdf_date(0), "D:19700101090000+09'00'");
  setenv("TZ", "America/St_Johns", 1);  // -03:30 in January
  tzset();
  EXPECT_EQ(pdf_date(0), "D:19691231203000-03'30'");
  if (old != nullptr) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  EXPECT_TRUE(is_pdf_date(pdf_date(std::time(nullptr))));
}

TEST(PdfRules, PdfDates) {
  for (const char* good : {"D:20250401093000+09'00'", "D:20250401093000+09'00", "D:20250401003000Z",
                           "D:20240229235959-05'30'", "D:20250401093000Z00'00'"})
    EXPECT_TRUE(is_pdf_date(good)) << good;
  for (const char* bad : {"", "D:20250401093000", "D:2025040109+09'00'", "20250401093000+09'00'",
                          "D:20250230093000+09'00'", "D:20250401243000+09'00'", "D:20250401093000+0900",
                          "D:20250401093000 +09'00'", "2025-04-01T09:30:00+09:00"})
    EXPECT_FALSE(is_pdf_date(bad)) << bad;
}

TEST(HolderName, JpkiNameFromSubjectAltNameElseCommonName) {
  EXPECT_EQ(holder_name(rsa_signer().der), "試験 花子");
  EXPECT_EQ(holder_name(make_signer("RSA", false).der), "123456789012S");
}

TEST(JlisCa, ShippedSigningCasAreJlisProductionRoots) {
  const auto cas = jlis_signing_cas();
  ASSERT_GE(cas.size(), 2U);
  for (const auto& a : cas) {
    const unsigned char* p = a.der.data();
    X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(a.der.size())));
    ASSERT_TRUE(x);
    char subject[256];
    X509_NAME_oneline(X509_get_subject_name(x.get()), subject, sizeof subject);
    EXPECT_NE(std::string(subject).find("OU=JPKI for digital signature"), std::string::npos) << subject;
    EXPECT_NE(std::string(subject).find("O=JPKI/"), std::string::npos)
        << "never JPKI-TEST or JPKI-SIM: " << subject;
    EXPECT_EQ(X509_check_issued(x.get(), x.get()), X509_V_OK) << "a self-signed root";
  }
}

// ---------------------------------------------------------------- one test per Bureau rule

// Signs the simple PDF with `dict` and `cms_of`, and returns the rules that fail.
template <typename CmsOf>
std::set<Rule> rules_failing(const SignatureDictionary& dict, CmsOf cms_of, const Signer& s = rsa_signer()) {
  const PdfReport r = verify_pdf(sign(normalised(kSimplePdf), dict, cms_of), anchors_for(s));
  EXPECT_EQ(r.signatures.size(), 1U);
  EXPECT_FALSE(r.ok());
  return r.signatures.empty() ? std::set<Rule>{} : failing(r.signatures[0]);
}
std::set<Rule> rules_failing(const SignatureDictionary& dict) {
  return rules_failing(dict, [](const PreparedSignature& p) { return production_cms(p); });
}

TEST(PdfRules, C1_TypeSig) {
  SignatureDictionary d = conformant_dict();
  d.type.clear();
  EXPECT_EQ(rules_failing(d), std::set<Rule>{Rule::kType});
}

TEST(PdfRules, C2_SubFilterAdbePkcs7Detached) {
  SignatureDictionary d = conformant_dict();
  d.sub_filter = "ETSI.CAdES.detached";
  EXPECT_EQ(rules_failing(d), std::set<Rule>{Rule::kSubFilter});
}

TEST(PdfRules, C3_NameNotEmpty) {
  SignatureDictionary d = conformant_dict();
  d.name.clear();
  EXPECT_EQ(rules_failing(d), std::set<Rule>{Rule::kName});
}

TEST(PdfRules, C4_DateWithTimeZone) {
  SignatureDictionary d = conformant_dict();
  d.m = "D:20250401093000";  // no time zone
  EXPECT_EQ(rules_failing(d), std::set<Rule>{Rule::kDate});
  d.m.clear();
  EXPECT_EQ(rules_failing(d), std::set<Rule>{Rule::kDate});
}

TEST(PdfRules, C5_NothingAppendedAfterTheNewestSignature) {
  const Bytes signed_pdf = sign(normalised(kSimplePdf));
  const PdfDocument doc(signed_pdf);
  // An ordinary incremental update after signing (a new object), as an editor would save it.
  std::string update = "99 0 obj\n(added after signing)\nendobj\n";
  const std::size_t obj_at = signed_pdf.size();
  const std::size_t xref_at = obj_at + update.size();
  char entry[32];
  std::snprintf(entry, sizeof entry, "%010zu 00000 n\r\n", obj_at);
  update += "xref\n99 1\n" + std::string(entry) + "trailer\n<< /Size 100 /Root " +
            doc.trailer().getKey("/Root").unparse() + " /Prev " + std::to_string(doc.startxref()) +
            " >>\nstartxref\n" + std::to_string(xref_at) + "\n%%EOF\n";
  Bytes appended = signed_pdf;
  appended.insert(appended.end(), update.begin(), update.end());
  const PdfReport r = verify_pdf(appended, anchors_for(rsa_signer()));
  ASSERT_EQ(r.signatures.size(), 1U);
  EXPECT_TRUE(r.signatures[0].facts.cms.signature_valid) << "the signature itself still holds";
  EXPECT_EQ(r.signatures[0].facts.coverage, Coverage::kRevision);
  EXPECT_EQ(failing(r.signatures[0]), std::set<Rule>{Rule::kCoverage});
  EXPECT_FALSE(r.ok());
}

TEST(PdfRules, C6_OnlyZeroPaddingAfterTheCms) {
  const PdfDocument doc(normalised(kSimplePdf));
  PreparedSignature p = prepare_signature(doc, conformant_dict(), 8192);
  const Bytes cms = production_cms(p);
  p.embed(cms);
  Bytes out = p.file();
  const std::size_t contents = str(out).find("/Contents <") + std::string("/Contents <").size();
  out[contents + 2 * cms.size() + 1] = '1';  // first padding byte 0x01: outside the ByteRange
  const PdfReport r = verify_pdf(out, anchors_for(rsa_signer()));
  ASSERT_EQ(r.signatures.size(), 1U);
  EXPECT_TRUE(r.signatures[0].facts.cms.signature_valid);
  EXPECT_EQ(failing(r.signatures[0]), std::set<Rule>{Rule::kContents});
}

TEST(PdfRules, C7_SignerCertificateInsideTheCms) {
  const auto failing_rules = rules_failing(conformant_dict(), [](const PreparedSignature& p) {
    return openssl_cms(p.signed_bytes(), rsa_signer(), CMS_NOCERTS);
  });
  EXPECT_EQ(failing_rules, std::set<Rule>{Rule::kCmsContents});
}

TEST(PdfRules, C8_MessageDigestOverTheByteRange) {
  const auto failing_rules = rules_failing(conformant_dict(), [](const PreparedSignature& p) {
    Bytes other = p.signed_bytes();
    other.push_back('!');  // a digest of something else
    return openssl_cms(other, rsa_signer(), 0);
  });
  EXPECT_EQ(failing_rules, std::set<Rule>{Rule::kDigest});
}

TEST(PdfRules, C9_Sha256WithRsa) {
  static const Signer ec = make_signer("EC");
  const auto failing_rules = rules_failing(
      conformant_dict(), [](const PreparedSignature& p) { return openssl_cms(p.signed_bytes(), ec, 0); }, ec);
  EXPECT_EQ(failing_rules, std::set<Rule>{Rule::kAlgorithms});
}

TEST(PdfRules, C10_NoTimeStampToken) {
  const auto failing_rules = rules_failing(conformant_dict(), [](const PreparedSignature& p) {
    const Bytes plain = production_cms(p);
    const unsigned char* in = plain.data();
    const CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &in, static_cast<long>(plain.size())));
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0);
    const Bytes token =
        from_hex("30 03 02 01 00");  // stands in for a TimeStampToken: unsigned, so still valid
    CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE, token.data(),
                                  static_cast<int>(token.size()));
    Bytes out(static_cast<std::size_t>(i2d_CMS_ContentInfo(cms.get(), nullptr)));
    unsigned char* o = out.data();
    i2d_CMS_ContentInfo(cms.get(), &o);
    return out;
  });
  EXPECT_EQ(failing_rules, std::set<Rule>{Rule::kNoTimestamp});
}

TEST(PdfReportText, OneLinePerRuleInJapaneseUnderAJapaneseLocale) {
  const PdfReport r = verify_pdf(sign(normalised(kSimplePdf)), anchors_for(rsa_signer()));
  setenv("LC_ALL", "ja_JP.UTF-8", 1);
  const std::string ja = report_text(r, "a.pdf");
  unsetenv("LC_ALL");
  EXPECT_NE(ja.find("[OK] C1 署名辞書の /Type が /Sig"), std::string::npos) << ja;
  EXPECT_NE(ja.find("[OK] C10 タイムスタンプトークンなし: なし"), std::string::npos) << ja;
  EXPECT_NE(ja.find("[OK] C5 最新の署名がファイル全体を覆う(以前の署名は自分の版を覆う): 最新の署名、範囲: "
                    "ファイル全体"),
            std::string::npos)
      << ja;
  EXPECT_NE(ja.find("すべての署名が有効で"), std::string::npos) << ja;
  setenv("LC_ALL", "C", 1);
  const std::string en = report_text(r, "a.pdf");
  unsetenv("LC_ALL");
  int lines = 0;
  for (std::size_t at = en.find("] C"); at != std::string::npos; at = en.find("] C", at + 1)) ++lines;
  EXPECT_EQ(lines, 10) << en;
  const std::string json = report_json(r, "a.pdf");
  EXPECT_NE(json.find("\"ok\": true, \"signatures\""), std::string::npos) << json;
  EXPECT_NE(json.find("{\"id\": \"C5\", \"rule\": \"coverage\", \"ok\": true"), std::string::npos) << json;
}

}  // namespace
}  // namespace jpki::tool::pdf
