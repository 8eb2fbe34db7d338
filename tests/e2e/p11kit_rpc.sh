#!/usr/bin/env bash
# p11-kit RPC, the way into Flatpak and snap sandboxes: `p11-kit server` on the host loads the
# module (OpenSC's pkcs11-spy in between logs every call the module gets) and serves its tokens
# on a unix socket; the sandbox side loads p11-kit-client.so (P11_KIT_SERVER_ADDRESS) or
# registers the socket as a p11-kit module (`remote: unix:path=...`, read by p11-kit-proxy).
#  1. all tokens: both listed; the auth certificate read, a SHA256-RSA-PKCS signature with the
#     auth key made and verified by OpenSSL; the signing key signs after its context-specific
#     login, which crosses the RPC as C_SignInit -> C_Login(CKU_CONTEXT_SPECIFIC) -> C_Sign, all
#     CKR_OK (spy log); the same socket as a `remote:` .module through p11-kit-proxy signs too;
#  2. only the auth token served (URI token=...): the client sees no signing token; with the
#     module's pinentry setting on the server, the client logs in without a PIN (protected
#     authentication path) and the host-side pinentry is asked once; the running server follows
#     the card's removal and re-insertion.
# No PIN try is spent.
set -euo pipefail
mod=${JPKI_PKCS11_MODULE:?}
libdir=$(pkg-config --variable=p11_module_path p11-kit-1)
configs=$(pkg-config --variable=p11_module_configs p11-kit-1)
client=$libdir/p11-kit-client.so
spy=$libdir/pkcs11-spy.so
proxy=$(pkg-config --variable=proxy_module p11-kit-1)
pinentry=$(cd "$(dirname "$0")/../pkcs11" && pwd)/scripted-pinentry.sh
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d)
sock=$work/run/jpki-pkcs11/pkcs11
mkdir -p "$(dirname "$sock")"
server_pid=""
stop_server() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; umount "$configs" 2>/dev/null || true; rm -rf "$work"' EXIT

start_server() {  # start_server URI [VAR=VALUE...]: p11-kit server in the foreground, spy before the module
  local uri=$1
  shift
  rm -f "$sock"
  env "$@" PKCS11SPY="$mod" PKCS11SPY_OUTPUT="$work/spy.log" \
    p11-kit server -f --provider "$spy" -n "$sock" "$uri" >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  for _ in $(seq 1 100); do
    [[ -S $sock ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  cat "$work/server.out" "$work/server.err"
  fail "p11-kit server did not open $sock"
}
rpc() { P11_KIT_SERVER_ADDRESS="unix:path=$sock" pkcs11-tool --module "$client" "$@" </dev/null; }
der() { openssl x509 -in "$1" -outform DER; }
verify() {  # verify CERT_DER SIG DOC
  openssl dgst -sha256 -verify <(openssl x509 -inform DER -in "$1" -pubkey -noout) -signature "$2" "$3" >/dev/null
}
# The spy log as one line per call: "C_Login CKU_CONTEXT_SPECIFIC CKR_OK", "C_Sign CKR_OK", ...
calls() {
  awk '/^[0-9]+: C_/ { if (fn != "") print fn, ut, rv; fn = $2; ut = ""; rv = "" }
       /^\[in\] userType = / { ut = $4 " " }
       /^Returned: / { rv = $3 }
       END { if (fn != "") print fn, ut, rv }' "$@" | sed 's/  */ /g'
}
printf 'a document signed through p11-kit RPC\n' >"$work/doc.txt"

# 1. Every token.
start_server "pkcs11:"
rpc -L >"$work/list.txt" 2>&1 || { cat "$work/list.txt"; fail "listing through p11-kit-client.so"; }
grep -q "token label *: JPKI User Authentication" "$work/list.txt" && grep -q "token label *: JPKI Digital Signature" "$work/list.txt" ||
  { cat "$work/list.txt"; fail "not both tokens through RPC"; }

rpc --token-label "JPKI User Authentication" --read-object --type cert --id 01 -o "$work/auth.der" >/dev/null 2>&1 ||
  fail "reading the auth certificate through RPC"
cmp -s "$work/auth.der" <(der "$JPKI_SIM_STATE/ca/auth.pem") || fail "the auth certificate read through RPC is not the card's"
rpc --token-label "JPKI User Authentication" --login --pin "$JPKI_AUTH_PIN" --sign --id 01 -m SHA256-RSA-PKCS \
  -i "$work/doc.txt" -o "$work/auth.sig" >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; fail "auth signature through RPC"; }
verify "$work/auth.der" "$work/auth.sig" "$work/doc.txt" || fail "the auth signature made through RPC does not verify"

before=$(wc -l <"$work/spy.log")
rpc --token-label "JPKI Digital Signature" --login --pin "$JPKI_SIGN_PIN" --sign --id 02 -m SHA256-RSA-PKCS \
  -i "$work/doc.txt" -o "$work/sign.sig" >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; fail "signing-key signature through RPC"; }
tail -n +"$((before + 1))" "$work/spy.log" >"$work/spy-sign.log"
grep -q 'CKA_ALWAYS_AUTHENTICATE  *True' "$work/spy-sign.log" || fail "the client did not read CKA_ALWAYS_AUTHENTICATE = TRUE through RPC"
calls "$work/spy-sign.log" | grep -E '^C_(Login|SignInit|Sign) ' >"$work/sign-calls.txt"
expected=$'C_Login CKU_USER CKR_OK\nC_SignInit CKR_OK\nC_Login CKU_CONTEXT_SPECIFIC CKR_OK\nC_Sign CKR_OK'
[[ $(cat "$work/sign-calls.txt") == "$expected" ]] ||
  { echo "module got:"; cat "$work/sign-calls.txt"; fail "not the context-specific login sequence"; }
rpc --token-label "JPKI Digital Signature" --login --pin "$JPKI_SIGN_PIN" --read-object --type cert --id 02 \
  -o "$work/sign.der" >/dev/null 2>&1 || fail "reading the signing certificate through RPC"
cmp -s "$work/sign.der" <(der "$JPKI_SIM_STATE/ca/sign.pem") || fail "the signing certificate read through RPC is not the card's"
verify "$work/sign.der" "$work/sign.sig" "$work/doc.txt" || fail "the signing-key signature made through RPC does not verify"

# The socket as a p11-kit module of its own (the only .module here): p11-kit-proxy signs through it.
mkdir -p "$work/modules"
printf 'remote: unix:path=%s\n' "$sock" >"$work/modules/jpki-remote.module"
mount --bind "$work/modules" "$configs" || fail "cannot bind-mount over $configs (run inside the test bed)"
p11-kit list-modules >"$work/modules.txt" 2>&1 || { cat "$work/modules.txt"; fail "p11-kit list-modules"; }
grep -q '^jpki-remote:' "$work/modules.txt" && grep -q 'token: JPKI User Authentication' "$work/modules.txt" ||
  { cat "$work/modules.txt"; fail "p11-kit does not list the tokens behind remote: unix:path="; }
pkcs11-tool --module "$proxy" --token-label "JPKI User Authentication" --login --pin "$JPKI_AUTH_PIN" --sign --id 01 \
  -m SHA256-RSA-PKCS -i "$work/doc.txt" -o "$work/proxy.sig" </dev/null >"$work/out.txt" 2>&1 ||
  { cat "$work/out.txt"; fail "signature through p11-kit-proxy and the remote module"; }
verify "$work/auth.der" "$work/proxy.sig" "$work/doc.txt" || fail "the signature through the remote module does not verify"
umount "$configs"
stop_server

# 2. Only the auth token, PIN entry on the host (protected authentication path).
start_server "pkcs11:token=JPKI%20User%20Authentication" JPKI_PKCS11_PINENTRY="$pinentry" \
  PINENTRY_LOG="$work/pinentry.log" PINENTRY_ANSWERS="$JPKI_AUTH_PIN"
rpc -L >"$work/list.txt" 2>&1 || { cat "$work/list.txt"; fail "listing the auth token only"; }
grep -q "token label *: JPKI User Authentication" "$work/list.txt" || { cat "$work/list.txt"; fail "no auth token"; }
! grep -q "JPKI Digital Signature" "$work/list.txt" || { cat "$work/list.txt"; fail "the signing token is served although the URI names the auth token"; }
grep -q "PIN pad present" "$work/list.txt" || { cat "$work/list.txt"; fail "no protected authentication path through RPC"; }
rpc --token-label "JPKI User Authentication" --login --sign --id 01 -m SHA256-RSA-PKCS -i "$work/doc.txt" \
  -o "$work/pinentry.sig" >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; fail "login through the host's pinentry"; }
verify "$work/auth.der" "$work/pinentry.sig" "$work/doc.txt" || fail "the signature after the pinentry login does not verify"
(($(grep -c '^GETPIN' "$work/pinentry.log") == 1)) || { cat "$work/pinentry.log"; fail "the host's pinentry was not asked exactly once"; }
# The long-running server follows the card: out, then back in.
"$JPKI_SIM_BIN" ctl --control "$JPKI_SIM_CONTROL" remove >/dev/null
sleep 0.5
rpc -L >"$work/list.txt" 2>&1 || true
! grep -q "token label *: JPKI User Authentication" "$work/list.txt" || { cat "$work/list.txt"; fail "token still listed after removal"; }
"$JPKI_SIM_BIN" ctl --control "$JPKI_SIM_CONTROL" insert >/dev/null
for _ in $(seq 1 40); do
  rpc -L >"$work/list.txt" 2>&1 && grep -q "token label *: JPKI User Authentication" "$work/list.txt" && break
  sleep 0.25
done
grep -q "token label *: JPKI User Authentication" "$work/list.txt" || { cat "$work/list.txt"; fail "token not back after re-insertion"; }
stop_server

state=$("$JPKI_SIM_BIN" state --state "$JPKI_SIM_STATE")
grep -Eq '"auth_tries_left": *3' <<<"$state" && grep -Eq '"sign_tries_left": *5' <<<"$state" ||
  { echo "$state"; fail "a PIN try was spent"; }
echo "PASS: p11-kit server + p11-kit-client.so: list, auth and signing-key signatures (context login crosses RPC), remote: module via p11-kit-proxy, auth-only URI, host pinentry"
