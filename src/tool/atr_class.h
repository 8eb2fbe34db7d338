// What an ATR says, against the My Number Card ATRs known from public sources
// (docs/jpki-card.md §4.2, §9). Only advice for a bug report: the module detects the
// card by its applet, never by ATR, so an unknown ATR is not an error.
#pragma once

#include <string>

#include "apdu/bytes.h"

namespace jpki::tool {

enum class AtrKind {
  kKnownContact,      // one of the contact ATRs OpenSC registers for JPKI
  kKnownContactless,  // one of the contactless (PC/SC part 3, Type B) ATRs OpenSC registers
  kContactlessPupi,   // 3B 88 80 01 + 4 bytes that vary (the card's random PUPI) + 5 bytes
  kUnknown,
};

struct AtrClass {
  AtrKind kind = AtrKind::kUnknown;
  std::string label;  // OpenSC's name for a known ATR ("JPKI (02)"), else empty
};

AtrClass classify_atr(ByteView atr);
// Stable word for JSON and the bug report: contact, contactless, contactless_pupi, unknown.
const char* atr_kind_word(AtrKind kind);

}  // namespace jpki::tool
