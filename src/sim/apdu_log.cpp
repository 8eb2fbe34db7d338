#include "sim/apdu_log.h"

#include <stdexcept>

#include "apdu/command.h"
#include "apdu/jpki.h"

namespace jpki::sim {

std::string redacted_hex(ByteView apdu) {
  if (apdu.size() >= 2 && (apdu[1] == apdu::ins::kVerify || apdu[1] == apdu::ins::kChangeReferenceData)) {
    const auto cmd = apdu::parse_command(apdu);
    if (!cmd) return to_hex(apdu.first(4)) + " <redacted " + std::to_string(apdu.size() - 4) + " bytes>";
    if (!cmd->data.empty()) {
      return to_hex(apdu.first(4)) + " <redacted " + std::to_string(cmd->data.size()) + " bytes>";
    }
  }
  return to_hex(apdu);
}

ApduLog::ApduLog(const std::string& path) {
  if (path.empty()) return;
  file_.reset(std::fopen(path.c_str(), "a"));
  if (!file_) throw std::runtime_error("cannot open log " + path);
}

void ApduLog::command(ByteView apdu) {
  if (file_) std::fprintf(file_.get(), "C: %s\n", redacted_hex(apdu).c_str());
  if (file_) std::fflush(file_.get());
}

void ApduLog::response(ByteView apdu) {
  if (file_) std::fprintf(file_.get(), "R: %s\n", to_hex(apdu).c_str());
  if (file_) std::fflush(file_.get());
}

void ApduLog::note(const std::string& text) {
  if (file_) std::fprintf(file_.get(), "# %s\n", text.c_str());
  if (file_) std::fflush(file_.get());
}

}  // namespace jpki::sim
