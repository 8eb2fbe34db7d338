// How the card's answers reach the host, apart from what they mean: extended-length
// handling, FCI on SELECT, a per-response READ BINARY limit, and T=0 style 61xx +
// GET RESPONSE (docs/jpki-card.md §9: ext, fci, max-le, get-response). VirtualCard decides
// what a command means; this wraps it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>

#include "apdu/bytes.h"
#include "apdu/command.h"
#include "apdu/response.h"
#include "sim/variant.h"

namespace jpki::sim {

class ResponseShaper {
 public:
  using Dispatch = std::function<apdu::Response(const apdu::Command&)>;

  explicit ResponseShaper(Variant variant) : variant_(std::move(variant)) {}

  // Parses `raw`, hands it to `dispatch` (the applet) and shapes the answer. `files`
  // gives the sizes an FCI reports.
  Bytes process(ByteView raw, const std::map<std::uint16_t, Bytes>& files, const Dispatch& dispatch);
  void reset() { pending_.reset(); }  // power cycle: data waiting for GET RESPONSE is lost

 private:
  apdu::Response get_response(const apdu::Command& c, std::optional<apdu::Response> pending);
  [[nodiscard]] apdu::Response shape(const apdu::Command& c, apdu::Response r,
                                     const std::map<std::uint16_t, Bytes>& files) const;
  apdu::Response defer(apdu::Response r);

  Variant variant_;
  std::optional<apdu::Response> pending_;  // data not yet fetched, and the SW that ends it
};

}  // namespace jpki::sim
