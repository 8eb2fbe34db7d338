#!/usr/bin/env bash
# jpki-tool against the virtual card behind a real pcscd.
set -euo pipefail
tool=${1:?path to jpki-tool}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
py=/usr/bin/python3
tries() { "$JPKI_SIM_BIN" state --state "$JPKI_SIM_STATE" | $py -c "import json,sys; print(json.load(sys.stdin)['$1_tries_left'])"; }
field() { $py -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d" + sys.argv[2]))' "$1" "$2"; }
verifies() { grep -c -F "C: 00 20 00 80 <redacted" "$JPKI_SIM_LOG" || true; }

echo "== status on a fresh card (text and JSON); status never spends a try"
"$tool" status >"$work/status.txt"
grep -q "PIN tries left: 3/3" "$work/status.txt" || { cat "$work/status.txt"; fail "auth tries"; }
grep -q "PIN tries left: 5/5" "$work/status.txt" || fail "sign tries"
LANG=ja_JP.UTF-8 "$tool" status | grep -q "暗証番号の残り試行回数: 3/3" || fail "Japanese status"
"$tool" status --json >"$work/s.json"
[[ $(field "$work/s.json" "['auth']['tries_left']") == 3 ]] || fail "json auth tries"
[[ $(field "$work/s.json" "['sign']['not_after']") == None ]] || fail "sign expiry shown without the password"
serial=$(head -c 96 "$JPKI_SIM_STATE/ef-0006.bin" | tail -c 16)
[[ $(field "$work/s.json" "['serial']") == "$serial" ]] || fail "serial"
[[ $(field "$work/s.json" "['model']") == my_number_card ]] || fail "json model"
grep -q -x -F "Card: My Number Card (JPKIAPICCTOKEN2), serial $serial" "$work/status.txt" ||
  { cat "$work/status.txt"; fail "Card line"; }
[[ $(verifies) == 0 ]] || fail "status sent a VERIFY"
not_after=$(field "$work/s.json" "['auth']['not_after']")

echo "== renewal window: 80 days before expiry (open), 200 (not yet), expired"
day() { $py -c "import datetime; print(datetime.date.fromisoformat('$not_after') + datetime.timedelta(days=$1))"; }
JPKI_TOOL_TODAY=$(day -80) "$tool" status --json >"$work/80.json"
[[ $(field "$work/80.json" "['auth']['days_left']") == 80 && $(field "$work/80.json" "['auth']['renewal']") == open ]] ||
  { cat "$work/80.json"; fail "80 days"; }
JPKI_TOOL_TODAY=$(day -200) "$tool" status --json >"$work/200.json"
[[ $(field "$work/200.json" "['auth']['renewal']") == not_yet ]] || fail "200 days"
JPKI_TOOL_TODAY=$(day 1) "$tool" status >"$work/exp.txt"
grep -q "EXPIRED" "$work/exp.txt" || { cat "$work/exp.txt"; fail "expired"; }

echo "== sign details with the signing password"
JPKI_PIN=$JPKI_SIGN_PIN "$tool" status --sign-details --json >"$work/sd.json"
[[ $(field "$work/sd.json" "['sign']['not_after']") == "$not_after" ]] || fail "sign expiry"

echo "== cert export round trip"
"$tool" cert export --auth --der -o "$work/auth.der"
cmp -s "$work/auth.der" <(openssl x509 -in "$JPKI_SIM_STATE/ca/auth.pem" -outform DER) || fail "auth DER differs"
"$tool" cert export --auth-ca --pem | openssl x509 -noout -subject | grep -q "JPKI-SIM" || fail "auth CA PEM"
"$tool" cert export --sign-ca --pem -o "$work/signca.pem" && openssl x509 -in "$work/signca.pem" -noout || fail "sign CA"
JPKI_PIN=$JPKI_SIGN_PIN "$tool" cert export --sign --der -o "$work/sign.der"
cmp -s "$work/sign.der" <(openssl x509 -in "$JPKI_SIM_STATE/ca/sign.pem" -outform DER) || fail "sign DER differs"

echo "== sign: detached CMS with each key, verified by jpki-tool and by openssl cms"
echo "e-filing attachment" >"$work/doc.txt"
JPKI_PIN=$JPKI_SIGN_PIN "$tool" sign --sign "$work/doc.txt" -o "$work/doc.sign.p7s" >/dev/null || fail "sign --sign"
JPKI_PIN=$JPKI_AUTH_PIN "$tool" sign --auth "$work/doc.txt" -o "$work/doc.auth.p7s" >/dev/null || fail "sign --auth"
openssl cms -verify -binary -inform DER -in "$work/doc.sign.p7s" -content "$work/doc.txt" \
  -CAfile "$JPKI_SIM_STATE/ca/sign-ca.pem" -purpose any -out /dev/null 2>/dev/null || fail "openssl rejected the CMS"
"$tool" verify "$work/doc.txt" "$work/doc.sign.p7s" | grep -q "signature OK" || fail "verify with the card's CAs"
"$tool" verify "$work/doc.txt" "$work/doc.auth.p7s" --CAfile "$JPKI_SIM_STATE/ca/auth-ca.pem" >/dev/null || fail "verify --CAfile"
echo tampered >>"$work/doc.txt"
set +e
"$tool" verify "$work/doc.txt" "$work/doc.sign.p7s" 2>/dev/null; rc=$?
set -e
[[ $rc == 7 ]] || fail "a tampered file verified (rc $rc)"
set +e
JPKI_PIN=abc "$tool" sign --auth "$work/doc.txt" 2>/dev/null; rc=$?
set -e
[[ $rc == 5 ]] || fail "malformed PIN for sign: rc $rc"
[[ $(tries auth) == 3 && $(tries sign) == 5 ]] || fail "signing spent a try"

echo "== change-pin: malformed new PIN and wrong old PIN"
before=$(verifies)
set +e
JPKI_PIN=$JPKI_AUTH_PIN JPKI_NEW_PIN=12ab "$tool" change-pin --auth 2>"$work/e1"; rc=$?
set -e
[[ $rc == 5 && $(verifies) == "$before" ]] || fail "malformed new PIN: rc $rc or a VERIFY was sent"
grep -q "exactly 4 digits" "$work/e1" || fail "no shape message"
printf '5678\n5679\n' >"$work/two-new-pins"
set +e
JPKI_PIN=$JPKI_AUTH_PIN "$tool" change-pin --auth --new-pin-file "$work/two-new-pins" 2>"$work/e0"; rc=$?
set -e
[[ $rc == 5 && $(verifies) == "$before" ]] || fail "mismatched new PINs: rc $rc or a VERIFY was sent"
grep -q "differ" "$work/e0" || fail "no mismatch message"
set +e
JPKI_PIN=0000 JPKI_NEW_PIN=5678 "$tool" change-pin --auth 2>"$work/e2"; rc=$?
set -e
[[ $rc == 3 ]] || fail "wrong old PIN: rc $rc"
grep -q "Tries left: 2" "$work/e2" || { cat "$work/e2"; fail "tries not stated"; }
"$tool" status | grep -q "PIN tries left: 2/3" || fail "status after a wrong PIN"
[[ $(tries auth) == 2 ]] || fail "status spent a try"

echo "== change-pin success and back"
JPKI_PIN=$JPKI_AUTH_PIN JPKI_NEW_PIN=5678 "$tool" change-pin --auth | grep -q "PIN changed" || fail "change"
JPKI_PIN=5678 JPKI_NEW_PIN=$JPKI_AUTH_PIN "$tool" change-pin --auth >/dev/null || fail "change back"
[[ $(tries auth) == 3 ]] || fail "counter not reset"

echo "== locked"
for _ in 1 2; do JPKI_PIN=0000 JPKI_NEW_PIN=5678 "$tool" change-pin --auth 2>/dev/null || true; done
set +e
JPKI_PIN=0000 JPKI_NEW_PIN=5678 "$tool" change-pin --auth 2>"$work/e3"; rc=$?
set -e
[[ $rc == 4 ]] || { cat "$work/e3"; fail "locking try: rc $rc"; }
"$tool" status --json >"$work/locked.json"
[[ $(field "$work/locked.json" "['auth']['locked']") == True ]] || fail "not shown locked"
"$tool" status | grep -q "city office" || fail "no advice when locked"
set +e
JPKI_PIN=$JPKI_AUTH_PIN JPKI_NEW_PIN=5678 "$tool" change-pin --auth 2>/dev/null; rc=$?
set -e
[[ $rc == 4 && $(tries auth) == 0 ]] || fail "locked PIN: rc $rc"
echo "PASS: jpki-tool"
