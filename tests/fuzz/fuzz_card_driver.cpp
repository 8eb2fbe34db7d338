// Fuzz target: the card driver against a card the fuzzer plays. The input is
// the card's answers (2-byte length, then the bytes); the driver runs every
// operation in turn. Allowed outcomes: a result, CardError or TransportError.
// Checked on every run: never more than one VERIFY per login, never a VERIFY
// unless the counter said tries remain, signatures of exactly 256 bytes,
// certificates exactly as long as their DER says.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "apdu/jpki.h"
#include "card/der_length.h"
#include "card/jpki_card.h"
#include "sim/card_state.h"
#include "sim/virtual_card.h"

using namespace jpki;

namespace {

class FuzzCard final : public transport::CardChannel {
 public:
  FuzzCard(ByteView script, std::size_t max_response) : script_(script), max_response_(max_response) {}

  Bytes transmit(ByteView command) override {
    commands.emplace_back(command.begin(), command.end());
    answers.emplace_back();  // filled below; stays empty when the line fails
    if (pos_ + 2 > script_.size())
      throw transport::TransportError(transport::ErrorKind::kRemoved, "script ended");
    const std::size_t len = static_cast<std::size_t>(script_[pos_] << 8 | script_[pos_ + 1]);
    pos_ += 2;
    if (len == 0xFFFF) throw transport::TransportError(transport::ErrorKind::kCommunication, "line noise");
    const std::size_t n = std::min(len, script_.size() - pos_);
    Bytes answer(script_.begin() + static_cast<std::ptrdiff_t>(pos_),
                 script_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    answers.back() = answer;
    return answer;
  }
  void begin_transaction() override {}
  void end_transaction() noexcept override {}
  void reconnect(bool /*power_cycle*/ = false) override {}
  [[nodiscard]] std::size_t max_response_size() const override { return max_response_; }
  [[nodiscard]] Bytes atr() const override { return {}; }
  [[nodiscard]] std::string reader_name() const override { return "fuzz"; }

  std::vector<Bytes> commands;
  std::vector<Bytes> answers;

 private:
  ByteView script_;
  std::size_t pos_ = 0;
  std::size_t max_response_;
};

bool is_verify_with_pin(const Bytes& c) { return c.size() > 5 && c[1] == apdu::ins::kVerify; }
bool is_retry_query(const Bytes& c) { return c.size() == 4 && c[1] == apdu::ins::kVerify; }

// Each VERIFY carrying a PIN follows a retry query the card answered with tries left.
template <typename Channel>
void check_verifies(const Channel& card, std::size_t from) {
  std::size_t verifies = 0;
  for (std::size_t i = from; i < card.commands.size(); ++i) {
    if (!is_verify_with_pin(card.commands[i])) continue;
    ++verifies;
    // The answer just before it ends the retry query (after any 61xx / 6Cxx rounds).
    bool queried = false;
    for (std::size_t j = from; j < i; ++j) queried = queried || is_retry_query(card.commands[j]);
    if (!queried) std::abort();
    const Bytes& a = card.answers[i - 1];
    const bool tries_left =
        a.size() >= 2 && ((a[a.size() - 2] == 0x63 && (a.back() & 0xF0) == 0xC0 && (a.back() & 0x0F) > 0) ||
                          (a[a.size() - 2] == 0x90 && a.back() == 0x00));
    if (!tries_left) std::abort();
  }
  if (verifies > 1) std::abort();
}

template <typename F>
void attempt(F&& f) {
  try {
    f();
  } catch (const card::CardError&) {
  } catch (const transport::TransportError&) {
  }
}

// Every driver operation in turn, with the checks; the same for the fuzzer's
// card and for the virtual card that records the seed.
template <typename Channel>
void exercise(Channel& channel) {
  card::JpkiCard card(channel);
  attempt([&] { (void)card.detect(); });
  for (const auto kind : {card::CertKind::kAuth, card::CertKind::kAuthCa, card::CertKind::kSign}) {
    attempt([&] {
      const Bytes der = card.read_certificate(kind);
      const auto n = card::der_sequence_length(der);
      if (!n || *n != der.size()) std::abort();
    });
  }
  for (const auto key : {card::KeyKind::kAuth, card::KeyKind::kSign}) {
    const bool auth = key == card::KeyKind::kAuth;
    attempt([&] {
      const auto st = card.pin_status(key);
      if (st.tries_left < 0 || st.tries_left > 15) std::abort();
    });
    std::size_t before = channel.commands.size();
    attempt([&] { card.verify(key, card::SecureString(auth ? "1234" : "ABCDEF12")); });
    check_verifies(channel, before);
    attempt([&] {
      const Bytes digest_info(51, 0x30);
      if (card.sign(key, digest_info).size() != apdu::kSignatureSize) std::abort();
    });
    attempt([&] {
      const Bytes hash(32, 0xAB);
      if (card.sign(key, hash, apdu::SignScheme::kPssPrehashedSha256).size() != apdu::kSignatureSize)
        std::abort();
    });
    before = channel.commands.size();
    attempt([&] {
      card.change_pin(key, card::SecureString(auth ? "1234" : "ABCDEF12"),
                      card::SecureString(auth ? "1234" : "ABCDEF12"));
    });
    check_verifies(channel, before);
  }
  attempt([&] { card.logout(); });
}

// The seed: the virtual card's answers to exercise(), in the fuzzer's input format.
class RecordingCard final : public transport::CardChannel {
 public:
  explicit RecordingCard(const std::filesystem::path& state) : card_(state, sim::CardOptions{}) {}
  Bytes transmit(ByteView command) override {
    commands.emplace_back(command.begin(), command.end());
    Bytes answer = card_.process(command);
    answers.push_back(answer);
    script.push_back(static_cast<std::uint8_t>(answer.size() >> 8));
    script.push_back(static_cast<std::uint8_t>(answer.size() & 0xFF));
    script.insert(script.end(), answer.begin(), answer.end());
    return answer;
  }
  void begin_transaction() override {}
  void end_transaction() noexcept override {}
  void reconnect(bool /*power_cycle*/ = false) override { card_.reset(); }
  [[nodiscard]] std::size_t max_response_size() const override { return 65538; }
  [[nodiscard]] Bytes atr() const override { return card_.atr(); }
  [[nodiscard]] std::string reader_name() const override { return "seed"; }

  std::vector<Bytes> commands;
  std::vector<Bytes> answers;
  Bytes script{0x01};  // first byte: extended length available

 private:
  sim::VirtualCard card_;
};

}  // namespace

// JPKI_FUZZ_RECORD_SEED=FILE: write the seed (a whole healthy session) and exit.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  const char* out = std::getenv("JPKI_FUZZ_RECORD_SEED");
  if (out == nullptr) return 0;
  const auto dir = std::filesystem::temp_directory_path() / ("jpki-fuzz-seed-" + std::to_string(::getpid()));
  sim::create_card(dir, sim::InitOptions{});
  RecordingCard rec(dir);
  exercise(rec);
  std::filesystem::remove_all(dir);
  std::ofstream(out, std::ios::binary)
      .write(reinterpret_cast<const char*>(rec.script.data()),
             static_cast<std::streamsize>(rec.script.size()));
  std::exit(0);
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  FuzzCard channel(ByteView(data + 1, size - 1), (data[0] & 1) != 0 ? 65538 : 258);
  exercise(channel);
  return 0;
}
