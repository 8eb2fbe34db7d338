// Every APDU of a diagnose run as the card driver's trace reports it: the
// command (the driver already cut PIN data; we cut it again), the status word
// and how many data bytes came back. Response data itself is never kept.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "apdu/bytes.h"
#include "card/jpki_card.h"

namespace jpki::tool {

struct ApduRecord {
  std::string command;  // hex, PIN-carrying commands cut to their header
  std::string name;     // "SELECT", "READ BINARY", "VERIFY (query)", ...
  std::uint8_t ins = 0;
  std::uint8_t p1 = 0;
  std::uint16_t sw = 0;
  std::size_t data_bytes = 0;
};

struct SwCount {
  std::string command;
  std::uint16_t sw = 0;
  int count = 0;
};

class ApduRecorder {
 public:
  // The callback to hand to JpkiCard; it refers to this recorder.
  card::ApduTrace trace();
  void add(ByteView command, ByteView response);
  [[nodiscard]] const std::vector<ApduRecord>& records() const { return records_; }
  // Per command, per status word, in the order first seen.
  [[nodiscard]] std::vector<SwCount> histogram() const;

 private:
  std::vector<ApduRecord> records_;
};

std::string command_name(ByteView command);
std::string sw_hex(std::uint16_t sw);  // "6282"
// "SELECT 9000 x3, READ BINARY 9000 x4, 6282 x1"
std::string histogram_line(const std::vector<SwCount>& counts);

}  // namespace jpki::tool
