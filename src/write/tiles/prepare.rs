//! Preparation: every located feature projected to world coordinates once, with its
//! stable [`feature_id`], its properties as indices into one key table and one value table
//! per layer (values deduplicated by their protobuf encoding, the canonical form), stored
//! in Hilbert order so each tile reads a nearly contiguous run of features.

use std::collections::HashMap;

use geo::{CoordsIter, Geometry};
use rustc_hash::FxBuildHasher;
use serde_json::Value as Json;

use super::clip::Pt;
use super::cluster::ClusterTable;
use super::cut::u32_of;
use super::hilbert::tile_id;
use super::mercator::{pixel, world};
use super::mvt;
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
pub(super) struct Prepared {
    pub(super) id: u64,
    /// Range of `(key, value)` index pairs in the layer's tag pool.
    pub(super) tags: (u32, u32),
    pub(super) geom: Geom,
}

/// Geometry in world coordinates (`[0, 1]²`, y south).
#[derive(Debug)]
pub(super) enum Geom {
    Point(Pt),
    MultiPoint(Vec<Pt>),
    Lines(Vec<Vec<Pt>>),
    Polygons(Vec<Vec<Vec<Pt>>>),
}

#[derive(Debug)]
pub(super) struct PreparedLayer {
    pub(super) name: String,
    pub(super) keys: Vec<String>,
    /// Encoded `Value` messages.
    pub(super) values: Vec<Vec<u8>>,
    /// Type bit of each value: 1 string, 2 number, 4 boolean.
    pub(super) value_kind: Vec<u8>,
    pub(super) tag_pool: Vec<u32>,
    pub(super) features: Vec<Prepared>,
    /// What clustering needs of the layer.
    pub(super) cluster: ClusterTable,
}

pub(super) const KIND_STRING: u8 = 1;
pub(super) const KIND_NUMBER: u8 = 2;
pub(super) const KIND_BOOL: u8 = 4;

/// Encode one property value; `None` for null (omitted).
pub(super) fn encode_property(v: &Json, buf: &mut Vec<u8>) -> Option<u8> {
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

pub(super) fn project_all<'a>(
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
pub(super) fn open_ring(ring: &geo::LineString<f64>, bounds: &mut Bounds) -> Vec<Pt> {
    let mut pts = project_all(ring.0.iter(), bounds);
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    pts
}

pub(super) fn polygon(p: &geo::Polygon<f64>, bounds: &mut Bounds) -> Vec<Vec<Pt>> {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(|r| open_ring(r, bounds))
        .collect()
}

/// Lon/lat bounds of everything tiled.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bounds {
    pub(super) min: (f64, f64),
    pub(super) max: (f64, f64),
}

impl Bounds {
    pub(super) fn empty() -> Self {
        Bounds {
            min: (f64::INFINITY, f64::INFINITY),
            max: (f64::NEG_INFINITY, f64::NEG_INFINITY),
        }
    }
    pub(super) fn add(&mut self, lon: f64, lat: f64) {
        let lon = lon.clamp(-180.0, 180.0);
        let lat = lat.clamp(-super::mercator::MAX_LAT, super::mercator::MAX_LAT);
        self.min = (self.min.0.min(lon), self.min.1.min(lat));
        self.max = (self.max.0.max(lon), self.max.1.max(lat));
    }
    pub(super) fn merge(&mut self, o: &Bounds) {
        self.min = (self.min.0.min(o.min.0), self.min.1.min(o.min.1));
        self.max = (self.max.0.max(o.max.0), self.max.1.max(o.max.1));
    }
}

pub(super) fn convert(g: &Geometry<f64>, bounds: &mut Bounds) -> Option<Geom> {
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
pub(super) fn prepare(
    layers: &[Layer],
    threads: usize,
    accumulate: &[String],
) -> Result<(Vec<PreparedLayer>, Bounds, usize, usize)> {
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
            mut keys,
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
        let cluster = ClusterTable::new(&mut keys, &values, &tag_pool, &features, accumulate);
        out.push(PreparedLayer {
            name: layer.name.clone(),
            keys,
            values,
            value_kind,
            tag_pool,
            features,
            cluster,
        });
    }
    Ok((out, bounds, tiled, skipped))
}

/// A layer's key and value tables, and each feature's `(key, value)` pairs in `pool`.
pub(super) struct PropertyTables {
    pub(super) keys: Vec<String>,
    pub(super) value_index: HashMap<Vec<u8>, u32, FxBuildHasher>,
    pub(super) value_kind: Vec<u8>,
    pub(super) pool: Vec<u32>,
    /// Per input feature, its range of `pool`.
    pub(super) ranges: Vec<(u32, u32)>,
}

/// Build the key and value tables of a layer, in input order.
pub(super) fn property_tables(layer: &Layer) -> Result<PropertyTables> {
    let name = layer.name.as_str();
    let mut keys: Vec<String> = Vec::new();
    let mut key_index: HashMap<&str, u32, FxBuildHasher> = HashMap::default();
    let mut value_index: HashMap<Vec<u8>, u32, FxBuildHasher> = HashMap::default();
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

pub(super) fn too_many(layer: &str) -> Error {
    Error::Usage(format!(
        "layer {layer:?} has more than 2^32 properties to tile"
    ))
}

/// Two features of a layer must not share an MVT id (a repeated string id, or a hash
/// collision, which is vanishingly rare at 53 bits but checked all the same). `ids` holds
/// `(MVT id, index in layer.features)`.
pub(super) fn check_ids(layer: &Layer, ids: &mut [(u64, usize)]) -> Result<()> {
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
pub(super) fn spatial_key(geom: &Geom) -> u64 {
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

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)]
mod tests {
    use super::*;
    use serde_json::json;

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
