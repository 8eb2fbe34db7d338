#!/usr/bin/env bash
# Shared card: our GoogleTest client and a pkcs11-tool loop each make 100
# signatures at the same time on the same card; all 200 must verify.
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
for i in $(seq 1 100); do
  echo "process B message $i" >"$work/m$i"
  if pkcs11-tool --module "$mod" --token-label "JPKI User Authentication" --login --pin "$JPKI_AUTH_PIN" \
      --sign --id 01 -m SHA256-RSA-PKCS -i "$work/m$i" -o "$work/s$i" >/dev/null 2>"$work/b$i.err" &&
     openssl dgst -sha256 -verify "$work/auth.pub" -signature "$work/s$i" "$work/m$i" >/dev/null; then
    b_ok=$((b_ok + 1))
  else
    echo "process B signature $i failed:"; cat "$work/b$i.err"
  fi
done
wait "$a" || { cat "$work/a.log"; fail "process A (GoogleTest client) failed"; }
grep -q "\[  PASSED  \] 1 test" "$work/a.log" || { cat "$work/a.log"; fail "process A did not run its test"; }
[[ $b_ok == 100 ]] || fail "process B: only $b_ok of 100 signatures verified"
echo "PASS: 200 concurrent signatures from two processes verified ($(grep -c '^C:' "$JPKI_SIM_LOG") APDUs)"
