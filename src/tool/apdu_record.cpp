#include "tool/apdu_record.h"

#include <array>

#include "apdu/jpki.h"

namespace jpki::tool {

std::string sw_hex(std::uint16_t sw) {
  const std::array<std::uint8_t, 2> bytes{static_cast<std::uint8_t>(sw >> 8),
                                          static_cast<std::uint8_t>(sw & 0xFF)};
  std::string hex = to_hex(bytes);  // "62 82"
  hex.erase(2, 1);
  return hex;
}

std::string command_name(ByteView command) {
  if (command.size() < 4) {
    return "?";
  }
  switch (command[1]) {
    case apdu::ins::kSelect:
      return "SELECT";
    case apdu::ins::kReadBinary:
      return "READ BINARY";
    case apdu::ins::kVerify:
      return command.size() == 4 ? "VERIFY (query)" : "VERIFY";
    case apdu::ins::kChangeReferenceData:
      return "CHANGE REFERENCE DATA";
    case apdu::ins::kComputeSignature:
      return "COMPUTE DIGITAL SIGNATURE";
    case apdu::ins::kGetResponse:
      return "GET RESPONSE";
    default:
      return "INS " + to_hex(command.subspan(1, 1));
  }
}

card::ApduTrace ApduRecorder::trace() {
  return [this](ByteView command, ByteView response) { add(command, response); };
}

void ApduRecorder::add(ByteView command, ByteView response) {
  ApduRecord r;
  r.name = command_name(command);
  if (command.size() >= 4) {
    r.ins = command[1];
    r.p1 = command[2];
  }
  // Second guard after the driver's: nothing that can carry a PIN or signature input is shown whole.
  const bool secret = command.size() > 4 &&
                      (command[1] == apdu::ins::kVerify || command[1] == apdu::ins::kChangeReferenceData ||
                       command[1] == apdu::ins::kComputeSignature);
  r.command = secret ? to_hex(command.first(4)) + " <" + std::to_string(command.size() - 4) + " bytes>"
                     : to_hex(command);
  if (response.size() >= 2) {
    r.sw = static_cast<std::uint16_t>((response[response.size() - 2] << 8) | response[response.size() - 1]);
    r.data_bytes = response.size() - 2;
  }
  records_.push_back(std::move(r));
}

std::vector<SwCount> ApduRecorder::histogram() const {
  std::vector<std::string> order;  // commands in the order first seen
  for (const ApduRecord& r : records_) {
    bool seen = false;
    for (const auto& o : order) {
      seen = seen || o == r.name;
    }
    if (!seen) {
      order.push_back(r.name);
    }
  }
  std::vector<SwCount> out;
  for (const auto& name : order) {
    const std::size_t first = out.size();
    for (const ApduRecord& r : records_) {
      if (r.name != name) {
        continue;
      }
      bool counted = false;
      for (std::size_t i = first; i < out.size() && !counted; ++i) {
        if (out[i].sw == r.sw) {
          ++out[i].count;
          counted = true;
        }
      }
      if (!counted) {
        out.push_back({name, r.sw, 1});
      }
    }
  }
  return out;
}

std::string histogram_line(const std::vector<SwCount>& counts) {
  std::string out;
  const std::string* last = nullptr;
  for (const SwCount& c : counts) {
    if (!out.empty()) {
      out += ", ";
    }
    if (last == nullptr || *last != c.command) {
      out += c.command + " ";
    }
    out += sw_hex(c.sw) + " x" + std::to_string(c.count);
    last = &c.command;
  }
  return out;
}

}  // namespace jpki::tool
