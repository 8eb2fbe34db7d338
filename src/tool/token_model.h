// What the token name in EF 0006 means (jpki-card.md §4.1, §9.1).
// The card driver's TokenInfo is to carry this itself; until then the tool
// classifies the name here, in this one function.
#pragma once

#include <string_view>

namespace jpki::tool {

enum class TokenModel {
  kMyNumberCard,  // JPKIAPICCTOKEN2
  kAndroid,       // JPKIAPGPSETOKEN: smartphone certificate on an Android phone's secure element
  kIphone,        // JPKIAPIOSTOKEN: smartphone certificate on an iPhone
  kJukiCard,      // JPKIAPICCTOKEN: the old Juki card (住基カード); its certificates have all expired
  kUnknownJpki,   // another JPKIAP* name
  kNotJpki,       // anything else
};

TokenModel token_model(std::string_view token_name);
// Stable word for JSON and the bug report: my_number_card, android, iphone, juki_card, unknown_jpki,
// not_jpki.
const char* token_model_word(TokenModel model);

}  // namespace jpki::tool
