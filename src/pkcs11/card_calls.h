// Module's two ways to run a card operation, shared by the files that define
// Module's members: with_card maps resets and removals, in_one_transaction
// runs a batch in one PC/SC transaction and follows what it cleared.
#pragma once

#include <string>

#include "common/log.h"
#include "pkcs11/error_map.h"
#include "pkcs11/module.h"

namespace jpki::pkcs11 {

template <typename F>
auto Module::with_card(InsertedCard& c, bool retry, F&& f) -> decltype(f(*c.card)) {
  if (c.removed) {
    throw CkrError{CKR_DEVICE_REMOVED};
  }
  for (int attempt = 0;; ++attempt) {
    try {
      return f(*c.card);
    } catch (const transport::TransportError& e) {
      log::line(std::string("card I/O: ") + e.what());
      if (e.kind() == transport::ErrorKind::kReset) {
        c.logged_in = {false, false};  // the card forgot every VERIFY
        try {
          c.channel->reconnect();
          c.card->card_was_reset();
        } catch (const transport::TransportError&) {
          c.removed = true;
          throw CkrError{CKR_DEVICE_REMOVED};
        }
        if (retry && attempt == 0) {
          continue;
        }
        throw CkrError{CKR_USER_NOT_LOGGED_IN};
      }
      if (e.kind() == transport::ErrorKind::kRemoved || e.kind() == transport::ErrorKind::kNoReader ||
          e.kind() == transport::ErrorKind::kNoService) {
        c.removed = true;
        throw CkrError{CKR_DEVICE_REMOVED};
      }
      if ((e.kind() == transport::ErrorKind::kCommunication || e.kind() == transport::ErrorKind::kTimeout) &&
          !answers_after_reconnect(c)) {
        // Still no sensible answer: reset the card so the next call can work,
        // and count every VERIFY as gone (the reset logs out every process).
        c.logged_in = {false, false};
        try {
          c.channel->reconnect(true);
          c.card->card_was_reset();
        } catch (const transport::TransportError&) {
          c.removed = true;
          throw CkrError{CKR_DEVICE_REMOVED};
        }
      }
      throw CkrError{CKR_DEVICE_ERROR};
    }
  }
}

template <typename F>
auto Module::in_one_transaction(InsertedCard& c, F&& f) {
  card::Cleared cleared = card::Cleared::kNothing;
  struct Follow {
    Module& m;
    InsertedCard& c;
    const card::Cleared& cleared;
    ~Follow() {
      if (cleared != card::Cleared::kNothing) {
        log::line(cleared == card::Cleared::kReselected ? "PIN state cleared (applet selected again)"
                                                        : "PIN state cleared (card reset)");
        m.forget_card_state(c);
      }
    }
  } follow{*this, c, cleared};
  return with_card(c, false, [&](card::JpkiCard& k) {
    const card::JpkiCard::Batch one(k);
    return f(k, cleared);
  });
}

}  // namespace jpki::pkcs11
