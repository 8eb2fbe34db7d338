// PINs never outlive their use in freed memory: this binary replaces the global
// operator new/delete (malloc/free underneath, so sanitizers see matching pairs)
// and looks for the PIN in every heap block the card driver frees.
#include <gtest/gtest.h>
#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "card/jpki_card.h"

namespace {

// Sign-password shaped, and nowhere else in this program's heap.
constexpr char kPin[] = "WIPE7PIN9X";
constexpr char kNewPin[] = "NEW4PIN8QZ";
std::atomic<int> g_blocks_with_pin{0};

bool holds(const void* p, std::size_t n, const char* needle) {
  return ::memmem(p, n, needle, std::strlen(needle)) != nullptr;
}

void inspect(void* p) noexcept {
  if (p == nullptr) return;
  const std::size_t n = ::malloc_usable_size(p);
  if (holds(p, n, kPin) || holds(p, n, kNewPin)) ++g_blocks_with_pin;
}

void* allocate(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);  // NOLINT(cppcoreguidelines-no-malloc): this is operator new
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

// NOLINTBEGIN(misc-new-delete-overloads,cppcoreguidelines-no-malloc): the global functions, replaced
void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void operator delete(void* p) noexcept {
  inspect(p);
  std::free(p);
}
void operator delete[](void* p) noexcept {
  inspect(p);
  std::free(p);
}
void operator delete(void* p, std::size_t /*n*/) noexcept {
  inspect(p);
  std::free(p);
}
void operator delete[](void* p, std::size_t /*n*/) noexcept {
  inspect(p);
  std::free(p);
}
// NOLINTEND(misc-new-delete-overloads,cppcoreguidelines-no-malloc)

namespace jpki::card {
namespace {

// A card that says yes to everything, checks the PIN in place (no copy kept
// here), and can fail on the wire when the PIN is sent.
class PinChannel final : public transport::CardChannel {
 public:
  Bytes transmit(ByteView command) override {
    const bool carries_pin = command.size() > 5 && (command[1] == 0x20 || command[1] == 0x24);
    if (carries_pin) {
      if (fail_with_pin) throw transport::TransportError(transport::ErrorKind::kCommunication, "wire");
      const ByteView data = command.subspan(5, command[4]);
      const bool known =
          (data.size() == std::strlen(kPin) && std::memcmp(data.data(), kPin, data.size()) == 0) ||
          (data.size() == std::strlen(kNewPin) && std::memcmp(data.data(), kNewPin, data.size()) == 0);
      EXPECT_TRUE(known);
      return {0x90, 0x00};
    }
    if (command.size() == 4 && command[1] == 0x20) return {0x63, 0xC5};  // retry query
    return {0x90, 0x00};
  }
  void begin_transaction() override {}
  void end_transaction() noexcept override {}
  void reconnect(bool /*power_cycle*/) override {}
  [[nodiscard]] std::size_t max_response_size() const override { return 258; }
  [[nodiscard]] Bytes atr() const override { return {}; }
  [[nodiscard]] std::string reader_name() const override { return "pin"; }
  bool fail_with_pin = false;
};

class PinWipe : public ::testing::Test {
 protected:
  void SetUp() override { g_blocks_with_pin = 0; }
};

TEST_F(PinWipe, AVerifyLeavesNoCopyInFreedMemory) {
  PinChannel ch;
  JpkiCard card(ch);
  {
    const SecureString pin(kPin);
    card.verify(KeyKind::kSign, pin);
  }
  EXPECT_EQ(g_blocks_with_pin, 0) << "heap blocks freed with the PIN in them";
}

TEST_F(PinWipe, APinChangeLeavesNoCopyInFreedMemory) {
  PinChannel ch;
  JpkiCard card(ch);
  {
    const SecureString old_pin(kPin);
    const SecureString new_pin(kNewPin);
    card.change_pin(KeyKind::kSign, old_pin, new_pin);
  }
  EXPECT_EQ(g_blocks_with_pin, 0) << "heap blocks freed with a PIN in them";
}

TEST_F(PinWipe, AVerifyThatFailsOnTheWireLeavesNoCopyEither) {
  PinChannel ch;
  ch.fail_with_pin = true;
  JpkiCard card(ch);
  {
    const SecureString pin(kPin);
    EXPECT_THROW(card.verify(KeyKind::kSign, pin), transport::TransportError);
  }
  EXPECT_EQ(g_blocks_with_pin, 0) << "heap blocks freed with the PIN in them";
}

TEST_F(PinWipe, TheCheckSeesAnUnwipedBlock) {
  auto* leak = new char[32];  // NOLINT: the point is a raw block freed as it is
  std::memcpy(leak, kPin, sizeof kPin);
  delete[] leak;
  EXPECT_EQ(g_blocks_with_pin, 1) << "the detector itself works";
}

}  // namespace
}  // namespace jpki::card
