// PKCS#11 text fields (CK_INFO, CK_SLOT_INFO, CK_TOKEN_INFO): fixed size,
// blank-padded, never NUL-terminated. Longer text is cut.
#pragma once

#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <cstring>
#include <string_view>

namespace jpki::pkcs11 {

inline void pad(CK_UTF8CHAR* dst, std::size_t size, std::string_view s) {
  std::memset(dst, ' ', size);
  // NOLINTNEXTLINE(bugprone-not-null-terminated-result)
  std::memcpy(dst, s.data(), std::min(size, s.size()));
}

}  // namespace jpki::pkcs11
