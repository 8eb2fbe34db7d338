#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for a bounded
# time over its committed seed corpus (tests/fuzz/corpus/<target>). New inputs
# go to a scratch corpus, never into the repository. Fails on any crash, leak,
# timeout or sanitizer report; prints each target's executions.
#   JPKI_FUZZ_SECONDS   seconds per target (default 60)
#   JPKI_FUZZ_TARGETS   which targets (default: all four)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${JPKI_BUILD_DIR:-$top/build}-fuzz
seconds=${JPKI_FUZZ_SECONDS:-60}
targets=${JPKI_FUZZ_TARGETS:-"apdu_response certificate card_driver pkcs11_calls"}
"$top/scripts/install-deps.sh"
CC=clang CXX=clang++ cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJPKI_BUILD_TESTS=OFF \
  -DJPKI_BUILD_FUZZERS=ON -DJPKI_SANITIZE=fuzzer -DJPKI_WERROR=ON >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" -j "$(nproc)" --target $(printf 'fuzz_%s ' $targets)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for t in $targets; do
  mkdir -p "$scratch/$t/corpus" "$scratch/$t/artifacts"
  log="$scratch/$t/log"
  if "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$scratch/$t/artifacts/" "$scratch/$t/corpus" "$top/tests/fuzz/corpus/$t" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    echo "fuzz: $t: ${runs:-?} executions in ${seconds}s, ${cov:-cov: ?}, no crash"
  else
    echo "fuzz: $t FAILED; the end of its log:" >&2
    tail -60 "$log" >&2
    for a in "$scratch/$t/artifacts"/*; do [[ -e $a ]] && echo "fuzz: input that failed (hex): $(od -An -v -tx1 "$a" | tr -d " \n" | head -c 2000)" >&2; done
    status=1
  fi
done
exit $status
