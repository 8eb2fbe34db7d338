// Maps pcsc-lite return codes onto TransportError kinds.
#pragma once

#include <PCSC/winscard.h>

#include <string>

#include "transport/card_channel.h"

namespace jpki::transport {

ErrorKind classify(LONG rv);
// Throws TransportError when rv is not SCARD_S_SUCCESS.
void check_pcsc(LONG rv, const char* call);

}  // namespace jpki::transport
