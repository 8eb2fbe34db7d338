#include "sim/pcsc_probe.h"

#include <PCSC/winscard.h>

#include <iostream>
#include <string>
#include <vector>

namespace jpki::sim {

int probe_pcscd() {
  SCARDCONTEXT ctx = 0;
  if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS) return 1;
  DWORD len = 0;
  int rc = 1;
  if (SCardListReaders(ctx, nullptr, nullptr, &len) == SCARD_S_SUCCESS && len > 1) {
    std::vector<char> names(len);
    if (SCardListReaders(ctx, nullptr, names.data(), &len) == SCARD_S_SUCCESS) {
      for (const char* p = names.data(); *p != '\0'; p += std::string(p).size() + 1) {
        SCARD_READERSTATE st{};
        st.szReader = p;
        st.dwCurrentState = SCARD_STATE_UNAWARE;
        if (SCardGetStatusChange(ctx, 0, &st, 1) == SCARD_S_SUCCESS && (st.dwEventState & SCARD_STATE_PRESENT) != 0) {
          std::cout << p << "\n";
          rc = 0;
        }
      }
    }
  }
  SCardReleaseContext(ctx);
  return rc;
}

int reset_card_as_another_process() {
  SCARDCONTEXT ctx = 0;
  if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS) return 1;
  DWORD len = 0;
  int rc = 1;
  if (SCardListReaders(ctx, nullptr, nullptr, &len) == SCARD_S_SUCCESS && len > 1) {
    std::vector<char> names(len);
    if (SCardListReaders(ctx, nullptr, names.data(), &len) == SCARD_S_SUCCESS) {
      for (const char* p = names.data(); *p != '\0' && rc != 0; p += std::string(p).size() + 1) {
        SCARDHANDLE card = 0;
        DWORD proto = 0;
        if (SCardConnect(ctx, p, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &proto) !=
            SCARD_S_SUCCESS) {
          continue;
        }
        if (SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_RESET_CARD, &proto) ==
            SCARD_S_SUCCESS) {
          rc = 0;
        }
        SCardDisconnect(card, SCARD_LEAVE_CARD);
      }
    }
  }
  SCardReleaseContext(ctx);
  return rc;
}

}  // namespace jpki::sim
