#!/usr/bin/env bash
# Fixture for the package tests: builds the .deb with scripts/package.sh into OUT_DIR and
# writes its path to OUT_DIR/deb-path.txt. Fails if the name is not jpki-pkcs11_<version>_<arch>.deb.
#   build_deb.sh OUT_DIR VERSION
set -euo pipefail
out=$1 version=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
rm -f "$out/deb-path.txt"
start=$(date +%s)
deb=$("$top/scripts/package.sh" "$out" | tail -n 1)
want=jpki-pkcs11_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).deb
[[ $(basename "$deb") == "$want" && -f $deb ]] || { echo "FAIL: package.sh's last line is '$deb', not .../$want" >&2; exit 1; }
echo "$deb" >"$out/deb-path.txt"
echo "PASS: $deb in $(($(date +%s) - start)) s"
