// A global that is constructed like any other but never destroyed.
// Host programs call into the module from their own exit handlers (pdfsig's
// NSS_Shutdown calls C_CloseAllSessions and C_Finalize), which run after this
// library's static destructors: what those calls touch must still be alive.
// The memory goes with the process.
#pragma once

#include <utility>

namespace jpki {

template <typename T>
union Immortal {
  T value;
  template <typename... Args>
  explicit Immortal(Args&&... args) : value(std::forward<Args>(args)...) {}
  ~Immortal() {}  // NOLINT(modernize-use-equals-default): must not destroy `value`
  Immortal(const Immortal&) = delete;
  Immortal& operator=(const Immortal&) = delete;
};

}  // namespace jpki
