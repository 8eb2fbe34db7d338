// jpki-sim: a virtual My Number Card (JPKI applet) for a real pcscd through vpcd.
//   jpki-sim init  --state DIR [--auth-pin P] [--sign-pin P] [--not-after YYYY-MM-DD]
//                  [--not-before YYYY-MM-DD]
//   jpki-sim serve --state DIR [--port N] [--log FILE] [--control SOCKET] [--variant SPEC]
//                  [--atr HEX] [--no-extended]
//                  [--apdu-delay-ms N] [--byte-delay-us N] [--sign-delay-ms N]
//   jpki-sim state --state DIR
//   jpki-sim ctl   --control SOCKET remove | insert [--state DIR] | reset | unblock
//                  | fault MODE [ins XX] [count N]   (see fault_injector.h)
//   jpki-sim probe        (exit 0 when pcscd shows a card)
//   jpki-sim reset-card   (reset the card as another PC/SC client would)
//
// --variant SPEC: comma-separated key=value, defaults first (see variant.h, README.md):
//   token-info=160|32  token=card|android|iphone|juki  auth-cert-pin=no|yes
//   cert-pad=ff|00|none  eof=short|6282|6b00|6cxx|6700  max-le=256|1..255
//   ext=yes|no|truncate  get-response=no|yes  fci=no|yes  blocked=6984|6983|63c0
//   verified-query=63cx|9000  sign-pin=stays|consumed  pss=yes|no  reselect-clears=yes|no
//   atr=HEX
// --atr HEX is atr=HEX and --no-extended is ext=no; a key given twice must agree.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "sim/apdu_log.h"
#include "sim/card_state.h"
#include "sim/control_socket.h"
#include "sim/pcsc_probe.h"
#include "sim/serve_loop.h"
#include "sim/variant.h"
#include "sim/virtual_card.h"

namespace {

using namespace jpki;
using namespace jpki::sim;

struct Args {
  std::string command;
  std::map<std::string, std::string> opts;
  std::vector<std::string> positional;
};

Args parse(int argc, char** argv) {
  Args a;
  if (argc < 2) {
    throw std::invalid_argument("missing command (init, serve, state, ctl)");
  }
  a.command = argv[1];
  static const std::vector<std::string> flags = {"--no-extended"};
  for (int i = 2; i < argc; ++i) {
    const std::string s = argv[i];
    if (s.rfind("--", 0) == 0) {
      if (std::find(flags.begin(), flags.end(), s) != flags.end()) {
        a.opts[s] = "1";
      } else {
        if (i + 1 >= argc) {
          throw std::invalid_argument(s + " needs a value");
        }
        a.opts[s] = argv[++i];
      }
    } else {
      a.positional.push_back(s);
    }
  }
  return a;
}

std::string need(const Args& a, const std::string& key) {
  const auto it = a.opts.find(key);
  if (it == a.opts.end()) {
    throw std::invalid_argument(a.command + " needs " + key);
  }
  return it->second;
}

std::string opt(const Args& a, const std::string& key, const std::string& fallback) {
  const auto it = a.opts.find(key);
  return it == a.opts.end() ? fallback : it->second;
}

int cmd_init(const Args& a) {
  InitOptions o;
  o.auth_pin = opt(a, "--auth-pin", o.auth_pin);
  o.sign_pin = opt(a, "--sign-pin", o.sign_pin);
  o.not_after = opt(a, "--not-after", "");
  o.not_before = opt(a, "--not-before", "");
  create_card(need(a, "--state"), o);
  return 0;
}

int cmd_state(const Args& a) {
  const CardState st = load_card(need(a, "--state"));
  std::cout << "{\"auth_tries_left\": " << st.auth.tries << ", \"sign_tries_left\": " << st.sign.tries
            << ", \"auth_max_tries\": " << st.auth.max_tries << ", \"sign_max_tries\": " << st.sign.max_tries
            << "}\n";
  return 0;
}

int cmd_serve(const Args& a) {
  ServeOptions o;
  std::string spec = opt(a, "--variant", "");
  if (a.opts.count("--no-extended") != 0) {
    spec += ",ext=no";
  }
  if (a.opts.count("--atr") != 0) {
    spec += ",atr=" + a.opts.at("--atr");
  }
  o.card.variant = parse_variant(spec);  // throws before anything is served
  o.state_dir = need(a, "--state");
  o.port = static_cast<std::uint16_t>(std::stoi(opt(a, "--port", "35963")));
  o.log_path = opt(a, "--log", "");
  o.control_path = opt(a, "--control", "");
  o.latency.per_apdu_ms = std::stoi(opt(a, "--apdu-delay-ms", "0"));
  o.latency.per_byte_us = std::stoi(opt(a, "--byte-delay-us", "0"));
  o.latency.per_signature_ms = std::stoi(opt(a, "--sign-delay-ms", "0"));
  return serve(o);
}

int cmd_ctl(const Args& a) {
  std::string line;
  for (const auto& p : a.positional) {
    line += (line.empty() ? "" : " ") + p;
  }
  if (a.opts.count("--state") != 0) {
    line += " " + std::filesystem::absolute(a.opts.at("--state")).string();
  }
  const std::string reply = control_request(need(a, "--control"), line);
  std::cout << reply;
  return reply.rfind("ok", 0) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse(argc, argv);
    if (a.command == "init") {
      return cmd_init(a);
    }
    if (a.command == "serve") {
      return cmd_serve(a);
    }
    if (a.command == "state") {
      return cmd_state(a);
    }
    if (a.command == "ctl") {
      return cmd_ctl(a);
    }
    if (a.command == "probe") {
      return probe_pcscd();
    }
    if (a.command == "reset-card") {
      return reset_card_as_another_process();
    }
    throw std::invalid_argument("unknown command " + a.command);
  } catch (const std::exception& e) {
    std::cerr << "jpki-sim: " << e.what() << "\n";
    return 2;
  }
}
