#include "apdu/command.h"

#include <stdexcept>

namespace jpki::apdu {

Case Command::apdu_case() const {
  if (data.empty()) return le ? Case::k2 : Case::k1;
  return le ? Case::k4 : Case::k3;
}

bool Command::needs_extended() const { return data.size() > kMaxShortLc || (le && *le > kMaxShortLe); }

Bytes Command::encode() const {
  if (data.size() > kMaxExtendedLc) throw std::length_error("APDU data longer than 65535 bytes");
  if (le && (*le == 0 || *le > kMaxExtendedLe)) throw std::length_error("APDU Le outside 1..65536");
  const bool ext = extended || needs_extended();
  Bytes out{cla, ins, p1, p2};
  out.reserve(4 + 3 + data.size() + 3);
  if (!data.empty()) {
    if (ext) {
      out.push_back(0x00);
      out.push_back(static_cast<std::uint8_t>(data.size() >> 8));
      out.push_back(static_cast<std::uint8_t>(data.size() & 0xFF));
    } else {
      out.push_back(static_cast<std::uint8_t>(data.size()));
    }
    out.insert(out.end(), data.begin(), data.end());
  }
  if (le) {
    if (ext) {
      if (data.empty()) out.push_back(0x00);  // case 2E: 00 Le1 Le2
      const std::size_t v = *le == kMaxExtendedLe ? 0 : *le;
      out.push_back(static_cast<std::uint8_t>(v >> 8));
      out.push_back(static_cast<std::uint8_t>(v & 0xFF));
    } else {
      out.push_back(static_cast<std::uint8_t>(*le == kMaxShortLe ? 0 : *le));
    }
  }
  return out;
}

std::optional<Command> parse_command(ByteView raw) {
  if (raw.size() < 4) return std::nullopt;
  Command c{raw[0], raw[1], raw[2], raw[3], {}, std::nullopt, false};
  const auto body = raw.subspan(4);
  if (body.empty()) return c;  // case 1
  if (body.size() == 1) {      // case 2S
    c.le = body[0] == 0 ? kMaxShortLe : body[0];
    return c;
  }
  if (body[0] != 0) {  // short Lc
    const std::size_t lc = body[0];
    if (body.size() == 1 + lc) {
      c.data.assign(body.begin() + 1, body.end());
      return c;
    }
    if (body.size() == 2 + lc) {
      c.data.assign(body.begin() + 1, body.begin() + 1 + static_cast<std::ptrdiff_t>(lc));
      c.le = body.back() == 0 ? kMaxShortLe : body.back();
      return c;
    }
    return std::nullopt;
  }
  // Extended: first body byte 00, then two-byte Lc or Le.
  if (body.size() < 3) return std::nullopt;
  c.extended = true;
  const std::size_t n = (static_cast<std::size_t>(body[1]) << 8) | body[2];
  if (body.size() == 3) {  // case 2E
    c.le = n == 0 ? kMaxExtendedLe : n;
    return c;
  }
  if (n == 0) return std::nullopt;
  if (body.size() == 3 + n) {  // case 3E
    c.data.assign(body.begin() + 3, body.end());
    return c;
  }
  if (body.size() == 5 + n) {  // case 4E
    c.data.assign(body.begin() + 3, body.begin() + 3 + static_cast<std::ptrdiff_t>(n));
    const std::size_t le = (static_cast<std::size_t>(body[3 + n]) << 8) | body[4 + n];
    c.le = le == 0 ? kMaxExtendedLe : le;
    return c;
  }
  return std::nullopt;
}

}  // namespace jpki::apdu
