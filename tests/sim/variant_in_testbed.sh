#!/usr/bin/env bash
# Inside the test bed, with `jpki-sim serve --variant token-info=32,eof=6282`: pcscd
# shows the card, and reading 160 bytes of EF 0006 through it answers exactly the
# 32-byte token name and 62 82 (checked in the simulator's APDU log).
set -euo pipefail
command -v opensc-tool >/dev/null || { echo "opensc-tool missing (scripts/deps/clients.txt)" >&2; exit 77; }
"$JPKI_SIM_BIN" probe
opensc-tool --reader 0 --send-apdu "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01" \
  --send-apdu "00 A4 02 0C 02 00 06" --send-apdu "00 B0 00 00 A0"
name="4A 50 4B 49 41 50 49 43 43 54 4F 4B 45 4E 32$(printf ' 20%.0s' {1..17})"
last=$(grep -A1 '^C: 00 B0 00 00 A0$' "$JPKI_SIM_LOG" | tail -n1)
if [[ $last != "R: $name 62 82" ]]; then
  echo "expected R: $name 62 82, the log says: $last" >&2
  exit 1
fi
