#!/usr/bin/env bash
# What the PDF documents need from Debian: Pango (WeasyPrint lays text out with it), fonts, and
# poppler-utils (pdftotext, pdftoppm) that the tests read the PDFs back with.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
ldconfig -p | grep -q 'libpango-1.0.so.0' || missing+=(libpango-1.0-0)
ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || missing+=(libpangoft2-1.0-0)
fc-list 2>/dev/null | grep -qi 'DejaVu Sans' || missing+=(fonts-dejavu-core)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
pdftotext -v 2>&1 | head -1
