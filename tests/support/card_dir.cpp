#include "tests/support/card_dir.h"

#include <unistd.h>

#include "sim/card_state.h"

namespace jpki::test {
namespace fs = std::filesystem;

namespace {
class TemplateCard {
 public:
  TemplateCard() : dir_(fs::temp_directory_path() / ("jpki-test-card-" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);
    sim::create_card(dir_, sim::InitOptions{});
  }
  ~TemplateCard() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  TemplateCard(const TemplateCard&) = delete;
  TemplateCard& operator=(const TemplateCard&) = delete;
  [[nodiscard]] const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};
}  // namespace

const fs::path& CardDir::template_dir() {
  static const TemplateCard card;
  return card.dir();
}

CardDir::CardDir(const std::string& tag) : path_(template_dir().string() + "-" + tag) {
  fs::remove_all(path_);
  fs::copy(template_dir(), path_, fs::copy_options::recursive);
}

CardDir::~CardDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

}  // namespace jpki::test
