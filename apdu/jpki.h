// The JPKI applet's command set (docs/jpki-card.md §1.4), shared by the
// card driver and the simulator so both speak exactly the same bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "apdu/command.h"

namespace jpki::apdu {

inline constexpr std::array<std::uint8_t, 10> kJpkiAid{0xD3, 0x92, 0xF0, 0x00, 0x26,
                                                       0x01, 0x00, 0x00, 0x00, 0x01};

// Elementary files inside the JPKI applet.
namespace ef {
inline constexpr std::uint16_t kSignCert = 0x0001;  // readable only after sign-PIN VERIFY
inline constexpr std::uint16_t kSignCaCert = 0x0002;
inline constexpr std::uint16_t kTokenInfo = 0x0006;  // 160 bytes, "JPKIAPICCTOKEN2" first
inline constexpr std::uint16_t kCertAvailability = 0x0008;
inline constexpr std::uint16_t kAuthCert = 0x000A;
inline constexpr std::uint16_t kAuthCaCert = 0x000B;
inline constexpr std::uint16_t kAuthKey = 0x0017;
inline constexpr std::uint16_t kAuthPin = 0x0018;
inline constexpr std::uint16_t kSignKey = 0x001A;
inline constexpr std::uint16_t kSignPin = 0x001B;
}  // namespace ef

inline constexpr std::size_t kTokenInfoSize = 160;
inline constexpr std::size_t kMaxDigestInfo = 245;  // k - 11 for RSA-2048
inline constexpr std::size_t kSignatureSize = 256;

namespace ins {
inline constexpr std::uint8_t kSelect = 0xA4;
inline constexpr std::uint8_t kReadBinary = 0xB0;
inline constexpr std::uint8_t kVerify = 0x20;
inline constexpr std::uint8_t kChangeReferenceData = 0x24;
inline constexpr std::uint8_t kComputeSignature = 0x2A;
inline constexpr std::uint8_t kGetResponse = 0xC0;
}  // namespace ins

// P1 of COMPUTE DIGITAL SIGNATURE (docs/jpki-card.md §3.2).
enum class SignScheme : std::uint8_t {
  kPkcs1DigestInfo = 0x00,     // caller sends a DigestInfo; card pads PKCS#1 v1.5
  kPssPrehashedSha256 = 0x04,  // caller sends SHA-256; card does RSASSA-PSS (single source)
};

Command select_applet();                   // 00 A4 04 0C 0A <AID>
Command select_ef(std::uint16_t file_id);  // 00 A4 02 0C 02 <FID>
// 00 B0 <offset> <Le>; Le 1..256 short, up to 65536 when extended.
Command read_binary(std::uint16_t offset, std::size_t le, bool extended = false);
Command retry_query();                            // 00 20 00 80, case 1
Command verify(ByteView pin);                     // 00 20 00 80 Lc <PIN>
Command change_reference_data(ByteView new_pin);  // 00 24 01 80 Lc <PIN>
Command compute_signature(ByteView input, SignScheme scheme = SignScheme::kPkcs1DigestInfo);
Command get_response(std::size_t le);  // 00 C0 00 00 Le

}  // namespace jpki::apdu
