#include "tool/pdf_commands.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "tool/card_access.h"
#include "tool/cert_summary.h"
#include "tool/cms_sign.h"
#include "tool/holder_name.h"
#include "tool/jlis_ca.h"
#include "tool/messages.h"
#include "tool/pdf_messages.h"
#include "tool/pdf_sign.h"
#include "tool/pdf_verify.h"
#include "tool/pin_input.h"

namespace jpki::tool::pdf {
namespace {

std::optional<Bytes> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The output appears whole or not at all: a temporary file beside it, then rename.
bool write_whole(const std::string& out, const Bytes& data) {
  const std::string tmp = out + ".part-" + std::to_string(::getpid());
  std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));  // NOLINT
  f.close();
  if (f && std::rename(tmp.c_str(), out.c_str()) == 0) {
    return true;
  }
  (void)std::remove(tmp.c_str());
  return false;
}

}  // namespace

// Everything about the input and the output folder is checked before the PIN is asked.
int sign_pdf(const SignPdfRequest& r, const CardHooks& hooks) {
  auto content = slurp(r.in);
  if (!content) {
    std::cerr << text(PdfMsg::kCannotRead) << ": " << r.in << "\n";
    return kExitUsage;
  }
  std::unique_ptr<PdfDocument> doc;
  try {
    doc = std::make_unique<PdfDocument>(std::move(*content));
    ensure_signable(*doc);
  } catch (const PdfError& e) {
    std::cerr << r.in << ": " << describe(e) << "\n";
    if (e.problem() == PdfProblem::kDamaged) {
      std::cerr << text(PdfMsg::kDamagedAdvice) << "\n";
    }
    return kExitUsage;
  }
  const std::filesystem::path out_path(r.out);
  const std::string dir = out_path.has_parent_path() ? out_path.parent_path().string() : ".";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    std::cerr << text(PdfMsg::kCannotWrite) << ": " << r.out << "\n";
    return kExitUsage;
  }
  auto pin = read_pin(r.pin_file, "JPKI_PIN", text(Msg::kEnterPin));
  if (!pin) {
    std::cerr << text(Msg::kNoPinInput) << "\n";
    return kExitBadInput;
  }
  if (!hooks.pin_shape_ok(card::KeyKind::kSign, *pin)) {
    return kExitBadInput;
  }
  auto access = open_card(r.reader);
  if (!access) {
    std::cerr << text(Msg::kNoCard) << "\n";
    return kExitNoCard;
  }
  std::optional<PreparedSignature> prepared;
  Bytes cms;
  try {
    access->card->verify(card::KeyKind::kSign, *pin);
    const Bytes cert = access->card->read_certificate(card::CertKind::kSign);
    SignatureDictionary dict;
    dict.name = r.name ? *r.name : holder_name(cert);
    if (dict.name.empty()) {
      access->card->logout();
      std::cerr << text(PdfMsg::kNoName) << "\n";
      return kExitUsage;
    }
    dict.m = pdf_date(std::time(nullptr));
    dict.reason = r.reason;
    dict.location = r.location;
    prepared = prepare_signature(*doc, dict, cert.size() + 4096);
    cms = make_detached_cms_for_digest(prepared->digest(), cert, [&](ByteView digest_info) {
      return access->card->sign(card::KeyKind::kSign, digest_info);
    });
    access->card->logout();
  } catch (const card::CardError& e) {
    return hooks.report(e);
  }
  prepared->embed(cms);
  if (!write_whole(r.out, prepared->file())) {
    std::cerr << text(PdfMsg::kCannotWrite) << ": " << r.out << "\n";
    return kExitCardFailure;
  }
  std::cout << text(PdfMsg::kSigned) << ": " << r.out << " (" << prepared->field_name() << ")\n";
  return kExitOk;
}

int verify_pdf(const VerifyPdfRequest& r) {
  auto content = slurp(r.file);
  if (!content) {
    std::cerr << text(PdfMsg::kCannotRead) << ": " << r.file << "\n";
    return kExitUsage;
  }
  std::vector<TrustAnchor> anchors;
  if (!r.ca_file.empty()) {
    const auto pem = slurp(r.ca_file);
    if (!pem) {
      std::cerr << text(PdfMsg::kCannotRead) << ": " << r.ca_file << "\n";
      return kExitUsage;
    }
    for (auto& der : certificates_from_pem(*pem)) {
      anchors.push_back({std::move(der), "--CAfile"});
    }
  } else {
    anchors = jlis_signing_cas();
    if (auto access = open_card(r.reader)) {
      try {
        anchors.push_back({access->card->read_certificate(card::CertKind::kSignCa), "card"});
      } catch (const card::CardError&) {
        // no CA certificate from this card: J-LIS's shipped ones still serve
      }
    }
  }
  PdfReport report;
  try {
    report = verify_pdf(std::move(*content), anchors);
  } catch (const PdfError& e) {
    std::cerr << r.file << ": " << describe(e) << "\n";
    return kExitNotVerified;
  }
  std::cout << (r.json ? report_json(report, r.file) : report_text(report, r.file));
  return report.ok() ? kExitOk : kExitNotVerified;
}

}  // namespace jpki::tool::pdf
