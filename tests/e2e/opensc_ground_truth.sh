#!/usr/bin/env bash
# Ground truth: Debian's OpenSC (which has a JPKI driver) must work unchanged
# against jpki-sim. Runs inside tests/testbed/testbed.sh.
set -euo pipefail
mod=${OPENSC_MODULE:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}
auth_label="JPKI (User Authentication PIN)"
sign_label="JPKI (Digital Signature PIN)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
p11() { pkcs11-tool --module "$mod" "$@"; }
flags_of() {  # token flags line of the token with label $1
  p11 -L 2>/dev/null | awk -v l="$1" '/token label/ {cur = index($0, l) > 0} cur && /token flags/ {print; exit}'
}
tries() { "$JPKI_SIM_BIN" state --state "$JPKI_SIM_STATE" | sed -n "s/.*\"$1_tries_left\": \([0-9]*\).*/\1/p"; }

echo "== -L shows both JPKI tokens"
p11 -L >"$work/L.txt"
grep -q "$auth_label" "$work/L.txt" || { cat "$work/L.txt"; fail "no auth token"; }
grep -q "$sign_label" "$work/L.txt" || { cat "$work/L.txt"; fail "no sign token"; }

echo "== -O shows the auth certificate without login"
p11 --token-label "$auth_label" -O >"$work/O.txt"
grep -q "User Authentication Certificate" "$work/O.txt" || { cat "$work/O.txt"; fail "auth certificate not listed"; }

echo "== auth PIN login + SHA256-RSA-PKCS signature, verified by openssl"
echo "ground truth document" >"$work/doc"
p11 --token-label "$auth_label" --login --pin "$JPKI_AUTH_PIN" --sign --id 01 -m SHA256-RSA-PKCS \
  -i "$work/doc" -o "$work/doc.sig" 2>"$work/sign.err" || { cat "$work/sign.err"; fail "signing failed"; }
p11 --token-label "$auth_label" --read-object --type cert --id 01 -o "$work/auth.der" 2>/dev/null
openssl x509 -inform DER -in "$work/auth.der" -pubkey -noout >"$work/auth.pub"
openssl dgst -sha256 -verify "$work/auth.pub" -signature "$work/doc.sig" "$work/doc" | grep -q "Verified OK" ||
  fail "openssl did not verify the signature"

echo "== sign certificate: refused before login, readable after sign-PIN login"
if p11 --token-label "$sign_label" --read-object --type cert --id 02 -o "$work/sign.der" 2>/dev/null; then
  fail "sign certificate was readable without the signing password"
fi
p11 --token-label "$sign_label" --login --pin "$JPKI_SIGN_PIN" --read-object --type cert --id 02 \
  -o "$work/sign.der" 2>/dev/null || fail "sign certificate not readable after login"
openssl x509 -inform DER -in "$work/sign.der" -noout -ext subjectAltName | grep -q "1.2.392.200149.8.5.5.1" ||
  fail "sign certificate lacks the personal-data SAN"
cmp -s <(head -c "$(stat -c %s "$work/sign.der")" "$JPKI_SIM_STATE/ef-0001.bin") "$work/sign.der" ||
  fail "sign certificate differs from the card's EF 0001"

count_down() {  # label, wrong PIN, max tries, name
  local label=$1 wrong=$2 max=$3 name=$4 i left flags
  [[ $(tries "$name") == "$max" ]] || fail "$name counter is not $max at start"
  for ((i = 1; i <= max; i++)); do
    p11 --token-label "$label" --login --pin "$wrong" -O >/dev/null 2>&1 && fail "wrong $name PIN accepted"
    left=$((max - i))
    [[ $(tries "$name") == "$left" ]] || fail "$name counter $(tries "$name"), expected $left"
    flags=$(flags_of "$label")
    case $left in
      0) grep -q "user PIN locked" <<<"$flags" || fail "$name: no 'user PIN locked' at 0: $flags" ;;
      1) grep -q "final user PIN try" <<<"$flags" || fail "$name: no 'final user PIN try' at 1: $flags" ;;
      *) grep -q "user PIN count low" <<<"$flags" || fail "$name: no 'user PIN count low' at $left: $flags" ;;
    esac
    echo "   $name: $left left -> $flags"
  done
}
echo "== wrong auth PINs count 3 -> 0 with the token flags following"
count_down "$auth_label" 9999 3 auth
echo "== wrong sign PINs count 5 -> 0 with the token flags following"
count_down "$sign_label" WRONG999 5 sign
echo "PASS: OpenSC ground truth"
