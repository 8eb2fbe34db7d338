#include "tool/diagnose_report.h"

#include <sstream>

#include "tool/json.h"
#include "tool/token_model.h"

namespace jpki::tool {
namespace {

using Tr = const char* (*)(Msg);

Msg atr_msg(AtrKind k) {
  switch (k) {
    case AtrKind::kKnownContact:
      return Msg::kDiagAtrContact;
    case AtrKind::kKnownContactless:
      return Msg::kDiagAtrContactless;
    case AtrKind::kContactlessPupi:
      return Msg::kDiagAtrPupi;
    case AtrKind::kUnknown:
      return Msg::kDiagAtrUnknown;
  }
  return Msg::kDiagAtrUnknown;
}

std::string finding_line(const Finding& f, Tr tr) {
  std::string s =
      std::string(f.severity == Severity::kProblem ? tr(Msg::kDiagProblem) : tr(Msg::kDiagNote)) + ": ";
  if (f.subject) {
    s += std::string(tr(*f.subject)) + ": ";
  }
  s += tr(f.message);
  if (!f.detail.empty()) {
    s += " (" + f.detail + ")";
  }
  if (!f.reader.empty()) {
    s += " [" + f.reader + "]";
  }
  return s;
}

std::string tries(const PinCheck& p) {
  return p.tries_left ? std::to_string(*p.tries_left) + "/" + std::to_string(p.max_tries) : std::string("?");
}

// "1234 bytes", "needs PIN on this token", "could not be read (...)"
std::string cert_text(const CertCheck& c, Tr tr) {
  switch (c.state) {
    case CertState::kRead:
      return std::to_string(c.der_size) + " " + tr(Msg::kDiagBytes);
    case CertState::kNeedsPin:
      return tr(Msg::kDiagNeedsPin);
    case CertState::kFailed:
      return std::string(tr(Msg::kFindCertFailed)) + " (" + c.error + ")";
    case CertState::kNotRead:
      return tr(Msg::kDiagNotChecked);
  }
  return {};
}

// The report's compact form: "1234", "needs-PIN", "error: ...", "not-checked".
std::string cert_word(const CertCheck& c) {
  switch (c.state) {
    case CertState::kRead:
      return std::to_string(c.der_size);
    case CertState::kNeedsPin:
      return "needs PIN on this token";
    case CertState::kFailed:
      return "error (" + c.error + ")";
    case CertState::kNotRead:
      return "not checked";
  }
  return {};
}

const char* cert_state_word(CertState s) {
  switch (s) {
    case CertState::kRead:
      return "read";
    case CertState::kNeedsPin:
      return "needs_pin";
    case CertState::kFailed:
      return "error";
    case CertState::kNotRead:
      return "not_checked";
  }
  return "not_checked";
}

std::string apdu_line(const ApduRecord& r) {
  std::string s = r.command + " -> ";
  if (r.data_bytes != 0) {
    s += std::to_string(r.data_bytes) + " bytes + ";
  }
  return s + sw_hex(r.sw);
}

void card_text(std::ostringstream& o, const CardCheck& c) {
  o << "\n" << text(Msg::kDiagCardIn) << " " << c.reader << "\n";
  if (!c.connect_error.empty()) {
    o << "   " << text(Msg::kDiagError) << ": " << c.connect_error << "\n";
    return;
  }
  o << "   ATR: " << to_hex(c.atr) << "\n        " << text(atr_msg(c.atr_class.kind));
  if (!c.atr_class.label.empty()) {
    o << " (OpenSC: \"" << c.atr_class.label << "\")";
  }
  o << "\n"
    << text(Msg::kDiagApplet) << ": " << text(c.applet_answered ? Msg::kDiagAnswered : Msg::kDiagNotAnswered)
    << "\n";
  if (!c.detect_error.empty()) {
    o << "   " << text(Msg::kDiagError) << ": " << c.detect_error << "\n";
  }
  if (c.applet_answered) {
    o << text(Msg::kDiagToken) << ": ";
    if (c.detected) {
      o << c.token_name << " — " << text(token_model_msg(c.model)) << "\n   " << text(Msg::kDiagTokenSize)
        << ": " << c.token_info_size << " " << text(Msg::kDiagBytes) << "\n";
    } else {
      o << "?\n";
    }
    o << text(Msg::kDiagCerts) << ":\n   " << text(Msg::kDiagCertAuth) << ": " << cert_text(c.auth, text);
    if (c.auth.not_after) {
      o << "\n      " << text(Msg::kExpires) << ": " << to_string(*c.auth.not_after);
    }
    if (!c.auth.issuer.empty()) {
      o << "\n      " << text(Msg::kIssuer) << ": " << c.auth.issuer;
    }
    o << "\n   " << text(Msg::kDiagCertAuthCa) << ": " << cert_text(c.auth_ca, text) << "\n   "
      << text(Msg::kDiagCertSignCa) << ": " << cert_text(c.sign_ca, text) << "\n   "
      << text(Msg::kDiagCertSign) << ": " << text(Msg::kDiagSignNotRead) << "\n";
    o << text(Msg::kDiagPins) << ":\n   " << text(Msg::kDiagAuthPin) << ": " << tries(c.auth_pin) << "\n   "
      << text(Msg::kDiagSignPin) << ": " << tries(c.sign_pin) << "\n";
  }
  o << "   " << text(Msg::kDiagStatusWords) << ": " << histogram_line(c.histogram) << "\n";
}

}  // namespace

std::string diagnose_report_block(const Diagnosis& d, const SystemInfo& sys) {
  std::ostringstream o;
  o << "----- 8< ----- jpki-tool diagnose report ----- 8< -----\n"
    << "jpki-tool: " << sys.tool_version << "\nOS: " << sys.os << "\npcsc-lite: " << sys.pcsc_lite
    << " (headers at build time)\npcscd: " << (d.pcscd_reachable ? "reachable" : "not reachable");
  if (!d.pcscd_error.empty()) {
    o << " (" << d.pcscd_error << ")";
  }
  o << "\nReaders:";
  if (d.readers.empty()) {
    o << (d.pcscd_reachable ? " none" : " not listed");
  }
  for (const ReaderEntry& r : d.readers) {
    o << "\n  " << r.name << ": " << (r.card_present ? "card" : "no card")
      << (r.selected ? "" : " (skipped)");
  }
  for (const CardCheck& c : d.cards) {
    o << "\nReader: " << c.reader;
    if (!c.connect_error.empty()) {
      o << "\nConnect: " << c.connect_error;
      continue;
    }
    o << "\nATR: " << to_hex(c.atr) << " (" << atr_kind_word(c.atr_class.kind)
      << (c.atr_class.label.empty() ? "" : ", OpenSC \"" + c.atr_class.label + "\"") << ")"
      << "\nJPKI applet: " << (c.applet_answered ? "answered" : "did not answer");
    if (!c.detect_error.empty()) {
      o << "\ndetect(): " << c.detect_error;
    }
    if (c.detected) {
      o << "\nToken: " << c.token_name << " (" << token_model_word(c.model)
        << ")\nEF 0006: " << c.token_info_size << " bytes";
    }
    if (c.applet_answered) {
      o << "\nCertificates (DER bytes): auth " << cert_word(c.auth) << ", auth CA " << cert_word(c.auth_ca)
        << ", sign CA " << cert_word(c.sign_ca) << ", sign not read";
      if (c.auth.not_after) {
        o << "\nAuth certificate: expires " << to_string(*c.auth.not_after) << ", issuer " << c.auth.issuer;
      }
      o << "\nTries left: auth " << tries(c.auth_pin) << ", sign " << tries(c.sign_pin);
      if (!c.auth_pin.error.empty()) {
        o << "\nAuth PIN status: " << c.auth_pin.error;
      }
      if (!c.sign_pin.error.empty()) {
        o << "\nSign PIN status: " << c.sign_pin.error;
      }
    }
    o << "\nStatus words: " << histogram_line(c.histogram) << "\nAPDUs:";
    for (const ApduRecord& r : c.apdus) {
      o << "\n  " << apdu_line(r);
    }
  }
  o << "\nFindings:";
  if (d.findings.empty()) {
    o << " none";
  }
  for (const Finding& f : d.findings) {
    o << "\n  - " << finding_line(f, english);
  }
  o << "\n----- 8< ----- end ----- 8< -----\n";
  return o.str();
}

std::string diagnose_text(const Diagnosis& d, const SystemInfo& sys) {
  std::ostringstream o;
  o << text(Msg::kDiagTitle) << "\n\n"
    << text(Msg::kDiagPcscd) << ": " << text(d.pcscd_reachable ? Msg::kDiagReachable : Msg::kDiagUnreachable)
    << "\n";
  if (d.pcscd_reachable) {
    o << text(Msg::kDiagReaders) << ":" << (d.readers.empty() ? std::string(" ") + text(Msg::kDiagNone) : "")
      << "\n";
    for (const ReaderEntry& r : d.readers) {
      o << "   - " << r.name << ": "
        << text(r.card_present ? Msg::kDiagCardPresent : Msg::kDiagNoCardInReader);
      if (!r.selected) {
        o << " (" << text(Msg::kDiagNotSelected) << ")";
      }
      o << "\n";
    }
  }
  for (const CardCheck& c : d.cards) {
    card_text(o, c);
  }
  o << "\n" << text(Msg::kDiagFindings) << ":\n";
  if (d.findings.empty()) {
    o << "   " << text(Msg::kDiagNothingWrong) << "\n";
  }
  for (const Finding& f : d.findings) {
    o << "   - " << finding_line(f, text) << "\n";
  }
  o << "\n" << text(Msg::kDiagReportHead) << "\n" << diagnose_report_block(d, sys);
  return o.str();
}

namespace {

std::string json_cert(const CertCheck& c, bool with_dates) {
  std::string j = "{\"state\": " + json_string(cert_state_word(c.state));
  j += ", \"der_size\": " + (c.state == CertState::kRead ? std::to_string(c.der_size) : std::string("null"));
  if (with_dates) {
    j += ", \"issuer\": " + (c.issuer.empty() ? std::string("null") : json_string(c.issuer));
    j += ", \"not_after\": " + (c.not_after ? json_string(to_string(*c.not_after)) : std::string("null"));
  }
  if (!c.error.empty()) {
    j += ", \"error\": " + json_string(c.error);
  }
  return j + "}";
}

std::string json_pin(const PinCheck& p) {
  std::string j = "{\"tries_left\": " + (p.tries_left ? std::to_string(*p.tries_left) : std::string("null")) +
                  ", \"max_tries\": " + std::to_string(p.max_tries) +
                  ", \"locked\": " + (p.tries_left && *p.tries_left <= 0 ? "true" : "false");
  if (!p.error.empty()) {
    j += ", \"error\": " + json_string(p.error);
  }
  return j + "}";
}

std::string json_card(const CardCheck& c) {
  std::string j = "{\"reader\": " + json_string(c.reader);
  if (!c.connect_error.empty()) {
    return j + ", \"connect_error\": " + json_string(c.connect_error) + "}";
  }
  j += ", \"atr\": " + json_string(to_hex(c.atr)) +
       ", \"atr_class\": " + json_string(atr_kind_word(c.atr_class.kind)) + ", \"atr_label\": " +
       (c.atr_class.label.empty() ? std::string("null") : json_string(c.atr_class.label)) +
       ",\n   \"jpki_applet\": " + (c.applet_answered ? "true" : "false") +
       ", \"detected\": " + (c.detected ? "true" : "false");
  if (!c.detect_error.empty()) {
    j += ", \"detect_error\": " + json_string(c.detect_error);
  }
  if (c.detected) {
    j += ", \"token_name\": " + json_string(c.token_name) +
         ", \"token_model\": " + json_string(token_model_word(c.model)) +
         ", \"token_info_size\": " + std::to_string(c.token_info_size);
  }
  if (c.applet_answered) {
    j += ",\n   \"certificates\": {\"auth\": " + json_cert(c.auth, true) +
         ", \"auth_ca\": " + json_cert(c.auth_ca, false) + ", \"sign_ca\": " + json_cert(c.sign_ca, false) +
         R"(, "sign": {"state": "not_read"}})" + ",\n   \"pins\": {\"auth\": " + json_pin(c.auth_pin) +
         ", \"sign\": " + json_pin(c.sign_pin) + "}";
  }
  j += ",\n   \"status_words\": [";
  for (std::size_t i = 0; i < c.histogram.size(); ++i) {
    const SwCount& s = c.histogram[i];
    j += (i == 0 ? "" : ", ") + std::string("{\"command\": ") + json_string(s.command) +
         ", \"sw\": " + json_string(sw_hex(s.sw)) + ", \"count\": " + std::to_string(s.count) + "}";
  }
  j += "],\n   \"status_word_summary\": " + json_string(histogram_line(c.histogram)) + ",\n   \"apdus\": [";
  for (std::size_t i = 0; i < c.apdus.size(); ++i) {
    const ApduRecord& r = c.apdus[i];
    j += (i == 0 ? "" : ",\n     ") + std::string("{\"command\": ") + json_string(r.command) +
         ", \"sw\": " + json_string(sw_hex(r.sw)) + ", \"data_bytes\": " + std::to_string(r.data_bytes) + "}";
  }
  return j + "]}";
}

}  // namespace

std::string diagnose_json(const Diagnosis& d, const SystemInfo& sys) {
  std::string j = "{\"tool_version\": " + json_string(sys.tool_version) + ", \"os\": " + json_string(sys.os) +
                  ", \"pcsc_lite\": " + json_string(sys.pcsc_lite) +
                  ",\n \"pcscd\": {\"reachable\": " + (d.pcscd_reachable ? "true" : "false");
  if (!d.pcscd_error.empty()) {
    j += ", \"error\": " + json_string(d.pcscd_error);
  }
  j += "},\n \"reader_filter\": " +
       (d.reader_filter.empty() ? std::string("null") : json_string(d.reader_filter));
  j += ",\n \"readers\": [";
  for (std::size_t i = 0; i < d.readers.size(); ++i) {
    const ReaderEntry& r = d.readers[i];
    j += (i == 0 ? "" : ", ") + std::string("{\"name\": ") + json_string(r.name) +
         ", \"card_present\": " + (r.card_present ? "true" : "false") +
         ", \"selected\": " + (r.selected ? "true" : "false") + "}";
  }
  j += "],\n \"cards\": [";
  for (std::size_t i = 0; i < d.cards.size(); ++i) {
    j += (i == 0 ? "" : ",\n  ") + json_card(d.cards[i]);
  }
  j += "],\n \"findings\": [";
  for (std::size_t i = 0; i < d.findings.size(); ++i) {
    const Finding& f = d.findings[i];
    std::string msg = f.subject ? std::string(text(*f.subject)) + ": " : std::string();
    msg += text(f.message);
    j += (i == 0 ? "\n  " : ",\n  ") + std::string("{\"severity\": ") +
         json_string(f.severity == Severity::kProblem ? "problem" : "note") +
         ", \"code\": " + json_string(f.code) +
         ", \"reader\": " + (f.reader.empty() ? std::string("null") : json_string(f.reader)) +
         ", \"detail\": " + (f.detail.empty() ? std::string("null") : json_string(f.detail)) +
         ", \"message\": " + json_string(msg) + "}";
  }
  j += "]";
  j += ",\n \"exit_code\": " + std::to_string(diagnose_exit_code(d)) + "}\n";
  return j;
}

}  // namespace jpki::tool
