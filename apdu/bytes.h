// Byte buffers shared by every layer, and hex helpers for logs and tests.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace jpki {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// "00 A4 04 0C" style, upper case, single spaces.
std::string to_hex(ByteView bytes);
// Accepts hex with optional spaces or colons; throws std::invalid_argument on anything else.
Bytes from_hex(std::string_view hex);

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};  // NOLINT: byte view of chars
}

}  // namespace jpki
