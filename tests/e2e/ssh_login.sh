#!/usr/bin/env bash
# SSH with the card's authentication key:
#  - `jpki-tool ssh-key` prints one authorized_keys line whose key is the one ssh-keygen makes
#    from the card's auth certificate, and which `ssh-keygen -D` lists among the module's keys
#    (beside the two CA certificates' keys: OpenSSH lists every certificate's key);
#  - an sshd on 127.0.0.1 (the test bed's private network namespace: loopback only) lets root
#    in with that line, through `ssh -o PKCS11Provider=<module>`, once with rsa-sha2-256 and
#    once with rsa-sha2-512 (asserted in sshd's log), the PIN fed by SSH_ASKPASS;
#  - the askpass is asked once per login, for the auth token only; with the module's pinentry
#    setting (protected authentication path) ssh asks nothing and the pinentry is asked once;
#  - no PIN try is spent.
#   ssh_login.sh JPKI_TOOL      (JPKI_PKCS11_MODULE: the module)
set -euo pipefail
tool=$1
mod=${JPKI_PKCS11_MODULE:?}
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d)
sshd_pid=""
made_privsep_dir=0
cleanup() {
  [[ -n $sshd_pid ]] && kill "$sshd_pid" 2>/dev/null && wait "$sshd_pid" 2>/dev/null
  ((made_privsep_dir)) && rmdir /run/sshd 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# 1. The authorized_keys line.
"$tool" ssh-key >"$work/authorized_keys" || fail "jpki-tool ssh-key exit status $?"
(($(wc -l <"$work/authorized_keys") == 1)) || { cat "$work/authorized_keys"; fail "not exactly one line"; }
grep -Eqx 'ssh-rsa AAAA[A-Za-z0-9+/]+=* My Number Card \(JPKI user authentication, expires [0-9]{4}-[0-9]{2}-[0-9]{2}\)' \
  "$work/authorized_keys" || { cat "$work/authorized_keys"; fail "not an ssh-rsa line with the expected comment"; }
key=$(cut -d' ' -f2 "$work/authorized_keys")
openssl x509 -in "$JPKI_SIM_STATE/ca/auth.pem" -pubkey -noout >"$work/auth.pub"
[[ $(ssh-keygen -i -m PKCS8 -f "$work/auth.pub" | cut -d' ' -f2) == "$key" ]] ||
  fail "jpki-tool's key differs from ssh-keygen's for the card's auth certificate"
expiry=$(openssl x509 -in "$JPKI_SIM_STATE/ca/auth.pem" -noout -enddate | sed 's/^notAfter=//')
[[ $(TZ=Asia/Tokyo date -d "$expiry" +%F) == "$(sed 's/.*expires \(.*\))$/\1/' "$work/authorized_keys")" ]] ||
  fail "the comment's expiry is not the certificate's notAfter (JST date)"

# 2. What ssh-keygen -D lists: the auth key, and the keys of the two CA certificates; never the
#    signing key (its certificate is private until the signing password is given).
ssh-keygen -D "$mod" >"$work/listed.txt" 2>"$work/listed.err" || { cat "$work/listed.err"; fail "ssh-keygen -D"; }
listed=$(cut -d' ' -f2 "$work/listed.txt")
(($(grep -cx "$key" <<<"$listed") == 1)) || { cat "$work/listed.txt"; fail "ssh-keygen -D does not list the auth key once"; }
ca_keys=""
for ca in auth-ca sign-ca; do
  openssl x509 -in "$JPKI_SIM_STATE/ca/$ca.pem" -pubkey -noout >"$work/$ca.pub"
  ca_keys+="$(ssh-keygen -i -m PKCS8 -f "$work/$ca.pub" | cut -d' ' -f2)"$'\n'
done
while read -r k; do
  [[ $k == "$key" ]] || grep -qx "$k" <<<"$ca_keys" || fail "ssh-keygen -D lists a key that is neither the auth key nor a CA's: $k"
done <<<"$listed"
echo "ssh-keygen -D lists $(wc -l <"$work/listed.txt") keys:"
sed 's/ [A-Za-z0-9+/=]\{40,\} / <key> /' "$work/listed.txt"

# 3. sshd on loopback.
if [[ ! -d /run/sshd ]]; then  # sshd's privilege-separation directory (the package's tmpfiles make it)
  mkdir -m 0755 /run/sshd
  made_privsep_dir=1
fi
ssh-keygen -q -t ed25519 -N '' -f "$work/host_ed25519"
port=2222
cat >"$work/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $port
HostKey $work/host_ed25519
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PubkeyAcceptedAlgorithms rsa-sha2-256,rsa-sha2-512
LogLevel DEBUG1
CONF
/usr/sbin/sshd -t -f "$work/sshd_config" || fail "sshd -t refuses the config"
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
sshd_pid=$!
for _ in $(seq 1 100); do
  grep -q "Server listening on 127.0.0.1 port $port" "$work/sshd.log" && break
  kill -0 "$sshd_pid" 2>/dev/null || { cat "$work/sshd.log"; fail "sshd exited"; }
  sleep 0.05
done
grep -q "Server listening on 127.0.0.1 port $port" "$work/sshd.log" || { cat "$work/sshd.log"; fail "sshd does not listen"; }
printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$work/host_ed25519.pub")" >"$work/known_hosts"

# 4. The askpass gives the auth PIN only when asked for the auth token, and logs each prompt.
cat >"$work/askpass" <<'ASK'
#!/bin/sh
printf '%s\n' "$1" >>"$ASKPASS_LOG"
case $1 in *"JPKI User Authentication"*) printf '%s\n' "$JPKI_AUTH_PIN" ;; *) exit 1 ;; esac
ASK
chmod +x "$work/askpass"
mkdir -m 0700 "$work/home"

login() {  # login ALGORITHM [PINENTRY]: ssh in with the card, run `echo ok`
  local alg=$1 pinentry=${2:-} before
  before=$(grep -c 'Accepted publickey' "$work/sshd.log" || true)
  : >"$work/prompts"
  : >"$work/pinentry.log"
  local setting=(-u JPKI_PKCS11_PINENTRY)
  [[ -n $pinentry ]] && setting=(JPKI_PKCS11_PINENTRY="$pinentry" PINENTRY_LOG="$work/pinentry.log"
    PINENTRY_ANSWERS="$JPKI_AUTH_PIN")
  env -u SSH_AUTH_SOCK -u DISPLAY "${setting[@]}" HOME="$work/home" SSH_ASKPASS="$work/askpass" \
    SSH_ASKPASS_REQUIRE=force ASKPASS_LOG="$work/prompts" \
    ssh -F /dev/null -p "$port" -o PKCS11Provider="$mod" -o PubkeyAcceptedAlgorithms="$alg" \
    -o UserKnownHostsFile="$work/known_hosts" -o StrictHostKeyChecking=yes -o PasswordAuthentication=no \
    -o KbdInteractiveAuthentication=no -o ConnectTimeout=20 root@127.0.0.1 'echo ok' \
    </dev/null >"$work/out.txt" 2>"$work/ssh.err" || { cat "$work/ssh.err" "$work/sshd.log"; fail "ssh with $alg"; }
  [[ $(cat "$work/out.txt") == ok ]] || { cat "$work/out.txt" "$work/ssh.err"; fail "ssh with $alg: no ok"; }
  if [[ -z $pinentry ]]; then
    (($(wc -l <"$work/prompts") == 1)) && grep -q "JPKI User Authentication" "$work/prompts" ||
      { cat "$work/prompts"; fail "ssh with $alg: askpass not asked exactly once, for the auth token"; }
  else
    [[ ! -s $work/prompts ]] || { cat "$work/prompts"; fail "ssh asked askpass although the token has a protected path"; }
    (($(grep -c '^GETPIN' "$work/pinentry.log") == 1)) || { cat "$work/pinentry.log"; fail "pinentry not asked exactly once"; }
  fi
  # sshd's log: this login's signature used $alg, with the card's key.
  sleep 0.2
  (($(grep -c 'Accepted publickey for root from 127.0.0.1' "$work/sshd.log") == before + 1)) ||
    { cat "$work/sshd.log"; fail "sshd logged no accepted login for $alg"; }
  grep 'userauth_pubkey: .*pkalg' "$work/sshd.log" | tail -n 1 | grep -q "pkalg $alg " ||
    { grep 'pkalg' "$work/sshd.log"; fail "sshd did not see $alg last"; }
}
login rsa-sha2-256
login rsa-sha2-512
login rsa-sha2-256 "$(cd "$(dirname "$0")/../pkcs11" && pwd)/scripted-pinentry.sh"
fp=$(ssh-keygen -lf "$work/authorized_keys" | cut -d' ' -f2)
(($(grep -c "Accepted publickey for root from 127.0.0.1 .* RSA $fp" "$work/sshd.log") == 3)) ||
  { grep 'Accepted' "$work/sshd.log"; fail "the accepted key is not the card's ($fp)"; }

"$tool" status --json | grep -q '"auth": {"tries_left": 3' || fail "a PIN try was spent"
echo "PASS: jpki-tool ssh-key line; ssh logins with rsa-sha2-256, rsa-sha2-512 and through the pinentry ($fp)"
