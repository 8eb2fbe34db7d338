// Where cards come from: lists readers, tells whether a card is in each, connects.
// The PC/SC implementation lives in pcsc_reader_provider.h; tests plug in others.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transport/card_channel.h"

namespace jpki::transport {

struct ReaderState {
  std::string name;
  bool card_present = false;
  // Changes whenever a card is inserted or removed (pcsc-lite's event counter),
  // so "same reader, another card" is visible even if both polls saw a card;
  // and when PC/SC itself restarted (the card's connection went with it).
  std::uint32_t insertion_counter = 0;
};

class ReaderProvider {
 public:
  virtual ~ReaderProvider() = default;
  ReaderProvider() = default;
  ReaderProvider(const ReaderProvider&) = delete;
  ReaderProvider& operator=(const ReaderProvider&) = delete;

  // Current readers. Throws TransportError(kNoService) when PC/SC is unavailable.
  virtual std::vector<ReaderState> readers() = 0;
  // Shared connection to the card in `reader`.
  virtual std::unique_ptr<CardChannel> connect(const std::string& reader) = 0;
  // Blocks until a reader or card changes, `timeout` passes or cancel() is called.
  // Returns true when something changed.
  virtual bool wait_for_change(std::chrono::milliseconds timeout) = 0;
  // Wakes a wait_for_change from another thread (C_Finalize).
  virtual void cancel() = 0;
};

}  // namespace jpki::transport
