// The card in a fake reader, for every in-process test, fuzzer and benchmark:
// something that answers command APDUs (the virtual card, or a script), what a
// test does to it (pull it out, reset it behind the module's back, make it
// mute), and a record of every command and answer.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "apdu/bytes.h"
#include "sim/virtual_card.h"
#include "transport/card_channel.h"

namespace jpki::test {

class FakeCard {
 public:
  FakeCard() = default;
  virtual ~FakeCard() = default;
  FakeCard(const FakeCard&) = delete;
  FakeCard& operator=(const FakeCard&) = delete;

  // The card's own answer (removal, resets and mute cards are FakeChannel's).
  virtual Bytes process(ByteView command) = 0;
  // Power cycle: the card forgets its selection and every verified PIN.
  virtual void power_cycle() {}
  [[nodiscard]] virtual Bytes atr() const { return {}; }

  // ---- what a test does to the card ----
  void pull_out() { inserted_ = false; }
  void put_back() { inserted_ = true; }
  // Another process reset the card: it forgets its state now. `announced`: PC/SC
  // tells the next user of each connection (kReset); otherwise nobody notices.
  void reset_by_someone_else(bool announced = true);
  // The line fails with `kind` on the next `count` commands, or (count -1) on
  // every command until heal(). kTimeout: a mute card; kCommunication: noise.
  void fail(transport::ErrorKind kind, int count = -1) {
    failing_ = kind;
    failures_left_ = count;
  }
  void heal() { failing_.reset(); }
  // The failure for the command being sent now, if any (FakeChannel asks once a command).
  std::optional<transport::ErrorKind> next_failure();

  // By a reader: plain reconnects (after a reset, or to try a card that stopped
  // answering), and reconnects that power-cycled the card.
  int reconnects = 0;
  int power_cycles = 0;

  [[nodiscard]] bool inserted() const { return inserted_; }
  [[nodiscard]] bool reset_pending() const { return reset_pending_; }
  void reset_seen() { reset_pending_ = false; }

  // ---- what reached the card ----
  // Every command, and its answer (empty when the exchange failed), in order.
  std::vector<Bytes> commands;
  std::vector<Bytes> answers;
  // How many commands had this INS (with_data: and carried data, e.g. a VERIFY with a PIN).
  [[nodiscard]] std::size_t sent_with_ins(std::uint8_t ins, bool with_data = false) const;
  // Called with each command before the card sees it (a fuzzer's invariant).
  std::function<void(ByteView)> on_command;

 private:
  bool inserted_ = true;
  bool reset_pending_ = false;
  std::optional<transport::ErrorKind> failing_;
  int failures_left_ = -1;
};

// The in-process virtual card (jpki-sim's applet), served as `options` says
// (sim/variant.h: token names, EF 0006 size, end-of-file answers, ...).
class SimCard final : public FakeCard {
 public:
  explicit SimCard(const std::filesystem::path& state, sim::CardOptions options = {})
      : card_(state, std::move(options)) {}
  Bytes process(ByteView command) override { return card_.process(command); }
  void power_cycle() override { card_.reset(); }
  [[nodiscard]] Bytes atr() const override { return card_.atr(); }
  sim::VirtualCard& card() { return card_; }

 private:
  sim::VirtualCard card_;
};

// Canned answers in order, each optionally checked against the command it answers.
class ScriptedCard final : public FakeCard {
 public:
  // Next: expect `command` (hex) and answer `response` (hex).
  void expect(const std::string& command, const std::string& response);
  // Next: whatever comes, answer `response`.
  void then_answer(Bytes response);
  // Next: the line fails with `kind`.
  void then_fail(transport::ErrorKind kind, std::string what);
  // Past the last step: a reported problem and 6F00 (default), or the line fails with `kind`.
  void at_end_fail(transport::ErrorKind kind, std::string what);

  Bytes process(ByteView command) override;
  [[nodiscard]] Bytes atr() const override { return atr_bytes; }
  [[nodiscard]] bool done() const { return steps_.empty(); }

  Bytes atr_bytes;
  // A command other than the expected one, or past the end: told here (a gtest
  // failure in ScriptedChannel), else kept in `problems`.
  std::function<void(const std::string&)> on_problem;
  std::vector<std::string> problems;

 private:
  struct Step {
    std::optional<Bytes> expected;
    Bytes answer;
    std::optional<transport::ErrorKind> error;
    std::string what;
  };
  void report(const std::string& problem);
  std::deque<Step> steps_;
  std::optional<Step> at_end_;
};

}  // namespace jpki::test
