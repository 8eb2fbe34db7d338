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
#include "tests/support/fake_channel.h"

using namespace jpki;

namespace {

// The fuzzer's card: the input is its answers (2-byte length, then the bytes;
// length FFFF: line noise), played whatever the command; past the end it is gone.
void play(ByteView script, test::ScriptedCard& card) {
  std::size_t pos = 0;
  while (pos + 2 <= script.size()) {
    const std::size_t len = static_cast<std::size_t>(script[pos] << 8 | script[pos + 1]);
    pos += 2;
    if (len == 0xFFFF) {
      card.then_fail(transport::ErrorKind::kCommunication, "line noise");
      continue;
    }
    const std::size_t n = std::min(len, script.size() - pos);
    card.then_answer(Bytes(script.begin() + static_cast<std::ptrdiff_t>(pos),
                           script.begin() + static_cast<std::ptrdiff_t>(pos + n)));
    pos += n;
  }
  card.at_end_fail(transport::ErrorKind::kRemoved, "script ended");
}

bool is_verify_with_pin(const Bytes& c) { return c.size() > 5 && c[1] == apdu::ins::kVerify; }
bool is_retry_query(const Bytes& c) { return c.size() == 4 && c[1] == apdu::ins::kVerify; }

// Each VERIFY carrying a PIN follows a retry query the card answered with tries left.
void check_verifies(const test::FakeCard& card, std::size_t from) {
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
void exercise(test::FakeChannel& channel) {
  card::JpkiCard card(channel);
  const test::FakeCard& played = channel.card();
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
    std::size_t before = played.commands.size();
    attempt([&] { card.verify(key, card::SecureString(auth ? "1234" : "ABCDEF12")); });
    check_verifies(played, before);
    attempt([&] {
      const Bytes digest_info(51, 0x30);
      if (card.sign(key, digest_info).size() != apdu::kSignatureSize) std::abort();
    });
    attempt([&] {
      const Bytes hash(32, 0xAB);
      if (card.sign(key, hash, apdu::SignScheme::kPssPrehashedSha256).size() != apdu::kSignatureSize)
        std::abort();
    });
    before = played.commands.size();
    attempt([&] {
      card.change_pin(key, card::SecureString(auth ? "1234" : "ABCDEF12"),
                      card::SecureString(auth ? "1234" : "ABCDEF12"));
    });
    check_verifies(played, before);
  }
  attempt([&] { card.logout(); });
}

// The seed: the virtual card's answers to exercise(), in the fuzzer's input format
// (first byte: extended length available).
Bytes seed_of(const test::FakeCard& card) {
  Bytes script{0x01};
  for (const Bytes& answer : card.answers) {
    script.push_back(static_cast<std::uint8_t>(answer.size() >> 8));
    script.push_back(static_cast<std::uint8_t>(answer.size() & 0xFF));
    script.insert(script.end(), answer.begin(), answer.end());
  }
  return script;
}

}  // namespace

// JPKI_FUZZ_RECORD_SEED=FILE: write the seed (a whole healthy session) and exit.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  const char* out = std::getenv("JPKI_FUZZ_RECORD_SEED");
  if (out == nullptr) return 0;
  const auto dir = std::filesystem::temp_directory_path() / ("jpki-fuzz-seed-" + std::to_string(::getpid()));
  sim::create_card(dir, sim::InitOptions{});
  Bytes script;
  {
    test::SimCard sim_card(dir);
    test::FakeChannel channel(sim_card, "seed");
    exercise(channel);
    script = seed_of(sim_card);
  }
  std::filesystem::remove_all(dir);
  std::ofstream(out, std::ios::binary)
      .write(reinterpret_cast<const char*>(script.data()), static_cast<std::streamsize>(script.size()));
  std::exit(0);
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  test::ScriptedCard played;
  play(ByteView(data + 1, size - 1), played);
  test::FakeChannel channel(played, "fuzz", (data[0] & 1) != 0 ? 65538 : 258);
  exercise(channel);
  return 0;
}
