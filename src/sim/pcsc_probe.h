// `jpki-sim probe`: does pcscd see a card? Used by the test bed to wait for it.
#pragma once

namespace jpki::sim {
int probe_pcscd();  // 0 when some reader holds a card, 1 otherwise
// `jpki-sim reset-card`: as another process would, reset the card in the first
// reader holding one (SCardReconnect with SCARD_RESET_CARD).
int reset_card_as_another_process();
}  // namespace jpki::sim
