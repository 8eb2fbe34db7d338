// A shared PC/SC connection to the card in one reader.
#pragma once

#include <string>

#include "transport/card_channel.h"
#include "transport/pcsc_context.h"

namespace jpki::transport {

class PcscChannel final : public CardChannel {
 public:
  explicit PcscChannel(std::string reader);
  ~PcscChannel() override;

  Bytes transmit(ByteView command) override;
  void begin_transaction() override;
  void end_transaction() noexcept override;
  void reconnect(bool power_cycle = false) override;
  [[nodiscard]] std::size_t max_response_size() const override { return max_response_; }
  [[nodiscard]] Bytes atr() const override { return atr_; }
  [[nodiscard]] std::string reader_name() const override { return reader_; }

 private:
  void read_status();
  std::string reader_;
  PcscContext context_;
  SCARDHANDLE card_ = 0;
  DWORD protocol_ = 0;
  Bytes atr_;
  std::size_t max_response_ = 258;
};

}  // namespace jpki::transport
