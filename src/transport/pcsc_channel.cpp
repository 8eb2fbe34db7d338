#include "transport/pcsc_channel.h"

#include <PCSC/reader.h>

#include <algorithm>
#include <array>

namespace jpki::transport {

PcscChannel::PcscChannel(std::string reader) : reader_(std::move(reader)) {
  check_pcsc(SCardConnect(context_.get(), reader_.c_str(), SCARD_SHARE_SHARED,
                          SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card_, &protocol_),
             "SCardConnect");
  read_status();
}

PcscChannel::~PcscChannel() { SCardDisconnect(card_, SCARD_LEAVE_CARD); }

void PcscChannel::read_status() {
  std::array<BYTE, MAX_ATR_SIZE> atr{};
  DWORD atr_len = atr.size();
  DWORD state = 0;
  DWORD proto = 0;
  DWORD name_len = 0;
  if (SCardStatus(card_, nullptr, &name_len, &state, &proto, atr.data(), &atr_len) == SCARD_S_SUCCESS) {
    atr_.assign(atr.begin(), atr.begin() + atr_len);
  }
  // Extended APDUs need the reader's say-so; pcsc-lite reports its buffer size
  // through SCARD_ATTR_MAXINPUT for readers that support it.
  // When it does not say, assume extended APDUs may pass: the card driver
  // falls back to short ones for good at the first refusal.
  std::array<BYTE, 4> attr{};
  DWORD attr_len = attr.size();
  max_response_ = 65538;
  if (SCardGetAttrib(card_, SCARD_ATTR_MAXINPUT, attr.data(), &attr_len) == SCARD_S_SUCCESS &&
      attr_len == 4) {
    std::size_t v = 0;
    for (std::size_t i = 4; i-- > 0;) v = (v << 8) | attr[i];  // little-endian DWORD
    if (v >= 5) max_response_ = std::min<std::size_t>(v, 65538);
  }
}

Bytes PcscChannel::transmit(ByteView command) {
  const SCARD_IO_REQUEST* pci = protocol_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  Bytes response(65538);
  DWORD len = static_cast<DWORD>(response.size());
  check_pcsc(SCardTransmit(card_, pci, command.data(), static_cast<DWORD>(command.size()), nullptr,
                           response.data(), &len),
             "SCardTransmit");
  response.resize(len);
  return response;
}

void PcscChannel::begin_transaction() { check_pcsc(SCardBeginTransaction(card_), "SCardBeginTransaction"); }

void PcscChannel::end_transaction() noexcept { SCardEndTransaction(card_, SCARD_LEAVE_CARD); }

void PcscChannel::reconnect(bool power_cycle) {
  check_pcsc(SCardReconnect(card_, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                            power_cycle ? SCARD_RESET_CARD : SCARD_LEAVE_CARD, &protocol_),
             "SCardReconnect");
  read_status();
}

}  // namespace jpki::transport
