#include "tool/pin_input.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace jpki::tool {

std::optional<card::SecureString> read_pin(const std::string& file, const char* env, const char* prompt,
                                           int line) {
  card::SecureString pin;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in || !std::getline(in, pin.str())) return std::nullopt;
    card::SecureString next;
    for (int i = 0; i < line && std::getline(in, next.str()); ++i) pin = next;
    return pin;
  }
  if (const char* v = std::getenv(env); v != nullptr) {
    pin.str() = v;
    return pin;
  }
  const int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0) return std::nullopt;
  termios old{};
  const bool is_tty = tcgetattr(tty, &old) == 0;
  if (is_tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  (void)!::write(tty, prompt, std::char_traits<char>::length(prompt));
  char c = 0;
  while (::read(tty, &c, 1) == 1 && c != '\n' && pin.size() < 64) pin.str().push_back(c);
  if (is_tty) tcsetattr(tty, TCSAFLUSH, &old);
  (void)!::write(tty, "\n", 1);
  ::close(tty);
  return pin;
}

}  // namespace jpki::tool
