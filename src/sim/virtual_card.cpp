#include "sim/virtual_card.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cstring>

#include "apdu/jpki.h"

namespace jpki::sim {
namespace {

using apdu::Response;
using apdu::StatusWord;

Response sw(std::uint16_t v) { return Response{{}, StatusWord(v)}; }

bool is_key_ef(std::uint16_t fid) { return fid == apdu::ef::kAuthKey || fid == apdu::ef::kSignKey; }
bool is_pin_ef(std::uint16_t fid) { return fid == apdu::ef::kAuthPin || fid == apdu::ef::kSignPin; }

struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

// RSA with the card's key: PKCS#1 v1.5 type-1 padding of `input` (P1=00) or
// PSS over a 32-byte SHA-256 (P1=04, MGF1-SHA256, salt 32).
std::optional<Bytes> rsa_sign(EVP_PKEY* key, ByteView input, bool pss) {
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0) return std::nullopt;
  if (pss) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), 32) <= 0) {
      return std::nullopt;
    }
  } else if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) <= 0) {
    return std::nullopt;
  }
  std::size_t len = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &len, input.data(), input.size()) <= 0) return std::nullopt;
  Bytes out(len);
  if (EVP_PKEY_sign(ctx.get(), out.data(), &len, input.data(), input.size()) <= 0) return std::nullopt;
  out.resize(len);
  return out;
}

}  // namespace

VirtualCard::VirtualCard(std::filesystem::path state_dir, CardOptions options)
    : dir_(std::move(state_dir)), options_(std::move(options)), state_(load_card(dir_)) {}

void VirtualCard::reset() {
  applet_selected_ = false;
  current_ef_.reset();
  auth_verified_ = false;
  sign_verified_ = false;
}

void VirtualCard::unblock() {
  state_.auth.tries = state_.auth.max_tries;
  state_.sign.tries = state_.sign.max_tries;
  save_counters(dir_, state_);
}

Bytes VirtualCard::process(ByteView raw) {
  try {
    const auto cmd = apdu::parse_command(raw);
    if (!cmd) return sw(StatusWord::kWrongLength).encode();
    if (cmd->extended && !options_.extended_length) return sw(StatusWord::kWrongLength).encode();
    return dispatch(*cmd).encode();
  } catch (...) {
    return sw(StatusWord::kNoPreciseDiagnosis).encode();
  }
}

Response VirtualCard::dispatch(const apdu::Command& c) {
  if (c.cla == 0x80 && c.ins == apdu::ins::kComputeSignature) return sign(c);
  if (c.cla != 0x00) return sw(StatusWord::kClaNotSupported);
  switch (c.ins) {
    case apdu::ins::kSelect:
      return select(c);
    case apdu::ins::kReadBinary:
      return read_binary(c);
    case apdu::ins::kVerify:
      return verify(c);
    case apdu::ins::kChangeReferenceData:
      return change_reference_data(c);
    default:
      return sw(StatusWord::kInsNotSupported);
  }
}

Response VirtualCard::select(const apdu::Command& c) {
  if (c.p1 == 0x04) {
    if (c.data == Bytes(apdu::kJpkiAid.begin(), apdu::kJpkiAid.end())) {
      // Re-selecting the applet drops its security state (OpenSC's logout relies on it).
      reset();
      applet_selected_ = true;
      return sw(StatusWord::kSuccess);
    }
    applet_selected_ = false;
    current_ef_.reset();
    return sw(StatusWord::kFileNotFound);
  }
  if (c.p1 == 0x02) {
    if (c.data.size() != 2) return sw(StatusWord::kWrongLength);
    if (!applet_selected_) return sw(StatusWord::kFileNotFound);
    const auto fid = static_cast<std::uint16_t>((c.data[0] << 8) | c.data[1]);
    if (state_.files.count(fid) == 0 && !is_key_ef(fid) && !is_pin_ef(fid))
      return sw(StatusWord::kFileNotFound);
    current_ef_ = fid;
    return sw(StatusWord::kSuccess);
  }
  return sw(StatusWord::kIncorrectP1P2);
}

Response VirtualCard::read_binary(const apdu::Command& c) {
  if ((c.p1 & 0x80) != 0) return sw(StatusWord::kIncorrectP1P2);  // SFI reads not offered
  if (!current_ef_ || state_.files.count(*current_ef_) == 0) return sw(StatusWord::kCommandNotAllowedNoEf);
  if (*current_ef_ == apdu::ef::kSignCert && !sign_verified_) return sw(StatusWord::kSecurityNotSatisfied);
  if (!c.data.empty()) return sw(StatusWord::kWrongLength);
  const Bytes& file = state_.files.at(*current_ef_);
  const std::size_t offset = (static_cast<std::size_t>(c.p1) << 8) | c.p2;
  if (offset >= file.size()) return sw(StatusWord::kWrongP1P2);
  const std::size_t want = c.le.value_or(apdu::kMaxShortLe);
  const std::size_t n = std::min(want, file.size() - offset);
  Response r;
  r.data.assign(file.begin() + static_cast<std::ptrdiff_t>(offset),
                file.begin() + static_cast<std::ptrdiff_t>(offset + n));
  r.sw = StatusWord(StatusWord::kSuccess);
  return r;
}

PinSlot* VirtualCard::current_pin() {
  if (!applet_selected_ || !current_ef_) return nullptr;
  if (*current_ef_ == apdu::ef::kAuthPin) return &state_.auth;
  if (*current_ef_ == apdu::ef::kSignPin) return &state_.sign;
  return nullptr;
}

Response VirtualCard::verify(const apdu::Command& c) {
  if (c.p1 != 0x00 || c.p2 != 0x80) return sw(StatusWord::kIncorrectP1P2);
  if (c.le) return sw(StatusWord::kWrongLength);  // 00 20 00 80 00: a real card answers 6700
  PinSlot* pin = current_pin();
  if (pin == nullptr) return sw(StatusWord::kCommandNotAllowedNoEf);
  if (c.data.empty()) {  // the case-1 retry query: never spends a try; 63C0 once blocked
    return sw(static_cast<std::uint16_t>(0x63C0 | std::max(pin->tries, 0)));
  }
  if (pin->tries <= 0) return sw(StatusWord::kReferenceDataNotUsable);
  const bool match =
      c.data.size() == pin->pin.size() && CRYPTO_memcmp(c.data.data(), pin->pin.data(), c.data.size()) == 0;
  bool& verified = pin == &state_.auth ? auth_verified_ : sign_verified_;
  if (match) {
    pin->tries = pin->max_tries;
    verified = true;
    save_counters(dir_, state_);
    return sw(StatusWord::kSuccess);
  }
  pin->tries -= 1;
  verified = false;
  save_counters(dir_, state_);
  return sw(static_cast<std::uint16_t>(0x63C0 | pin->tries));
}

Response VirtualCard::change_reference_data(const apdu::Command& c) {
  if (c.p1 != 0x01 || c.p2 != 0x80) return sw(StatusWord::kIncorrectP1P2);
  PinSlot* pin = current_pin();
  if (pin == nullptr) return sw(StatusWord::kCommandNotAllowedNoEf);
  const bool verified = pin == &state_.auth ? auth_verified_ : sign_verified_;
  if (!verified) return sw(StatusWord::kSecurityNotSatisfied);
  const std::size_t min = pin == &state_.auth ? 4 : 6;
  const std::size_t max = pin == &state_.auth ? 4 : 16;
  if (c.data.size() < min || c.data.size() > max) return sw(StatusWord::kWrongLength);
  pin->pin.assign(c.data.begin(), c.data.end());
  save_pins(dir_, state_);
  return sw(StatusWord::kSuccess);
}

Response VirtualCard::sign(const apdu::Command& c) {
  if (c.p2 != 0x80) return sw(StatusWord::kIncorrectP1P2);
  if (!applet_selected_ || !current_ef_ || !is_key_ef(*current_ef_))
    return sw(StatusWord::kCommandNotAllowedNoEf);
  const bool auth = *current_ef_ == apdu::ef::kAuthKey;
  if (!(auth ? auth_verified_ : sign_verified_)) return sw(StatusWord::kSecurityNotSatisfied);
  EVP_PKEY* key = auth ? state_.auth_key.get() : state_.sign_key.get();
  std::optional<Bytes> sig;
  if (c.p1 == 0x00) {
    if (c.data.empty() || c.data.size() > apdu::kMaxDigestInfo) return sw(StatusWord::kWrongLength);
    sig = rsa_sign(key, c.data, false);
  } else if (c.p1 == 0x04) {
    if (c.data.size() != 32) return sw(StatusWord::kWrongLength);
    sig = rsa_sign(key, c.data, true);
  } else {
    return sw(StatusWord::kIncorrectP1P2);
  }
  if (!sig) return sw(StatusWord::kNoPreciseDiagnosis);
  return Response{*sig, StatusWord(StatusWord::kSuccess)};
}

}  // namespace jpki::sim
