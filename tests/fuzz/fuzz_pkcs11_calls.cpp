// Fuzz target: sequences of PKCS#11 calls. The input is a program of calls
// (operation byte, then its arguments) run against the module's front end
// with the in-process virtual card, which the program may also reset or pull
// out. Checked on every run: no crash, no undefined behaviour, and no PIN of
// the wrong shape ever reaches the card.
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <vector>

#include "apdu/jpki.h"
#include "pkcs11/error_map.h"
#include "pkcs11/module.h"
#include "sim/card_state.h"
#include "tests/support/fake_reader_provider.h"

using namespace jpki;
namespace fs = std::filesystem;

namespace {

fs::path g_template;
fs::path g_work;

constexpr const char* kReader = "Fuzz Reader 00";

bool pin_shaped(ByteView pin) {
  const bool digits4 =
      pin.size() == 4 && std::all_of(pin.begin(), pin.end(), [](auto c) { return c >= '0' && c <= '9'; });
  const bool sign_shape =
      pin.size() >= 6 && pin.size() <= 16 && std::all_of(pin.begin(), pin.end(), [](auto c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
      });
  return digits4 || sign_shape;
}

// Reads the program's bytes; zeros once it runs out.
class Program {
 public:
  Program(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  [[nodiscard]] bool done() const { return i_ >= n_; }
  std::uint8_t byte() { return i_ < n_ ? d_[i_++] : 0; }
  Bytes bytes(std::size_t n) {
    Bytes out;
    while (out.size() < n && !done()) out.push_back(byte());
    return out;
  }

 private:
  const std::uint8_t* d_;
  std::size_t n_;
  std::size_t i_ = 0;
};

template <typename F>
CK_RV call(F&& f) {
  try {
    return f();
  } catch (...) {
    return pkcs11::rv_of_current_exception();
  }
}

constexpr std::array<CK_MECHANISM_TYPE, 8> kMechanisms = {
    CKM_RSA_PKCS,        CKM_SHA256_RSA_PKCS, CKM_SHA1_RSA_PKCS,       CKM_SHA384_RSA_PKCS,
    CKM_SHA512_RSA_PKCS, CKM_RSA_PKCS_PSS,    CKM_SHA256_RSA_PKCS_PSS, CKM_RSA_X_509};
constexpr std::array<CK_ATTRIBUTE_TYPE, 12> kAttributes = {CKA_CLASS,
                                                           CKA_VALUE,
                                                           CKA_ID,
                                                           CKA_LABEL,
                                                           CKA_MODULUS,
                                                           CKA_PUBLIC_EXPONENT,
                                                           CKA_SUBJECT,
                                                           CKA_ISSUER,
                                                           CKA_SERIAL_NUMBER,
                                                           CKA_PRIVATE,
                                                           CKA_ALWAYS_AUTHENTICATE,
                                                           CKA_KEY_TYPE};

Bytes pin_from(Program& p) {
  switch (p.byte() % 4) {
    case 0:
      return {'1', '2', '3', '4'};  // the auth PIN
    case 1:
      return {'A', 'B', 'C', 'D', 'E', 'F', '1', '2'};  // the sign PIN
    default:
      return p.bytes(p.byte() % 20);
  }
}

// The card side: the virtual card in the fake reader, which the program may
// reset or pull out.
void run(Program& p, pkcs11::Module& m, test::FakeReaderProvider& reader, test::SimCard& card) {
  std::vector<CK_SESSION_HANDLE> sessions;
  auto session = [&] {
    return sessions.empty() ? CK_SESSION_HANDLE{p.byte()} : sessions[p.byte() % sessions.size()];
  };
  std::array<std::uint8_t, 4096> buf{};
  for (int steps = 0; steps < 64 && !p.done(); ++steps) {
    const std::uint8_t op = p.byte();
    switch (op % 22) {
      case 0: {
        CK_ULONG n = p.byte() % 8;
        std::array<CK_SLOT_ID, 8> slots{};
        call([&] {
          return m.get_slot_list(op & 0x80 ? CK_TRUE : CK_FALSE, (op & 0x40) ? nullptr : slots.data(), &n);
        });
        break;
      }
      case 1: {
        CK_TOKEN_INFO info{};
        const CK_SLOT_ID slot = p.byte() % 3;
        call([&] { return m.get_token_info(slot, &info); });
        break;
      }
      case 2: {
        CK_SESSION_HANDLE h = 0;
        const CK_FLAGS flags = (op & 0x80 ? CKF_SERIAL_SESSION : 0) | (op & 0x40 ? CKF_RW_SESSION : 0);
        const CK_SLOT_ID slot = p.byte() % 3;
        if (call([&] { return m.open_session(slot, flags, &h); }) == CKR_OK) sessions.push_back(h);
        break;
      }
      case 3: {
        const CK_SESSION_HANDLE h = session();
        call([&] { return m.close_session(h); });
        break;
      }
      case 4: {
        Bytes pin = pin_from(p);
        const CK_USER_TYPE user =
            std::array<CK_USER_TYPE, 3>{CKU_USER, CKU_SO, CKU_CONTEXT_SPECIFIC}[p.byte() % 3];
        const CK_SESSION_HANDLE h = session();
        call([&] { return m.login(h, user, pin.data(), pin.size()); });
        break;
      }
      case 5: {
        const CK_SESSION_HANDLE h = session();
        call([&] { return m.logout(h); });
        break;
      }
      case 6: {
        CK_OBJECT_CLASS cls = p.byte() % 5;
        CK_BYTE id = p.byte() % 6;
        std::array<CK_ATTRIBUTE, 2> t = {{{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, &id, 1}}};
        const CK_ULONG count = p.byte() % 3;
        const CK_SESSION_HANDLE h = session();
        call([&] { return m.find_objects_init(h, t.data(), count); });
        break;
      }
      case 7: {
        std::array<CK_OBJECT_HANDLE, 16> out{};
        CK_ULONG n = 0;
        const CK_ULONG max = p.byte() % 17;
        const CK_SESSION_HANDLE h = session();
        call([&] { return m.find_objects(h, out.data(), max, &n); });
        break;
      }
      case 8: {
        const CK_SESSION_HANDLE h = session();
        call([&] { return m.find_objects_final(h); });
        break;
      }
      case 9: {
        const std::uint8_t how = p.byte();
        CK_ATTRIBUTE a{kAttributes[how % kAttributes.size()], (how & 0x80) ? nullptr : buf.data(),
                       (how & 0x40) ? CK_ULONG{p.byte()} : CK_ULONG{buf.size()}};
        const CK_OBJECT_HANDLE obj = p.byte() % 10;
        const CK_SESSION_HANDLE h = session();
        call([&] { return m.get_attribute_value(h, obj, &a, 1); });
        break;
      }
      case 10:
      case 14: {
        CK_MECHANISM mech{kMechanisms[p.byte() % kMechanisms.size()], nullptr, 0};
        CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, p.byte()};
        if (op & 0x80) {
          mech.pParameter = &pss;
          mech.ulParameterLen = sizeof pss;
        }
        const CK_OBJECT_HANDLE key = p.byte() % 10;
        const CK_SESSION_HANDLE h = session();
        call([&] { return op % 22 == 10 ? m.sign_init(h, &mech, key) : m.verify_init(h, &mech, key); });
        break;
      }
      case 11: {
        Bytes data = p.bytes(p.byte());
        CK_ULONG len = (op & 0x80) ? p.byte() : buf.size();
        const CK_SESSION_HANDLE h = session();
        call([&] { return m.sign(h, data.data(), data.size(), (op & 0x40) ? nullptr : buf.data(), &len); });
        break;
      }
      case 12: {
        Bytes data = p.bytes(p.byte());
        const CK_SESSION_HANDLE h = session();
        call([&] { return m.sign_update(h, data.data(), data.size()); });
        break;
      }
      case 13: {
        CK_ULONG len = (op & 0x80) ? p.byte() : buf.size();
        const CK_SESSION_HANDLE h = session();
        call([&] { return m.sign_final(h, (op & 0x40) ? nullptr : buf.data(), &len); });
        break;
      }
      case 15: {
        Bytes data = p.bytes(p.byte());
        Bytes sig = p.bytes((op & 0x80) ? 256 : p.byte());
        const CK_SESSION_HANDLE h = session();
        call([&] { return m.verify(h, data.data(), data.size(), sig.data(), sig.size()); });
        break;
      }
      case 16: {
        Bytes old_pin = pin_from(p);
        Bytes new_pin = pin_from(p);
        const CK_SESSION_HANDLE h = session();
        call([&] { return m.set_pin(h, old_pin.data(), old_pin.size(), new_pin.data(), new_pin.size()); });
        break;
      }
      case 17: {
        CK_SESSION_INFO info{};
        const CK_SESSION_HANDLE h = session();
        call([&] { return m.get_session_info(h, &info); });
        break;
      }
      case 18: {
        CK_ULONG n = p.byte() % 16;
        std::array<CK_MECHANISM_TYPE, 16> list{};
        const CK_SLOT_ID slot = p.byte() % 3;
        call([&] { return m.get_mechanism_list(slot, (op & 0x80) ? nullptr : list.data(), &n); });
        CK_MECHANISM_INFO info{};
        const CK_MECHANISM_TYPE type = kMechanisms[p.byte() % kMechanisms.size()];
        call([&] { return m.get_mechanism_info(slot, type, &info); });
        break;
      }
      case 19: {
        const CK_SLOT_ID slot = p.byte() % 3;
        call([&] { return m.close_all_sessions(slot); });
        break;
      }
      case 20:  // another process resets the card, or the card loses its state unseen
        card.reset_by_someone_else((op & 0x80) == 0);
        break;
      case 21:  // pulled out, or put back
        if (reader.card_in(kReader) != nullptr) {
          reader.pull_out(kReader);
        } else {
          reader.insert(kReader);
        }
        break;
      default:
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  g_template = fs::temp_directory_path() / ("jpki-fuzz-card-" + std::to_string(::getpid()));
  g_work = g_template.string() + "-work";
  fs::remove_all(g_template);
  sim::create_card(g_template, sim::InitOptions{});
  std::atexit([] {
    fs::remove_all(g_template);
    fs::remove_all(g_work);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Only the PINs and counters change on the card: put them back for each run.
  if (!fs::exists(g_work)) fs::copy(g_template, g_work, fs::copy_options::recursive);
  for (const char* mutable_file : {"pins", "counters"})
    fs::copy_file(g_template / mutable_file, g_work / mutable_file, fs::copy_options::overwrite_existing);
  auto card = std::make_shared<test::SimCard>(g_work);
  card->on_command = [](ByteView command) {
    if (command.size() > 5 && command[1] == apdu::ins::kVerify && !pin_shaped(command.subspan(5, command[4])))
      std::abort();  // a PIN of the wrong shape reached the card
  };
  auto provider = std::make_unique<test::FakeReaderProvider>();
  test::FakeReaderProvider& reader = *provider;
  reader.add_reader(kReader, card);
  pkcs11::Settings settings;
  settings.rsa_pss = true;  // reach the PSS paths too
  pkcs11::Module module(std::move(provider), settings);
  Program program(data, size);
  run(program, module, reader, *card);
  return 0;
}
