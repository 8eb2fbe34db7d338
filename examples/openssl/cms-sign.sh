#!/usr/bin/env bash
# Make a detached CMS (PKCS#7) signature of FILE with the card's signing key,
# through OpenSSL 3 and Debian's libp11 engine (apt-get install libengine-pkcs11-openssl).
# Usage: cms-sign.sh FILE   -> FILE.p7s (DER) and FILE.sign-cert.pem
# The signing password is asked for by pkcs11-tool and by the engine.
set -euo pipefail
file=${1:?usage: cms-sign.sh FILE}
mod=${JPKI_PKCS11_MODULE:-$(pkg-config --variable=p11_module_path p11-kit-1)/jpki-pkcs11.so}
engine=$(find /usr/lib/*/engines-3 -name pkcs11.so | head -n1)
[[ -n $engine ]] || { echo "install libengine-pkcs11-openssl" >&2; exit 1; }
conf=$(mktemp)
trap 'rm -f "$conf"' EXIT
cat >"$conf" <<CNF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $engine
MODULE_PATH = $mod
init = 0
CNF
pkcs11-tool --module "$mod" --token-label "JPKI Digital Signature" --login --read-object --type cert --id 02 |
  openssl x509 -inform DER -out "$file.sign-cert.pem"
OPENSSL_CONF=$conf openssl cms -sign -binary -md sha256 -in "$file" -signer "$file.sign-cert.pem" \
  -engine pkcs11 -keyform engine -inkey "pkcs11:token=JPKI%20Digital%20Signature;id=%02;type=private" \
  -outform DER -out "$file.p7s"
echo "Wrote $file.p7s. Verify with:"
echo "  openssl cms -verify -binary -inform DER -in $file.p7s -content $file -CAfile <sign CA> -purpose any -out /dev/null"
