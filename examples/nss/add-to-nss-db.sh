#!/usr/bin/env bash
# Register jpki-pkcs11 in your NSS database (used by Chromium and the NSS tools).
# Chromium >= M146 uses ~/.local/share/pki/nssdb unless ~/.pki/nssdb exists.
set -euo pipefail
mod=${JPKI_PKCS11_MODULE:-$(pkg-config --variable=p11_module_path p11-kit-1)/jpki-pkcs11.so}
db=${NSSDB:-}
if [[ -z $db ]]; then
  if [[ -d $HOME/.pki/nssdb ]]; then db=$HOME/.pki/nssdb; else db=$HOME/.local/share/pki/nssdb; fi
fi
mkdir -p "$db"
[[ -f $db/cert9.db ]] || certutil -N -d "sql:$db" --empty-password
modutil -dbdir "sql:$db" -add "My Number Card (JPKI)" -libfile "$mod" -force
# Readers without a card show as "Unable to get information about token": not an error.
modutil -dbdir "sql:$db" -list "My Number Card (JPKI)" 2>&1 | grep -v 'Unable to get information about token ""' || true
# Listing must not ask for PINs: an empty password file makes certutil skip the
# logins (the module refuses an empty PIN before the card sees it: no try spent).
nopin=$(mktemp)
trap 'rm -f "$nopin"' EXIT
certutil -d "sql:$db" -L -h all -f "$nopin" 2>/dev/null
echo "Registered in $db. Restart Chromium to use the card."
