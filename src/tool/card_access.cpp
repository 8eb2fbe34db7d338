#include "tool/card_access.h"

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
    if (!r.card_present) continue;
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

}  // namespace jpki::tool
