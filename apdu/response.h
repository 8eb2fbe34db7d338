// Response APDUs: data followed by SW1 SW2.
#pragma once

#include <optional>

#include "apdu/bytes.h"
#include "apdu/status_word.h"

namespace jpki::apdu {

struct Response {
  Bytes data;
  StatusWord sw;

  [[nodiscard]] bool ok() const { return sw.ok(); }
  [[nodiscard]] Bytes encode() const;
  friend bool operator==(const Response&, const Response&) = default;
};

// nullopt when fewer than two bytes arrived (no status word).
std::optional<Response> parse_response(ByteView raw);

}  // namespace jpki::apdu
