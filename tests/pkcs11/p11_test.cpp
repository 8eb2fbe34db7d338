#include "p11_test.h"

#include <PCSC/winscard.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "common/openssl_ptr.h"

namespace jpki::test {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr)
    throw std::runtime_error(std::string(name) + " is not set: run inside tests/testbed/testbed.sh");
  return v;
}

std::string run(const std::string& cmd) {
  std::unique_ptr<FILE, decltype(&pclose)> p(popen(cmd.c_str(), "r"), pclose);
  if (!p) throw std::runtime_error("popen " + cmd);
  std::string out;
  std::array<char, 256> buf{};
  while (std::fgets(buf.data(), buf.size(), p.get()) != nullptr) out += buf.data();
  return out;
}

}  // namespace

CK_FUNCTION_LIST* module() {
  // Kept loaded until the process exits, as before any test ran.
  static const P11Module loaded(env("JPKI_PKCS11_MODULE"), false);
  return loaded.f();
}

int card_tries(const std::string& which) {
  const std::string json = run("'" + env("JPKI_SIM_BIN") + "' state --state '" + env("JPKI_SIM_STATE") + "'");
  const std::string key = "\"" + which + "_tries_left\": ";
  const auto pos = json.find(key);
  if (pos == std::string::npos) throw std::runtime_error("jpki-sim state: " + json);
  return std::stoi(json.substr(pos + key.size()));
}

std::size_t card_apdus() {
  std::ifstream in(env("JPKI_SIM_LOG"));
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line))
    if (line.rfind("C:", 0) == 0) ++n;
  return n;
}

std::size_t card_verifies_with_data() {
  std::ifstream in(env("JPKI_SIM_LOG"));
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    std::erase(line, ' ');
    if (line.rfind("C:0020", 0) == 0 && line.find("<redacted") != std::string::npos) ++n;
  }
  return n;
}

void unblock_card() {
  run("'" + env("JPKI_SIM_BIN") + "' ctl --control '" + env("JPKI_SIM_CONTROL") + "' unblock");
}

int sim(const std::string& args) {
  std::string a = args;
  const std::string key = "{control}";
  if (const auto pos = a.find(key); pos != std::string::npos)
    a.replace(pos, key.size(), "'" + env("JPKI_SIM_CONTROL") + "'");
  const int rc = std::system(("'" + env("JPKI_SIM_BIN") + "' " + a + " >/dev/null").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string rogue(const std::string& key) {
  const std::string cmd =
      "'" + env("JPKI_ROGUE") + "' " + key + " --reader '" + env("JPKI_TESTBED_READER") + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen " + cmd);
  std::string out;
  std::array<char, 256> buf{};
  while (std::fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
  const int rc = pclose(p);
  const int code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  if (code == 0) return "signed";
  if (code == 1) return "refused";
  ADD_FAILURE() << "pcsc_rogue " << key << " exited " << code << ": " << out;
  return "error " + out;
}

CardKeptOpen::CardKeptOpen() {
  SCARDCONTEXT ctx = 0;
  SCARDHANDLE card = 0;
  DWORD protocol = 0;
  const std::string reader = env("JPKI_TESTBED_READER");
  if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS)
    throw std::runtime_error("SCardEstablishContext");
  if (SCardConnect(ctx, reader.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card,
                   &protocol) != SCARD_S_SUCCESS) {
    SCardReleaseContext(ctx);
    throw std::runtime_error("SCardConnect " + reader);
  }
  context_ = ctx;
  card_ = card;
}

CardKeptOpen::~CardKeptOpen() {
  SCardDisconnect(card_, SCARD_LEAVE_CARD);
  SCardReleaseContext(context_);
}

std::string auth_pin() { return env("JPKI_AUTH_PIN"); }
std::string sign_pin() { return env("JPKI_SIGN_PIN"); }

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

void P11Test::SetUp() {
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  ASSERT_EQ(f()->C_Initialize(&args), CKR_OK);
  CK_ULONG n = 0;
  ASSERT_EQ(f()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
  std::vector<CK_SLOT_ID> slots(n);
  ASSERT_EQ(f()->C_GetSlotList(CK_TRUE, slots.data(), &n), CKR_OK);
  ASSERT_EQ(n, 2u) << "the test bed's virtual card gives exactly two slots";
  auth_slot_ = slots[0];
  sign_slot_ = slots[1];
}

void P11Test::TearDown() { f()->C_Finalize(nullptr); }

CK_SESSION_HANDLE P11Test::open(CK_SLOT_ID slot, bool rw) {
  CK_SESSION_HANDLE s = 0;
  const CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
  EXPECT_EQ(f()->C_OpenSession(slot, flags, nullptr, nullptr, &s), CKR_OK);
  return s;
}

CK_RV P11Test::login(CK_SESSION_HANDLE s, const std::string& pin, CK_USER_TYPE user) {
  Bytes p = bytes_of(pin);
  return f()->C_Login(s, user, p.data(), p.size());
}

std::vector<CK_OBJECT_HANDLE> P11Test::find(CK_SESSION_HANDLE s, std::optional<CK_OBJECT_CLASS> cls,
                                            std::optional<unsigned char> id) {
  std::vector<CK_OBJECT_HANDLE> out;
  EXPECT_EQ(find_objects(f(), s, cls, id, out), CKR_OK);
  return out;
}

std::optional<CK_OBJECT_HANDLE> P11Test::find_one(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
                                                  unsigned char id) {
  const auto all = find(s, cls, id);
  if (all.size() != 1) return std::nullopt;
  return all[0];
}

Bytes P11Test::attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
  Bytes v;
  EXPECT_EQ(attribute_value(f(), s, o, type, v), CKR_OK) << "attribute 0x" << std::hex << type;
  return v;
}

CK_ULONG P11Test::ulong_attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
  CK_ULONG v = 0;
  CK_ATTRIBUTE a{type, &v, sizeof v};
  EXPECT_EQ(f()->C_GetAttributeValue(s, o, &a, 1), CKR_OK);
  return v;
}

bool P11Test::bool_attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
  CK_BBOOL v = CK_FALSE;
  CK_ATTRIBUTE a{type, &v, sizeof v};
  EXPECT_EQ(f()->C_GetAttributeValue(s, o, &a, 1), CKR_OK);
  return v == CK_TRUE;
}

CK_FLAGS P11Test::token_flags(CK_SLOT_ID slot) {
  CK_TOKEN_INFO info{};
  EXPECT_EQ(f()->C_GetTokenInfo(slot, &info), CKR_OK);
  return info.flags;
}

CK_RV P11Test::sign(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE key, const Bytes& data,
                    Bytes& sig, const std::string& context_pin) {
  return sign_once(f(), s, mech, key, data, sig, context_pin);
}

namespace {
// A verification context over the certificate's public key (null when it is no certificate).
PkeyCtx verify_context(const Bytes& cert_der) {
  const unsigned char* p = cert_der.data();
  const X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())));
  if (!x) return nullptr;
  const Pkey key(X509_get_pubkey(x.get()));
  PkeyCtx ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) return nullptr;
  return ctx;
}
}  // namespace

bool openssl_verify_pss_sha256(const Bytes& cert_der, const Bytes& hash, const Bytes& sig) {
  const PkeyCtx ctx = verify_context(cert_der);
  return ctx && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), 32) == 1 &&  // exactly 32, not "auto"
         EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), hash.data(), hash.size()) == 1;
}

bool openssl_verify(const Bytes& cert_der, const std::string& md_name, const Bytes& data, const Bytes& sig) {
  const PkeyCtx ctx = verify_context(cert_der);
  if (!ctx) return false;
  EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING);
  Bytes tbs = data;
  if (!md_name.empty()) {
    const EVP_MD* md = EVP_get_digestbyname(md_name.c_str());
    Bytes hash(EVP_MAX_MD_SIZE);
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), hash.data(), &len, md, nullptr);
    hash.resize(len);
    EVP_PKEY_CTX_set_signature_md(ctx.get(), md);
    tbs = hash;
  }
  return EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), tbs.data(), tbs.size()) == 1;
}

Bytes digest_info_sha256(const Bytes& data) {
  Bytes out = {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
               0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
  Bytes hash(32);
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), hash.data(), &len, EVP_sha256(), nullptr);
  out.insert(out.end(), hash.begin(), hash.end());
  return out;
}

}  // namespace jpki::test
