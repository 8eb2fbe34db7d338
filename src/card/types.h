// Vocabulary of the card driver: which PIN, which certificate, what the card said.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace jpki::card {

enum class KeyKind { kAuth, kSign };  // 利用者証明用 / 署名用: one PIN and one key each

enum class CertKind { kAuth, kAuthCa, kSign, kSignCa };

struct PinRules {
  std::size_t min_len;
  std::size_t max_len;
  int max_tries;
};
inline constexpr PinRules kAuthPinRules{4, 4, 3};
inline constexpr PinRules kSignPinRules{6, 16, 5};
constexpr const PinRules& pin_rules(KeyKind k) { return k == KeyKind::kAuth ? kAuthPinRules : kSignPinRules; }

struct PinStatus {
  int tries_left = 0;  // 0 means blocked
  [[nodiscard]] bool blocked() const { return tries_left <= 0; }
};

// Why a card operation failed, in terms the PKCS#11 layer can map to CKR_ codes.
enum class CardErrorKind {
  kPinIncorrect,          // 63Cx, x >= 1 (tries_left says how many remain)
  kPinLocked,             // 63C0, 6983, 6984, or counter already 0 (no VERIFY sent)
  kSecurityNotSatisfied,  // 6982: needs a PIN first
  kNotJpki,               // SELECT of the applet or EF 0006 failed: not a My Number Card
  kFileNotFound,          // 6A82
  kInvalidInput,          // our own input was refused before sending (length etc.)
  kBadResponse,           // the card answered something a JPKI card does not (garbage, truncation, loops)
  kUnexpectedStatus,      // a status word we have no meaning for
};

class CardError : public std::runtime_error {
 public:
  CardError(CardErrorKind kind, const std::string& what, int tries_left = -1)
      : std::runtime_error(what), kind_(kind), tries_left_(tries_left) {}
  [[nodiscard]] CardErrorKind kind() const { return kind_; }
  [[nodiscard]] int tries_left() const { return tries_left_; }

 private:
  CardErrorKind kind_;
  int tries_left_;
};

}  // namespace jpki::card
