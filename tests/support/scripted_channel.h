// The scripted card behind a FakeChannel, for driver tests written with gtest:
// exact APDUs in, canned answers out, and a gtest failure for any other command.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "tests/support/fake_card.h"
#include "tests/support/fake_channel.h"

namespace jpki::test {

class ScriptedChannel final : public FakeChannel {
 public:
  // A short-APDU reader unless the test says otherwise (max_response).
  ScriptedChannel() : FakeChannel(script_, "scripted", 258) {
    script_.on_problem = [](const std::string& problem) { ADD_FAILURE() << problem; };
  }
  // Expect `command` (hex) next and answer `response` (hex).
  void expect(const std::string& command, const std::string& response) { script_.expect(command, response); }
  [[nodiscard]] bool done() const { return script_.done(); }
  ScriptedCard& script() { return script_; }

 private:
  ScriptedCard script_;
};

}  // namespace jpki::test
