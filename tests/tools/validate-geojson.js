#!/usr/bin/env node
// Validate GeoJSON files with two validators we did not write:
// @mapbox/geojsonhint (RFC 7946 structure, precision over 6 decimals, winding, crs) and
// @placemarkio/check-geojson (structure errors with their locations).
// Usage: node validate-geojson.js FILE...  Exit 1 if any file has any message.
'use strict';
const fs = require('fs');
const geojsonhint = require('@mapbox/geojsonhint');
const { check } = require('@placemarkio/check-geojson');

let failed = false;
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, 'utf8');
  const hints = geojsonhint.hint(text, { precisionWarning: true });
  for (const h of hints) {
    failed = true;
    console.log(`${file}:${h.line || 0}: geojsonhint: ${h.message}`);
  }
  try {
    check(text);
  } catch (e) {
    failed = true;
    const issues = e.issues || [{ message: String(e) }];
    for (const i of issues) console.log(`${file}: check-geojson: ${i.message}`);
  }
  if (!failed) console.log(`${file}: valid`);
}
process.exit(failed ? 1 : 0);
