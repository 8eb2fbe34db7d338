// What a bug report needs about the machine, from what is cheap to learn:
// our version, the OS (os-release, uname) and the pcsc-lite we were built with.
#pragma once

#include <string>

namespace jpki::tool {

struct SystemInfo {
  std::string tool_version;
  std::string os;         // "Debian GNU/Linux 12 (bookworm); Linux 6.1.0-18-amd64 x86_64"
  std::string pcsc_lite;  // version of the pcsc-lite headers at build time
};

SystemInfo system_info();

}  // namespace jpki::tool
