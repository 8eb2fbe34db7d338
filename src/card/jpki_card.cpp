#include "card/jpki_card.h"

#include <algorithm>

#include "apdu/response.h"
#include "card/der_length.h"

namespace jpki::card {

using apdu::Command;
using apdu::Response;
using apdu::StatusWord;

namespace {
constexpr int kMaxGetResponseRounds = 64;
constexpr std::size_t kMaxResponseBytes = 65536;
constexpr std::size_t kMaxCertificateSize = 0x7FFF;

std::uint16_t pin_ef(KeyKind k) { return k == KeyKind::kAuth ? apdu::ef::kAuthPin : apdu::ef::kSignPin; }
std::uint16_t key_ef(KeyKind k) { return k == KeyKind::kAuth ? apdu::ef::kAuthKey : apdu::ef::kSignKey; }
std::uint16_t cert_ef(CertKind k) {
  switch (k) {
    case CertKind::kAuth:
      return apdu::ef::kAuthCert;
    case CertKind::kAuthCa:
      return apdu::ef::kAuthCaCert;
    case CertKind::kSign:
      return apdu::ef::kSignCert;
    case CertKind::kSignCa:
      return apdu::ef::kSignCaCert;
  }
  return 0;
}

[[noreturn]] void unexpected(const char* what, StatusWord sw) {
  throw CardError(CardErrorKind::kUnexpectedStatus, std::string(what) + ": card answered " + sw.name());
}

// Wipes a buffer that may carry a PIN when it goes out of scope, thrown or not.
class WipeOnExit {
 public:
  explicit WipeOnExit(Bytes& b) : b_(b) {}
  ~WipeOnExit() { OPENSSL_cleanse(b_.data(), b_.size()); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  Bytes& b_;
};

std::string trim(const Bytes& b, std::size_t off, std::size_t len) {
  std::string s(b.begin() + static_cast<std::ptrdiff_t>(off),
                b.begin() + static_cast<std::ptrdiff_t>(off + len));
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) {
    s.pop_back();
  }
  return s;
}
}  // namespace

// One transaction: APDU exchange with 61xx/6Cxx handling, counting, tracing,
// and memory of what is selected within this transaction only.
class JpkiCard::Exchange {
 public:
  explicit Exchange(JpkiCard& card) : card_(card) {
    try {
      card_.channel_.begin_transaction();
    } catch (const transport::TransportError& e) {
      if (e.kind() != transport::ErrorKind::kReset) {
        throw;
      }
      card_.channel_.reconnect();
      card_.applet_selected_ = false;
      if (card_.on_reset_) {
        card_.on_reset_();
      }
      card_.channel_.begin_transaction();
    }
  }
  ~Exchange() { card_.channel_.end_transaction(); }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  Response send(Command cmd) {
    const WipeOnExit wipe_copy(cmd.data);  // a copy of a VERIFY carries the PIN
    Response r = once(cmd);
    if (r.sw.wrong_le()) {  // 6Cxx: resend once with the Le the card wants
      cmd.le = r.sw.sw2() == 0 ? apdu::kMaxShortLe : r.sw.sw2();
      r = once(cmd);
    }
    Bytes data = std::move(r.data);
    int rounds = 0;
    while (r.sw.more_data()) {
      if (++rounds > kMaxGetResponseRounds || data.size() > kMaxResponseBytes) {
        throw CardError(CardErrorKind::kBadResponse, "card kept answering 61xx");
      }
      r = once(apdu::get_response(r.sw.sw2() == 0 ? apdu::kMaxShortLe : r.sw.sw2()));
      data.insert(data.end(), r.data.begin(), r.data.end());
    }
    r.data = std::move(data);
    return r;
  }

  void select_applet() {
    card_.applet_selected_ = false;
    selected_here_ = true;  // tried in this transaction: never again
    const Response r = send(apdu::select_applet());
    if (!r.ok()) {
      // "No such applet" or "no such command" mean another kind of card; any other
      // answer is a card misbehaving, worth asking again later.
      const auto v = r.sw.value();
      const bool absent = v == StatusWord::kFileNotFound || (v >> 8) == 0x6A || v == 0x6D00 || v == 0x6E00;
      throw CardError(absent ? CardErrorKind::kNotJpki : CardErrorKind::kUnexpectedStatus,
                      "no JPKI applet: " + r.sw.name());
    }
    card_.applet_selected_ = true;
    selected_here_ = true;
    ef_.reset();
  }

  // The EF is selected anew in every transaction (another process may have
  // selected another since); the applet only when it is not selected.
  [[nodiscard]] bool selected_here() const { return selected_here_; }
  void select_ef(std::uint16_t fid) {
    if (!card_.applet_selected_) {
      select_applet();
    }
    if (ef_ == fid) {
      return;
    }
    Response r = send(apdu::select_ef(fid));
    if (!r.ok() && !selected_here_) {
      select_applet();  // not selected after all (reset, or another applet chosen since)
      r = send(apdu::select_ef(fid));
    }
    if (r.sw.value() == StatusWord::kFileNotFound) {
      throw CardError(CardErrorKind::kFileNotFound, "EF not found");
    }
    if (!r.ok()) {
      unexpected("SELECT EF", r.sw);
    }
    ef_ = fid;
  }

 private:
  Response once(const Command& cmd) {
    Bytes raw = cmd.encode();
    const WipeOnExit wipe_raw(raw);
    const Bytes reply = card_.channel_.transmit(raw);
    ++card_.apdu_count_;
    auto r = apdu::parse_response(reply);
    if (card_.trace_) {
      // PIN bytes, and the signing certificate (name, address, birth date, sex),
      // never leave this function: the trace sees the header or the status word only.
      // With EF 0001 selected, a GET RESPONSE carries the rest of its READ BINARY.
      const bool pin = cmd.ins == apdu::ins::kVerify || cmd.ins == apdu::ins::kChangeReferenceData;
      const bool personal = (cmd.ins == apdu::ins::kReadBinary || cmd.ins == apdu::ins::kGetResponse) &&
                            ef_ == apdu::ef::kSignCert && reply.size() >= 2;
      const ByteView shown_cmd = pin ? ByteView(raw).first(4) : ByteView(raw);
      const ByteView shown_reply = personal ? ByteView(reply).last(2) : ByteView(reply);
      card_.trace_(shown_cmd, shown_reply);
    }
    if (!r) {
      throw CardError(CardErrorKind::kBadResponse, "response without status word");
    }
    if (r->data.size() > cmd.le.value_or(0)) {
      throw CardError(CardErrorKind::kBadResponse, "more data than asked for");
    }
    return *r;
  }

  JpkiCard& card_;
  bool selected_here_ = false;
  std::optional<std::uint16_t> ef_;
};

JpkiCard::JpkiCard(transport::CardChannel& channel, CardOptions options, ApduTrace trace)
    : channel_(channel), options_(options), trace_(std::move(trace)) {}

TokenInfo JpkiCard::detect() {
  Exchange x(*this);
  auto read_token_info = [&] {
    x.select_ef(apdu::ef::kTokenInfo);
    return x.send(apdu::read_binary(0, apdu::kTokenInfoSize));
  };
  auto is_token_info = [](const Response& r) {
    return r.ok() && r.data.size() >= 96 && trim(r.data, 0, 14) == "JPKIAPICCTOKEN";
  };
  // Another process may have the applet selected with PINs verified: selecting
  // it again would log that process out. So try its token info EF first and
  // select the applet only when that is not the JPKI token's.
  applet_selected_ = true;
  std::optional<Response> r;
  try {
    r = read_token_info();
  } catch (const CardError& e) {
    if (e.kind() == CardErrorKind::kNotJpki) {  // select_ef already tried the applet: there is none
      applet_selected_ = false;
      throw;
    }
    r.reset();  // perhaps another applet is selected: decided below
  }
  if (!(r && is_token_info(*r)) && !x.selected_here()) {
    x.select_applet();  // kNotJpki when the card has no such applet
    try {
      r = read_token_info();
    } catch (const CardError& e) {
      applet_selected_ = false;
      if (e.kind() == CardErrorKind::kFileNotFound) {
        throw CardError(CardErrorKind::kNotJpki, "no token info EF");
      }
      throw;
    }
  }
  if (!r || !r->ok() || r->data.size() < 96) {  // garbled: worth asking again later
    applet_selected_ = false;
    throw CardError(CardErrorKind::kUnexpectedStatus, "token info unreadable");
  }
  if (!is_token_info(*r)) {
    applet_selected_ = false;
    throw CardError(CardErrorKind::kNotJpki, "no JPKI token info");
  }
  TokenInfo t;
  t.raw = r->data;
  t.token_name = trim(r->data, 0, 32);
  t.manufacturer = trim(r->data, 32, 32);
  t.model = trim(r->data, 64, 16);
  t.serial = trim(r->data, 80, 16);
  return t;
}

Bytes JpkiCard::read_certificate(CertKind which) {
  Exchange x(*this);
  x.select_ef(cert_ef(which));
  auto read = [&](std::size_t offset, std::size_t le, bool extended) {
    Response r = x.send(apdu::read_binary(static_cast<std::uint16_t>(offset), le, extended));
    if (r.sw.value() == StatusWord::kSecurityNotSatisfied) {
      throw CardError(CardErrorKind::kSecurityNotSatisfied, "certificate needs the signing password first");
    }
    return r;
  };
  // A short read gives the DER header (and the first 256 bytes); the rest comes
  // in one extended READ BINARY where reader and card take it, else in 256-byte reads.
  const Response first = read(0, apdu::kMaxShortLe, false);
  if (!first.ok()) {
    unexpected("READ BINARY", first.sw);
  }
  Bytes data = first.data;
  const auto total = der_sequence_length(data);
  if (!total || *total > kMaxCertificateSize) {
    throw CardError(CardErrorKind::kBadResponse, "certificate EF does not hold a DER certificate");
  }
  const std::size_t max_extended = channel_.max_response_size() > 2 ? channel_.max_response_size() - 2 : 0;
  if (data.size() < *total && options_.try_extended_length && !extended_refused_ &&
      *total - data.size() > apdu::kMaxShortLe && *total - data.size() <= max_extended) {
    try {
      const Response r = read(data.size(), *total - data.size(), true);
      if (r.ok() && !r.data.empty()) {
        data.insert(data.end(), r.data.begin(), r.data.end());
      } else {
        extended_refused_ = true;  // e.g. 6700: the card wants short APDUs
      }
    } catch (const transport::TransportError& e) {
      if (e.kind() != transport::ErrorKind::kCommunication) {
        throw;
      }
      extended_refused_ = true;  // the reader could not carry it
    }
  }
  while (data.size() < *total) {
    const std::size_t want = std::min<std::size_t>(apdu::kMaxShortLe, *total - data.size());
    const Response r = read(data.size(), want, false);
    if (!r.ok() || r.data.empty()) {
      throw CardError(CardErrorKind::kBadResponse, "certificate ends before its DER length: " + r.sw.name());
    }
    data.insert(data.end(), r.data.begin(), r.data.end());
  }
  data.resize(*total);
  return data;
}

namespace {
PinStatus status_from(StatusWord sw) {
  if (sw.is_retry_counter()) {
    return PinStatus{sw.tries_left()};
  }
  if (sw.pin_blocked()) {
    return PinStatus{0};
  }
  unexpected("PIN status", sw);
}
}  // namespace

PinStatus JpkiCard::pin_status(KeyKind which) {
  Exchange x(*this);
  x.select_ef(pin_ef(which));
  const Response r = x.send(apdu::retry_query());
  if (r.ok()) {
    return PinStatus{pin_rules(which).max_tries};  // some cards answer 9000 once verified
  }
  return status_from(r.sw);
}

namespace {
// Counter check and one VERIFY inside an open exchange. Never repeats the VERIFY.
template <typename X>
void verify_in(X& x, KeyKind which, const SecureString& pin) {
  if (pin.empty() || pin.size() > 255) {
    throw CardError(CardErrorKind::kInvalidInput, "PIN length");
  }
  x.select_ef(pin_ef(which));
  const Response q = x.send(apdu::retry_query());
  if (!q.ok() && status_from(q.sw).blocked()) {
    throw CardError(CardErrorKind::kPinLocked, "PIN is locked", 0);
  }
  Command cmd = apdu::verify(pin.bytes());
  const WipeOnExit wipe_cmd(cmd.data);
  const Response r = x.send(cmd);
  if (r.ok()) {
    return;
  }
  if (r.sw.pin_blocked()) {
    throw CardError(CardErrorKind::kPinLocked, "PIN is locked", 0);
  }
  if (r.sw.is_retry_counter()) {
    throw CardError(CardErrorKind::kPinIncorrect, "wrong PIN", r.sw.tries_left());
  }
  unexpected("VERIFY", r.sw);
}
}  // namespace

void JpkiCard::verify(KeyKind which, const SecureString& pin) {
  Exchange x(*this);
  verify_in(x, which, pin);
}

void JpkiCard::change_pin(KeyKind which, const SecureString& old_pin, const SecureString& new_pin) {
  if (new_pin.empty() || new_pin.size() > 255) {
    throw CardError(CardErrorKind::kInvalidInput, "new PIN length");
  }
  Exchange x(*this);
  verify_in(x, which, old_pin);
  Command cmd = apdu::change_reference_data(new_pin.bytes());
  const WipeOnExit wipe_cmd(cmd.data);
  const Response r = x.send(cmd);
  if (r.ok()) {
    return;
  }
  if (r.sw.value() == StatusWord::kWrongLength) {
    throw CardError(CardErrorKind::kInvalidInput, "new PIN refused");
  }
  if (r.sw.value() == StatusWord::kSecurityNotSatisfied) {
    throw CardError(CardErrorKind::kSecurityNotSatisfied, "card did not keep the verification");
  }
  unexpected("CHANGE REFERENCE DATA", r.sw);
}

Bytes JpkiCard::sign(KeyKind which, ByteView input, apdu::SignScheme scheme) {
  if (input.empty() || input.size() > apdu::kMaxDigestInfo ||
      (scheme == apdu::SignScheme::kPssPrehashedSha256 && input.size() != 32)) {
    throw CardError(CardErrorKind::kInvalidInput, "signature input length");
  }
  Exchange x(*this);
  x.select_ef(key_ef(which));
  const Response r = x.send(apdu::compute_signature(input, scheme));
  if (r.sw.value() == StatusWord::kSecurityNotSatisfied) {
    throw CardError(CardErrorKind::kSecurityNotSatisfied, "key needs its PIN first");
  }
  if (!r.ok()) {
    unexpected("COMPUTE DIGITAL SIGNATURE", r.sw);
  }
  if (r.data.size() != apdu::kSignatureSize) {
    throw CardError(CardErrorKind::kBadResponse, "signature length");
  }
  return r.data;
}

void JpkiCard::logout() {
  Exchange x(*this);
  x.select_applet();
}

}  // namespace jpki::card
