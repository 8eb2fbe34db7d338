#!/usr/bin/env bash
# curl (OpenSSL back end, libp11 engine) authenticates to a local TLS 1.2
# server that requires a client certificate from the simulator's auth CA,
# with the card's auth key and certificate given as pkcs11: URIs.
set -euo pipefail
mod=${JPKI_PKCS11_MODULE:?}
work=$(mktemp -d)
srv=""
trap '[[ -n $srv ]] && kill "$srv" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$(dirname "$0")/engine_conf.sh"
write_engine_conf "$work/openssl.cnf"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/srv.key" -out "$work/srv.pem" -subj /CN=localhost -days 1 2>/dev/null
# The card signs PKCS#1 v1.5 only: the server must accept rsa_pkcs1_sha256 for the
# client's CertificateVerify, or OpenSSL's client picks RSA-PSS, which the card cannot do.
openssl s_server -tls1_2 -Verify 1 -verify_return_error -client_sigalgs RSA+SHA256:RSA+SHA384:RSA+SHA512 \
  -CAfile "$JPKI_SIM_STATE/ca/auth-ca.pem" -cert "$work/srv.pem" -key "$work/srv.key" \
  -accept 127.0.0.1:4435 -www >"$work/srv.log" 2>&1 &
srv=$!
for _ in $(seq 1 50); do grep -q ACCEPT "$work/srv.log" && break; sleep 0.1; done
token="pkcs11:token=JPKI%20User%20Authentication;id=%01"
OPENSSL_CONF=$work/openssl.cnf curl --silent --show-error --insecure --max-time 30 \
  --cert "$token;type=cert" --key "$token;type=private?pin-value=$JPKI_AUTH_PIN" \
  https://127.0.0.1:4435/ -o "$work/page.html" 2>"$work/curl.err" || { cat "$work/curl.err" "$work/srv.log"; fail "curl failed"; }
grep -q "Ciphers supported" "$work/page.html" || fail "no page from the server"
cn=$(openssl x509 -in "$JPKI_SIM_STATE/ca/auth.pem" -noout -subject -nameopt sep_comma_plus,space_eq | sed 's/.*CN = //')
grep -q "depth=0 .*CN = $cn" "$work/srv.log" || { cat "$work/srv.log"; fail "server did not see the card's certificate"; }
echo "PASS: curl TLS 1.2 client authentication with the card (server saw CN=$cn)"
