#include "tool/diagnose.h"

#include <memory>

#include "apdu/jpki.h"
#include "apdu/status_word.h"
#include "card/jpki_card.h"
#include "tool/cert_summary.h"

namespace jpki::tool {
namespace {

// One certificate through the driver. A 6982 is "needs PIN on this token", not
// a failure: the Android token guards its authentication certificate so.
CertCheck check_cert(card::JpkiCard& card, card::CertKind kind) {
  CertCheck c;
  try {
    const Bytes der = card.read_certificate(kind);
    c.state = CertState::kRead;
    c.der_size = der.size();
    if (kind == card::CertKind::kAuth) {
      const CertSummary s = summarize(der);  // the subject is dropped here: issuer and expiry only
      c.issuer = s.issuer;
      c.not_after = s.not_after;
    }
  } catch (const card::CardError& e) {
    c.state =
        e.kind() == card::CardErrorKind::kSecurityNotSatisfied ? CertState::kNeedsPin : CertState::kFailed;
    if (c.state == CertState::kFailed) {
      c.error = e.what();
    }
  } catch (const std::exception& e) {  // transport, or not a certificate
    c.state = CertState::kFailed;
    c.error = e.what();
  }
  return c;
}

PinCheck check_pin(card::JpkiCard& card, card::KeyKind kind) {
  PinCheck p;
  p.max_tries = card::pin_rules(kind).max_tries;
  try {
    p.tries_left = card.pin_status(kind).tries_left;  // the case-1 query: no try spent
  } catch (const std::exception& e) {
    p.error = e.what();
  }
  return p;
}

bool applet_selected_ok(const std::vector<ApduRecord>& apdus) {
  for (const ApduRecord& r : apdus) {
    if (r.ins == apdu::ins::kSelect && r.p1 == 0x04 && r.sw == apdu::StatusWord::kSuccess) {
      return true;
    }
  }
  return false;
}

CardCheck check_card(transport::ReaderProvider& provider, const std::string& reader) {
  CardCheck c;
  c.reader = reader;
  std::unique_ptr<transport::CardChannel> channel;
  try {
    channel = provider.connect(reader);
    c.atr = channel->atr();
  } catch (const std::exception& e) {
    c.connect_error = e.what();
    return c;
  }
  c.atr_class = classify_atr(c.atr);
  ApduRecorder recorder;
  {
    card::JpkiCard card(*channel, {}, recorder.trace());
    try {
      const card::TokenInfo info = card.detect();
      c.detected = true;
      c.token_name = info.token_name;
      c.model = info.model;
      c.token_info_size = info.raw.size();
    } catch (const std::exception& e) {
      c.detect_error = e.what();
    }
    // Past a failed detect() the applet may still be there (say, token info the
    // driver does not take): then the other checks still tell the reader of the report much.
    c.applet_answered = c.detected || applet_selected_ok(recorder.records());
    if (c.applet_answered) {
      c.auth = check_cert(card, card::CertKind::kAuth);
      c.auth_ca = check_cert(card, card::CertKind::kAuthCa);
      c.sign_ca = check_cert(card, card::CertKind::kSignCa);
      c.auth_pin = check_pin(card, card::KeyKind::kAuth);
      c.sign_pin = check_pin(card, card::KeyKind::kSign);
    }
  }
  c.apdus = recorder.records();
  c.histogram = recorder.histogram();
  return c;
}

}  // namespace

Diagnosis diagnose(transport::ReaderProvider& provider, const std::string& reader_filter, const Date& today) {
  Diagnosis d;
  d.reader_filter = reader_filter;
  std::vector<transport::ReaderState> states;
  try {
    states = provider.readers();
    d.pcscd_reachable = true;
  } catch (const std::exception& e) {
    d.pcscd_error = e.what();
  }
  for (const auto& s : states) {
    const bool selected = reader_filter.empty() || s.name.find(reader_filter) != std::string::npos;
    d.readers.push_back({s.name, s.card_present, selected});
  }
  for (const ReaderEntry& r : d.readers) {
    if (r.selected && r.card_present) {
      d.cards.push_back(check_card(provider, r.name));
    }
  }
  add_findings(d, today);
  return d;
}

namespace {

class FindingSink {
 public:
  explicit FindingSink(std::vector<Finding>& out) : out_(out) {}
  void problem(std::string code, const std::string& reader, Msg m, std::string detail = {},
               std::optional<Msg> subject = {}) {
    out_.push_back({Severity::kProblem, std::move(code), reader, subject, m, std::move(detail)});
  }
  void note(std::string code, const std::string& reader, Msg m, std::string detail = {},
            std::optional<Msg> subject = {}) {
    out_.push_back({Severity::kNote, std::move(code), reader, subject, m, std::move(detail)});
  }

 private:
  std::vector<Finding>& out_;
};

void cert_findings(FindingSink& f, const CardCheck& c, const CertCheck& cert, const char* code, Msg subject) {
  if (cert.state == CertState::kFailed) {
    f.problem(std::string("cert_unreadable_") + code, c.reader, Msg::kFindCertFailed, cert.error, subject);
  }
}

void pin_findings(FindingSink& f, const CardCheck& c, const PinCheck& p, const char* code, Msg subject) {
  if (!p.tries_left) {
    f.problem(std::string("pin_status_failed_") + code, c.reader, Msg::kFindPinFailed, p.error, subject);
    return;
  }
  const std::string count = std::to_string(*p.tries_left) + "/" + std::to_string(p.max_tries);
  if (*p.tries_left <= 0) {
    f.problem(std::string("pin_locked_") + code, c.reader, Msg::kFindPinLocked, count, subject);
  } else if (*p.tries_left == 1) {
    f.note(std::string("pin_last_try_") + code, c.reader, Msg::kLastTry, count, subject);
  } else if (*p.tries_left < p.max_tries) {
    f.note(std::string("pin_tries_low_") + code, c.reader, Msg::kFindPinLow, count, subject);
  }
}

void card_findings(FindingSink& f, const CardCheck& c, bool jpki_elsewhere, const Date& today) {
  if (!c.connect_error.empty()) {
    f.problem("connect_failed", c.reader, Msg::kFindConnect, c.connect_error);
    return;
  }
  if (c.atr_class.kind == AtrKind::kUnknown) {
    f.note("atr_unknown", c.reader, Msg::kFindAtrUnknown, to_hex(c.atr));
  }
  if (c.atr_class.kind == AtrKind::kContactlessPupi) {
    f.note("atr_pupi", c.reader, Msg::kFindAtrPupi);
  }
  if (!c.applet_answered) {
    // Another card beside a working My Number Card is no problem of the card's.
    if (jpki_elsewhere) {
      f.note("no_jpki_applet", c.reader, Msg::kFindNoApplet, c.detect_error);
    } else {
      f.problem("no_jpki_applet", c.reader, Msg::kFindNoApplet, c.detect_error);
    }
    return;
  }
  if (!c.detected) {
    f.problem("token_info_unreadable", c.reader, Msg::kFindTokenInfo, c.detect_error);
  } else {
    switch (c.model.value_or(card::TokenModel::kUnknown)) {
      case card::TokenModel::kCard:
        break;
      case card::TokenModel::kAndroid:
        f.note("android_token", c.reader, Msg::kFindAndroid);
        break;
      case card::TokenModel::kIphone:
        f.note("iphone_token", c.reader, Msg::kFindIphone);
        break;
      case card::TokenModel::kJuki:
        f.note("juki_card", c.reader, Msg::kFindJuki);  // its expiry date decides
        break;
      case card::TokenModel::kUnknown:
        f.problem("unknown_token", c.reader, Msg::kFindUnknownToken, c.token_name);
        break;
    }
    if (c.token_info_size != apdu::kTokenInfoSize && c.token_info_size != 32) {
      f.note("token_info_size", c.reader, Msg::kFindTokenSize, std::to_string(c.token_info_size));
    }
  }
  cert_findings(f, c, c.auth, "auth", Msg::kDiagCertAuth);
  cert_findings(f, c, c.auth_ca, "auth_ca", Msg::kDiagCertAuthCa);
  cert_findings(f, c, c.sign_ca, "sign_ca", Msg::kDiagCertSignCa);
  if (c.auth.state == CertState::kNeedsPin && !(c.model && card::auth_certificate_needs_pin(*c.model))) {
    f.note("auth_cert_needs_pin", c.reader, Msg::kFindAuthNeedsPin);  // known of Android only
  }
  if (c.auth.state == CertState::kRead && c.auth.not_after && *c.auth.not_after < today) {
    f.problem("auth_cert_expired", c.reader, Msg::kFindAuthExpired, to_string(*c.auth.not_after));
  }
  if (c.auth.state == CertState::kRead && !c.auth.issuer.empty() &&
      c.auth.issuer.find("Japan Agency for Local Authority Information Systems") == std::string::npos) {
    f.note("issuer_not_jlis", c.reader, Msg::kFindIssuerNotJlis);
  }
  pin_findings(f, c, c.auth_pin, "auth", Msg::kDiagAuthPin);
  pin_findings(f, c, c.sign_pin, "sign", Msg::kDiagSignPin);
}

}  // namespace

void add_findings(Diagnosis& d, const Date& today) {
  d.findings.clear();
  FindingSink f(d.findings);
  if (!d.pcscd_reachable) {
    f.problem("pcscd_unreachable", {}, Msg::kFindPcscd, d.pcscd_error);
    return;
  }
  if (d.readers.empty()) {
    f.problem("no_reader", {}, Msg::kFindNoReader);
    return;
  }
  bool any_selected = false;
  bool any_card = false;
  for (const ReaderEntry& r : d.readers) {
    any_selected = any_selected || r.selected;
    any_card = any_card || (r.selected && r.card_present);
  }
  if (!any_selected) {
    f.problem("no_matching_reader", {}, Msg::kFindNoMatchingReader, d.reader_filter);
    return;
  }
  if (!any_card) {
    f.problem("no_card", {}, Msg::kFindNoCard);
    return;
  }
  bool jpki_somewhere = false;
  for (const CardCheck& c : d.cards) {
    jpki_somewhere = jpki_somewhere || c.applet_answered;
  }
  for (const CardCheck& c : d.cards) {
    card_findings(f, c, jpki_somewhere && !c.applet_answered, today);
  }
}

int diagnose_exit_code(const Diagnosis& d) {
  constexpr int kOk = 0;
  constexpr int kNoCard = 2;
  constexpr int kSomethingWrong = 6;
  if (d.cards.empty()) {
    return kNoCard;
  }
  for (const Finding& f : d.findings) {
    if (f.severity == Severity::kProblem) {
      return kSomethingWrong;
    }
  }
  return kOk;
}

}  // namespace jpki::tool
