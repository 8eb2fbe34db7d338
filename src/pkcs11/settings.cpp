#include "pkcs11/settings.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>

namespace jpki::pkcs11 {
namespace {

std::string trim(std::string s) {
  const auto not_space = [](unsigned char c) { return std::isspace(c) == 0; };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

std::string config_path() {
  if (std::string p = env("JPKI_PKCS11_CONFIG"); !p.empty()) {
    return p;
  }
  std::string user = env("XDG_CONFIG_HOME");
  if (user.empty() && !env("HOME").empty()) {
    user = env("HOME") + "/.config";
  }
  if (!user.empty() && std::ifstream(user + "/jpki-pkcs11.conf")) {
    return user + "/jpki-pkcs11.conf";
  }
  return "/etc/jpki-pkcs11.conf";
}

std::map<std::string, std::string> read_file(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line.substr(0, line.find('#')));
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    out[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return out;
}

}  // namespace

bool parse_switch(const std::string& value, bool fallback) {
  std::string v = value;
  std::transform(v.begin(), v.end(), v.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (v == "1" || v == "on" || v == "yes" || v == "true") {
    return true;
  }
  if (v == "0" || v == "off" || v == "no" || v == "false") {
    return false;
  }
  return fallback;
}

int parse_seconds(const std::string& value, int fallback) {
  if (value.empty() || value.size() > 6 ||
      !std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return fallback;
  }
  const int v = std::stoi(value);
  return v > 0 ? v : fallback;
}

std::string host_program() {
  std::array<char, 4096> buf{};
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) {
    return {};
  }
  const std::string path(buf.data(), static_cast<std::size_t>(n));
  return path.substr(path.find_last_of('/') + 1);
}

bool is_web_browser(std::string_view program) {
  // Executable names as the browsers' packages install them (Debian, upstream builds).
  static constexpr std::array<std::string_view, 12> kBrowsers{
      "firefox", "firefox-esr",   "firefox-bin", "librewolf",   "chromium", "chromium-browser",
      "chrome",  "google-chrome", "brave",       "vivaldi-bin", "msedge",   "opera"};
  return std::find(kBrowsers.begin(), kBrowsers.end(), program) != kBrowsers.end();
}

Settings load_settings(std::string_view program) {
  Settings s;
  const std::string path = config_path();
  const auto file = read_file(path);
  if (!file.empty()) {
    s.source = path;
  }
  auto value = [&](const char* key, const char* env_name) {
    if (std::string e = env(env_name); !e.empty()) {
      return e;
    }
    const auto it = file.find(key);
    return it == file.end() ? std::string() : it->second;
  };
  s.sign_always_authenticate = parse_switch(value("sign_always_authenticate", "JPKI_PKCS11_SIGN_ALWAYS_AUTH"),
                                            s.sign_always_authenticate);
  s.rsa_pss = parse_switch(value("rsa_pss", "JPKI_PKCS11_RSA_PSS"), s.rsa_pss);
  s.pinentry = value("pinentry", "JPKI_PKCS11_PINENTRY");
  s.pinentry_timeout =
      parse_seconds(value("pinentry_timeout", "JPKI_PKCS11_PINENTRY_TIMEOUT"), s.pinentry_timeout);
  s.reader = value("reader", "JPKI_PKCS11_READER");
  const std::string t = value("tokens", "JPKI_PKCS11_TOKENS");
  if (t == "auth" || t == "sign" || t == "both") {
    s.show_auth_token = t != "sign";
    s.show_sign_token = t != "auth";
    s.tokens_reason = "tokens = " + t + " (setting)";
    return s;
  }
  s.show_sign_token = !is_web_browser(program);
  s.tokens_reason = s.show_sign_token
                        ? "tokens = both (default)"
                        : "tokens = auth (default in the web browser " + std::string(program) + ")";
  if (!t.empty()) {
    s.tokens_reason += "; ignored tokens = " + t + " (not auth, sign or both)";
  }
  return s;
}

}  // namespace jpki::pkcs11
