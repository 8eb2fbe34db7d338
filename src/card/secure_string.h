// A PIN in memory: wiped with OPENSSL_cleanse when it goes away.
#pragma once

#include <openssl/crypto.h>

#include <string>
#include <string_view>

#include "apdu/bytes.h"

namespace jpki::card {

class SecureString {
 public:
  SecureString() = default;
  explicit SecureString(std::string_view s) : value_(s) {}
  // NOLINTNEXTLINE(modernize-use-equals-default): spelled out beside the move, which differs
  SecureString(const SecureString& o) : value_(o.value_) {}
  SecureString& operator=(const SecureString& o) {
    if (this != &o) {
      wipe();
      value_ = o.value_;
    }
    return *this;
  }
  // Copy, then wipe the source: a moved-from std::string may keep the bytes.
  // NOLINTNEXTLINE(performance-move-constructor-init,cert-oop11-cpp)
  SecureString(SecureString&& o) noexcept : value_(o.value_) { o.wipe(); }
  SecureString& operator=(SecureString&& o) noexcept {
    if (this != &o) {
      wipe();
      value_ = o.value_;
      o.wipe();
    }
    return *this;
  }
  ~SecureString() { wipe(); }

  [[nodiscard]] std::string& str() { return value_; }
  [[nodiscard]] const std::string& str() const { return value_; }
  [[nodiscard]] ByteView bytes() const { return as_bytes(value_); }
  [[nodiscard]] bool empty() const { return value_.empty(); }
  [[nodiscard]] std::size_t size() const { return value_.size(); }

  void wipe() noexcept {
    if (!value_.empty()) {
      OPENSSL_cleanse(value_.data(), value_.size());
    }
    value_.clear();
  }

 private:
  std::string value_;
};

}  // namespace jpki::card
