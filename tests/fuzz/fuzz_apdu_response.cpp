// Fuzz target: what comes off the wire, parsed. Any bytes: no crash, no
// undefined behaviour, and whatever parses encodes back to what it was.
#include <cstdint>
#include <cstdlib>
#include <stdexcept>

#include "apdu/command.h"
#include "apdu/response.h"
#include "card/der_length.h"

using namespace jpki;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView in(data, size);
  if (const auto r = apdu::parse_response(in)) {
    (void)r->sw.name();
    if (r->encode() != Bytes(in.begin(), in.end())) std::abort();
    if (r->sw.is_retry_counter() && (r->sw.tries_left() < 0 || r->sw.tries_left() > 15)) std::abort();
  } else if (size >= 2) {
    std::abort();  // two bytes or more always hold a status word
  }
  if (const auto c = apdu::parse_command(in)) {
    try {
      const auto again = apdu::parse_command(c->encode());
      if (!again || again->ins != c->ins || again->data != c->data || again->le != c->le) std::abort();
    } catch (const std::length_error&) {
      std::abort();  // a command we parsed must be one we can encode
    }
  }
  if (const auto n = card::der_sequence_length(in)) {
    if (*n < 2) std::abort();
  }
  return 0;
}
