#include "sim/response_shaper.h"

#include <algorithm>
#include <utility>

#include "apdu/jpki.h"

namespace jpki::sim {
namespace {

using apdu::Response;
using apdu::StatusWord;

Response sw(std::uint16_t v) { return Response{{}, StatusWord(v)}; }

// 61xx: xx bytes (00 = 256 or more) wait for GET RESPONSE.
StatusWord more_data(std::size_t n) {
  return StatusWord(0x61, static_cast<std::uint8_t>(std::min<std::size_t>(n, 256)));
}

void put_fid(Bytes& b, std::uint16_t fid) {
  b.push_back(static_cast<std::uint8_t>(fid >> 8));
  b.push_back(static_cast<std::uint8_t>(fid & 0xFF));
}

// A minimal FCI template (ISO 7816-4 5.3.3): 84 DF name for the applet; 80 size
// (when the EF holds data) and 83 file identifier for an EF.
Bytes fci(const apdu::Command& c, const std::map<std::uint16_t, Bytes>& files) {
  Bytes body;
  if (c.p1 == 0x04) {
    body = {0x84, static_cast<std::uint8_t>(c.data.size())};
    body.insert(body.end(), c.data.begin(), c.data.end());
  } else {
    const auto fid = static_cast<std::uint16_t>((c.data.at(0) << 8) | c.data.at(1));
    if (const auto it = files.find(fid); it != files.end()) {
      body = {0x80, 0x02};
      put_fid(body, static_cast<std::uint16_t>(it->second.size()));
    }
    body.push_back(0x83);
    body.push_back(0x02);
    put_fid(body, fid);
  }
  Bytes out{0x6F, static_cast<std::uint8_t>(body.size())};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace

Bytes ResponseShaper::process(ByteView raw, const std::map<std::uint16_t, Bytes>& files,
                              const Dispatch& dispatch) {
  // Any command drops data nobody fetched; only GET RESPONSE may take it.
  std::optional<Response> pending = std::exchange(pending_, std::nullopt);
  auto cmd = apdu::parse_command(raw);
  if (!cmd) {
    return sw(StatusWord::kWrongLength).encode();
  }
  if (cmd->extended) {
    if (variant_.ext == Variant::Extended::kNo) {
      return sw(StatusWord::kWrongLength).encode();
    }
    // A reader or card that only passes short answers: the extended Le becomes 256.
    if (variant_.ext == Variant::Extended::kTruncate && cmd->ins == apdu::ins::kReadBinary && cmd->le &&
        *cmd->le > apdu::kMaxShortLe) {
      cmd->le = apdu::kMaxShortLe;
    }
  }
  if (variant_.get_response && cmd->cla == 0x00 && cmd->ins == apdu::ins::kGetResponse) {
    return get_response(*cmd, std::move(pending)).encode();
  }
  return defer(shape(*cmd, dispatch(*cmd), files)).encode();
}

Response ResponseShaper::get_response(const apdu::Command& c, std::optional<Response> pending) {
  if (c.p1 != 0x00 || c.p2 != 0x00) {
    return sw(StatusWord::kIncorrectP1P2);
  }
  if (!c.data.empty() || !c.le) {
    return sw(StatusWord::kWrongLength);
  }
  if (!pending) {
    return sw(StatusWord::kConditionsNotSatisfied);
  }
  const std::size_t n = std::min(*c.le, pending->data.size());
  Response out{Bytes(pending->data.begin(), pending->data.begin() + static_cast<std::ptrdiff_t>(n)),
               pending->sw};
  if (n < pending->data.size()) {
    pending->data.erase(pending->data.begin(), pending->data.begin() + static_cast<std::ptrdiff_t>(n));
    out.sw = more_data(pending->data.size());
    pending_ = std::move(pending);
  }
  return out;
}

Response ResponseShaper::shape(const apdu::Command& c, Response r,
                               const std::map<std::uint16_t, Bytes>& files) const {
  if (variant_.fci && c.cla == 0x00 && c.ins == apdu::ins::kSelect && r.ok()) {
    r.data = fci(c, files);
  }
  // max-le=256 caps nothing: a short Le cannot ask for more, extended reads follow `ext`.
  if (c.ins == apdu::ins::kReadBinary && variant_.max_le < apdu::kMaxShortLe &&
      r.data.size() > variant_.max_le) {
    r.data.resize(variant_.max_le);
    r.sw = StatusWord(StatusWord::kSuccess);  // the end of the file was not reached
  }
  return r;
}

Response ResponseShaper::defer(Response r) {
  if (!variant_.get_response || r.data.empty()) {
    return r;
  }
  const StatusWord announce = more_data(r.data.size());
  pending_ = std::move(r);
  return Response{{}, announce};
}

}  // namespace jpki::sim
