// `jpki-sim serve`: keeps the card "inserted" in vpcd's reader and answers it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "sim/virtual_card.h"

namespace jpki::sim {

// Delays that make the virtual card as slow as a real one.
struct Latency {
  int per_apdu_ms = 0;
  int per_byte_us = 0;       // command + response bytes (T=1 at ~115 kbit/s is ~90 us)
  int per_signature_ms = 0;  // RSA-2048 on the chip
};

struct ServeOptions {
  std::filesystem::path state_dir;
  std::uint16_t port = 35963;
  std::string log_path;
  std::string control_path;
  CardOptions card;
  Latency latency;
};

int serve(const ServeOptions& options);  // returns at SIGTERM/SIGINT

}  // namespace jpki::sim
