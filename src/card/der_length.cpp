#include "card/der_length.h"

#include <algorithm>

namespace jpki::card {

std::optional<std::size_t> der_sequence_length(ByteView h) {
  if (h.size() < 2 || h[0] != 0x30) {
    return std::nullopt;
  }
  if ((h[1] & 0x80) == 0) {
    return 2 + static_cast<std::size_t>(h[1]);
  }
  const std::size_t n = h[1] & 0x7F;
  if (n == 0 || n > 3 || h.size() < 2 + n) {
    return std::nullopt;  // indefinite or absurd
  }
  std::size_t len = 0;
  for (std::size_t i = 0; i < n; ++i) {
    len = (len << 8) | h[2 + i];
  }
  return 2 + n + len;
}

std::size_t der_header_size(ByteView h) {
  if (h.size() < 2 || (h[1] & 0x80) == 0) {
    return 2;
  }
  return 2 + std::min<std::size_t>(h[1] & 0x7F, 4);  // more than 3 is refused anyway
}

}  // namespace jpki::card
