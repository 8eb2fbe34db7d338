#!/usr/bin/env bash
# `jpki-tool diagnose` against the virtual card behind a real pcscd: what it finds,
# and what it must never do (a VERIFY with data, a read of EF 0001, personal data
# or signing-certificate bytes in its output).
set -euo pipefail
tool=${1:?path to jpki-tool}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
py=/usr/bin/python3
field() { $py -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d" + sys.argv[2]))' "$1" "$2"; }
calc() { $py -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
der_size() { openssl x509 -in "$JPKI_SIM_STATE/ca/$1.pem" -outform DER | wc -c; }
: >"$work/diag.apdus"  # the simulator's log lines of the diagnose runs only
: >"$work/all.out"     # everything the diagnose runs printed

# diag NAME ARGS...: runs diagnose, keeps its output and the APDUs it caused, sets rc.
diag() {
  local name=$1 before
  shift
  before=$(wc -l <"$JPKI_SIM_LOG")
  set +e
  "$tool" diagnose "$@" >"$work/$name" 2>&1
  rc=$?
  set -e
  tail -n +"$((before + 1))" "$JPKI_SIM_LOG" >>"$work/diag.apdus"
  cat "$work/$name" >>"$work/all.out"
}

echo "== a fresh card: text"
diag ok.txt
[[ $rc == 0 ]] || { cat "$work/ok.txt"; fail "exit $rc on a healthy card"; }
for want in "Virtual PCD 00 00: card present" "Virtual PCD 00 01: no card" "ATR: 3B E0 00 FF 81 31 FE 45 14" \
  "a known My Number Card contact ATR" "JPKIAPICCTOKEN2 — My Number Card" "EF 0006 size as read: 160 bytes" \
  "user authentication certificate: $(der_size auth) bytes" "user authentication CA certificate: $(der_size auth-ca) bytes" \
  "digital signature CA certificate: $(der_size sign-ca) bytes" "user authentication PIN: 3/3" "signing password: 5/5" \
  "Tries left: auth 3/3, sign 5/5" "Token: JPKIAPICCTOKEN2 (my_number_card)" "READ BINARY 9000 x" "VERIFY (query) 63C3 x1, 63C5 x1"; do
  grep -qF -- "$want" "$work/ok.txt" || { cat "$work/ok.txt"; fail "text lacks: $want"; }
done
grep -qF "jpki-tool diagnose report" "$work/ok.txt" || fail "no report block"
grep -qF "PROBLEM" "$work/ok.txt" && fail "a problem on a healthy card"

echo "== JSON"
diag ok.json --json
[[ $rc == 0 ]] || fail "--json exit $rc"
[[ $(field "$work/ok.json" "['cards'][0]['reader']") == "Virtual PCD 00 00" ]] || fail "json reader"
[[ $(field "$work/ok.json" "['cards'][0]['atr']") == "3B E0 00 FF 81 31 FE 45 14" ]] || fail "json atr"
[[ $(field "$work/ok.json" "['cards'][0]['atr_class']") == contact ]] || fail "json atr class"
[[ $(field "$work/ok.json" "['cards'][0]['token_name']") == JPKIAPICCTOKEN2 ]] || fail "json token"
[[ $(field "$work/ok.json" "['cards'][0]['token_model']") == my_number_card ]] || fail "json model"
[[ $(field "$work/ok.json" "['cards'][0]['token_info_size']") == 160 ]] || fail "json EF 0006 size"
[[ $(field "$work/ok.json" "['cards'][0]['certificates']['auth']['der_size']") == "$(der_size auth)" ]] || fail "json auth size"
[[ $(field "$work/ok.json" "['cards'][0]['certificates']['auth_ca']['der_size']") == "$(der_size auth-ca)" ]] || fail "auth CA"
[[ $(field "$work/ok.json" "['cards'][0]['certificates']['sign_ca']['der_size']") == "$(der_size sign-ca)" ]] || fail "sign CA"
[[ $(field "$work/ok.json" "['cards'][0]['certificates']['sign']['state']") == not_read ]] || fail "sign cert state"
[[ $(field "$work/ok.json" "['cards'][0]['pins']['auth']['tries_left']") == 3 ]] || fail "json auth tries"
[[ $(field "$work/ok.json" "['cards'][0]['pins']['auth']['max_tries']") == 3 ]] || fail "json auth max"
[[ $(field "$work/ok.json" "['cards'][0]['pins']['sign']['tries_left']") == 5 ]] || fail "json sign tries"
[[ $(field "$work/ok.json" "['cards'][0]['pins']['sign']['max_tries']") == 5 ]] || fail "json sign max"
[[ $(field "$work/ok.json" "['exit_code']") == 0 ]] || fail "json exit code"
[[ $(calc "$work/ok.json" "[f['severity'] for f in d['findings']].count('problem')") == 0 ]] || fail "json problem"
[[ $(calc "$work/ok.json" "sum(s['count'] for s in d['cards'][0]['status_words'])") == \
   $(calc "$work/ok.json" "len(d['cards'][0]['apdus'])") ]] || fail "histogram does not add up to the APDUs"

echo "== Japanese"
LANG=ja_JP.UTF-8 diag ja.txt
grep -qF "利用者証明用暗証番号: 3/3" "$work/ja.txt" || { cat "$work/ja.txt"; fail "Japanese tries"; }
grep -qF "JPKIAPICCTOKEN2 — マイナンバーカード" "$work/ja.txt" || fail "Japanese token"
grep -qF "Tries left: auth 3/3" "$work/ja.txt" || fail "the report block is English in every locale"

echo "== one wrong signing password: a note, still exit 0"
set +e
JPKI_PIN=WRONG00 JPKI_NEW_PIN=ABCDEF34 "$tool" change-pin --sign 2>/dev/null
set -e
diag low.json --json
[[ $rc == 0 ]] || fail "fewer tries made exit $rc"
[[ $(field "$work/low.json" "['cards'][0]['pins']['sign']['tries_left']") == 4 ]] || fail "sign tries 4"
calc "$work/low.json" "[f['code'] for f in d['findings']]" | grep -q pin_tries_low_sign || fail "no note"

echo "== reader filter, no card, no pcscd"
diag nosuch.txt --reader nosuch
[[ $rc == 2 ]] || fail "--reader nosuch: exit $rc"
grep -qF "Virtual PCD 00 00: card present (skipped" "$work/nosuch.txt" || { cat "$work/nosuch.txt"; fail "readers not listed"; }
diag empty.json --json --reader "PCD 00 01"
[[ $rc == 2 && $(calc "$work/empty.json" "[f['code'] for f in d['findings']]") == "['no_card']" ]] || fail "empty reader"
"$JPKI_SIM_BIN" ctl --control "$JPKI_SIM_CONTROL" remove
for _ in $(seq 1 50); do "$JPKI_SIM_BIN" probe >/dev/null 2>&1 || break; sleep 0.1; done
diag removed.txt
[[ $rc == 2 ]] || { cat "$work/removed.txt"; fail "no card: exit $rc"; }
grep -qF "No card in any reader" "$work/removed.txt" || fail "no-card advice"
"$JPKI_SIM_BIN" ctl --control "$JPKI_SIM_CONTROL" insert
for _ in $(seq 1 50); do "$JPKI_SIM_BIN" probe >/dev/null 2>&1 && break; sleep 0.1; done
PCSCLITE_CSOCK_NAME=$work/no-pcscd.comm diag nopcscd.txt
[[ $rc == 2 ]] || { cat "$work/nopcscd.txt"; fail "no pcscd: exit $rc"; }
grep -qF "systemctl start pcscd.socket" "$work/nopcscd.txt" || fail "no advice to start pcscd"

echo "== a locked PIN: exit 6"
for _ in 1 2 3; do JPKI_PIN=0000 JPKI_NEW_PIN=5678 "$tool" change-pin --auth 2>/dev/null || true; done
diag locked.txt
[[ $rc == 6 ]] || { cat "$work/locked.txt"; fail "locked PIN: exit $rc"; }
grep -qF "user authentication PIN: 0/3" "$work/locked.txt" || fail "locked tries"
grep -qF "PROBLEM: user authentication PIN: LOCKED" "$work/locked.txt" || { cat "$work/locked.txt"; fail "not reported locked"; }
grep -qF "city office" "$work/locked.txt" || fail "no city-office advice"
diag locked.json --json
[[ $rc == 6 && $(field "$work/locked.json" "['cards'][0]['pins']['auth']['locked']") == True ]] || fail "json locked"
[[ $(field "$work/locked.json" "['exit_code']") == 6 ]] || fail "json exit code when locked"

echo "== what diagnose never did"
grep -c '^C: ' "$work/diag.apdus" >/dev/null || fail "no APDUs logged for the diagnose runs"
sed -n 's/^C: //p' "$work/diag.apdus" | tr -d ' ' >"$work/commands"
if grep -E "^0020" "$work/commands" | grep -vqx 00200080; then grep -E "^0020" "$work/commands" | sort | uniq -c >&2; fail "diagnose sent a VERIFY with data"; fi
grep -qx '00200080' "$work/commands" || fail "diagnose never asked for the retry counter"
if grep -qi 'redacted' "$work/diag.apdus"; then fail "diagnose sent PIN data"; fi
if grep -q '^00A4020C020001' "$work/commands"; then fail "diagnose selected EF 0001"; fi
sign_cn=$(openssl x509 -in "$JPKI_SIM_STATE/ca/sign.pem" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= *//p')
sign_serial=$(openssl x509 -in "$JPKI_SIM_STATE/ca/sign.pem" -noout -serial | cut -d= -f2)
auth_cn=$(openssl x509 -in "$JPKI_SIM_STATE/ca/auth.pem" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= *//p')
[[ -n $sign_cn && -n $sign_serial && -n $auth_cn ]] || fail "could not read the certificates' names"
spaced_serial=$(sed 's/../& /g; s/ $//' <<<"$sign_serial")
# 16 bytes from the middle of the signing certificate, as the tool would print bytes.
sign_bytes=$(openssl x509 -in "$JPKI_SIM_STATE/ca/sign.pem" -outform DER | od -An -tx1 -j 400 -N 16 | tr a-f A-F | xargs)
for secret in "$sign_cn" "$sign_serial" "$spaced_serial" "$sign_bytes" "$auth_cn" "試験" "千代田区"; do
  if grep -qiF -- "$secret" "$work/all.out"; then fail "output shows personal data or signing-certificate bytes: $secret"; fi
done
echo "PASS: jpki-tool diagnose"
