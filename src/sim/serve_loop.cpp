#include "sim/serve_loop.h"

#include <poll.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <thread>

#include "sim/apdu_log.h"
#include "sim/control_socket.h"
#include "sim/fault_injector.h"
#include "sim/vpcd_link.h"

namespace jpki::sim {
namespace {

std::atomic<bool> g_stop{false};
void on_signal(int /*sig*/) { g_stop = true; }

void delay(const Latency& l, std::size_t bytes, bool signature) {
  const auto us = std::chrono::microseconds(static_cast<long>(l.per_apdu_ms) * 1000 +
                                            static_cast<long>(l.per_byte_us) * static_cast<long>(bytes) +
                                            (signature ? static_cast<long>(l.per_signature_ms) * 1000 : 0));
  if (us.count() > 0) {
    std::this_thread::sleep_for(us);
  }
}

class Server {
 public:
  explicit Server(const ServeOptions& o)
      : o_(o),
        log_(o.log_path),
        card_(std::make_unique<VirtualCard>(o.state_dir, o.card)),
        link_("127.0.0.1", o.port) {
    if (!o.control_path.empty()) {
      control_ = std::make_unique<ControlServer>(o.control_path);
    }
  }

  int run() {
    while (!g_stop) {
      if (inserted_ && !link_.connected()) {
        if (link_.connect()) {
          log_.note("inserted");
        } else {
          wait_io(-1, 100);
          continue;
        }
      }
      const int ready = wait_io(link_.connected() ? link_.fd() : -1, 200);
      if ((ready & 2) != 0) {
        handle_control();
      }
      if ((ready & 1) != 0) {
        handle_vpcd();
      }
    }
    return 0;
  }

 private:
  // Bit 1: vpcd readable, bit 2: control readable.
  int wait_io(int vpcd_fd, int timeout_ms) {
    pollfd fds[2] = {{vpcd_fd, POLLIN, 0}, {control_ ? control_->fd() : -1, POLLIN, 0}};
    if (::poll(fds, 2, timeout_ms) <= 0) {
      return 0;
    }
    return ((fds[0].revents != 0) ? 1 : 0) | ((fds[1].revents & POLLIN) != 0 ? 2 : 0);
  }

  void handle_vpcd() {
    const auto msg = link_.receive();
    if (!msg) {  // vpcd went away (pcscd stopped): try again later
      link_.close();
      return;
    }
    if (msg->size() == 1) {
      switch ((*msg)[0]) {
        case VpcdLink::kPowerOff:
        case VpcdLink::kPowerOn:
        case VpcdLink::kReset:
          card_->reset();
          log_.note("reset");
          break;
        case VpcdLink::kGetAtr:
          link_.send(card_->atr());
          break;
        default:
          break;
      }
      return;
    }
    log_.command(*msg);
    Bytes response = card_->process(*msg);
    // A signature was made: its bytes, or 61xx announcing them (get-response=yes).
    const bool signature = msg->size() >= 2 && (*msg)[1] == 0x2A &&
                           (response.size() > 2 || (response.size() == 2 && response[0] == 0x61));
    switch (faults_.apply(*msg, response)) {
      case FaultInjector::Action::kAnswer:
        break;
      case FaultInjector::Action::kSilence:  // the reader times out and re-powers the card
        log_.note("fault: silent");
        std::this_thread::sleep_for(std::chrono::seconds(2));
        link_.close();
        card_->reset();
        return;
      case FaultInjector::Action::kVanish:  // pulled out mid-command
        log_.note("fault: vanished");
        inserted_ = false;
        link_.close();
        card_->reset();
        return;
    }
    delay(o_.latency, msg->size() + response.size(), signature);
    log_.response(response);
    link_.send(response);
  }

  void handle_control() {
    auto [client, line] = control_->accept_request();
    if (client < 0) {
      return;
    }
    std::string reply = "ok";
    try {
      if (line == "remove") {
        inserted_ = false;
        link_.close();
        card_->reset();
        log_.note("removed");
      } else if (line.rfind("insert", 0) == 0) {
        if (line.size() > 7) {
          card_ = std::make_unique<VirtualCard>(line.substr(7), o_.card);
        }
        card_->reset();
        inserted_ = true;
      } else if (line == "reset") {
        card_->reset();
        log_.note("reset by control");
      } else if (line.rfind("fault ", 0) == 0) {
        faults_.configure(line.substr(6));
        log_.note(line);
      } else if (line == "unblock") {
        card_->unblock();
        log_.note("unblocked");
      } else {
        reply = "error unknown request";
      }
    } catch (const std::exception& e) {
      reply = std::string("error ") + e.what();
    }
    ControlServer::reply(client, reply);
  }

  const ServeOptions& o_;
  ApduLog log_;
  std::unique_ptr<VirtualCard> card_;
  VpcdLink link_;
  std::unique_ptr<ControlServer> control_;
  FaultInjector faults_;
  bool inserted_ = true;
};

}  // namespace

int serve(const ServeOptions& options) {
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  Server server(options);
  return server.run();
}

}  // namespace jpki::sim
