#include "sim/pcsc_probe.h"

#include <PCSC/winscard.h>

#include <iostream>
#include <string>
#include <vector>

namespace jpki::sim {
namespace {

// Calls fn(context, reader name) for each reader until it returns true.
template <typename F>
bool for_each_reader(F&& fn) {
  SCARDCONTEXT ctx = 0;
  if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS) return false;
  DWORD len = 0;
  bool done = false;
  if (SCardListReaders(ctx, nullptr, nullptr, &len) == SCARD_S_SUCCESS && len > 1) {
    std::vector<char> names(len);
    if (SCardListReaders(ctx, nullptr, names.data(), &len) == SCARD_S_SUCCESS) {
      for (const char* p = names.data(); *p != '\0' && !done; p += std::string(p).size() + 1)
        done = fn(ctx, p);
    }
  }
  SCardReleaseContext(ctx);
  return done;
}

}  // namespace

int probe_pcscd() {
  const bool found = for_each_reader([](SCARDCONTEXT ctx, const char* reader) {
    SCARD_READERSTATE st{};
    st.szReader = reader;
    st.dwCurrentState = SCARD_STATE_UNAWARE;
    if (SCardGetStatusChange(ctx, 0, &st, 1) != SCARD_S_SUCCESS ||
        (st.dwEventState & SCARD_STATE_PRESENT) == 0) {
      return false;
    }
    std::cout << reader << "\n";
    return true;
  });
  return found ? 0 : 1;
}

int reset_card_as_another_process() {
  const bool done = for_each_reader([](SCARDCONTEXT ctx, const char* reader) {
    SCARDHANDLE card = 0;
    DWORD proto = 0;
    if (SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &proto) !=
        SCARD_S_SUCCESS) {
      return false;
    }
    const bool ok = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                                   SCARD_RESET_CARD, &proto) == SCARD_S_SUCCESS;
    SCardDisconnect(card, SCARD_LEAVE_CARD);
    return ok;
  });
  return done ? 0 : 1;
}

}  // namespace jpki::sim
