// A rogue PC/SC client: another program on the holder's machine that tries to
// sign with the card without knowing any PIN. In one transaction it sends
// exactly SELECT EF of the key and COMPUTE DIGITAL SIGNATURE, and prints both
// status words. It never selects the applet: that alone would clear the card's
// PIN state and hide what another program left behind.
//
//   pcsc_rogue auth|sign [--reader SUBSTRING] [--hold]
//
// --hold: connect, print "connected", and send only after a line on stdin: a
// program that keeps the card open all along (pcscd then never powers it down).
// Prints "select XXXX compute XXXX". Exit status: 0 the card signed, 1 it
// refused, 2 PC/SC trouble.
#include <PCSC/winscard.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

using Bytes = std::vector<unsigned char>;

struct PcscError {
  const char* call;
  LONG rv;
};

void check(LONG rv, const char* call) {
  if (rv != SCARD_S_SUCCESS) throw PcscError{call, rv};
}

class Context {
 public:
  Context() {
    check(SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx_), "SCardEstablishContext");
  }
  ~Context() { SCardReleaseContext(ctx_); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  [[nodiscard]] SCARDCONTEXT get() const { return ctx_; }

 private:
  SCARDCONTEXT ctx_ = 0;
};

// Shared connection; left as it is on disconnect (a reset would clear what we look for).
class Card {
 public:
  Card(const Context& ctx, const std::string& reader) {
    check(SCardConnect(ctx.get(), reader.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                       &card_, &protocol_),
          "SCardConnect");
  }
  ~Card() { SCardDisconnect(card_, SCARD_LEAVE_CARD); }
  Card(const Card&) = delete;
  Card& operator=(const Card&) = delete;

  // Someone reset the card since we connected: take the card as it is now.
  void reconnect() {
    check(SCardReconnect(card_, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD,
                         &protocol_),
          "SCardReconnect");
  }
  LONG begin() { return SCardBeginTransaction(card_); }
  void end() { SCardEndTransaction(card_, SCARD_LEAVE_CARD); }
  Bytes transmit(const Bytes& command) {
    const SCARD_IO_REQUEST* pci = protocol_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    Bytes response(258);
    DWORD len = static_cast<DWORD>(response.size());
    check(SCardTransmit(card_, pci, command.data(), static_cast<DWORD>(command.size()), nullptr,
                        response.data(), &len),
          "SCardTransmit");
    response.resize(len);
    if (response.size() < 2) throw PcscError{"SCardTransmit (no status word)", 0};
    return response;
  }

 private:
  SCARDHANDLE card_ = 0;
  DWORD protocol_ = 0;
};

class Transaction {
 public:
  explicit Transaction(Card& card) : card_(card) {
    LONG rv = card_.begin();
    if (rv == SCARD_W_RESET_CARD) {
      card_.reconnect();
      rv = card_.begin();
    }
    check(rv, "SCardBeginTransaction");
  }
  ~Transaction() { card_.end(); }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

 private:
  Card& card_;
};

std::string first_reader(const Context& ctx, const std::string& filter) {
  DWORD len = 0;
  check(SCardListReaders(ctx.get(), nullptr, nullptr, &len), "SCardListReaders");
  std::vector<char> names(len);
  check(SCardListReaders(ctx.get(), nullptr, names.data(), &len), "SCardListReaders");
  for (const char* p = names.data(); p < names.data() + len && *p != '\0'; p += std::strlen(p) + 1) {
    if (filter.empty() || std::strstr(p, filter.c_str()) != nullptr) return p;
  }
  throw PcscError{"no such reader", 0};
}

std::string sw_of(const Bytes& response) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "%02X%02X", response[response.size() - 2], response[response.size() - 1]);
  return buf;
}

int usage() {
  std::cerr << "usage: pcsc_rogue auth|sign [--reader SUBSTRING] [--hold]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string key = argv[1];
  if (key != "auth" && key != "sign") return usage();
  std::string reader_filter;
  bool hold = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--reader" && i + 1 < argc) {
      reader_filter = argv[++i];
    } else if (a == "--hold") {
      hold = true;
    } else {
      return usage();
    }
  }
  // SELECT EF 0017 (authentication key) or 001A (signing key), P2=0C.
  const Bytes select = {
      0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, static_cast<unsigned char>(key == "auth" ? 0x17 : 0x1A)};
  // COMPUTE DIGITAL SIGNATURE over a SHA-256 DigestInfo of a document the holder never saw.
  Bytes compute = {0x80, 0x2A, 0x00, 0x80, 51,   0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60,
                   0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
  compute.insert(compute.end(), 32, 0x52);
  compute.push_back(0x00);
  try {
    const Context ctx;
    Card card(ctx, first_reader(ctx, reader_filter));
    if (hold) {
      std::cout << "connected" << std::endl;
      std::string line;
      std::getline(std::cin, line);
    }
    const Transaction tx(card);
    const Bytes selected = card.transmit(select);
    const Bytes answer = card.transmit(compute);
    const std::string sw = sw_of(answer);
    std::cout << "select " << sw_of(selected) << " compute " << sw << std::endl;
    // 9000 with a signature, or 61xx: a signature waiting for GET RESPONSE.
    const bool signed_it = (sw == "9000" && answer.size() > 2) || sw.rfind("61", 0) == 0;
    return signed_it ? 0 : 1;
  } catch (const PcscError& e) {
    std::cerr << "pcsc_rogue: " << e.call << ": " << pcsc_stringify_error(e.rv) << "\n";
    return 2;
  }
}
