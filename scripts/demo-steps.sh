#!/usr/bin/env bash
# The demo's steps, run inside the test bed (private pcscd + jpki-sim).
set -euo pipefail
mod=${JPKI_PKCS11_MODULE:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Tokens the module shows for the virtual My Number Card"
pkcs11-tool --module "$mod" -L

step "Objects visible before login"
pkcs11-tool --module "$mod" --token-label "JPKI User Authentication" -O

step "Sign a document with the user-authentication key (PIN ${JPKI_AUTH_PIN:-1234})"
echo "jpki-pkcs11 demo $(date -u +%FT%TZ)" > "$work/doc.txt"
pkcs11-tool --module "$mod" --token-label "JPKI User Authentication" --login --pin "${JPKI_AUTH_PIN:-1234}" \
  --sign --id 01 -m SHA256-RSA-PKCS -i "$work/doc.txt" -o "$work/doc.sig"

step "Verify the signature with OpenSSL and the card's certificate"
pkcs11-tool --module "$mod" --token-label "JPKI User Authentication" --read-object --type cert --id 01 -o "$work/auth.der"
openssl x509 -inform DER -in "$work/auth.der" -noout -subject -issuer -enddate
openssl x509 -inform DER -in "$work/auth.der" -pubkey -noout > "$work/auth.pub"
openssl dgst -sha256 -verify "$work/auth.pub" -signature "$work/doc.sig" "$work/doc.txt"

step "APDUs the card saw"
grep -c '^C:' "${JPKI_SIM_LOG:?}" | sed 's/$/ command APDUs in this demo/'
