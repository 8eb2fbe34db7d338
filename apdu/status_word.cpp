#include "apdu/status_word.h"

#include <cstdio>

namespace jpki::apdu {

namespace {
const char* describe(const StatusWord& sw) {
  switch (sw.value()) {
    case StatusWord::kSuccess:
      return "success";
    case StatusWord::kEndOfFile:
      return "end of file before Le bytes";
    case StatusWord::kWrongLength:
      return "wrong length";
    case StatusWord::kSecurityNotSatisfied:
      return "security status not satisfied";
    case StatusWord::kAuthMethodBlocked:
      return "authentication method blocked";
    case StatusWord::kReferenceDataNotUsable:
      return "reference data not usable (PIN blocked)";
    case StatusWord::kConditionsNotSatisfied:
      return "conditions of use not satisfied";
    case StatusWord::kCommandNotAllowedNoEf:
      return "command not allowed (no current EF)";
    case StatusWord::kFileNotFound:
      return "file not found";
    case StatusWord::kIncorrectP1P2:
      return "incorrect P1-P2";
    case StatusWord::kWrongP1P2:
      return "wrong parameters (offset past end of file)";
    case StatusWord::kInsNotSupported:
      return "instruction not supported";
    case StatusWord::kClaNotSupported:
      return "class not supported";
    case StatusWord::kWrongData:
      return "incorrect data";
    case StatusWord::kNoPreciseDiagnosis:
      return "no precise diagnosis";
    default:
      break;
  }
  if (sw.is_retry_counter()) {
    return "verification failed / tries left";
  }
  if (sw.more_data()) {
    return "response bytes still available";
  }
  if (sw.wrong_le()) {
    return "wrong Le";
  }
  return "unknown status";
}
}  // namespace

std::string StatusWord::name() const {
  char code[8];
  std::snprintf(code, sizeof code, "%04X", value_);
  std::string out = code;
  out += ' ';
  out += describe(*this);
  if (is_retry_counter()) {
    out += " (" + std::to_string(tries_left()) + ")";
  }
  return out;
}

}  // namespace jpki::apdu
