#include "tests/support/fake_channel.h"

namespace jpki::test {

FakeChannel::FakeChannel(FakeCard& card, std::string reader, std::size_t largest_response)
    : FakeChannel(std::shared_ptr<FakeCard>(std::shared_ptr<FakeCard>{}, &card), std::move(reader),
                  largest_response) {}

FakeChannel::FakeChannel(std::shared_ptr<FakeCard> card, std::string reader, std::size_t largest_response)
    : max_response(largest_response), card_(std::move(card)), reader_(std::move(reader)) {}

void FakeChannel::check() const {
  if (!card_->inserted()) {
    throw transport::TransportError(transport::ErrorKind::kRemoved, "card removed");
  }
  if (card_->reset_pending()) {
    throw transport::TransportError(transport::ErrorKind::kReset, "card reset by another process");
  }
}

Bytes FakeChannel::transmit(ByteView command) {
  check();
  if (card_->on_command) {
    card_->on_command(command);
  }
  card_->commands.emplace_back(command.begin(), command.end());
  card_->answers.emplace_back();  // stays empty when the exchange fails
  if (const auto failure = card_->next_failure()) {
    throw transport::TransportError(*failure, "card does not answer");
  }
  Bytes answer = card_->process(command);
  card_->answers.back() = answer;
  return answer;
}

void FakeChannel::begin_transaction() {
  check();
  ++transactions;
}

void FakeChannel::reconnect(bool power_cycle) {
  if (!card_->inserted()) {
    throw transport::TransportError(transport::ErrorKind::kRemoved, "card removed");
  }
  card_->reset_seen();
  if (power_cycle) {
    ++card_->power_cycles;
    card_->power_cycle();
  } else {
    ++card_->reconnects;
  }
}

Bytes FakeChannel::atr() const {
  ++atr_reads;
  return card_->atr();
}

}  // namespace jpki::test
