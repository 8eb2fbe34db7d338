#include "sim/variant.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "apdu/command.h"

namespace jpki::sim {
namespace {

std::string trim(std::string_view s) {
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && space(s.back())) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return s;
}

// One key's values, default first, each with what it does to the variant.
template <typename T>
using Choices = std::vector<std::pair<std::string_view, T>>;

template <typename T>
void choose(const std::string& key, const std::string& value, const Choices<T>& choices, T& field) {
  std::string known;
  for (const auto& [name, v] : choices) {
    if (value == name) {
      field = v;
      return;
    }
    known += (known.empty() ? "" : ", ") + std::string(name);
  }
  throw std::invalid_argument("variant " + key + "=" + value + ": unknown value (expected one of " + known +
                              ")");
}

std::size_t parse_max_le(const std::string& value) {
  const bool digits = !value.empty() && value.size() <= 3 &&
                      std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  const std::size_t n = digits ? std::stoul(value) : 0;
  if (n < 1 || n > apdu::kMaxShortLe) {
    throw std::invalid_argument("variant max-le=" + value + ": expected a number from 1 to 256");
  }
  return n;
}

Bytes parse_atr(const std::string& value) {
  Bytes atr;
  try {
    atr = from_hex(value);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("variant atr=" + value + ": not hex");
  }
  // ISO 7816-3: TS and T0 at least, 33 bytes at most.
  if (atr.size() < 2 || atr.size() > 33) {
    throw std::invalid_argument("variant atr=" + value + ": an ATR has 2 to 33 bytes");
  }
  return atr;
}

void apply(Variant& v, const std::string& key, const std::string& value) {
  using V = Variant;
  const Choices<bool> no_yes{{"no", false}, {"yes", true}};
  const Choices<bool> yes_no{{"yes", true}, {"no", false}};
  if (key == "token-info") {
    choose<std::size_t>(key, value, {{"160", 160}, {"32", 32}}, v.token_info);
  } else if (key == "token") {
    choose<V::TokenName>(key, value,
                         {{"card", V::TokenName::kCard},
                          {"android", V::TokenName::kAndroid},
                          {"iphone", V::TokenName::kIphone},
                          {"juki", V::TokenName::kJuki}},
                         v.token);
  } else if (key == "auth-cert-pin") {
    choose(key, value, no_yes, v.auth_cert_pin);
  } else if (key == "cert-pad") {
    choose<V::CertPad>(key, value,
                       {{"ff", V::CertPad::kFF}, {"00", V::CertPad::k00}, {"none", V::CertPad::kNone}},
                       v.cert_pad);
  } else if (key == "eof") {
    choose<V::Eof>(key, value,
                   {{"short", V::Eof::kShort},
                    {"6282", V::Eof::k6282},
                    {"6b00", V::Eof::k6B00},
                    {"6cxx", V::Eof::k6Cxx},
                    {"6700", V::Eof::k6700}},
                   v.eof);
  } else if (key == "max-le") {
    v.max_le = parse_max_le(value);
  } else if (key == "ext") {
    choose<V::Extended>(
        key, value,
        {{"yes", V::Extended::kYes}, {"no", V::Extended::kNo}, {"truncate", V::Extended::kTruncate}}, v.ext);
  } else if (key == "get-response") {
    choose(key, value, no_yes, v.get_response);
  } else if (key == "fci") {
    choose(key, value, no_yes, v.fci);
  } else if (key == "blocked") {
    choose<V::Blocked>(
        key, value, {{"6984", V::Blocked::k6984}, {"6983", V::Blocked::k6983}, {"63c0", V::Blocked::k63C0}},
        v.blocked);
  } else if (key == "verified-query") {
    choose<bool>(key, value, {{"63cx", false}, {"9000", true}}, v.verified_query_9000);
  } else if (key == "sign-pin") {
    choose<bool>(key, value, {{"stays", false}, {"consumed", true}}, v.sign_pin_consumed);
  } else if (key == "pss") {
    choose(key, value, yes_no, v.pss);
  } else if (key == "reselect-clears") {
    choose(key, value, yes_no, v.reselect_clears);
  } else if (key == "atr") {
    v.atr = parse_atr(value);
  } else {
    throw std::invalid_argument(
        "variant: unknown key '" + key +
        "' (known: token-info, token, auth-cert-pin, cert-pad, eof, max-le, ext, get-response, fci, blocked, "
        "verified-query, sign-pin, pss, reselect-clears, atr)");
  }
}

}  // namespace

Variant parse_variant(std::string_view spec) {
  Variant v;
  std::map<std::string, std::string> given;
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t comma = std::min(spec.find(',', start), spec.size());
    const std::string item = trim(spec.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) {
      continue;  // "" is the default card; a stray comma is harmless
    }
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos) {
      throw std::invalid_argument("variant: '" + item + "' is not key=value");
    }
    const std::string key = trim(item.substr(0, eq));
    const std::string value = lower(trim(item.substr(eq + 1)));
    apply(v, key, value);
    const auto [it, fresh] = given.emplace(key, value);
    if (!fresh && it->second != value) {
      throw std::invalid_argument("variant: " + key + " given twice (" + it->second + ", " + value + ")");
    }
  }
  // The Android token keeps its authentication certificate behind the PIN
  // (docs/jpki-card.md §1.3, §9.1) unless the spec says otherwise.
  if (v.token == Variant::TokenName::kAndroid && given.count("auth-cert-pin") == 0) {
    v.auth_cert_pin = true;
  }
  return v;
}

std::string_view token_name(Variant::TokenName t) {
  switch (t) {
    case Variant::TokenName::kAndroid:
      return "JPKIAPGPSETOKEN";
    case Variant::TokenName::kIphone:
      return "JPKIAPIOSTOKEN";
    case Variant::TokenName::kJuki:
      return "JPKIAPICCTOKEN";
    case Variant::TokenName::kCard:
      break;
  }
  return "JPKIAPICCTOKEN2";
}

std::uint16_t blocked_verify_sw(Variant::Blocked b) {
  switch (b) {
    case Variant::Blocked::k6983:
      return 0x6983;
    case Variant::Blocked::k63C0:
      return 0x63C0;
    case Variant::Blocked::kDefault:
    case Variant::Blocked::k6984:
      break;
  }
  return 0x6984;
}

std::uint16_t blocked_query_sw(Variant::Blocked b) {
  switch (b) {
    case Variant::Blocked::k6984:
      return 0x6984;
    case Variant::Blocked::k6983:
      return 0x6983;
    case Variant::Blocked::kDefault:
    case Variant::Blocked::k63C0:
      break;
  }
  return 0x63C0;
}

}  // namespace jpki::sim
