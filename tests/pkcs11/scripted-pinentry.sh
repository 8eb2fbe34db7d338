#!/usr/bin/env bash
# A pinentry for tests: speaks the Assuan pinentry protocol on stdin/stdout,
# writes every command it gets to $PINENTRY_LOG, and answers GETPIN with the
# next word of $PINENTRY_ANSWERS ("CANCEL" cancels). The PINs it hands out are
# never written to the log.
set -u
answers=(${PINENTRY_ANSWERS:-})
count_file=${PINENTRY_LOG:?}.count
n=$(cat "$count_file" 2>/dev/null || echo 0)
echo "OK Pleased to meet you"
while IFS= read -r line; do
  echo "$line" >>"$PINENTRY_LOG"
  case $line in
    GETPIN)
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
