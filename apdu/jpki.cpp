#include "apdu/jpki.h"

#include <stdexcept>

namespace jpki::apdu {

Command select_applet() {
  return Command{0x00, ins::kSelect, 0x04, 0x0C, Bytes(kJpkiAid.begin(), kJpkiAid.end()), {}, false};
}

Command select_ef(std::uint16_t file_id) {
  return Command{0x00,
                 ins::kSelect,
                 0x02,
                 0x0C,
                 Bytes{static_cast<std::uint8_t>(file_id >> 8), static_cast<std::uint8_t>(file_id & 0xFF)},
                 {},
                 false};
}

Command read_binary(std::uint16_t offset, std::size_t le, bool extended) {
  if (offset > 0x7FFF) throw std::out_of_range("READ BINARY offset above 0x7FFF");
  return Command{0x00,
                 ins::kReadBinary,
                 static_cast<std::uint8_t>(offset >> 8),
                 static_cast<std::uint8_t>(offset & 0xFF),
                 {},
                 le,
                 extended};
}

Command retry_query() { return Command{0x00, ins::kVerify, 0x00, 0x80, {}, {}, false}; }

Command verify(ByteView pin) {
  // An empty VERIFY is the retry query; refuse to build one by accident.
  if (pin.empty()) throw std::invalid_argument("VERIFY needs a PIN");
  return Command{0x00, ins::kVerify, 0x00, 0x80, Bytes(pin.begin(), pin.end()), {}, false};
}

Command change_reference_data(ByteView new_pin) {
  if (new_pin.empty()) throw std::invalid_argument("CHANGE REFERENCE DATA needs a PIN");
  return Command{0x00, ins::kChangeReferenceData, 0x01, 0x80, Bytes(new_pin.begin(), new_pin.end()), {},
                 false};
}

Command compute_signature(ByteView input, SignScheme scheme) {
  if (input.empty() || input.size() > kMaxDigestInfo) throw std::length_error("signature input length");
  return Command{0x80,
                 ins::kComputeSignature,
                 static_cast<std::uint8_t>(scheme),
                 0x80,
                 Bytes(input.begin(), input.end()),
                 kMaxShortLe,
                 false};
}

Command get_response(std::size_t le) { return Command{0x00, ins::kGetResponse, 0x00, 0x00, {}, le, false}; }

}  // namespace jpki::apdu
