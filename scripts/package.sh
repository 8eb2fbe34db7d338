#!/usr/bin/env bash
# Builds the Debian package jpki-pkcs11_<version>_<arch>.deb with debhelper (debian/) and
# prints its path as the last line. The build runs in a copy of the source under the output
# directory (dpkg-buildpackage writes next to the source tree), so the work tree stays clean.
# Needs the packages in scripts/deps/build.txt and scripts/deps/packaging.txt.
#   scripts/package.sh [OUTPUT_DIR]        (default: build-deb/ in the source tree)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$top/build-deb}" && cd "${1:-$top/build-deb}" && pwd)

version=$(sed -n 's/^project(jpki-pkcs11 VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
deb_version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
if [[ $deb_version != "$version" ]]; then
  echo "package: debian/changelog says $deb_version, CMakeLists.txt says $version: add a changelog entry (dch -v $version)" >&2
  exit 1
fi
arch=$(dpkg-architecture -qDEB_HOST_ARCH)

src=$out/src/jpki-pkcs11-$version
rm -rf "$out/src"
mkdir -p "$src"
# The source without build trees, VCS data or package output (OUTPUT_DIR too, if it is inside).
excludes=(--exclude-vcs --exclude='./build*' --exclude='./debian/build' --exclude='./debian/.debhelper'
  --exclude='./debian/tmp' --exclude='./debian/jpki-pkcs11' --exclude='./obj-*')
[[ $out == "$top"/* ]] && excludes+=(--exclude="./${out#"$top"/}")
tar -C "$top" "${excludes[@]}" -cf - . | tar -C "$src" -xf -

log=$out/build.log
start=$(date +%s)
if ! (cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
  dpkg-buildpackage -b -us -uc) >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "package: dpkg-buildpackage failed (full log: $log)" >&2
  exit 1
fi
deb=$out/jpki-pkcs11_${version}_${arch}.deb
mv "$out/src/jpki-pkcs11_${version}_${arch}.deb" "$deb"
echo "package: built in $(($(date +%s) - start)) s (log: $log)" >&2
echo "$deb"
