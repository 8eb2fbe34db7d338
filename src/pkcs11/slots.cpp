#include "pkcs11/slots.h"

#include <algorithm>

#include "common/log.h"

namespace jpki::pkcs11 {

void SlotTable::identify(ReaderEntry& r) {
  auto c = std::make_shared<InsertedCard>();
  c->reader = r.name;
  try {
    c->channel = provider_->connect(r.name);
    c->card =
        std::make_unique<card::JpkiCard>(*c->channel, card::CardOptions{}, [](ByteView cmd, ByteView resp) {
          if (log::enabled()) {
            log::line("  APDU > " + to_hex(cmd) + " < " + to_hex(resp));
          }
        });
    c->info = c->card->detect();
    if (c->info.model == card::TokenModel::kUnknown) {
      log::line("reader '" + r.name + "': unknown JPKI token name '" + c->info.token_name +
                "': treated as a card of unknown model");
    }
  } catch (const card::CardError& e) {
    if (e.kind() != card::CardErrorKind::kNotJpki) {  // a garbled answer: ask again on the next poll
      log::line("reader '" + r.name + "': card answered badly (" + e.what() + ")");
      return;
    }
    log::line("reader '" + r.name + "': not a JPKI card (" + e.what() + ")");
    r.not_jpki_counter = r.insertion_counter;
    return;
  } catch (const transport::TransportError& e) {
    // Removed or held exclusively by someone else: try again on the next poll.
    log::line("reader '" + r.name + "': " + e.what());
    return;
  }
  c->auth_certificate_private = card::auth_certificate_needs_pin(c->info.model);
  c->resets_followed = c->card->reset_epoch();
  c->generation = next_generation_++;
  r.card = std::move(c);
}

std::vector<std::uint64_t> SlotTable::refresh() {
  std::vector<std::uint64_t> gone;
  std::vector<transport::ReaderState> states;
  try {
    states = provider_->readers();
  } catch (const transport::TransportError& e) {
    log::line(std::string("PC/SC unavailable: ") + e.what());  // no pcscd: no readers
  }
  for (auto& r : readers_) {
    r->present = false;
  }
  for (const auto& s : states) {
    auto it =
        std::find_if(readers_.begin(), readers_.end(), [&](const auto& r) { return r->name == s.name; });
    if (it == readers_.end()) {
      auto entry = std::make_unique<ReaderEntry>();
      entry->name = s.name;
      entry->first_slot = next_slot_;
      next_slot_ += 2;
      readers_.push_back(std::move(entry));
      it = readers_.end() - 1;
    }
    ReaderEntry& r = **it;
    r.present = true;
    const bool changed = s.insertion_counter != r.insertion_counter || s.card_present != r.card_present;
    r.card_present = s.card_present;
    r.insertion_counter = s.insertion_counter;
    if (r.card && (changed || !s.card_present || r.card->removed)) {
      gone.push_back(r.card->generation);
      r.card.reset();
    }
    if (changed) {
      r.not_jpki_counter.reset();
    }
    if (s.card_present && !r.card && r.not_jpki_counter != s.insertion_counter) {
      identify(r);
    }
  }
  for (auto& r : readers_) {
    if (!r->present && r->card) {
      gone.push_back(r->card->generation);
      r->card.reset();
    }
  }
  return gone;
}

std::vector<CK_SLOT_ID> SlotTable::slot_ids(bool token_present) const {
  std::vector<CK_SLOT_ID> ids;
  for (const auto& r : readers_) {
    if (!r->present || (token_present && !r->card)) {
      continue;
    }
    if (shown(card::KeyKind::kAuth)) {
      ids.push_back(r->first_slot);
    }
    if (shown(card::KeyKind::kSign)) {
      ids.push_back(r->first_slot + 1);
    }
  }
  return ids;
}

std::optional<SlotRef> SlotTable::find(CK_SLOT_ID id) {
  for (auto& r : readers_) {
    if (id == r->first_slot || id == r->first_slot + 1) {
      const auto kind = id == r->first_slot ? card::KeyKind::kAuth : card::KeyKind::kSign;
      if (!r->present || !shown(kind)) {
        return std::nullopt;
      }
      return SlotRef{r.get(), kind};
    }
  }
  return std::nullopt;
}

std::vector<std::shared_ptr<InsertedCard>> SlotTable::cards() const {
  std::vector<std::shared_ptr<InsertedCard>> out;
  for (const auto& r : readers_) {
    if (r->card) {
      out.push_back(r->card);
    }
  }
  return out;
}

std::map<CK_SLOT_ID, std::uint64_t> SlotTable::event_state() const {
  std::map<CK_SLOT_ID, std::uint64_t> out;
  for (const auto& r : readers_) {
    const std::uint64_t g = r->present && r->card ? r->card->generation : 0;
    if (shown(card::KeyKind::kAuth)) {
      out[r->first_slot] = g;
    }
    if (shown(card::KeyKind::kSign)) {
      out[r->first_slot + 1] = g;
    }
  }
  return out;
}

}  // namespace jpki::pkcs11
