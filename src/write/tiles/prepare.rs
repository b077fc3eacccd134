//! Preparation: every located feature projected to world coordinates once, with its
//! stable [`feature_id`], its properties as indices into one key table and one value table
//! per layer (values deduplicated by their protobuf encoding, the canonical form), stored
//! in Hilbert order so each tile reads a nearly contiguous run of features.

use std::collections::HashMap;

use geo::{CoordsIter, Geometry};
use rustc_hash::{FxBuildHasher, FxHashSet};
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

/// One layer's features prepared as they arrive, in input order, so no layer has to be
/// held whole as [`Layer`] values: each feature's geometry is projected and its properties
/// entered in the layer's key and value tables at once, and [`LayerBuilder::finish`] puts
/// the features in storage order. The result is the same whether features come from a
/// [`Layer`] in memory or are streamed from a file or a pipeline.
#[derive(Debug)]
pub struct LayerBuilder {
    name: String,
    attribution: String,
    keys: Vec<String>,
    key_index: HashMap<String, u32, FxBuildHasher>,
    value_index: HashMap<Vec<u8>, u32, FxBuildHasher>,
    value_kind: Vec<u8>,
    pool: Vec<u32>,
    /// Every located feature, in input order.
    located: Vec<Prepared>,
    /// The spatial key of each located feature.
    spatial: Vec<u64>,
    ids: FxHashSet<u64>,
    bounds: Bounds,
    pushed: u32,
    skipped: usize,
    buf: Vec<u8>,
}

/// A layer prepared by [`LayerBuilder::finish`], with what the archive's header needs.
pub(super) struct Built {
    pub(super) layer: PreparedLayer,
    pub(super) attribution: String,
    pub(super) bounds: Bounds,
    pub(super) skipped: usize,
}

impl LayerBuilder {
    /// An empty layer named `name` (the MVT layer name), credited with `attribution`.
    pub fn new(name: &str, attribution: &str) -> LayerBuilder {
        LayerBuilder {
            name: name.to_string(),
            attribution: attribution.to_string(),
            keys: Vec::new(),
            key_index: HashMap::default(),
            value_index: HashMap::default(),
            value_kind: Vec::new(),
            pool: Vec::new(),
            located: Vec::new(),
            spatial: Vec::new(),
            ids: FxHashSet::default(),
            bounds: Bounds::empty(),
            pushed: 0,
            skipped: 0,
            buf: Vec::new(),
        }
    }

    /// The features of a layer held in memory.
    pub fn from_layer(layer: &Layer) -> Result<LayerBuilder> {
        let mut b = LayerBuilder::new(&layer.name, &layer.attribution);
        for f in &layer.features {
            b.push(&f.id, f.geometry.as_ref(), &f.properties)?;
        }
        Ok(b)
    }

    /// The layer's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Credit the layer with `attribution`.
    pub fn set_attribution(&mut self, attribution: &str) {
        self.attribution = attribution.to_string();
    }

    /// Features pushed so far, located or not.
    pub fn len(&self) -> usize {
        self.pushed as usize
    }

    /// Whether no feature was pushed.
    pub fn is_empty(&self) -> bool {
        self.pushed == 0
    }

    /// Add one feature. Features without a geometry, or with one tiles do not carry, are
    /// counted as skipped; two located features with the same tile id are an error.
    pub fn push(
        &mut self,
        id: &str,
        geometry: Option<&Geometry<f64>>,
        properties: &serde_json::Map<String, Json>,
    ) -> Result<()> {
        self.pushed = self
            .pushed
            .checked_add(1)
            .ok_or_else(|| too_many(&self.name))?;
        let geom = geometry.and_then(|g| convert(g, &mut self.bounds));
        let start = u32::try_from(self.pool.len()).map_err(|_| too_many(&self.name))?;
        // Keys of unlocated features enter the table too, so key order is first appearance
        // in input order; only keys a tile uses reach the metadata.
        for (k, v) in properties {
            let Some(kind) = encode_property(v, &mut self.buf) else {
                continue;
            };
            let ki = match self.key_index.get(k.as_str()) {
                Some(&ki) => ki,
                None => {
                    let ki = u32::try_from(self.keys.len()).map_err(|_| too_many(&self.name))?;
                    self.keys.push(k.clone());
                    self.key_index.insert(k.clone(), ki);
                    ki
                }
            };
            if geom.is_none() {
                continue;
            }
            let vi = match self.value_index.get(self.buf.as_slice()) {
                Some(&vi) => vi,
                None => {
                    let vi =
                        u32::try_from(self.value_index.len()).map_err(|_| too_many(&self.name))?;
                    self.value_index.insert(self.buf.clone(), vi);
                    self.value_kind.push(kind);
                    vi
                }
            };
            self.pool.push(ki);
            self.pool.push(vi);
        }
        let Some(geom) = geom else {
            self.skipped += 1;
            return Ok(());
        };
        let end = u32::try_from(self.pool.len()).map_err(|_| too_many(&self.name))?;
        let fid = feature_id(&self.name, id);
        if !self.ids.insert(fid) {
            return Err(Error::Usage(format!(
                "layer {:?}: feature {id:?} would have the same tile id {fid} as an earlier \
                 feature (a repeated id?)",
                self.name
            )));
        }
        self.spatial.push(spatial_key(&geom));
        self.located.push(Prepared {
            id: fid,
            tags: (start, end),
            geom,
        });
        Ok(())
    }

    /// Put the features in storage order: the Hilbert position of each feature's first
    /// vertex at zoom 16, then input order. Every tile at every zoom then reads a nearly
    /// contiguous run of features; it is also their order (draw order) within a tile.
    /// Values are renumbered by first use in that order, and the tag pool rewritten in it,
    /// for the same reason. Features are permuted in place; the tag pool is copied once
    /// (8 bytes a property a feature, for the time of the copy).
    pub(super) fn finish(self, accumulate: &[String]) -> Result<Built> {
        let LayerBuilder {
            name,
            attribution,
            mut keys,
            value_index,
            value_kind: value_kind_in,
            pool: mut tag_pool,
            located: mut features,
            spatial,
            ids,
            bounds,
            skipped,
            ..
        } = self;
        drop(ids);
        let mut order: Vec<(u64, u32)> = Vec::with_capacity(spatial.len());
        for (i, key) in spatial.into_iter().enumerate() {
            order.push((key, u32::try_from(i).map_err(|_| too_many(&name))?));
        }
        order.sort_unstable();
        let mut perm: Vec<u32> = order.into_iter().map(|(_, i)| i).collect();
        permute(&mut features, &mut perm);
        drop(perm);
        let mut renumber = vec![u32::MAX; value_index.len()];
        let mut value_kind = Vec::with_capacity(value_index.len());
        // The tag pool is rewritten in storage order too: a tile's features then read their
        // tags from one run of memory, not from wherever their input rows put them.
        let in_input_order = std::mem::take(&mut tag_pool);
        tag_pool.reserve_exact(in_input_order.len());
        for f in &mut features {
            let start = u32::try_from(tag_pool.len()).map_err(|_| too_many(&name))?;
            let pairs = in_input_order
                .get(f.tags.0 as usize..f.tags.1 as usize)
                .unwrap_or(&[]);
            tag_pool.extend_from_slice(pairs);
            let end = u32::try_from(tag_pool.len()).map_err(|_| too_many(&name))?;
            f.tags = (start, end);
            for pair in tag_pool[start as usize..].chunks_exact_mut(2) {
                let old = pair[1] as usize;
                pair[1] = match renumber.get(old) {
                    Some(&n) if n != u32::MAX => n,
                    _ => {
                        let n = u32::try_from(value_kind.len()).map_err(|_| too_many(&name))?;
                        if let Some(slot) = renumber.get_mut(old) {
                            *slot = n;
                        }
                        value_kind.push(value_kind_in.get(old).copied().unwrap_or(0));
                        n
                    }
                };
            }
        }
        drop(in_input_order);
        drop(value_kind_in);
        let mut values = vec![Vec::new(); value_kind.len()];
        for (bytes, old) in value_index {
            let new = renumber.get(old as usize).copied().unwrap_or(u32::MAX);
            if let Some(slot) = values.get_mut(new as usize) {
                *slot = bytes;
            }
        }
        drop(renumber);
        let cluster = ClusterTable::new(&mut keys, &values, &tag_pool, &features, accumulate);
        Ok(Built {
            layer: PreparedLayer {
                name,
                keys,
                values,
                value_kind,
                tag_pool,
                features,
                cluster,
            },
            attribution,
            bounds,
            skipped,
        })
    }
}

/// Reorder `items` in place so that item `i` becomes the one that was at `perm[i]` (`perm`
/// a permutation of `0..items.len()`; it is used up as scratch).
fn permute<T>(items: &mut [T], perm: &mut [u32]) {
    for start in 0..perm.len() {
        let mut cur = start;
        loop {
            let next = perm[cur] as usize;
            perm[cur] = u32::try_from(cur).unwrap_or(u32::MAX);
            if next == start || next == cur {
                break;
            }
            items.swap(cur, next);
            cur = next;
        }
    }
}

/// Every layer prepared, with what the archive's header and stats need.
pub(super) struct PreparedSet {
    pub(super) layers: Vec<PreparedLayer>,
    pub(super) bounds: Bounds,
    /// Each layer's attribution, in layer order.
    pub(super) attributions: Vec<String>,
    /// Features tiled.
    pub(super) tiled: usize,
    /// Features skipped (no geometry, or one tiles do not carry).
    pub(super) skipped: usize,
}

/// Prepare the layers. Layer names must be unique.
pub(super) fn prepare(builders: Vec<LayerBuilder>, accumulate: &[String]) -> Result<PreparedSet> {
    let mut out = Vec::with_capacity(builders.len());
    let mut attributions = Vec::with_capacity(builders.len());
    let mut bounds = Bounds::empty();
    let (mut tiled, mut skipped) = (0usize, 0usize);
    let mut names = std::collections::BTreeSet::new();
    for b in builders {
        if !names.insert(b.name.clone()) {
            return Err(Error::Usage(format!(
                "two layers are named {:?}; MVT layer names must be unique",
                b.name
            )));
        }
        let built = b.finish(accumulate)?;
        bounds.merge(&built.bounds);
        tiled += built.layer.features.len();
        skipped += built.skipped;
        attributions.push(built.attribution);
        out.push(built.layer);
    }
    Ok(PreparedSet {
        layers: out,
        bounds,
        attributions,
        tiled,
        skipped,
    })
}

pub(super) fn too_many(layer: &str) -> Error {
    Error::Usage(format!(
        "layer {layer:?} has more than 2^32 properties to tile"
    ))
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

    use proptest::strategy::Strategy;

    proptest::proptest! {
        #[test]
        fn permute_puts_each_item_where_the_permutation_says(
            mut perm in (0u32..300).prop_flat_map(|n| proptest::strategy::Just((0..n).collect::<Vec<u32>>()).prop_shuffle())
        ) {
            let items: Vec<u32> = (0..perm.len() as u32).map(|i| i * 7 + 1).collect();
            let want: Vec<u32> = perm.iter().map(|&p| items[p as usize]).collect();
            let mut got = items.clone();
            permute(&mut got, &mut perm);
            proptest::prop_assert_eq!(got, want);
        }
    }

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
