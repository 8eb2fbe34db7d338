#!/usr/bin/env bash
# jpki-tool sign-pdf / verify-pdf against the virtual card behind a real pcscd,
# each output checked by qpdf --check and poppler's pdfsig (NSS) as well.
#   pdf_e2e.sh JPKI_TOOL JLIS_CA_DIR EXAMPLES_PDF_DIR
set -euo pipefail
tool=${1:?path to jpki-tool}
jlis_ca=${2:?data/jlis-ca}
example=${3:?examples/pdf}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
py=/usr/bin/python3
tries() { "$JPKI_SIM_BIN" state --state "$JPKI_SIM_STATE" | $py -c "import json,sys; print(json.load(sys.stdin)['sign_tries_left'])"; }
verifies() { grep -c -F "C: 00 20 00 80 <redacted" "$JPKI_SIM_LOG" || true; }
jfield() { $py -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d" + sys.argv[2]))' "$1" "$2"; }
# Runs a command, keeping its exit status in $rc (set -e stays on).
run() { set +e; "$@"; rc=$?; set -e; }
no_leftovers() { ! ls "$work" | grep -q '\.part-' || fail "a temporary file was left behind"; }

echo "== inputs: one page with a text field and a link; classic xref (qpdf) and object streams"
cat >"$work/raw.pdf" <<'EOF'
%PDF-1.7
1 0 obj << /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Annots [7 0 R 8 0 R]
  /Resources << /Font << /F1 5 0 R >> >> >> endobj
4 0 obj << /Length 47 >> stream
BT /F1 24 Tf 72 720 Td (Articles of Inc.) Tj ET
endstream endobj
5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj
6 0 obj << /Fields [7 0 R] /DA (/Helv 0 Tf 0 g) >> endobj
7 0 obj << /Type /Annot /Subtype /Widget /FT /Tx /T (Applicant) /V (Yamada) /Rect [72 600 300 620] /P 3 0 R >> endobj
8 0 obj << /Type /Annot /Subtype /Link /Rect [72 500 300 520] /A << /S /URI /URI (https://example.jp/) >> >> endobj
trailer << /Root 1 0 R /Size 9 >>
EOF
run qpdf "$work/raw.pdf" "$work/classic.pdf" 2>/dev/null  # 3: it rebuilt the missing xref, as asked
[[ $rc == 0 || $rc == 3 ]] || fail "qpdf could not write the input ($rc)"
qpdf --check "$work/classic.pdf" >/dev/null || fail "input not clean"
qpdf --object-streams=generate "$work/classic.pdf" "$work/objstm.pdf"
qpdf --show-xref "$work/objstm.pdf" >"$work/xref.txt"
grep -q "compressed" "$work/xref.txt" || fail "no object streams in objstm.pdf"

# pdfsig's trust comes from an NSS database: the simulator's signing CA, trusted for signing.
nss="sql:$work/nss"
mkdir "$work/nss"
certutil -N -d "$nss" --empty-password
certutil -A -d "$nss" -n jpki-sim-sign-ca -t "CT,C,C" -i "$JPKI_SIM_STATE/ca/sign-ca.pem"

for kind in classic objstm; do
  echo "== sign-pdf on the $kind file"
  in="$work/$kind.pdf"
  out="$work/$kind.signed.pdf"
  JPKI_PIN=$JPKI_SIGN_PIN "$tool" sign-pdf "$in" -o "$out" --reason "定款" --location "東京" >"$work/msg" ||
    fail "sign-pdf $kind"
  grep -q "Signed: .*(Signature1)" "$work/msg" || { cat "$work/msg"; fail "no report of the signed field"; }
  cmp -s -n "$(stat -c %s "$in")" "$in" "$out" || fail "$kind: the original bytes changed (not an incremental update)"
  qpdf --check "$out" >"$work/check" 2>&1 || { cat "$work/check"; fail "qpdf --check $kind"; }
  grep -q "No syntax or stream encoding errors" "$work/check" || fail "qpdf found problems in $kind"
  kind_found=$($py -c 'import sys; d=open(sys.argv[1],"rb").read(); o=int(d[d.rindex(b"startxref")+9:].split()[0])
print("table" if d[o:o+4]==b"xref" else "stream")' "$out")
  [[ ($kind == classic && $kind_found == table) || ($kind == objstm && $kind_found == stream) ]] ||
    fail "$kind: the increment's xref is a $kind_found"
  pdfsig -nssdir "$nss" "$out" >"$work/pdfsig" 2>/dev/null || { cat "$work/pdfsig"; fail "pdfsig $kind"; }
  [[ $(grep -c "^Signature #" "$work/pdfsig") == 1 ]] || fail "pdfsig: signature count"
  for line in "Signature Type: adbe.pkcs7.detached" "Signing Hash Algorithm: SHA-256" "Total document signed" \
    "Signature Validation: Signature is Valid." "Certificate Validation: Certificate is Trusted."; do
    grep -q -F -- "$line" "$work/pdfsig" || { cat "$work/pdfsig"; fail "pdfsig $kind: no '$line'"; }
  done
  "$tool" verify-pdf "$out" >"$work/verify.txt" || { cat "$work/verify.txt"; fail "verify-pdf $kind"; }
  [[ $(grep -c "^    \[OK\] C" "$work/verify.txt") == 10 ]] || { cat "$work/verify.txt"; fail "not 10 rules OK"; }
  "$tool" verify-pdf "$out" --json --CAfile "$JPKI_SIM_STATE/ca/sign-ca.pem" >"$work/v.json" || fail "--CAfile"
  [[ $(jfield "$work/v.json" "['ok']") == True ]] || fail "json ok"
  [[ $(jfield "$work/v.json" "['signatures'][0]['coverage']") == whole_file ]] || fail "json coverage"
  # /Name defaults to the holder's name in the signing certificate (the simulator's test holder).
  [[ $(jfield "$work/v.json" "['signatures'][0]['name']") == "試験 太郎" ]] || fail "/Name is not the holder's name"
done
[[ $(tries) == 5 ]] || fail "signing spent a try"

echo "== Japanese under a Japanese locale; J-LIS's CAs alone do not trust the simulator"
LANG=ja_JP.UTF-8 "$tool" verify-pdf "$work/classic.signed.pdf" >"$work/ja.txt"
grep -q -F "[OK] C2 /SubFilter が /adbe.pkcs7.detached" "$work/ja.txt" || { cat "$work/ja.txt"; fail "Japanese rule line"; }
grep -q "法務局の要件を満たしています" "$work/ja.txt" || fail "Japanese verdict"
run "$tool" verify-pdf "$work/classic.signed.pdf" --CAfile "$jlis_ca/sign_ca_2023.pem" >"$work/jlis.txt"
[[ $rc == 7 ]] || fail "a jpki-sim signature chained to J-LIS (rc $rc)"
grep -q "Certificate chain: NOT trusted" "$work/jlis.txt" || fail "untrusted chain not said"

echo "== a second signature on the signed file: both valid, each covering its revision"
JPKI_PIN=$JPKI_SIGN_PIN "$tool" sign-pdf "$work/classic.signed.pdf" -o "$work/twice.pdf" --name "Second Signer" \
  >"$work/msg"
grep -q "(Signature2)" "$work/msg" || fail "second field name"
qpdf --check "$work/twice.pdf" >/dev/null || fail "qpdf --check twice"
pdfsig -nssdir "$nss" "$work/twice.pdf" >"$work/pdfsig" 2>/dev/null || true
[[ $(grep -c "Signature Validation: Signature is Valid." "$work/pdfsig") == 2 ]] || { cat "$work/pdfsig"; fail "pdfsig twice"; }
sed -n '/^Signature #1/,/^Signature #2/p' "$work/pdfsig" >"$work/sig1"
sed -n '/^Signature #2/,$p' "$work/pdfsig" >"$work/sig2"
grep -q "Not total document signed" "$work/sig1" || fail "pdfsig: #1 coverage"
grep -q "  - Total document signed" "$work/sig2" || fail "pdfsig: #2 coverage"
# Debian 12's pdfsig (poppler 22.12) cannot build the chain a second time for a signer certificate it
# imported from the first signature: "Unknown issue". pdfsig's own double signatures do the same.
grep -q "Certificate Validation: Certificate is Trusted." "$work/sig1" || fail "pdfsig: #1 not trusted"
grep -q "Certificate Validation: Unknown issue with Certificate or corrupted data." "$work/sig2" ||
  { cat "$work/pdfsig"; fail "pdfsig's known second-certificate answer changed: look again"; }
certutil -A -d "$nss" -n signer -t ",," -i "$JPKI_SIM_STATE/ca/sign.pem"
pdfsig -nssdir "$nss" "$work/twice.pdf" >"$work/pdfsig" 2>/dev/null || true
[[ $(grep -c "Certificate Validation: Certificate is Trusted." "$work/pdfsig") == 2 ]] ||
  { cat "$work/pdfsig"; fail "pdfsig twice, signer certificate in the database"; }
"$tool" verify-pdf "$work/twice.pdf" --json >"$work/twice.json" || { cat "$work/twice.json"; fail "verify-pdf twice"; }
[[ $(jfield "$work/twice.json" "['signatures'][0]['coverage']") == revision ]] || fail "first: its revision"
[[ $(jfield "$work/twice.json" "['signatures'][1]['coverage']") == whole_file ]] || fail "second: whole file"
[[ $(jfield "$work/twice.json" "['signatures'][1]['name']") == "Second Signer" ]] || fail "--name"

echo "== a tampered byte in the first revision"
$py - "$work/twice.pdf" "$work/tampered.pdf" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
at = data.index(b"595 842")  # the first revision's page: its MediaBox
open(sys.argv[2], "wb").write(data[:at] + b"596" + data[at + 3:])
EOF
run "$tool" verify-pdf "$work/tampered.pdf" >"$work/tampered.txt"
[[ $rc == 7 ]] || { cat "$work/tampered.txt"; fail "a tampered file verified (rc $rc)"; }
[[ $(grep -c "Cryptographic check: INVALID" "$work/tampered.txt") == 2 ]] || fail "both signatures cover the byte"

echo "== wrong PIN: exit 3, one try spent and said, no output"
run env JPKI_PIN=WRONG123 "$tool" sign-pdf "$work/classic.pdf" -o "$work/wrong.pdf" 2>"$work/err"
[[ $rc == 3 ]] || { cat "$work/err"; fail "wrong PIN: rc $rc"; }
grep -q "Tries left: 4" "$work/err" || { cat "$work/err"; fail "tries left not said"; }
[[ $(tries) == 4 ]] || fail "not exactly one try spent"
[[ ! -e $work/wrong.pdf ]] || fail "an output file after a wrong PIN"
no_leftovers

echo "== malformed PIN: exit 5, no VERIFY with PIN data, no try spent"
before=$(verifies)
run env JPKI_PIN=abc "$tool" sign-pdf "$work/classic.pdf" -o "$work/bad.pdf" 2>"$work/err"
[[ $rc == 5 && $(verifies) == "$before" && $(tries) == 4 ]] || fail "malformed PIN: rc $rc or a VERIFY or a try"
[[ ! -e $work/bad.pdf ]] || fail "an output file after a malformed PIN"

echo "== encrypted, damaged and non-PDF input: refused before any PIN is asked"
qpdf --encrypt "" owner 256 -- "$work/classic.pdf" "$work/enc-open.pdf"
qpdf --encrypt user owner 256 -- "$work/classic.pdf" "$work/enc-user.pdf"
head -c "$(($(stat -c %s "$work/classic.pdf") / 2))" "$work/classic.pdf" >"$work/broken.pdf"
echo "not a pdf" >"$work/text.pdf"
for bad in enc-open enc-user broken text; do
  # A PIN is there to be used, and none can be typed (no terminal): exit 1 means it was never wanted.
  run env JPKI_PIN=$JPKI_SIGN_PIN setsid -w "$tool" sign-pdf "$work/$bad.pdf" -o "$work/$bad.out.pdf" 2>"$work/err"
  [[ $rc == 1 ]] || { cat "$work/err"; fail "$bad: rc $rc"; }
  [[ ! -e $work/$bad.out.pdf ]] || fail "$bad: output written"
  run env -u JPKI_PIN setsid -w "$tool" sign-pdf "$work/$bad.pdf" -o "$work/$bad.out.pdf" 2>"$work/err2"
  [[ $rc == 1 ]] || { cat "$work/err2"; fail "$bad without a PIN: rc $rc (asked for one?)"; }
done
grep -q "encrypted" <(env JPKI_PIN=x "$tool" sign-pdf "$work/enc-user.pdf" -o "$work/x.pdf" 2>&1) || fail "encrypted msg"
grep -q "damaged" <(env JPKI_PIN=x "$tool" sign-pdf "$work/broken.pdf" -o "$work/x.pdf" 2>&1) || fail "damaged msg"
[[ $(verifies) == "$before" && $(tries) == 4 ]] || fail "refused input reached the card"
no_leftovers

echo "== examples/pdf/sign-for-filing.sh, as a holder would run it (a good PIN resets the counter)"
JPKI_TOOL=$tool JPKI_PIN=$JPKI_SIGN_PIN "$example/sign-for-filing.sh" "$work/objstm.pdf" "$work/filing.pdf" \
  --reason "定款" >"$work/example.txt" || { cat "$work/example.txt"; fail "example script"; }
grep -q "ready to upload" "$work/example.txt" || { cat "$work/example.txt"; fail "example verdict"; }
[[ $(tries) == 5 ]] || fail "counter not reset by the good PIN"
echo "PASS: sign-pdf / verify-pdf"
