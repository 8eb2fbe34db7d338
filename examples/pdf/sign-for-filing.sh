#!/usr/bin/env bash
# Sign a PDF with your My Number Card for an online filing (登記・供託オンライン申請:
# 定款, attachments to an application) and check it as the Legal Affairs Bureau will.
#
#   sign-for-filing.sh IN.pdf OUT.pdf [--name TEXT] [--reason TEXT] [--location TEXT] [--pin-file FILE]
#
# Asks for the signing password (署名用パスワード, 6-16 letters and digits) unless JPKI_PIN or
# --pin-file gives it. The signature's /Name is your name as written in your signing certificate
# unless --name gives another text. IN.pdf is left as it is; OUT.pdf appears only when signed.
# JPKI_TOOL overrides the jpki-tool to run.
set -euo pipefail
in=${1:?usage: sign-for-filing.sh IN.pdf OUT.pdf [sign-pdf options]}
out=${2:?usage: sign-for-filing.sh IN.pdf OUT.pdf [sign-pdf options]}
shift 2
tool=${JPKI_TOOL:-jpki-tool}

"$tool" sign-pdf "$in" -o "$out" "$@"

# The Bureau's rules, one line each, and the chain to J-LIS's CA (or your card's).
"$tool" verify-pdf "$out"

# Independent checks, when the tools are installed (Debian: qpdf, poppler-utils).
if command -v qpdf >/dev/null; then
  qpdf --check "$out" >/dev/null || { echo "qpdf --check found problems in $out" >&2; exit 1; }
fi
if command -v pdfsig >/dev/null; then
  # -nocert: pdfsig's trust comes from an NSS database; verify-pdf above checked the chain.
  pdfsig -nocert "$out" 2>/dev/null | grep -q "Total document signed" ||
    { echo "pdfsig does not see the newest signature covering the whole file" >&2; exit 1; }
fi
echo "$out is ready to upload."
