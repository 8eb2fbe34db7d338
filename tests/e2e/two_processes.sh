#!/usr/bin/env bash
# Shared card: our GoogleTest client and a pkcs11-tool loop each make 100
# signatures at the same time on the same card; all 200 must verify. A program
# that ends clears the card, logging the other out (README): the client logs
# in again; pkcs11-tool, which cannot, is run again (a holder would retry).
set -euo pipefail
mod=${JPKI_PKCS11_MODULE:?}
client=${1:?path to pkcs11_blackbox_test}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pkcs11-tool --module "$mod" --token-label "JPKI User Authentication" --read-object --type cert --id 01 -o "$work/auth.der"
openssl x509 -inform DER -in "$work/auth.der" -pubkey -noout >"$work/auth.pub"

"$client" --gtest_filter=Stress.HundredSignaturesWhileAnotherProcessSigns >"$work/a.log" 2>&1 &
a=$!
b_ok=0
b_again=0
b_sign() {
  pkcs11-tool --module "$mod" --token-label "JPKI User Authentication" --login --pin "$JPKI_AUTH_PIN" \
    --sign --id 01 -m SHA256-RSA-PKCS -i "$work/m$1" -o "$work/s$1" >/dev/null 2>"$work/b$1.err"
}
for i in $(seq 1 100); do
  echo "process B message $i" >"$work/m$i"
  for _ in $(seq 1 20); do
    b_sign "$i" && break
    grep -q CKR_USER_NOT_LOGGED_IN "$work/b$i.err" || break
    b_again=$((b_again + 1))
  done
  if openssl dgst -sha256 -verify "$work/auth.pub" -signature "$work/s$i" "$work/m$i" >/dev/null 2>&1; then
    b_ok=$((b_ok + 1))
  else
    echo "process B signature $i failed:"; cat "$work/b$i.err"
  fi
done
wait "$a" || { cat "$work/a.log"; fail "process A (GoogleTest client) failed"; }
grep -q "\[  PASSED  \] 1 test" "$work/a.log" || { cat "$work/a.log"; fail "process A did not run its test"; }
[[ $b_ok == 100 ]] || fail "process B: only $b_ok of 100 signatures verified"
echo "PASS: 200 concurrent signatures from two processes verified ($(grep -c '^C:' "$JPKI_SIM_LOG") APDUs;" \
  "$(grep -o 'logged in again [0-9]* times' "$work/a.log" | sed 's/^/process A /'), process B ran again $b_again times)"
