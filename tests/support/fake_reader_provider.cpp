#include "tests/support/fake_reader_provider.h"

#include <algorithm>
#include <stdexcept>

namespace jpki::test {

using transport::ErrorKind;
using transport::TransportError;

namespace {
template <typename Readers>
auto* find_in(Readers& readers, const std::string& name) {
  const auto it = std::find_if(readers.begin(), readers.end(), [&](const auto& r) { return r.name == name; });
  return it == readers.end() ? nullptr : &*it;
}
}  // namespace

FakeReaderProvider::Reader& FakeReaderProvider::reader(const std::string& name) {
  Reader* r = find_in(readers_, name);
  if (r == nullptr) {
    throw std::logic_error("no fake reader " + name);
  }
  return *r;
}

void FakeReaderProvider::add_reader(const std::string& name, std::shared_ptr<FakeCard> card,
                                    std::size_t max_response) {
  if (Reader* again = find_in(readers_, name); again != nullptr) {  // plugged in again
    again->listed = true;
    again->max_response = max_response;
    if (card) {
      insert(name, std::move(card));
    }
    changed_ = true;
    return;
  }
  Reader r;
  r.name = name;
  r.card_in = card != nullptr;
  r.insertions = card ? 1 : 0;
  r.card = std::move(card);
  r.max_response = max_response;
  readers_.push_back(std::move(r));
  changed_ = true;
}

void FakeReaderProvider::unplug_reader(const std::string& name) {
  Reader& r = reader(name);
  if (r.card_in) {
    pull_out(name);
  }
  r.listed = false;
  changed_ = true;
}

void FakeReaderProvider::insert(const std::string& name, std::shared_ptr<FakeCard> card) {
  Reader& r = reader(name);
  if (card) {
    r.card = std::move(card);
  }
  if (!r.card) {
    throw std::logic_error("nothing to insert into " + name);
  }
  r.card->put_back();
  r.card_in = true;
  ++r.insertions;
  changed_ = true;
}

void FakeReaderProvider::pull_out(const std::string& name) {
  Reader& r = reader(name);
  if (r.card) {
    r.card->pull_out();
  }
  r.card_in = false;
  ++r.insertions;
  changed_ = true;
}

FakeCard* FakeReaderProvider::card_in(const std::string& name) const {
  const Reader* r = find_in(readers_, name);
  return r != nullptr && r->card_in ? r->card.get() : nullptr;
}

std::vector<transport::ReaderState> FakeReaderProvider::readers() {
  if (!service_running) {
    throw TransportError(ErrorKind::kNoService, "pcscd is not running");
  }
  std::vector<transport::ReaderState> out;
  for (const Reader& r : readers_) {
    if (r.listed) {
      out.push_back(transport::ReaderState{r.name, r.card_in, r.insertions});
    }
  }
  return out;
}

std::unique_ptr<transport::CardChannel> FakeReaderProvider::connect(const std::string& name) {
  if (!service_running) {
    throw TransportError(ErrorKind::kNoService, "pcscd is not running");
  }
  const Reader* r = find_in(readers_, name);
  if (r == nullptr || !r->listed) {
    throw TransportError(ErrorKind::kNoReader, "no reader " + name);
  }
  if (!r->card_in) {
    throw TransportError(ErrorKind::kRemoved, "no card in " + name);
  }
  ++connects;
  return std::make_unique<FakeChannel>(r->card, r->name, r->max_response);
}

bool FakeReaderProvider::wait_for_change(std::chrono::milliseconds /*timeout*/) {
  const bool was = changed_;
  changed_ = false;
  return was;
}

}  // namespace jpki::test
