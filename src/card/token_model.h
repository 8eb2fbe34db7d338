// Which JPKI token a card (or phone) is, from the token name in EF 0006
// (docs/jpki-card.md §9.1), and what that changes for the module.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace jpki::card {

enum class TokenModel {
  kCard,     // JPKIAPICCTOKEN2: My Number Card
  kAndroid,  // JPKIAPGPSETOKEN: smartphone certificate on Android
  kIphone,   // JPKIAPIOSTOKEN: smartphone certificate on iPhone
  kJuki,     // JPKIAPICCTOKEN: old Juki card (its certificates have all expired)
  kUnknown,  // another JPKIAP* name: treated as a card
};

// The model a token name (trailing blanks trimmed) stands for; nullopt when
// the name is not a JPKI applet's.
std::optional<TokenModel> token_model_of(std::string_view token_name);

// For CK_TOKEN_INFO.model (16 characters): "My Number Card", "Android phone", ...
// Empty for kUnknown: show the token name instead.
std::string model_label(TokenModel model);

// Android: the authentication certificate (EF 000A) answers 6982 until the
// 4-digit PIN is verified (jpki/myna src/jpki.rs).
bool auth_certificate_needs_pin(TokenModel model);

}  // namespace jpki::card
