#!/usr/bin/env bash
# Sign FILE with the card's digital-signature key (署名用) and verify the signature.
# pkcs11-tool asks for the signing password (6-16 characters, A-Z and 0-9; 5 tries).
# Usage: sign-document.sh FILE   -> FILE.sig and FILE.sign-cert.der
set -euo pipefail
file=${1:?usage: sign-document.sh FILE}
mod=${JPKI_PKCS11_MODULE:-$(pkg-config --variable=p11_module_path p11-kit-1)/jpki-pkcs11.so}
token=(--module "$mod" --token-label "JPKI Digital Signature")
pkcs11-tool "${token[@]}" -L | grep -E "token flags" || true
echo "Signing $file with the digital-signature key."
pkcs11-tool "${token[@]}" --login --sign --id 02 -m SHA256-RSA-PKCS -i "$file" -o "$file.sig"
echo "Reading the signing certificate (it holds your name and address: keep it private)."
pkcs11-tool "${token[@]}" --login --read-object --type cert --id 02 -o "$file.sign-cert.der"
openssl dgst -sha256 -verify <(openssl x509 -inform DER -in "$file.sign-cert.der" -pubkey -noout) \
  -signature "$file.sig" "$file"
