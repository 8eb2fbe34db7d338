#!/usr/bin/env bash
# Chromium (under Xvfb), set up as examples/chromium/README.md says: the
# module in the NSS database (examples/nss/add-to-nss-db.sh), the
# AutoSelectCertificateForUrls policy (examples/chromium/auto-select-policy.sh),
# and an https page on localhost that requires a client certificate from the
# simulator's auth CA. Chromium asks for the PIN in its own "Unlock Security
# Device" dialog (it does not use the protected path); xdotool types it. With
# no setting, the module shows a browser only the authentication token, so
# there must be exactly one dialog and one login. The server must see the
# card's certificate; no PIN try may be spent. TLS 1.2; TLS 1.3 with rsa_pss
# off (Chromium says ERR_SSL_CLIENT_AUTH_NO_COMMON_ALGORITHMS, as the README
# says) and on. Runs in the test bed's mount namespace, where a tmpfs over
# /etc/chromium holds the policy.
set -euo pipefail
mod=${JPKI_PKCS11_MODULE:?}
examples=$(cd "$(dirname "$0")/../../examples" && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$work"
export HOME=$work

# The holder's steps (examples/chromium/README.md): the module into Chromium's
# default NSS database (~/.local/share/pki/nssdb), the policy for the site.
db=$HOME/.local/share/pki/nssdb
JPKI_PKCS11_MODULE=$mod "$examples/nss/add-to-nss-db.sh" </dev/null >add-to-nss-db.txt 2>&1 ||
  { cat add-to-nss-db.txt; fail "examples/nss/add-to-nss-db.sh failed"; }
grep -q "^JPKI User Authentication:User Authentication Certificate " add-to-nss-db.txt ||
  { cat add-to-nss-db.txt; fail "add-to-nss-db.sh: the card's certificate is not listed"; }
grep -q "Enter Password\|input terminal" add-to-nss-db.txt && { cat add-to-nss-db.txt; fail "add-to-nss-db.sh asked for a PIN"; }
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -subj "/CN=jpki test server CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" -days 2 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >ext.cnf
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile ext.cnf 2>/dev/null
certutil -A -d "sql:$db" -n "jpki test server CA" -t "C,," -i ca.pem

mount -t tmpfs tmpfs /etc/chromium || fail "cannot mount over /etc/chromium (the test bed gives a private mount namespace)"
"$examples/chromium/auto-select-policy.sh" "https://127.0.0.1" >/dev/null

Xvfb :77 -screen 0 1280x1024x24 -nolisten tcp >xvfb.log 2>&1 &
pids+=($!)
export DISPLAY=:77
for _ in $(seq 1 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
cn=$(openssl x509 -in "$JPKI_SIM_STATE/ca/auth.pem" -noout -subject -nameopt sep_comma_plus,space_eq | sed 's/.*CN = //')

visit() {  # TLS-FLAG PORT NAME [CLIENT-SIGALGS]
  local log=$work/$3-server.log sigalgs=() dbg=$work/$3-module.log
  [[ -n ${4:-} ]] && sigalgs=(-client_sigalgs "$4")
  openssl s_server "$1" -Verify 1 -verify_return_error -CAfile "$JPKI_SIM_STATE/ca/auth-ca.pem" "${sigalgs[@]}" \
    -cert srv.pem -key srv.key -accept "127.0.0.1:$2" -www >"$log" 2>&1 &
  local srv=$!
  pids+=("$srv")
  for _ in $(seq 1 50); do grep -q ACCEPT "$log" && break; sleep 0.1; done
  JPKI_PKCS11_DEBUG=$dbg chromium --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile-$3" \
    "https://127.0.0.1:$2/" >"$work/$3-chromium.txt" 2>&1 &
  local ch=$!
  pids+=("$ch")
  # Every new dialog gets the 4-digit PIN. A dialog for the signing token would
  # refuse it by the module's shape check (no try spent) and fail the count below.
  local last=""
  for _ in $(seq 1 120); do
    sleep 0.5
    grep -q "depth=0" "$log" && break
    grep -q "net_error -177" "$work/$3-chromium.txt" && break  # ERR_SSL_CLIENT_AUTH_NO_COMMON_ALGORITHMS
    local w
    w=$(xdotool search --onlyvisible --name "Unlock Security Device" 2>/dev/null | head -1 || true)
    [[ -z $w || $w == "$last" ]] && continue
    last=$w
    sleep 1.5
    xdotool windowactivate --sync "$w" 2>/dev/null || true
    xdotool windowfocus --sync "$w" 2>/dev/null || true
    sleep 0.3
    xdotool type --delay 50 "$JPKI_AUTH_PIN"
    sleep 0.2
    xdotool key Return
  done
  kill "$ch" 2>/dev/null || true
  kill "$srv" 2>/dev/null || true
  wait "$ch" "$srv" 2>/dev/null || true
  [[ $(grep -c "C_Login" "$dbg") -eq 1 ]] || { grep "C_Login" "$dbg"; fail "$3: expected exactly one login, the auth PIN"; }
  grep -q "tokens = auth (default in the web browser chromium)" "$dbg" || fail "$3: the module did not take Chromium for a browser"
}

logged_in() {  # NAME: the server saw the card's certificate, signed by the card
  grep -q "depth=0 .*CN = $cn" "$work/$1-server.log" ||
    { cat "$work/$1-server.log"; fail "$1: the server did not see the card's certificate"; }
  grep -q "C_Sign -> CKR_OK" "$work/$1-module.log" || fail "$1: no signature by the card"
}

visit -tls1_2 4453 tls12
logged_in tls12
echo "PASS: Chromium (AutoSelectCertificateForUrls, one dialog for the 4-digit PIN) logged in to a TLS 1.2 site with the card (server saw CN=$cn)"
pss_only="rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512"
# TLS 1.3 with rsa_pss off (the default): Chromium refuses with the error the
# README tells holders to look for; the card signs nothing.
JPKI_PKCS11_RSA_PSS=off visit -tls1_3 4455 tls13off "$pss_only"
grep -q "net_error -177" "$work/tls13off-chromium.txt" ||
  { grep -i "handshake" "$work/tls13off-chromium.txt"; fail "TLS 1.3, rsa_pss off: expected ERR_SSL_CLIENT_AUTH_NO_COMMON_ALGORITHMS (-177)"; }
! grep -q "C_Sign" "$work/tls13off-module.log" || fail "TLS 1.3, rsa_pss off: the card was asked to sign"
echo "PASS: Chromium against a TLS 1.3-only site with rsa_pss off: ERR_SSL_CLIENT_AUTH_NO_COMMON_ALGORITHMS, as documented"
JPKI_PKCS11_RSA_PSS=on visit -tls1_3 4454 tls13 "$pss_only"
logged_in tls13
grep -q "^C: 80 2A 04 80" "$JPKI_SIM_LOG" || fail "TLS 1.3: the card was not asked for a PSS signature"
echo "PASS: Chromium logged in to a TLS 1.3-only site with rsa_pss on (card-side RSA-PSS)"
"$JPKI_SIM_BIN" state --state "$JPKI_SIM_STATE" | grep -q '"auth_tries_left": 3, "sign_tries_left": 5' ||
  fail "a PIN try was spent"
