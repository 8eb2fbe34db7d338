#!/usr/bin/env bash
# Installs what is missing, builds, and shows the module at work on the virtual
# My Number Card behind a real pcscd: list tokens, sign with the auth key, verify.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${JPKI_BUILD_DIR:-$top/build}
"$top/scripts/install-deps.sh" build testbed demo   # not the browsers, Java, packaging or fuzzing lists
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target jpki-pkcs11 jpki-sim
exec "$top/tests/testbed/testbed.sh" run --sim "$build/src/sim/jpki-sim" --fresh -- \
  env JPKI_PKCS11_MODULE="$build/src/pkcs11/jpki-pkcs11.so" "$top/scripts/demo-steps.sh"
