// The simulator's APDU log: "C: <hex>" / "R: <hex>" lines, flushed per line.
// VERIFY and CHANGE REFERENCE DATA data are never written.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "apdu/bytes.h"

namespace jpki::sim {

class ApduLog {
 public:
  explicit ApduLog(const std::string& path);
  void command(ByteView apdu);
  void response(ByteView apdu);
  void note(const std::string& text);

 private:
  struct Closer {
    void operator()(FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<FILE, Closer> file_;
};

// The command as it may be logged: PIN-bearing data replaced by "<redacted N bytes>".
std::string redacted_hex(ByteView apdu);

}  // namespace jpki::sim
