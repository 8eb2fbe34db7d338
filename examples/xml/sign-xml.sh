#!/usr/bin/env bash
# Sign an e-filing XML document with your card (enveloped XML-DSig, RSA-SHA256,
# signing certificate in KeyInfo), then check it with xmlsec1.
#   usage: sign-xml.sh IN.xml OUT.xml [CA.pem]
# CA.pem: the signing CA to check against (for a real card, J-LIS's 署名用 CA
# certificate; without it the check only proves the signature matches the
# certificate inside the document).
# Java 17's SunPKCS11 does not log in again for a CKA_ALWAYS_AUTHENTICATE key,
# so the module's sign_always_authenticate is turned off for this run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
in=${1:?usage: sign-xml.sh IN.xml OUT.xml [CA.pem]}
out=${2:?usage: sign-xml.sh IN.xml OUT.xml [CA.pem]}
module=${JPKI_PKCS11_MODULE:-$(pkg-config --variable=p11_module_path p11-kit-1)/jpki-pkcs11.so}
cfg=$(mktemp --suffix=.cfg)
trap 'rm -f "$cfg"' EXIT
printf 'name = JPKISign\nlibrary = %s\nslotListIndex = 1\n' "$module" >"$cfg"
JPKI_PKCS11_SIGN_ALWAYS_AUTH=off java "$here/SignXml.java" "$cfg" "$in" "$out"
if [[ -n ${3:-} ]]; then
  xmlsec1 --verify --trusted-pem "$3" "$out"
else
  xmlsec1 --verify --insecure "$out"  # no CA given: key check only
fi
