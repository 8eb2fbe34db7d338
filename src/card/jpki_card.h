// The JPKI card driver: everything the module and jpki-tool ask of the card,
// each operation one PC/SC transaction over a CardChannel. No PKCS#11 here.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "apdu/bytes.h"
#include "apdu/jpki.h"
#include "card/secure_string.h"
#include "card/token_model.h"
#include "card/types.h"
#include "transport/card_channel.h"

namespace jpki::card {

// EF 0006: 32 bytes (the space-padded token name) or 160 (a serialised
// CK_TOKEN_INFO, docs/jpki-card.md §4.1); the module takes either.
struct TokenInfo {
  std::string token_name;  // "JPKIAPICCTOKEN2", trailing spaces trimmed
  TokenModel model = TokenModel::kUnknown;
  // From the 160-byte layout only; empty otherwise.
  std::string manufacturer;
  std::string model_field;  // EF 0006 "model"
  std::string serial;       // serialNumber, trimmed; empty when blank, all zeros or not text
  Bytes raw;                // what was read: 32 to 160 bytes
};

struct CardOptions {
  bool try_extended_length = true;  // READ BINARY with extended Le when the reader allows it
};

// Called with each APDU exchanged (VERIFY / CHANGE data already redacted), for the debug log.
using ApduTrace = std::function<void(ByteView command, ByteView response)>;

class JpkiCard {
 public:
  explicit JpkiCard(transport::CardChannel& channel, CardOptions options = {}, ApduTrace trace = {});

  // SELECT the applet (when needed) and read EF 0006: one READ BINARY with
  // Le=160 on the usual card, Le=32 again where that one is refused. Sends no
  // VERIFY and never looks at the ATR. Throws CardError(kNotJpki) only when the
  // card has no JPKI applet, no EF 0006 or no JPKIAP* token name there;
  // other CardErrors (garbled answers) are worth asking again later.
  // TransportError on I/O failure.
  TokenInfo detect();

  // DER of the certificate, exactly its length (filler after the DER object is
  // dropped). kSign, and kAuth on an Android token, need a prior successful
  // verify in this card session: else CardError(kSecurityNotSatisfied).
  Bytes read_certificate(CertKind which);

  // Case-1 retry query: never spends a try.
  PinStatus pin_status(KeyKind which);

  // Checks the counter first and refuses (kPinLocked) at 0 without a VERIFY;
  // then one VERIFY, never repeated. The PIN must already be shape-checked.
  // Throws CardError(kPinIncorrect, tries_left) / (kPinLocked).
  void verify(KeyKind which, const SecureString& pin);

  // VERIFY old, then CHANGE REFERENCE DATA, in one transaction.
  void change_pin(KeyKind which, const SecureString& old_pin, const SecureString& new_pin);

  // COMPUTE DIGITAL SIGNATURE with the key of `which` (PIN verified before).
  // kPkcs1DigestInfo: input is a DigestInfo <= 245 bytes. Returns 256 bytes.
  Bytes sign(KeyKind which, ByteView input, apdu::SignScheme scheme = apdu::SignScheme::kPkcs1DigestInfo);

  // Drops the card's security state (re-SELECT of the applet), as OpenSC's logout.
  // The card keeps one state for both PINs: this logs out of both.
  void logout();

  // The caller reconnected after a reset by someone else: select the applet again.
  void card_was_reset() { applet_selected_ = false; }

  // Called when the card turns out to have been reset by someone else (the
  // channel is reconnected first): the card forgot every VERIFY.
  void set_reset_handler(std::function<void()> handler) { on_reset_ = std::move(handler); }

  // Number of APDUs sent so far (for benchmarks and tests).
  [[nodiscard]] std::uint64_t apdu_count() const { return apdu_count_; }

 private:
  class Exchange;
  transport::CardChannel& channel_;
  CardOptions options_;
  ApduTrace trace_;
  std::function<void()> on_reset_;
  std::uint64_t apdu_count_ = 0;
  bool extended_refused_ = false;
  // The applet stays selected between our transactions; re-selecting it would
  // drop the card's PIN state. Cleared on reset.
  bool applet_selected_ = false;  // the reader or card said no once: short reads from then on
};

}  // namespace jpki::card
