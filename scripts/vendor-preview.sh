#!/usr/bin/env bash
# Vendor the preview page's JavaScript (`drillmap serve`) from npm into preview/vendor/.
#
# preview/package.json pins maplibre-gl, pmtiles and topojson-client, and its lock file pins
# everything they pull in. This script installs exactly that (`npm ci`) and copies the files
# the page loads, with their licences, into preview/vendor/, which is committed: the binary
# embeds them (src/serve/assets.rs), so a fresh clone serves the page with no npm and no
# internet. Run it after changing preview/package.json, and commit preview/vendor/.
set -euo pipefail
cd "$(dirname "$0")/../preview"

npm ci --no-audit --no-fund --loglevel=error

vendor=vendor
rm -rf "$vendor"
mkdir -p "$vendor"
nm=node_modules

# MapLibre GL JS (ES modules; the main module loads its worker from the same folder).
cp "$nm/maplibre-gl/dist/maplibre-gl.mjs" \
   "$nm/maplibre-gl/dist/maplibre-gl-worker.mjs" \
   "$nm/maplibre-gl/dist/maplibre-gl.css" "$vendor/"
cp "$nm/maplibre-gl/LICENSE.txt" "$vendor/LICENSE-maplibre-gl.txt"
# The PMTiles protocol for MapLibre (defines the global `pmtiles`).
cp "$nm/pmtiles/dist/pmtiles.js" "$vendor/"
# TopoJSON to GeoJSON, for the Natural Earth basemap (defines the global `topojson`).
cp "$nm/topojson-client/dist/topojson-client.min.js" "$vendor/"
cp "$nm/topojson-client/LICENSE" "$vendor/LICENSE-topojson-client.txt"

# Source maps are not vendored: drop the comments that would ask the server for them.
for f in "$vendor"/*.js "$vendor"/*.mjs; do
  sed -i -e '/^\/\/# sourceMappingURL=/d' "$f"
done

{
  echo "Vendored by scripts/vendor-preview.sh from preview/package-lock.json:"
  for p in maplibre-gl pmtiles topojson-client; do
    node -e "const p=require('./$nm/$p/package.json'); console.log('  ' + p.name + '@' + p.version + ' (' + p.license + ')')"
  done
} > "$vendor/VERSIONS.txt"
ls -l "$vendor" >&2
