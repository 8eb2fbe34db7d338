#include "tool/system_info.h"

#include <PCSC/pcsclite.h>
#include <sys/utsname.h>

#include <fstream>

namespace jpki::tool {
namespace {

std::string os_release_name() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) {
      continue;
    }
    std::string v = line.substr(12);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) {
      v = v.substr(1, v.size() - 2);
    }
    return v;
  }
  return {};
}

}  // namespace

SystemInfo system_info() {
  SystemInfo s;
  s.tool_version = JPKI_TOOL_VERSION;
  s.os = os_release_name();
  utsname u{};
  if (uname(&u) == 0) {
    if (!s.os.empty()) {
      s.os += "; ";
    }
    s.os += std::string(u.sysname) + " " + u.release + " " + u.machine;
  }
  s.pcsc_lite = PCSCLITE_VERSION_NUMBER;
  return s;
}

}  // namespace jpki::tool
