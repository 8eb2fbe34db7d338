// Readers and cards as pcsc-lite sees them.
#pragma once

#include <mutex>
#include <string>

#include "transport/pcsc_context.h"
#include "transport/reader_provider.h"

namespace jpki::transport {

class PcscReaderProvider final : public ReaderProvider {
 public:
  // Only readers whose name contains `filter` (empty: all).
  explicit PcscReaderProvider(std::string filter = {});

  std::vector<ReaderState> readers() override;
  std::unique_ptr<CardChannel> connect(const std::string& reader) override;
  bool wait_for_change(std::chrono::milliseconds timeout) override;
  void cancel() override;

 private:
  std::vector<std::string> reader_names();
  void renew_list_context();
  std::string filter_;
  std::mutex mutex_;  // guards list_context_ and restarts_
  std::unique_ptr<PcscContext> list_context_;
  std::uint32_t restarts_ = 0;  // pcscd restarts seen: part of each reader's insertion counter
  std::mutex wait_mutex_;       // one waiter at a time
  std::unique_ptr<PcscContext> wait_context_;
  std::mutex cancel_mutex_;
  SCARDCONTEXT waiting_ = 0;
};

}  // namespace jpki::transport
