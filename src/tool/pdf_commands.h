// jpki-tool sign-pdf / verify-pdf (main.cpp parses the arguments and hands over
// its PIN shape check and card-error report, so every command words them alike).
#pragma once

#include <optional>
#include <string>

#include "card/jpki_card.h"
#include "card/secure_string.h"

namespace jpki::tool::pdf {

// The same numbers as jpki-tool's other commands (main.cpp asserts it).
enum Exit : int {
  kExitOk = 0,
  kExitUsage = 1,  // also: an input PDF that cannot be signed (nothing asked, nothing written)
  kExitNoCard = 2,
  kExitBadInput = 5,
  kExitCardFailure = 6,
  kExitNotVerified = 7,
};

struct CardHooks {
  bool (*pin_shape_ok)(card::KeyKind, card::SecureString&);  // says why when not
  int (*report)(const card::CardError&);                     // says what happened, returns the exit code
};

struct SignPdfRequest {
  std::string in;
  std::string out;
  std::string reader;
  std::string pin_file;
  std::string reason;
  std::string location;
  std::optional<std::string> name;  // nullopt: the holder's name from the signing certificate
};

struct VerifyPdfRequest {
  std::string file;
  std::string ca_file;  // empty: J-LIS's shipped signing CAs and the card's
  std::string reader;
  bool json = false;
};

int sign_pdf(const SignPdfRequest& r, const CardHooks& hooks);
int verify_pdf(const VerifyPdfRequest& r);

}  // namespace jpki::tool::pdf
