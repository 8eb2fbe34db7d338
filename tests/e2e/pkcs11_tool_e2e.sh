#!/usr/bin/env bash
# OpenSC's pkcs11-tool against jpki-pkcs11.so, end to end, inside the test bed.
set -euo pipefail
mod=${JPKI_PKCS11_MODULE:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
p11() { pkcs11-tool --module "$mod" "$@"; }
auth=(--token-label "JPKI User Authentication")
sign=(--token-label "JPKI Digital Signature")
apdus() { grep -c '^C:' "$JPKI_SIM_LOG"; }

echo "== -L"
p11 -L >"$work/L"
grep -q "token label *: JPKI User Authentication" "$work/L" || { cat "$work/L"; fail "no auth token"; }
grep -q "token label *: JPKI Digital Signature" "$work/L" || { cat "$work/L"; fail "no sign token"; }
grep -q "pin min/max *: 4/4" "$work/L" && grep -q "pin min/max *: 6/16" "$work/L" || fail "PIN lengths"
grep "serial num" "$work/L" | grep -vq "00000000" || fail "dummy serial"
echo "   $(apdus) APDUs so far"

echo "== -O before login: the auth certificate, no private key"
p11 "${auth[@]}" -O >"$work/O"
grep -q "User Authentication Certificate" "$work/O" || { cat "$work/O"; fail "auth certificate missing"; }
grep -q "Private Key Object" "$work/O" && fail "private key visible before login"
p11 "${sign[@]}" -O >"$work/O2"
grep -q "Digital Signature Certificate$" "$work/O2" && fail "sign certificate visible before login"

echo "== --login --sign with the auth key, --verify, and openssl"
echo "e-filing document" >"$work/doc"
p11 "${auth[@]}" --login --pin "$JPKI_AUTH_PIN" --sign --id 01 -m SHA256-RSA-PKCS -i "$work/doc" -o "$work/sig" ||
  fail "auth signature"
p11 "${auth[@]}" --verify --id 01 -m SHA256-RSA-PKCS -i "$work/doc" --signature-file "$work/sig" | grep -q "Signature is valid" ||
  fail "pkcs11-tool --verify"
p11 "${auth[@]}" --read-object --type cert --id 01 -o "$work/auth.der"
openssl x509 -inform DER -in "$work/auth.der" -pubkey -noout >"$work/auth.pub"
openssl dgst -sha256 -verify "$work/auth.pub" -signature "$work/sig" "$work/doc" | grep -q "Verified OK" ||
  fail "openssl rejected the auth signature"

echo "== sign key: login, sign certificate readable, signature (context-specific login)"
p11 "${sign[@]}" --login --pin "$JPKI_SIGN_PIN" --read-object --type cert --id 02 -o "$work/sign.der" ||
  fail "sign certificate after login"
p11 "${sign[@]}" --login --pin "$JPKI_SIGN_PIN" --sign --id 02 -m SHA256-RSA-PKCS -i "$work/doc" -o "$work/sig2" ||
  fail "sign-key signature"
openssl x509 -inform DER -in "$work/sign.der" -pubkey -noout >"$work/sign.pub"
openssl dgst -sha256 -verify "$work/sign.pub" -signature "$work/sig2" "$work/doc" | grep -q "Verified OK" ||
  fail "openssl rejected the sign-key signature"

echo "== wrong PIN: refused, one try spent, flags say so"
if p11 "${auth[@]}" --login --pin 0000 -O >"$work/wrong" 2>&1; then fail "wrong PIN accepted"; fi
grep -q "CKR_PIN_INCORRECT" "$work/wrong" || { cat "$work/wrong"; fail "no CKR_PIN_INCORRECT"; }
p11 -L | grep -q "user PIN count low" || fail "COUNT_LOW flag missing"
echo "== malformed PIN: refused before the card"
verifies() { grep -c -F "C: 00 20 00 80 <redacted" "$JPKI_SIM_LOG"; }
before=$(verifies)
if p11 "${auth[@]}" --login --pin 12ab -O >"$work/bad" 2>&1; then fail "malformed PIN accepted"; fi
grep -q "CKR_PIN_INVALID" "$work/bad" || { cat "$work/bad"; fail "no CKR_PIN_INVALID"; }
[[ $(verifies) == "$before" ]] || fail "a malformed PIN reached the card"
p11 -L | grep -q "user PIN count low" || fail "counter should still show the one wrong try"

echo "== --change-pin and back"
p11 "${auth[@]}" --login --pin "$JPKI_AUTH_PIN" --change-pin --new-pin 5678 || fail "change-pin"
p11 "${auth[@]}" --login --pin 5678 -O >/dev/null || fail "new PIN does not work"
p11 "${auth[@]}" --login --pin 5678 --change-pin --new-pin "$JPKI_AUTH_PIN" || fail "change-pin back"
p11 "${auth[@]}" --login --pin "$JPKI_AUTH_PIN" -O >/dev/null || fail "old PIN does not work again"
echo "== PINs never reach a log"
export JPKI_PKCS11_DEBUG=$work/debug.log
p11 "${auth[@]}" --login --pin "$JPKI_AUTH_PIN" --sign --id 01 -m SHA256-RSA-PKCS -i "$work/doc" -o "$work/sig3" >/dev/null
p11 "${sign[@]}" --login --pin "$JPKI_SIGN_PIN" --sign --id 02 -m SHA256-RSA-PKCS -i "$work/doc" -o "$work/sig4" >/dev/null
p11 "${auth[@]}" --login --pin "$JPKI_AUTH_PIN" --change-pin --new-pin 8642 >/dev/null
p11 "${auth[@]}" --login --pin 8642 --change-pin --new-pin "$JPKI_AUTH_PIN" >/dev/null
p11 "${sign[@]}" --login --pin "$JPKI_SIGN_PIN" --read-object --type cert --id 02 -o "$work/sign2.der" >/dev/null
unset JPKI_PKCS11_DEBUG
grep -q "C_Login -> CKR_OK" "$work/debug.log" || fail "the debug log was not written"
# The signing certificate holds name, address, birth date and sex: not in the debug log either.
piece=$(od -An -tx1 -j 200 -N 24 "$work/sign2.der" | tr 'a-f' 'A-F' | xargs)
if grep -qF "$piece" "$work/debug.log"; then fail "signing-certificate bytes found in the debug log"; fi
hex() { printf '%s' "$1" | od -An -tx1 | tr 'a-f' 'A-F' | xargs; }
for f in "$work/debug.log" "$JPKI_SIM_LOG"; do
  for secret in "$JPKI_SIGN_PIN" "$(hex "$JPKI_AUTH_PIN")" "$(hex "$JPKI_SIGN_PIN")" "$(hex 8642)"; do
    if grep -qF "$secret" "$f"; then fail "PIN bytes '$secret' found in $f"; fi
  done
done
echo "PASS: pkcs11-tool end to end ($(apdus) APDUs)"
