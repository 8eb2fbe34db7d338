// A Unix stream socket through which tests steer a running simulator:
// one request line in, one reply line out ("ok ..." or "error ...").
#pragma once

#include <string>

namespace jpki::sim {

class ControlServer {
 public:
  explicit ControlServer(std::string path);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  [[nodiscard]] int fd() const { return fd_; }
  // Accepts one client, reads one line; returns client fd and the line (fd -1 on failure).
  std::pair<int, std::string> accept_request();
  static void reply(int client, const std::string& text);

 private:
  std::string path_;
  int fd_ = -1;
};

// Client side: sends `line`, returns the reply.
std::string control_request(const std::string& path, const std::string& line);

}  // namespace jpki::sim
