#!/usr/bin/env bash
# `jpki-sim serve --variant SPEC` exits non-zero, before it needs anything else, with
# a message naming what it does not know.
#   serve_refuses_bad_variant.sh JPKI_SIM
set -uo pipefail
sim=$1
fail=0
refuses() {  # SPEC EXPECTED-MESSAGE [more serve args]
  local spec=$1 want=$2 out rc
  shift 2
  out=$("$sim" serve --variant "$spec" "$@" 2>&1)
  rc=$?
  if ((rc == 0)) || [[ $out != *"$want"* ]]; then
    echo "FAIL: --variant '$spec' $*: rc=$rc, output: $out" >&2
    fail=1
  fi
}
refuses "bad=1" "unknown key 'bad'"
refuses "eof=6283" "eof=6283: unknown value"
refuses "max-le=300" "max-le=300"
refuses "token-info=32,eof" "'eof' is not key=value"
refuses "ext=truncate" "ext given twice" --no-extended
refuses "atr=3BE000FF8131FE4514" "atr given twice" --atr 3B88800100000541E0B381A1007F
exit $fail
