// What the tool says about the driver's card::TokenModel (the token name's
// meaning lives in card/token_model.h): stable words for JSON and the bug
// report, and the sentence for the holder. nullopt stands for a card the
// driver refused as not JPKI.
#pragma once

#include <optional>

#include "card/token_model.h"
#include "tool/messages.h"

namespace jpki::tool {

// my_number_card, android, iphone, juki_card, unknown_jpki; not_jpki for nullopt.
const char* token_model_word(std::optional<card::TokenModel> model);
Msg token_model_msg(std::optional<card::TokenModel> model);

}  // namespace jpki::tool
