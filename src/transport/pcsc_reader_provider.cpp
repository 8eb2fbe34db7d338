#include "transport/pcsc_reader_provider.h"

#include <cstring>
#include <vector>

#include "transport/pcsc_channel.h"

namespace jpki::transport {

namespace {
// What a context made with a pcscd that has since stopped or restarted answers.
// SCardIsValidContext still says yes to it: it asks only the client library.
bool service_lost(LONG rv) {
  return rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED || rv == SCARD_E_INVALID_HANDLE ||
         rv == SCARD_F_COMM_ERROR;
}
}  // namespace

PcscReaderProvider::PcscReaderProvider(std::string filter) : filter_(std::move(filter)) {}

void PcscReaderProvider::renew_list_context() {
  auto fresh = std::make_unique<PcscContext>();
  if (list_context_) {
    ++restarts_;  // the card handles made with the old one are dead too
  }
  list_context_ = std::move(fresh);
}

std::vector<std::string> PcscReaderProvider::reader_names() {
  if (!list_context_ || SCardIsValidContext(list_context_->get()) != SCARD_S_SUCCESS) {
    renew_list_context();
  }
  DWORD len = 0;
  LONG rv = SCardListReaders(list_context_->get(), nullptr, nullptr, &len);
  if (service_lost(rv)) {  // pcscd restarted under us: a new context talks to the new one
    renew_list_context();
    rv = SCardListReaders(list_context_->get(), nullptr, nullptr, &len);
  }
  if (rv == SCARD_E_NO_READERS_AVAILABLE) {
    return {};
  }
  check_pcsc(rv, "SCardListReaders");
  std::vector<char> buf(len);
  rv = SCardListReaders(list_context_->get(), nullptr, buf.data(), &len);
  if (rv == SCARD_E_NO_READERS_AVAILABLE) {
    return {};
  }
  check_pcsc(rv, "SCardListReaders");
  std::vector<std::string> names;
  for (const char* p = buf.data(); p < buf.data() + len && *p != '\0'; p += std::strlen(p) + 1) {
    if (filter_.empty() || std::strstr(p, filter_.c_str()) != nullptr) {
      names.emplace_back(p);
    }
  }
  return names;
}

std::vector<ReaderState> PcscReaderProvider::readers() {
  std::lock_guard lock(mutex_);
  const auto names = reader_names();
  std::vector<ReaderState> out;
  if (names.empty()) {
    return out;
  }
  std::vector<SCARD_READERSTATE> states(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    states[i].szReader = names[i].c_str();
    states[i].dwCurrentState = SCARD_STATE_UNAWARE;
  }
  const LONG rv =
      SCardGetStatusChange(list_context_->get(), 0, states.data(), static_cast<DWORD>(states.size()));
  if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
    check_pcsc(rv, "SCardGetStatusChange");
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    const DWORD ev = states[i].dwEventState;
    // pcsc-lite counts insertions and removals in bits 16-31; a new pcscd counts
    // from 0 again, so the restarts we saw go above them.
    out.push_back({names[i], (ev & SCARD_STATE_PRESENT) != 0 && (ev & SCARD_STATE_MUTE) == 0,
                   static_cast<std::uint32_t>(((ev >> 16) & 0xFFFF) | (restarts_ << 16))});
  }
  return out;
}

std::unique_ptr<CardChannel> PcscReaderProvider::connect(const std::string& reader) {
  return std::make_unique<PcscChannel>(reader);
}

bool PcscReaderProvider::wait_for_change(std::chrono::milliseconds timeout) {
  std::lock_guard wait_lock(wait_mutex_);
  if (!wait_context_ || SCardIsValidContext(wait_context_->get()) != SCARD_S_SUCCESS) {
    wait_context_ = std::make_unique<PcscContext>();
  }
  std::vector<std::string> names;
  {
    std::lock_guard lock(mutex_);
    names = reader_names();
  }
  std::vector<SCARD_READERSTATE> states(names.size() + 1);
  for (std::size_t i = 0; i < names.size(); ++i) {
    states[i].szReader = names[i].c_str();
    states[i].dwCurrentState = SCARD_STATE_UNAWARE;
  }
  states.back().szReader = "\\\\?PnP?\\Notification";
  states.back().dwCurrentState = static_cast<DWORD>(names.size()) << 16;
  const SCARDCONTEXT ctx = wait_context_->get();
  // First call learns the current state, the second waits for a change.
  LONG rv = SCardGetStatusChange(ctx, 0, states.data(), static_cast<DWORD>(states.size()));
  if (service_lost(rv)) {
    wait_context_.reset();
  }
  if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
    check_pcsc(rv, "SCardGetStatusChange");
  }
  for (auto& s : states) {
    s.dwCurrentState = s.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
  }
  {
    std::lock_guard lock(cancel_mutex_);
    waiting_ = ctx;
  }
  rv = SCardGetStatusChange(ctx, static_cast<DWORD>(timeout.count()), states.data(),
                            static_cast<DWORD>(states.size()));
  {
    std::lock_guard lock(cancel_mutex_);
    waiting_ = 0;
  }
  if (rv == SCARD_E_TIMEOUT || rv == SCARD_E_CANCELLED) {
    return false;
  }
  if (service_lost(rv)) {
    wait_context_.reset();  // the next wait starts with the new pcscd
  }
  check_pcsc(rv, "SCardGetStatusChange");
  return true;
}

void PcscReaderProvider::cancel() {
  std::lock_guard lock(cancel_mutex_);
  if (waiting_ != 0) {
    SCardCancel(waiting_);
  }
}

}  // namespace jpki::transport
