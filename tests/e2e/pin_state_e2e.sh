#!/usr/bin/env bash
# What stays verified on the card once a program is done with it, ended or
# killed (README: "What stays verified on the card, and for how long"), as a
# rogue PC/SC client sees it: it asks the card for a signature with no PIN
# (tests/support/pcsc_rogue). Unless said otherwise the rogue connects before
# the program runs and keeps the card open, as a program lying in wait would:
# pcscd then never powers the card down by itself.
#
#   pin_state_e2e.sh PKCS11_BLACKBOX_TEST PCSC_ROGUE [after-exit | mid-signature]
#
# mid-signature needs a slow card (jpki-sim --sign-delay-ms 2000).
set -euo pipefail
mod=${JPKI_PKCS11_MODULE:?}
client=${1:?path to pkcs11_blackbox_test}
rogue=${2:?path to pcsc_rogue}
mode=${3:-after-exit}
work=$(mktemp -d)
holder_pid=""
trap '[[ -n $holder_pid ]] && kill -9 "$holder_pid" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
p11() { pkcs11-tool --module "$mod" "$@" >/dev/null; }
auth=(--token-label "JPKI User Authentication")
sign=(--token-label "JPKI Digital Signature")
echo "a document" >"$work/doc"

# rogue_after KEY CMD...: the rogue connects, CMD runs, then the rogue asks.
# Sets $verdict to "signed" or "refused".
rogue_after() {
  local key=$1 line rc=0
  shift
  coproc ROGUE { "$rogue" "$key" --reader "$JPKI_TESTBED_READER" --hold; }
  local pid=$ROGUE_PID in=${ROGUE[0]} out=${ROGUE[1]}
  read -r line <&"$in" || fail "rogue did not connect"
  [[ $line == connected ]] || fail "rogue: $line"
  "$@"
  echo go >&"$out"
  read -r line <&"$in" || line="(no answer)"
  wait "$pid" || rc=$?
  echo "   rogue, $key key: $line"
  case $rc in
    0) verdict=signed ;;
    1) verdict=refused ;;
    *) fail "rogue ($key) exit status $rc" ;;
  esac
}

# A holder's program (the black-box suite's Holder test): logs in, signs once,
# then waits or leaves (JPKI_HOLDER_THEN). Returns once it has signed.
holders=0
start_holder() {
  local key=$1 then=$2
  holders=$((holders + 1))
  holder_log=$work/holder$holders.log  # its own: the last one's "signed" must not count
  JPKI_HOLDER_KEY=$key JPKI_HOLDER_THEN=$then "$client" --gtest_filter=Holder.SignsThenWaitsOrExits \
    >"$holder_log" 2>&1 &
  holder_pid=$!
}
wait_signed() {
  for _ in $(seq 1 200); do
    grep -qx signed "$holder_log" 2>/dev/null && return 0
    kill -0 "$holder_pid" 2>/dev/null || break
    sleep 0.05
  done
  cat "$holder_log" >&2
  fail "the holder did not sign"
}
kill_holder() {
  kill -9 "$holder_pid"
  wait "$holder_pid" 2>/dev/null || true
  holder_pid=""
}
holder_signs_and_is_killed() {
  start_holder "$1" wait
  wait_signed
  kill_holder
}
holder_signs_and_exits() {
  start_holder "$1" exit
  wait_signed
  wait "$holder_pid" || { cat "$holder_log" >&2; fail "the holder failed"; }
  holder_pid=""
}
failures=0
expect() {
  if [[ $verdict == "$1" ]]; then
    echo "ok: $2"
  else
    echo "FAIL: $2: the rogue's signature request was $verdict, expected $1" >&2
    failures=$((failures + 1))
  fi
}

# Killed while the card computes its signature, inside a PC/SC transaction.
holder_killed_mid_signature() {
  local before
  before=$(grep -c '^C: 80 2A' "$JPKI_SIM_LOG" || true)
  start_holder auth wait
  for _ in $(seq 1 200); do
    (($(grep -c '^C: 80 2A' "$JPKI_SIM_LOG" || true) > before)) && break
    sleep 0.05
  done
  kill_holder
}

if [[ $mode == mid-signature ]]; then
  # pcscd resets the card when a client vanishes inside its transaction.
  rogue_after auth holder_killed_mid_signature
  expect refused "authentication key, program killed while the card was signing"
  ((failures == 0)) || exit 1
  echo "PASS: pin state, killed mid-signature"
  exit 0
fi

echo "== programs that end normally"
rogue_after sign p11 "${sign[@]}" --login --pin "$JPKI_SIGN_PIN" --sign --id 02 -m SHA256-RSA-PKCS \
  -i "$work/doc" -o "$work/sig"
expect refused "signing key, after pkcs11-tool --login --sign"
rogue_after auth p11 "${auth[@]}" --login --pin "$JPKI_AUTH_PIN" --sign --id 01 -m SHA256-RSA-PKCS \
  -i "$work/doc" -o "$work/sig"
expect refused "authentication key, after pkcs11-tool --login --sign"

echo "== programs that leave with exit() and no C_Finalize, sessions still open"
rogue_after auth holder_signs_and_exits auth
expect refused "authentication key, after exit without C_Finalize"
export JPKI_PKCS11_SIGN_ALWAYS_AUTH=off
rogue_after sign holder_signs_and_exits sign
unset JPKI_PKCS11_SIGN_ALWAYS_AUTH
expect refused "signing key with sign_always_authenticate=off, after exit without C_Finalize"

echo "== programs killed (kill -9) between two calls"
rogue_after sign holder_signs_and_is_killed sign
expect refused "signing key, program killed after its signature"
rogue_after auth holder_signs_and_is_killed auth
# What does not hold (README): pcscd resets the card only when the vanished
# client was inside a transaction; between calls it leaves the card as it is,
# and a program that keeps the card open can then use the authentication key.
expect signed "authentication key, program killed between calls, another program keeping the card open"
# With no program keeping the card open, pcscd powers an unused card down
# (pcsc-lite's grace period, under a second for this reader), which clears it.
holder_signs_and_is_killed auth
resets=$(grep -c '^# reset' "$JPKI_SIM_LOG" || true)
for _ in $(seq 1 100); do
  (($(grep -c '^# reset' "$JPKI_SIM_LOG" || true) > resets)) && break
  sleep 0.05
done
rc=0
"$rogue" auth --reader "$JPKI_TESTBED_READER" || rc=$?
((rc < 2)) || fail "rogue exit status $rc"
verdict=$([[ $rc == 0 ]] && echo signed || echo refused)
expect refused "authentication key, program killed between calls, card then unused: pcscd powers it down"
((failures == 0)) || exit 1
echo "PASS: pin state after programs end or die"
