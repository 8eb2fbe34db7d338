#include "common/log.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <mutex>

#include "common/immortal.h"

namespace jpki::log {
namespace {
struct Closer {
  void operator()(FILE* f) const {
    if (f != nullptr && f != stderr) {
      std::fclose(f);
    }
  }
};
std::mutex g_mutex;
// Still open while a host's exit handlers call into the module (see immortal.h).
Immortal<std::unique_ptr<FILE, Closer>> g_file_storage;
std::unique_ptr<FILE, Closer>& g_file = g_file_storage.value;
bool g_enabled = false;
}  // namespace

void reopen() {
  std::lock_guard lock(g_mutex);
  g_file.reset();
  g_enabled = false;
  const char* where = std::getenv("JPKI_PKCS11_DEBUG");
  if (where == nullptr || *where == '\0' || std::string(where) == "0") {
    return;
  }
  const std::string w = where;
  g_file.reset(w == "1" || w == "stderr" ? stderr : std::fopen(where, "a"));
  g_enabled = g_file != nullptr;
}

void before_fork() { g_mutex.lock(); }  // NOLINT: released in after_fork
void after_fork() { g_mutex.unlock(); }

bool enabled() {
  std::lock_guard lock(g_mutex);
  return g_enabled;
}

void line(const std::string& text) {
  std::lock_guard lock(g_mutex);
  if (!g_enabled) {
    return;
  }
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  std::fprintf(g_file.get(), "jpki-pkcs11 %ld.%03ld %s\n", static_cast<long>(ts.tv_sec), ts.tv_nsec / 1000000,
               text.c_str());
  std::fflush(g_file.get());
}

}  // namespace jpki::log
