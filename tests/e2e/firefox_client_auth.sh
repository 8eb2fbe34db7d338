#!/usr/bin/env bash
# Firefox ESR, set up by examples/firefox/setup-firefox.sh: the module comes in
# through policies.json (SecurityDevices), the certificate is chosen
# automatically (security.default_personal_cert), the PIN comes through the
# protected path (our scripted pinentry), and an https page on localhost that
# requires a client certificate from the simulator's auth CA opens: the server
# saw the card's certificate. Headless with TLS 1.2; in a window under Xvfb with
# TLS 1.2, and TLS 1.3 with rsa_pss off (no certificate goes out); headless
# with TLS 1.3 and rsa_pss on. Runs in the test bed's own mount namespace,
# where the policies folder is bind-mounted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mod=${JPKI_PKCS11_MODULE:?}
work=$(mktemp -d)
srv=""
trap '[[ -n $srv ]] && kill "$srv" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$work"
export HOME=$work

# A throwaway CA and server certificate, trusted through the policy.
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -subj "/CN=jpki test server CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" -days 2 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >ext.cnf
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile ext.cnf 2>/dev/null

# The administrator's step (examples/firefox/setup-firefox.sh): policies.json and
# the pinentry setting, here with our scripted pinentry; then the test server's CA.
mkdir dist
FIREFOX_DISTRIBUTION_DIR=$work/dist JPKI_PKCS11_MODULE=$mod JPKI_PKCS11_CONFIG=$work/jpki-pkcs11.conf \
  "$here/../../examples/firefox/setup-firefox.sh" --pinentry "$here/../pkcs11/scripted-pinentry.sh" >setup.txt ||
  { cat setup.txt; fail "setup-firefox.sh failed"; }
grep -qx "pinentry = $here/../pkcs11/scripted-pinentry.sh" "$work/jpki-pkcs11.conf" || fail "setup-firefox.sh: no pinentry setting"
python3 -c 'import json,sys; p=json.load(open(sys.argv[2])); p["policies"]["Certificates"]={"Install":[sys.argv[1]]}; p["policies"]["DisableAppUpdate"]=True; json.dump(p,open(sys.argv[2],"w"))' \
  "$work/ca.pem" dist/policies.json
grep -q "$mod" dist/policies.json || fail "setup-firefox.sh: policies.json does not name the module"
dist_dir=$(readlink -f /usr/lib/firefox-esr/distribution)
mount --bind "$work/dist" "$dist_dir" || fail "cannot mount the policies folder (the test bed gives a private mount namespace)"

# The module reads the pinentry from the settings file the script wrote.
export JPKI_PKCS11_CONFIG=$work/jpki-pkcs11.conf PINENTRY_LOG=$work/pinentry.log
cn=$(openssl x509 -in "$JPKI_SIM_STATE/ca/auth.pem" -noout -subject -nameopt sep_comma_plus,space_eq | sed 's/.*CN = //')

visit() {  # TLS-FLAG PORT NAME [CLIENT-SIGALGS]
  local log=$work/$3-server.log
  : >"$PINENTRY_LOG"
  rm -f "$PINENTRY_LOG.count"
  local sigalgs=()
  [[ -n ${4:-} ]] && sigalgs=(-client_sigalgs "$4")
  openssl s_server "$1" -Verify 1 -verify_return_error -CAfile "$JPKI_SIM_STATE/ca/auth-ca.pem" "${sigalgs[@]}" \
    -cert srv.pem -key srv.key -accept "127.0.0.1:$2" -www >"$log" 2>&1 &
  srv=$!
  for _ in $(seq 1 50); do grep -q ACCEPT "$log" && break; sleep 0.1; done
  # The auth token's PIN; a prompt for anything else is cancelled (and fails the test below).
  export PINENTRY_ANSWERS="$JPKI_AUTH_PIN CANCEL CANCEL CANCEL"
  if [[ -z ${DISPLAY:-} ]]; then
    timeout 90 firefox-esr --headless --no-remote --profile "$work/profile-$3" --screenshot "$work/$3.png" \
      "https://127.0.0.1:$2/" >"$work/$3-firefox.txt" 2>&1 || { cat "$work/$3-firefox.txt"; fail "$3: firefox-esr failed"; }
  else
    # Open the site a moment after start, as a person would: a navigation in
    # Firefox's first second can run before the policy has loaded the module.
    printf '<meta http-equiv="refresh" content="3;url=https://127.0.0.1:%s/">' "$2" >"$work/$3-start.html"
    firefox-esr --no-remote --profile "$work/profile-$3" "file://$work/$3-start.html" >"$work/$3-firefox.txt" 2>&1 &
    local ff=$!
    for _ in $(seq 1 120); do grep -q "depth=0\|peer did not return a certificate" "$log" && break; sleep 0.5; done
    kill "$ff" 2>/dev/null || true; wait "$ff" 2>/dev/null || true
  fi
  kill "$srv" 2>/dev/null || true; wait "$srv" 2>/dev/null || true; srv=""
  if [[ ${EXPECT:-login} == no-certificate ]]; then
    grep -q "peer did not return a certificate" "$log" || { cat "$log" "$work/$3-firefox.txt"; fail "$3: expected the server to get no certificate"; }
    return
  fi
  grep -q "depth=0 .*CN = $cn" "$log" || { cat "$log" "$work/$3-firefox.txt"; fail "$3: the server did not see the card's certificate"; }
  grep -q "User authentication certificate" "$PINENTRY_LOG" || { cat "$PINENTRY_LOG"; fail "$3: no pinentry prompt for the auth PIN"; }
  # The browser default (tokens = auth): Firefox never asks for the signing password.
  [[ $(grep -c "^GETPIN" "$PINENTRY_LOG") -eq 1 ]] || { cat "$PINENTRY_LOG"; fail "$3: expected exactly one PIN prompt"; }
  ! grep -q "Digital signature certificate" "$PINENTRY_LOG" || { cat "$PINENTRY_LOG"; fail "$3: Firefox was shown the signing token"; }
  [[ -n ${DISPLAY:-} || -s $work/$3.png ]] || fail "$3: no page rendered"
}

mkdir "$work/profile-tls12" "$work/profile-tls13" "$work/profile-window"
visit -tls1_2 4443 tls12  # OpenSSL's default signature algorithms, as real servers offer
echo "PASS: Firefox ESR (policies.json, protected-path PIN, automatic certificate) logged in to a TLS 1.2 site with the card (server saw CN=$cn)"

# As a person sees it: Firefox in a window shows its "Protected Authentication"
# notice while the pinentry asks; the holder types the PIN a few seconds later
# and the page loads. (Headless Firefox shows no notice. A PIN back within about
# a second, faster than a person types, leaves that notice waiting for good:
# Firefox misses the login's end.)
Xvfb :79 -screen 0 1280x900x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb=$!
for _ in $(seq 1 50); do DISPLAY=:79 xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
DISPLAY=:79 PINENTRY_WAIT_WINDOW="Protected Authentication" PINENTRY_DELAY=3 visit -tls1_2 4445 window
echo "PASS: Firefox ESR in a window: Protected Authentication notice, PIN through pinentry, server saw CN=$cn"
# TLS 1.3 with rsa_pss off (the default): no certificate goes out, the site refuses
# (Firefox shows SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT, as the README says), nothing is signed.
signs=$(grep -c "^C: 80 2A" "$JPKI_SIM_LOG" || true)
mkdir "$work/profile-tls13off"
DISPLAY=:79 PINENTRY_WAIT_WINDOW="Protected Authentication" PINENTRY_DELAY=3 JPKI_PKCS11_RSA_PSS=off EXPECT=no-certificate \
  visit -tls1_3 4446 tls13off "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512"
[[ $(grep -c "^C: 80 2A" "$JPKI_SIM_LOG" || true) -eq $signs ]] || fail "TLS 1.3, rsa_pss off: the card was asked to sign"
kill "$xvfb" 2>/dev/null || true; wait "$xvfb" 2>/dev/null || true
echo "PASS: Firefox ESR against a TLS 1.3-only site with rsa_pss off: no certificate sent, as documented"
JPKI_PKCS11_RSA_PSS=on visit -tls1_3 4444 tls13 "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512"
grep -q "^C: 80 2A 04 80" "$JPKI_SIM_LOG" || fail "TLS 1.3: the card was not asked for a PSS signature"
echo "PASS: Firefox ESR logged in to a TLS 1.3-only site with rsa_pss on (card-side RSA-PSS)"
"$JPKI_SIM_BIN" state --state "$JPKI_SIM_STATE" | grep -q '"auth_tries_left": 3, "sign_tries_left": 5' ||
  fail "a PIN try was spent"
