// What the virtual card holds, and how it is kept in its state directory:
//   ef-XXXX.bin   file contents (certificates padded with FF, token info)
//   auth-key.pem, sign-key.pem   holder keys (the card's private keys)
//   pins          "auth <PIN>\nsign <PIN>\n" (the card's reference data)
//   counters      "auth <tries>\nsign <tries>\n"
//   ca/           the test CAs' keys and certificates (PEM), for tests
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "apdu/bytes.h"
#include "common/openssl_ptr.h"

namespace jpki::sim {

struct PinSlot {
  std::string pin;
  int tries = 0;
  int max_tries = 0;
};

struct CardState {
  std::map<std::uint16_t, Bytes> files;
  PinSlot auth;
  PinSlot sign;
  Pkey auth_key;
  Pkey sign_key;
};

struct InitOptions {
  std::string auth_pin = "1234";
  std::string sign_pin = "ABCDEF12";
  std::string not_after;   // YYYY-MM-DD; empty = five years from now
  std::string not_before;  // YYYY-MM-DD; empty = now
};

// Creates a new card (CAs, keys, certificates, token info) in `dir`.
void create_card(const std::filesystem::path& dir, const InitOptions& options);
CardState load_card(const std::filesystem::path& dir);
void save_counters(const std::filesystem::path& dir, const CardState& state);
void save_pins(const std::filesystem::path& dir, const CardState& state);

}  // namespace jpki::sim
