// The first reader holding a My Number Card (or the one named), through the
// same PC/SC transport and card driver as the PKCS#11 module.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "apdu/bytes.h"
#include "card/jpki_card.h"
#include "transport/reader_provider.h"

namespace jpki::tool {

struct CardAccess {
  std::string reader;
  std::unique_ptr<transport::ReaderProvider> provider;
  std::unique_ptr<transport::CardChannel> channel;
  std::unique_ptr<card::JpkiCard> card;
  card::TokenInfo info;
};

// nullopt when no reader holds a JPKI card.
std::optional<CardAccess> open_card(const std::string& reader_filter);

// The serial number the PKCS#11 module shows for this token (card::token_serial).
// `auth_certificate`: the authentication certificate as already read, nullopt
// when the card keeps it behind the PIN (the serial must not depend on a login).
std::string token_serial(CardAccess& access, const std::optional<Bytes>& auth_certificate);

}  // namespace jpki::tool
