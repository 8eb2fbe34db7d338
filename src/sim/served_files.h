// The files as the card serves them: the state directory holds one template card, and
// the variant reshapes EF 0006 and the certificate EFs in memory when the card is
// loaded, so one template serves every variant (the directory is never rewritten).
#pragma once

#include <cstdint>
#include <map>

#include "apdu/bytes.h"
#include "sim/variant.h"

namespace jpki::sim {

// EF 0006: the variant's token name in the first 32 bytes (space padded), cut to 32
// bytes for token-info=32. Certificate EFs: the DER then FF or 00 filler up to the
// stored size, or exactly the DER (cert-pad). A file whose DER header does not parse
// is served as stored.
void apply_file_variant(std::map<std::uint16_t, Bytes>& files, const Variant& variant);

}  // namespace jpki::sim
