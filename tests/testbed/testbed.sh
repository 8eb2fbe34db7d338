#!/usr/bin/env bash
# The test bed: a private pcscd whose only reader (vsmartcard vpcd) holds the
# virtual My Number Card, and a command run against it.
#
#   testbed.sh run [--sim PATH] [--state DIR | --template DIR | --fresh] [--sim-args "ARGS"]
#                  [--keep-state] [--shared] -- CMD ARGS...
#
# By default everything runs in a private mount + network namespace
# (unshare -mn): /run/pcscd is a private tmpfs and loopback is private, so a
# real pcscd and any real card on this machine stay out of reach, and several
# test beds can run at once. --shared uses the machine's /run/pcscd instead and
# refuses when another pcscd owns it.
#
# CMD gets: JPKI_SIM_BIN, JPKI_SIM_STATE, JPKI_SIM_LOG, JPKI_SIM_CONTROL,
# JPKI_AUTH_PIN, JPKI_SIGN_PIN, JPKI_TESTBED_READER, and JPKI_PCSCD_RESTART: a
# command that stops this pcscd and starts it again with the same arguments,
# returning once the virtual card is back. The exit status is CMD's.
# Only the processes this script started are stopped (by PID).
set -euo pipefail

usage() { sed -n '2,15p' "$0" >&2; exit 64; }
die() { echo "testbed: $*" >&2; exit 69; }

[[ ${1:-} == run ]] || usage
shift
sim=${JPKI_SIM_BIN:-}
state=""
template=""
fresh=0
sim_args=""
shared=0
inside=0
keep=0
while (($#)); do
  case $1 in
    --sim) sim=$2; shift 2 ;;
    --state) state=$2; shift 2 ;;
    --template) template=$2; shift 2 ;;
    --fresh) fresh=1; shift ;;
    --sim-args) sim_args=$2; shift 2 ;;
    --shared) shared=1; shift ;;
    --keep-state) keep=1; shift ;;
    --inside-namespace) inside=1; shift ;;
    --) shift; break ;;
    *) usage ;;
  esac
done
(($#)) || usage
[[ -n $sim && -x $sim ]] || die "no jpki-sim binary (use --sim PATH or JPKI_SIM_BIN)"
sim=$(realpath "$sim")

# Re-enter ourselves inside private namespaces.
if ((shared == 0 && inside == 0)); then
  self=$(realpath "$0")
  args=(run --sim "$sim" --inside-namespace --sim-args "$sim_args")
  [[ -n $state ]] && args+=(--state "$state")
  [[ -n $template ]] && args+=(--template "$template")
  ((fresh)) && args+=(--fresh)
  ((keep)) && args+=(--keep-state)
  command -v unshare >/dev/null || die "unshare (util-linux) is missing"
  exec unshare --mount --net --propagation private -- "$self" "${args[@]}" -- "$@"
fi

work=$(mktemp -d /tmp/jpki-testbed.XXXXXX)
pids=()
cleanup() {
  local rc=$?
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  # A pcscd started again by JPKI_PCSCD_RESTART is not our child: stopped by the PID it left.
  if [[ -f $work/pcscd.pid ]] && [[ $(cat "$work/pcscd.pid") != "${pids[0]:-}" ]]; then
    kill "$(cat "$work/pcscd.pid")" 2>/dev/null || true
  fi
  if ((keep)); then echo "testbed: kept $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ((shared == 0)); then
  mount -t tmpfs -o mode=0755 tmpfs /run/pcscd 2>/dev/null || {
    mkdir -p /run/pcscd && mount -t tmpfs -o mode=0755 tmpfs /run/pcscd
  } || die "cannot mount a private /run/pcscd (need root / CAP_SYS_ADMIN)"
  ip link set lo up || die "cannot bring up loopback in the private namespace"
else
  if [[ -S /run/pcscd/pcscd.comm ]] && pgrep -x pcscd >/dev/null; then
    die "another pcscd already owns /run/pcscd/pcscd.comm; stop it or run without --shared"
  fi
fi

# The card.
if [[ -z $state ]]; then
  state=$work/card
  if [[ -n $template ]]; then
    cp -a "$template" "$state"
  elif ((fresh)) || true; then
    "$sim" init --state "$state" >/dev/null
  fi
fi
log=$work/apdu.log
control=$work/sim.sock
: >"$log"

# pcscd with only the vpcd reader.
mkdir -p "$work/reader.conf.d"
cat >"$work/reader.conf.d/vpcd" <<EOF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:0x8C7B
LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
CHANNELID    0x8C7B
EOF
pcscd --foreground --config "$work/reader.conf.d" >"$work/pcscd.log" 2>&1 &
pids+=($!)
echo $! >"$work/pcscd.pid"
cat >"$work/restart-pcscd" <<EOF
#!/usr/bin/env bash
# Stops the test bed's pcscd, starts it again with the same arguments, waits for the card.
set -euo pipefail
old=\$(cat "$work/pcscd.pid")
kill "\$old" 2>/dev/null || true
for _ in \$(seq 1 200); do  # gone, or a zombie its parent has not reaped yet
  [[ -e /proc/\$old ]] && ! grep -q ') Z ' "/proc/\$old/stat" 2>/dev/null || break
  sleep 0.05
done
pcscd --foreground --config "$work/reader.conf.d" >>"$work/pcscd.log" 2>&1 </dev/null &
echo \$! >"$work/pcscd.pid"
for _ in \$(seq 1 200); do
  "$sim" probe >/dev/null 2>&1 && exit 0
  sleep 0.05
done
echo "restart-pcscd: the virtual card did not come back" >&2
exit 1
EOF
chmod +x "$work/restart-pcscd"

# shellcheck disable=SC2086
"$sim" serve --state "$state" --log "$log" --control "$control" $sim_args >"$work/sim.out" 2>&1 &
pids+=($!)

# Wait until pcscd sees the card.
for _ in $(seq 1 100); do
  if grep -q '^# inserted' "$log" 2>/dev/null && [[ -S /run/pcscd/pcscd.comm ]] &&
     "$sim" probe >/dev/null 2>&1; then
    break
  fi
  sleep 0.05
done
"$sim" probe >/dev/null 2>&1 || {
  cat "$work/pcscd.log" "$work/sim.out" >&2
  die "the virtual card did not show up in pcscd"
}

export JPKI_SIM_BIN=$sim JPKI_SIM_STATE=$state JPKI_SIM_LOG=$log JPKI_SIM_CONTROL=$control
export JPKI_AUTH_PIN=${JPKI_AUTH_PIN:-1234} JPKI_SIGN_PIN=${JPKI_SIGN_PIN:-ABCDEF12}
export JPKI_TESTBED_READER="Virtual PCD 00 00"
export JPKI_PCSCD_RESTART=$work/restart-pcscd
set +e
"$@"
rc=$?
set -e
exit $rc
