// Which way the virtual card answers where the card facts are uncertain
// (docs/jpki-card.md §9): `jpki-sim serve --variant SPEC`.
//
// SPEC is a comma-separated list of key=value; empty is the default card. Every field
// below is one key; its default is the simulator's original behaviour. The keys and
// values are a contract other code is written against: do not rename them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "apdu/bytes.h"

namespace jpki::sim {

struct Variant {
  enum class TokenName { kCard, kAndroid, kIphone, kJuki };
  enum class CertPad { kFF, k00, kNone };
  enum class Eof { kShort, k6282, k6B00, k6Cxx, k6700 };
  enum class Extended { kYes, kNo, kTruncate };
  // kDefault: VERIFY answers 6984, the retry query 63C0 (the original simulator).
  enum class Blocked { kDefault, k6984, k6983, k63C0 };

  std::size_t token_info = 160;         // token-info: 160 | 32
  TokenName token = TokenName::kCard;   // token
  bool auth_cert_pin = false;           // auth-cert-pin (token=android sets it)
  CertPad cert_pad = CertPad::kFF;      // cert-pad
  Eof eof = Eof::kShort;                // eof
  std::size_t max_le = 256;             // max-le: 1..256; 256 caps nothing
  Extended ext = Extended::kYes;        // ext
  bool get_response = false;            // get-response
  bool fci = false;                     // fci
  Blocked blocked = Blocked::kDefault;  // blocked
  bool verified_query_9000 = false;     // verified-query: 63cx | 9000
  bool sign_pin_consumed = false;       // sign-pin: stays | consumed
  bool pss = true;                      // pss
  bool reselect_clears = true;          // reselect-clears
  std::optional<Bytes> atr;             // atr (nullopt: CardOptions::atr)

  friend bool operator==(const Variant&, const Variant&) = default;
};

// Parses SPEC. Throws std::invalid_argument naming the key or value it does not know,
// or a key given twice with different values.
Variant parse_variant(std::string_view spec);

// The token name EF 0006 starts with (space-padded to 32 bytes on the card).
std::string_view token_name(Variant::TokenName t);
// What VERIFY answers, and what the case-1 retry query answers, once the counter is 0.
std::uint16_t blocked_verify_sw(Variant::Blocked b);
std::uint16_t blocked_query_sw(Variant::Blocked b);

}  // namespace jpki::sim
