// Test support for the black-box suite: the module is dlopen'ed
// (tests/support/p11_client.h) and used only through C_GetFunctionList; the
// virtual card is inspected through jpki-sim, and other programs using the card
// are played by plain PC/SC clients.
#pragma once

#include <gtest/gtest.h>
#include <p11-kit/pkcs11.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/support/p11_client.h"

namespace jpki::test {

CK_FUNCTION_LIST* module();  // loaded once per process from $JPKI_PKCS11_MODULE

// The simulator's view: retry counters and the number of APDUs so far.
int card_tries(const std::string& which);  // "auth" or "sign"
std::size_t card_apdus();
std::size_t card_verifies_with_data();  // VERIFY commands that carried a PIN (spent a try if wrong)
void unblock_card();                    // jpki-sim ctl unblock
// Runs `jpki-sim ARGS` ("{control}" in ARGS becomes the control socket); returns the exit status.
int sim(const std::string& args);

std::string auth_pin();
std::string sign_pin();

// Another program on the machine asks the card for a signature with the key
// ("auth" or "sign") and no PIN: tests/support/pcsc_rogue ($JPKI_ROGUE).
// "signed", "refused", or "error ..." (PC/SC trouble, which fails the test).
std::string rogue(const std::string& key);

// A PC/SC connection to the card held by this test, standing for any other
// program that keeps the card open: pcscd then never powers the card down on
// its own, so only what the module does clears the card.
class CardKeptOpen {
 public:
  CardKeptOpen();
  ~CardKeptOpen();
  CardKeptOpen(const CardKeptOpen&) = delete;
  CardKeptOpen& operator=(const CardKeptOpen&) = delete;

 private:
  long context_ = 0;  // SCARDCONTEXT
  long card_ = 0;     // SCARDHANDLE
};

// C_Initialize in SetUp, C_Finalize in TearDown; slots of the virtual card.
class P11Test : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  CK_FUNCTION_LIST* f() const { return module(); }
  CK_SLOT_ID auth_slot() const { return auth_slot_; }
  CK_SLOT_ID sign_slot() const { return sign_slot_; }
  CK_SESSION_HANDLE open(CK_SLOT_ID slot, bool rw = false);
  CK_RV login(CK_SESSION_HANDLE s, const std::string& pin, CK_USER_TYPE user = CKU_USER);
  std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE s, std::optional<CK_OBJECT_CLASS> cls = std::nullopt,
                                     std::optional<unsigned char> id = std::nullopt);
  std::optional<CK_OBJECT_HANDLE> find_one(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, unsigned char id);
  Bytes attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
  CK_ULONG ulong_attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
  bool bool_attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
  CK_FLAGS token_flags(CK_SLOT_ID slot);
  // Signs `data` one-part; does the context-specific login for keys that need it.
  CK_RV sign(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE key, const Bytes& data, Bytes& sig,
             const std::string& context_pin = "");

 private:
  CK_SLOT_ID auth_slot_ = 0;
  CK_SLOT_ID sign_slot_ = 0;
};

// OpenSSL: verify a PKCS#1 v1.5 signature over `data` with the certificate's key.
// `md` is the OpenSSL digest name ("SHA256"...), or "" when `data` is a DigestInfo.
bool openssl_verify(const Bytes& cert_der, const std::string& md, const Bytes& data, const Bytes& sig);
Bytes digest_info_sha256(const Bytes& data);
// RSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt over `hash`.
bool openssl_verify_pss_sha256(const Bytes& cert_der, const Bytes& hash, const Bytes& sig);

Bytes bytes_of(const std::string& s);

}  // namespace jpki::test
