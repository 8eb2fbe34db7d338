#!/usr/bin/env bash
# jpki-tool ssh-key on a card that keeps the auth certificate behind the auth PIN (as the
# smartphone-style token, jpki-sim's auth-cert-pin=yes, is said to): its READ BINARY of EF 000A
# answers 6982, played here by the simulator's fault injector (`after 1` lets the EF 0006 read
# of the card check through). Without a PIN the tool stops before any VERIFY (exit 5); with one
# it verifies once and prints the card's key. No PIN try is spent either way. (On the normal
# card, e2e.ssh_login, no PIN is asked and no VERIFY is sent.)
#   ssh_key_cert_pin.sh JPKI_TOOL
set -euo pipefail
tool=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
verifies() { grep -c -F "C: 00 20 00 80 <redacted" "$JPKI_SIM_LOG" || true; }
cert_needs_pin() { "$JPKI_SIM_BIN" ctl --control "$JPKI_SIM_CONTROL" fault "sw 6982 ins B0 after 1 count 1" >/dev/null; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cert_needs_pin
rc=0
env -u JPKI_PIN "$tool" ssh-key </dev/null >"$work/none.txt" 2>"$work/none.err" || rc=$?
((rc == 5)) || { cat "$work/none.txt" "$work/none.err"; fail "without a PIN: exit $rc, not 5"; }
[[ ! -s $work/none.txt ]] || fail "printed a key without reading the certificate"
grep -q ' 69 82$' "$JPKI_SIM_LOG" || fail "the card never refused the certificate (fault not played)"
[[ $(verifies) == 0 ]] || fail "a VERIFY was sent without a PIN"

cert_needs_pin
JPKI_PIN=$JPKI_AUTH_PIN "$tool" ssh-key >"$work/line.txt" 2>"$work/line.err" || { cat "$work/line.err"; fail "with the PIN: exit $?"; }
openssl x509 -in "$JPKI_SIM_STATE/ca/auth.pem" -pubkey -noout >"$work/auth.pub"
[[ $(cut -d' ' -f2 "$work/line.txt") == "$(ssh-keygen -i -m PKCS8 -f "$work/auth.pub" | cut -d' ' -f2)" ]] ||
  { cat "$work/line.txt"; fail "not the card's auth key"; }
[[ $(verifies) == 1 ]] || fail "expected exactly one VERIFY, saw $(verifies)"
"$tool" status --json | grep -q '"auth": {"tries_left": 3' || fail "a PIN try was spent"
echo "PASS: ssh-key asks for the auth PIN only when the card wants it"
