#!/usr/bin/env bash
# OpenSSL 3 with Debian's libp11 engine (libengine-pkcs11-openssl): signatures
# with each key through pkcs11: URIs, and a detached CMS signature of a file
# with the signing certificate, verified against the simulator's sign CA.
set -euo pipefail
mod=${JPKI_PKCS11_MODULE:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$(dirname "$0")/engine_conf.sh"
write_engine_conf "$work/openssl.cnf"
export OPENSSL_CONF=$work/openssl.cnf
auth_key="pkcs11:token=JPKI%20User%20Authentication;id=%01;type=private?pin-value=$JPKI_AUTH_PIN"
sign_key="pkcs11:token=JPKI%20Digital%20Signature;id=%02;type=private?pin-value=$JPKI_SIGN_PIN"
echo "e-filing attachment $(date -u +%F)" >"$work/doc"
# libp11 0.4.12 asks on the terminal for the context-specific login that
# CKA_ALWAYS_AUTHENTICATE requires (it does not reuse pin-value), so scripts
# turn that attribute off; interactive use works with it on.
export JPKI_PKCS11_SIGN_ALWAYS_AUTH=0

echo "== openssl dgst -sign with the auth key"
openssl dgst -sha256 -engine pkcs11 -keyform engine -sign "$auth_key" -out "$work/doc.sig" "$work/doc" 2>"$work/e1" ||
  { cat "$work/e1"; fail "dgst -sign"; }
openssl dgst -sha256 -verify <(openssl x509 -in "$JPKI_SIM_STATE/ca/auth.pem" -pubkey -noout) \
  -signature "$work/doc.sig" "$work/doc" | grep -q "Verified OK" || fail "auth signature did not verify"

echo "== openssl pkeyutl -sign with the sign key (DigestInfo in, PKCS#1 v1.5)"
openssl dgst -sha256 -binary "$work/doc" >"$work/doc.sha256"
openssl pkeyutl -engine pkcs11 -keyform engine -inkey "$sign_key" -sign -pkeyopt digest:sha256 \
  -in "$work/doc.sha256" -out "$work/doc.sig2" 2>"$work/e2" || { cat "$work/e2"; fail "pkeyutl -sign"; }
openssl pkeyutl -verify -pubin -inkey <(openssl x509 -in "$JPKI_SIM_STATE/ca/sign.pem" -pubkey -noout) \
  -pkeyopt digest:sha256 -in "$work/doc.sha256" -sigfile "$work/doc.sig2" | grep -q "Verified Successfully" ||
  fail "sign-key signature did not verify"

echo "== openssl cms -sign: detached CMS with the signing certificate"
openssl cms -sign -binary -md sha256 -in "$work/doc" -signer "$JPKI_SIM_STATE/ca/sign.pem" \
  -engine pkcs11 -keyform engine -inkey "$sign_key" -outform DER -out "$work/doc.p7s" 2>"$work/e3" ||
  { cat "$work/e3"; fail "cms -sign"; }
openssl cms -verify -binary -inform DER -in "$work/doc.p7s" -content "$work/doc" \
  -CAfile "$JPKI_SIM_STATE/ca/sign-ca.pem" -purpose any -out /dev/null 2>"$work/v" || { cat "$work/v"; fail "cms -verify"; }
grep -q "Verification successful" "$work/v" || fail "cms -verify did not say so"
echo tampered >>"$work/doc"
if openssl cms -verify -binary -inform DER -in "$work/doc.p7s" -content "$work/doc" \
  -CAfile "$JPKI_SIM_STATE/ca/sign-ca.pem" -purpose any -out /dev/null 2>/dev/null; then
  fail "a tampered file verified"
fi
echo "PASS: OpenSSL engine signatures and detached CMS"
