// A card that lies (jpki-sim fault modes): every lie gets a clean CKR_ error,
// no PIN try is lost, nothing wrong is served or cached, and the module works
// again as soon as the card behaves.
#include <chrono>
#include <set>
#include <thread>

#include "p11_test.h"

namespace jpki::test {
namespace {

// What the module may answer while the card lies: "the device is broken or gone".
bool clean_failure(CK_RV rv) {
  static const std::set<CK_RV> ok = {
      CKR_DEVICE_ERROR,       CKR_DEVICE_REMOVED,         CKR_TOKEN_NOT_PRESENT, CKR_TOKEN_NOT_RECOGNIZED,
      CKR_USER_NOT_LOGGED_IN, CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED};
  return ok.count(rv) != 0;
}

class Faults : public P11Test {
 protected:
  void SetUp() override {
    P11Test::SetUp();
    const CK_SESSION_HANDLE s = open(auth_slot());
    auth_cert_ = attribute(s, find_one(s, CKO_CERTIFICATE, 1).value_or(0), CKA_VALUE);
    ASSERT_FALSE(auth_cert_.empty());
    f()->C_CloseSession(s);
  }
  void TearDown() override {
    sim("ctl --control {control} fault off");
    P11Test::TearDown();
  }
  static void fault(const std::string& spec) {
    ASSERT_EQ(sim("ctl --control {control} fault " + spec), 0) << spec;
  }
  // Certificates are read once per insertion: start over so the lie is met.
  void reinitialize() {
    f()->C_Finalize(nullptr);
    ASSERT_EQ(f()->C_Initialize(nullptr), CKR_OK);
  }
  // The slots with a token become `n` (pcscd polls its readers every 400 ms).
  bool token_count_becomes(CK_ULONG want) {
    for (int i = 0; i < 200; ++i) {
      CK_ULONG n = 0;
      if (f()->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK && n == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  bool token_back() { return token_count_becomes(2); }
  // With the card behaving: the right certificate, a login, a signature that verifies.
  void expect_working(const std::string& after) {
    ASSERT_TRUE(token_back()) << after;
    CK_SESSION_HANDLE s = 0;
    ASSERT_EQ(f()->C_OpenSession(auth_slot(), CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK) << after;
    EXPECT_EQ(attribute(s, find_one(s, CKO_CERTIFICATE, 1).value_or(0), CKA_VALUE), auth_cert_) << after;
    const CK_RV in = login(s, auth_pin());
    ASSERT_TRUE(in == CKR_OK || in == CKR_USER_ALREADY_LOGGED_IN) << after << ": " << in;
    Bytes sig;
    const Bytes msg = bytes_of("after " + after);
    ASSERT_EQ(sign(s, CKM_SHA256_RSA_PKCS, find_one(s, CKO_PRIVATE_KEY, 1).value_or(0), msg, sig), CKR_OK)
        << after;
    EXPECT_TRUE(openssl_verify(auth_cert_, "SHA256", msg, sig)) << after;
    f()->C_CloseAllSessions(auth_slot());
    EXPECT_EQ(card_tries("auth"), 3) << after << ": a PIN try was lost";
  }
  Bytes auth_cert_;
};

const char* const kSigningLies[] = {"truncate",   "overlong", "sw 6F00", "sw 9000", "sw 6A82",
                                    "endless-61", "sw 6982",  "sw 6700", "sw 63C1"};

TEST_F(Faults, LiesAnsweringASignatureGiveACleanErrorAndNoSignature) {
  for (const std::string lie : kSigningLies) {
    const CK_SESSION_HANDLE s = open(auth_slot());
    ASSERT_EQ(login(s, auth_pin()), CKR_OK) << lie;
    fault(lie + (lie == "endless-61" ? "" : " ins 2A"));
    Bytes sig;
    const CK_RV rv =
        sign(s, CKM_SHA256_RSA_PKCS, find_one(s, CKO_PRIVATE_KEY, 1).value_or(0), bytes_of("lie"), sig);
    EXPECT_TRUE(clean_failure(rv)) << lie << " gave " << rv;
    EXPECT_TRUE(sig.empty()) << lie;
    fault("off");
    f()->C_CloseAllSessions(auth_slot());
    expect_working(lie);
  }
}

TEST_F(Faults, LiesAnsweringLoginNeverCostATryNorRepeatTheVerify) {
  const char* const lies[] = {"truncate", "overlong", "sw 6F00", "endless-61", "sw 6700", "sw 9000"};
  const std::string wrong_pin = auth_pin() == "1111" ? "2222" : "1111";
  for (const std::string lie : lies) {
    // "after 0": the lie answers the retry-counter query; "after 1": the VERIFY itself.
    for (const int after : {0, 1}) {
      for (const bool right_pin : {true, false}) {
        const std::string what =
            lie + " after " + std::to_string(after) + (right_pin ? " right PIN" : " wrong PIN");
        if (lie == "sw 9000" && !right_pin)
          continue;  // a card that says yes to a wrong PIN is not a lie we can see
        const CK_SESSION_HANDLE s = open(auth_slot());
        const std::size_t before = card_verifies_with_data();
        fault(lie + " ins 20 after " + std::to_string(after) + " count 1");
        const CK_RV rv = login(s, right_pin ? auth_pin() : wrong_pin);
        fault("off");
        const bool accepted = rv == CKR_OK && lie == "sw 9000";  // 9000 to the query: "verified already"
        EXPECT_TRUE(accepted || clean_failure(rv) || (!right_pin && rv == CKR_PIN_INCORRECT))
            << what << " gave " << rv;
        EXPECT_LE(card_verifies_with_data() - before, 1U) << what << ": the VERIFY was repeated";
        if (after == 0 && lie != "sw 9000") {
          EXPECT_EQ(card_verifies_with_data(), before) << what << ": VERIFY sent without a sane counter";
        }
        EXPECT_GE(card_tries("auth"), right_pin ? 3 : 2) << what;
        f()->C_CloseAllSessions(auth_slot());
        unblock_card();
        expect_working(what);
      }
    }
  }
}

TEST_F(Faults, LiesInCertificatesAreNeverServedNorKept) {
  const char* const lies[] = {"cert-length",           "garbage-der",    "truncate ins B0",
                              "overlong ins B0",       "sw 6282 ins B0", "endless-61 ins B0",
                              "sw 6F00 ins B0 count 2"};
  for (const std::string lie : lies) {
    fault(lie);
    reinitialize();
    CK_ULONG n = 0;
    ASSERT_EQ(f()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK) << lie;
    if (n == 2) {  // detection got through: the certificate itself must not
      CK_SESSION_HANDLE s = 0;
      ASSERT_EQ(f()->C_OpenSession(auth_slot(), CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK) << lie;
      CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
      CK_ATTRIBUTE t{CKA_CLASS, &cls, sizeof cls};
      CK_OBJECT_HANDLE h[4];
      CK_ULONG found = 0;
      ASSERT_EQ(f()->C_FindObjectsInit(s, &t, 1), CKR_OK);
      const CK_RV frv = f()->C_FindObjects(s, h, 4, &found);
      f()->C_FindObjectsFinal(s);
      if (frv == CKR_OK && found > 0) {
        Bytes v(8192);
        CK_ATTRIBUTE a{CKA_VALUE, v.data(), v.size()};
        const CK_RV rv = f()->C_GetAttributeValue(s, h[0], &a, 1);
        if (rv == CKR_OK) {
          v.resize(a.ulValueLen);
          EXPECT_EQ(v, auth_cert_) << lie << ": a certificate was served that the card did not hold";
        } else {
          EXPECT_TRUE(clean_failure(rv)) << lie << " gave " << rv;
        }
      } else {
        EXPECT_TRUE(frv == CKR_OK || clean_failure(frv)) << lie << " gave " << frv;
      }
    }
    fault("off");  // no re-initialisation: the module must ask the card again by itself
    expect_working(lie);
  }
}

TEST_F(Faults, ACardThatLiesFromTheStartIsNotAToken) {
  for (const std::string lie : {"truncate", "overlong", "sw 6F00", "endless-61"}) {
    fault(lie);
    reinitialize();
    CK_ULONG n = 99;
    EXPECT_EQ(f()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK) << lie;
    EXPECT_EQ(n, 0U) << lie << ": a card that answers nothing sensible shows no token";
    CK_TOKEN_INFO info{};
    const CK_RV rv = f()->C_GetTokenInfo(auth_slot(), &info);
    EXPECT_TRUE(rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_TOKEN_NOT_RECOGNIZED) << lie << " gave " << rv;
    fault("off");
    expect_working(lie);
  }
}

TEST_F(Faults, ASilentCardAndOnePulledMidCommand) {
  for (const std::string ins : {"2A", "20", "B0"}) {
    for (const std::string lie : {"silence", "vanish"}) {
      const std::string spec = lie + " ins " + ins + " count 1";
      const CK_SESSION_HANDLE s = open(auth_slot());
      fault(spec);
      CK_RV rv = CKR_OK;
      if (ins == "B0") {
        reinitialize();
        CK_ULONG n = 0;
        f()->C_GetSlotList(CK_TRUE, nullptr, &n);
        if (n == 2) {
          CK_SESSION_HANDLE t = 0;
          rv = f()->C_OpenSession(auth_slot(), CKF_SERIAL_SESSION, nullptr, nullptr, &t);
          if (rv == CKR_OK) {
            CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
            CK_ATTRIBUTE a{CKA_CLASS, &cls, sizeof cls};
            CK_OBJECT_HANDLE h = 0;
            CK_ULONG found = 0;
            f()->C_FindObjectsInit(t, &a, 1);
            f()->C_FindObjects(t, &h, 1, &found);
            f()->C_FindObjectsFinal(t);
            Bytes v(8192);
            CK_ATTRIBUTE va{CKA_VALUE, v.data(), v.size()};
            rv = found == 1 ? f()->C_GetAttributeValue(t, h, &va, 1) : CKR_DEVICE_REMOVED;
            if (rv == CKR_OK) {
              v.resize(va.ulValueLen);
              EXPECT_EQ(v, auth_cert_) << spec;
            }
          }
        }
      } else if (ins == "20") {
        rv = login(s, auth_pin());
      } else {
        ASSERT_EQ(login(s, auth_pin()), CKR_OK);
        Bytes sig;
        rv = sign(s, CKM_SHA256_RSA_PKCS, find_one(s, CKO_PRIVATE_KEY, 1).value_or(0), bytes_of("x"), sig);
      }
      if (ins != "B0") {
        EXPECT_TRUE(clean_failure(rv)) << spec << " gave " << rv;
      }
      if (lie == "vanish") {  // a hand pulls it out: pcscd sees the empty reader, then the card again
        ASSERT_TRUE(token_count_becomes(0)) << spec;
        ASSERT_EQ(sim("ctl --control {control} insert"), 0);
      }
      f()->C_CloseAllSessions(auth_slot());
      expect_working(spec);
    }
  }
}

}  // namespace
}  // namespace jpki::test
