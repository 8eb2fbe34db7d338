// The length of a DER object from its first bytes, to read exactly a
// certificate out of a file padded with filler.
#pragma once

#include <cstddef>
#include <optional>

#include "apdu/bytes.h"

namespace jpki::card {

// Total length (header + content) of the SEQUENCE starting at header[0], or
// nullopt when the bytes are not a definite-length SEQUENCE header.
std::optional<std::size_t> der_sequence_length(ByteView header);

// How many leading bytes der_sequence_length needs to decide: 2 until the
// length byte is known, then 2 + the number of length bytes it announces.
std::size_t der_header_size(ByteView header);

}  // namespace jpki::card
