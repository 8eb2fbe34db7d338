#!/usr/bin/env bash
# Benchmark: the same operations through jpki-pkcs11.so and OpenSC's
# opensc-pkcs11.so on the same virtual card behind a real pcscd, twice: with
# no card latency and with a contact-card latency profile. Prints the tables.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${JPKI_BUILD_DIR:-$top/build-bench}
"$top/scripts/install-deps.sh"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DJPKI_BUILD_BENCHMARKS=ON -DJPKI_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target jpki-pkcs11 jpki-sim jpki-bench >/dev/null
opensc=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
# Contact card profile (README): 8 ms per APDU, 90 us per byte (T=1 at ~115 kbit/s), 350 ms per RSA-2048 signature.
profiles=("no latency|" "contact card|--apdu-delay-ms 8 --byte-delay-us 90 --sign-delay-ms 350")
for p in "${profiles[@]}"; do
  name=${p%%|*}
  args=${p#*|}
  reps=5
  rss=${JPKI_BENCH_RSS_SIGNATURES:-1000}
  # With latency every signature costs ~0.4 s: keep that run short.
  [[ -n $args ]] && { reps=3; rss=0; }
  echo "### Card latency: $name"
  "$top/tests/testbed/testbed.sh" run --sim "$build/src/sim/jpki-sim" --fresh --sim-args "$args" -- \
    "$build/benchmarks/jpki-bench" --module "jpki-pkcs11=$build/src/pkcs11/jpki-pkcs11.so" \
    --module "opensc=$opensc" --reps "$reps" --rss-signatures "$rss"
  echo
done
