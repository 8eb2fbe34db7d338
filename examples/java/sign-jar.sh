#!/usr/bin/env bash
# Sign a jar (or any JAR-format archive) with the card's signing key through
# Java's SunPKCS11 provider, then check it.
#   usage: sign-jar.sh FILE.jar
# Java 17's SunPKCS11 does not log in again for a key marked
# CKA_ALWAYS_AUTHENTICATE, so this turns the module's sign_always_authenticate
# off for this run: the signing password is asked once, by keytool/jarsigner.
# JPKI_PKCS11_MODULE overrides the module path; JPKI_STOREPASS gives the password
# non-interactively (tests only: it shows in the process list).
set -euo pipefail
jar=${1:?usage: sign-jar.sh FILE.jar}
module=${JPKI_PKCS11_MODULE:-$(pkg-config --variable=p11_module_path p11-kit-1)/jpki-pkcs11.so}
cfg=$(mktemp --suffix=.cfg)
trap 'rm -f "$cfg"' EXIT
# The second slot of the first reader is the signing token (署名用).
printf 'name = JPKISign\nlibrary = %s\nslotListIndex = 1\n' "$module" >"$cfg"
export JPKI_PKCS11_SIGN_ALWAYS_AUTH=off
pass=()
[[ -n ${JPKI_STOREPASS:-} ]] && pass=(-storepass "$JPKI_STOREPASS")
p11=(-keystore NONE -storetype PKCS11 -providerClass sun.security.pkcs11.SunPKCS11 -providerArg "$cfg")
keytool -list "${p11[@]}" "${pass[@]}"
jarsigner "${p11[@]}" "${pass[@]}" -sigalg SHA256withRSA -digestalg SHA-256 "$jar" "Digital Signature Certificate"
jarsigner -verify -verbose -certs "$jar" | grep -E "X.509|verified"
