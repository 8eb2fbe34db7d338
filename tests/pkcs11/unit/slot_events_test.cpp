// C_WaitForSlotEvent's non-blocking part (Module::poll_slot_event): which slot
// changed since the last call, for insertions, removals, a card swapped while
// nobody looked, and readers that come and go.
#include <optional>

#include "module_fixture.h"

namespace jpki::pkcs11::unit {
namespace {

class SlotEvents : public ModuleTest {
 protected:
  std::optional<CK_SLOT_ID> poll() { return m().poll_slot_event(); }
  // Every event pending now, in order.
  std::vector<CK_SLOT_ID> drain() {
    std::vector<CK_SLOT_ID> out;
    for (int i = 0; i < 16; ++i) {
      const auto e = poll();
      if (!e) break;
      out.push_back(*e);
    }
    return out;
  }
  const std::vector<CK_SLOT_ID> both_slots_{kAuthSlot, kSignSlot};
};

TEST_F(SlotEvents, NothingChangedNoEvent) {
  start();
  EXPECT_EQ(slot_count(), 2u);
  EXPECT_EQ(poll(), std::nullopt);
  EXPECT_EQ(poll(), std::nullopt);
}

TEST_F(SlotEvents, RemovalAndInsertionOnBothSlots) {
  start();
  EXPECT_EQ(slot_count(), 2u);
  readers().pull_out(kReader);
  EXPECT_EQ(drain(), both_slots_);
  readers().insert(kReader);
  EXPECT_EQ(drain(), both_slots_);
  EXPECT_EQ(slot_count(), 2u);
}

// Another card in the same reader between two polls: still an event, though
// both polls saw a card (pcsc-lite's event counter moved).
TEST_F(SlotEvents, CardSwappedBetweenPolls) {
  start();
  EXPECT_EQ(slot_count(), 2u);
  readers().pull_out(kReader);
  readers().insert(kReader);
  EXPECT_EQ(drain(), both_slots_);
}

// C_WaitForSlotEvent first, before any C_GetSlotList: the first poll only learns
// what is there, later ones report changes.
TEST_F(SlotEvents, FirstPollWithoutSlotList) {
  start();
  EXPECT_EQ(poll(), std::nullopt);
  readers().pull_out(kReader);
  EXPECT_EQ(drain(), both_slots_);
}

TEST_F(SlotEvents, ReaderUnpluggedIsAnEvent) {
  start();
  EXPECT_EQ(slot_count(), 2u);
  readers().unplug_reader(kReader);
  EXPECT_EQ(drain(), both_slots_);
  EXPECT_EQ(slot_count(false), 0u) << "a reader that is gone has no slots";
}

// A second reader plugged in with a card while the first is known: its two new
// slots are events.
TEST_F(SlotEvents, SecondReaderPluggedIn) {
  start();
  EXPECT_EQ(slot_count(), 2u);
  readers().add_reader("Fake Reader 01", another_card());
  EXPECT_EQ(drain(), (std::vector<CK_SLOT_ID>{2, 3}));
  EXPECT_EQ(slot_count(), 4u);
}

// The first poll saw no reader at all (a laptop whose reader is plugged in
// later): the reader's card is an event (an empty snapshot once meant "never
// polled", and Firefox never learnt of the card).
TEST_F(SlotEvents, ReaderPluggedInAfterTheFirstPoll) {
  start({}, false);
  EXPECT_EQ(slot_count(false), 0u);
  EXPECT_EQ(poll(), std::nullopt);
  readers().add_reader(kReader, shared_card());
  EXPECT_EQ(drain(), both_slots_);
}

}  // namespace
}  // namespace jpki::pkcs11::unit
