// `jpki-sim probe`: does pcscd see a card? Used by the test bed to wait for it.
#pragma once

namespace jpki::sim {
int probe_pcscd();  // 0 when some reader holds a card, 1 otherwise
}
