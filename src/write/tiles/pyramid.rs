//! The pyramid: every zoom cut and encoded on worker threads into per-zoom slots (so the
//! output is the same whatever the number of threads), then the metadata and the PMTiles
//! archive assembled from the tiles in tile-id order.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value as Json};

use super::cluster::TileClusters;
use super::cut::{cut_zoom, Grid, TileEntry};
use super::encode::{encode_tile, Remap};
use super::hilbert::zxy;
use super::mercator::{lon_lat, world};
use super::pmtiles::{self, Gzip, Header, TileData};
use super::prepare::{
    prepare, Bounds, LayerBuilder, PreparedLayer, PreparedSet, KIND_BOOL, KIND_NUMBER, KIND_STRING,
};
use super::{TileOptions, TileStats};
use crate::derive::round6;
use crate::error::{Error, Result};

/// The tiles of one zoom: ids ascending, contents concatenated.
#[derive(Debug, Default)]
pub(super) struct ZoomTiles {
    pub(super) ids: Vec<u64>,
    pub(super) ends: Vec<usize>,
    pub(super) data: Vec<u8>,
    /// Per layer, per key: OR of the kinds of values seen in tiles.
    pub(super) key_kinds: Vec<Vec<u8>>,
    pub(super) timings: Timings,
    /// Tiles clustered to keep within the budget.
    pub(super) clustered: usize,
    /// The first tile found over budget, described.
    pub(super) over_budget: Option<String>,
}

/// Where the time of a run went, summed over worker threads (so CPU time, roughly; the
/// phases of different zooms overlap in wall time). For profiling only: never part of
/// the output or of [`TileStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Projecting features and building the key and value tables.
    pub prepare: Duration,
    /// Placing features in tiles: point bucketing, line and polygon clipping.
    pub cut: Duration,
    /// Sorting each zoom's entries by tile id.
    pub sort: Duration,
    /// Protobuf encoding of tiles.
    pub encode: Duration,
    /// Gzipping tiles.
    pub gzip: Duration,
    /// Deduplicating tiles, directories, metadata and the archive's bytes.
    pub assemble: Duration,
    /// Wall time of the whole run.
    pub wall: Duration,
}

/// A worker's buffers, reused from zoom to zoom (fresh multi-megabyte buffers cost page
/// faults).
pub(super) struct Scratch {
    pub(super) entries: Vec<TileEntry>,
    pub(super) pool: Vec<u32>,
    pub(super) remap: Remap,
    pub(super) raw: Vec<u8>,
    pub(super) clusters: TileClusters,
}

/// Cut and encode one zoom.
pub(super) fn build_zoom(
    layers: &[PreparedLayer],
    opts: &TileOptions,
    zoom: u8,
    gzip: Option<&mut Gzip>,
    scratch: &mut Scratch,
) -> ZoomTiles {
    let grid = Grid {
        zoom,
        extent: i64::from(opts.extent),
        buffer: i64::from(opts.buffer),
        tiles: 1i64 << zoom,
        simplify: super::simplify::tolerance(zoom, opts.max_zoom),
    };
    let mut timings = Timings::default();
    let t = Instant::now();
    let Scratch {
        entries,
        pool,
        remap,
        raw,
        clusters,
    } = scratch;
    cut_zoom(layers, &grid, pool, entries);
    timings.cut += t.elapsed();
    let t = Instant::now();
    entries.sort_unstable_by_key(|e| (e.tile, e.layer, e.feature));
    timings.sort += t.elapsed();
    let mut zt = ZoomTiles {
        key_kinds: layers.iter().map(|l| vec![0u8; l.keys.len()]).collect(),
        ..ZoomTiles::default()
    };
    let mut gzip = gzip;
    let budget = Budget {
        bytes: opts.max_tile_bytes,
        features: opts.max_tile_features,
    };
    let may_cluster = zoom < opts.base_zoom();
    let bits = u32::BITS - (opts.extent - 1).leading_zeros();
    for tile in entries.chunk_by(|a, b| a.tile == b.tile) {
        let Some(first) = tile.first() else { continue };
        let start = zt.data.len();
        let mut encode =
            |kept: &[TileEntry], clusters: &TileClusters, with: bool, zt: &mut ZoomTiles| {
                let t = Instant::now();
                let (c, s) = if with {
                    (&clusters.clusters[..], &clusters.sums[..])
                } else {
                    (&[][..], &[][..])
                };
                encode_tile(
                    kept,
                    c,
                    s,
                    layers,
                    pool,
                    opts.extent,
                    remap,
                    &mut zt.key_kinds,
                    raw,
                );
                let t2 = Instant::now();
                timings.encode += t2 - t;
                zt.data.truncate(start);
                match gzip.as_deref_mut() {
                    Some(gz) => gz.compress_into(raw, &mut zt.data),
                    None => zt.data.extend_from_slice(raw),
                }
                timings.gzip += t2.elapsed();
                zt.data.len() - start
            };
        // Most tiles: within budget as they are.
        let mut fits = false;
        if tile.len() <= budget.features {
            fits = encode(tile, clusters, false, &mut zt) <= budget.bytes;
        }
        if !fits && may_cluster {
            clusters.split(tile, layers, opts.extent);
            if clusters.has_points() {
                zt.clustered += 1;
                fits = cluster_tile(
                    clusters,
                    &budget,
                    bits,
                    layers,
                    |c, zt| encode(&c.kept, c, true, zt),
                    &mut zt,
                );
            }
        }
        if !fits {
            let bytes = zt.data.len() - start;
            if zt.over_budget.is_none() {
                let (z, x, y) = zxy(first.tile);
                let size = if tile.len() > budget.features {
                    format!("{} features (budget {})", tile.len(), budget.features)
                } else {
                    format!("{bytes} bytes (budget {})", budget.bytes)
                };
                let place = if may_cluster {
                    ""
                } else {
                    " at the base zoom, where points are not clustered"
                };
                zt.over_budget = Some(format!("tile {z}/{x}/{y} has {size}{place}"));
            }
        }
        zt.ids.push(first.tile);
        zt.ends.push(zt.data.len());
    }
    zt.timings = timings;
    zt
}

/// The limits every tile keeps to.
struct Budget {
    bytes: usize,
    features: usize,
}

/// Cluster a split tile with the smallest cell that brings it within budget, encoding it
/// with `encode` (which returns the stored size). Returns whether it fits; when even one
/// cell per tile does not, points in the buffer are left out as a last resort.
fn cluster_tile(
    clusters: &mut TileClusters,
    budget: &Budget,
    bits: u32,
    layers: &[PreparedLayer],
    mut encode: impl FnMut(&TileClusters, &mut ZoomTiles) -> usize,
    zt: &mut ZoomTiles,
) -> bool {
    for with_buffer in [true, false] {
        let mut shift = (0..=bits)
            .find(|&s| clusters.features_at(s, with_buffer) <= budget.features)
            .unwrap_or(bits);
        loop {
            clusters.build(shift, with_buffer, layers);
            if encode(clusters, zt) <= budget.bytes
                && clusters.kept.len() + clusters.clusters.len() <= budget.features
            {
                return true;
            }
            if shift >= bits {
                break;
            }
            shift += 1;
        }
    }
    false
}

/// Every tile of every zoom, in tile-id order, with what the metadata needs.
#[derive(Debug)]
pub struct Pyramid {
    pub(super) zooms: Vec<ZoomTiles>,
    pub(super) layers: Vec<LayerInfo>,
    pub(super) bounds: Bounds,
    pub(super) attribution: String,
    pub(super) compressed: bool,
    pub(super) min_zoom: u8,
    pub(super) max_zoom: u8,
    pub(super) features: usize,
    pub(super) skipped: usize,
    pub(super) timings: Timings,
    pub(super) started: Instant,
}

#[derive(Debug)]
pub(super) struct LayerInfo {
    pub(super) name: String,
    /// Keys found in tiles, in first-appearance order, with their value-kind bits.
    pub(super) fields: Vec<(String, u8)>,
}

/// Cut and encode every zoom from `opts.min_zoom` to `opts.max_zoom`, gzipping tiles when
/// `compress` is set.
pub fn tile_pyramid(
    layers: Vec<LayerBuilder>,
    opts: &TileOptions,
    compress: bool,
) -> Result<Pyramid> {
    let start = Instant::now();
    opts.validate()?;
    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let PreparedSet {
        layers: prepared,
        bounds,
        attributions,
        tiled: features,
        skipped,
    } = prepare(layers, &opts.accumulate)?;
    let mut timings = Timings {
        prepare: start.elapsed(),
        ..Timings::default()
    };
    let zooms: Vec<u8> = (opts.min_zoom..=opts.max_zoom).collect();
    let threads = threads.min(zooms.len().max(1));
    let slots: Vec<Mutex<Option<ZoomTiles>>> = zooms.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut gz = Gzip::new(opts.gzip_level);
        let mut scratch = Scratch {
            entries: Vec::new(),
            pool: Vec::new(),
            remap: Remap::new(&prepared),
            raw: Vec::new(),
            clusters: TileClusters::default(),
        };
        loop {
            // Highest zooms first: they have the most tiles, so the queue ends on small jobs.
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&zoom) = zooms.len().checked_sub(i + 1).and_then(|j| zooms.get(j)) else {
                break;
            };
            let zt = build_zoom(
                &prepared,
                opts,
                zoom,
                compress.then_some(&mut gz),
                &mut scratch,
            );
            if let Some(slot) = slots.get(usize::from(zoom - opts.min_zoom)) {
                if let Ok(mut s) = slot.lock() {
                    *s = Some(zt);
                }
            }
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(worker);
        }
        worker();
    });
    let mut zoom_tiles = Vec::with_capacity(slots.len());
    for slot in slots {
        let zt = slot
            .into_inner()
            .ok()
            .flatten()
            .ok_or_else(|| Error::Usage("a tiling worker failed".into()))?;
        if let Some(over) = &zt.over_budget {
            return Err(Error::Usage(format!(
                "{over}; raise --max-tile-bytes or --max-tile-features, or --max-zoom"
            )));
        }
        zoom_tiles.push(zt);
    }
    let mut kinds: Vec<Vec<u8>> = prepared.iter().map(|l| vec![0u8; l.keys.len()]).collect();
    for zt in &zoom_tiles {
        timings.cut += zt.timings.cut;
        timings.sort += zt.timings.sort;
        timings.encode += zt.timings.encode;
        timings.gzip += zt.timings.gzip;
        for (acc, z) in kinds.iter_mut().zip(&zt.key_kinds) {
            for (a, b) in acc.iter_mut().zip(z) {
                *a |= *b;
            }
        }
    }
    let layer_infos = prepared
        .iter()
        .zip(&kinds)
        .filter(|(l, _)| !l.features.is_empty())
        .map(|(l, k)| LayerInfo {
            name: l.name.clone(),
            fields: l
                .keys
                .iter()
                .zip(k)
                .filter(|(_, &kind)| kind != 0)
                .map(|(key, &kind)| (key.clone(), kind))
                .collect(),
        })
        .collect();
    let mut attribution: Vec<&str> = Vec::new();
    for a in &attributions {
        let a = a.trim();
        if !a.is_empty() && !attribution.contains(&a) {
            attribution.push(a);
        }
    }
    let pyramid = Pyramid {
        zooms: zoom_tiles,
        layers: layer_infos,
        bounds,
        attribution: attribution.join("; "),
        compressed: compress,
        min_zoom: opts.min_zoom,
        max_zoom: opts.max_zoom,
        features,
        skipped,
        timings,
        started: start,
    };
    if pyramid.zooms.iter().all(|z| z.ids.is_empty()) {
        return Err(Error::Usage(
            "nothing to tile: no layer has a located feature".into(),
        ));
    }
    Ok(pyramid)
}

pub(super) fn kind_name(kind: u8) -> &'static str {
    match kind {
        KIND_STRING => "String",
        KIND_NUMBER => "Number",
        KIND_BOOL => "Boolean",
        _ => "Mixed",
    }
}

impl Pyramid {
    /// Every tile as `(PMTiles tile id, bytes)`, ascending by id.
    pub fn tiles(&self) -> impl Iterator<Item = (u64, &[u8])> + '_ {
        self.zooms.iter().flat_map(|zt| {
            zt.ids.iter().enumerate().map(move |(i, &id)| {
                let start = if i == 0 { 0 } else { zt.ends[i - 1] };
                (id, &zt.data[start..zt.ends[i]])
            })
        })
    }

    /// Counts for the caller (bytes left at 0: the writer fills them in).
    pub fn stats(&self) -> TileStats {
        let tiles: usize = self.zooms.iter().map(|z| z.ids.len()).sum();
        TileStats {
            tiles,
            contents: tiles,
            bytes: 0,
            features: self.features,
            skipped: self.skipped,
            max_tile_bytes: self.tiles().map(|(_, t)| t.len()).max().unwrap_or(0),
            clustered_tiles: self.zooms.iter().map(|z| z.clustered).sum(),
            changed: false,
        }
    }

    /// Bounds `[west, south, east, north]` in degrees, widened by 1e-6° when the data is a
    /// single point so the box has an area.
    pub fn bounds(&self) -> [f64; 4] {
        let b = self.bounds;
        let pad = |lo: f64, hi: f64| {
            if hi - lo < 1e-6 {
                (lo - 5e-7, hi + 5e-7)
            } else {
                (lo, hi)
            }
        };
        let (w, e) = pad(b.min.0, b.max.0);
        let (s, n) = pad(b.min.1, b.max.1);
        // Contain the data both as tiled and as the GeoJSON layers write it (rounded to 6
        // decimals, which can move a point up to 5e-7° past its exact value).
        [
            w.min(round6(w)),
            s.min(round6(s)),
            e.max(round6(e)),
            n.max(round6(n)),
        ]
    }

    /// Centre `(lon, lat, zoom)`: the middle of the bounds (on the Mercator square), at the
    /// zoom where the bounds fill about one tile.
    pub fn center(&self) -> (f64, f64, u8) {
        let [w, s, e, n] = self.bounds();
        let (x0, y0) = world(w, n);
        let (x1, y1) = world(e, s);
        let (lon, lat) = lon_lat((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let span = (x1 - x0).max(y1 - y0).max(1e-12);
        let z = (-span.log2())
            .floor()
            .clamp(f64::from(self.min_zoom), f64::from(self.max_zoom));
        // Clamped to the zoom range (u8) just above.
        #[allow(clippy::cast_possible_truncation)]
        let z = z as u8;
        (lon, lat, z)
    }

    pub(super) fn vector_layers(&self) -> Json {
        let layers: Vec<Json> = self
            .layers
            .iter()
            .map(|l| {
                let mut fields = Map::new();
                for (k, kind) in &l.fields {
                    fields.insert(k.clone(), Json::from(kind_name(*kind)));
                }
                json!({
                    "id": l.name,
                    "description": "",
                    "minzoom": self.min_zoom,
                    "maxzoom": self.max_zoom,
                    "fields": fields,
                })
            })
            .collect();
        Json::Array(layers)
    }

    /// The PMTiles JSON metadata.
    pub fn metadata(&self, opts: &TileOptions) -> Json {
        json!({
            "name": opts.name,
            "description": opts.description,
            "attribution": self.attribution,
            "type": "overlay",
            "format": "pbf",
            "vector_layers": self.vector_layers(),
        })
    }

    /// MBTiles-style `metadata.json` for an XYZ folder, as GDAL's MVT driver reads it.
    pub fn xyz_metadata(&self, opts: &TileOptions) -> Result<String> {
        let [w, s, e, n] = self.bounds();
        let (lon, lat, z) = self.center();
        let inner = serde_json::to_string(&json!({ "vector_layers": self.vector_layers() }))
            .map_err(|e| Error::Usage(format!("metadata: {e}")))?;
        let meta = json!({
            "name": opts.name,
            "description": opts.description,
            "attribution": self.attribution,
            "type": "overlay",
            "format": "pbf",
            "version": "2",
            "minzoom": self.min_zoom.to_string(),
            "maxzoom": self.max_zoom.to_string(),
            "bounds": format!("{w:.7},{s:.7},{e:.7},{n:.7}"),
            "center": format!("{lon:.7},{lat:.7},{z}"),
            "json": inner,
        });
        serde_json::to_string_pretty(&meta)
            .map(|s| s + "\n")
            .map_err(|e| Error::Usage(format!("metadata: {e}")))
    }

    /// Where the time went so far (`wall` counts from the start of [`tile_pyramid`]).
    pub fn timings(&self) -> Timings {
        Timings {
            wall: self.started.elapsed(),
            ..self.timings
        }
    }

    /// Assemble the PMTiles archive.
    pub fn into_pmtiles(self, opts: &TileOptions) -> Result<(Vec<u8>, TileStats)> {
        self.into_pmtiles_timed(opts).map(|(b, s, _)| (b, s))
    }

    /// Assemble the PMTiles archive, also returning where the time of the run went.
    pub fn into_pmtiles_timed(self, opts: &TileOptions) -> Result<(Vec<u8>, TileStats, Timings)> {
        let assemble_start = Instant::now();
        let mut stats = self.stats();
        let metadata = serde_json::to_vec(&self.metadata(opts))
            .map_err(|e| Error::Usage(format!("metadata: {e}")))?;
        let mut gz = Gzip::new(6);
        let metadata = gz.compress(&metadata);
        let [w, s, e, n] = self.bounds();
        let (clon, clat, cz) = self.center();
        let mut data = TileData::default();
        let mut zooms = self.zooms;
        data.data
            .reserve_exact(zooms.iter().map(|z| z.data.len()).sum());
        for zt in &mut zooms {
            for (i, &id) in zt.ids.iter().enumerate() {
                let start = if i == 0 { 0 } else { zt.ends[i - 1] };
                data.push(id, &zt.data[start..zt.ends[i]]);
            }
            // Free each zoom's copy as soon as it is in the archive's buffer.
            *zt = ZoomTiles::default();
        }
        stats.contents = usize::try_from(data.contents).unwrap_or(usize::MAX);
        let dirs = pmtiles::build_directories(&data.entries, &mut gz);
        let e7 = |v: f64, up: bool| {
            let x = v * 1e7;
            let x = if up { x.ceil() } else { x.floor() };
            // Degrees × 10^7 are within ±1.8e9, inside i32.
            #[allow(clippy::cast_possible_truncation)]
            let x = x.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32;
            x
        };
        let header = Header {
            counts: (data.addressed, data.entries.len() as u64, data.contents),
            clustered: true,
            internal_compression: pmtiles::COMPRESSION_GZIP,
            tile_compression: if self.compressed {
                pmtiles::COMPRESSION_GZIP
            } else {
                pmtiles::COMPRESSION_NONE
            },
            tile_type: pmtiles::TILE_TYPE_MVT,
            zooms: (self.min_zoom, self.max_zoom),
            bounds_e7: [e7(w, false), e7(s, false), e7(e, true), e7(n, true)],
            center: (cz, e7(clon, false), e7(clat, false)),
            ..Header::default()
        };
        let bytes = pmtiles::assemble(header, &dirs, &metadata, data.data);
        let timings = Timings {
            assemble: assemble_start.elapsed(),
            wall: self.started.elapsed(),
            ..self.timings
        };
        Ok((bytes, stats, timings))
    }
}
