#include "transport/pcsc_error.h"

namespace jpki::transport {

ErrorKind classify(LONG rv) {
  switch (rv) {
    case SCARD_W_RESET_CARD:
      return ErrorKind::kReset;
    case SCARD_W_REMOVED_CARD:
    case SCARD_E_NO_SMARTCARD:
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_W_UNRESPONSIVE_CARD:
      return ErrorKind::kRemoved;
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
    case SCARD_E_NO_READERS_AVAILABLE:
    case SCARD_E_INVALID_HANDLE:
      return ErrorKind::kNoService;
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_READER_UNAVAILABLE:
      return ErrorKind::kNoReader;
    case SCARD_E_SHARING_VIOLATION:
      return ErrorKind::kSharingViolation;
    case SCARD_E_TIMEOUT:
      return ErrorKind::kTimeout;
    default:
      return ErrorKind::kCommunication;
  }
}

void check_pcsc(LONG rv, const char* call) {
  if (rv == SCARD_S_SUCCESS) return;
  throw TransportError(classify(rv), std::string(call) + ": " + pcsc_stringify_error(rv));
}

}  // namespace jpki::transport
