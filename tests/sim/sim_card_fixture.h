// A fresh copy of one template virtual card per test, driven with raw APDUs. The
// template (RSA keys, the slow part) is made once per test process.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "apdu/jpki.h"
#include "apdu/response.h"
#include "sim/card_state.h"
#include "sim/variant.h"
#include "sim/virtual_card.h"

namespace jpki::sim::test {

namespace fs = std::filesystem;

// Made on first use, removed when the process exits.
class TemplateCard {
 public:
  static const fs::path& dir() {
    static const TemplateCard card;
    return card.dir_;
  }

 private:
  TemplateCard() : dir_(fs::temp_directory_path() / ("jpki-sim-test-" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);
    create_card(dir_, InitOptions{});
  }
  ~TemplateCard() { fs::remove_all(dir_); }
  fs::path dir_;
};

class SimCardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        TemplateCard::dir().string() + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::copy(TemplateCard::dir(), dir_, fs::copy_options::recursive);
    load(CardOptions{});
  }
  void TearDown() override {
    card_.reset();
    fs::remove_all(dir_);
  }

  // Puts the same state directory in again, served as `options` / `spec` says.
  void load(CardOptions options) { card_ = std::make_unique<VirtualCard>(dir_, std::move(options)); }
  void load(const std::string& spec) { load(CardOptions(parse_variant(spec))); }

  std::string tx(const std::string& hex) { return to_hex(card_->process(from_hex(hex))); }
  apdu::Response call(const apdu::Command& c) { return *apdu::parse_response(card_->process(c.encode())); }
  void select(std::uint16_t ef) {
    ASSERT_EQ(tx("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"), "90 00");
    ASSERT_EQ(call(apdu::select_ef(ef)).sw.value(), 0x9000);
  }

  fs::path dir_;
  std::unique_ptr<VirtualCard> card_;
};

}  // namespace jpki::sim::test
