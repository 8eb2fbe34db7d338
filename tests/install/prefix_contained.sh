#!/usr/bin/env bash
# `cmake --install BUILD --prefix P` writes nothing outside P (install manifest and a count of
# the files under P), the .module installed there names the module by its absolute path, and
# p11-kit loads the module through that .module copied into ~/.config/pkcs11/modules (the way
# the README tells users of another prefix). Runs in the test bed: the system's p11-kit config
# directory is hidden by a bind mount, so only the user's .module can make p11-kit find it.
# p11-kit reads no user config in a program running as root, so p11-kit runs as nobody.
#   prefix_contained.sh BUILD_DIR
set -euo pipefail
build=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d)
configs=$(pkg-config --variable=p11_module_configs p11-kit-1)
trap 'umount "$configs" 2>/dev/null || true; rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; fail "cmake --install"; }

manifest=$build/install_manifest.txt
[[ -s $manifest ]] || fail "no install manifest"
n=0
while IFS= read -r f || [[ -n $f ]]; do
  [[ $f == "$prefix"/* ]] || fail "installed outside the prefix: $f"
  [[ -f $f ]] || fail "in the manifest but missing: $f"
  n=$((n + 1))
done <"$manifest"
(($(find "$prefix" -type f | wc -l) == n)) || fail "files under the prefix differ from the manifest"

so=$(grep '/jpki-pkcs11\.so$' "$manifest") || fail "module not installed"
dotmodule=$(grep '/jpki-pkcs11\.module$' "$manifest") || fail "jpki-pkcs11.module not installed"
grep -qx "module: $so" "$dotmodule" || fail "the .module does not hold the absolute path: $(grep '^module:' "$dotmodule")"
grep -q "$prefix/bin/jpki-tool" "$manifest" || fail "jpki-tool not under the prefix"

mkdir -p "$work/home/.config/pkcs11/modules" "$work/empty"
cp "$dotmodule" "$work/home/.config/pkcs11/modules/"
chmod -R go+rX "$work"
mount --bind "$work/empty" "$configs" || fail "cannot bind-mount over $configs (run inside the test bed)"
setpriv --reuid=nobody --regid=nogroup --clear-groups env -u XDG_CONFIG_HOME HOME="$work/home" p11-kit list-modules >"$work/modules.txt" 2>&1 ||
  { cat "$work/modules.txt"; fail "p11-kit list-modules"; }
grep -q '^jpki-pkcs11: ' "$work/modules.txt" || { cat "$work/modules.txt"; fail "p11-kit does not list the module"; }
grep -q 'token: JPKI User Authentication' "$work/modules.txt" || { cat "$work/modules.txt"; fail "no token through the user .module"; }
echo "PASS: $n files, all under $prefix; p11-kit loads $so through ~/.config/pkcs11/modules"
