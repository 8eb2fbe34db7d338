// `jpki-tool diagnose`: what a holder with a real card can run and paste into a
// bug report. It checks, in order: pcscd, readers, card and ATR, the JPKI
// applet (through the card driver's detect()), the token name, the certificate
// sizes, the retry counters. It never sends a VERIFY with data, never reads the
// signing certificate (EF 0001), and keeps no personal data: of the
// authentication certificate only the issuer and the expiry date.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "apdu/bytes.h"
#include "card/token_model.h"
#include "tool/apdu_record.h"
#include "tool/atr_class.h"
#include "tool/messages.h"
#include "tool/renewal.h"
#include "transport/reader_provider.h"

namespace jpki::tool {

enum class CertState { kNotRead, kRead, kNeedsPin, kFailed };

struct CertCheck {
  CertState state = CertState::kNotRead;
  std::size_t der_size = 0;
  std::string issuer;             // authentication certificate only
  std::optional<Date> not_after;  // authentication certificate only
  std::string error;
};

struct PinCheck {
  std::optional<int> tries_left;
  int max_tries = 0;
  std::string error;
};

struct CardCheck {
  std::string reader;
  Bytes atr;
  AtrClass atr_class;
  std::string connect_error;     // empty once connected
  bool applet_answered = false;  // SELECT of the JPKI AID answered 9000 (or detect() succeeded)
  bool detected = false;         // detect() succeeded
  std::string detect_error;
  std::string token_name;
  std::optional<card::TokenModel> model;  // set when detect() succeeded
  std::size_t token_info_size = 0;
  CertCheck auth, auth_ca, sign_ca;
  PinCheck auth_pin, sign_pin;
  std::vector<ApduRecord> apdus;
  std::vector<SwCount> histogram;
};

struct ReaderEntry {
  std::string name;
  bool card_present = false;
  bool selected = true;  // matches --reader
};

enum class Severity { kProblem, kNote };

struct Finding {
  Severity severity = Severity::kNote;
  std::string code;            // stable identifier for JSON ("pin_locked_auth")
  std::string reader;          // empty for findings about the machine
  std::optional<Msg> subject;  // what it is about ("user authentication PIN"), if anything
  Msg message;
  std::string detail;  // language-neutral: a status word, a size, a reader filter
};

struct Diagnosis {
  bool pcscd_reachable = false;
  std::string pcscd_error;
  std::string reader_filter;
  std::vector<ReaderEntry> readers;
  std::vector<CardCheck> cards;
  std::vector<Finding> findings;
};

// Runs every check against the readers `provider` offers; `reader_filter` as --reader
// (substring of the reader name, empty = all). Findings filled in (add_findings).
Diagnosis diagnose(transport::ReaderProvider& provider, const std::string& reader_filter, const Date& today);

// Derives the findings from what was checked; `today` decides expiry.
void add_findings(Diagnosis& d, const Date& today);

// 0: a card was examined and nothing looks wrong; 2: no card to examine (no pcscd,
// no reader, no card); 6: something looks wrong.
int diagnose_exit_code(const Diagnosis& d);

}  // namespace jpki::tool
