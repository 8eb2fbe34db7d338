#!/usr/bin/env bash
# Set up Firefox (ESR) for the My Number Card, as administrator:
#   sudo ./setup-firefox.sh [--pinentry PROGRAM]
# 1. policies.json (this folder) into Firefox's distribution folder: Firefox
#    loads the module and picks the card's certificate by itself;
# 2. "pinentry = PROGRAM" into the module's settings (/etc/jpki-pkcs11.conf,
#    or $JPKI_PKCS11_CONFIG): a pinentry window, not Firefox, asks for the
#    4-digit PIN and shows the tries left. Default: the first of
#    pinentry-gnome3, pinentry-gtk2, pinentry-qt, pinentry found in /usr/bin.
# Restart Firefox afterwards. An existing policies.json is left alone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mod=${JPKI_PKCS11_MODULE:-$(pkg-config --variable=p11_module_path p11-kit-1)/jpki-pkcs11.so}
dist=${FIREFOX_DISTRIBUTION_DIR:-$(readlink -f /usr/lib/firefox-esr/distribution 2>/dev/null || echo /usr/lib/firefox-esr/distribution)}
conf=${JPKI_PKCS11_CONFIG:-/etc/jpki-pkcs11.conf}
die() { echo "setup-firefox: $*" >&2; exit 1; }

pinentry=""
case ${1:-} in
  --pinentry) pinentry=${2:?"--pinentry needs a program"} ;;
  "") ;;
  *) echo "usage: $0 [--pinentry PROGRAM]" >&2; exit 2 ;;
esac
if [[ -z $pinentry ]]; then
  for p in pinentry-gnome3 pinentry-gtk2 pinentry-qt pinentry; do
    [[ -x /usr/bin/$p ]] && { pinentry=/usr/bin/$p; break; }
  done
fi
[[ -f $mod ]] || die "no module at $mod (run cmake --install first, or set JPKI_PKCS11_MODULE)"
[[ -n $pinentry && -x $pinentry ]] || die "no pinentry program found (apt install pinentry-gnome3)"

mkdir -p "$dist" || die "cannot create $dist (run as root)"
if [[ -e $dist/policies.json ]] && ! grep -q '"My Number Card (JPKI)"' "$dist/policies.json"; then
  echo "setup-firefox: $dist/policies.json exists; add the SecurityDevices and Preferences entries of"
  echo "  $here/policies.json to it by hand"
else
  sed "s|/usr/lib/x86_64-linux-gnu/pkcs11/jpki-pkcs11.so|$mod|" "$here/policies.json" >"$dist/policies.json"
  echo "setup-firefox: wrote $dist/policies.json (module $mod)"
fi

touch "$conf" 2>/dev/null || die "cannot write $conf (run as root)"
if grep -q '^[[:space:]]*pinentry[[:space:]]*=' "$conf"; then
  echo "setup-firefox: $conf already names a pinentry: $(grep '^[[:space:]]*pinentry' "$conf")"
else
  echo "pinentry = $pinentry" >>"$conf"
  echo "setup-firefox: $conf: pinentry = $pinentry"
fi
echo "setup-firefox: restart Firefox; a site that asks for the card gets a pinentry window for the 4-digit PIN"
