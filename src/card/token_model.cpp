#include "card/token_model.h"

#include <array>
#include <utility>

namespace jpki::card {

namespace {
constexpr std::string_view kJpkiPrefix = "JPKIAP";

// Exact names: JPKIAPICCTOKEN is a prefix of JPKIAPICCTOKEN2, so no prefix match.
constexpr std::array<std::pair<std::string_view, TokenModel>, 4> kNames{{
    {"JPKIAPICCTOKEN2", TokenModel::kCard},
    {"JPKIAPGPSETOKEN", TokenModel::kAndroid},
    {"JPKIAPIOSTOKEN", TokenModel::kIphone},
    {"JPKIAPICCTOKEN", TokenModel::kJuki},
}};
}  // namespace

std::optional<TokenModel> token_model_of(std::string_view token_name) {
  for (const auto& [name, model] : kNames) {
    if (token_name == name) {
      return model;
    }
  }
  if (token_name.starts_with(kJpkiPrefix)) {
    return TokenModel::kUnknown;
  }
  return std::nullopt;
}

std::string model_label(TokenModel model) {
  switch (model) {
    case TokenModel::kCard:
      return "My Number Card";
    case TokenModel::kAndroid:
      return "Android phone";
    case TokenModel::kIphone:
      return "iPhone";
    case TokenModel::kJuki:
      return "Juki card";
    case TokenModel::kUnknown:
      break;
  }
  return {};
}

bool auth_certificate_needs_pin(TokenModel model) { return model == TokenModel::kAndroid; }

}  // namespace jpki::card
