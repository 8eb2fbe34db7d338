#include "tool/card_access.h"

#include "card/token_serial.h"
#include "transport/pcsc_reader_provider.h"

namespace jpki::tool {

std::optional<CardAccess> open_card(const std::string& reader_filter) {
  CardAccess a;
  a.provider = std::make_unique<transport::PcscReaderProvider>(reader_filter);
  std::vector<transport::ReaderState> readers;
  try {
    readers = a.provider->readers();
  } catch (const transport::TransportError&) {
    return std::nullopt;  // no pcscd
  }
  for (const auto& r : readers) {
    if (!r.card_present) {
      continue;
    }
    try {
      a.channel = a.provider->connect(r.name);
      a.card = std::make_unique<card::JpkiCard>(*a.channel);
      a.info = a.card->detect();
      a.reader = r.name;
      return a;
    } catch (const std::exception&) {
      a.card.reset();
      a.channel.reset();  // not a JPKI card, or gone: try the next reader
    }
  }
  return std::nullopt;
}

std::string token_serial(CardAccess& access, const std::optional<Bytes>& auth_certificate) {
  return card::token_serial(access.info, [&](card::CertKind which) -> std::optional<Bytes> {
    if (which == card::CertKind::kAuth) {
      return auth_certificate;
    }
    try {
      return access.card->read_certificate(which);
    } catch (const card::CardError&) {
      return std::nullopt;  // as the module: the next source decides
    }
  });
}

}  // namespace jpki::tool
