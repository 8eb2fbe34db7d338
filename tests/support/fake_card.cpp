#include "tests/support/fake_card.h"

#include <algorithm>

namespace jpki::test {

void FakeCard::reset_by_someone_else(bool announced) {
  power_cycle();
  reset_pending_ = reset_pending_ || announced;
}

std::optional<transport::ErrorKind> FakeCard::next_failure() {
  if (!failing_) {
    return std::nullopt;
  }
  const transport::ErrorKind kind = *failing_;
  if (failures_left_ > 0 && --failures_left_ == 0) {
    failing_.reset();
  }
  return kind;
}

std::size_t FakeCard::sent_with_ins(std::uint8_t ins, bool with_data) const {
  return static_cast<std::size_t>(std::count_if(commands.begin(), commands.end(), [&](const Bytes& c) {
    return c.size() > 1 && c[1] == ins && (!with_data || c.size() > 5);
  }));
}

void ScriptedCard::expect(const std::string& command, const std::string& response) {
  steps_.push_back(Step{from_hex(command), from_hex(response), std::nullopt, {}});
}

void ScriptedCard::then_answer(Bytes response) {
  steps_.push_back(Step{std::nullopt, std::move(response), std::nullopt, {}});
}

void ScriptedCard::then_fail(transport::ErrorKind kind, std::string what) {
  steps_.push_back(Step{std::nullopt, {}, kind, std::move(what)});
}

void ScriptedCard::at_end_fail(transport::ErrorKind kind, std::string what) {
  at_end_ = Step{std::nullopt, {}, kind, std::move(what)};
}

void ScriptedCard::report(const std::string& problem) {
  if (on_problem) {
    on_problem(problem);
  } else {
    problems.push_back(problem);
  }
}

Bytes ScriptedCard::process(ByteView command) {
  if (steps_.empty()) {
    if (at_end_) {
      throw transport::TransportError(*at_end_->error, at_end_->what);
    }
    report("unexpected APDU " + to_hex(command));
    return from_hex("6F 00");
  }
  Step step = std::move(steps_.front());
  steps_.pop_front();
  if (step.expected && to_hex(command) != to_hex(*step.expected)) {
    report("sent " + to_hex(command) + "\n  expected " + to_hex(*step.expected));
  }
  if (step.error) {
    throw transport::TransportError(*step.error, step.what);
  }
  return step.answer;
}

}  // namespace jpki::test
