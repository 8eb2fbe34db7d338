#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (CTest) through the
# real pcscd and the virtual card. Usage: scripts/test.sh [ctest args...]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${JPKI_BUILD_DIR:-$top/build}
"$top/scripts/install-deps.sh"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJPKI_WERROR=ON >/dev/null
cmake --build "$build" -j "$(nproc)"
(cd "$build" && ctest --output-on-failure -j "$(nproc)" "$@")

# Sanitizers: the whole suite under ASan+UBSan, the threading tests under TSan.
# Tests that load the module into programs built without ASan (pkcs11-tool, p11-kit and
# p11-kit server, NSS tools, openssl, python, curl, Java, Firefox, ssh) only run in the plain
# build above; so do the package tests (the .deb is built with Debian's flags, not with ASan).
uninstrumented_hosts='e2e\.(pkcs11_tool|p11kit_registration|nss_tstclnt|two_processes|pin_state|pin_state_reselect_keeps|pdfsig|ssh_login|p11kit_rpc|signing\..*|browser\..*)|variant\..*\.clients|install\.prefix_contained|package\..*'
if [[ ${JPKI_SKIP_SANITIZERS:-0} != 1 ]]; then
  asan=${build}-asan
  cmake -S "$top" -B "$asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJPKI_SANITIZE=address -DJPKI_WERROR=ON >/dev/null
  cmake --build "$asan" -j "$(nproc)"
  (cd "$asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j "$(nproc)" -E "$uninstrumented_hosts")
  tsan=${build}-tsan
  cmake -S "$top" -B "$tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJPKI_SANITIZE=thread -DJPKI_WERROR=ON >/dev/null
  cmake --build "$tsan" -j "$(nproc)" --target pkcs11_blackbox_test jpki-pkcs11 jpki-sim
  (cd "$tsan" && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -R 'testbed\.make_template_card|pkcs11\.(threads|recovery)')
fi

# Fuzzing: each libFuzzer target for a bounded time over its committed seed corpus.
if [[ ${JPKI_SKIP_FUZZ:-0} != 1 ]]; then
  "$top/scripts/fuzz.sh"
fi
