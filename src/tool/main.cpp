// jpki-tool: the My Number Card holder's command line.
//   jpki-tool status [--json] [--sign-details] [--reader NAME] [--pin-file FILE]
//   jpki-tool cert export --auth|--sign|--auth-ca|--sign-ca [--pem|--der] [-o FILE] [--pin-file FILE]
//   jpki-tool ssh-key [--reader NAME] [--pin-file FILE]
//   jpki-tool change-pin --auth|--sign [--pin-file FILE] [--new-pin-file FILE]
//   jpki-tool sign --auth|--sign FILE [-o SIG] [--pin-file FILE]
//   jpki-tool verify FILE SIG [--CAfile PEM]
//   jpki-tool diagnose [--json] [--reader NAME]
//   jpki-tool sign-pdf IN.pdf -o OUT.pdf [--name TEXT] [--reason TEXT] [--location TEXT] [--pin-file FILE]
//   jpki-tool verify-pdf FILE [--CAfile PEM] [--json]
// PINs never come from the command line: terminal (no echo), --pin-file, or
// JPKI_PIN / JPKI_NEW_PIN. JPKI_TOOL_TODAY=YYYY-MM-DD sets "today" (tests).
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "card/pin_policy.h"
#include "card/token_model.h"
#include "tool/card_access.h"
#include "tool/cert_summary.h"
#include "tool/cms_sign.h"
#include "tool/diagnose.h"
#include "tool/diagnose_report.h"
#include "tool/json.h"
#include "tool/messages.h"
#include "tool/pdf_commands.h"
#include "tool/pin_input.h"
#include "tool/renewal.h"
#include "tool/ssh_key.h"
#include "tool/system_info.h"
#include "tool/token_model.h"
#include "transport/pcsc_reader_provider.h"

namespace jpki::tool {
namespace {

enum Exit {
  kOk = 0,
  kUsage = 1,
  kNoCard = 2,
  kWrongPin = 3,
  kLocked = 4,
  kBadInput = 5,
  kCardFailure = 6,
  kNotVerified = 7
};

constexpr const char* kUsageText =
    "usage: jpki-tool status [--json] [--sign-details] [--reader NAME] [--pin-file FILE]\n"
    "       jpki-tool cert export --auth|--sign|--auth-ca|--sign-ca [--pem|--der] [-o FILE] [--pin-file "
    "FILE]\n"
    "       jpki-tool ssh-key [--reader NAME] [--pin-file FILE]   (authorized_keys line of the auth key)\n"
    "       jpki-tool change-pin --auth|--sign [--pin-file FILE] [--new-pin-file FILE]\n"
    "       jpki-tool sign --auth|--sign FILE [-o SIG] [--pin-file FILE]   (detached CMS, DER)\n"
    "       jpki-tool verify FILE SIG [--CAfile PEM]   (default: the CA certificates on the card)\n"
    "       jpki-tool diagnose [--json] [--reader NAME]   (for a bug report: no PIN, no personal data)\n"
    "       jpki-tool sign-pdf IN.pdf -o OUT.pdf [--name TEXT] [--reason TEXT] [--location TEXT]\n"
    "                [--pin-file FILE]   (signing key; a PDF signature for online filings, appended as\n"
    "                an incremental update; /Name is YOUR NAME from your signing certificate, which the\n"
    "                file will carry, unless --name; unusable input: exit 1 before any PIN is asked)\n"
    "       jpki-tool verify-pdf FILE [--CAfile PEM] [--json]   (each signature and the Legal Affairs\n"
    "                Bureau's rules; default anchors: J-LIS's signing CAs and the card's)\n"
    "PINs are read from the terminal without echo, from --pin-file / --new-pin-file, or from\n"
    "JPKI_PIN / JPKI_NEW_PIN; never from the command line.\n"
    "Exit codes: 0 ok, 1 usage, 2 no card, 3 wrong PIN, 4 PIN locked, 5 PIN of the wrong shape or\n"
    "new PINs differ (nothing sent), 6 card error, 7 signature does not verify.\n"
    "diagnose: 0 a card was found and nothing looks wrong, 2 no card (or no pcscd, no reader),\n"
    "6 something looks wrong.\n";

struct Args {
  std::vector<std::string> words;
  std::set<std::string> flags;
  std::map<std::string, std::string> values;
};

Args parse(int argc, char** argv) {
  static const std::set<std::string> with_value = {"--reader", "--pin-file", "--new-pin-file", "-o",
                                                   "--CAfile", "--name",     "--reason",       "--location"};
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    if (with_value.count(s) != 0) {
      if (i + 1 >= argc) {
        throw std::invalid_argument(s + " needs a value");
      }
      a.values[s] = argv[++i];
    } else if (s.rfind("-", 0) == 0) {
      a.flags.insert(s);
    } else {
      a.words.push_back(s);
    }
  }
  return a;
}

std::string value(const Args& a, const std::string& k) {
  const auto it = a.values.find(k);
  return it == a.values.end() ? std::string() : it->second;
}

Date today() {
  Date d;
  if (const char* t = std::getenv("JPKI_TOOL_TODAY"); t != nullptr && parse_date(t, d)) {
    return d;
  }
  const time_t now = std::time(nullptr) + 9 * 3600;  // the holder's calendar is JST
  std::tm tm{};
  gmtime_r(&now, &tm);
  return Date{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

// Shape check first: a PIN of the wrong shape never reaches the card.
bool shaped(card::KeyKind k, card::SecureString& pin) {
  if (card::check_pin_shape(k, pin.str()) == card::PinShape::kOk) {
    return true;
  }
  std::cerr << text(k == card::KeyKind::kAuth ? Msg::kPinShapeAuth : Msg::kPinShapeSign) << "\n";
  return false;
}

// Maps a card failure to a message and an exit code.
int report(const card::CardError& e) {
  if (e.kind() == card::CardErrorKind::kPinIncorrect) {
    std::cerr << text(Msg::kWrongPin) << ": " << e.tries_left() << "\n";
    if (e.tries_left() == 1) {
      std::cerr << text(Msg::kLastTry) << "\n";
    }
    return kWrongPin;
  }
  if (e.kind() == card::CardErrorKind::kPinLocked) {
    std::cerr << text(Msg::kLocked) << "\n" << text(Msg::kLockedAdvice) << "\n";
    return kLocked;
  }
  std::cerr << text(Msg::kCardError) << ": " << e.what() << "\n";
  return kCardFailure;
}

struct CertStatus {
  int tries = 0;
  int max_tries = 0;
  std::optional<CertSummary> cert;
  std::optional<ExpiryStatus> expiry;
};

std::string renewal_word(Renewal r) {
  switch (r) {
    case Renewal::kOpen:
      return "open";
    case Renewal::kNotYet:
      return "not_yet";
    case Renewal::kExpired:
      return "expired";
  }
  return "";
}

void print_text(const char* title, const CertStatus& s) {
  std::cout << "\n"
            << title << "\n  " << text(Msg::kTriesLeft) << ": " << s.tries << "/" << s.max_tries << "\n";
  if (s.tries <= 0) {
    std::cout << "  " << text(Msg::kLocked) << "\n  " << text(Msg::kLockedAdvice) << "\n";
  }
  if (s.tries == 1) {
    std::cout << "  " << text(Msg::kLastTry) << "\n";
  }
  if (!s.cert) {
    return;
  }
  std::cout << "  " << text(Msg::kExpires) << ": " << to_string(s.cert->not_after) << " ("
            << s.expiry->days_left << " " << text(Msg::kDaysLeft) << ")\n  ";
  switch (s.expiry->renewal) {
    case Renewal::kOpen:
      std::cout << text(Msg::kRenewOpen) << "\n";
      break;
    case Renewal::kNotYet:
      std::cout << text(Msg::kRenewNotYet) << " " << to_string(s.expiry->renewal_opens) << "\n";
      break;
    case Renewal::kExpired:
      std::cout << text(Msg::kExpired) << "\n";
      break;
  }
}

std::string json_of(const CertStatus& s, bool with_names) {
  std::string j = "{\"tries_left\": " + std::to_string(s.tries) +
                  ", \"max_tries\": " + std::to_string(s.max_tries) +
                  ", \"locked\": " + (s.tries <= 0 ? "true" : "false");
  if (s.cert) {
    j += ", \"not_after\": " + json_string(to_string(s.cert->not_after)) +
         ", \"days_left\": " + std::to_string(s.expiry->days_left) +
         ", \"renewal\": " + json_string(renewal_word(s.expiry->renewal)) +
         ", \"renewal_opens\": " + json_string(to_string(s.expiry->renewal_opens));
    if (with_names) {
      j += ", \"subject\": " + json_string(s.cert->subject) + ", \"issuer\": " + json_string(s.cert->issuer);
    }
  } else {
    j += ", \"not_after\": null";
  }
  return j + "}";
}

// A certificate read without a PIN, or nullopt where the token keeps it behind
// one: the signing certificate (name and address), and the authentication
// certificate on an Android token (known of the model, or learnt from a 6982).
// Never asks for a PIN.
std::optional<Bytes> certificate_without_pin(CardAccess& access, card::CertKind which) {
  if (which == card::CertKind::kSign ||
      (which == card::CertKind::kAuth && card::auth_certificate_needs_pin(access.info.model))) {
    return std::nullopt;
  }
  try {
    return access.card->read_certificate(which);
  } catch (const card::CardError& e) {
    if (which != card::CertKind::kAuth || e.kind() != card::CardErrorKind::kSecurityNotSatisfied) {
      throw;
    }
    return std::nullopt;
  }
}

// The PIN from the terminal, --pin-file or JPKI_PIN, its shape checked before the card
// sees it; nullopt (with a message) when there is none or it has the wrong shape.
std::optional<card::SecureString> asked_pin(const Args& a, card::KeyKind key) {
  auto pin = read_pin(value(a, "--pin-file"), "JPKI_PIN", text(Msg::kEnterPin));
  if (!pin) {
    std::cerr << text(Msg::kNoPinInput) << "\n";
    return std::nullopt;
  }
  if (!shaped(key, *pin)) {
    return std::nullopt;
  }
  return pin;
}

// The certificate, asking for its PIN only where the card keeps it behind one (the
// signing certificate; the authentication certificate on a phone). Returns an exit
// code when no usable PIN was given; card errors are thrown.
std::optional<int> certificate(CardAccess& access, card::CertKind which, const Args& a, Bytes& der) {
  if (auto open = certificate_without_pin(access, which)) {
    der = std::move(*open);
    return std::nullopt;
  }
  const card::KeyKind key = which == card::CertKind::kSign ? card::KeyKind::kSign : card::KeyKind::kAuth;
  auto pin = asked_pin(a, key);
  if (!pin) {
    return kBadInput;
  }
  access.card->verify(key, *pin);
  der = access.card->read_certificate(which);
  access.card->logout();
  return std::nullopt;
}

int status(const Args& a) {
  auto access = open_card(value(a, "--reader"));
  if (!access) {
    std::cerr << text(Msg::kNoCard) << "\n";
    return kNoCard;
  }
  card::JpkiCard& card = *access->card;
  const Date now = today();
  CertStatus auth;
  CertStatus sign;
  auth.max_tries = card::pin_rules(card::KeyKind::kAuth).max_tries;
  sign.max_tries = card::pin_rules(card::KeyKind::kSign).max_tries;
  std::string serial;
  try {
    auth.tries = card.pin_status(card::KeyKind::kAuth).tries_left;
    sign.tries = card.pin_status(card::KeyKind::kSign).tries_left;
    const std::optional<Bytes> auth_der = certificate_without_pin(*access, card::CertKind::kAuth);
    if (auth_der) {
      auth.cert = summarize(*auth_der);
      auth.expiry = expiry_status(now, auth.cert->not_after);
    }
    serial = token_serial(*access, auth_der);
    if (a.flags.count("--sign-details") != 0) {
      Bytes der;
      if (const auto failed = certificate(*access, card::CertKind::kSign, a, der)) {
        return *failed;
      }
      sign.cert = summarize(der);
      sign.expiry = expiry_status(now, sign.cert->not_after);
      sign.tries = card.pin_status(card::KeyKind::kSign).tries_left;
    }
  } catch (const card::CardError& e) {
    return report(e);
  }
  if (a.flags.count("--json") != 0) {
    std::cout << "{\"reader\": " << json_string(access->reader)
              << ", \"token\": " << json_string(access->info.token_name)
              << ", \"model\": " << json_string(token_model_word(access->info.model))
              << ", \"serial\": " << json_string(serial) << ", \"today\": " << json_string(to_string(now))
              << ",\n \"auth\": " << json_of(auth, true) << ",\n \"sign\": " << json_of(sign, false) << "}\n";
    return kOk;
  }
  const std::string label = card::model_label(access->info.model);
  std::cout << text(Msg::kReader) << ": " << access->reader << "\n"
            << text(Msg::kCard) << ": "
            << (label.empty() ? access->info.token_name : label + " (" + access->info.token_name + ")")
            << ", " << text(Msg::kSerial) << " " << serial << "\n";
  print_text(text(Msg::kAuthCert), auth);
  if (auth.cert) {
    std::cout << "  " << text(Msg::kSubject) << ": " << auth.cert->subject << "\n  " << text(Msg::kIssuer)
              << ": " << auth.cert->issuer << "\n";
  } else {
    std::cout << "  " << text(Msg::kAuthDateNeedsPin) << "\n";
  }
  print_text(text(Msg::kSignCert), sign);
  if (!sign.cert) {
    std::cout << "  " << text(Msg::kSignDateNeedsPassword) << "\n";
  }
  return kOk;
}

int export_cert(const Args& a) {
  static const std::map<std::string, card::CertKind> kinds = {{"--auth", card::CertKind::kAuth},
                                                              {"--sign", card::CertKind::kSign},
                                                              {"--auth-ca", card::CertKind::kAuthCa},
                                                              {"--sign-ca", card::CertKind::kSignCa}};
  std::optional<card::CertKind> which;
  for (const auto& [flag, kind] : kinds) {
    if (a.flags.count(flag) != 0) {
      which = kind;
    }
  }
  if (!which) {
    std::cerr << kUsageText;
    return kUsage;
  }
  auto access = open_card(value(a, "--reader"));
  if (!access) {
    std::cerr << text(Msg::kNoCard) << "\n";
    return kNoCard;
  }
  Bytes der;
  try {
    if (const auto failed = certificate(*access, *which, a, der)) {
      return *failed;
    }
  } catch (const card::CardError& e) {
    return report(e);
  }
  const std::string out = a.flags.count("--der") != 0 ? std::string(der.begin(), der.end()) : to_pem(der);
  const std::string path = value(a, "-o");
  if (path.empty()) {
    std::cout << out;
  } else {
    std::ofstream f(path, std::ios::binary);
    f << out;
    if (!f) {
      std::cerr << "cannot write " << path << "\n";
      return kCardFailure;
    }
  }
  return kOk;
}

// One authorized_keys line for the authentication key, from its certificate: no PIN, unless
// the card keeps that certificate behind the auth PIN (token=android); then the PIN is asked.
int ssh_key(const Args& a) {
  auto access = open_card(value(a, "--reader"));
  if (!access) {
    std::cerr << text(Msg::kNoCard) << "\n";
    return kNoCard;
  }
  Bytes der;
  try {
    if (const auto failed = certificate(*access, card::CertKind::kAuth, a, der)) {
      return *failed;
    }
  } catch (const card::CardError& e) {
    return report(e);
  }
  std::cout << authorized_keys_line(der) << "\n";
  return kOk;
}

int change_pin(const Args& a) {
  const bool auth = a.flags.count("--auth") != 0;
  if (auth == (a.flags.count("--sign") != 0)) {
    std::cerr << kUsageText;
    return kUsage;
  }
  const card::KeyKind kind = auth ? card::KeyKind::kAuth : card::KeyKind::kSign;
  auto old_pin = read_pin(value(a, "--pin-file"), "JPKI_PIN", text(Msg::kEnterPin));
  auto new_pin = read_pin(value(a, "--new-pin-file"), "JPKI_NEW_PIN", text(Msg::kEnterNewPin));
  auto again = read_pin(value(a, "--new-pin-file"), "JPKI_NEW_PIN", text(Msg::kRepeatNewPin), 1);
  if (!old_pin || !new_pin || !again) {
    std::cerr << text(Msg::kNoPinInput) << "\n";
    return kBadInput;
  }
  if (!shaped(kind, *old_pin) || !shaped(kind, *new_pin) || !shaped(kind, *again)) {
    return kBadInput;
  }
  if (new_pin->str() != again->str()) {
    std::cerr << text(Msg::kPinMismatch) << "\n";
    return kBadInput;
  }
  auto access = open_card(value(a, "--reader"));
  if (!access) {
    std::cerr << text(Msg::kNoCard) << "\n";
    return kNoCard;
  }
  try {
    access->card->change_pin(kind, *old_pin, *new_pin);
    access->card->logout();
  } catch (const card::CardError& e) {
    return report(e);
  }
  std::cout << text(Msg::kPinChanged) << "\n";
  return kOk;
}

std::optional<Bytes> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int sign_file(const Args& a) {
  const bool auth = a.flags.count("--auth") != 0;
  if (auth == (a.flags.count("--sign") != 0) || a.words.size() != 2) {
    std::cerr << kUsageText;
    return kUsage;
  }
  const card::KeyKind kind = auth ? card::KeyKind::kAuth : card::KeyKind::kSign;
  const auto content = read_file(a.words[1]);
  if (!content) {
    std::cerr << "cannot read " << a.words[1] << "\n";
    return kUsage;
  }
  auto pin = asked_pin(a, kind);
  if (!pin) {
    return kBadInput;
  }
  auto access = open_card(value(a, "--reader"));
  if (!access) {
    std::cerr << text(Msg::kNoCard) << "\n";
    return kNoCard;
  }
  Bytes cms;
  try {
    access->card->verify(kind, *pin);
    const Bytes cert = access->card->read_certificate(auth ? card::CertKind::kAuth : card::CertKind::kSign);
    cms = make_detached_cms(*content, cert,
                            [&](ByteView digest_info) { return access->card->sign(kind, digest_info); });
    access->card->logout();
  } catch (const card::CardError& e) {
    return report(e);
  }
  const std::string out = a.values.count("-o") != 0 ? value(a, "-o") : a.words[1] + ".p7s";
  std::ofstream f(out, std::ios::binary);
  f.write(reinterpret_cast<const char*>(cms.data()), static_cast<std::streamsize>(cms.size()));  // NOLINT
  if (!f) {
    std::cerr << "cannot write " << out << "\n";
    return kCardFailure;
  }
  std::cout << out << "\n";
  return kOk;
}

int verify_file(const Args& a) {
  if (a.words.size() != 3) {
    std::cerr << kUsageText;
    return kUsage;
  }
  const auto content = read_file(a.words[1]);
  const auto sig = read_file(a.words[2]);
  if (!content || !sig) {
    std::cerr << "cannot read " << a.words[1] << " or " << a.words[2] << "\n";
    return kUsage;
  }
  std::vector<Bytes> cas;
  if (a.values.count("--CAfile") != 0) {
    const auto pem = read_file(value(a, "--CAfile"));
    if (!pem) {
      std::cerr << "cannot read " << value(a, "--CAfile") << "\n";
      return kUsage;
    }
    cas = certificates_from_pem(*pem);
  } else {
    auto access = open_card(value(a, "--reader"));
    if (!access) {
      std::cerr << text(Msg::kNoCard) << "\n";
      return kNoCard;
    }
    try {
      cas.push_back(access->card->read_certificate(card::CertKind::kAuthCa));
      cas.push_back(access->card->read_certificate(card::CertKind::kSignCa));
    } catch (const card::CardError& e) {
      return report(e);
    }
  }
  std::string why;
  if (!verify_detached_cms(*content, *sig, cas, why)) {
    std::cerr << "verification failed: " << why << "\n";
    return kNotVerified;
  }
  std::cout << "signature OK\n";
  return kOk;
}

int diagnose_card(const Args& a) {
  // Every reader is listed, so the provider is not filtered; --reader picks which are examined.
  transport::PcscReaderProvider provider;
  const Diagnosis d = diagnose(provider, value(a, "--reader"), today());
  const SystemInfo sys = system_info();
  std::cout << (a.flags.count("--json") != 0 ? diagnose_json(d, sys) : diagnose_text(d, sys));
  return diagnose_exit_code(d);
}

// sign-pdf / verify-pdf live in pdf_commands.cpp; they share the PIN shape check and the
// card-error report with the commands above.
static_assert(int{pdf::kExitUsage} == int{kUsage} && int{pdf::kExitNoCard} == int{kNoCard} &&
              int{pdf::kExitBadInput} == int{kBadInput} && int{pdf::kExitCardFailure} == int{kCardFailure} &&
              int{pdf::kExitNotVerified} == int{kNotVerified});

int sign_pdf(const Args& a) {
  if (a.words.size() != 2 || value(a, "-o").empty() ||
      (a.values.count("--name") != 0 && value(a, "--name").empty())) {
    std::cerr << kUsageText;
    return kUsage;
  }
  pdf::SignPdfRequest r{.in = a.words[1],
                        .out = value(a, "-o"),
                        .reader = value(a, "--reader"),
                        .pin_file = value(a, "--pin-file"),
                        .reason = value(a, "--reason"),
                        .location = value(a, "--location"),
                        .name = std::nullopt};
  if (a.values.count("--name") != 0) {
    r.name = value(a, "--name");
  }
  return pdf::sign_pdf(r, pdf::CardHooks{shaped, report});
}

int verify_pdf(const Args& a) {
  if (a.words.size() != 2) {
    std::cerr << kUsageText;
    return kUsage;
  }
  return pdf::verify_pdf(pdf::VerifyPdfRequest{.file = a.words[1],
                                               .ca_file = value(a, "--CAfile"),
                                               .reader = value(a, "--reader"),
                                               .json = a.flags.count("--json") != 0});
}

int run(int argc, char** argv) {
  const Args a = parse(argc, argv);
  if (a.words.empty() || a.flags.count("--help") != 0 || a.flags.count("-h") != 0) {
    std::cout << kUsageText;
    return a.words.empty() && a.flags.empty() ? kUsage : kOk;
  }
  using Command = int (*)(const Args&);
  static const std::map<std::string, Command> commands = {
      {"status", status},     {"change-pin", change_pin}, {"ssh-key", ssh_key},
      {"sign", sign_file},    {"verify", verify_file},    {"diagnose", diagnose_card},
      {"sign-pdf", sign_pdf}, {"verify-pdf", verify_pdf}};
  if (a.words[0] == "cert" && a.words.size() > 1 && a.words[1] == "export") {
    return export_cert(a);
  }
  if (const auto it = commands.find(a.words[0]); it != commands.end()) {
    return it->second(a);
  }
  std::cerr << kUsageText;
  return kUsage;
}

}  // namespace
}  // namespace jpki::tool

int main(int argc, char** argv) {
  try {
    return jpki::tool::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "jpki-tool: " << e.what() << "\n";
    return jpki::tool::kCardFailure;
  }
}
