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
  if (b.size() < off + len) {
    return {};
  }
  std::string s(b.begin() + static_cast<std::ptrdiff_t>(off),
                b.begin() + static_cast<std::ptrdiff_t>(off + len));
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) {
    s.pop_back();
  }
  return s;
}

// EF 0006 serialNumber, when it is one: text, and not blank or all zeros.
std::string serial_field(const Bytes& info) {
  std::string s = trim(info, 80, 16);
  const bool text = std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
  const bool zeros = s.find_first_not_of("0 ") == std::string::npos;
  return text && !zeros ? s : std::string{};
}

constexpr std::size_t kTokenNameSize = 32;  // the space-padded name opening EF 0006

// READ BINARY answers that carry data: 9000, or 6282 (end of file reached
// before Le bytes; ISO 7816-4 says the data is valid).
bool has_data(const Response& r) {
  return (r.ok() || r.sw.value() == StatusWord::kEndOfFile) && !r.data.empty();
}
}  // namespace

// One transaction: APDU exchange with 61xx/6Cxx handling, counting, tracing,
// and memory of what is selected within this transaction only.
class JpkiCard::Exchange {
 public:
  explicit Exchange(JpkiCard& card) : card_(card) {
    if (card_.open_exchanges_ > 0) {  // inside a Batch: its transaction is ours
      ++card_.open_exchanges_;
      return;
    }
    try {
      card_.channel_.begin_transaction();
    } catch (const transport::TransportError& e) {
      if (e.kind() != transport::ErrorKind::kReset) {
        throw;
      }
      card_.channel_.reconnect();
      card_.forget_card_state();
      ++card_.reset_epoch_;
      card_.channel_.begin_transaction();
    }
    ++card_.open_exchanges_;
  }
  ~Exchange() {
    if (--card_.open_exchanges_ == 0) {
      card_.channel_.end_transaction();
    }
  }
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
    while (r.sw.more_data()) {  // 61xx: T=0 style, the rest by GET RESPONSE (may come in parts)
      if (++rounds > kMaxGetResponseRounds || data.size() > kMaxResponseBytes) {
        throw CardError(CardErrorKind::kBadResponse, "card kept answering 61xx");
      }
      r = once(apdu::get_response(r.sw.sw2() == 0 ? apdu::kMaxShortLe : r.sw.sw2()));
      if (r.sw.wrong_le()) {
        r = once(apdu::get_response(r.sw.sw2() == 0 ? apdu::kMaxShortLe : r.sw.sw2()));
      }
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

  // SELECT of an EF and nothing else (no fallback to selecting the applet, which
  // would clear the PIN state): false when the card refuses.
  bool try_select_ef(std::uint16_t fid) {
    if (ef_ == fid) {
      return true;
    }
    if (!send(apdu::select_ef(fid)).ok()) {
      return false;
    }
    ef_ = fid;
    return true;
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
      if (cmd.ins == apdu::ins::kSelect && !cmd.le) {
        r->data.clear();  // an FCI although P2=0C asked for none: harmless, dropped
      } else {
        throw CardError(CardErrorKind::kBadResponse, "more data than asked for");
      }
    }
    return *r;
  }

  JpkiCard& card_;
  bool selected_here_ = false;
  std::optional<std::uint16_t> ef_;
};

JpkiCard::JpkiCard(transport::CardChannel& channel, CardOptions options, ApduTrace trace)
    : channel_(channel), options_(options), trace_(std::move(trace)) {}

namespace {
// EF 0006 is selected: reads it whole (up to 160 bytes), at least its 32-byte
// token name. Le=160 first, so the usual card costs one READ BINARY; a 32-byte
// EF may answer that with its 32 bytes (+ 9000 or 6282), 6Cxx (resent by the
// exchange), or 6700 / 6B00 / anything else, which gets one READ with Le=32.
// Throws kFileNotFound when the card says there is no such file.
template <typename X>
Bytes read_token_info(X& x) {
  x.select_ef(apdu::ef::kTokenInfo);
  std::size_t limit = apdu::kTokenInfoSize;
  Response r = x.send(apdu::read_binary(0, limit));
  if (r.sw.value() == StatusWord::kFileNotFound) {
    throw CardError(CardErrorKind::kFileNotFound, "no token info EF");
  }
  if (!has_data(r)) {
    limit = kTokenNameSize;
    r = x.send(apdu::read_binary(0, limit));
    if (r.sw.value() == StatusWord::kFileNotFound) {
      throw CardError(CardErrorKind::kFileNotFound, "no token info EF");
    }
    if (!has_data(r)) {
      throw CardError(CardErrorKind::kUnexpectedStatus, "token info unreadable: " + r.sw.name());
    }
  }
  Bytes data = std::move(r.data);
  // 9000 with fewer bytes than asked: the card or reader sends less per answer;
  // go on from there. Exactly 32 is the short layout (its Le past the end), not that.
  bool more = r.ok() && data.size() < limit && data.size() != kTokenNameSize;
  while (more) {
    try {
      r = x.send(apdu::read_binary(static_cast<std::uint16_t>(data.size()), limit - data.size()));
    } catch (const CardError&) {
      if (data.size() < kTokenNameSize) {
        throw;
      }
      break;  // what is past the name is optional: never lose the card over it
    }
    if (!has_data(r)) {
      break;  // end of the file (6B00, 6282 without data, ...)
    }
    data.insert(data.end(), r.data.begin(), r.data.end());
    more = r.ok() && data.size() < limit;
  }
  return data;
}

bool names_jpki(const Bytes& info) {
  return info.size() >= kTokenNameSize && token_model_of(trim(info, 0, kTokenNameSize)).has_value();
}
}  // namespace

JpkiCard::Batch::Batch(JpkiCard& card) : exchange_(std::make_unique<Exchange>(card)) {}

JpkiCard::Batch::~Batch() = default;

TokenInfo JpkiCard::detect() {
  Exchange x(*this);
  // Another process may have the applet selected with PINs verified: selecting
  // it again would log that process out. So try its token info EF first and
  // select the applet only when that is not the JPKI token's.
  applet_selected_ = true;
  auto attempt = [&]() -> std::optional<Bytes> {
    try {
      return read_token_info(x);
    } catch (const CardError& e) {
      if (e.kind() == CardErrorKind::kNotJpki) {  // select_ef already tried the applet: there is none
        applet_selected_ = false;
        throw;
      }
      if (!x.selected_here()) {
        return std::nullopt;  // perhaps another applet is selected: decided below
      }
      applet_selected_ = false;
      if (e.kind() == CardErrorKind::kFileNotFound) {
        throw CardError(CardErrorKind::kNotJpki, "no token info EF");
      }
      throw;  // garbled: worth asking again later
    }
  };
  std::optional<Bytes> d = attempt();
  if (!(d && names_jpki(*d)) && !x.selected_here()) {
    x.select_applet();  // kNotJpki when the card has no such applet
    d = attempt();
  }
  if (!d || d->size() < kTokenNameSize) {  // garbled: worth asking again later
    applet_selected_ = false;
    throw CardError(CardErrorKind::kUnexpectedStatus, "token info unreadable");
  }
  TokenInfo t;
  t.token_name = trim(*d, 0, kTokenNameSize);
  const auto model = token_model_of(t.token_name);
  if (!model) {
    applet_selected_ = false;
    throw CardError(CardErrorKind::kNotJpki, "no JPKI token info");
  }
  t.model = *model;
  t.manufacturer = trim(*d, 32, 32);
  t.model_field = trim(*d, 64, 16);
  t.serial = serial_field(*d);
  t.raw = std::move(*d);
  return t;
}

Bytes JpkiCard::read_certificate(CertKind which) {
  Exchange x(*this);
  x.select_ef(cert_ef(which));
  auto read = [&](std::size_t offset, std::size_t le, bool extended) {
    Response r = x.send(apdu::read_binary(static_cast<std::uint16_t>(offset), le, extended));
    if (r.sw.value() == StatusWord::kSecurityNotSatisfied) {
      throw CardError(CardErrorKind::kSecurityNotSatisfied, "certificate needs a PIN first");
    }
    return r;
  };
  // Short reads give the DER header (and the first 256 bytes); the rest comes
  // in one extended READ BINARY where reader and card take it, else in 256-byte
  // reads. Any answer may hold fewer bytes than asked (9000 or 6282): reading
  // goes on from where it stopped, exactly up to the DER length, so filler
  // (FF, 00 or none) is never read past and never kept.
  Bytes data;
  while (data.size() < der_header_size(data)) {
    const Response r = read(data.size(), apdu::kMaxShortLe, false);
    if (!has_data(r)) {
      if (data.empty()) {
        unexpected("READ BINARY", r.sw);
      }
      break;  // decided below: not a DER header
    }
    data.insert(data.end(), r.data.begin(), r.data.end());
  }
  const auto total = der_sequence_length(data);
  if (!total || *total > kMaxCertificateSize) {
    throw CardError(CardErrorKind::kBadResponse, "certificate EF does not hold a DER certificate");
  }
  const std::size_t max_extended = channel_.max_response_size() > 2 ? channel_.max_response_size() - 2 : 0;
  if (data.size() < *total && options_.try_extended_length && !extended_refused_ &&
      *total - data.size() > apdu::kMaxShortLe && *total - data.size() <= max_extended) {
    try {
      const std::size_t want = *total - data.size();
      const Response r = read(data.size(), want, true);
      if (has_data(r)) {
        data.insert(data.end(), r.data.begin(), r.data.end());
      }
      // Refused (e.g. 6700: the card wants short APDUs) or cut short (a card
      // that answers at most 256 bytes): short reads do as well from now on.
      if (!has_data(r) || r.data.size() < want) {
        extended_refused_ = true;
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
    if (!has_data(r)) {
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
  set_verified(which);
}

void JpkiCard::change_pin(KeyKind which, const SecureString& old_pin, const SecureString& new_pin) {
  if (new_pin.empty() || new_pin.size() > 255) {
    throw CardError(CardErrorKind::kInvalidInput, "new PIN length");
  }
  Exchange x(*this);
  verify_in(x, which, old_pin);
  set_verified(which);
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

// A 1-byte READ BINARY of EF 0001 (the signing certificate) says whether the
// signing PIN is verified: 6982 when not. The byte is neither kept nor traced.
JpkiCard::SignPinProbe JpkiCard::probe_sign_pin(Exchange& x) {
  if (!applet_selected_ || !x.try_select_ef(apdu::ef::kSignCert)) {
    return SignPinProbe::kUnclear;
  }
  Response r = x.send(apdu::read_binary(0, 1));
  OPENSSL_cleanse(r.data.data(), r.data.size());
  if (r.sw.value() == StatusWord::kSecurityNotSatisfied) {
    return SignPinProbe::kNotVerified;
  }
  return r.ok() && !r.data.empty() ? SignPinProbe::kVerified : SignPinProbe::kUnclear;
}

Recovered JpkiCard::recover(transport::ErrorKind kind) {
  if (kind != transport::ErrorKind::kReset) {
    try {
      channel_.reconnect(false);
      (void)detect();  // reads the token info; selects the applet only if another one is
      return Recovered::kReconnected;
    } catch (const transport::TransportError&) {  // still no sensible answer: reset below
    } catch (const CardError&) {
    }
  }
  channel_.reconnect(kind != transport::ErrorKind::kReset);
  forget_card_state();
  ++reset_epoch_;
  return Recovered::kWasReset;
}

void JpkiCard::reset_card() {
  channel_.reconnect(true);
  applet_selected_ = false;
  verified_ = {false, false};
}

// Re-SELECT where the card is known to honour it, or where the signing PIN is
// verified for sure (`can_learn`): then the probe after it says whether it
// cleared. Anything else, or a card that kept the PIN: reset.
Cleared JpkiCard::drop_state(Exchange& x, bool can_learn) {
  if (reselect_clears_ == true || (!reselect_clears_ && can_learn)) {
    x.select_applet();
    if (reselect_clears_ == true) {
      verified_ = {false, false};
      return Cleared::kReselected;
    }
    const SignPinProbe p = probe_sign_pin(x);
    if (p == SignPinProbe::kNotVerified) {
      reselect_clears_ = true;
      verified_ = {false, false};
      return Cleared::kReselected;
    }
    if (p == SignPinProbe::kVerified) {
      reselect_clears_ = false;
    }
  }
  reset_card();
  return Cleared::kReset;
}

Cleared JpkiCard::clear_verified(ClearScope scope, SignPinNow now) {
  const auto needs_auth = [&] {
    return scope != ClearScope::kSigningPin && holds_verification(KeyKind::kAuth);
  };
  const auto sign_maybe = [&] { return holds_verification(KeyKind::kSign) || now != SignPinNow::kUnknown; };
  const auto needs_sign = [&] { return scope != ClearScope::kAuthenticationPin && sign_maybe(); };
  if (!needs_auth() && !needs_sign()) {
    return Cleared::kNothing;  // no transaction either
  }
  Exchange x(*this);  // (a reset by someone else, found here, cleared everything already)
  const bool need_auth = needs_auth();
  bool need_sign = needs_sign();
  if (!need_auth && !need_sign) {
    return Cleared::kNothing;
  }
  try {
    // Is the signing PIN verified right now? Known (kVerified, or what a
    // signature does on this card), or asked with the probe when the answer can
    // spare a clear or teach what a re-SELECT does.
    std::optional<bool> sign_on;
    if (now == SignPinNow::kVerified) {
      sign_on = true;
    } else if (now == SignPinNow::kJustSigned && signature_keeps_) {
      sign_on = *signature_keeps_;
    } else if (sign_maybe() && (now == SignPinNow::kJustSigned || !reselect_clears_)) {
      const SignPinProbe p = probe_sign_pin(x);
      if (p != SignPinProbe::kUnclear) {
        sign_on = p == SignPinProbe::kVerified;
        if (now == SignPinNow::kJustSigned) {
          signature_keeps_ = sign_on;
        }
      }
    }
    if (sign_on == false) {
      verified_[static_cast<std::size_t>(KeyKind::kSign)] = false;
      need_sign = false;
    }
    if (!need_auth && !need_sign) {
      return Cleared::kNothing;
    }
    return drop_state(x, sign_on == true);
  } catch (const CardError&) {
    reset_card();  // the card would not be re-selected or probed: a reset clears it for sure
    return Cleared::kReset;
  } catch (const transport::TransportError& e) {
    if (e.kind() == transport::ErrorKind::kRemoved || e.kind() == transport::ErrorKind::kNoReader ||
        e.kind() == transport::ErrorKind::kNoService) {
      throw;
    }
    reset_card();
    return Cleared::kReset;
  }
}

}  // namespace jpki::card
