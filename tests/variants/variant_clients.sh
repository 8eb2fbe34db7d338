#!/usr/bin/env bash
# Real clients on one card variant (tests/variants/CMakeLists.txt): pkcs11-tool
# lists, shows objects, logs in and signs with both keys (OpenSSL verifies);
# jpki-tool status and diagnose work; no PIN try is spent but the ones meant.
set -euo pipefail
mod=${JPKI_PKCS11_MODULE:?}
tool=${JPKI_TOOL_BIN:?}
model=${JPKI_EXPECT_MODEL:?}
private=${JPKI_EXPECT_AUTH_CERT_PRIVATE:-0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
p11() { pkcs11-tool --module "$mod" "$@"; }
auth=(--token-label "JPKI User Authentication")
sign=(--token-label "JPKI Digital Signature")
verifies() { grep -c -F "C: 00 20 00 80 <redacted" "$JPKI_SIM_LOG" || true; }
tries() { "$JPKI_SIM_BIN" state --state "$JPKI_SIM_STATE" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1_tries_left'])"; }

echo "== pkcs11-tool -L: both tokens, model '$model'"
p11 -L >"$work/L"
grep -q "token label *: JPKI User Authentication" "$work/L" || { cat "$work/L"; fail "no auth token"; }
grep -q "token label *: JPKI Digital Signature" "$work/L" || { cat "$work/L"; fail "no sign token"; }
grep -q "token model *: $model" "$work/L" || { cat "$work/L"; fail "token model"; }
serial=$(sed -n 's/^ *serial num *: *//p' "$work/L" | sed 's/ *$//' | sort -u)
[[ -n $serial && $(wc -l <<<"$serial") == 1 ]] || { cat "$work/L"; fail "one serial for both tokens"; }

echo "== pkcs11-tool -O before login"
p11 "${auth[@]}" -O >"$work/O"
grep -q "User Authentication Certificate CA" "$work/O" || { cat "$work/O"; fail "auth CA certificate missing"; }
if [[ $private == 1 ]]; then
  grep -q "User Authentication Certificate$" "$work/O" && fail "auth certificate shown before the PIN on this token"
else
  grep -q "User Authentication Certificate$" "$work/O" || { cat "$work/O"; fail "auth certificate missing"; }
fi
grep -q "Private Key Object" "$work/O" && fail "private key visible before login"
[[ $(verifies) == 0 ]] || fail "listing sent a PIN"

# Logs in, reads the key's certificate, signs with the key; OpenSSL verifies.
sign_and_verify() {
  local name=$1 label=$2 pin=$3 id=$4
  echo "== $name key: login, certificate, signature verified by OpenSSL"
  p11 --token-label "$label" --login --pin "$pin" --read-object --type cert --id "$id" -o "$work/$name.der" ||
    fail "$name certificate after login"
  p11 --token-label "$label" --login --pin "$pin" --sign --id "$id" -m SHA256-RSA-PKCS -i "$work/doc" \
    -o "$work/$name.sig" || fail "$name signature"
  openssl x509 -inform DER -in "$work/$name.der" -pubkey -noout >"$work/$name.pub"
  openssl dgst -sha256 -verify "$work/$name.pub" -signature "$work/$name.sig" "$work/doc" | grep -q "Verified OK" ||
    fail "openssl rejected the $name signature"
}
echo "variant document" >"$work/doc"
sign_and_verify auth "JPKI User Authentication" "$JPKI_AUTH_PIN" 01
sign_and_verify sign "JPKI Digital Signature" "$JPKI_SIGN_PIN" 02
[[ $(tries auth) == 3 && $(tries sign) == 5 ]] || fail "a try was spent by good PINs"

echo "== jpki-tool status: tries without spending one"
before=$(verifies)
"$tool" status >"$work/status.txt" || { cat "$work/status.txt"; fail "jpki-tool status failed"; }
grep -q "PIN tries left: 3/3" "$work/status.txt" || { cat "$work/status.txt"; fail "auth tries in status"; }
grep -q "PIN tries left: 5/5" "$work/status.txt" || { cat "$work/status.txt"; fail "sign tries in status"; }
if [[ $private == 0 ]]; then
  grep -q "Expires: " "$work/status.txt" || { cat "$work/status.txt"; fail "auth expiry missing"; }
else
  grep -q "readable only with the user authentication PIN" "$work/status.txt" ||
    { cat "$work/status.txt"; fail "status does not say the auth certificate needs the PIN"; }
fi
grep -q -F "Card: $model (" "$work/status.txt" || { cat "$work/status.txt"; fail "model on the Card line"; }
grep -q -F ", serial $serial" "$work/status.txt" ||
  { cat "$work/status.txt"; fail "status serial differs from pkcs11-tool's '$serial'"; }
"$tool" status --json >"$work/status.json" || fail "jpki-tool status --json"
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["serial"])' "$work/status.json" |
  grep -q -x -F "$serial" || { cat "$work/status.json"; fail "status --json serial differs from pkcs11-tool's"; }
[[ $(verifies) == "$before" ]] || fail "jpki-tool status sent a PIN"

echo "== jpki-tool diagnose"
"$tool" diagnose >"$work/diag.txt" || { cat "$work/diag.txt"; fail "diagnose found something wrong"; }
"$tool" diagnose --json >"$work/diag.json" || fail "diagnose --json"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/diag.json" || fail "diagnose --json is not JSON"
[[ $(verifies) == "$before" ]] || fail "jpki-tool diagnose sent a PIN"

echo "== jpki-tool status --sign-details and cert export --auth (with the auth PIN where the token wants it)"
JPKI_PIN=$JPKI_SIGN_PIN "$tool" status --sign-details >"$work/sd.txt" || { cat "$work/sd.txt"; fail "status --sign-details"; }
[[ $(grep -c "Expires: " "$work/sd.txt") == $((2 - private)) ]] || { cat "$work/sd.txt"; fail "expiry dates with --sign-details"; }
JPKI_PIN=$JPKI_AUTH_PIN "$tool" cert export --auth --der -o "$work/auth-tool.der" </dev/null || fail "cert export --auth"
cmp -s "$work/auth-tool.der" "$work/auth.der" || fail "cert export --auth differs from pkcs11-tool's certificate"
[[ $(verifies) == $((before + 1 + private)) ]] || fail "a PIN sent where none was needed"
[[ $(tries auth) == 3 && $(tries sign) == 5 ]] || fail "a try was spent by good PINs"
echo "== wrong PIN through pkcs11-tool: one try, COUNT_LOW"
if p11 "${auth[@]}" --login --pin 0000 -O >"$work/wrong" 2>&1; then fail "wrong PIN accepted"; fi
grep -q "CKR_PIN_INCORRECT" "$work/wrong" || { cat "$work/wrong"; fail "no CKR_PIN_INCORRECT"; }
[[ $(tries auth) == 2 ]] || fail "the wrong PIN did not cost exactly one try"
p11 -L | grep -q "user PIN count low" || fail "COUNT_LOW flag missing"

echo "PASS: clients on variant ${JPKI_EXPECT_MODEL} ($(grep -c '^C:' "$JPKI_SIM_LOG") APDUs)"
