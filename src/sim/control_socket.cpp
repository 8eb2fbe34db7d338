#include "sim/control_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace jpki::sim {
namespace {
sockaddr_un address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) throw std::invalid_argument("control socket path too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

std::string read_line(int fd) {
  std::string line;
  char c = 0;
  while (line.size() < 4096 && ::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  return line;
}
}  // namespace

ControlServer::ControlServer(std::string path) : path_(std::move(path)) {
  ::unlink(path_.c_str());
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const sockaddr_un addr = address(path_);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||  // NOLINT
      ::listen(fd_, 4) != 0) {
    throw std::runtime_error("cannot listen on " + path_);
  }
}

ControlServer::~ControlServer() {
  if (fd_ >= 0) ::close(fd_);
  ::unlink(path_.c_str());
}

std::pair<int, std::string> ControlServer::accept_request() {
  const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return {-1, {}};
  return {client, read_line(client)};
}

void ControlServer::reply(int client, const std::string& text) {
  const std::string line = text + "\n";
  (void)!::write(client, line.data(), line.size());
  ::close(client);
}

std::string control_request(const std::string& path, const std::string& line) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const sockaddr_un addr = address(path);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {  // NOLINT
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot reach the simulator at " + path);
  }
  const std::string req = line + "\n";
  (void)!::write(fd, req.data(), req.size());
  std::string reply = read_line(fd) + "\n";
  ::close(fd);
  return reply;
}

}  // namespace jpki::sim
