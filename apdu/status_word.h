// ISO 7816-4 status words, with names for those the JPKI applet uses.
#pragma once

#include <cstdint>
#include <string>

namespace jpki::apdu {

class StatusWord {
 public:
  static constexpr std::uint16_t kSuccess = 0x9000;
  static constexpr std::uint16_t kEndOfFile = 0x6282;               // data + warning: end of file before Le
  static constexpr std::uint16_t kWrongLength = 0x6700;             // Lc/Le not accepted
  static constexpr std::uint16_t kSecurityNotSatisfied = 0x6982;    // e.g. EF 0001 before sign PIN
  static constexpr std::uint16_t kAuthMethodBlocked = 0x6983;       // seen as "blocked" by one source
  static constexpr std::uint16_t kReferenceDataNotUsable = 0x6984;  // PIN blocked, after 63C0
  static constexpr std::uint16_t kConditionsNotSatisfied = 0x6985;
  static constexpr std::uint16_t kCommandNotAllowedNoEf = 0x6986;
  static constexpr std::uint16_t kFileNotFound = 0x6A82;
  static constexpr std::uint16_t kIncorrectP1P2 = 0x6A86;
  static constexpr std::uint16_t kWrongP1P2 = 0x6B00;  // READ BINARY past end of file
  static constexpr std::uint16_t kInsNotSupported = 0x6D00;
  static constexpr std::uint16_t kClaNotSupported = 0x6E00;
  static constexpr std::uint16_t kNoPreciseDiagnosis = 0x6F00;
  static constexpr std::uint16_t kWrongData = 0x6A80;

  constexpr StatusWord() = default;
  constexpr explicit StatusWord(std::uint16_t value) : value_(value) {}
  constexpr StatusWord(std::uint8_t sw1, std::uint8_t sw2)
      : value_(static_cast<std::uint16_t>((sw1 << 8) | sw2)) {}

  [[nodiscard]] constexpr std::uint16_t value() const { return value_; }
  [[nodiscard]] constexpr std::uint8_t sw1() const { return static_cast<std::uint8_t>(value_ >> 8); }
  [[nodiscard]] constexpr std::uint8_t sw2() const { return static_cast<std::uint8_t>(value_ & 0xFF); }

  [[nodiscard]] constexpr bool ok() const { return value_ == kSuccess; }
  // 63Cx: wrong PIN or retry-query answer; x = tries left (0 = the try that blocked it).
  [[nodiscard]] constexpr bool is_retry_counter() const { return (value_ & 0xFFF0) == 0x63C0; }
  [[nodiscard]] constexpr int tries_left() const { return value_ & 0x0F; }
  // The card will never accept this PIN again (63C0, 6983, 6984).
  [[nodiscard]] constexpr bool pin_blocked() const {
    return value_ == 0x63C0 || value_ == kAuthMethodBlocked || value_ == kReferenceDataNotUsable;
  }
  // 61xx: response bytes waiting for GET RESPONSE; xx = count (00 = 256).
  [[nodiscard]] constexpr bool more_data() const { return sw1() == 0x61; }
  // 6Cxx: resend with Le = xx.
  [[nodiscard]] constexpr bool wrong_le() const { return sw1() == 0x6C; }

  [[nodiscard]] std::string name() const;  // "6982 security status not satisfied"
  friend constexpr bool operator==(StatusWord a, StatusWord b) = default;

 private:
  std::uint16_t value_ = 0;
};

}  // namespace jpki::apdu
