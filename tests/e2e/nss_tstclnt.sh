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

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/srv.key" -out "$work/srv.pem" -subj /CN=localhost -days 1 2>/dev/null
openssl s_server -tls1_2 -Verify 1 -verify_return_error -CAfile "$JPKI_SIM_STATE/ca/auth-ca.pem" \
  -cert "$work/srv.pem" -key "$work/srv.key" -accept 127.0.0.1:4433 -www >"$work/srv.log" 2>&1 &
srv=$!
for _ in $(seq 1 50); do grep -q ACCEPT "$work/srv.log" && break; sleep 0.1; done
# -o: accept the throwaway server certificate; -Q: quit once the handshake is done.
timeout 30 tstclnt -h 127.0.0.1 -p 4433 -d "$db" -n "$nick" -w "$JPKI_AUTH_PIN" -V tls1.2:tls1.2 -o -Q \
  </dev/null >"$work/client.txt" 2>&1 || { cat "$work/client.txt" "$work/srv.log"; fail "tstclnt failed"; }
cn=$(openssl x509 -in "$JPKI_SIM_STATE/ca/auth.pem" -noout -subject -nameopt sep_comma_plus,space_eq | sed 's/.*CN = //')
grep -q "depth=0 .*CN = $cn" "$work/srv.log" || { cat "$work/srv.log"; fail "server did not see the card's certificate ($cn)"; }
echo "PASS: NSS TLS 1.2 client authentication with the card (server saw CN=$cn)"
