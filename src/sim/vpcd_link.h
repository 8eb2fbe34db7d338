// The card side of vsmartcard's vpcd protocol: a TCP client to the reader
// driver. Each message is a 2-byte big-endian length and a payload; a 1-byte
// payload is a control code (power off/on, reset, get ATR), longer ones are APDUs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "apdu/bytes.h"

namespace jpki::sim {

class VpcdLink {
 public:
  static constexpr std::uint8_t kPowerOff = 0x00;
  static constexpr std::uint8_t kPowerOn = 0x01;
  static constexpr std::uint8_t kReset = 0x02;
  static constexpr std::uint8_t kGetAtr = 0x04;

  VpcdLink(std::string host, std::uint16_t port) : host_(std::move(host)), port_(port) {}
  ~VpcdLink() { close(); }
  VpcdLink(const VpcdLink&) = delete;
  VpcdLink& operator=(const VpcdLink&) = delete;

  bool connect();  // one attempt; false when vpcd is not listening (yet)
  void close();
  [[nodiscard]] bool connected() const { return fd_ >= 0; }
  [[nodiscard]] int fd() const { return fd_; }
  // A whole message; nullopt when vpcd closed the connection.
  std::optional<Bytes> receive();
  bool send(ByteView payload);

 private:
  bool read_exact(std::uint8_t* dst, std::size_t n);
  std::string host_;
  std::uint16_t port_;
  int fd_ = -1;
};

}  // namespace jpki::sim
