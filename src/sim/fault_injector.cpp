#include "sim/fault_injector.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "apdu/jpki.h"

namespace jpki::sim {
namespace {

constexpr std::uint8_t kInsSelect = 0xA4;
constexpr std::uint8_t kInsReadBinary = 0xB0;
constexpr std::size_t kOverlongExtra = 300;
constexpr std::uint16_t kClaimedCertLength = 0x7F00;

bool is_certificate_ef(std::uint16_t ef) {
  return ef == apdu::ef::kSignCert || ef == apdu::ef::kSignCaCert || ef == apdu::ef::kAuthCert ||
         ef == apdu::ef::kAuthCaCert;
}

std::uint8_t noise(std::size_t offset) { return static_cast<std::uint8_t>((offset * 2654435761U) >> 13); }

}  // namespace

void FaultInjector::configure(const std::string& spec) {
  std::istringstream in(spec);
  std::string word;
  in >> word;
  Mode mode = Mode::kOff;
  std::uint16_t status = 0;
  if (word == "off") {
    mode = Mode::kOff;
  } else if (word == "truncate") {
    mode = Mode::kTruncate;
  } else if (word == "overlong") {
    mode = Mode::kOverlong;
  } else if (word == "sw") {
    std::string hex;
    in >> hex;
    const Bytes sw = from_hex(hex);
    if (sw.size() != 2) {
      throw std::invalid_argument("sw needs four hex digits");
    }
    mode = Mode::kStatus;
    status = static_cast<std::uint16_t>(sw[0] << 8 | sw[1]);
  } else if (word == "cert-length") {
    mode = Mode::kCertLength;
  } else if (word == "garbage-der") {
    mode = Mode::kGarbageDer;
  } else if (word == "endless-61") {
    mode = Mode::kEndless61;
  } else if (word == "silence") {
    mode = Mode::kSilence;
  } else if (word == "vanish") {
    mode = Mode::kVanish;
  } else {
    throw std::invalid_argument("unknown fault '" + word + "'");
  }
  std::optional<std::uint8_t> ins;
  long count = -1;
  long after = 0;
  while (in >> word) {
    std::string value;
    if (!(in >> value)) {
      throw std::invalid_argument(word + " needs a value");
    }
    if (word == "ins") {
      const Bytes b = from_hex(value);
      if (b.size() != 1) {
        throw std::invalid_argument("ins needs two hex digits");
      }
      ins = b[0];
    } else if (word == "after") {
      after = std::stol(value);
      if (after < 0) {
        throw std::invalid_argument("after must not be negative");
      }
    } else if (word == "count") {
      count = std::stol(value);
      if (count <= 0) {
        throw std::invalid_argument("count must be positive");
      }
    } else {
      throw std::invalid_argument("unknown fault option '" + word + "'");
    }
  }
  mode_ = mode;
  status_ = status;
  ins_ = ins;
  remaining_ = count;
  skip_ = after;
}

bool FaultInjector::concerns(ByteView command) const {
  if (command.size() < 4) {
    return false;
  }
  if (ins_ && command[1] != *ins_) {
    return false;
  }
  if (mode_ == Mode::kCertLength || mode_ == Mode::kGarbageDer) {
    if (command[1] != kInsReadBinary || (command[2] & 0x80) != 0) {
      return false;
    }
    if (!selected_ef_ || !is_certificate_ef(*selected_ef_)) {
      return false;
    }
    // cert-length lies in the header only, which lives in the first read.
    if (mode_ == Mode::kCertLength && (command[2] != 0 || command[3] != 0)) {
      return false;
    }
  }
  return true;
}

void FaultInjector::track_selection(ByteView command, const Bytes& response) {
  if (command.size() < 7 || command[1] != kInsSelect) {
    return;
  }
  const bool ok = response.size() >= 2 && response[response.size() - 2] == 0x90;
  if (command[2] == 0x02 && command[4] == 2 && ok) {
    selected_ef_ = static_cast<std::uint16_t>(command[5] << 8 | command[6]);
  } else {
    selected_ef_.reset();  // an applet (or a failed select): no EF
  }
}

FaultInjector::Action FaultInjector::apply(ByteView command, Bytes& response) {
  track_selection(command, response);
  if (mode_ == Mode::kOff || !concerns(command)) {
    return Action::kAnswer;
  }
  if (skip_ > 0) {
    --skip_;
    return Action::kAnswer;
  }
  const Mode mode = mode_;
  if (remaining_ > 0 && --remaining_ == 0) {
    mode_ = Mode::kOff;
  }
  const std::size_t data_size = response.size() >= 2 ? response.size() - 2 : 0;
  switch (mode) {
    case Mode::kOff:
      break;
    case Mode::kTruncate:
      response.resize(std::max<std::size_t>(1, response.size() / 2));
      break;
    case Mode::kOverlong:
      response.insert(response.begin() + static_cast<std::ptrdiff_t>(data_size), kOverlongExtra, 0xA5);
      break;
    case Mode::kStatus:
      response = {static_cast<std::uint8_t>(status_ >> 8), static_cast<std::uint8_t>(status_ & 0xFF)};
      break;
    case Mode::kCertLength:
      if (data_size >= 4 && response[0] == 0x30 && response[1] == 0x82) {
        response[2] = kClaimedCertLength >> 8;
        response[3] = kClaimedCertLength & 0xFF;
      }
      break;
    case Mode::kGarbageDer: {
      const std::size_t offset = static_cast<std::size_t>(command[2]) << 8 | command[3];
      for (std::size_t i = 0; i < data_size; ++i) {
        if (offset + i >= 4) {
          response[i] = noise(offset + i);
        }
      }
      break;
    }
    case Mode::kEndless61:
      response = {0x61, 0x10};
      break;
    case Mode::kSilence:
      return Action::kSilence;
    case Mode::kVanish:
      return Action::kVanish;
  }
  return Action::kAnswer;
}

}  // namespace jpki::sim
