// Drives Debian's headless Chromium through playwright-core for tests/browser.rs.
//
//   node preview.js check URL PLAN_JSON   -> one JSON report on stdout
//     PLAN: {click: {coordinates}, screenshot: PATH, hostile: TEXT, query?: "?source=pmtiles",
//            period?: [FROM, TO] (ISO dates for the date sliders),
//            bulkZoom0?: true (report what the bulk archives' layers draw at zoom 0, and
//              click the largest cluster there: `bulk.clusterPopup`),
//            bulkPoint?: {coordinates, zoom} (click a bulk point there: `bulk.pointPopup`)}
//   node preview.js watch URL             -> a line-by-line conversation on stdin/stdout
//
// `check` loads the page, waits for the map, reads the layers' feature counts from the page,
// clicks the feature the plan names and reports what the popup shows, whether any hostile
// markup became an element or ran, and saves a screenshot.
//
// `watch` loads the page, says {"ready":...}, then answers each request line:
//   {"expect_name": N}   -> waits until the map's exercises hold a feature named N
//   {"expect_problems": true} -> waits until the page shows the server's rebuild problems
//   {"quit": true}       -> closes the browser
// Every wait has its own timeout and always answers, so the Rust side never hangs.
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.DRILLMAP_CHROMIUM || '/usr/bin/chromium';

/** Chromium with a fresh profile, removed by `close()`. */
async function launch() {
  const profile = fs.mkdtempSync(path.join(require('os').tmpdir(), 'drillmap-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // MapLibre needs WebGL: software GL through ANGLE and SwiftShader.
      '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
    ],
  });
  const close = async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

async function openPage(context, url, log) {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') log.console.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => log.pageErrors.push(String(e.message)));
  page.on('dialog', async (d) => { log.dialogs.push(d.message()); await d.dismiss(); });
  page.on('response', (r) => { if (r.url().includes('.pmtiles')) log.tileResponses.push(r.status()); });
  // Nothing may leave the machine: record any request to another origin, and refuse it.
  const origin = new URL(url).origin;
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(origin) || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
    log.external.push(u);
    return route.abort();
  });
  await page.goto(url);
  await page.waitForFunction(() => window.drillmap && window.drillmap.ready, null, { timeout: 20000 });
  return page;
}

/** Per layer: features in the data on the map, located ones, and distinct ones rendered. */
function layerReport() {
  const d = window.drillmap;
  const out = {};
  for (const name of ['exercises', 'bases', 'afghan_border']) {
    const drawn = d.source === 'pmtiles'
      ? d.map.querySourceFeatures('tiles', { sourceLayer: name })
      : d.map.querySourceFeatures(name);
    // A feature cut into several tiles counts once.
    const seen = new Set(drawn.map((f) => JSON.stringify(f.properties)));
    out[name] = {
      present: Boolean(d.present[name]),
      features: d.counts[name],
      located: d.located[name],
      rendered: seen.size,
      layer: Boolean(d.map.getLayer(name)),
    };
  }
  return out;
}

/** Click the map at `lngLat`; what the popup shows (then close it), or null without one. */
async function popupAt(page, lngLat) {
  const point = await page.evaluate(([lng, lat]) => {
    const p = window.drillmap.map.project([lng, lat]);
    const r = window.drillmap.map.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, lngLat);
  await page.mouse.click(point.x, point.y);
  try {
    await page.waitForSelector('.maplibregl-popup', { timeout: 5000 });
  } catch {
    return null;
  }
  return page.evaluate(() => {
    const el = document.querySelector('.maplibregl-popup-content');
    const out = {
      clusters: el.querySelectorAll('.dm-cluster').length,
      features: el.querySelectorAll('.dm-feature').length,
      names: [...el.querySelectorAll('.dm-name')].map((n) => n.textContent),
      text: el.textContent,
    };
    el.closest('.maplibregl-popup').querySelector('.maplibregl-popup-close-button')?.click();
    return out;
  });
}

async function check(url, plan) {
  const log = { console: [], pageErrors: [], dialogs: [], external: [], tileResponses: [] };
  const started = Date.now();
  const { context, close } = await launch();
  try {
    const page = await openPage(context, url + (plan.query ?? ''), log);
    const loadedMs = Date.now() - started;
    const source = await page.evaluate(() => window.drillmap.source);
    // Let every tile of the first view render before counting what is drawn.
    await page.waitForFunction(() => window.drillmap.map.loaded() && window.drillmap.map.areTilesLoaded(), null, { timeout: 10000 });
    const layers = await page.evaluate(layerReport);
    // Bulk archives: zoom out to z0 and count what their layers draw there, then come back.
    let bulk = null;
    if (plan.bulkZoom0) {
      const view = await page.evaluate(() => {
        const m = window.drillmap.map;
        const v = { center: m.getCenter().toArray(), zoom: m.getZoom() };
        m.jumpTo({ zoom: 0 });
        return v;
      });
      await page.waitForFunction(() => window.drillmap.map.loaded() && window.drillmap.map.areTilesLoaded(), null, { timeout: 20000 });
      bulk = await page.evaluate(() => {
        const m = window.drillmap.map;
        const ids = m.getStyle().layers.map((l) => l.id).filter((id) => id.startsWith('bulk-'));
        const clusters = m.queryRenderedFeatures({ layers: ids.filter((id) => id.startsWith('bulk-clusters')) });
        const largest = clusters.reduce((a, f) => (a && a.properties.point_count >= f.properties.point_count ? a : f), null);
        return {
          zoom: m.getZoom(),
          layers: ids,
          clusters: clusters.length,
          largest: largest ? largest.properties.point_count : 0,
          largestAt: largest ? largest.geometry.coordinates : null,
        };
      });
      if (bulk.largestAt) bulk.clusterPopup = await popupAt(page, bulk.largestAt);
      if (plan.bulkPoint) {
        await page.evaluate(([c, z]) => window.drillmap.map.jumpTo({ center: c, zoom: z }), [plan.bulkPoint.coordinates, plan.bulkPoint.zoom]);
        await page.waitForFunction(() => window.drillmap.map.loaded() && window.drillmap.map.areTilesLoaded(), null, { timeout: 20000 });
        bulk.pointPopup = await popupAt(page, plan.bulkPoint.coordinates);
      }
      await page.evaluate((v) => window.drillmap.map.jumpTo(v), view);
      await page.waitForFunction(() => window.drillmap.map.loaded() && window.drillmap.map.areTilesLoaded(), null, { timeout: 20000 });
    }

    // Click the planned feature where the map draws it.
    const point = await page.evaluate(([lng, lat]) => {
      const p = window.drillmap.map.project([lng, lat]);
      const r = window.drillmap.map.getCanvas().getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    }, plan.click.coordinates);
    await page.mouse.click(point.x, point.y);
    await page.waitForSelector('.maplibregl-popup', { timeout: 5000 });
    const popup = await page.evaluate(() => {
      const el = document.querySelector('.maplibregl-popup-content');
      return {
        names: [...el.querySelectorAll('.dm-feature')].map((s) => ({
          layer: s.dataset.layer,
          name: s.querySelector('.dm-name').textContent,
        })),
        text: el.textContent,
        // Hostile markup must stay text: no element it could have made may exist.
        injectedElements: el.querySelectorAll('img, script, iframe, svg, object, [onerror], [onload]').length,
        links: [...el.querySelectorAll('a')].map((a) => a.getAttribute('href')),
      };
    });
    // Every field the popup shows, hostile, rendered by the page's own popup code.
    const fields = await page.evaluate((hostile) => {
      const p = {
        name: hostile, stage: hostile, kind: hostile, organisation: hostile, host_country: hostile,
        participants: [hostile, 'KZ'], start_date: hostile, end_date: hostile, date_precision: hostile,
        troops: hostile, equipment: hostile, scenario: hostile, place_name: hostile,
        place_country: hostile, geo_precision: hostile, uncertainty_km: hostile, point_note: hostile,
        afghan_border_km: hostile, nearest_border: hostile, notes: hostile, site_note: hostile,
        operator: hostile, units: [hostile], status: hostile, since: hostile, until: hostile,
        sources: [
          { id: hostile, title: hostile, publisher: hostile, published: hostile, url: `https://example.org/?q="><img src=x onerror=window.__xss=4>` },
          { id: 'x', title: hostile, url: `javascript:window.__xss=5` },
        ],
      };
      const out = {};
      for (const layer of ['exercises', 'bases', 'afghan_border']) {
        const box = document.createElement('div');
        box.innerHTML = window.drillmap.featureHTML(layer, p);
        const allowed = new Set(['SECTION', 'H2', 'DL', 'DT', 'DD', 'UL', 'LI', 'A', 'SPAN']);
        out[layer] = {
          foreign: [...box.querySelectorAll('*')].map((e) => e.tagName).filter((t) => !allowed.has(t)),
          attributes: [...box.querySelectorAll('*')].flatMap((e) => e.getAttributeNames())
            .filter((a) => !['class', 'href', 'target', 'rel', 'data-layer'].includes(a)),
          hostileTexts: box.textContent.split(hostile).length - 1,
          links: [...box.querySelectorAll('a')].map((a) => a.getAttribute('href')),
        };
      }
      return out;
    }, plan.hostile);
    const xss = await page.evaluate(() => window.__xss ?? null);
    const screenshot = plan.screenshot;
    fs.mkdirSync(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot });

    // The date filter: move both sliders to the planned period, count what is drawn.
    let filtered = null;
    if (plan.period) {
      await page.evaluate(([a, b]) => {
        const day = (iso) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / 86400000);
        for (const [sel, iso] of [['#date-from', a], ['#date-to', b]]) {
          const el = document.querySelector(sel);
          el.value = day(iso);
          el.dispatchEvent(new Event('input'));
        }
      }, plan.period);
      // The filter is applied in the map's workers: wait until what is drawn settles.
      await page.evaluate(() => new Promise((resolve) => {
        const m = window.drillmap.map;
        let last = null;
        let same = 0;
        const look = () => {
          const now = m.loaded() && m.areTilesLoaded()
            ? JSON.stringify(['exercises', 'bases'].map((l) => m.queryRenderedFeatures({ layers: [l] }).length))
            : null;
          same = now !== null && now === last ? same + 1 : 0;
          last = now;
          if (same >= 3) resolve(); else setTimeout(look, 100);
        };
        setTimeout(look, 100);
      }));
      filtered = await page.evaluate(() => {
        const m = window.drillmap.map;
        const out = { labels: [document.querySelector('#date-from-label').textContent, document.querySelector('#date-to-label').textContent] };
        for (const name of ['exercises', 'bases', 'afghan_border']) {
          out[name] = new Set(m.queryRenderedFeatures({ layers: [name] }).map((f) => JSON.stringify(f.properties))).size;
        }
        return out;
      });
    }
    return { ok: true, source, loadedMs, totalMs: Date.now() - started, layers, bulk, popup, fields, xss, filtered, ...log };
  } finally {
    await close();
  }
}

async function watch(url) {
  const log = { console: [], pageErrors: [], dialogs: [], external: [], tileResponses: [] };
  const { context, close } = await launch();
  const say = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
  try {
    const page = await openPage(context, url, log);
    say({ ready: true, version: await page.evaluate(() => window.drillmap.version) });
    const lines = readline.createInterface({ input: process.stdin });
    for await (const line of lines) {
      const req = JSON.parse(line);
      if (req.quit) break;
      const t0 = Date.now();
      try {
        if (req.expect_name) {
          await page.waitForFunction((name) => {
            const d = window.drillmap;
            return d.map.querySourceFeatures('exercises').some((f) => f.properties.name === name);
          }, req.expect_name, { timeout: 60000, polling: 50 });
          say({ ok: true, ms: Date.now() - t0, reloads: await page.evaluate(() => window.drillmap.reloads) });
        } else if (req.expect_problems) {
          await page.waitForSelector('#problems:not([hidden])', { timeout: 60000 });
          const shown = await page.evaluate(() => ({
            problems: document.querySelector('#problems').textContent,
            names: window.drillmap.map.querySourceFeatures('exercises').map((f) => f.properties.name),
          }));
          say({ ok: true, ms: Date.now() - t0, ...shown });
        } else {
          say({ ok: false, error: `unknown request ${line}` });
        }
      } catch (e) {
        say({ ok: false, ms: Date.now() - t0, error: String(e.message), ...log });
      }
    }
  } catch (e) {
    say({ ok: false, error: String(e.message), ...log });
  } finally {
    await close();
  }
}

const [mode, url, planJson] = process.argv.slice(2);
if (mode === 'check') {
  check(url, JSON.parse(planJson))
    .then((r) => process.stdout.write(`${JSON.stringify(r)}\n`))
    .catch((e) => {
      process.stdout.write(`${JSON.stringify({ ok: false, error: String(e.message) })}\n`);
      process.exitCode = 1;
    });
} else if (mode === 'watch') {
  watch(url);
} else {
  process.stderr.write('usage: node preview.js check URL PLAN_JSON | watch URL\n');
  process.exitCode = 2;
}
