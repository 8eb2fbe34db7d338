// The simulator's fault modes do what their names say, to the commands they name.
#include "sim/fault_injector.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace jpki::sim {
namespace {

const Bytes kSelectAuthCert = from_hex("00A4020C02000A");
const Bytes kSelectPin = from_hex("00A4020C020018");
const Bytes kReadFirst = from_hex("00B0000000");
const Bytes kReadLater = from_hex("00B0010000");
const Bytes kOk = from_hex("9000");

Bytes cert_head() { return from_hex("30820400AABBCCDD9000"); }

TEST(FaultInjector, OffLeavesAnswersAlone) {
  FaultInjector f;
  Bytes r = cert_head();
  EXPECT_EQ(f.apply(kReadFirst, r), FaultInjector::Action::kAnswer);
  EXPECT_EQ(r, cert_head());
  EXPECT_FALSE(f.active());
}

TEST(FaultInjector, TruncateHalvesAndKeepsAtLeastOneByte) {
  FaultInjector f;
  f.configure("truncate");
  Bytes r = cert_head();
  f.apply(kReadFirst, r);
  EXPECT_EQ(r, from_hex("30820400AA"));
  Bytes sw = kOk;
  f.apply(kSelectPin, sw);
  EXPECT_EQ(sw, from_hex("90"));
}

TEST(FaultInjector, OverlongAddsDataBeforeTheStatusWord) {
  FaultInjector f;
  f.configure("overlong");
  Bytes r = cert_head();
  f.apply(kReadFirst, r);
  ASSERT_EQ(r.size(), cert_head().size() + 300);
  EXPECT_EQ(r[r.size() - 2], 0x90);
  EXPECT_EQ(r[r.size() - 1], 0x00);
}

TEST(FaultInjector, StatusWordOnlyForTheNamedInsAndCount) {
  FaultInjector f;
  f.configure("sw 6F00 ins B0 count 1");
  Bytes select = kOk;
  f.apply(kSelectAuthCert, select);
  EXPECT_EQ(select, kOk) << "SELECT is not INS B0";
  Bytes r = cert_head();
  f.apply(kReadFirst, r);
  EXPECT_EQ(r, from_hex("6F00"));
  Bytes again = cert_head();
  f.apply(kReadFirst, again);
  EXPECT_EQ(again, cert_head()) << "count 1: only once";
  EXPECT_FALSE(f.active());
}

TEST(FaultInjector, AfterLetsTheFirstMatchingCommandsThrough) {
  FaultInjector f;
  f.configure("sw 6F00 ins 20 after 1 count 1");
  Bytes query = from_hex("63C3");
  f.apply(from_hex("00200080"), query);
  EXPECT_EQ(query, from_hex("63C3"));
  Bytes verify = kOk;
  f.apply(from_hex("002000800431323334"), verify);
  EXPECT_EQ(verify, from_hex("6F00"));
  EXPECT_FALSE(f.active());
}

TEST(FaultInjector, CertLengthLiesInTheFirstCertificateReadOnly) {
  FaultInjector f;
  f.configure("cert-length");
  Bytes pin = kOk;
  f.apply(kSelectPin, pin);
  Bytes not_cert = cert_head();
  f.apply(kReadFirst, not_cert);
  EXPECT_EQ(not_cert, cert_head()) << "a PIN EF is not a certificate";
  Bytes sel = kOk;
  f.apply(kSelectAuthCert, sel);
  Bytes r = cert_head();
  f.apply(kReadFirst, r);
  EXPECT_EQ(r, from_hex("30827F00AABBCCDD9000"));
  Bytes later = cert_head();
  f.apply(kReadLater, later);
  EXPECT_EQ(later, cert_head());
}

TEST(FaultInjector, GarbageKeepsTheHeaderAndTheStatusWord) {
  FaultInjector f;
  f.configure("garbage-der");
  Bytes sel = kOk;
  f.apply(kSelectAuthCert, sel);
  Bytes r = cert_head();
  f.apply(kReadFirst, r);
  EXPECT_EQ(Bytes(r.begin(), r.begin() + 4), from_hex("30820400"));
  EXPECT_NE(Bytes(r.begin() + 4, r.end() - 2), from_hex("AABBCCDD"));
  EXPECT_EQ(Bytes(r.end() - 2, r.end()), kOk);
}

TEST(FaultInjector, Endless61AndTheSilentModes) {
  FaultInjector f;
  f.configure("endless-61");
  Bytes r = kOk;
  f.apply(from_hex("00C0000010"), r);
  EXPECT_EQ(r, from_hex("6110"));
  f.configure("silence ins 2A");
  Bytes s = kOk;
  EXPECT_EQ(f.apply(kReadFirst, s), FaultInjector::Action::kAnswer);
  EXPECT_EQ(f.apply(from_hex("002A9E9A20"), s), FaultInjector::Action::kSilence);
  f.configure("vanish");
  EXPECT_EQ(f.apply(kReadFirst, s), FaultInjector::Action::kVanish);
  f.configure("off");
  EXPECT_FALSE(f.active());
}

TEST(FaultInjector, UnknownSpecsAreRefusedAndChangeNothing) {
  FaultInjector f;
  f.configure("truncate");
  EXPECT_THROW(f.configure("melt"), std::invalid_argument);
  EXPECT_THROW(f.configure("sw 6F"), std::invalid_argument);
  EXPECT_THROW(f.configure("truncate count 0"), std::invalid_argument);
  EXPECT_THROW(f.configure("truncate ins"), std::invalid_argument);
  EXPECT_TRUE(f.active());
}

}  // namespace
}  // namespace jpki::sim
