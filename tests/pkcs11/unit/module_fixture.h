// The PKCS#11 front end in process, without pcscd: a Module over the fake reader
// provider (tests/support) with the virtual card in one reader. call() maps
// exceptions as the C ABI shim does (entry_points.cpp), so a test sees the CKR_
// code an application would.
#pragma once

#include <gtest/gtest.h>
#include <p11-kit/pkcs11.h>

#include <memory>
#include <string>
#include <vector>

#include "pkcs11/error_map.h"
#include "pkcs11/module.h"
#include "tests/support/card_dir.h"
#include "tests/support/fake_reader_provider.h"

namespace jpki::pkcs11::unit {

template <typename F>
CK_RV call(F&& f) {
  try {
    return f();
  } catch (...) {
    return rv_of_current_exception();
  }
}

inline constexpr const char* kReader = "Fake Reader 00";
inline constexpr const char* kAuthPin = "1234";
// The slots of the first reader: auth first, sign second (slots.h).
inline constexpr CK_SLOT_ID kAuthSlot = 0;
inline constexpr CK_SLOT_ID kSignSlot = 1;

class ModuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::CardDir>(name());
    card_ = std::make_shared<test::SimCard>(dir_->path());
  }
  void TearDown() override {
    module_.reset();
    card_.reset();
    dir_.reset();
    other_dir_.reset();
  }
  static const char* name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

  // The module with the card in kReader (`with_reader` false: no reader at all yet).
  void start(Settings settings = {}, bool with_reader = true) {
    auto provider = std::make_unique<test::FakeReaderProvider>();
    readers_ = provider.get();
    if (with_reader) readers_->add_reader(kReader, card_);
    module_ = std::make_unique<Module>(std::move(provider), std::move(settings));
  }
  Module& m() { return *module_; }
  test::FakeReaderProvider& readers() { return *readers_; }
  test::SimCard& card() { return *card_; }
  std::shared_ptr<test::SimCard> shared_card() { return card_; }
  // Another virtual card (its own copy of the template), for a second reader.
  std::shared_ptr<test::SimCard> another_card() {
    other_dir_ = std::make_unique<test::CardDir>(std::string(name()) + "-other");
    return std::make_shared<test::SimCard>(other_dir_->path());
  }

  CK_ULONG slot_count(bool token_present = true) {
    CK_ULONG n = 0;
    EXPECT_EQ(call([&] { return m().get_slot_list(token_present ? CK_TRUE : CK_FALSE, nullptr, &n); }),
              CKR_OK);
    return n;
  }
  CK_SESSION_HANDLE open(CK_SLOT_ID slot, bool rw = false) {
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    const CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
    EXPECT_EQ(call([&] { return m().open_session(slot, flags, &h); }), CKR_OK);
    return h;
  }
  CK_RV login(CK_SESSION_HANDLE h, const std::string& pin, CK_USER_TYPE user = CKU_USER) {
    std::string p = pin;
    return call([&] {
      return m().login(h, user, reinterpret_cast<CK_UTF8CHAR_PTR>(p.data()), p.size());  // NOLINT
    });
  }
  // C_GetSessionInfo; state(): just the state, which must be there.
  CK_RV session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO& info) {
    return call([&] { return m().get_session_info(h, &info); });
  }
  CK_STATE state(CK_SESSION_HANDLE h) {
    CK_SESSION_INFO info{};
    EXPECT_EQ(session_info(h, info), CKR_OK);
    return info.state;
  }
  CK_OBJECT_HANDLE find(CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls) {
    CK_ATTRIBUTE t{CKA_CLASS, &cls, sizeof cls};
    CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
    CK_ULONG n = 0;
    EXPECT_EQ(call([&] { return m().find_objects_init(h, &t, 1); }), CKR_OK);
    EXPECT_EQ(call([&] { return m().find_objects(h, &o, 1, &n); }), CKR_OK);
    EXPECT_EQ(call([&] { return m().find_objects_final(h); }), CKR_OK);
    return n == 1 ? o : CK_INVALID_HANDLE;
  }
  // One SHA256-RSA-PKCS signature over "doc"; `context_pin`: the CKU_CONTEXT_SPECIFIC login.
  CK_RV sign(CK_SESSION_HANDLE h, const std::string& context_pin = "") {
    CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
    const CK_OBJECT_HANDLE key = find(h, CKO_PRIVATE_KEY);
    if (CK_RV rv = call([&] { return m().sign_init(h, &mech, key); }); rv != CKR_OK) return rv;
    if (!context_pin.empty()) {
      if (CK_RV rv = login(h, context_pin, CKU_CONTEXT_SPECIFIC); rv != CKR_OK) return rv;
    }
    Bytes data{'d', 'o', 'c'};
    Bytes sig(256);
    CK_ULONG len = sig.size();
    return call([&] { return m().sign(h, data.data(), data.size(), sig.data(), &len); });
  }
  // VERIFY commands that carried a PIN: each could spend a try.
  std::size_t verifies_with_pin() const { return card_->sent_with_ins(0x20, true); }

 private:
  std::unique_ptr<test::CardDir> dir_;
  std::unique_ptr<test::CardDir> other_dir_;
  std::shared_ptr<test::SimCard> card_;
  test::FakeReaderProvider* readers_ = nullptr;  // owned by the module
  std::unique_ptr<Module> module_;
};

}  // namespace jpki::pkcs11::unit
