#include "pkcs11/pinentry.h"

#include <openssl/crypto.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <stdexcept>

extern char** environ;

namespace jpki::pkcs11 {
namespace {

constexpr const char* kCancelled = "83886179";  // GPG_ERR_CANCELED in the pinentry's ERR line
constexpr std::size_t kMaxLine = 4096;

// One pinentry process on one end of a socket pair (sockets, so that a dead
// pinentry gives EPIPE instead of SIGPIPE in the host application).
class Pinentry {
 public:
  explicit Pinentry(const std::string& program) {
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
    expect_ok("greeting");
  }
  ~Pinentry() {
    if (fd_ >= 0) {
      try {
        send_line("BYE");
      } catch (const std::runtime_error&) {  // it went away already
      }
      ::close(fd_);
    }
    if (pid_ > 0) {
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    OPENSSL_cleanse(buf_.data(), buf_.size());
  }
  Pinentry(const Pinentry&) = delete;
  Pinentry& operator=(const Pinentry&) = delete;

  void command(const std::string& name, const std::string& arg) {
    send_line(name + " " + assuan_escape(arg));
    expect_ok(name.c_str());
  }

  // A command whose refusal is an answer (MESSAGE: the window was closed).
  void command_any_answer(const std::string& name) {
    send_line(name);
    std::string line;
    do {
      read_line(line);
    } while (line.rfind("OK", 0) != 0 && line.rfind("ERR", 0) != 0);
  }

  // GETPIN: true with the PIN, false when the holder cancelled.
  bool get_pin(card::SecureString& pin) {
    send_line("GETPIN");
    pin.wipe();
    pin.str().reserve(kMaxLine);  // no reallocation: every byte written is wiped with it
    for (;;) {
      card::SecureString line;
      line.str().reserve(kMaxLine + 1);
      read_line(line.str());
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

  void read_line(std::string& line) {
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

  void expect_ok(const char* what) {
    std::string line;
    for (;;) {
      read_line(line);
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

  int fd_ = -1;
  pid_t pid_ = -1;
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

void show_message(const std::string& program, const PinPrompt& text) {
  Pinentry p(program);
  p.command("SETTITLE", text.title);
  p.command("SETDESC", text.description);
  p.command_any_answer("MESSAGE");
}

PinEntryResult ask_pin(const std::string& program, const PinPrompt& text, const ShapeCheck& check,
                       card::SecureString& pin, int attempts) {
  Pinentry p(program);
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
