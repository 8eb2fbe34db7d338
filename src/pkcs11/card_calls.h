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
  // Whatever happens, a reset the driver reports reaches our login state.
  struct Follow {
    InsertedCard& c;
    ~Follow() { c.follow_card_resets(); }
  } follow{c};
  for (int attempt = 0;; ++attempt) {
    try {
      return f(*c.card);
    } catch (const transport::TransportError& e) {
      log::line(std::string("card I/O: ") + e.what());
      if (e.kind() == transport::ErrorKind::kRemoved || e.kind() == transport::ErrorKind::kNoReader ||
          e.kind() == transport::ErrorKind::kNoService) {
        c.removed = true;
        throw CkrError{CKR_DEVICE_REMOVED};
      }
      if (e.kind() != transport::ErrorKind::kReset && e.kind() != transport::ErrorKind::kCommunication &&
          e.kind() != transport::ErrorKind::kTimeout) {
        throw CkrError{CKR_DEVICE_ERROR};
      }
      card::Recovered r{};
      try {
        r = c.card->recover(e.kind());  // the driver reconnects (and resets where it must)
      } catch (const transport::TransportError&) {
        c.removed = true;
        throw CkrError{CKR_DEVICE_REMOVED};
      }
      if (e.kind() == transport::ErrorKind::kReset) {
        if (retry && attempt == 0) {
          continue;
        }
        throw CkrError{CKR_USER_NOT_LOGGED_IN};
      }
      log::line(r == card::Recovered::kReconnected ? "card answers again after a reconnect"
                                                   : "card reset: no sensible answer after a reconnect");
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
