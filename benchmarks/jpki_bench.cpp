// jpki-bench: the same operations through two PKCS#11 modules (ours and
// OpenSC's) against the same virtual card, in one run. Prints APDUs (counted in
// the simulator's log) and median wall time per operation, and the ratios.
//
// Runs inside the test bed (JPKI_SIM_LOG set). Usage:
//   jpki-bench --module NAME=PATH [--module NAME=PATH ...] [--reps N] [--rss-signatures N]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/p11_client.h"

namespace jpki::bench {
namespace {

using test::check;
using test::Initialized;
using test::P11Module;

struct Config {
  std::vector<std::pair<std::string, std::string>> modules;  // name, path
  int reps = 5;
  int rss_signatures = 1000;
  std::string auth_pin = "1234";
  std::string sign_pin = "ABCDEF12";
  std::string sim_log;
};

std::size_t count_apdus(const std::string& log) {
  std::ifstream in(log);
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    if (line.rfind("C:", 0) == 0) ++n;
  }
  return n;
}

struct Measurement {
  std::size_t apdus = 0;  // of one repetition (the last)
  double median_ms = 0;
  std::string error;
};

Measurement measure(const Config& cfg, int reps, const std::function<void()>& op) {
  Measurement m;
  std::vector<double> times;
  try {
    for (int i = 0; i < reps; ++i) {
      const std::size_t before = count_apdus(cfg.sim_log);
      const auto t0 = std::chrono::steady_clock::now();
      op();
      const auto t1 = std::chrono::steady_clock::now();
      m.apdus = count_apdus(cfg.sim_log) - before;
      times.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
  } catch (const std::exception& e) {
    m.error = e.what();
    return m;
  }
  std::sort(times.begin(), times.end());
  m.median_ms = times[times.size() / 2];
  return m;
}

void run_command(const std::vector<std::string>& argv) {
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // NOLINT: execvp's signature
    args.push_back(nullptr);
    if (std::freopen("/dev/null", "w", stdout) == nullptr) _exit(126);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error(argv[0] + " failed");
}

std::vector<unsigned char> attribute(const P11Module& m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                                     CK_ATTRIBUTE_TYPE type) {
  test::Bytes value;
  return test::attribute_value(m.f(), s, o, type, value) == CKR_OK ? value : test::Bytes{};
}

std::optional<CK_OBJECT_HANDLE> find_object(const P11Module& m, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
                                            unsigned char id) {
  std::vector<CK_OBJECT_HANDLE> found;
  check(test::find_objects(m.f(), s, cls, id, found), "C_FindObjects");
  if (found.empty()) return std::nullopt;
  return found.front();
}

// Every attribute a browser reads of every certificate in the session.
std::size_t read_all_certificates(const P11Module& m, CK_SESSION_HANDLE s) {
  std::vector<CK_OBJECT_HANDLE> found;
  check(test::find_objects(m.f(), s, CKO_CERTIFICATE, std::nullopt, found), "C_FindObjects");
  std::size_t bytes = 0;
  for (const CK_OBJECT_HANDLE o : found) {
    for (CK_ATTRIBUTE_TYPE t : {CKA_LABEL, CKA_ID, CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_VALUE}) {
      bytes += attribute(m, s, o, t).size();
    }
  }
  return bytes;
}

// One SHA256-RSA-PKCS signature; the context-specific login when the key asks for it.
void sign_sha256(const P11Module& m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, const std::string& pin,
                 const std::string& message) {
  const auto always = attribute(m, s, key, CKA_ALWAYS_AUTHENTICATE);
  const bool context_login = !always.empty() && always[0] == CK_TRUE;
  test::Bytes sig;
  check(test::sign_once(m.f(), s, CKM_SHA256_RSA_PKCS, key, test::Bytes(message.begin(), message.end()), sig,
                        context_login ? pin : ""),
        "C_Sign");
}

CK_SESSION_HANDLE open_session(const P11Module& m, CK_SLOT_ID slot) {
  CK_SESSION_HANDLE s = 0;
  check(m.f()->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s), "C_OpenSession");
  return s;
}

void login(const P11Module& m, CK_SESSION_HANDLE s, const std::string& pin) {
  auto* p = reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data()));  // NOLINT
  check(m.f()->C_Login(s, CKU_USER, p, pin.size()), "C_Login");
}

CK_SLOT_ID first_slot(const P11Module& m, const std::string& label) {
  const auto slots = test::slots_with_label(m.f(), label);
  if (slots.empty()) throw std::runtime_error("no token labelled *" + label + "*");
  return slots.front();
}

void cold_start(const P11Module& m) {
  Initialized init(m.f());
  CK_ULONG count = 0;
  check(m.f()->C_GetSlotList(CK_TRUE, nullptr, &count), "C_GetSlotList");
  std::vector<CK_SLOT_ID> slots(count);
  check(m.f()->C_GetSlotList(CK_TRUE, slots.data(), &count), "C_GetSlotList");
  for (CK_SLOT_ID s : slots) {
    CK_TOKEN_INFO info{};
    check(m.f()->C_GetTokenInfo(s, &info), "C_GetTokenInfo");
  }
  for (CK_SLOT_ID s : slots) {
    const CK_SESSION_HANDLE session = open_session(m, s);
    read_all_certificates(m, session);
    m.f()->C_CloseSession(session);
  }
}

void auth_login_sign(const P11Module& m, const Config& cfg) {
  Initialized init(m.f());
  const CK_SESSION_HANDLE s = open_session(m, first_slot(m, "User Authentication"));
  login(m, s, cfg.auth_pin);
  const auto key = find_object(m, s, CKO_PRIVATE_KEY, 1);
  if (!key) throw std::runtime_error("no auth private key");
  sign_sha256(m, s, *key, cfg.auth_pin, "benchmark");
}

void sign_login_cert_sign(const P11Module& m, const Config& cfg) {
  Initialized init(m.f());
  const CK_SESSION_HANDLE s = open_session(m, first_slot(m, "Digital Signature"));
  login(m, s, cfg.sign_pin);
  const auto cert = find_object(m, s, CKO_CERTIFICATE, 2);
  if (!cert || attribute(m, s, *cert, CKA_VALUE).empty()) throw std::runtime_error("no sign certificate");
  const auto key = find_object(m, s, CKO_PRIVATE_KEY, 2);
  if (!key) throw std::runtime_error("no sign private key");
  sign_sha256(m, s, *key, cfg.sign_pin, "benchmark");
}

// Signs n times in one logged-in session; returns resident memory growth in KiB.
long signatures(const P11Module& m, const Config& cfg, int n) {
  Initialized init(m.f());
  const CK_SESSION_HANDLE s = open_session(m, first_slot(m, "User Authentication"));
  login(m, s, cfg.auth_pin);
  const auto key = find_object(m, s, CKO_PRIVATE_KEY, 1);
  if (!key) throw std::runtime_error("no auth private key");
  auto rss_kib = [] {
    std::ifstream statm("/proc/self/statm");
    long size = 0;
    long resident = 0;
    statm >> size >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
  };
  sign_sha256(m, s, *key, cfg.auth_pin, "warm-up");
  const long before = rss_kib();
  for (int i = 0; i < n; ++i) sign_sha256(m, s, *key, cfg.auth_pin, "message " + std::to_string(i));
  return rss_kib() - before;
}

Config parse(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--module") {
      const std::string v = next();
      const auto eq = v.find('=');
      if (eq == std::string::npos) throw std::runtime_error("--module takes NAME=PATH");
      cfg.modules.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else if (a == "--reps") {
      cfg.reps = std::stoi(next());
    } else if (a == "--rss-signatures") {
      cfg.rss_signatures = std::stoi(next());
    } else {
      throw std::runtime_error("unknown option " + a);
    }
  }
  if (cfg.modules.empty()) throw std::runtime_error("give at least one --module NAME=PATH");
  if (const char* log = std::getenv("JPKI_SIM_LOG")) cfg.sim_log = log;
  if (cfg.sim_log.empty())
    throw std::runtime_error("JPKI_SIM_LOG is not set: run inside tests/testbed/testbed.sh");
  if (const char* p = std::getenv("JPKI_AUTH_PIN")) cfg.auth_pin = p;
  if (const char* p = std::getenv("JPKI_SIGN_PIN")) cfg.sign_pin = p;
  return cfg;
}

std::string cell(const Measurement& m) {
  if (!m.error.empty()) return "error";
  std::array<char, 48> buf{};
  std::snprintf(buf.data(), buf.size(), "%4zu APDUs %9.1f ms", m.apdus, m.median_ms);
  return buf.data();
}

std::string ratio(const Measurement& ours, const Measurement& theirs) {
  if (!ours.error.empty() || !theirs.error.empty() || ours.apdus == 0 || ours.median_ms <= 0) return "-";
  std::array<char, 48> buf{};
  std::snprintf(buf.data(), buf.size(), "1/%.1f APDUs, %.1fx faster",
                static_cast<double>(theirs.apdus) / static_cast<double>(ours.apdus),
                theirs.median_ms / ours.median_ms);
  return buf.data();
}

int run(const Config& cfg) {
  const std::vector<std::string> ops = {"cold start (browser)",
                                        "pkcs11-tool -L",
                                        "pkcs11-tool -O",
                                        "auth login + 1 signature",
                                        "sign login + cert + 1 signature",
                                        "100 signatures, one session"};
  std::map<std::string, std::vector<Measurement>> results;
  std::map<std::string, long> rss;
  for (const auto& [name, path] : cfg.modules) {
    P11Module m(path);
    auto& r = results[name];
    r.push_back(measure(cfg, cfg.reps, [&] { cold_start(m); }));
    r.push_back(measure(cfg, cfg.reps, [&] { run_command({"pkcs11-tool", "--module", path, "-L"}); }));
    r.push_back(measure(cfg, cfg.reps, [&] {
      run_command({"pkcs11-tool", "--module", path, "--slot-index", "0", "-O"});
    }));
    r.push_back(measure(cfg, cfg.reps, [&] { auth_login_sign(m, cfg); }));
    r.push_back(measure(cfg, cfg.reps, [&] { sign_login_cert_sign(m, cfg); }));
    r.push_back(measure(cfg, 1, [&] { signatures(m, cfg, 100); }));
    try {
      if (cfg.rss_signatures > 0) rss[name] = signatures(m, cfg, cfg.rss_signatures);
    } catch (const std::exception& e) {
      std::cerr << name << ": RSS run failed: " << e.what() << "\n";
      rss[name] = -1;
    }
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (!r[i].error.empty()) std::cerr << name << ": " << ops[i] << ": " << r[i].error << "\n";
    }
  }
  std::printf("\n| operation | %s |", cfg.modules[0].first.c_str());
  for (std::size_t k = 1; k < cfg.modules.size(); ++k)
    std::printf(" %s | ratio |", cfg.modules[k].first.c_str());
  std::printf("\n|---|---|");
  for (std::size_t k = 1; k < cfg.modules.size(); ++k) std::printf("---|---|");
  std::printf("\n");
  const auto& base = results[cfg.modules[0].first];
  for (std::size_t i = 0; i < ops.size(); ++i) {
    std::printf("| %s | %s |", ops[i].c_str(), cell(base[i]).c_str());
    for (std::size_t k = 1; k < cfg.modules.size(); ++k) {
      const auto& other = results[cfg.modules[k].first][i];
      std::printf(" %s | %s |", cell(other).c_str(), ratio(base[i], other).c_str());
    }
    std::printf("\n");
  }
  if (cfg.rss_signatures > 0) {
    std::printf("\nResident memory growth over %d signatures:", cfg.rss_signatures);
    for (const auto& [name, path] : cfg.modules) std::printf(" %s %ld KiB;", name.c_str(), rss[name]);
    std::printf("\n");
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace
}  // namespace jpki::bench

int main(int argc, char** argv) {
  try {
    return jpki::bench::run(jpki::bench::parse(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "jpki-bench: " << e.what() << "\n";
    return 2;
  }
}
