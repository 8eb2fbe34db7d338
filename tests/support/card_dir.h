// A virtual card's state directory for in-process tests: one template card per
// process (RSA key generation is the slow part), copied fresh for each user and
// removed again.
#pragma once

#include <filesystem>
#include <string>

namespace jpki::test {

class CardDir {
 public:
  // A fresh copy of the template card; `tag` keeps copies in one process apart.
  explicit CardDir(const std::string& tag);
  ~CardDir();
  CardDir(const CardDir&) = delete;
  CardDir& operator=(const CardDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  // The template itself (auth PIN 1234, signing PIN ABCDEF12), made on first use.
  static const std::filesystem::path& template_dir();

 private:
  std::filesystem::path path_;
};

}  // namespace jpki::test
