// Readers, the cards in them, and the two slots each reader gets (auth first,
// sign second). Slot IDs stay stable while the module is loaded.
#pragma once

#include <p11-kit/pkcs11.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "card/jpki_card.h"
#include "pkcs11/certificate_facts.h"
#include "transport/reader_provider.h"

namespace jpki::pkcs11 {

// Thrown inside the module to return a specific CKR_ code.
struct CkrError {
  CK_RV rv;
};

// One card insertion in one reader. Certificates are read once per insertion.
struct InsertedCard {
  std::string reader;
  std::uint64_t generation = 0;
  std::unique_ptr<transport::CardChannel> channel;
  std::unique_ptr<card::JpkiCard> card;
  card::TokenInfo info;
  std::map<card::CertKind, std::shared_ptr<const ParsedCertificate>> certificates;
  std::optional<std::string> serial;      // worked out at the first C_GetTokenInfo (card/token_serial.h)
  bool auth_certificate_private = false;  // EF 000A needs the PIN: by model, or learnt from a 6982
  std::array<bool, 2> logged_in{false, false};  // indexed by KeyKind
  bool removed = false;                         // I/O said the card is gone; the next poll drops it
  std::uint64_t resets_followed = 0;            // the driver's reset_epoch() our login state follows

  // The one place a card reset reaches the PKCS#11 state: the driver reports
  // it (card::JpkiCard::reset_epoch) and the card forgot every VERIFY.
  void follow_card_resets() {
    if (card && card->reset_epoch() != resets_followed) {
      resets_followed = card->reset_epoch();
      logged_in = {false, false};
    }
  }

  [[nodiscard]] bool is_logged_in(card::KeyKind k) const { return logged_in[static_cast<std::size_t>(k)]; }
  void set_logged_in(card::KeyKind k, bool v) { logged_in[static_cast<std::size_t>(k)] = v; }
};

struct ReaderEntry {
  std::string name;
  CK_SLOT_ID first_slot = 0;  // auth slot; sign slot is first_slot + 1
  bool present = false;       // reader currently listed by PC/SC
  bool card_present = false;
  std::uint32_t insertion_counter = 0;
  std::optional<std::uint32_t> not_jpki_counter;  // this insertion was probed and is not a JPKI card
  std::shared_ptr<InsertedCard> card;             // set while a JPKI card is in
};

struct SlotRef {
  ReaderEntry* reader;
  card::KeyKind token;
};

class SlotTable {
 public:
  explicit SlotTable(std::unique_ptr<transport::ReaderProvider> provider) : provider_(std::move(provider)) {}

  // Polls PC/SC (no APDU unless a new card must be identified). Returns the
  // generations of cards that went away, so their sessions can be closed.
  std::vector<std::uint64_t> refresh();
  // Which of each reader's two tokens the module shows (setting "tokens").
  void show_tokens(bool auth, bool sign) { shown_ = {auth, sign}; }
  [[nodiscard]] std::vector<CK_SLOT_ID> slot_ids(bool token_present) const;
  std::optional<SlotRef> find(CK_SLOT_ID id);
  transport::ReaderProvider& provider() { return *provider_; }
  // Snapshot of (slot, token present) for C_WaitForSlotEvent.
  [[nodiscard]] std::map<CK_SLOT_ID, std::uint64_t> event_state() const;
  // The cards in the readers, as last polled.
  [[nodiscard]] std::vector<std::shared_ptr<InsertedCard>> cards() const;

 private:
  void identify(ReaderEntry& r);
  std::unique_ptr<transport::ReaderProvider> provider_;
  std::vector<std::unique_ptr<ReaderEntry>> readers_;
  [[nodiscard]] bool shown(card::KeyKind k) const { return shown_[static_cast<std::size_t>(k)]; }
  std::array<bool, 2> shown_{true, true};  // indexed by KeyKind
  CK_SLOT_ID next_slot_ = 0;
  std::uint64_t next_generation_ = 1;
};

}  // namespace jpki::pkcs11
