#include "sim/vpcd_link.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace jpki::sim {
namespace {
// vpcd writes the length and the APDU in two writes; without QUICKACK every
// APDU waits ~40 ms for a delayed ACK. QUICKACK is not sticky: re-arm per read.
void quickack(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}
}  // namespace

bool VpcdLink::connect() {
  close();
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  if (inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1 ||
      ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {  // NOLINT: sockaddr cast
    ::close(fd);
    return false;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  quickack(fd);
  fd_ = fd;
  return true;
}

void VpcdLink::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool VpcdLink::read_exact(std::uint8_t* dst, std::size_t n) {
  while (n > 0) {
    const ssize_t got = ::recv(fd_, dst, n, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    quickack(fd_);
    dst += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

std::optional<Bytes> VpcdLink::receive() {
  std::uint8_t len[2];
  if (!read_exact(len, 2)) return std::nullopt;
  Bytes payload(static_cast<std::size_t>((len[0] << 8) | len[1]));
  if (!payload.empty() && !read_exact(payload.data(), payload.size())) return std::nullopt;
  return payload;
}

bool VpcdLink::send(ByteView payload) {
  if (payload.size() > 0xFFFF) return false;
  Bytes msg{static_cast<std::uint8_t>(payload.size() >> 8), static_cast<std::uint8_t>(payload.size() & 0xFF)};
  msg.insert(msg.end(), payload.begin(), payload.end());
  const std::uint8_t* p = msg.data();
  std::size_t left = msg.size();
  while (left > 0) {
    const ssize_t n = ::send(fd_, p, left, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace jpki::sim
