// ISO 7816-4 command APDUs: encoding (cases 1-4, short and extended) and parsing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "apdu/bytes.h"

namespace jpki::apdu {

inline constexpr std::size_t kMaxShortLc = 255;
inline constexpr std::size_t kMaxShortLe = 256;  // encoded as 00
inline constexpr std::size_t kMaxExtendedLc = 65535;
inline constexpr std::size_t kMaxExtendedLe = 65536;  // encoded as 00 00

enum class Case { k1, k2, k3, k4 };

struct Command {
  std::uint8_t cla = 0;
  std::uint8_t ins = 0;
  std::uint8_t p1 = 0;
  std::uint8_t p2 = 0;
  Bytes data;                     // empty: no Lc field
  std::optional<std::size_t> le;  // nullopt: no Le field; 1..65536 otherwise
  bool extended = false;          // only meaningful when it is needed or wanted

  [[nodiscard]] Case apdu_case() const;
  // True when the command can only be sent in extended form.
  [[nodiscard]] bool needs_extended() const;
  // Encodes; uses extended form when `extended` is set or needed.
  // Throws std::length_error for Lc > 65535 or Le outside 1..65536.
  [[nodiscard]] Bytes encode() const;

  friend bool operator==(const Command&, const Command&) = default;
};

// Parses a command APDU as a card would. nullopt = malformed length fields
// (a card answers 6700).
std::optional<Command> parse_command(ByteView raw);

}  // namespace jpki::apdu
