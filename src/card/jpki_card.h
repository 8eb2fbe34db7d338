// The JPKI card driver: everything the module and jpki-tool ask of the card,
// each operation one PC/SC transaction over a CardChannel. No PKCS#11 here.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
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

// Which verification must end (JpkiCard::clear_verified).
enum class ClearScope { kAuthenticationPin, kSigningPin, kEverything };

// What the caller knows of the signing PIN at this point of its transaction.
enum class SignPinNow {
  kUnknown,     // verified earlier perhaps; anyone may have cleared it since
  kVerified,    // EF 0001 was just read: verified, for sure
  kJustSigned,  // the signing key just signed: verified unless the signature used it up
};

// What clearing did to the card.
enum class Cleared {
  kNothing,     // nothing of ours was left verified: no APDU, or only a probe
  kReselected,  // applet selected again: neither PIN is verified now, for every program
  kReset,       // card reset (re-SELECT does not clear this card, or nothing told us it does)
};

// What JpkiCard::recover did after a transport error.
enum class Recovered {
  kReconnected,  // a plain reconnect: the card answers again and kept its state
  kWasReset,     // the card was reset (by someone else, or by us): it forgot every VERIFY
};

class JpkiCard {
  class Exchange;  // one PC/SC transaction (jpki_card.cpp)

 public:
  explicit JpkiCard(transport::CardChannel& channel, CardOptions options = {}, ApduTrace trace = {});

  // Several operations in one PC/SC transaction: no other program's APDU comes
  // in between (a signature and the clearing after it). Clearing ends a Batch.
  class Batch {
   public:
    explicit Batch(JpkiCard& card);
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

   private:
    std::unique_ptr<Exchange> exchange_;
  };

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

  // Ends the verification(s) of `scope` that this connection made, leaving the
  // PIN unverified on the card, by the cheapest means this card is known to
  // honour. Re-SELECT of the applet is the known means, but whether it clears
  // the state is undocumented (jpki-card.md §2.3): after a re-SELECT a 1-byte
  // READ of EF 0001 (6982 when the signing PIN is not verified) tells, when the
  // signing PIN was verified just before; else, or when it did not clear, the
  // card is reset. What the card does is remembered for this connection. The
  // card keeps one state for both PINs: a re-SELECT or reset clears both, for
  // every program using the card. Nothing happens when this connection
  // verified nothing of `scope`.
  Cleared clear_verified(ClearScope scope, SignPinNow now = SignPinNow::kUnknown);

  // Everything this connection verified (jpki-tool when done).
  Cleared logout() { return clear_verified(ClearScope::kEverything); }

  // PINs this connection verified that the card may still hold (no clear or reset since).
  [[nodiscard]] bool holds_verification(KeyKind k) const { return verified_[static_cast<std::size_t>(k)]; }

  // After a TransportError from one of this card's operations, the driver
  // reconnects. kReset (someone else reset the card): reconnect. kCommunication
  // or kTimeout: a plain reconnect (keeps the card's state, and every other
  // process's login with it) and a look at the token info; if the card still
  // gives no sensible answer, a reset so the next call can work. After a reset
  // the applet is selected again at the next operation and what this connection
  // verified is forgotten. Throws TransportError when the card cannot be reached.
  Recovered recover(transport::ErrorKind kind);

  // The one event the driver reports upward about resets: it goes up by one each
  // time the driver finds the card reset by someone else (also inside an
  // operation) or resets it in recover(). The card then holds no VERIFY, for any
  // program; the caller compares with the value it saw last. (clear_verified
  // reports its own resets in its return value.)
  [[nodiscard]] std::uint64_t reset_epoch() const { return reset_epoch_; }

  // Number of APDUs sent so far (for benchmarks and tests).
  [[nodiscard]] std::uint64_t apdu_count() const { return apdu_count_; }

 private:
  enum class SignPinProbe { kVerified, kNotVerified, kUnclear };
  SignPinProbe probe_sign_pin(Exchange& x);
  Cleared drop_state(Exchange& x, bool can_learn);
  void reset_card();
  // The card was reset under us: select the applet again, nothing is verified.
  void forget_card_state() {
    applet_selected_ = false;
    verified_ = {false, false};
  }
  void set_verified(KeyKind k) { verified_[static_cast<std::size_t>(k)] = true; }
  transport::CardChannel& channel_;
  CardOptions options_;
  ApduTrace trace_;
  std::uint64_t reset_epoch_ = 0;
  std::uint64_t apdu_count_ = 0;
  bool extended_refused_ = false;
  // The applet stays selected between our transactions; re-selecting it would
  // drop the card's PIN state. Cleared on reset.
  bool applet_selected_ = false;  // the reader or card said no once: short reads from then on

  int open_exchanges_ = 0;                      // > 0 while a transaction is open (Batch)
  std::array<bool, 2> verified_{false, false};  // PINs this connection verified, by KeyKind
  // What this card does, learned once per connection (jpki-card.md §9):
  std::optional<bool> reselect_clears_;  // a re-SELECT of the applet drops both PINs
  std::optional<bool> signature_keeps_;  // the signing PIN stays verified after a signature
};

}  // namespace jpki::card
