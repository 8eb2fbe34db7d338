#include "tool/token_model.h"

namespace jpki::tool {

TokenModel token_model(std::string_view name) {
  // The name is space padded to 32 bytes on the card; the driver trims it, we trim again.
  while (!name.empty() && (name.back() == ' ' || name.back() == '\0')) {
    name.remove_suffix(1);
  }
  if (name == "JPKIAPICCTOKEN2") {
    return TokenModel::kMyNumberCard;
  }
  if (name == "JPKIAPGPSETOKEN") {
    return TokenModel::kAndroid;
  }
  if (name == "JPKIAPIOSTOKEN") {
    return TokenModel::kIphone;
  }
  if (name == "JPKIAPICCTOKEN") {
    return TokenModel::kJukiCard;
  }
  if (name.starts_with("JPKIAP")) {
    return TokenModel::kUnknownJpki;
  }
  return TokenModel::kNotJpki;
}

const char* token_model_word(TokenModel model) {
  switch (model) {
    case TokenModel::kMyNumberCard:
      return "my_number_card";
    case TokenModel::kAndroid:
      return "android";
    case TokenModel::kIphone:
      return "iphone";
    case TokenModel::kJukiCard:
      return "juki_card";
    case TokenModel::kUnknownJpki:
      return "unknown_jpki";
    case TokenModel::kNotJpki:
      return "not_jpki";
  }
  return "not_jpki";
}

}  // namespace jpki::tool
