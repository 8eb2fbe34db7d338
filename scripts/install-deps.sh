#!/usr/bin/env bash
# Installs the Debian packages the project needs (lists in scripts/deps/*.txt).
# Run as root on Debian 12. Installs only what is missing.
#   install-deps.sh                  every list (the test command)
#   install-deps.sh build testbed    only scripts/deps/build.txt and testbed.txt (the demo)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lists=()
if (($#)); then
  for name in "$@"; do
    [[ -f $here/deps/$name.txt ]] || { echo "install-deps: no list scripts/deps/$name.txt" >&2; exit 64; }
    lists+=("$here/deps/$name.txt")
  done
else
  lists=("$here"/deps/*.txt)
fi
mapfile -t wanted < <(cat "${lists[@]}" | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#wanted[@]} packages present"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
