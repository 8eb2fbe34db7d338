#include "tool/token_model.h"

namespace jpki::tool {

const char* token_model_word(std::optional<card::TokenModel> model) {
  if (!model) {
    return "not_jpki";
  }
  switch (*model) {
    case card::TokenModel::kCard:
      return "my_number_card";
    case card::TokenModel::kAndroid:
      return "android";
    case card::TokenModel::kIphone:
      return "iphone";
    case card::TokenModel::kJuki:
      return "juki_card";
    case card::TokenModel::kUnknown:
      break;
  }
  return "unknown_jpki";
}

Msg token_model_msg(std::optional<card::TokenModel> model) {
  if (!model) {
    return Msg::kModelNotJpki;
  }
  switch (*model) {
    case card::TokenModel::kCard:
      return Msg::kModelCard;
    case card::TokenModel::kAndroid:
      return Msg::kModelAndroid;
    case card::TokenModel::kIphone:
      return Msg::kModelIphone;
    case card::TokenModel::kJuki:
      return Msg::kModelJuki;
    case card::TokenModel::kUnknown:
      break;
  }
  return Msg::kModelUnknown;
}

}  // namespace jpki::tool
