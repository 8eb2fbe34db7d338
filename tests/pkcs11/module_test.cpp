// The module's front end in process, over the in-process virtual card in the
// fake reader (tests/support), whose line can fail on demand: what it does after a communication error,
// and slot events when the first poll saw no reader.
#include "pkcs11/module.h"

#include <gtest/gtest.h>

#include <memory>

#include "tests/support/card_dir.h"
#include "tests/support/fake_reader_provider.h"

namespace jpki::pkcs11 {
namespace {

constexpr const char* kReader = "Bench Reader 00";

class ModuleInProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    card_ = std::make_shared<test::SimCard>(dir_.path());
    auto provider = std::make_unique<test::FakeReaderProvider>();
    readers_ = provider.get();
    readers_->add_reader(kReader, card_);
    module_ = std::make_unique<Module>(std::move(provider));
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

  test::CardDir dir_{"module-in-process"};
  std::shared_ptr<test::SimCard> card_;
  test::FakeReaderProvider* readers_ = nullptr;  // owned by the module
  std::unique_ptr<Module> module_;
};

TEST_F(ModuleInProcess, ACommunicationErrorReconnectsWithoutResettingTheCard) {
  const CK_SESSION_HANDLE s = open_auth();
  ASSERT_EQ(login(s), CKR_OK);
  ASSERT_EQ(sign(s), CKR_OK);
  card_->fail(transport::ErrorKind::kCommunication, 1);
  EXPECT_EQ(sign(s), CKR_DEVICE_ERROR);
  EXPECT_EQ(card_->power_cycles, 0) << "a reset logs every process on the machine out";
  EXPECT_EQ(card_->reconnects, 1);
  EXPECT_EQ(sign(s), CKR_OK) << "the card kept its state, and so did we";
}

TEST_F(ModuleInProcess, ACardStillMuteAfterAReconnectIsReset) {
  const CK_SESSION_HANDLE s = open_auth();
  ASSERT_EQ(login(s), CKR_OK);
  card_->fail(transport::ErrorKind::kCommunication,
              2);  // the signature, and the check after the plain reconnect
  EXPECT_EQ(sign(s), CKR_DEVICE_ERROR);
  EXPECT_EQ(card_->reconnects, 1);
  EXPECT_EQ(card_->power_cycles, 1);
  CK_SESSION_INFO info{};
  ASSERT_EQ(module_->get_session_info(s, &info), CKR_OK);
  EXPECT_EQ(info.state, static_cast<CK_STATE>(CKS_RO_PUBLIC_SESSION)) << "the reset forgot the VERIFY";
  EXPECT_EQ(login(s), CKR_OK);
  EXPECT_EQ(sign(s), CKR_OK);
}

TEST_F(ModuleInProcess, AReaderThatAppearsAfterTheFirstPollIsAnEvent) {
  readers_->unplug_reader(kReader);
  EXPECT_FALSE(module_->poll_slot_event()) << "the first poll only learns the state";
  EXPECT_FALSE(module_->poll_slot_event());
  readers_->add_reader(kReader, card_);
  const auto event = module_->poll_slot_event();
  ASSERT_TRUE(event) << "the card in the new reader was not reported";
  EXPECT_EQ(*event, 0U);
}

TEST_F(ModuleInProcess, AReaderThatAppearsAfterTheFirstSlotListIsAnEvent) {
  readers_->unplug_reader(kReader);
  CK_ULONG n = 9;
  ASSERT_EQ(module_->get_slot_list(CK_FALSE, nullptr, &n), CKR_OK);
  EXPECT_EQ(n, 0U);
  readers_->add_reader(kReader, card_);
  EXPECT_TRUE(module_->poll_slot_event()) << "the card in the new reader was not reported";
}

}  // namespace
}  // namespace jpki::pkcs11
