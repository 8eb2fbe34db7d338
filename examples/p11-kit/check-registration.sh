#!/usr/bin/env bash
# Check that p11-kit-aware programs (GnuTLS, p11tool, Firefox/Chromium through
# p11-kit-proxy, ...) see the card after `cmake --install`: the module is
# registered, both tokens show up, and the authentication certificate has a
# pkcs11: URI you can use in other programs. Asks for no PIN.
set -euo pipefail
die() { echo "check-registration: $*" >&2; exit 1; }
configs=$(pkg-config --variable=p11_module_configs p11-kit-1)
[[ -f $configs/jpki-pkcs11.module ]] || echo "check-registration: note: no $configs/jpki-pkcs11.module (run cmake --install)"
modules=$(mktemp)
trap 'rm -f "$modules"' EXIT
p11-kit list-modules >"$modules" || die "p11-kit list-modules failed"
awk '/^[^[:space:]]/ { on = /^jpki-pkcs11:/ } on' "$modules" | grep . || die "p11-kit does not list jpki-pkcs11"
grep -q "token: JPKI User Authentication" "$modules" ||
  die "the module is registered but shows no card: is the card in the reader and pcscd running?"
echo
echo "Token URIs:"
p11tool --list-tokens | sed -n 's/^[[:space:]]*URL: \(pkcs11:.*token=JPKI.*\)$/  \1/p'
echo "Authentication certificate (readable without PIN):"
p11tool --list-all-certs 'pkcs11:token=JPKI%20User%20Authentication' | sed -n 's/^[[:space:]]*URL: \(pkcs11:.*\)$/  \1/p'
