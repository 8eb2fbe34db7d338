// CardChannels for driver tests: a scripted one (exact APDUs in, canned
// answers out) and one over the in-process virtual card.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <memory>
#include <utility>

#include "sim/virtual_card.h"
#include "transport/card_channel.h"

namespace jpki::test {

class ScriptedChannel final : public transport::CardChannel {
 public:
  // Expect `command` (hex) and answer `response` (hex).
  void expect(const std::string& command, const std::string& response) {
    script_.emplace_back(from_hex(command), from_hex(response));
  }
  Bytes transmit(ByteView command) override {
    sent.emplace_back(command.begin(), command.end());
    if (script_.empty()) {
      ADD_FAILURE() << "unexpected APDU " << to_hex(command);
      return from_hex("6F 00");
    }
    auto [want, answer] = script_.front();
    script_.pop_front();
    EXPECT_EQ(to_hex(command), to_hex(want));
    return answer;
  }
  void begin_transaction() override { ++transactions; }
  void end_transaction() noexcept override {}
  void reconnect(bool power_cycle = false) override { resets += power_cycle ? 1 : 0; }
  [[nodiscard]] std::size_t max_response_size() const override { return max_response; }
  [[nodiscard]] Bytes atr() const override {
    ++atr_reads;
    return atr_bytes;
  }
  [[nodiscard]] std::string reader_name() const override { return "scripted"; }
  [[nodiscard]] bool done() const { return script_.empty(); }
  // How many of the APDUs sent had this INS (e.g. 0x20: VERIFY and the retry query).
  [[nodiscard]] std::size_t sent_with_ins(std::uint8_t ins) const {
    return static_cast<std::size_t>(
        std::count_if(sent.begin(), sent.end(), [&](const Bytes& c) { return c.size() > 1 && c[1] == ins; }));
  }

  int transactions = 0;
  int resets = 0;  // reconnect(power_cycle = true)
  std::size_t max_response = 258;
  Bytes atr_bytes;
  mutable int atr_reads = 0;
  std::vector<Bytes> sent;

 private:
  std::deque<std::pair<Bytes, Bytes>> script_;
};

class SimChannel final : public transport::CardChannel {
 public:
  explicit SimChannel(const std::filesystem::path& state, bool extended = true)
      : card_(state, sim::CardOptions{from_hex("3B E0 00 FF 81 31 FE 45 14"), extended}),
        extended_(extended) {}
  Bytes transmit(ByteView command) override { return card_.process(command); }
  void begin_transaction() override {}
  void end_transaction() noexcept override {}
  void reconnect(bool /*power_cycle*/ = false) override { card_.reset(); }
  [[nodiscard]] std::size_t max_response_size() const override { return extended_ ? 65538 : 258; }
  [[nodiscard]] Bytes atr() const override { return card_.atr(); }
  [[nodiscard]] std::string reader_name() const override { return "in-process"; }
  sim::VirtualCard& card() { return card_; }

 private:
  sim::VirtualCard card_;
  bool extended_;
};

}  // namespace jpki::test
