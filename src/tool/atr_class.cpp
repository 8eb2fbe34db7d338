#include "tool/atr_class.h"

#include <algorithm>
#include <array>

namespace jpki::tool {
namespace {

struct KnownAtr {
  const char* hex;
  const char* label;  // as OpenSC's Windows installer registers it (win32/customactions.cpp)
  AtrKind kind;
};

constexpr std::array<KnownAtr, 9> kKnown{{
    {"3B E0 00 FF 81 31 FE 45 14", "JPKI", AtrKind::kKnownContact},
    {"3B DA 13 FF 81 31 FB 46 80 12 39 2F 31 C1 73 C6 01 C0 3B", "JPKI (02)", AtrKind::kKnownContact},
    {"3B C5 FF 81 31 FB 45 80 73 C6 01 00 00", "JPKI (03)", AtrKind::kKnownContact},
    {"3B F5 91 00 FF 91 81 71 FE 40 00 42 00 01 00 D1 D6", "JPKI (04)", AtrKind::kKnownContact},
    {"3B F5 91 00 FF 91 81 71 FE 40 00 42 00 01 B3 A1 15", "JPKI (05)", AtrKind::kKnownContact},
    {"3B 88 80 01 00 00 05 E0 B3 81 A1 00 7F", "JPKI (06)", AtrKind::kKnownContactless},
    {"3B 88 80 01 00 00 41 E0 B3 81 A1 00 3B", "JPKI (07)", AtrKind::kKnownContactless},
    {"3B 88 80 01 00 4B 51 FF 00 81 D1 00 BC", "JPKI (08)", AtrKind::kKnownContactless},
    {"3B 88 80 01 00 4B 51 FF B3 81 D1 00 0F", "JPKI (09)", AtrKind::kKnownContactless},
}};

// PC/SC part 3 ATR of an ISO 14443 Type B card: 3B 88 80 01, 4 bytes of ATQB
// application data, 3 of protocol info, 1 more, TCK. Some readers put the
// PUPI (random on this card, OpenSC PR #3744) where the application data go.
constexpr std::array<std::uint8_t, 4> kTypeBPrefix{0x3B, 0x88, 0x80, 0x01};
constexpr std::size_t kTypeBAtrSize = 13;

}  // namespace

AtrClass classify_atr(ByteView atr) {
  for (const KnownAtr& k : kKnown) {
    const Bytes known = from_hex(k.hex);
    if (std::equal(atr.begin(), atr.end(), known.begin(), known.end())) {
      return {k.kind, k.label};
    }
  }
  if (atr.size() == kTypeBAtrSize && std::equal(kTypeBPrefix.begin(), kTypeBPrefix.end(), atr.begin())) {
    return {AtrKind::kContactlessPupi, {}};
  }
  return {AtrKind::kUnknown, {}};
}

const char* atr_kind_word(AtrKind kind) {
  switch (kind) {
    case AtrKind::kKnownContact:
      return "contact";
    case AtrKind::kKnownContactless:
      return "contactless";
    case AtrKind::kContactlessPupi:
      return "contactless_pupi";
    case AtrKind::kUnknown:
      return "unknown";
  }
  return "unknown";
}

}  // namespace jpki::tool
