#include "sim/card_state.h"

#include <openssl/pem.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace jpki::sim {
namespace {

namespace fs = std::filesystem;

Bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Pkey read_key(const fs::path& p) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(p.c_str(), "r"), std::fclose);
  if (!f) throw std::runtime_error("cannot read " + p.string());
  Pkey k(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr));
  if (!k) throw std::runtime_error("bad key in " + p.string());
  return k;
}

// "auth X\nsign Y\n" files.
std::map<std::string, std::string> read_pairs(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::map<std::string, std::string> out;
  std::string k;
  std::string v;
  while (in >> k >> v) out[k] = v;
  return out;
}

void write_atomically(const fs::path& p, const std::string& text) {
  const fs::path tmp = p.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, p);
}

}  // namespace

CardState load_card(const fs::path& dir) {
  CardState st;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == 11 && name.rfind("ef-", 0) == 0 && name.ends_with(".bin")) {
      const auto fid = static_cast<std::uint16_t>(std::stoul(name.substr(3, 4), nullptr, 16));
      st.files[fid] = read_file(entry.path());
    }
  }
  st.auth_key = read_key(dir / "auth-key.pem");
  st.sign_key = read_key(dir / "sign-key.pem");
  const auto pins = read_pairs(dir / "pins");
  const auto counters = read_pairs(dir / "counters");
  st.auth = {pins.at("auth"), std::stoi(counters.at("auth")), 3};
  st.sign = {pins.at("sign"), std::stoi(counters.at("sign")), 5};
  return st;
}

void save_counters(const fs::path& dir, const CardState& st) {
  write_atomically(dir / "counters", "auth " + std::to_string(st.auth.tries) + "\nsign " +
                                         std::to_string(st.sign.tries) + "\n");
}

void save_pins(const fs::path& dir, const CardState& st) {
  write_atomically(dir / "pins", "auth " + st.auth.pin + "\nsign " + st.sign.pin + "\n");
}

}  // namespace jpki::sim
