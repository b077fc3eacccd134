#!/usr/bin/env bash
# Install the independent tools the test suite checks drillmap's output with:
#   - GDAL's ogrinfo/ogr2ogr (Debian package gdal-bin),
#   - setpriv (Debian package util-linux), to run tests as a user other than root,
#   - GeoJSON validators from npm (tests/tools/package.json, pinned by its lock file),
#   - Python readers from PyPI (tests/tools/requirements*.txt) in .tools/venv.
# Idempotent: what is already there is not installed again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Install a Debian package (as root, or through sudo).
apt_install() {
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  echo "install-test-tools: installing $1" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$1" >/dev/null
}

if ! command -v ogrinfo >/dev/null 2>&1; then
  apt_install gdal-bin
fi

# setpriv runs the read-only-output tests as another user when they run as root
# (tests/util Work::run_unprivileged); Debian ships it in util-linux.
if ! command -v setpriv >/dev/null 2>&1; then
  apt_install util-linux
fi

if [ ! -f tests/tools/node_modules/.package-lock.json ] ||
   [ tests/tools/package-lock.json -nt tests/tools/node_modules/.package-lock.json ]; then
  echo "install-test-tools: installing npm validators" >&2
  (cd tests/tools && npm ci --no-audit --no-fund --loglevel=error)
fi

shopt -s nullglob
reqs=(tests/tools/requirements*.txt)
if [ ${#reqs[@]} -gt 0 ]; then
  if [ ! -x .tools/venv/bin/python3 ]; then
    python3 -m venv .tools/venv
  fi
  stamp=.tools/venv/.requirements
  if [ ! -f "$stamp" ] || ! cat "${reqs[@]}" | cmp -s - "$stamp"; then
    echo "install-test-tools: installing Python readers" >&2
    .tools/venv/bin/python3 -m pip install -q --disable-pip-version-check "${reqs[@]/#/-r}"
    cat "${reqs[@]}" > "$stamp"
  fi
fi

# --- drillmap serve: the browser tests (tests/browser.rs) --------------------------------
# Debian's Chromium (no browser download: playwright-core drives /usr/bin/chromium) and
# tests/browser's playwright-core, pinned by its lock file.
if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi
if [ ! -f tests/browser/node_modules/.package-lock.json ] ||
   [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
  echo "install-test-tools: installing playwright-core" >&2
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
# --- end drillmap serve --------------------------------------------------------------------
