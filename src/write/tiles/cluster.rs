//! Clustering: the points of a tile that would break the tile budget, merged into cluster
//! features: at zooms below the base zoom on a grid as coarse as the budget needs, and from
//! the base zoom up only the points drawn at the same position.
//!
//! A tile is clustered only when it is over budget (more than
//! [`TileOptions::max_tile_features`](super::TileOptions::max_tile_features) features, or
//! more than [`TileOptions::max_tile_bytes`](super::TileOptions::max_tile_bytes) once
//! encoded and compressed), so small layers come out exactly as they would without it.
//! The points that lie in the tile itself (not in its buffer) are grouped on a grid of
//! square cells aligned with the tile: cells of `2^shift` tile units, `shift` the
//! smallest found to bring the tile within budget ([`TileClusters::fit`]; grid clustering
//! in Z order, as supercluster's grid or tippecanoe's `--cluster-densest-as-needed` do, and
//! deterministic: it depends only on the points in the tile).
//!
//! **Stacked points.** From the base zoom up the cells are one tile unit (`shift` 0), so
//! an over-budget tile merges only points drawn at the same position (the same unit, about
//! 8 m at zoom 10 in Central Asia, 9.6 m at the equator), which no zoom of the archive, nor
//! a map overzooming it, could show apart; points at different positions still stand on
//! their own. This is what lets a
//! bulk export with tens of thousands of events geocoded to one place be tiled; a tile
//! still over budget then is an error naming it.
//!
//! A cell holding one point keeps that point as it is, with its own id and properties; a
//! cell holding several becomes one feature at their centroid (which lies in the cell, so
//! in the tile) with:
//!
//! - `point_count`: the number of points merged;
//! - `start_date`: the earliest of the members' `start_date`s, `end_date` the latest
//!   (strings compare as text, which orders ISO 8601 dates);
//! - each `--accumulate` column: the sum of the members' numeric values;
//! - its id: [`cluster_id`] of the members' ids, so the same members give the same id.
//!
//! Clusters are not repeated in neighbouring tiles' buffers, so every point is counted
//! exactly once per zoom: at every zoom, the `point_count`s (1 for a point on its own) of
//! the features lying inside their tile add up to the layer's number of points.

use rustc_hash::FxHashMap;

use super::cut::{TileEntry, TileGeom};
use super::mvt;
use super::prepare::{Geom, Prepared, PreparedLayer};

/// Marks "no value" in the per-feature value indices.
pub(super) const NONE: u32 = u32::MAX;

/// What clustering needs of one layer: the keys clusters write, and per feature the
/// values clusters aggregate.
#[derive(Debug, Default)]
pub(super) struct ClusterTable {
    /// Key index of `point_count`.
    pub(super) count_key: u32,
    /// Key index of `start_date`.
    pub(super) start_key: u32,
    /// Key index of `end_date`.
    pub(super) end_key: u32,
    /// Key indices of the accumulated columns.
    pub(super) sum_keys: Vec<u32>,
    /// Per feature (storage order): its `start_date` value index, or [`NONE`].
    start: Vec<u32>,
    /// Per feature: its `end_date` value index, or [`NONE`].
    end: Vec<u32>,
    /// Per feature, one number per accumulated column (0 when absent or not a number).
    sums: Vec<f64>,
    /// Per value index: its rank among the date values, or [`NONE`].
    rank: Vec<u32>,
    /// The layer's numeric values by encoding, so a cluster's count or sum that equals one
    /// of them uses it (values stay unique within a tile).
    pub(super) numbers: FxHashMap<Vec<u8>, u32>,
}

impl ClusterTable {
    /// Build the table of a prepared layer, adding the cluster keys to `keys` when the
    /// layer does not have them (keys no tile uses never reach the metadata).
    pub(super) fn new(
        keys: &mut Vec<String>,
        values: &[Vec<u8>],
        tag_pool: &[u32],
        features: &[Prepared],
        accumulate: &[String],
    ) -> Self {
        let mut key = |name: &str| -> u32 {
            let i = keys.iter().position(|k| k == name).unwrap_or_else(|| {
                keys.push(name.to_string());
                keys.len() - 1
            });
            u32::try_from(i).unwrap_or(NONE)
        };
        let count_key = key("point_count");
        let start_key = key("start_date");
        let end_key = key("end_date");
        let sum_keys: Vec<u32> = accumulate.iter().map(|a| key(a)).collect();
        let n = features.len();
        let ns = sum_keys.len();
        let mut start = vec![NONE; n];
        let mut end = vec![NONE; n];
        let mut sums = vec![0.0; n * ns];
        for (i, f) in features.iter().enumerate() {
            let pairs = tag_pool
                .get(f.tags.0 as usize..f.tags.1 as usize)
                .unwrap_or(&[]);
            for pair in pairs.chunks_exact(2) {
                let (k, v) = (pair[0], pair[1]);
                if k == start_key {
                    start[i] = v;
                } else if k == end_key {
                    end[i] = v;
                } else if let Some(j) = sum_keys.iter().position(|&s| s == k) {
                    let number = values.get(v as usize).and_then(|b| value_number(b));
                    sums[i * ns + j] = number.unwrap_or(0.0);
                }
            }
        }
        let mut dates: Vec<u32> = start
            .iter()
            .chain(&end)
            .copied()
            .filter(|&v| v != NONE)
            .collect();
        dates.sort_unstable();
        dates.dedup();
        let bytes = |v: u32| values.get(v as usize).map_or(&[][..], Vec::as_slice);
        dates.sort_by(|&a, &b| date_order(bytes(a), bytes(b)).then(a.cmp(&b)));
        let mut rank = vec![NONE; if dates.is_empty() { 0 } else { values.len() }];
        for (r, &v) in dates.iter().enumerate() {
            if let Some(slot) = rank.get_mut(v as usize) {
                *slot = u32::try_from(r).unwrap_or(NONE);
            }
        }
        let numbers = values
            .iter()
            .enumerate()
            .filter(|(_, v)| value_number(v).is_some())
            .filter_map(|(i, v)| Some((v.clone(), u32::try_from(i).ok()?)))
            .collect();
        ClusterTable {
            numbers,
            count_key,
            start_key,
            end_key,
            sum_keys,
            start,
            end,
            sums,
            rank,
        }
    }
}

/// The string of an encoded MVT value, if it is one.
fn value_str(v: &[u8]) -> Option<&[u8]> {
    let (&tag, rest) = v.split_first()?;
    if tag != 0x0a {
        return None;
    }
    let (len, used) = read_varint(rest)?;
    rest.get(used..used + usize::try_from(len).ok()?)
}

/// The number of an encoded MVT value, if it is one.
pub(super) fn value_number(v: &[u8]) -> Option<f64> {
    let (&tag, rest) = v.split_first()?;
    let fixed = |n: usize| rest.get(..n);
    // The value is an integer read from the wire; f64 is the cluster sums' type.
    #[allow(clippy::cast_precision_loss)]
    match tag {
        0x15 => Some(f64::from(f32::from_le_bytes(fixed(4)?.try_into().ok()?))),
        0x19 => Some(f64::from_le_bytes(fixed(8)?.try_into().ok()?)),
        0x20 => read_varint(rest).map(|(u, _)| u as i64 as f64),
        0x28 => read_varint(rest).map(|(u, _)| u as f64),
        0x30 => read_varint(rest).map(|(u, _)| ((u >> 1) as i64 ^ -((u & 1) as i64)) as f64),
        _ => None,
    }
}

fn read_varint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            return Some((v, i + 1));
        }
    }
    None
}

/// Order of two date values: strings as text, numbers by value, numbers before strings.
fn date_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    match (value_str(a), value_str(b)) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Greater,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (None, None) => value_number(a)
            .unwrap_or(0.0)
            .total_cmp(&value_number(b).unwrap_or(0.0)),
    }
}

/// The id of a cluster: a 53-bit mix of its members' ids that does not depend on their
/// order (a sum of their splitmix64 finalisations), never 0.
pub fn cluster_id(members: impl Iterator<Item = u64>) -> u64 {
    let mut h = 0u64;
    for id in members {
        let mut z = id.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h = h.wrapping_add(z ^ (z >> 31));
    }
    ((h ^ (h >> 53)) & ((1u64 << 53) - 1)).max(1)
}

/// One cluster feature of a tile.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cluster {
    pub(super) layer: u32,
    pub(super) x: i32,
    pub(super) y: i32,
    pub(super) id: u64,
    pub(super) count: u64,
    /// Value index of the earliest `start_date`, or [`NONE`].
    pub(super) start: u32,
    /// Value index of the latest `end_date`, or [`NONE`].
    pub(super) end: u32,
    /// Offset of its sums in [`TileClusters::sums`].
    pub(super) sums: usize,
}

/// A point lying in the tile itself: a candidate for clustering.
#[derive(Debug, Clone, Copy)]
struct Own {
    layer: u32,
    /// Z-order (Morton) position of the point in the tile.
    cell: u64,
    entry: TileEntry,
    x: i32,
    y: i32,
}

/// A tile's points split for clustering, and the features the last [`TileClusters::build`]
/// made. Reused from tile to tile.
#[derive(Debug, Default)]
pub(super) struct TileClusters {
    own: Vec<Own>,
    /// Entries not clustered: other geometries, points in the buffer, lone points.
    pub(super) kept: Vec<TileEntry>,
    pub(super) clusters: Vec<Cluster>,
    pub(super) sums: Vec<f64>,
    others: Vec<TileEntry>,
    buffer_points: Vec<TileEntry>,
}

fn morton(x: u32, y: u32) -> u64 {
    let spread = |v: u32| {
        let mut v = u64::from(v) & 0xffff_ffff;
        v = (v | (v << 16)) & 0x0000_ffff_0000_ffff;
        v = (v | (v << 8)) & 0x00ff_00ff_00ff_00ff;
        v = (v | (v << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        (v | (v << 1)) & 0x5555_5555_5555_5555
    };
    spread(x) | (spread(y) << 1)
}

impl TileClusters {
    /// Split one tile's entries (sorted by layer then feature): single points lying inside
    /// the tile are candidates; everything else is kept as it is.
    pub(super) fn split(&mut self, entries: &[TileEntry], layers: &[PreparedLayer], extent: u32) {
        self.own.clear();
        self.others.clear();
        self.buffer_points.clear();
        let inside = |v: i32| u32::try_from(v).is_ok_and(|v| v < extent);
        for e in entries {
            let single = layers
                .get(e.layer as usize)
                .and_then(|l| l.features.get(e.feature as usize))
                .is_some_and(|f| matches!(f.geom, Geom::Point(_)));
            match e.geom {
                TileGeom::Point(x, y) if single && inside(x) && inside(y) => {
                    let (ux, uy) = (x.unsigned_abs(), y.unsigned_abs());
                    self.own.push(Own {
                        layer: e.layer,
                        cell: morton(ux, uy),
                        entry: *e,
                        x,
                        y,
                    });
                }
                TileGeom::Point(..) if single => self.buffer_points.push(*e),
                _ => self.others.push(*e),
            }
        }
        self.own
            .sort_unstable_by_key(|o| (o.layer, o.cell, o.entry.feature));
    }

    /// Whether this tile has points to cluster, or points in its buffer to leave out (a
    /// tile whose only points lie in its buffer can be over budget too).
    pub(super) fn has_points(&self) -> bool {
        !self.own.is_empty() || !self.buffer_points.is_empty()
    }

    /// The number of features the tile would have with cells of `2^shift` units.
    pub(super) fn features_at(&self, shift: u32, with_buffer: bool) -> usize {
        let groups = self
            .own
            .chunk_by(|a, b| a.layer == b.layer && cell_at(a.cell, shift) == cell_at(b.cell, shift))
            .count();
        let buffer = if with_buffer {
            self.buffer_points.len()
        } else {
            0
        };
        self.others.len() + buffer + groups
    }

    /// Group the points on cells of `2^shift` units into [`Self::kept`] (sorted by layer then
    /// feature, as the encoder expects) and [`Self::clusters`].
    pub(super) fn build(&mut self, shift: u32, with_buffer: bool, layers: &[PreparedLayer]) {
        self.kept.clear();
        self.clusters.clear();
        self.sums.clear();
        self.kept.extend_from_slice(&self.others);
        if with_buffer {
            self.kept.extend_from_slice(&self.buffer_points);
        }
        for group in self
            .own
            .chunk_by(|a, b| a.layer == b.layer && cell_at(a.cell, shift) == cell_at(b.cell, shift))
        {
            let [first, ..] = group else { continue };
            if group.len() == 1 {
                self.kept.push(first.entry);
                continue;
            }
            let Some(layer) = layers.get(first.layer as usize) else {
                continue;
            };
            let table = &layer.cluster;
            let ns = table.sum_keys.len();
            let sums_at = self.sums.len();
            self.sums.resize(sums_at + ns, 0.0);
            let (mut sx, mut sy) = (0i64, 0i64);
            let (mut start, mut end) = (NONE, NONE);
            let rank = |v: u32| table.rank.get(v as usize).copied().unwrap_or(NONE);
            for m in group {
                sx += i64::from(m.x);
                sy += i64::from(m.y);
                let fi = m.entry.feature as usize;
                if let Some(&s) = table.start.get(fi) {
                    if s != NONE && (start == NONE || rank(s) < rank(start)) {
                        start = s;
                    }
                }
                if let Some(&e) = table.end.get(fi) {
                    if e != NONE && (end == NONE || rank(e) > rank(end)) {
                        end = e;
                    }
                }
                let member = table.sums.get(fi * ns..fi * ns + ns).unwrap_or(&[]);
                for (acc, v) in self.sums[sums_at..].iter_mut().zip(member) {
                    *acc += v;
                }
            }
            let n = group.len() as i64;
            let ids = group
                .iter()
                .filter_map(|m| layer.features.get(m.entry.feature as usize).map(|f| f.id));
            self.clusters.push(Cluster {
                layer: first.layer,
                // The mean of coordinates inside the tile is inside the tile (i32).
                x: i32::try_from(sx.div_euclid(n)).unwrap_or(0),
                y: i32::try_from(sy.div_euclid(n)).unwrap_or(0),
                id: cluster_id(ids),
                count: group.len() as u64,
                start,
                end,
                sums: sums_at,
            });
        }
        self.kept.sort_unstable_by_key(|e| (e.layer, e.feature));
    }
}

/// The limits every tile keeps to.
#[derive(Debug, Clone, Copy)]
pub(super) struct Budget {
    /// Largest stored (compressed) tile, in bytes.
    pub(super) bytes: usize,
    /// Most features in one tile.
    pub(super) features: usize,
}

/// The share of the byte budget an estimate aims at, so the encoding it picks usually fits
/// at the first try.
const AIM: f64 = 0.9;

impl TileClusters {
    /// Cluster a split tile on the smallest cells found to bring it within `budget`, cells
    /// of at most `2^max_shift` units, encoding it with `encode` (which returns the stored
    /// size; the last call is the tile's encoding). Returns whether it fits; when even the
    /// largest cells do not, points in the buffer are left out as a last resort.
    ///
    /// Encoding and compressing a tile of tens of thousands of points is the expensive part,
    /// so cells are not tried one by one: each cell size tried is the smallest, between the
    /// largest found over budget and the smallest found within, whose estimated size
    /// (features at that cell size times the stored bytes per feature of the tile's last
    /// encoding, `measured` before clustering) is within [`AIM`] of the byte budget. The
    /// search ends when no such size is left, on the smallest found within budget. Usually
    /// two or three encodings; the same points always give the same choice, though not
    /// always the smallest cells that would fit (an estimate that overshoots stops early).
    pub(super) fn fit(
        &mut self,
        budget: &Budget,
        max_shift: u32,
        layers: &mut [PreparedLayer],
        measured: Option<(usize, usize)>,
        mut encode: impl FnMut(&TileClusters, &mut [PreparedLayer]) -> usize,
    ) -> bool {
        // Feature counts and bytes are far below 2^52: the ratio is exact enough.
        #[allow(clippy::cast_precision_loss)]
        let ratio = |bytes: usize, n: usize| (n > 0).then(|| bytes as f64 / n as f64);
        let mut per = measured.and_then(|(bytes, n)| ratio(bytes, n));
        #[allow(clippy::cast_precision_loss)]
        let target = budget.bytes as f64 * AIM;
        for with_buffer in [true, false] {
            #[allow(clippy::cast_precision_loss)]
            let estimate_fits = |tc: &Self, shift: u32, per: Option<f64>| {
                per.is_none_or(|p| tc.features_at(shift, with_buffer) as f64 * p <= target)
            };
            let lo = (0..=max_shift)
                .find(|&s| self.features_at(s, with_buffer) <= budget.features)
                .unwrap_or(max_shift);
            // The largest cells found over budget, the smallest found within, and the cells
            // of the last encoding: the next tried lie strictly between the first two.
            let mut over: Option<u32> = None;
            let mut within: Option<u32> = None;
            let mut last: Option<u32> = None;
            loop {
                let floor = over.map_or(lo, |o| o + 1);
                let top = within.map_or(Some(max_shift), |w| w.checked_sub(1));
                let candidate = top.filter(|&t| floor <= t).and_then(|t| {
                    (floor..=t)
                        .find(|&s| estimate_fits(self, s, per))
                        // Nothing within budget yet and no estimate fits: the largest cells.
                        .or(within.is_none().then_some(t))
                });
                let Some(shift) = candidate else {
                    let Some(w) = within else { break };
                    if last != Some(w) {
                        self.build(w, with_buffer, layers);
                        encode(self, layers);
                    }
                    return true;
                };
                self.build(shift, with_buffer, layers);
                let n = self.kept.len() + self.clusters.len();
                let bytes = encode(self, layers);
                last = Some(shift);
                per = ratio(bytes, n).or(per);
                if bytes <= budget.bytes && n <= budget.features {
                    within = Some(shift);
                } else {
                    over = Some(shift);
                }
            }
        }
        false
    }
}

fn cell_at(cell: u64, shift: u32) -> u64 {
    cell.checked_shr(2 * shift).unwrap_or(0)
}

/// An MVT value for a number: an integer when it is one (exactly), else a double.
pub(super) fn number_value(x: f64) -> mvt::Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if x.fract() == 0.0 && x.abs() < EXACT {
        // Integral and within ±2^53: the conversion is exact.
        #[allow(clippy::cast_possible_truncation)]
        let i = x as i64;
        match u64::try_from(i) {
            Ok(u) => mvt::Value::UInt(u),
            Err(_) => mvt::Value::SInt(i),
        }
    } else {
        mvt::Value::Double(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_ids_depend_on_members_not_order() {
        let a = cluster_id([3u64, 5, 9].into_iter());
        assert_eq!(a, cluster_id([9u64, 3, 5].into_iter()));
        assert_ne!(a, cluster_id([3u64, 5].into_iter()));
        assert!(a > 0 && a < 1 << 53);
    }

    #[test]
    fn values_decode_back() {
        for x in [0.0, 7.0, -3.0, 2.5, 1e20] {
            let mut buf = Vec::new();
            mvt::encode_value(&number_value(x), &mut buf);
            assert_eq!(value_number(&buf), Some(x));
        }
        let mut buf = Vec::new();
        mvt::encode_value(&mvt::Value::String("2021-05-01".into()), &mut buf);
        assert_eq!(value_str(&buf), Some(&b"2021-05-01"[..]));
        assert_eq!(value_number(&buf), None);
    }

    /// A layer of `n` point features with no properties (clustering reads only geometry and
    /// ids here), and their entries in one tile at the given tile coordinates.
    fn layer_and_entries(points: &[(i32, i32)]) -> (Vec<PreparedLayer>, Vec<TileEntry>) {
        let features: Vec<Prepared> = (0..points.len())
            .map(|i| Prepared {
                id: 1000 + i as u64,
                tags: (0, 0),
                geom: Geom::Point((0.5, 0.5)),
            })
            .collect();
        let mut keys = Vec::new();
        let cluster = ClusterTable::new(&mut keys, &[], &[], &features, &[]);
        let layer = PreparedLayer {
            name: "events".into(),
            keys,
            values: Vec::new(),
            value_kind: Vec::new(),
            tag_pool: Vec::new(),
            features,
            cluster,
        };
        let entries = points
            .iter()
            .enumerate()
            .map(|(i, &(x, y))| TileEntry {
                tile: 0,
                layer: 0,
                feature: u32::try_from(i).unwrap(),
                geom: TileGeom::Point(x, y),
            })
            .collect();
        (vec![layer], entries)
    }

    proptest::proptest! {
        /// Every point inside the tile is counted once, on its own or in one cluster; clusters
        /// lie inside the tile; coarser cells never give more features; the same points give
        /// the same clusters.
        #[test]
        fn clustering_keeps_every_point_once(
            points in proptest::collection::vec((-64i32..4160, -64i32..4160), 1..400),
            shift in 0u32..=12,
        ) {
            let (layers, entries) = layer_and_entries(&points);
            let mut tc = TileClusters::default();
            tc.split(&entries, &layers, 4096);
            tc.build(shift, true, &layers);
            let inside = points.iter().filter(|&&(x, y)| (0..4096).contains(&x) && (0..4096).contains(&y)).count();
            let lone_inside = tc.kept.iter().filter(|e| match e.geom {
                TileGeom::Point(x, y) => (0..4096).contains(&x) && (0..4096).contains(&y),
                TileGeom::Pool { .. } => false,
            }).count();
            let clustered: u64 = tc.clusters.iter().map(|c| c.count).sum();
            proptest::prop_assert_eq!(lone_inside as u64 + clustered, inside as u64);
            proptest::prop_assert_eq!(tc.kept.len() + tc.clusters.len(), tc.features_at(shift, true));
            for c in &tc.clusters {
                proptest::prop_assert!((0..4096).contains(&c.x) && (0..4096).contains(&c.y));
                proptest::prop_assert!(c.count > 1);
            }
            if shift < 12 {
                proptest::prop_assert!(tc.features_at(shift + 1, true) <= tc.features_at(shift, true));
            }
            let ids: Vec<u64> = tc.clusters.iter().map(|c| c.id).collect();
            tc.split(&entries, &layers, 4096);
            tc.build(shift, true, &layers);
            proptest::prop_assert_eq!(ids, tc.clusters.iter().map(|c| c.id).collect::<Vec<_>>());
        }
    }

    /// A stand-in for encoding: 40 bytes a feature.
    fn forty_a_feature(tc: &TileClusters) -> usize {
        40 * (tc.kept.len() + tc.clusters.len())
    }

    #[test]
    fn stacked_points_merge_at_the_base_zoom_and_others_stand_alone() {
        let mut points = vec![(100, 200); 5_000];
        points.extend((0..50).map(|i| (300 + 7 * i, 900)));
        let (mut layers, entries) = layer_and_entries(&points);
        let mut tc = TileClusters::default();
        tc.split(&entries, &layers, 4096);
        let budget = Budget {
            bytes: 1 << 20,
            features: 1_000,
        };
        assert!(tc.fit(&budget, 0, &mut layers, None, |c, _| forty_a_feature(c)));
        // One feature for the stack, every other point on its own.
        assert_eq!(tc.clusters.len(), 1);
        assert_eq!((tc.clusters[0].x, tc.clusters[0].y), (100, 200));
        assert_eq!(tc.clusters[0].count, 5_000);
        assert_eq!(tc.kept.len(), 50);
        // Points at distinct positions cannot be merged at the base zoom: over budget.
        let tight = Budget {
            bytes: 1 << 20,
            features: 40,
        };
        tc.split(&entries, &layers, 4096);
        assert!(!tc.fit(&tight, 0, &mut layers, None, |c, _| forty_a_feature(c)));
    }

    #[test]
    fn fit_finds_cells_within_budget_from_a_wrong_estimate() {
        // A 64 by 64 lattice, 16 units apart: cells up to 16 units hold one point each.
        let points: Vec<(i32, i32)> = (0..64 * 64)
            .map(|i| (16 * (i % 64), 16 * (i / 64)))
            .collect();
        let (mut layers, entries) = layer_and_entries(&points);
        let mut tc = TileClusters::default();
        for measured in [None, Some((1, 4096)), Some((1 << 30, 4096))] {
            tc.split(&entries, &layers, 4096);
            let budget = Budget {
                bytes: 40 * 300,
                features: 100_000,
            };
            let mut tries = 0;
            let fits = tc.fit(&budget, 12, &mut layers, measured, |c, _| {
                tries += 1;
                forty_a_feature(c)
            });
            assert!(fits);
            // Cells of 32 units: 1024 features, too many; 64 units: 256 fit.
            assert_eq!(tc.clusters.len(), 256, "{measured:?}");
            assert!(tries <= 3, "{tries} encodings for {measured:?}");
        }
    }

    #[test]
    fn morton_nests_cells() {
        // Cells of 2^s units are runs of the Morton order.
        assert_eq!(cell_at(morton(5, 6), 1), cell_at(morton(4, 7), 1));
        assert_ne!(cell_at(morton(5, 6), 1), cell_at(morton(6, 6), 1));
        assert_eq!(cell_at(morton(4095, 0), 12), cell_at(morton(0, 4095), 12));
    }
}
