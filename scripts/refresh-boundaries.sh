#!/usr/bin/env bash
# Refresh places/boundaries/countries-10m.json from the npm package world-atlas, unmodified,
# and record its provenance. Usage: bash scripts/refresh-boundaries.sh [VERSION]
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-2.0.2}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "world-atlas@$version" >/dev/null && tar xzf "world-atlas-$version.tgz")
src="$tmp/package/countries-10m.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["type"]=="Topology" and "countries" in d["objects"] and "transform" in d' "$src"
cp "$src" places/boundaries/countries-10m.json
sha="$(sha256sum places/boundaries/countries-10m.json | cut -d' ' -f1)"
sed -i -e "s/^version = .*/version = \"$version\"/" -e "s/^sha256 = .*/sha256 = \"$sha\"/" places/boundaries/PROVENANCE.toml
echo "places/boundaries/countries-10m.json: world-atlas $version, sha256 $sha" >&2
echo "Rebuild the layers (cargo run --release -- build) and review the diff of output/." >&2
