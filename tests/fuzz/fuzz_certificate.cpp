// Fuzz target: certificate handling, where the bytes come from the card's EFs.
// The module's certificate facts (CKA_* values), the key it verifies with, and
// jpki-tool's summary and PEM reading: a clean exception or a result, never a crash.
#include <cstdint>
#include <cstdlib>
#include <stdexcept>

#include "pkcs11/certificate_facts.h"
#include "tool/cert_summary.h"

using namespace jpki;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView in(data, size);
  try {
    const auto facts = pkcs11::parse_certificate(in);
    if (facts.modulus.empty() || facts.not_after.size() != 8 || facts.key_hash.size() != 20) std::abort();
    (void)pkcs11::public_key_of(in);
  } catch (const std::runtime_error&) {
  }
  try {
    const auto summary = tool::summarize(in);
    (void)tool::to_string(summary.not_after);
    // What we print as PEM reads back as the same certificate.
    const std::string pem = tool::to_pem(in);
    const auto back =
        tool::certificates_from_pem(ByteView(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size()));
    if (back.size() != 1 || tool::summarize(back[0]).subject != summary.subject) std::abort();
  } catch (const std::runtime_error&) {
  }
  try {
    (void)tool::certificates_from_pem(in);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
