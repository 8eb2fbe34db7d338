#include "apdu/response.h"

namespace jpki::apdu {

Bytes Response::encode() const {
  Bytes out = data;
  out.push_back(sw.sw1());
  out.push_back(sw.sw2());
  return out;
}

std::optional<Response> parse_response(ByteView raw) {
  if (raw.size() < 2) return std::nullopt;
  Response r;
  r.data.assign(raw.begin(), raw.end() - 2);
  r.sw = StatusWord(raw[raw.size() - 2], raw[raw.size() - 1]);
  return r;
}

}  // namespace jpki::apdu
