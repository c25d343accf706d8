#!/usr/bin/env bash
# Debian packages Heard needs beside Python: fonts covering Arabic script, Ge'ez and Cyrillic for flyers and
# paper questionnaires (rendered by WeasyPrint with Pango/HarfBuzz, which the machine already has), poppler-utils
# for SVG/PNG output and PDF text checks, Chromium for testing the HTML report as a person sees it, and the
# PostgreSQL server, which the tests start as a throwaway cluster of their own (tests/support/postgres.py).
# Usage: system-deps.sh [--with-browser] [--with-postgres]
# Installs only what is missing; needs root (or sudo) for that.
set -euo pipefail
packages=(fonts-noto-core fonts-dejavu-core poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
for option in "$@"; do
  case "$option" in
    --with-browser) packages+=(chromium) ;;
    --with-postgres) packages+=(postgresql) ;;
    *) echo "unknown option: $option" >&2; exit 2 ;;
  esac
done
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo "$0" "$@"
  fi
  echo "Heard needs these Debian packages: ${missing[*]}" >&2
  echo "Install them as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
