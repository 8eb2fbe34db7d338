#!/usr/bin/env bash
# NSS: the module in an NSS database (modutil), both tokens and the auth
# certificate listed before login (certutil), and a TLS 1.2 handshake with
# client authentication by the card's auth key (tstclnt) against a local
# OpenSSL server that requires a certificate from the simulator's auth CA.
set -euo pipefail
mod=${JPKI_PKCS11_MODULE:?}
work=$(mktemp -d)
srv=""
trap '[[ -n $srv ]] && kill "$srv" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
db=sql:$work/nssdb
mkdir -p "$work/nssdb"
: >"$work/empty"
certutil -N -d "$db" --empty-password
modutil -dbdir "$db" -add jpki -libfile "$mod" -force >/dev/null
modutil -dbdir "$db" -list >"$work/modules.txt"
grep -q "token: JPKI User Authentication" "$work/modules.txt" || { cat "$work/modules.txt"; fail "modutil: no auth token"; }
grep -q "token: JPKI Digital Signature" "$work/modules.txt" || fail "modutil: no sign token"

nick="JPKI User Authentication:User Authentication Certificate"
certutil -d "$db" -L -h all -f "$work/empty" >"$work/certs.txt" 2>/dev/null
grep -q "^$nick " "$work/certs.txt" || { cat "$work/certs.txt"; fail "certutil: auth certificate not listed"; }

# A local server that requires a client certificate from the simulator's auth CA.
start_server() {  # TLS-VERSION-FLAG PORT LOG
  openssl s_server "$1" -Verify 1 -verify_return_error -CAfile "$JPKI_SIM_STATE/ca/auth-ca.pem" \
    -cert "$work/srv.pem" -key "$work/srv.key" -accept "127.0.0.1:$2" -www >"$3" 2>&1 &
  srv=$!
  for _ in $(seq 1 50); do grep -q ACCEPT "$3" && break; sleep 0.1; done
}
stop_server() {
  kill "$srv"
  wait "$srv" 2>/dev/null || true
  srv=""
}

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/srv.key" -out "$work/srv.pem" -subj /CN=localhost -days 1 2>/dev/null
start_server -tls1_2 4433 "$work/srv.log"
# -o: accept the throwaway server certificate; -Q: quit once the handshake is done.
timeout 30 tstclnt -h 127.0.0.1 -p 4433 -d "$db" -n "$nick" -w "$JPKI_AUTH_PIN" -V tls1.2:tls1.2 -o -Q \
  </dev/null >"$work/client.txt" 2>&1 || { cat "$work/client.txt" "$work/srv.log"; fail "tstclnt failed"; }
cn=$(openssl x509 -in "$JPKI_SIM_STATE/ca/auth.pem" -noout -subject -nameopt sep_comma_plus,space_eq | sed 's/.*CN = //')
grep -q "depth=0 .*CN = $cn" "$work/srv.log" || { cat "$work/srv.log"; fail "server did not see the card's certificate ($cn)"; }
echo "PASS: NSS TLS 1.2 client authentication with the card (server saw CN=$cn)"
stop_server

# TLS 1.3 allows only RSA-PSS in CertificateVerify. With the module's default
# (rsa_pss off) NSS finds no usable key and sends no certificate: the
# documented limit, and the failure must stay clear.
start_server -tls1_3 4434 "$work/srv13.log"
if JPKI_PKCS11_RSA_PSS=off timeout 30 tstclnt -h 127.0.0.1 -p 4434 -d "$db" -n "$nick" -w "$JPKI_AUTH_PIN" \
  -V tls1.3:tls1.3 -o -Q </dev/null >"$work/client13.txt" 2>&1 && grep -q "depth=0 .*CN = $cn" "$work/srv13.log"; then
  fail "TLS 1.3 client authentication succeeded without rsa_pss: update the README's TLS 1.3 section"
fi
grep -q "Failed to load a suitable client certificate" "$work/client13.txt" ||
  { cat "$work/client13.txt"; fail "TLS 1.3: NSS did not say why"; }
grep -q "peer did not return a certificate" "$work/srv13.log" || { cat "$work/srv13.log"; fail "TLS 1.3: unexpected server error"; }
echo "PASS: TLS 1.3-only server, rsa_pss off: no client certificate sent (PKCS#1 v1.5 only), as documented"
stop_server

# With rsa_pss on, the card's PSS mode (P1=04) signs the CertificateVerify.
start_server -tls1_3 4435 "$work/srv13pss.log"
JPKI_PKCS11_RSA_PSS=on timeout 30 tstclnt -h 127.0.0.1 -p 4435 -d "$db" -n "$nick" -w "$JPKI_AUTH_PIN" \
  -V tls1.3:tls1.3 -o -Q </dev/null >"$work/client13pss.txt" 2>&1 ||
  { cat "$work/client13pss.txt" "$work/srv13pss.log"; fail "TLS 1.3 with rsa_pss on: tstclnt failed"; }
grep -q "depth=0 .*CN = $cn" "$work/srv13pss.log" || { cat "$work/srv13pss.log"; fail "TLS 1.3 with rsa_pss on: server did not see the card's certificate"; }
grep -q "^C: 80 2A 04 80" "$JPKI_SIM_LOG" ||
  fail "TLS 1.3 with rsa_pss on: the card was not asked for a PSS signature (P1=04)"
echo "PASS: TLS 1.3 client authentication with rsa_pss on (card-side RSA-PSS, server saw CN=$cn)"
