#!/usr/bin/env bash
# `DESTDIR=D cmake --install BUILD --prefix P11KIT_PREFIX` (what a package build does): the
# module and its registration land at D + p11-kit's own directories, the .module names the
# module by its bare file name (p11-kit resolves it in its module directory), and every
# installed file is under D (and nothing is written outside it: D holds exactly the manifest).
#   destdir_layout.sh BUILD_DIR WORK_DIR P11KIT_PREFIX P11KIT_MODULE_PATH P11KIT_MODULE_CONFIGS
set -euo pipefail
build=$1 work=$2 prefix=$3 module_path=$4 configs=$5
fail() { echo "FAIL: $*" >&2; exit 1; }
dest=$work/destdir
rm -rf "$dest"
DESTDIR=$dest cmake --install "$build" --prefix "$prefix" >"$work/install.log" ||
  { cat "$work/install.log"; fail "cmake --install"; }
[[ -f $dest$module_path/jpki-pkcs11.so ]] || fail "no $dest$module_path/jpki-pkcs11.so"
[[ -f $dest$configs/jpki-pkcs11.module ]] || fail "no $dest$configs/jpki-pkcs11.module"
grep -qx 'module: jpki-pkcs11.so' "$dest$configs/jpki-pkcs11.module" ||
  fail "the .module does not name the module by file name: $(grep '^module:' "$dest$configs/jpki-pkcs11.module")"
[[ -x $dest$prefix/bin/jpki-tool ]] || fail "no $dest$prefix/bin/jpki-tool"
# The manifest lists the installed paths without DESTDIR: each must exist under DESTDIR, and
# DESTDIR must hold nothing else.
manifest=$build/install_manifest.txt
[[ -s $manifest ]] || fail "no install manifest"
n=0
while IFS= read -r f || [[ -n $f ]]; do
  [[ $f == "$prefix"/* ]] || fail "installed outside the prefix: $f"
  [[ -f $dest$f ]] || fail "not under DESTDIR: $f"
  n=$((n + 1))
done <"$manifest"
(($(find "$dest" -type f | wc -l) == n)) || fail "DESTDIR holds files the manifest does not list"
echo "PASS: $n files, all under DESTDIR at p11-kit's paths"
