// The module's front end in process, over the in-process virtual card behind a
// channel that can fail on demand: what it does after a communication error,
// and slot events when the first poll saw no reader.
#include "pkcs11/module.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "sim/card_state.h"
#include "sim/virtual_card.h"
#include "transport/card_channel.h"
#include "transport/reader_provider.h"

namespace jpki::pkcs11 {
namespace {

namespace fs = std::filesystem;

// The reader and card, shared by the provider and its channels.
struct Bench {
  explicit Bench(const fs::path& dir) : card(dir, sim::CardOptions{}) {}
  sim::VirtualCard card;
  bool reader = true;
  int fail_next = 0;  // transmits that fail with a communication error
  int plain_reconnects = 0;
  int power_cycles = 0;
};

class BenchChannel final : public transport::CardChannel {
 public:
  explicit BenchChannel(Bench& b) : b_(b) {}
  Bytes transmit(ByteView command) override {
    if (b_.fail_next > 0) {
      --b_.fail_next;
      throw transport::TransportError(transport::ErrorKind::kCommunication, "transmit failed");
    }
    return b_.card.process(command);
  }
  void begin_transaction() override {}
  void end_transaction() noexcept override {}
  void reconnect(bool power_cycle) override {
    if (power_cycle) {
      ++b_.power_cycles;
      b_.card.reset();
    } else {
      ++b_.plain_reconnects;
    }
  }
  [[nodiscard]] std::size_t max_response_size() const override { return 65538; }
  [[nodiscard]] Bytes atr() const override { return b_.card.atr(); }
  [[nodiscard]] std::string reader_name() const override { return "Bench Reader 00"; }

 private:
  Bench& b_;
};

class BenchProvider final : public transport::ReaderProvider {
 public:
  explicit BenchProvider(Bench& b) : b_(b) {}
  std::vector<transport::ReaderState> readers() override {
    if (!b_.reader) return {};
    return {transport::ReaderState{"Bench Reader 00", true, 1}};
  }
  std::unique_ptr<transport::CardChannel> connect(const std::string& /*reader*/) override {
    return std::make_unique<BenchChannel>(b_);
  }
  bool wait_for_change(std::chrono::milliseconds /*timeout*/) override { return false; }
  void cancel() override {}

 private:
  Bench& b_;
};

class ModuleInProcess : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("jpki-module-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    sim::create_card(dir_, sim::InitOptions{});
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  void SetUp() override {
    bench_ = std::make_unique<Bench>(dir_);
    module_ = std::make_unique<Module>(std::make_unique<BenchProvider>(*bench_));
  }
  CK_SESSION_HANDLE open_auth() {
    CK_ULONG n = 0;
    EXPECT_EQ(module_->get_slot_list(CK_TRUE, nullptr, &n), CKR_OK);
    CK_SESSION_HANDLE s = 0;
    EXPECT_EQ(module_->open_session(0, CKF_SERIAL_SESSION, &s), CKR_OK);
    return s;
  }
  CK_RV login(CK_SESSION_HANDLE s) {
    std::string pin = "1234";
    return call(
        [&] { return module_->login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin.data()), 4); });
  }
  // One signature with the auth key (handle from a search for private keys).
  CK_RV sign(CK_SESSION_HANDLE s) {
    return call([&] {
      CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
      CK_ATTRIBUTE t{CKA_CLASS, &cls, sizeof cls};
      CK_OBJECT_HANDLE key = 0;
      CK_ULONG found = 0;
      module_->find_objects_init(s, &t, 1);
      module_->find_objects(s, &key, 1, &found);
      module_->find_objects_final(s);
      CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
      if (const CK_RV rv = module_->sign_init(s, &m, found == 1 ? key : 0); rv != CKR_OK) return rv;
      Bytes data(32, 7);
      Bytes sig(256);
      CK_ULONG len = sig.size();
      return module_->sign(s, data.data(), data.size(), sig.data(), &len);
    });
  }
  template <typename F>
  static CK_RV call(F&& f) {
    try {
      return f();
    } catch (const CkrError& e) {
      return e.rv;
    } catch (...) {
      return CKR_GENERAL_ERROR;
    }
  }

  static fs::path dir_;
  std::unique_ptr<Bench> bench_;
  std::unique_ptr<Module> module_;
};
fs::path ModuleInProcess::dir_;

TEST_F(ModuleInProcess, ACommunicationErrorReconnectsWithoutResettingTheCard) {
  const CK_SESSION_HANDLE s = open_auth();
  ASSERT_EQ(login(s), CKR_OK);
  ASSERT_EQ(sign(s), CKR_OK);
  bench_->fail_next = 1;
  EXPECT_EQ(sign(s), CKR_DEVICE_ERROR);
  EXPECT_EQ(bench_->power_cycles, 0) << "a reset logs every process on the machine out";
  EXPECT_EQ(bench_->plain_reconnects, 1);
  EXPECT_EQ(sign(s), CKR_OK) << "the card kept its state, and so did we";
}

TEST_F(ModuleInProcess, ACardStillMuteAfterAReconnectIsReset) {
  const CK_SESSION_HANDLE s = open_auth();
  ASSERT_EQ(login(s), CKR_OK);
  bench_->fail_next = 2;  // the signature, and the check after the plain reconnect
  EXPECT_EQ(sign(s), CKR_DEVICE_ERROR);
  EXPECT_EQ(bench_->plain_reconnects, 1);
  EXPECT_EQ(bench_->power_cycles, 1);
  CK_SESSION_INFO info{};
  ASSERT_EQ(module_->get_session_info(s, &info), CKR_OK);
  EXPECT_EQ(info.state, static_cast<CK_STATE>(CKS_RO_PUBLIC_SESSION)) << "the reset forgot the VERIFY";
  EXPECT_EQ(login(s), CKR_OK);
  EXPECT_EQ(sign(s), CKR_OK);
}

TEST_F(ModuleInProcess, AReaderThatAppearsAfterTheFirstPollIsAnEvent) {
  bench_->reader = false;
  EXPECT_FALSE(module_->poll_slot_event()) << "the first poll only learns the state";
  EXPECT_FALSE(module_->poll_slot_event());
  bench_->reader = true;
  const auto event = module_->poll_slot_event();
  ASSERT_TRUE(event) << "the card in the new reader was not reported";
  EXPECT_EQ(*event, 0U);
}

TEST_F(ModuleInProcess, AReaderThatAppearsAfterTheFirstSlotListIsAnEvent) {
  bench_->reader = false;
  CK_ULONG n = 9;
  ASSERT_EQ(module_->get_slot_list(CK_FALSE, nullptr, &n), CKR_OK);
  EXPECT_EQ(n, 0U);
  bench_->reader = true;
  EXPECT_TRUE(module_->poll_slot_event()) << "the card in the new reader was not reported";
}

}  // namespace
}  // namespace jpki::pkcs11
