#!/usr/bin/env bash
# lintian finds no error and no warning in the .deb (debian/jpki-pkcs11.lintian-overrides says
# why each overridden tag is wrong), and the control fields say what the package needs.
#   lintian_clean.sh DEB_PATH_FILE
set -euo pipefail
deb=$(cat "$1")
fail() { echo "FAIL: $*" >&2; exit 1; }
rc=0
lintian --fail-on error,warning --info --display-info --show-overrides "$deb" >lintian.txt 2>&1 || rc=$?
# "running with root privileges is not recommended" is about the test command, not the package.
grep -v '^running with root privileges' lintian.txt || true
((rc == 0)) || fail "lintian exit status $rc"
! grep -q '^[EW]: ' lintian.txt || fail "lintian reported errors or warnings"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libpcsclite1 libssl3 libstdc++6; do
  [[ ", $depends," == *", $lib "* || ", $depends," == *", $lib,"* ]] || fail "Depends lacks $lib: $depends"
done
[[ $(dpkg-deb -f "$deb" Recommends) == *pcscd* ]] || fail "pcscd not recommended"
echo "PASS: lintian clean; Depends: $depends"
