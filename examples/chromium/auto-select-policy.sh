#!/usr/bin/env bash
# As administrator: let Chromium send the card's authentication certificate by
# itself to the sites you name, without asking which certificate to use.
#   sudo ./auto-select-policy.sh 'https://[*.]myna.go.jp' ['https://[*.]example.jp' ...]
# The filter picks certificates whose issuer has OU "JPKI for user
# authentication": the My Number Card's authentication certificate (and the
# virtual card's). Chromium reads the policy at its next start.
set -euo pipefail
dir=${CHROMIUM_POLICY_DIR:-/etc/chromium/policies/managed}
if (($# == 0)); then
  echo "usage: $0 SITE-PATTERN... (for example 'https://[*.]myna.go.jp')" >&2
  exit 2
fi
for p in "$@"; do
  [[ $p == https://* ]] || { echo "$0: '$p': a pattern starts with https://" >&2; exit 2; }
  [[ $p != *[\"\\]* ]] || { echo "$0: '$p': no quotes or backslashes in a pattern" >&2; exit 2; }
done
mkdir -p "$dir" || { echo "$0: cannot create $dir (run as root)" >&2; exit 1; }
{
  echo '{'
  echo '  "AutoSelectCertificateForUrls": ['
  sep=""
  for p in "$@"; do
    printf '%s    "{\\"pattern\\":\\"%s\\",\\"filter\\":{\\"ISSUER\\":{\\"OU\\":\\"JPKI for user authentication\\"}}}"' "$sep" "$p"
    sep=$',\n'
  done
  printf '\n  ]\n}\n'
} >"$dir/jpki-auto-select.json"
echo "wrote $dir/jpki-auto-select.json; restart Chromium and check chrome://policy"
