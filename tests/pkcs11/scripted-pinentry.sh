#!/usr/bin/env bash
# A pinentry for tests: speaks the Assuan pinentry protocol on stdin/stdout,
# writes every command it gets to $PINENTRY_LOG, and answers GETPIN with the
# next word of $PINENTRY_ANSWERS ("CANCEL" cancels), after $PINENTRY_DELAY
# seconds if set (a person typing), and once a visible window named
# $PINENTRY_WAIT_WINDOW exists if set (the application's notice that a PIN is
# being asked for). The PINs it hands out are never written to the log.
# A broken pinentry: $PINENTRY_GREETING_DELAY seconds before the greeting (a
# hang), or PINENTRY_GREETING=ERR (it refuses to start).
set -u
read -r -a answers <<<"${PINENTRY_ANSWERS:-}"
count_file=${PINENTRY_LOG:?}.count
n=$(cat "$count_file" 2>/dev/null || echo 0)
# Waits that end with the script when the module stops it (SIGTERM), so no
# orphaned sleep keeps the test's output open.
pause() { sleep "$1" & wait $!; }
trap 'kill $! 2>/dev/null; exit 143' TERM
pause "${PINENTRY_GREETING_DELAY:-0}"
if [[ ${PINENTRY_GREETING:-} == ERR ]]; then
  echo "ERR 83886081 not today <Pinentry>"
  exit 0
fi
echo "OK Pleased to meet you"
while IFS= read -r line; do
  echo "$line" >>"$PINENTRY_LOG"
  case $line in
    GETPIN)
      if [[ -n ${PINENTRY_WAIT_WINDOW:-} ]]; then
        for _ in $(seq 1 150); do
          xdotool search --onlyvisible --name "$PINENTRY_WAIT_WINDOW" >/dev/null 2>&1 && break
          sleep 0.2
        done
      fi
      pause "${PINENTRY_DELAY:-0}"
      a=${answers[$n]:-CANCEL}
      n=$((n + 1))
      echo "$n" >"$count_file"
      if [[ $a == CANCEL ]]; then
        echo "ERR 83886179 Operation cancelled <Pinentry>" 2>/dev/null
      else
        echo "D $a"
        echo "OK"
      fi
      ;;
    BYE) echo "OK closing connection" 2>/dev/null; exit 0 ;;
    *) echo "OK" ;;
  esac
done
