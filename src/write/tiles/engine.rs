//! The tiling engine: prepare layers once, then cut and encode each zoom.
//!
//! Preparation projects every located feature to world coordinates, gives it its
//! [`feature_id`], and turns its properties into indices into one key table and one value
//! table per layer (values deduplicated by their protobuf encoding, the canonical form).
//! Each zoom is then an independent job: list `(tile, layer, feature, geometry)` entries,
//! sort them by tile id, and encode each tile with its keys and values remapped to
//! tile-local indices. Zooms run on worker threads and land in per-zoom slots, so the
//! output is the same whatever the number of threads.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use geo::{CoordsIter, Geometry};
use serde_json::{json, Map, Value as Json};

use crate::derive::round6;

use super::clip::{self, Pt, TileParts};
use super::hilbert::tile_id;
use super::mercator::{lon_lat, pixel, world, world_size};
use super::mvt::{self, GeomType, GeometryEncoder};
use super::pmtiles::{self, Gzip, Header, TileData};
use super::{TileOptions, TileStats};
use crate::derive::Layer;
use crate::error::{Error, Result};

/// The stable MVT id of feature `id` in `layer`: FNV-1a 64 over `layer`, a zero byte and
/// `id`, folded to 53 bits (so JavaScript numbers hold it exactly) and never 0 (some
/// clients treat 0 as "no id").
pub fn feature_id(layer: &str, id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in layer.as_bytes().iter().chain(&[0u8]).chain(id.as_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let folded = (h ^ (h >> 53)) & ((1u64 << 53) - 1);
    folded.max(1)
}

/// A located feature, ready to tile.
#[derive(Debug)]
struct Prepared {
    id: u64,
    /// Range of `(key, value)` index pairs in the layer's tag pool.
    tags: (u32, u32),
    geom: Geom,
}

/// Geometry in world coordinates (`[0, 1]²`, y south).
#[derive(Debug)]
enum Geom {
    Point(Pt),
    MultiPoint(Vec<Pt>),
    Lines(Vec<Vec<Pt>>),
    Polygons(Vec<Vec<Vec<Pt>>>),
}

#[derive(Debug)]
struct PreparedLayer {
    name: String,
    keys: Vec<String>,
    /// Encoded `Value` messages.
    values: Vec<Vec<u8>>,
    /// Type bit of each value: 1 string, 2 number, 4 boolean.
    value_kind: Vec<u8>,
    tag_pool: Vec<u32>,
    features: Vec<Prepared>,
}

const KIND_STRING: u8 = 1;
const KIND_NUMBER: u8 = 2;
const KIND_BOOL: u8 = 4;

/// Encode one property value; `None` for null (omitted).
fn encode_property(v: &Json, buf: &mut Vec<u8>) -> Option<u8> {
    buf.clear();
    let (value, kind) = match v {
        Json::Null => return None,
        Json::Bool(b) => (mvt::Value::Bool(*b), KIND_BOOL),
        Json::Number(n) => {
            let value = if let Some(u) = n.as_u64() {
                mvt::Value::UInt(u)
            } else if let Some(i) = n.as_i64() {
                mvt::Value::SInt(i)
            } else {
                mvt::Value::Double(n.as_f64().unwrap_or(f64::NAN))
            };
            (value, KIND_NUMBER)
        }
        Json::String(s) => {
            mvt::bytes_field(buf, 1, s.as_bytes());
            return Some(KIND_STRING);
        }
        Json::Array(_) | Json::Object(_) => (mvt::Value::String(v.to_string()), KIND_STRING),
    };
    mvt::encode_value(&value, buf);
    Some(kind)
}

fn project_all<'a>(
    coords: impl Iterator<Item = &'a geo::Coord<f64>>,
    bounds: &mut Bounds,
) -> Vec<Pt> {
    coords
        .map(|c| {
            bounds.add(c.x, c.y);
            world(c.x, c.y)
        })
        .collect()
}

/// A ring without its closing vertex.
fn open_ring(ring: &geo::LineString<f64>, bounds: &mut Bounds) -> Vec<Pt> {
    let mut pts = project_all(ring.0.iter(), bounds);
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    pts
}

fn polygon(p: &geo::Polygon<f64>, bounds: &mut Bounds) -> Vec<Vec<Pt>> {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(|r| open_ring(r, bounds))
        .collect()
}

/// Lon/lat bounds of everything tiled.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    min: (f64, f64),
    max: (f64, f64),
}

impl Bounds {
    fn empty() -> Self {
        Bounds {
            min: (f64::INFINITY, f64::INFINITY),
            max: (f64::NEG_INFINITY, f64::NEG_INFINITY),
        }
    }
    fn add(&mut self, lon: f64, lat: f64) {
        let lon = lon.clamp(-180.0, 180.0);
        let lat = lat.clamp(-super::mercator::MAX_LAT, super::mercator::MAX_LAT);
        self.min = (self.min.0.min(lon), self.min.1.min(lat));
        self.max = (self.max.0.max(lon), self.max.1.max(lat));
    }
    fn merge(&mut self, o: &Bounds) {
        self.min = (self.min.0.min(o.min.0), self.min.1.min(o.min.1));
        self.max = (self.max.0.max(o.max.0), self.max.1.max(o.max.1));
    }
}

fn convert(g: &Geometry<f64>, bounds: &mut Bounds) -> Option<Geom> {
    if !g.coords_iter().all(|c| c.x.is_finite() && c.y.is_finite()) {
        return None;
    }
    let mut local = Bounds::empty();
    let geom = match g {
        Geometry::Point(p) => {
            local.add(p.x(), p.y());
            Geom::Point(world(p.x(), p.y()))
        }
        Geometry::MultiPoint(mp) => {
            let pts: Vec<Pt> = project_all(mp.0.iter().map(|p| &p.0), &mut local);
            Geom::MultiPoint(pts)
        }
        Geometry::Line(l) => Geom::Lines(vec![project_all([l.start, l.end].iter(), &mut local)]),
        Geometry::LineString(ls) => Geom::Lines(vec![project_all(ls.0.iter(), &mut local)]),
        Geometry::MultiLineString(mls) => Geom::Lines(
            mls.0
                .iter()
                .map(|ls| project_all(ls.0.iter(), &mut local))
                .collect(),
        ),
        Geometry::Polygon(p) => Geom::Polygons(vec![polygon(p, &mut local)]),
        Geometry::MultiPolygon(mp) => {
            Geom::Polygons(mp.0.iter().map(|p| polygon(p, &mut local)).collect())
        }
        Geometry::Rect(r) => Geom::Polygons(vec![polygon(&r.to_polygon(), &mut local)]),
        Geometry::Triangle(t) => Geom::Polygons(vec![polygon(&t.to_polygon(), &mut local)]),
        Geometry::GeometryCollection(_) => return None,
    };
    let empty = match &geom {
        Geom::Point(_) => false,
        Geom::MultiPoint(p) => p.is_empty(),
        Geom::Lines(l) => l.iter().all(|l| l.len() < 2),
        Geom::Polygons(p) => p.iter().all(|p| p.first().is_none_or(|r| r.len() < 3)),
    };
    if empty {
        return None;
    }
    bounds.merge(&local);
    Some(geom)
}

/// Prepare the layers; returns them with the data bounds, features tiled and skipped.
fn prepare(layers: &[Layer], threads: usize) -> Result<(Vec<PreparedLayer>, Bounds, usize, usize)> {
    let mut out = Vec::with_capacity(layers.len());
    let mut bounds = Bounds::empty();
    let (mut tiled, mut skipped) = (0usize, 0usize);
    let mut names = std::collections::BTreeSet::new();
    for layer in layers {
        if !names.insert(layer.name.as_str()) {
            return Err(Error::Usage(format!(
                "two layers are named {:?}; MVT layer names must be unique",
                layer.name
            )));
        }
        // Pass 1, in input order (the order the input's own allocations were made in, so
        // memory is read sequentially). Geometry and ids on one thread, property tables on
        // another when the layer is big; both are pure functions of the input, so the
        // result does not depend on it. Properties of unlocated features enter the tables
        // too, harmlessly: only values a tile uses are kept (pass 2), only keys a tile uses
        // reach the metadata.
        let name = layer.name.as_str();
        let geometry_pass = || {
            let mut b = Bounds::empty();
            let g: Vec<Option<(u64, u64, Geom)>> = layer
                .features
                .iter()
                .map(|f| {
                    let geom = f.geometry.as_ref().and_then(|g| convert(g, &mut b))?;
                    Some((spatial_key(&geom), feature_id(name, &f.id), geom))
                })
                .collect();
            (g, b)
        };
        let ((geoms, layer_bounds), props) = if threads > 1 && layer.features.len() >= 10_000 {
            std::thread::scope(|s| {
                let handle = s.spawn(geometry_pass);
                let props = property_tables(layer);
                match handle.join() {
                    Ok(g) => Ok((g, props)),
                    Err(_) => Err(Error::Usage("a tiling worker failed".into())),
                }
            })?
        } else {
            (geometry_pass(), property_tables(layer))
        };
        let PropertyTables {
            keys,
            value_index,
            value_kind: value_kind_in,
            pool: pool_in,
            ranges,
        } = props?;
        bounds.merge(&layer_bounds);
        let mut located: Vec<(u64, u32, Prepared)> = Vec::with_capacity(geoms.len());
        let mut ids = Vec::with_capacity(geoms.len());
        for (i, (g, tags)) in geoms.into_iter().zip(ranges).enumerate() {
            let Some((key, id, geom)) = g else {
                skipped += 1;
                continue;
            };
            ids.push((id, i));
            let order = u32::try_from(i).map_err(|_| too_many(name))?;
            located.push((key, order, Prepared { id, tags, geom }));
        }
        // Pass 2: storage order is the Hilbert position of each feature's first vertex at
        // zoom 16, then input (id) order. Every tile at every zoom then reads a nearly
        // contiguous run of features; it is also their order (draw order) within a tile.
        // Values are renumbered by first use in that order, for the same reason.
        located.sort_unstable_by_key(|(key, order, _)| (*key, *order));
        let mut renumber = vec![u32::MAX; value_index.len()];
        let mut value_kind = Vec::with_capacity(value_index.len());
        let mut tag_pool = Vec::with_capacity(pool_in.len());
        let mut features = Vec::with_capacity(located.len());
        for (_, _, mut f) in located {
            let start = u32::try_from(tag_pool.len()).map_err(|_| too_many(&layer.name))?;
            let pairs = pool_in
                .get(f.tags.0 as usize..f.tags.1 as usize)
                .unwrap_or(&[]);
            for pair in pairs.chunks_exact(2) {
                let old = pair[1] as usize;
                let new = match renumber.get(old) {
                    Some(&n) if n != u32::MAX => n,
                    _ => {
                        let n =
                            u32::try_from(value_kind.len()).map_err(|_| too_many(&layer.name))?;
                        if let Some(slot) = renumber.get_mut(old) {
                            *slot = n;
                        }
                        value_kind.push(value_kind_in.get(old).copied().unwrap_or(0));
                        n
                    }
                };
                tag_pool.push(pair[0]);
                tag_pool.push(new);
            }
            let end = u32::try_from(tag_pool.len()).map_err(|_| too_many(&layer.name))?;
            f.tags = (start, end);
            features.push(f);
        }
        drop(pool_in);
        check_ids(layer, &mut ids)?;
        let mut values = vec![Vec::new(); value_kind.len()];
        for (bytes, old) in value_index {
            let new = renumber.get(old as usize).copied().unwrap_or(u32::MAX);
            if let Some(slot) = values.get_mut(new as usize) {
                *slot = bytes;
            }
        }
        tiled += features.len();
        out.push(PreparedLayer {
            name: layer.name.clone(),
            keys,
            values,
            value_kind,
            tag_pool,
            features,
        });
    }
    Ok((out, bounds, tiled, skipped))
}

/// A layer's key and value tables, and each feature's `(key, value)` pairs in `pool`.
struct PropertyTables {
    keys: Vec<String>,
    value_index: HashMap<Vec<u8>, u32, FxBuild>,
    value_kind: Vec<u8>,
    pool: Vec<u32>,
    /// Per input feature, its range of `pool`.
    ranges: Vec<(u32, u32)>,
}

/// Build the key and value tables of a layer, in input order.
fn property_tables(layer: &Layer) -> Result<PropertyTables> {
    let name = layer.name.as_str();
    let mut keys: Vec<String> = Vec::new();
    let mut key_index: HashMap<&str, u32, FxBuild> = HashMap::default();
    let mut value_index: HashMap<Vec<u8>, u32, FxBuild> = HashMap::default();
    let mut value_kind = Vec::new();
    let mut pool: Vec<u32> = Vec::new();
    let mut ranges = Vec::with_capacity(layer.features.len());
    let mut buf = Vec::new();
    for f in &layer.features {
        let start = u32::try_from(pool.len()).map_err(|_| too_many(name))?;
        for (k, v) in &f.properties {
            let Some(kind) = encode_property(v, &mut buf) else {
                continue;
            };
            let next_key = u32::try_from(keys.len()).map_err(|_| too_many(name))?;
            let ki = *key_index.entry(k.as_str()).or_insert_with(|| {
                keys.push(k.clone());
                next_key
            });
            let vi = match value_index.get(buf.as_slice()) {
                Some(&vi) => vi,
                None => {
                    let vi = u32::try_from(value_index.len()).map_err(|_| too_many(name))?;
                    value_index.insert(buf.clone(), vi);
                    value_kind.push(kind);
                    vi
                }
            };
            pool.push(ki);
            pool.push(vi);
        }
        let end = u32::try_from(pool.len()).map_err(|_| too_many(name))?;
        ranges.push((start, end));
    }
    Ok(PropertyTables {
        keys,
        value_index,
        value_kind,
        pool,
        ranges,
    })
}

fn too_many(layer: &str) -> Error {
    Error::Usage(format!(
        "layer {layer:?} has more than 2^32 properties to tile"
    ))
}

/// Two features of a layer must not share an MVT id (a repeated string id, or a hash
/// collision, which is vanishingly rare at 53 bits but checked all the same). `ids` holds
/// `(MVT id, index in layer.features)`.
fn check_ids(layer: &Layer, ids: &mut [(u64, usize)]) -> Result<()> {
    ids.sort_unstable();
    for w in ids.windows(2) {
        if w[0].0 == w[1].0 {
            let string_id = |i: usize| layer.features.get(i).map_or("", |f| f.id.as_str());
            return Err(Error::Usage(format!(
                "layer {:?}: features {:?} and {:?} would have the same tile id {}",
                layer.name,
                string_id(w[0].1),
                string_id(w[1].1),
                w[0].0
            )));
        }
    }
    Ok(())
}

/// The Hilbert position of a geometry's first vertex at zoom 16: the storage order.
fn spatial_key(geom: &Geom) -> u64 {
    let first = match geom {
        Geom::Point(p) => Some(*p),
        Geom::MultiPoint(p) => p.first().copied(),
        Geom::Lines(l) => l.iter().flatten().next().copied(),
        Geom::Polygons(p) => p.iter().flatten().flatten().next().copied(),
    };
    let Some((x, y)) = first else { return 0 };
    let cell = |v: f64| u32_of(pixel(v, 16, 1));
    tile_id(16, cell(x), cell(y))
}

/// A small, fast, fixed hasher (FxHash's multiply-rotate, with a murmur3 finaliser) for the
/// lookup tables; nothing iterates these maps, so their order never reaches the output.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        // murmur3's fmix64, so that every input bit reaches the low bits the table uses.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

impl FxHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Builds [`FxHasher`]s.
pub(crate) type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

/// One feature's geometry in one tile.
#[derive(Debug, Clone, Copy)]
enum TileGeom {
    Point(i32, i32),
    Pool {
        start: u32,
        len: u32,
        kind: GeomType,
    },
}

#[derive(Debug, Clone, Copy)]
struct TileEntry {
    tile: u64,
    layer: u32,
    feature: u32,
    geom: TileGeom,
}

/// The tiles of one zoom: ids ascending, contents concatenated.
#[derive(Debug, Default)]
struct ZoomTiles {
    ids: Vec<u64>,
    ends: Vec<usize>,
    data: Vec<u8>,
    /// Per layer, per key: OR of the kinds of values seen in tiles.
    key_kinds: Vec<Vec<u8>>,
    timings: Timings,
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

struct Grid {
    zoom: u8,
    extent: i64,
    buffer: i64,
    tiles: i64,
}

impl Grid {
    /// Tile range (inclusive) whose buffered squares hold global pixel `g`.
    fn range(&self, g: i64) -> (i64, i64) {
        let lo = (g - self.buffer)
            .div_euclid(self.extent)
            .clamp(0, self.tiles - 1);
        let hi = (g + self.buffer)
            .div_euclid(self.extent)
            .clamp(0, self.tiles - 1);
        (lo, hi)
    }
}

fn u32_of(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn i32_of(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

fn pool_push(pool: &mut Vec<u32>, cmds: &[u32], kind: GeomType) -> TileGeom {
    let start = u32::try_from(pool.len()).unwrap_or(u32::MAX);
    pool.extend_from_slice(cmds);
    TileGeom::Pool {
        start,
        len: u32::try_from(cmds.len()).unwrap_or(0),
        kind,
    }
}

/// List every (tile, feature) pair of one zoom, with its geometry in tile coordinates.
fn cut_zoom(
    layers: &[PreparedLayer],
    grid: &Grid,
    pool: &mut Vec<u32>,
    entries: &mut Vec<TileEntry>,
) {
    entries.clear();
    pool.clear();
    let size = world_size(grid.zoom, 1) * grid.extent as f64;
    let extent_f = grid.extent as f64;
    let buffer_f = grid.buffer as f64;
    let tiles_u = u32_of(grid.tiles);
    let ext_u = u32_of(grid.extent);
    let mut enc = GeometryEncoder::default();
    let mut q = Vec::new();
    for (li, layer) in layers.iter().enumerate() {
        let li = u32::try_from(li).unwrap_or(u32::MAX);
        for (fi, f) in layer.features.iter().enumerate() {
            let fi = u32::try_from(fi).unwrap_or(u32::MAX);
            match &f.geom {
                Geom::Point((wx, wy)) => {
                    let gx = pixel(*wx, grid.zoom, ext_u);
                    let gy = pixel(*wy, grid.zoom, ext_u);
                    let (x0, x1) = grid.range(gx);
                    let (y0, y1) = grid.range(gy);
                    for tx in x0..=x1 {
                        for ty in y0..=y1 {
                            entries.push(TileEntry {
                                tile: tile_id(grid.zoom, u32_of(tx), u32_of(ty)),
                                layer: li,
                                feature: fi,
                                geom: TileGeom::Point(
                                    i32_of(gx - tx * grid.extent),
                                    i32_of(gy - ty * grid.extent),
                                ),
                            });
                        }
                    }
                }
                Geom::MultiPoint(pts) => {
                    let mut per_tile: BTreeMap<(u32, u32), Vec<(i32, i32)>> = BTreeMap::new();
                    for (wx, wy) in pts {
                        let gx = pixel(*wx, grid.zoom, ext_u);
                        let gy = pixel(*wy, grid.zoom, ext_u);
                        let (x0, x1) = grid.range(gx);
                        let (y0, y1) = grid.range(gy);
                        for tx in x0..=x1 {
                            for ty in y0..=y1 {
                                per_tile.entry((u32_of(tx), u32_of(ty))).or_default().push((
                                    i32_of(gx - tx * grid.extent),
                                    i32_of(gy - ty * grid.extent),
                                ));
                            }
                        }
                    }
                    for ((tx, ty), pts) in per_tile {
                        enc = GeometryEncoder::with_buffer(enc.commands);
                        enc.points(&pts);
                        let geom = pool_push(pool, &enc.commands, GeomType::Point);
                        entries.push(TileEntry {
                            tile: tile_id(grid.zoom, tx, ty),
                            layer: li,
                            feature: fi,
                            geom,
                        });
                    }
                }
                Geom::Lines(lines) => {
                    let mut parts = TileParts::new();
                    for line in lines {
                        let global: Vec<Pt> =
                            line.iter().map(|&(x, y)| (x * size, y * size)).collect();
                        clip::clip_line(&global, extent_f, buffer_f, tiles_u, &mut parts);
                    }
                    for ((tx, ty), tile_parts) in parts {
                        enc = GeometryEncoder::with_buffer(enc.commands);
                        for part in &tile_parts {
                            clip::quantise(part, tx, ty, extent_f, &mut q);
                            if q.len() >= 2 {
                                enc.line(&q);
                            }
                        }
                        if enc.commands.is_empty() {
                            continue;
                        }
                        let geom = pool_push(pool, &enc.commands, GeomType::LineString);
                        entries.push(TileEntry {
                            tile: tile_id(grid.zoom, tx, ty),
                            layer: li,
                            feature: fi,
                            geom,
                        });
                    }
                }
                Geom::Polygons(polys) => {
                    let mut per_tile: BTreeMap<(u32, u32), Vec<u32>> = BTreeMap::new();
                    for poly in polys {
                        cut_polygon(poly, size, grid, &mut per_tile, &mut q);
                    }
                    for ((tx, ty), cmds) in per_tile {
                        let geom = pool_push(pool, &cmds, GeomType::Polygon);
                        entries.push(TileEntry {
                            tile: tile_id(grid.zoom, tx, ty),
                            layer: li,
                            feature: fi,
                            geom,
                        });
                    }
                }
            }
        }
    }
}

/// Clip one polygon (exterior then holes, world coordinates) into every tile its exterior
/// reaches, appending each tile's rings as commands. Exteriors are written with positive
/// area (clockwise on screen), holes negative; rings that collapse to no area are dropped,
/// and a polygon whose exterior collapses is dropped in that tile.
fn cut_polygon(
    poly: &[Vec<Pt>],
    size: f64,
    grid: &Grid,
    per_tile: &mut BTreeMap<(u32, u32), Vec<u32>>,
    q: &mut Vec<(i32, i32)>,
) {
    let rings: Vec<Vec<Pt>> = poly
        .iter()
        .map(|r| r.iter().map(|&(x, y)| (x * size, y * size)).collect())
        .collect();
    let Some(exterior) = rings.first() else {
        return;
    };
    let mut min = (f64::INFINITY, f64::INFINITY);
    let mut max = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for &(x, y) in exterior {
        min = (min.0.min(x), min.1.min(y));
        max = (max.0.max(x), max.1.max(y));
    }
    let extent = grid.extent as f64;
    let buffer = grid.buffer as f64;
    let ((x0, x1), (y0, y1)) = clip::tile_range(min, max, extent, buffer, u32_of(grid.tiles));
    let mut enc = GeometryEncoder::default();
    for tx in x0..=x1 {
        for ty in y0..=y1 {
            let rect = clip::tile_rect(tx, ty, extent, buffer);
            enc = GeometryEncoder::with_buffer(enc.commands);
            for (i, ring) in rings.iter().enumerate() {
                let clipped = clip::clip_ring(ring, &rect);
                clip::quantise(&clipped, tx, ty, extent, q);
                while q.len() > 1 && q.first() == q.last() {
                    q.pop();
                }
                let area = clip::area2(q);
                if q.len() < 3 || area == 0 {
                    if i == 0 {
                        break;
                    }
                    continue;
                }
                let exterior = i == 0;
                if (area > 0) != exterior {
                    q.reverse();
                }
                enc.ring(q);
            }
            if !enc.commands.is_empty() {
                per_tile
                    .entry((tx, ty))
                    .or_default()
                    .extend_from_slice(&enc.commands);
            }
        }
    }
}

/// Per-worker scratch for remapping a layer's keys and values to tile-local indices.
struct Remap {
    stamp: u32,
    key_stamp: Vec<Vec<u32>>,
    key_local: Vec<Vec<u32>>,
    value_stamp: Vec<Vec<u32>>,
    value_local: Vec<Vec<u32>>,
    features: Vec<u8>,
    tags: Vec<u32>,
    keys: Vec<u32>,
    values: Vec<u32>,
}

impl Remap {
    fn new(layers: &[PreparedLayer]) -> Self {
        Remap {
            stamp: 0,
            key_stamp: layers.iter().map(|l| vec![0; l.keys.len()]).collect(),
            key_local: layers.iter().map(|l| vec![0; l.keys.len()]).collect(),
            value_stamp: layers.iter().map(|l| vec![0; l.values.len()]).collect(),
            value_local: layers.iter().map(|l| vec![0; l.values.len()]).collect(),
            features: Vec::new(),
            tags: Vec::new(),
            keys: Vec::new(),
            values: Vec::new(),
        }
    }
}

/// Local index of `global` in a tile, adding it to `order` on first use.
fn local(
    stamp_v: &mut [u32],
    local_v: &mut [u32],
    stamp: u32,
    global: u32,
    order: &mut Vec<u32>,
) -> u32 {
    let g = global as usize;
    match (stamp_v.get_mut(g), local_v.get_mut(g)) {
        (Some(s), Some(l)) => {
            if *s != stamp {
                *s = stamp;
                *l = u32::try_from(order.len()).unwrap_or(u32::MAX);
                order.push(global);
            }
            *l
        }
        _ => 0,
    }
}

/// Encode one tile's entries (all with the same tile id, sorted by layer then feature).
#[allow(clippy::too_many_arguments)]
fn encode_tile(
    entries: &[TileEntry],
    layers: &[PreparedLayer],
    pool: &[u32],
    extent: u32,
    remap: &mut Remap,
    key_kinds: &mut [Vec<u8>],
    out: &mut Vec<u8>,
) {
    out.clear();
    // Buffers reused from tile to tile (a zoom 14 pyramid has millions of small tiles).
    let mut features = std::mem::take(&mut remap.features);
    let mut tags = std::mem::take(&mut remap.tags);
    let mut keys = std::mem::take(&mut remap.keys);
    let mut values = std::mem::take(&mut remap.values);
    let mut point: [u32; 3];
    for run in entries.chunk_by(|a, b| a.layer == b.layer) {
        let Some(first) = run.first() else { continue };
        let li = first.layer as usize;
        let Some(layer) = layers.get(li) else {
            continue;
        };
        remap.stamp = remap.stamp.wrapping_add(1);
        if remap.stamp == 0 {
            // Wrapped: clear the stamps so no stale entry matches.
            for v in remap
                .key_stamp
                .iter_mut()
                .chain(remap.value_stamp.iter_mut())
            {
                v.iter_mut().for_each(|s| *s = 0);
            }
            remap.stamp = 1;
        }
        let stamp = remap.stamp;
        features.clear();
        keys.clear();
        values.clear();
        for e in run {
            let Some(f) = layer.features.get(e.feature as usize) else {
                continue;
            };
            tags.clear();
            let pairs = layer
                .tag_pool
                .get(f.tags.0 as usize..f.tags.1 as usize)
                .unwrap_or(&[]);
            for pair in pairs.chunks_exact(2) {
                let (k, v) = (pair[0], pair[1]);
                let lk = local(
                    &mut remap.key_stamp[li],
                    &mut remap.key_local[li],
                    stamp,
                    k,
                    &mut keys,
                );
                let lv = local(
                    &mut remap.value_stamp[li],
                    &mut remap.value_local[li],
                    stamp,
                    v,
                    &mut values,
                );
                tags.push(lk);
                tags.push(lv);
                if let (Some(kk), Some(vk)) = (
                    key_kinds[li].get_mut(k as usize),
                    layer.value_kind.get(v as usize),
                ) {
                    *kk |= *vk;
                }
            }
            let (kind, geometry): (GeomType, &[u32]) = match e.geom {
                TileGeom::Point(x, y) => {
                    point = [mvt::command(1, 1), mvt::zigzag(x), mvt::zigzag(y)];
                    (GeomType::Point, &point)
                }
                TileGeom::Pool { start, len, kind } => (
                    kind,
                    pool.get(start as usize..(start as usize + len as usize))
                        .unwrap_or(&[]),
                ),
            };
            mvt::encode_feature(&mut features, f.id, &tags, kind, geometry);
        }
        mvt::encode_layer(
            out,
            &layer.name,
            extent,
            &features,
            keys.iter()
                .map(|&k| layer.keys.get(k as usize).map_or("", String::as_str)),
            values
                .iter()
                .map(|&v| layer.values.get(v as usize).map_or(&[][..], Vec::as_slice)),
        );
    }
    remap.features = features;
    remap.tags = tags;
    remap.keys = keys;
    remap.values = values;
}

/// A worker's buffers, reused from zoom to zoom (fresh multi-megabyte buffers cost page
/// faults).
struct Scratch {
    entries: Vec<TileEntry>,
    pool: Vec<u32>,
    remap: Remap,
    raw: Vec<u8>,
}

/// Cut and encode one zoom.
fn build_zoom(
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
    };
    let mut timings = Timings::default();
    let t = Instant::now();
    let Scratch {
        entries,
        pool,
        remap,
        raw,
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
    for tile in entries.chunk_by(|a, b| a.tile == b.tile) {
        let Some(first) = tile.first() else { continue };
        let t = Instant::now();
        encode_tile(
            tile,
            layers,
            pool,
            opts.extent,
            remap,
            &mut zt.key_kinds,
            raw,
        );
        let t2 = Instant::now();
        timings.encode += t2 - t;
        match gzip.as_deref_mut() {
            Some(gz) => gz.compress_into(raw, &mut zt.data),
            None => zt.data.extend_from_slice(raw),
        }
        timings.gzip += t2.elapsed();
        zt.ids.push(first.tile);
        zt.ends.push(zt.data.len());
    }
    zt.timings = timings;
    zt
}

/// Every tile of every zoom, in tile-id order, with what the metadata needs.
#[derive(Debug)]
pub struct Pyramid {
    zooms: Vec<ZoomTiles>,
    layers: Vec<LayerInfo>,
    bounds: Bounds,
    attribution: String,
    compressed: bool,
    min_zoom: u8,
    max_zoom: u8,
    features: usize,
    skipped: usize,
    timings: Timings,
    started: Instant,
}

#[derive(Debug)]
struct LayerInfo {
    name: String,
    /// Keys found in tiles, in first-appearance order, with their value-kind bits.
    fields: Vec<(String, u8)>,
}

/// Cut and encode every zoom from `opts.min_zoom` to `opts.max_zoom`, gzipping tiles when
/// `compress` is set.
pub fn tile_pyramid(layers: &[Layer], opts: &TileOptions, compress: bool) -> Result<Pyramid> {
    let start = Instant::now();
    opts.validate()?;
    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let (prepared, bounds, features, skipped) = prepare(layers, threads)?;
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
    for l in layers {
        let a = l.attribution.trim();
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

fn kind_name(kind: u8) -> &'static str {
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

    fn vector_layers(&self) -> Json {
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

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)]
mod tests {
    use super::*;

    #[test]
    fn feature_ids_are_stable_small_and_layer_specific() {
        let a = feature_id("exercises", "peace-mission-2021");
        assert_eq!(a, feature_id("exercises", "peace-mission-2021"));
        assert!(a < (1 << 53) && a > 0);
        assert_ne!(a, feature_id("bases", "peace-mission-2021"));
        // Pinned: a change here changes every id in every published tile.
        // Pinned value, also computed independently (Python, same FNV-1a and fold).
        assert_eq!(feature_id("bases", "kant"), 1_516_331_415_772_540);
    }

    #[test]
    fn property_values_encode_by_type() {
        let mut buf = Vec::new();
        assert_eq!(encode_property(&Json::Null, &mut buf), None);
        assert_eq!(encode_property(&json!(3), &mut buf), Some(KIND_NUMBER));
        assert_eq!(buf, [0x28, 3]);
        assert_eq!(encode_property(&json!(-3), &mut buf), Some(KIND_NUMBER));
        assert_eq!(buf, [0x30, 5]);
        assert_eq!(encode_property(&json!(true), &mut buf), Some(KIND_BOOL));
        assert_eq!(
            encode_property(&json!(["a", 1]), &mut buf),
            Some(KIND_STRING)
        );
        assert_eq!(buf[2..], *br#"["a",1]"#);
        assert_eq!(encode_property(&json!(2.5), &mut buf), Some(KIND_NUMBER));
        assert_eq!(buf[0], 0x19);
    }
}
