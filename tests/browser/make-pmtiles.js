// Write a small PMTiles v3 archive of the layers in a folder, for the browser test of the
// preview's PMTiles mode while drillmap does not write one itself:
//
//   node make-pmtiles.js OUT_DIR      -> OUT_DIR/drillmap.pmtiles
//
// Tiles are cut by geojson-vt and encoded by vt-pbf (zooms 0-6, one MVT layer per GeoJSON
// layer, nulls left out, arrays and objects as JSON text, as drillmap's tiler does), stored
// uncompressed under one root directory, as the PMTiles v3 specification lays out.
'use strict';

const fs = require('fs');
const path = require('path');
const geojsonvt = require('geojson-vt').default; // an ES module
const vtpbf = require('vt-pbf');
const { zxyToTileId } = require('pmtiles');

const MAX_ZOOM = 6;
const out = process.argv[2];
const layers = {};
for (const name of ['exercises', 'bases', 'afghan_border']) {
  const file = path.join(out, `${name}.geojson`);
  if (!fs.existsSync(file)) continue;
  const fc = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const f of fc.features) {
    f.properties = Object.fromEntries(Object.entries(f.properties).filter(([, v]) => v !== null));
  }
  fc.features = fc.features.filter((f) => f.geometry);
  layers[name] = geojsonvt(fc, { maxZoom: MAX_ZOOM, indexMaxZoom: MAX_ZOOM, indexMaxPoints: 0 });
}

// Every tile any layer has, encoded.
const tiles = [];
for (let z = 0; z <= MAX_ZOOM; z++) {
  const keys = new Set();
  for (const index of Object.values(layers)) {
    for (const c of index.tileCoords) if (c.z === z) keys.add(`${c.x}/${c.y}`);
  }
  for (const key of keys) {
    const [x, y] = key.split('/').map(Number);
    const parts = {};
    for (const [name, index] of Object.entries(layers)) {
      const t = index.getTile(z, x, y);
      if (t && t.features.length) parts[name] = t;
    }
    if (Object.keys(parts).length) {
      tiles.push({ id: zxyToTileId(z, x, y), data: Buffer.from(vtpbf.fromGeojsonVt(parts, { version: 2 })) });
    }
  }
}
tiles.sort((a, b) => a.id - b.id);

function varint(bytes, n) {
  while (n >= 0x80) {
    bytes.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  bytes.push(n);
}

// The root directory: ids as deltas, run lengths, lengths, offsets (0 = right after the last).
const dir = [];
varint(dir, tiles.length);
let last = 0;
for (const t of tiles) { varint(dir, t.id - last); last = t.id; }
for (let i = 0; i < tiles.length; i++) varint(dir, 1);
for (const t of tiles) varint(dir, t.data.length);
for (let i = 0; i < tiles.length; i++) varint(dir, i === 0 ? 1 : 0);
const root = Buffer.from(dir);
const metadata = Buffer.from(JSON.stringify({
  name: 'drillmap (test archive)',
  vector_layers: Object.keys(layers).map((id) => ({ id, fields: {} })),
}));
const data = Buffer.concat(tiles.map((t) => t.data));

const header = Buffer.alloc(127);
header.write('PMTiles', 0, 'ascii');
header.writeUInt8(3, 7);
const u64 = (at, n) => header.writeBigUInt64LE(BigInt(n), at);
u64(8, 127); u64(16, root.length); // root directory
u64(24, 127 + root.length); u64(32, metadata.length); // metadata
u64(40, 127 + root.length + metadata.length); u64(48, 0); // no leaf directories
u64(56, 127 + root.length + metadata.length); u64(64, data.length); // tile data
u64(72, tiles.length); u64(80, tiles.length); u64(88, tiles.length);
header.writeUInt8(1, 96); // clustered
header.writeUInt8(1, 97); // internal compression: none
header.writeUInt8(1, 98); // tile compression: none
header.writeUInt8(1, 99); // tile type: MVT
header.writeUInt8(0, 100);
header.writeUInt8(MAX_ZOOM, 101);
const e7 = (at, deg) => header.writeInt32LE(Math.round(deg * 1e7), at);
e7(102, 19); e7(106, 35); e7(110, 80); e7(114, 57); // bounds
header.writeUInt8(3, 118); e7(119, 66); e7(123, 40); // centre

fs.writeFileSync(path.join(out, 'drillmap.pmtiles'), Buffer.concat([header, root, metadata, data]));
process.stdout.write(`${tiles.length} tiles\n`);
