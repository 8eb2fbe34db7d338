// RAII for SCARDCONTEXT. pcsc-lite wants one context per thread of use, so each
// channel and the provider own their own.
#pragma once

#include <PCSC/winscard.h>

#include "transport/pcsc_error.h"

namespace jpki::transport {

class PcscContext {
 public:
  PcscContext() {
    check_pcsc(SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx_), "SCardEstablishContext");
  }
  ~PcscContext() { SCardReleaseContext(ctx_); }
  PcscContext(const PcscContext&) = delete;
  PcscContext& operator=(const PcscContext&) = delete;
  [[nodiscard]] SCARDCONTEXT get() const { return ctx_; }

 private:
  SCARDCONTEXT ctx_ = 0;
};

}  // namespace jpki::transport
