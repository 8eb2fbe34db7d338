#!/usr/bin/env bash
# Java: SunPKCS11 (OpenJDK 17) with the module. keytool lists both tokens'
# keys and certificates; examples/java/sign-jar.sh signs a jar with the card's
# signing key; jarsigner -verify -strict accepts it against the simulator's
# sign CA and refuses it once a file in the jar is changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mod=${JPKI_PKCS11_MODULE:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$work"
printf 'name = JPKIAuth\nlibrary = %s\nslotListIndex = 0\n' "$mod" >auth.cfg
p11=(-keystore NONE -storetype PKCS11 -providerClass sun.security.pkcs11.SunPKCS11)
keytool -list "${p11[@]}" -providerArg auth.cfg -storepass "$JPKI_AUTH_PIN" >auth.txt 2>&1 || { cat auth.txt; fail "keytool (auth)"; }
grep -q "^User Authentication Certificate, PrivateKeyEntry" auth.txt || { cat auth.txt; fail "keytool: no auth key entry"; }
echo "PASS: keytool lists the auth token's key and certificate"

echo "e-filing attachment" >filing.txt
jar cf filing.jar filing.txt
JPKI_STOREPASS=$JPKI_SIGN_PIN "$here/../../examples/java/sign-jar.sh" filing.jar >sign.txt 2>&1 ||
  { cat sign.txt; fail "examples/java/sign-jar.sh"; }
grep -q "^Digital Signature Certificate, PrivateKeyEntry" sign.txt || { cat sign.txt; fail "keytool: no sign key entry"; }
grep -q "jar signed" sign.txt || { cat sign.txt; fail "jarsigner did not sign"; }
cn=$(openssl x509 -in "$JPKI_SIM_STATE/ca/sign.pem" -noout -subject -nameopt sep_comma_plus,space_eq | sed 's/.*CN = //; s/,.*//')
grep -q "CN=$cn" sign.txt || { cat sign.txt; fail "the signer is not the card's signing certificate ($cn)"; }

keytool -importcert -noprompt -alias jpki-sim-sign-ca -file "$JPKI_SIM_STATE/ca/sign-ca.pem" \
  -keystore trust.p12 -storetype PKCS12 -storepass changeit >/dev/null 2>&1
jarsigner -verify -strict -keystore trust.p12 -storetype PKCS12 -storepass changeit filing.jar >verify.txt 2>&1 ||
  { cat verify.txt; fail "jarsigner -verify -strict refused the card's signature"; }
grep -q "jar verified" verify.txt || { cat verify.txt; fail "not verified"; }
echo "PASS: jarsigner signed with the card's signing key; -verify -strict accepts it with the sim's sign CA"

mkdir t && (cd t && unzip -q ../filing.jar && echo "changed" >filing.txt && zip -q -r ../tampered.jar .)
if jarsigner -verify -strict -keystore trust.p12 -storetype PKCS12 -storepass changeit tampered.jar >tampered.txt 2>&1; then
  cat tampered.txt; fail "a changed jar still verified"
fi
echo "PASS: a changed jar is refused"
