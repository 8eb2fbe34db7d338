// The one fake transport::CardChannel: a connection to a FakeCard. It says what
// PC/SC would (kRemoved once the card is out, kReset once after someone else
// reset it, the failing kind of a mute card), records every exchange (and each
// reconnect) on the card, and counts transactions and ATR reads.
#pragma once

#include <memory>
#include <string>

#include "tests/support/fake_card.h"
#include "transport/card_channel.h"

namespace jpki::test {

class FakeChannel : public transport::CardChannel {
 public:
  // `card` must outlive the channel.
  explicit FakeChannel(FakeCard& card, std::string reader = "Fake Reader 00",
                       std::size_t largest_response = 65538);
  // Keeps `card` alive as long as the channel.
  explicit FakeChannel(std::shared_ptr<FakeCard> card, std::string reader = "Fake Reader 00",
                       std::size_t largest_response = 65538);

  Bytes transmit(ByteView command) override;
  void begin_transaction() override;
  void end_transaction() noexcept override {}
  // Fails while the card is out; forgets a pending reset; `power_cycle` resets the card.
  void reconnect(bool power_cycle = false) override;
  [[nodiscard]] std::size_t max_response_size() const override { return max_response; }
  [[nodiscard]] Bytes atr() const override;
  [[nodiscard]] std::string reader_name() const override { return reader_; }

  FakeCard& card() { return *card_; }
  [[nodiscard]] std::size_t sent_with_ins(std::uint8_t ins, bool with_data = false) const {
    return card_->sent_with_ins(ins, with_data);
  }

  std::size_t max_response;  // 258: a short-APDU-only reader
  int transactions = 0;
  mutable int atr_reads = 0;

 private:
  void check() const;
  std::shared_ptr<FakeCard> card_;
  std::string reader_;
};

}  // namespace jpki::test
