// drillmap preview: the layers in output/ over the Natural Earth countries, with popups, a
// date filter and live reload. Served by `drillmap serve`; everything comes from that server.
//
// The page polls /api/status. When its `version` (a fingerprint of the layer files) changes,
// the layers are fetched again; a failed fetch keeps the layers on the map. When the server
// watches places/ and the last edit did not build, its problems are shown in the panel.
//
// Tests read `window.drillmap` (counts, version, reloads) and the map it holds.

import * as maplibregl from '/vendor/maplibre-gl.mjs';

/** The drawn layers, bottom first, with the properties that hold their start and end dates. */
const LAYERS = {
  uncertainty: { dates: ['start_date', 'end_date'] },
  afghan_border: { dates: null },
  bases: { dates: ['since', 'until'] },
  exercises: { dates: ['start_date', 'end_date'] },
};
const POINT_LAYERS = ['exercises', 'bases'];
const EMPTY = { type: 'FeatureCollection', features: [] };
const POLL_MS = 500;
const DAY_MS = 86400000;

const state = (window.drillmap = {
  ready: false, // the map is loaded and drew the first layers
  version: null, // the layer version on the map
  reloads: 0, // layer reloads after the first load
  present: {}, // layer name -> whether output/ has the file
  counts: {}, // layer name -> features in the file (unlocated ones included)
  located: {}, // layer name -> features with a geometry
  data: {}, // layer name -> the GeoJSON on the map
  source: 'geojson', // or 'pmtiles'
  rebuild: null, // the server's last rebuild
  map: null,
  featureHTML: null, // the popup renderer, for tests
});

/** Escape text for HTML: every dataset value goes through this before it reaches a popup. */
export function esc(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

// Files from disk (layers, basemap) carry an ETag: `no-cache` revalidates them on every
// fetch, so an unchanged layer costs a 304 and comes from the browser's cache. The status
// is sent `no-store` and always fetched whole.
async function getJSON(url, cache = 'no-store') {
  const r = await fetch(url, { cache });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const $ = (sel) => document.querySelector(sel);

// ---------------------------------------------------------------------------------------
// Style

function pointLayers(source, sourceLayer) {
  const from = (id) => (sourceLayer ? { source, 'source-layer': id } : { source: id });
  return [
    // The area each located site lies within, under everything else: the coarser the
    // precision, the lighter the fill, so a wide guess does not read as a place.
    {
      id: 'uncertainty', type: 'fill', ...from('uncertainty'),
      paint: {
        'fill-color': ['match', ['get', 'layer'], 'bases', '#2b6cb0', '#d7301f'],
        'fill-opacity': ['match', ['get', 'geo_precision'],
          'site', 0.3, 'settlement', 0.2, 'region', 0.1, 'country', 0.05, 0.1],
        'fill-outline-color': ['match', ['get', 'layer'], 'bases', '#2b6cb0', '#d7301f'],
      },
    },
    {
      id: 'afghan_border', type: 'line', ...from('afghan_border'),
      layout: { 'line-join': 'round', 'line-cap': 'round' },
      paint: { 'line-color': '#6b21a8', 'line-width': 2.5, 'line-dasharray': [3, 1.5] },
    },
    {
      id: 'bases', type: 'circle', ...from('bases'),
      paint: {
        'circle-radius': 6, 'circle-color': '#2b6cb0',
        'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5,
      },
    },
    {
      id: 'exercises', type: 'circle', ...from('exercises'),
      paint: {
        'circle-radius': 7, 'circle-color': '#d7301f', 'circle-opacity': 0.9,
        'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5,
      },
    },
  ];
}

function style(countries) {
  return {
    version: 8,
    sources: {
      countries: { type: 'geojson', data: countries, attribution: 'Natural Earth' },
      uncertainty: { type: 'geojson', data: EMPTY },
      afghan_border: { type: 'geojson', data: EMPTY },
      bases: { type: 'geojson', data: EMPTY },
      exercises: { type: 'geojson', data: EMPTY },
    },
    layers: [
      { id: 'sea', type: 'background', paint: { 'background-color': '#d6e6f2' } },
      { id: 'countries', type: 'fill', source: 'countries', paint: { 'fill-color': '#f3efe6' } },
      {
        id: 'country-lines', type: 'line', source: 'countries',
        paint: { 'line-color': '#a89f91', 'line-width': 0.6 },
      },
      ...pointLayers(),
    ],
  };
}

async function loadBasemap(url) {
  try {
    const topo = await getJSON(url, 'no-cache');
    return topojson.feature(topo, topo.objects.countries);
  } catch (e) {
    console.warn('basemap not loaded:', e);
    return EMPTY;
  }
}

// ---------------------------------------------------------------------------------------
// Layers

/** Fetch every layer of `status`, put it on the map; a failure leaves the map as it was. */
async function loadLayers(status) {
  const urls = Object.fromEntries(status.layers.map((l) => [l.name, l.url]));
  const fetched = {};
  try {
    for (const name of Object.keys(LAYERS)) {
      fetched[name] = urls[name] ? await getJSON(urls[name], 'no-cache') : null;
    }
  } catch (e) {
    setStatus(`could not load the layers (${e.message}); keeping the last ones`);
    return false;
  }
  for (const [name, geojson] of Object.entries(fetched)) {
    const data = geojson || EMPTY;
    state.present[name] = Boolean(geojson);
    state.counts[name] = data.features.length;
    state.located[name] = data.features.filter((f) => f.geometry).length;
    state.data[name] = data;
    if (state.source === 'geojson') state.map.getSource(name).setData(data);
  }
  if (state.source === 'pmtiles') useTiles(status);
  await useBulkTiles(status);
  if (state.version !== null) state.reloads += 1;
  state.version = status.version;
  showCounts();
  updateDateRange();
  setStatus(`layers ${status.version.slice(0, 8)} loaded at ${new Date().toLocaleTimeString()}`
    + (status.watch ? ', watching places/' : ''));
  return true;
}

function showCounts() {
  for (const el of document.querySelectorAll('[data-count]')) {
    const name = el.dataset.count;
    if (!state.present[name]) {
      el.textContent = '(no layer)';
      continue;
    }
    const unlocated = state.counts[name] - state.located[name];
    el.textContent = `(${state.counts[name]}${unlocated ? `, ${unlocated} unlocated` : ''})`;
  }
}

function fitToData() {
  const bounds = new maplibregl.LngLatBounds();
  const extend = (c) => (typeof c[0] === 'number' ? bounds.extend(c) : c.forEach(extend));
  for (const name of Object.keys(LAYERS)) {
    for (const f of state.data[name]?.features ?? []) if (f.geometry) extend(f.geometry.coordinates);
  }
  if (!bounds.isEmpty()) {
    state.map.fitBounds(bounds, { padding: { top: 40, bottom: 40, left: 300, right: 40 }, duration: 0, maxZoom: 7 });
  }
}

/** Swap the GeoJSON sources for the PMTiles archive (or back). */
function useTiles(status) {
  const map = state.map;
  for (const id of Object.keys(LAYERS)) if (map.getLayer(id)) map.removeLayer(id);
  for (const id of [...Object.keys(LAYERS), 'tiles']) if (map.getSource(id)) map.removeSource(id);
  if (state.source === 'pmtiles' && status.tiles.length) {
    const archive = status.tiles.find((t) => t.endsWith('/drillmap.pmtiles')) ?? status.tiles[0];
    map.addSource('tiles', {
      type: 'vector', url: `pmtiles://${location.origin}${archive}?v=${status.version}`,
    });
    for (const layer of pointLayers('tiles', true)) map.addLayer(layer);
  } else {
    for (const name of Object.keys(LAYERS)) {
      map.addSource(name, { type: 'geojson', data: state.data[name] || EMPTY });
    }
    for (const layer of pointLayers()) map.addLayer(layer);
  }
  applyFilters();
}

// ---------------------------------------------------------------------------------------
// Bulk layers: every other archive in the output folder (`drillmap tiles FILE...`, bulk
// builds) drawn from its tiles, clusters sized by point_count.

/** Circle layers for the vector layers of one bulk archive: clusters, then points. */
export function bulkLayers(source, vectorLayers) {
  const layers = [];
  for (const { id } of vectorLayers) {
    layers.push({
      id: `bulk-clusters:${source}:${id}`, type: 'circle', source, 'source-layer': id,
      filter: ['has', 'point_count'],
      paint: {
        'circle-color': '#b45309', 'circle-opacity': 0.75,
        'circle-stroke-color': '#fff', 'circle-stroke-width': 1,
        'circle-radius': ['interpolate', ['linear'], ['sqrt', ['get', 'point_count']], 1, 4, 10, 10, 100, 24],
      },
    }, {
      id: `bulk-points:${source}:${id}`, type: 'circle', source, 'source-layer': id,
      filter: ['!', ['has', 'point_count']],
      paint: {
        'circle-radius': 3, 'circle-color': '#b45309',
        'circle-stroke-color': '#fff', 'circle-stroke-width': 0.5,
      },
    });
  }
  return layers;
}

/** Add (or replace) the bulk archives of `status` as sources and layers. */
async function useBulkTiles(status) {
  const map = state.map;
  for (const layer of map.getStyle().layers) {
    if (layer.id.startsWith('bulk-')) map.removeLayer(layer.id);
  }
  for (const id of Object.keys(map.getStyle().sources)) {
    if (id.startsWith('bulk:')) map.removeSource(id);
  }
  for (const archive of status.tiles.filter((t) => !t.endsWith('/drillmap.pmtiles'))) {
    const url = `${location.origin}${archive}?v=${status.version}`;
    let vectorLayers = [];
    try {
      const meta = await new pmtiles.PMTiles(url).getMetadata();
      vectorLayers = meta?.vector_layers ?? [];
    } catch (e) {
      console.warn(`${archive}: no metadata`, e);
      continue;
    }
    const source = `bulk:${archive.split('/').pop()}`;
    map.addSource(source, { type: 'vector', url: `pmtiles://${url}` });
    for (const layer of bulkLayers(source, vectorLayers)) map.addLayer(layer);
  }
}

/** The popup HTML of a cluster: its count and date range. */
export function clusterHTML(layer, props) {
  const p = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, parsed(v)]));
  const range = dates(p, 'start_date', 'end_date');
  const sums = Object.entries(p)
    .filter(([k, v]) => !['point_count', 'start_date', 'end_date'].includes(k) && typeof v === 'number')
    .map(([k, v]) => row(`${k} (sum)`, v)).join('');
  return `<section class="dm-feature dm-cluster" data-layer="${esc(layer)}">`
    + `<h2 class="dm-name">${esc(p.point_count)} ${esc(layer)}</h2>`
    + `<dl class="dm-props">${row('dates', range)}${sums}</dl></section>`;
}

state.clusterHTML = clusterHTML;

// ---------------------------------------------------------------------------------------
// Popups

/** A property that tiles carry as JSON text (arrays, objects) back as a value. */
function parsed(v) {
  if (typeof v === 'string' && /^[[{]/.test(v)) {
    try { return JSON.parse(v); } catch { return v; }
  }
  return v;
}

const present = (v) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && !v.length);

function row(label, value) {
  if (!present(value)) return '';
  const text = Array.isArray(value) ? value.join(', ') : value;
  return `<dt>${esc(label)}</dt><dd>${esc(text)}</dd>`;
}

function dates(p, start, end) {
  const a = p[start], b = p[end];
  if (!present(a) && !present(b)) return null;
  const span = a === b ? a : `${a ?? '…'} – ${b ?? '…'}`;
  return p.date_precision ? `${span} (${p.date_precision})` : span;
}

function sourceHTML(s) {
  if (typeof s !== 'object' || s === null) return `<li>${esc(s)}</li>`;
  const label = s.title || s.publisher || s.id;
  const safeUrl = typeof s.url === 'string' && /^https?:\/\//i.test(s.url);
  const title = safeUrl
    ? `<a href="${esc(s.url)}" target="_blank" rel="noopener noreferrer">${esc(label)}</a>`
    : `<span class="dm-source-title">${esc(label)}</span>`;
  const more = [s.title ? s.publisher : null, s.published].filter(present).map(esc).join(', ');
  return `<li>${title}${more ? ` — ${more}` : ''}</li>`;
}

/** The popup HTML of one feature; every value is escaped. */
export function featureHTML(layer, props) {
  const p = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, parsed(v)]));
  const name = p.name ?? p.id ?? '(unnamed)';
  let rows = '';
  if (layer === 'exercises') {
    rows += row('stage', p.stage) + row('kind', p.kind) + row('organisation', p.organisation)
      + row('host', p.host_country) + row('participants', p.participants)
      + row('dates', dates(p, 'start_date', 'end_date'))
      + row('troops', p.troops) + row('equipment', p.equipment) + row('scenario', p.scenario);
  } else if (layer === 'bases') {
    rows += row('operator', p.operator) + row('host', p.host_country) + row('units', p.units)
      + row('status', p.status) + row('dates', dates(p, 'since', 'until'));
  } else {
    for (const [k, v] of Object.entries(p)) if (k !== 'name' && typeof v !== 'object') rows += row(k, v);
  }
  if (layer !== 'afghan_border') {
    const where = [p.place_name, p.place_country].filter(present).join(', ');
    const precision = present(p.geo_precision)
      ? `${p.geo_precision}${present(p.uncertainty_km) ? `, ± ${p.uncertainty_km} km` : ''}` : null;
    const border = typeof p.afghan_border_km === 'number'
      ? `${p.afghan_border_km.toFixed(1)} km` : p.afghan_border_km;
    rows += row('place', where) + row('precision', precision) + row('point', p.point_note)
      + row('to Afghan border', present(border) && present(p.nearest_border) ? `${border} (${p.nearest_border})` : border)
      + row('notes', p.notes) + row('site note', p.site_note);
  }
  const sources = Array.isArray(p.sources) && p.sources.length
    ? `<dt>sources</dt><dd><ul class="dm-sources">${p.sources.map(sourceHTML).join('')}</ul></dd>` : '';
  return `<section class="dm-feature" data-layer="${esc(layer)}">`
    + `<h2 class="dm-name">${esc(name)}</h2><dl class="dm-props">${rows}${sources}</dl></section>`;
}

state.featureHTML = featureHTML;

function setupPopups(map) {
  const clickable = ['exercises', 'bases', 'afghan_border'];
  map.on('click', (e) => {
    const box = [[e.point.x - 5, e.point.y - 5], [e.point.x + 5, e.point.y + 5]];
    const bulk = map.getStyle().layers.map((l) => l.id).filter((id) => id.startsWith('bulk-'));
    let hits = map.queryRenderedFeatures(box, {
      layers: [...clickable.filter((l) => map.getLayer(l)), ...bulk],
    });
    const isPoint = (f) => POINT_LAYERS.includes(f.layer.id) || f.layer.id.startsWith('bulk-');
    if (hits.some(isPoint)) {
      hits = hits.filter(isPoint);
    }
    const seen = new Set();
    const html = hits
      .filter((f) => {
        const key = `${f.layer.id}/${f.id ?? f.properties.id ?? JSON.stringify(f.properties)}`;
        return !seen.has(key) && seen.add(key);
      })
      .map((f) => {
        const bulkLayer = f.layer.id.startsWith('bulk-') ? f.sourceLayer : null;
        if (bulkLayer && 'point_count' in f.properties) return clusterHTML(bulkLayer, f.properties);
        return featureHTML(bulkLayer ?? f.layer.id, f.properties);
      })
      .join('');
    if (!html) return;
    new maplibregl.Popup({ maxWidth: '380px' })
      .setLngLat(e.lngLat)
      .setHTML(`<div class="dm-popup">${html}</div>`)
      .addTo(map);
  });
  for (const id of clickable) {
    map.on('mouseenter', id, () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', id, () => { map.getCanvas().style.cursor = ''; });
  }
}

// ---------------------------------------------------------------------------------------
// Date filter: a feature shows when its [start, end] overlaps [from, to].

const toDay = (iso) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
const toIso = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10);

function updateDateRange() {
  const days = [];
  for (const [name, { dates: props }] of Object.entries(LAYERS)) {
    if (!props) continue;
    for (const f of state.data[name]?.features ?? []) {
      for (const p of props) if (f.properties?.[p]) days.push(toDay(f.properties[p]));
    }
  }
  const from = $('#date-from'), to = $('#date-to');
  if (!days.length) return;
  const [lo, hi] = [Math.min(...days), Math.max(...days)];
  const wasFull = !from.max || (+from.value <= +from.min && +to.value >= +to.max);
  for (const el of [from, to]) { el.min = lo; el.max = hi; el.step = 1; }
  if (wasFull) { from.value = lo; to.value = hi; }
  applyFilters();
}

function applyFilters() {
  const from = $('#date-from'), to = $('#date-to');
  if (+from.value > +to.value) [from.value, to.value] = [to.value, from.value];
  const [a, b] = [toIso(+from.value), toIso(+to.value)];
  $('#date-from-label').textContent = a;
  $('#date-to-label').textContent = b;
  for (const [name, { dates: props }] of Object.entries(LAYERS)) {
    if (!props || !state.map.getLayer(name) || !from.max) continue;
    const [start, end] = props;
    state.map.setFilter(name, ['all',
      ['<=', ['to-string', ['coalesce', ['get', start], '0000-01-01']], b],
      ['>=', ['to-string', ['coalesce', ['get', end], '9999-12-31']], a],
    ]);
  }
}

// ---------------------------------------------------------------------------------------
// Panel, live reload, start

function setStatus(text) { $('#status').textContent = text; }

function showRebuild(rebuild) {
  state.rebuild = rebuild;
  const box = $('#problems');
  if (rebuild && !rebuild.ok) {
    box.textContent = 'The last edit of places/ did not build; the map shows the last good layers.\n'
      + rebuild.problems.join('\n');
    box.hidden = false;
  } else {
    box.hidden = true;
    box.textContent = '';
  }
}

function setupPanel(map, status) {
  for (const box of document.querySelectorAll('[data-layer]')) {
    box.addEventListener('change', () => {
      if (map.getLayer(box.dataset.layer)) {
        map.setLayoutProperty(box.dataset.layer, 'visibility', box.checked ? 'visible' : 'none');
      }
    });
  }
  for (const el of [$('#date-from'), $('#date-to')]) el.addEventListener('input', applyFilters);
  if (status.tiles.length) {
    $('#source-choice').hidden = false;
    for (const radio of document.querySelectorAll('input[name=source]')) {
      radio.checked = radio.value === state.source;
      radio.addEventListener('change', async () => {
        state.source = radio.value;
        useTiles(await getJSON('/api/status'));
      });
    }
  }
}

async function poll() {
  for (;;) {
    await sleep(POLL_MS);
    try {
      const status = await getJSON('/api/status');
      showRebuild(status.rebuild);
      if (status.version !== state.version) await loadLayers(status);
    } catch (e) {
      setStatus(`server not reachable (${e.message}); keeping the last layers`);
    }
  }
}

async function main() {
  const status = await getJSON('/api/status');
  const countries = status.basemap ? await loadBasemap(status.basemap) : EMPTY;
  const map = new maplibregl.Map({ container: 'map', style: style(countries), center: [66, 40], zoom: 3 });
  state.map = map;
  map.addControl(new maplibregl.NavigationControl(), 'top-right');
  map.addControl(new maplibregl.ScaleControl(), 'bottom-right');
  await new Promise((resolve) => map.once('load', resolve));

  const protocol = new pmtiles.Protocol();
  maplibregl.addProtocol('pmtiles', protocol.tile);
  if (new URLSearchParams(location.search).get('source') === 'pmtiles' && status.tiles.length) {
    state.source = 'pmtiles';
  }

  setupPanel(map, status);
  setupPopups(map);
  showRebuild(status.rebuild);
  await loadLayers(status);
  fitToData();
  map.once('idle', () => { state.ready = true; });
  map.triggerRepaint();
  poll();
}

main().catch((e) => {
  setStatus(`the preview failed to start: ${e.message}`);
  console.error(e);
});
