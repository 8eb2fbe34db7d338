#include "sim/served_files.h"

#include <algorithm>
#include <optional>

#include "apdu/jpki.h"

namespace jpki::sim {
namespace {

constexpr std::size_t kTokenNameSize = 32;

// Length of the DER object at the start of `file` (tag, length, contents), if it fits.
std::optional<std::size_t> der_size(const Bytes& file) {
  if (file.size() < 2 || file[0] != 0x30) {
    return std::nullopt;
  }
  std::size_t header = 2;
  std::size_t len = file[1];
  if ((len & 0x80) != 0) {
    const std::size_t n = len & 0x7F;
    if (n == 0 || n > 3 || file.size() < 2 + n) {
      return std::nullopt;
    }
    len = 0;
    for (std::size_t i = 0; i < n; ++i) {
      len = (len << 8) | file[2 + i];
    }
    header += n;
  }
  if (header + len > file.size()) {
    return std::nullopt;
  }
  return header + len;
}

void serve_token_info(Bytes& file, const Variant& v) {
  const std::string_view name = token_name(v.token);
  if (file.size() < kTokenNameSize) {
    file.resize(kTokenNameSize);
  }
  for (std::size_t i = 0; i < kTokenNameSize; ++i) {
    file[i] = i < name.size() ? static_cast<std::uint8_t>(name[i]) : std::uint8_t{' '};
  }
  if (v.token_info == kTokenNameSize) {
    file.resize(kTokenNameSize);
  }
}

void serve_certificate(Bytes& file, Variant::CertPad pad) {
  const auto der = der_size(file);
  if (!der) {
    return;
  }
  if (pad == Variant::CertPad::kNone) {
    file.resize(*der);
    return;
  }
  const std::uint8_t filler = pad == Variant::CertPad::k00 ? 0x00 : 0xFF;
  std::fill(file.begin() + static_cast<std::ptrdiff_t>(*der), file.end(), filler);
}

}  // namespace

void apply_file_variant(std::map<std::uint16_t, Bytes>& files, const Variant& variant) {
  for (auto& [fid, file] : files) {
    if (fid == apdu::ef::kTokenInfo) {
      serve_token_info(file, variant);
    } else if (fid == apdu::ef::kAuthCert || fid == apdu::ef::kAuthCaCert || fid == apdu::ef::kSignCert ||
               fid == apdu::ef::kSignCaCert) {
      serve_certificate(file, variant.cert_pad);
    }
  }
}

}  // namespace jpki::sim
