#!/usr/bin/env bash
# poppler's pdfsig (22.12) through NSS: the module in an NSS database signs a
# small PDF with the auth certificate and with the signing certificate, pdfsig
# exits 0 (it crashed in the module at NSS shutdown once: its exit handler called
# C_CloseAllSessions after our static destructors had freed the module), and
# `pdfsig FILE` finds each signature valid.
#
# What pdfsig 22.12 can and cannot do with the card (found with this test):
# - Before signing it lists every user certificate on every token and logs into
#   each token that needs it with the one -nss-pwd; its callback answers once.
#   With both JPKI tokens in the database the second token's login gets no
#   password and pdfsig stops ("Password was not accepted to open the NSS
#   database"): it cannot sign with either key then. So each signature is made
#   with one token shown (JPKI_PKCS11_TOKENS). No PIN try is spent either way:
#   the 4-digit PIN and the 6-16 character password never fit each other's shape.
# - The signing certificate is CKA_PRIVATE: NSS finds it only after that login.
# - The signing key's context-specific login (CKA_ALWAYS_AUTHENTICATE) takes the
#   password from -kpw; poppler signs twice (size estimate, then the signature),
#   so the card gets two VERIFY + COMPUTE DIGITAL SIGNATURE.
# - The auth certificate is valid for TLS client authentication only (EKU), so
#   pdfsig's certificate check (S/MIME signer usage) rejects it: "Unknown issue
#   with Certificate or corrupted data." although the signature is valid.
set -euo pipefail
mod=${JPKI_PKCS11_MODULE:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
db=sql:$work/nssdb
mkdir -p "$work/nssdb"
certutil -N -d "$db" --empty-password
modutil -dbdir "$db" -add jpki -libfile "$mod" -force >/dev/null
# The simulator's CAs, trusted for signatures, so that "Certificate is Trusted" can be said.
certutil -A -d "$db" -n "jpki-sim auth CA" -t "CT,C,C" -i "$JPKI_SIM_STATE/ca/auth-ca.pem"
certutil -A -d "$db" -n "jpki-sim sign CA" -t "CT,C,C" -i "$JPKI_SIM_STATE/ca/sign-ca.pem"
# The debug log is on: logging from the host's exit handlers must work too.
export JPKI_PKCS11_DEBUG=$work/debug.log

# A one-page PDF with a correct cross-reference table.
make_pdf() {
  local out=$1 body="" offsets=() i
  local objs=(
    "<< /Type /Catalog /Pages 2 0 R >>"
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << >> >>"
    $'<< /Length 36 >>\nstream\nBT /F1 12 Tf 20 100 Td (hello) Tj ET\nendstream')
  body=$'%PDF-1.4\n'
  for i in "${!objs[@]}"; do
    offsets+=("${#body}")
    body+="$((i + 1)) 0 obj"$'\n'"${objs[i]}"$'\nendobj\n'
  done
  local xref=${#body}
  body+=$'xref\n'"0 $((${#objs[@]} + 1))"$'\n0000000000 65535 f \n'
  for i in "${offsets[@]}"; do body+=$(printf '%010d 00000 n ' "$i")$'\n'; done
  body+=$'trailer\n'"<< /Size $((${#objs[@]} + 1)) /Root 1 0 R >>"$'\nstartxref\n'"$xref"$'\n%%EOF\n'
  printf '%s' "$body" >"$out"
}
LC_ALL=C make_pdf "$work/doc.pdf"
pdfsig "$work/doc.pdf" >"$work/unsigned.txt" 2>&1 || true
grep -q "does not contain any signatures" "$work/unsigned.txt" || { cat "$work/unsigned.txt"; fail "test PDF unreadable"; }

tries() { "$JPKI_SIM_BIN" state --state "$JPKI_SIM_STATE" | tr -d '\n '; }
before=$(tries)

# sign TOKENS NICK PASSWORD OUT
sign() {
  local rc=0
  JPKI_PKCS11_TOKENS=$1 timeout 60 pdfsig -nssdir "$db" -nss-pwd "$3" -kpw "$3" -add-signature -nick "$2" \
    "$work/doc.pdf" "$4" >"$4.log" 2>&1 || rc=$?
  [[ $rc == 0 ]] || { cat "$4.log"; fail "pdfsig -add-signature with '$2' exited $rc"; }
}
# check FILE NAME-LINE CERT-LINE: pdfsig's report on the signed file, line by line.
check() {
  local rc=0
  timeout 60 pdfsig -nssdir "$db" "$1" >"$1.txt" 2>&1 || rc=$?
  [[ $rc == 0 ]] || { cat "$1.txt"; fail "pdfsig $1 exited $rc"; }
  for want in "Signature #1:" "  - $2" "  - Signing Hash Algorithm: SHA-256" \
    "  - Signature Type: adbe.pkcs7.detached" "  - Total document signed" \
    "  - Signature Validation: Signature is Valid." "  - Certificate Validation: $3"; do
    grep -qxF -- "$want" "$1.txt" || { cat "$1.txt"; fail "$1: no line '$want'"; }
  done
  if grep -q "^Signature #2:" "$1.txt"; then cat "$1.txt"; fail "$1: more than one signature"; fi
}

auth_cn=$(openssl x509 -in "$JPKI_SIM_STATE/ca/auth.pem" -noout -subject -nameopt sep_comma_plus,space_eq | sed 's/.*CN = //')
sign_cn=$(openssl x509 -in "$JPKI_SIM_STATE/ca/sign.pem" -noout -subject -nameopt sep_comma_plus,space_eq | sed 's/.*CN = //')

sign auth "JPKI User Authentication:User Authentication Certificate" "$JPKI_AUTH_PIN" "$work/auth.pdf"
check "$work/auth.pdf" "Signer Certificate Common Name: $auth_cn" \
  "Unknown issue with Certificate or corrupted data."
echo "PASS: pdfsig signed with the auth certificate, signature valid (certificate: TLS client EKU only)"

sign sign "JPKI Digital Signature:Digital Signature Certificate" "$JPKI_SIGN_PIN" "$work/sign.pdf"
check "$work/sign.pdf" "Signer Certificate Common Name: $sign_cn" "Certificate is Trusted."
echo "PASS: pdfsig signed with the signing certificate, signature valid, certificate trusted"

# Both tokens shown: pdfsig's one password cannot open both; it says so and spends no try.
rc=0
timeout 60 pdfsig -nssdir "$db" -nss-pwd "$JPKI_SIGN_PIN" -kpw "$JPKI_SIGN_PIN" -add-signature \
  -nick "JPKI Digital Signature:Digital Signature Certificate" "$work/doc.pdf" "$work/both.pdf" \
  >"$work/both.log" 2>&1 || rc=$?
[[ $rc == 2 ]] || { cat "$work/both.log"; fail "both tokens: pdfsig exited $rc, expected 2"; }
grep -q "Password was not accepted to open the NSS database" "$work/both.log" ||
  { cat "$work/both.log"; fail "both tokens: pdfsig did not say why"; }
[[ ! -e $work/both.pdf ]] || fail "both tokens: a signed file appeared"
echo "PASS: both tokens in one database: pdfsig refuses cleanly (one -nss-pwd for two tokens)"

[[ $(tries) == "$before" ]] || fail "PIN tries changed: $before -> $(tries)"
grep -q "C_Sign -> CKR_OK" "$JPKI_PKCS11_DEBUG" || fail "the debug log shows no signature"
# The signing certificate (name, address) never reaches the debug log.
# (16-byte pieces of its DER, except those it shares with the public certificates.)
hex() { openssl x509 -in "$1" -outform DER | xxd -p -c 16 -u | sed 's/../& /g; s/ $//'; }
hex "$JPKI_SIM_STATE/ca/sign.pem" >"$work/cert.hex"
for c in sign-ca auth auth-ca; do hex "$JPKI_SIM_STATE/ca/$c.pem" | tr '\n' ' '; echo; done >"$work/public.hex"
n=0
while read -r chunk; do
  [[ ${#chunk} == 47 ]] && ! grep -qF -- "$chunk" "$work/public.hex" || continue
  n=$((n + 1))
  if grep -qF -- "$chunk" "$JPKI_PKCS11_DEBUG"; then
    fail "signing certificate bytes in the debug log: $chunk"
  fi
done <"$work/cert.hex"
((n > 20)) || fail "only $n pieces of the signing certificate to look for"
echo "PASS: no PIN try spent, no signing-certificate bytes in the debug log"
