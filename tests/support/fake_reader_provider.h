// The one fake transport::ReaderProvider: readers a test plugs in and out, cards
// it inserts and pulls out, and pcscd going away, all in process. Connections are
// FakeChannels on the reader's card.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/fake_card.h"
#include "tests/support/fake_channel.h"
#include "transport/reader_provider.h"

namespace jpki::test {

class FakeReaderProvider final : public transport::ReaderProvider {
 public:
  // A reader listed from the next readers() on, with `card` in it (null: empty).
  void add_reader(const std::string& name, std::shared_ptr<FakeCard> card = nullptr,
                  std::size_t max_response = 65538);
  void unplug_reader(const std::string& name);  // the card goes with it
  // Puts `card` in (null: the card last pulled out of that reader).
  void insert(const std::string& name, std::shared_ptr<FakeCard> card = nullptr);
  void pull_out(const std::string& name);
  // The card in `name`, or nullptr.
  [[nodiscard]] FakeCard* card_in(const std::string& name) const;

  // false: pcscd is not running (readers() and connect() say kNoService).
  bool service_running = true;
  int connects = 0;
  int cancels = 0;

  std::vector<transport::ReaderState> readers() override;
  std::unique_ptr<transport::CardChannel> connect(const std::string& reader) override;
  // Never blocks: whether anything changed since the last call.
  bool wait_for_change(std::chrono::milliseconds timeout) override;
  void cancel() override { ++cancels; }

 private:
  struct Reader {
    std::string name;
    std::shared_ptr<FakeCard> card;  // kept after a pull_out, for insert(name)
    bool card_in = false;
    bool listed = true;
    std::uint32_t insertions = 0;  // pcsc-lite's event counter
    std::size_t max_response = 65538;
  };
  Reader& reader(const std::string& name);
  std::vector<Reader> readers_;
  bool changed_ = false;
};

}  // namespace jpki::test
