#include "pkcs11/pinentry.h"

#include <openssl/crypto.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace jpki::pkcs11 {
namespace {

constexpr const char* kCancelled = "83886179";  // GPG_ERR_CANCELED in the pinentry's ERR line
constexpr std::size_t kMaxLine = 4096;
// A pinentry answers the protocol at once; only GETPIN and MESSAGE wait for the person.
constexpr std::chrono::seconds kProtocolTimeout{10};

using Clock = std::chrono::steady_clock;

// When an answer is due, and the limit that set it (for the message).
struct Deadline {
  explicit Deadline(std::chrono::seconds l) : at(Clock::now() + l), limit(l) {}
  Clock::time_point at;
  std::chrono::seconds limit;
};

// One pinentry process on one end of a socket pair (sockets, so that a dead
// pinentry gives EPIPE instead of SIGPIPE in the host application).
class Pinentry {
 public:
  Pinentry(const std::string& program, std::chrono::seconds person_timeout)
      : protocol_timeout_(std::min<std::chrono::seconds>(kProtocolTimeout, person_timeout)),
        person_timeout_(person_timeout) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      throw std::runtime_error("socketpair");
    }
    fd_ = sv[0];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
    std::array<char*, 2> argv{const_cast<char*>(program.c_str()), nullptr};  // NOLINT: spawn's signature
    const int rc = ::posix_spawnp(&pid_, program.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(sv[1]);
    if (rc != 0) {
      ::close(fd_);
      throw std::runtime_error("cannot run pinentry '" + program + "'");
    }
    try {
      expect_ok("greeting", protocol_timeout_);
    } catch (...) {
      finish();  // no destructor runs for a half-built object: socket and child go here
      throw;
    }
  }
  ~Pinentry() { finish(); }
  Pinentry(const Pinentry&) = delete;
  Pinentry& operator=(const Pinentry&) = delete;

  void command(const std::string& name, const std::string& arg) {
    send_line(name + " " + assuan_escape(arg));
    expect_ok(name.c_str(), protocol_timeout_);
  }

  // A command whose refusal is an answer (MESSAGE: the window was closed).
  void command_any_answer(const std::string& name) {
    send_line(name);
    const Deadline deadline(person_timeout_);
    std::string line;
    do {
      read_line(line, deadline);
    } while (line.rfind("OK", 0) != 0 && line.rfind("ERR", 0) != 0);
  }

  // GETPIN: true with the PIN, false when the holder cancelled.
  bool get_pin(card::SecureString& pin) {
    send_line("GETPIN");
    const Deadline deadline(person_timeout_);
    pin.wipe();
    pin.str().reserve(kMaxLine);  // no reallocation: every byte written is wiped with it
    for (;;) {
      card::SecureString line;
      line.str().reserve(kMaxLine + 1);
      read_line(line.str(), deadline);
      const std::string& l = line.str();
      if (l.rfind("D ", 0) == 0) {
        unescape_into(l, 2, pin.str());
      } else if (l == "OK" || l.rfind("OK ", 0) == 0) {
        return true;
      } else if (l.rfind("ERR ", 0) == 0) {
        pin.wipe();
        if (l.find(kCancelled) != std::string::npos) {
          return false;
        }
        throw std::runtime_error("pinentry: " + l.substr(0, 80));
      }  // comments ("#") and status lines ("S ...") are skipped
    }
  }

 private:
  // Says goodbye, closes the socket and reaps the child; a pinentry that does
  // not leave within a second is killed (it may hang: the host must not).
  void finish() noexcept {
    if (fd_ >= 0) {
      if (!hung_) {
        try {
          send_line("BYE");
        } catch (...) {  // it went away already (and nothing may leave a noexcept function)
        }
      }
      ::close(fd_);
      fd_ = -1;
    }
    if (pid_ > 0) {
      if (hung_ || !reaped_within(std::chrono::seconds(1))) {
        ::kill(pid_, SIGTERM);
        if (!reaped_within(std::chrono::seconds(1))) {
          ::kill(pid_, SIGKILL);
          (void)reaped_within(std::chrono::hours(1));  // SIGKILL cannot be refused
        }
      }
      pid_ = -1;
    }
    OPENSSL_cleanse(buf_.data(), buf_.size());
  }

  [[nodiscard]] bool reaped_within(std::chrono::milliseconds limit) const noexcept {
    const auto deadline = Clock::now() + limit;
    for (;;) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_ || (r < 0 && errno != EINTR)) {
        return true;  // reaped, or not ours to reap (SIGCHLD ignored by the host)
      }
      if (Clock::now() >= deadline) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  void send_line(const std::string& line) {
    const std::string out = line + "\n";
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::send(fd_, out.data() + done, out.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        throw std::runtime_error("pinentry went away");
      }
      done += static_cast<std::size_t>(n);
    }
  }

  void read_line(std::string& line, const Deadline& deadline) {
    line.clear();
    for (;;) {
      if (pos_ < len_) {
        const char c = buf_[pos_++];
        if (c == '\n') {
          return;
        }
        if (line.size() >= kMaxLine) {
          throw std::runtime_error("pinentry: line too long");
        }
        line.push_back(c);
        continue;
      }
      wait_readable(deadline);
      const ssize_t n = ::recv(fd_, buf_.data(), buf_.size(), 0);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        throw std::runtime_error("pinentry closed the connection");
      }
      len_ = static_cast<std::size_t>(n);
      pos_ = 0;
    }
  }

  void wait_readable(const Deadline& deadline) {
    for (;;) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline.at - Clock::now());
      pollfd p{fd_, POLLIN, 0};
      const int n = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
      if (n > 0) {
        return;
      }
      if (n == 0) {
        hung_ = true;
        throw std::runtime_error("no answer within " + std::to_string(deadline.limit.count()) +
                                 " s: pinentry stopped");
      }
      if (errno != EINTR) {
        throw std::runtime_error("pinentry: poll failed");
      }
    }
  }

  void expect_ok(const char* what, std::chrono::seconds timeout) {
    const Deadline deadline(timeout);
    std::string line;
    for (;;) {
      read_line(line, deadline);
      if (line == "OK" || line.rfind("OK ", 0) == 0) {
        return;
      }
      if (line.rfind("ERR", 0) == 0) {
        throw std::runtime_error(std::string("pinentry refused ") + what);
      }
    }
  }

  static int hex(char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0 ? c - '0' : (c | 0x20) - 'a' + 10;
  }

  static void unescape_into(const std::string& l, std::size_t from, std::string& out) {
    for (std::size_t i = from; i < l.size(); ++i) {
      if (l[i] == '%' && i + 2 < l.size() && std::isxdigit(static_cast<unsigned char>(l[i + 1])) != 0 &&
          std::isxdigit(static_cast<unsigned char>(l[i + 2])) != 0) {
        out.push_back(static_cast<char>(hex(l[i + 1]) * 16 + hex(l[i + 2])));
        i += 2;
      } else {
        out.push_back(l[i]);
      }
    }
  }

  std::chrono::seconds protocol_timeout_;
  std::chrono::seconds person_timeout_;
  int fd_ = -1;
  pid_t pid_ = -1;
  bool hung_ = false;  // it stopped answering: no BYE, no waiting for it to leave
  std::array<char, 512> buf_{};
  std::size_t pos_ = 0;
  std::size_t len_ = 0;
};

}  // namespace

std::string assuan_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '%') {
      out += "%25";
    } else if (c == '\n') {
      out += "%0A";
    } else if (c == '\r') {
      out += "%0D";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void show_message(const std::string& program, const PinPrompt& text, std::chrono::seconds timeout) {
  Pinentry p(program, timeout);
  p.command("SETTITLE", text.title);
  p.command("SETDESC", text.description);
  p.command_any_answer("MESSAGE");
}

PinEntryResult ask_pin(const std::string& program, const PinPrompt& text, const ShapeCheck& check,
                       card::SecureString& pin, std::chrono::seconds timeout, int attempts) {
  Pinentry p(program, timeout);
  p.command("SETTITLE", text.title);
  p.command("SETDESC", text.description);
  p.command("SETPROMPT", text.prompt);
  for (int i = 0; i < attempts; ++i) {
    if (!p.get_pin(pin)) {
      return PinEntryResult::kCancelled;
    }
    const std::string error = check(pin);
    if (error.empty()) {
      return PinEntryResult::kEntered;
    }
    pin.wipe();
    if (i + 1 < attempts) {
      p.command("SETERROR", error);
    }
  }
  return PinEntryResult::kWrongShape;
}

}  // namespace jpki::pkcs11
