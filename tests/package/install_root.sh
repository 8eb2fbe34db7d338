#!/usr/bin/env bash
# The .deb unpacked into a scratch root (dpkg -x) and made the system's p11-kit directories in
# this private mount namespace (bind mounts, test bed): p11-kit finds the module through the
# package's own .module (whose bare `module: jpki-pkcs11.so` resolves in p11-kit's module
# directory) and lists both tokens of the virtual card; the packaged jpki-tool prints its
# help and reads the card; the man pages, README and copyright are where Debian puts them.
#   install_root.sh DEB_PATH_FILE
set -euo pipefail
deb=$(cat "$1")
fail() { echo "FAIL: $*" >&2; exit 1; }
module_path=$(pkg-config --variable=p11_module_path p11-kit-1)
configs=$(pkg-config --variable=p11_module_configs p11-kit-1)
work=$(mktemp -d)
trap 'umount "$module_path" "$configs" 2>/dev/null || true; rm -rf "$work"' EXIT
root=$work/root
dpkg -x "$deb" "$root"

for f in "$module_path/jpki-pkcs11.so" "$configs/jpki-pkcs11.module" /usr/bin/jpki-tool \
  /usr/share/man/man1/jpki-tool.1.gz /usr/share/man/man5/jpki-pkcs11.5.gz \
  /usr/share/doc/jpki-pkcs11/copyright /usr/share/doc/jpki-pkcs11/README.md.gz; do
  [[ -f $root$f ]] || fail "the package lacks $f"
done
grep -qx 'module: jpki-pkcs11.so' "$root$configs/jpki-pkcs11.module" || fail "unexpected module: line"
man -l "$root/usr/share/man/man5/jpki-pkcs11.5.gz" 2>/dev/null | grep -q 'JPKI_PKCS11_READER' ||
  fail "jpki-pkcs11(5) does not render or lacks the settings"

# Only the package's files in p11-kit's two directories.
mount --bind "$root$module_path" "$module_path" || fail "cannot bind-mount over $module_path (run inside the test bed)"
mount --bind "$root$configs" "$configs" || fail "cannot bind-mount over $configs"
p11-kit list-modules >"$work/modules.txt" 2>&1 || { cat "$work/modules.txt"; fail "p11-kit list-modules"; }
grep -q '^jpki-pkcs11: jpki-pkcs11.so' "$work/modules.txt" || { cat "$work/modules.txt"; fail "p11-kit does not list the packaged module"; }
grep -q 'token: JPKI User Authentication' "$work/modules.txt" && grep -q 'token: JPKI Digital Signature' "$work/modules.txt" ||
  { cat "$work/modules.txt"; fail "p11-kit lists the module but not both tokens"; }

"$root/usr/bin/jpki-tool" --help >"$work/help.txt" || fail "jpki-tool --help exit status $?"
grep -q 'jpki-tool status' "$work/help.txt" || { cat "$work/help.txt"; fail "jpki-tool --help prints no usage"; }
"$root/usr/bin/jpki-tool" status --json >"$work/status.json" || fail "the packaged jpki-tool cannot read the card"
grep -q '"tries_left": 3' "$work/status.json" || { cat "$work/status.json"; fail "jpki-tool status"; }
echo "PASS: $(basename "$deb"): p11-kit lists both tokens through the package's .module; jpki-tool runs"
