#include "sim/virtual_card.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cstring>

#include "apdu/jpki.h"
#include "common/openssl_ptr.h"
#include "sim/served_files.h"

namespace jpki::sim {
namespace {

using apdu::Response;
using apdu::StatusWord;

constexpr std::uint16_t kEndOfFileWarning = 0x6282;  // ISO 7816-4: end of file reached before Le bytes

Response sw(std::uint16_t v) { return Response{{}, StatusWord(v)}; }

bool is_key_ef(std::uint16_t fid) { return fid == apdu::ef::kAuthKey || fid == apdu::ef::kSignKey; }
bool is_pin_ef(std::uint16_t fid) { return fid == apdu::ef::kAuthPin || fid == apdu::ef::kSignPin; }

// RSA with the card's key: PKCS#1 v1.5 type-1 padding of `input` (P1=00) or
// PSS over a 32-byte SHA-256 (P1=04, MGF1-SHA256, salt 32).
std::optional<Bytes> rsa_sign(EVP_PKEY* key, ByteView input, bool pss) {
  const PkeyCtx ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0) {
    return std::nullopt;
  }
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
  if (EVP_PKEY_sign(ctx.get(), nullptr, &len, input.data(), input.size()) <= 0) {
    return std::nullopt;
  }
  Bytes out(len);
  if (EVP_PKEY_sign(ctx.get(), out.data(), &len, input.data(), input.size()) <= 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

// One source of truth: the aliases (--atr, --no-extended) folded into the variant.
CardOptions normalised(CardOptions o) {
  if (o.variant.atr) {
    o.atr = *o.variant.atr;
  }
  if (!o.extended_length && o.variant.ext == Variant::Extended::kYes) {
    o.variant.ext = Variant::Extended::kNo;
  }
  o.extended_length = o.variant.ext != Variant::Extended::kNo;
  return o;
}

}  // namespace

VirtualCard::VirtualCard(std::filesystem::path state_dir, CardOptions options)
    : dir_(std::move(state_dir)),
      options_(normalised(std::move(options))),
      state_(load_card(dir_)),
      shaper_(options_.variant) {
  apply_file_variant(state_.files, options_.variant);
}

void VirtualCard::clear_security() {
  auth_verified_ = false;
  sign_verified_ = false;
}

void VirtualCard::reset() {
  applet_selected_ = false;
  current_ef_.reset();
  clear_security();
  shaper_.reset();
}

void VirtualCard::unblock() {
  state_.auth.tries = state_.auth.max_tries;
  state_.sign.tries = state_.sign.max_tries;
  save_counters(dir_, state_);
}

Bytes VirtualCard::process(ByteView raw) {
  try {
    return shaper_.process(raw, state_.files, [this](const apdu::Command& c) { return dispatch(c); });
  } catch (...) {
    return sw(StatusWord::kNoPreciseDiagnosis).encode();
  }
}

Response VirtualCard::dispatch(const apdu::Command& c) {
  if (c.cla == 0x80 && c.ins == apdu::ins::kComputeSignature) {
    return sign(c);
  }
  if (c.cla != 0x00) {
    return sw(StatusWord::kClaNotSupported);
  }
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
      // Re-selecting the applet drops its security state (OpenSC's logout relies on it);
      // no source says the card does (docs/jpki-card.md §2.3), hence reselect-clears=no.
      if (!applet_selected_ || options_.variant.reselect_clears) {
        clear_security();
      }
      applet_selected_ = true;
      current_ef_.reset();
      return sw(StatusWord::kSuccess);
    }
    applet_selected_ = false;
    current_ef_.reset();
    return sw(StatusWord::kFileNotFound);
  }
  if (c.p1 == 0x02) {
    if (c.data.size() != 2) {
      return sw(StatusWord::kWrongLength);
    }
    if (!applet_selected_) {
      return sw(StatusWord::kFileNotFound);
    }
    const auto fid = static_cast<std::uint16_t>((c.data[0] << 8) | c.data[1]);
    if (state_.files.count(fid) == 0 && !is_key_ef(fid) && !is_pin_ef(fid)) {
      return sw(StatusWord::kFileNotFound);
    }
    current_ef_ = fid;
    return sw(StatusWord::kSuccess);
  }
  return sw(StatusWord::kIncorrectP1P2);
}

Response VirtualCard::read_binary(const apdu::Command& c) {
  if ((c.p1 & 0x80) != 0) {
    return sw(StatusWord::kIncorrectP1P2);  // SFI reads not offered
  }
  if (!current_ef_ || state_.files.count(*current_ef_) == 0) {
    return sw(StatusWord::kCommandNotAllowedNoEf);
  }
  if (*current_ef_ == apdu::ef::kSignCert && !sign_verified_) {
    return sw(StatusWord::kSecurityNotSatisfied);
  }
  // The smartphone token keeps the authentication certificate behind the PIN (§1.3).
  if (*current_ef_ == apdu::ef::kAuthCert && options_.variant.auth_cert_pin && !auth_verified_) {
    return sw(StatusWord::kSecurityNotSatisfied);
  }
  if (!c.data.empty()) {
    return sw(StatusWord::kWrongLength);
  }
  const Bytes& file = state_.files.at(*current_ef_);
  const std::size_t offset = (static_cast<std::size_t>(c.p1) << 8) | c.p2;
  if (offset >= file.size()) {
    return sw(StatusWord::kWrongP1P2);
  }
  const std::size_t available = file.size() - offset;
  const std::size_t want = c.le.value_or(apdu::kMaxShortLe);
  StatusWord status(StatusWord::kSuccess);
  if (want > available) {  // Le runs past the end: how a card says so is unknown (§9)
    switch (options_.variant.eof) {
      case Variant::Eof::kShort:
        break;
      case Variant::Eof::k6282:
        status = StatusWord(kEndOfFileWarning);
        break;
      case Variant::Eof::k6B00:
        return sw(StatusWord::kWrongP1P2);
      case Variant::Eof::k6Cxx:  // xx = the bytes there are (00 = 256)
        return sw(static_cast<std::uint16_t>(0x6C00 | (std::min(available, apdu::kMaxShortLe) & 0xFF)));
      case Variant::Eof::k6700:
        return sw(StatusWord::kWrongLength);
    }
  }
  const std::size_t n = std::min(want, available);
  return Response{Bytes(file.begin() + static_cast<std::ptrdiff_t>(offset),
                        file.begin() + static_cast<std::ptrdiff_t>(offset + n)),
                  status};
}

PinSlot* VirtualCard::current_pin() {
  if (!applet_selected_ || !current_ef_) {
    return nullptr;
  }
  if (*current_ef_ == apdu::ef::kAuthPin) {
    return &state_.auth;
  }
  if (*current_ef_ == apdu::ef::kSignPin) {
    return &state_.sign;
  }
  return nullptr;
}

Response VirtualCard::verify(const apdu::Command& c) {
  if (c.p1 != 0x00 || c.p2 != 0x80) {
    return sw(StatusWord::kIncorrectP1P2);
  }
  if (c.le) {
    return sw(StatusWord::kWrongLength);  // 00 20 00 80 00: a real card answers 6700
  }
  PinSlot* pin = current_pin();
  if (pin == nullptr) {
    return sw(StatusWord::kCommandNotAllowedNoEf);
  }
  bool& verified = pin == &state_.auth ? auth_verified_ : sign_verified_;
  const Variant& v = options_.variant;
  if (c.data.empty()) {  // the case-1 retry query: never spends a try
    if (pin->tries <= 0) {
      return sw(blocked_query_sw(v.blocked));
    }
    if (verified && v.verified_query_9000) {
      return sw(StatusWord::kSuccess);
    }
    return sw(static_cast<std::uint16_t>(0x63C0 | pin->tries));
  }
  if (pin->tries <= 0) {
    return sw(blocked_verify_sw(v.blocked));  // counter untouched
  }
  const bool match =
      c.data.size() == pin->pin.size() && CRYPTO_memcmp(c.data.data(), pin->pin.data(), c.data.size()) == 0;
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
  if (c.p1 != 0x01 || c.p2 != 0x80) {
    return sw(StatusWord::kIncorrectP1P2);
  }
  PinSlot* pin = current_pin();
  if (pin == nullptr) {
    return sw(StatusWord::kCommandNotAllowedNoEf);
  }
  const bool verified = pin == &state_.auth ? auth_verified_ : sign_verified_;
  if (!verified) {
    return sw(StatusWord::kSecurityNotSatisfied);
  }
  const std::size_t min = pin == &state_.auth ? 4 : 6;
  const std::size_t max = pin == &state_.auth ? 4 : 16;
  if (c.data.size() < min || c.data.size() > max) {
    return sw(StatusWord::kWrongLength);
  }
  pin->pin.assign(c.data.begin(), c.data.end());
  save_pins(dir_, state_);
  return sw(StatusWord::kSuccess);
}

Response VirtualCard::sign(const apdu::Command& c) {
  if (c.p2 != 0x80) {
    return sw(StatusWord::kIncorrectP1P2);
  }
  if (!applet_selected_ || !current_ef_ || !is_key_ef(*current_ef_)) {
    return sw(StatusWord::kCommandNotAllowedNoEf);
  }
  const bool auth = *current_ef_ == apdu::ef::kAuthKey;
  if (!(auth ? auth_verified_ : sign_verified_)) {
    return sw(StatusWord::kSecurityNotSatisfied);
  }
  EVP_PKEY* key = auth ? state_.auth_key.get() : state_.sign_key.get();
  std::optional<Bytes> sig;
  if (c.p1 == 0x00) {
    if (c.data.empty() || c.data.size() > apdu::kMaxDigestInfo) {
      return sw(StatusWord::kWrongLength);
    }
    sig = rsa_sign(key, c.data, false);
  } else if (c.p1 == 0x04 && options_.variant.pss) {  // P1=04 has a single source (§3.2)
    if (c.data.size() != 32) {
      return sw(StatusWord::kWrongLength);
    }
    sig = rsa_sign(key, c.data, true);
  } else {
    return sw(StatusWord::kIncorrectP1P2);
  }
  if (!sig) {
    return sw(StatusWord::kNoPreciseDiagnosis);
  }
  // Whether a signature consumes the signing PIN is unknown (§9).
  if (!auth && options_.variant.sign_pin_consumed) {
    sign_verified_ = false;
  }
  return Response{*sig, StatusWord(StatusWord::kSuccess)};
}

}  // namespace jpki::sim
