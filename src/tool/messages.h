// Every sentence jpki-tool prints, in English and Japanese (chosen from the
// locale: LC_ALL, LC_MESSAGES, LANG starting with "ja").
#pragma once

#include <string>

namespace jpki::tool {

enum class Msg {
  kReader,
  kCard,
  kAuthCert,
  kSignCert,
  kTriesLeft,
  kLocked,
  kLockedAdvice,
  kLastTry,
  kExpires,
  kDaysLeft,
  kRenewOpen,
  kRenewNotYet,
  kExpired,
  kSubject,
  kIssuer,
  kSignDateNeedsPassword,
  kNoCard,
  kWrongPin,
  kPinShapeAuth,
  kPinShapeSign,
  kPinMismatch,
  kPinChanged,
  kEnterPin,
  kEnterNewPin,
  kRepeatNewPin,
  kNoPinInput,
  kCardError,
};

bool japanese();
const char* text(Msg m);

}  // namespace jpki::tool
