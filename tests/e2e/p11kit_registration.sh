#!/usr/bin/env bash
# p11-kit registration: with only our .module file in p11-kit's config
# directory (bind-mounted inside the test bed's private mount namespace),
# p11-kit and GnuTLS's p11tool find both tokens, and the pkcs11: URIs they
# print work in later commands.
set -euo pipefail
mod=${JPKI_PKCS11_MODULE:?}
configs=$(pkg-config --variable=p11_module_configs p11-kit-1)
work=$(mktemp -d)
trap 'umount "$configs" 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$work/modules"
printf 'module: %s\n' "$mod" >"$work/modules/jpki-pkcs11.module"
mount --bind "$work/modules" "$configs" || fail "cannot bind-mount over $configs (run inside the test bed)"

p11-kit list-modules >"$work/modules.txt"
grep -q "^jpki-pkcs11:" "$work/modules.txt" || { cat "$work/modules.txt"; fail "p11-kit does not list the module"; }
grep -q "token: JPKI User Authentication" "$work/modules.txt" || fail "auth token not listed by p11-kit"
grep -q "token: JPKI Digital Signature" "$work/modules.txt" || fail "sign token not listed by p11-kit"

p11tool --list-tokens >"$work/tokens.txt"
grep -q "pkcs11:.*token=JPKI%20User%20Authentication" "$work/tokens.txt" || { cat "$work/tokens.txt"; fail "no auth token URI"; }
grep -q "pkcs11:.*token=JPKI%20Digital%20Signature" "$work/tokens.txt" || fail "no sign token URI"

p11tool --list-all-certs "pkcs11:token=JPKI%20User%20Authentication" >"$work/certs.txt"
uri=$(sed -n 's/^[[:space:]]*URL: \(pkcs11:.*type=cert.*\)$/\1/p' "$work/certs.txt" | grep "id=%01" | head -n1)
[[ -n $uri ]] || { cat "$work/certs.txt"; fail "no URI for the auth certificate"; }
p11tool --export "$uri" >"$work/auth.pem" || fail "exporting $uri"
openssl x509 -in "$work/auth.pem" -noout -subject | grep -q "CN" || fail "exported certificate does not parse"
cmp -s <(openssl x509 -in "$work/auth.pem" -outform DER) <(openssl x509 -in "$JPKI_SIM_STATE/ca/auth.pem" -outform DER) ||
  fail "exported certificate is not the card's"
GNUTLS_PIN=$JPKI_AUTH_PIN p11tool --login --list-privkeys "pkcs11:token=JPKI%20User%20Authentication" |
  grep -q "type=private" || fail "private key not listed after login"
# p11-kit-proxy, the one module a program loads to get every registered one:
# both tokens through it, and a signature with the card's auth key, verified.
proxy=$(dirname "$(pkg-config --variable=p11_module_path p11-kit-1)")/p11-kit-proxy.so
pkcs11-tool --module "$proxy" -L >"$work/proxy.txt" 2>&1 || { cat "$work/proxy.txt"; fail "pkcs11-tool through p11-kit-proxy"; }
grep -q "JPKI User Authentication" "$work/proxy.txt" && grep -q "JPKI Digital Signature" "$work/proxy.txt" ||
  { cat "$work/proxy.txt"; fail "p11-kit-proxy does not show both tokens"; }
printf 'signed through p11-kit-proxy\n' >"$work/doc.txt"
pkcs11-tool --module "$proxy" --token-label "JPKI User Authentication" --login --pin "$JPKI_AUTH_PIN" \
  --sign --id 01 -m SHA256-RSA-PKCS -i "$work/doc.txt" -o "$work/doc.sig" >/dev/null 2>&1 || fail "signing through p11-kit-proxy"
openssl dgst -sha256 -verify <(openssl x509 -in "$JPKI_SIM_STATE/ca/auth.pem" -pubkey -noout) -signature "$work/doc.sig" \
  "$work/doc.txt" >/dev/null || fail "the signature made through p11-kit-proxy does not verify"

# The holder's check (examples/p11-kit/check-registration.sh) says the same.
"$(dirname "$0")/../../examples/p11-kit/check-registration.sh" </dev/null >"$work/check.txt" 2>&1 ||
  { cat "$work/check.txt"; fail "examples/p11-kit/check-registration.sh failed"; }
grep -q "token=JPKI%20Digital%20Signature" "$work/check.txt" || { cat "$work/check.txt"; fail "check-registration: no sign token URI"; }
grep -qF "$uri" "$work/check.txt" || { cat "$work/check.txt"; fail "check-registration: no auth certificate URI"; }
echo "PASS: p11-kit registration ($uri)"
