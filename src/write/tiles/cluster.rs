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
//!   (strings compare as text, which orders ISO 8601 dates, except that a period ends
//!   after the days within it: `2021` ends after `2021-05-01`); a member with a start and
//!   neither an `end_date` nor an open end ends where [`DateSpan::of_cells`] ends it: on
//!   its start day (a one-day event), or at the end of the month or year its
//!   `date_precision` says (`Share::end`); when a member's end is open
//!   (its `date_bound` is `on_or_after`, [`DateSpan::bound`]), no `end_date` and
//!   `date_bound` `on_or_after`, as such a point says it: the cluster's activity has not
//!   ended at its members' latest closed end;
//! - each `--accumulate` column: the sum of the members' numeric values;
//! - its id: [`cluster_id`] of the members' ids, so the same members give the same id.
//!
//! **Bounded memory.** A cluster is made from aggregates of its cells ([`Agg`]: count,
//! coordinate sums, id hash, dates, sums), never from its members held together. A tile
//! over the feature budget (at low zooms, most of a layer) has its points folded into
//! cells as its records are read, at most the feature budget's number of cells, merged
//! four into one when there are more; so a tile of ten million points holds about as much
//! as one of two hundred thousand.
//!
//! Clusters are not repeated in neighbouring tiles' buffers, so every point is counted
//! exactly once per zoom: at every zoom, the `point_count`s (1 for a point on its own) of
//! the features lying inside their tile add up to the layer's number of points.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

use super::cut::{TileEntry, TileGeom};
use super::mvt;
use super::prepare::{Geom, PreparedLayer, KIND_STRING};
use crate::date::{DatePrecision, DateSpan, Day};
use crate::model::properties::POINT_COUNT;

/// The keys a cluster writes besides its `--accumulate` sums: its count
/// ([`POINT_COUNT`], renamed `src_point_count` on any input feature, so it is always
/// drillmap's), then its earliest `start_date` and latest `end_date`, or its `date_bound`
/// when a member's end is open (a lone point's own). None of them can be accumulated
/// ([`TileOptions::validate`](super::TileOptions::validate)).
pub const CLUSTER_KEYS: [&str; 4] = [POINT_COUNT, "start_date", "end_date", "date_bound"];

/// Marks "no value" in the per-feature value indices.
pub(super) const NONE: u32 = u32::MAX;

/// The `end_date` index of a point or cluster whose end is open: later than every date, so
/// a cluster with such a member has it as its latest end ([`Dates::pick`]).
pub(super) const OPEN: u32 = u32::MAX - 1;

/// The encoded `date_bound` of a span whose end is open (`on_or_after`, as
/// [`DateSpan::bound`] writes it).
pub(super) static OPEN_BOUND: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let open = DateSpan {
        start: Day::from_epoch_days(0),
        open_end: true,
        ..DateSpan::UNKNOWN
    };
    let mut value = Vec::new();
    mvt::bytes_field(&mut value, 1, open.bound().unwrap_or_default().as_bytes());
    value
});

/// What clustering needs of one layer: the keys clusters write, and which of a point's
/// properties clusters aggregate ([`ClusterTable::field`]).
#[derive(Debug, Default)]
pub(super) struct ClusterTable {
    /// Key index of `point_count`.
    pub(super) count_key: u32,
    /// Key index of `start_date`.
    pub(super) start_key: u32,
    /// Key index of `end_date`.
    pub(super) end_key: u32,
    /// Key index of `date_bound`.
    pub(super) bound_key: u32,
    /// Key index of `date_precision`, [`NONE`] when the layer has none (not added: no
    /// cluster writes it).
    pub(super) precision_key: u32,
    /// Key indices of the accumulated columns.
    pub(super) sum_keys: Vec<u32>,
    /// The layer's numeric values by encoding, so a cluster's count or sum that equals one
    /// of them uses it (values stay unique within a tile).
    pub(super) numbers: FxHashMap<Vec<u8>, u32>,
}

impl ClusterTable {
    /// Build the table of a layer whose value table is `values`, adding the cluster keys
    /// to `keys` when the layer does not have them (keys no tile uses never reach the
    /// metadata).
    pub(super) fn new(keys: &mut Vec<String>, values: &[Vec<u8>], accumulate: &[String]) -> Self {
        let mut key = |name: &str| -> u32 {
            let i = keys.iter().position(|k| k == name).unwrap_or_else(|| {
                keys.push(name.to_string());
                keys.len() - 1
            });
            u32::try_from(i).unwrap_or(NONE)
        };
        let [count_key, start_key, end_key, bound_key] = CLUSTER_KEYS.map(&mut key);
        let sum_keys: Vec<u32> = accumulate.iter().map(|a| key(a)).collect();
        let precision_key = keys
            .iter()
            .position(|k| k == PRECISION_KEY)
            .and_then(|i| u32::try_from(i).ok())
            .unwrap_or(NONE);
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
            bound_key,
            precision_key,
            sum_keys,
        }
    }

    /// What the property of key `k` is to clusters ([`Share::note`]): [`START`]
    /// `start_date`, [`END`] `end_date`, [`BOUND`] `date_bound`, [`PRECISION`]
    /// `date_precision`, [`SUMS`]` + j` the `j`th accumulated column; `None` for the others.
    pub(super) fn field(&self, k: u32) -> Option<usize> {
        if k == self.start_key {
            Some(START)
        } else if k == self.end_key {
            Some(END)
        } else if k == self.bound_key {
            Some(BOUND)
        } else if k == self.precision_key {
            Some(PRECISION)
        } else {
            self.sum_keys.iter().position(|&s| s == k).map(|j| j + SUMS)
        }
    }
}

/// The fields of a point clusters read ([`ClusterTable::field`]): its `start_date`, its
/// `end_date`, its `date_bound`, its `date_precision`, then its accumulated columns.
const START: usize = 0;
const END: usize = 1;
const BOUND: usize = 2;
const PRECISION: usize = 3;
const SUMS: usize = 4;

/// The key of a point's `date_precision`, which says where a lone start ends ([`Share::end`]).
const PRECISION_KEY: &str = "date_precision";

/// One point's share of its cell: its aggregate and its accumulated columns, taken from
/// its properties as they are read, whichever way the tile reads them (from its record
/// while a tile over the feature budget is folded, from its tags when a tile held in its
/// window is split). Reused from point to point.
#[derive(Debug, Default)]
pub(super) struct Share {
    pub(super) agg: Agg,
    pub(super) sums: Vec<f64>,
    /// The point's `date_precision`, if it is one of the words ([`DatePrecision::as_str`]).
    precision: Option<DatePrecision>,
}

impl Share {
    /// Start the share of a point at `(x, y)` in the tile's units (layer `li`, feature id
    /// `id`, record position `at`, window feature `fi` or [`NONE`]), `ns` accumulated
    /// columns at 0. `false`, and nothing started, when the point does not lie inside the
    /// tile (in its buffer: never clustered).
    pub(super) fn start(
        &mut self,
        li: u32,
        (x, y): (i64, i64),
        extent: u32,
        (id, at, fi): (u64, u64, u32),
        ns: usize,
    ) -> bool {
        let inside = |v: i64| (0..i64::from(extent)).contains(&v);
        if !(inside(x) && inside(y)) {
            return false;
        }
        let (Ok(x), Ok(y)) = (i32::try_from(x), i32::try_from(y)) else {
            return false;
        };
        self.agg = point_agg(li, x, y, id, at, fi);
        self.sums.clear();
        self.sums.resize(ns, 0.0);
        self.precision = None;
        true
    }

    /// Note the point's property `field` ([`ClusterTable::field`]) of encoded value
    /// `bytes` and `kind`: a date interned in `dates` (by `alias` when the value has one,
    /// [`Dates::intern_as`]), an open end ([`OPEN`], whatever its `end_date`, in either
    /// order), a column's number (0 when it is not one).
    pub(super) fn note(
        &mut self,
        dates: &mut Dates,
        field: usize,
        (bytes, kind): (&[u8], u8),
        alias: Option<(u32, u32)>,
    ) {
        match field {
            START => self.agg.start = dates.intern_as(alias, bytes, kind),
            END if self.agg.end != OPEN => self.agg.end = dates.intern_as(alias, bytes, kind),
            END => {}
            BOUND => {
                if bytes == OPEN_BOUND.as_slice() {
                    self.agg.end = OPEN;
                }
            }
            PRECISION => {
                self.precision = value_str(bytes)
                    .and_then(|s| std::str::from_utf8(s).ok())
                    .and_then(|s| s.parse().ok());
            }
            j => {
                if let Some(s) = self.sums.get_mut(j - SUMS) {
                    *s = value_number(bytes).unwrap_or(0.0);
                }
            }
        }
    }
}

impl Share {
    /// The point's aggregate once every property is noted: a start without an end (and
    /// not open) ends where the one date rule ends it ([`DateSpan::of_cells`] of the start
    /// and the point's `date_precision`): on its start day, a one-day event, or at the end
    /// of the month or year the precision says. A start that is not a date (or does not
    /// fit the precision, read then without it) gives no end, as before.
    pub(super) fn end(&mut self, dates: &mut Dates) -> &Agg {
        let a = &mut self.agg;
        if a.end != NONE || a.start == NONE {
            return a;
        }
        let Some(start) = dates
            .values
            .get(a.start as usize)
            .and_then(|(v, _)| value_str(v))
            .and_then(|s| std::str::from_utf8(s).ok())
        else {
            return a;
        };
        let precision = self.precision.map_or("", DatePrecision::as_str);
        let span = DateSpan::of_cells(start, "", precision, "")
            .or_else(|_| DateSpan::of_cells(start, "", "", ""));
        let Some(last) = span.ok().and_then(|s| s.end).map(|d| d.to_string()) else {
            return a;
        };
        a.end = if last == start {
            a.start
        } else {
            let mut value = Vec::with_capacity(last.len() + 2);
            mvt::bytes_field(&mut value, 1, last.as_bytes());
            dates.intern(&value, KIND_STRING)
        };
        a
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
/// order (a sum of their splitmix64 finalisations, [`mix`], folded by [`fold`]), never 0.
pub fn cluster_id(members: impl Iterator<Item = u64>) -> u64 {
    fold(members.map(mix).fold(0u64, u64::wrapping_add))
}

/// A member id's share of its cluster's id (splitmix64's finaliser).
pub(super) fn mix(id: u64) -> u64 {
    let mut z = id.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The cluster id of the wrapping sum of its members' [`mix`]es: 53 bits, never 0.
pub(super) fn fold(h: u64) -> u64 {
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
    /// The earliest `start_date`, or [`NONE`]: an index in [`TileClusters::dates`] as
    /// built, a value index of the tile's layer once handed to the encoder.
    pub(super) start: u32,
    /// The latest `end_date`, or [`NONE`] (indexed as `start`); [`OPEN`] as built when a
    /// member's end is open, which the encoder is handed as `bound` and no end.
    pub(super) end: u32,
    /// [`NONE`] as built; once handed to the encoder, the value index of [`OPEN_BOUND`]
    /// when the cluster's end is open.
    pub(super) bound: u32,
    /// Offset of its sums in [`TileClusters::sums`].
    pub(super) sums: usize,
}

/// What a cell of a tile's points aggregates: all a cluster feature needs of its members,
/// so a cluster is made from the aggregates of its cells and its members are never held.
/// [`Agg::merge`] is commutative and associative (the dates are the least and greatest in
/// a total order, the id a wrapping sum), so cells merge to the same result in any order;
/// only the `--accumulate` sums of non-integers can round differently: they are added in
/// the order the tile's records are read and its cells merged, which depends only on the
/// input (not on threads or the sort buffer), so the output stays deterministic.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Agg {
    pub(super) layer: u32,
    /// Z-order (Morton) position of the cell, at [`TileClusters`]' shift.
    pub(super) cell: u64,
    pub(super) count: u64,
    /// Sums of the members' tile coordinates.
    pub(super) sx: i64,
    pub(super) sy: i64,
    /// Wrapping sum of the members' [`mix`]ed ids.
    pub(super) hash: u64,
    /// Index in the tile's date table of the earliest `start_date`, or [`NONE`].
    pub(super) start: u32,
    /// Index of the latest `end_date`, or [`NONE`], or [`OPEN`] when a member's end is open.
    pub(super) end: u32,
    /// The smallest record position of a member (its point, for a cell of one).
    pub(super) at: u64,
    /// That member's feature in the tile's window, or [`NONE`] when it is not there.
    pub(super) fi: u32,
}

impl Agg {
    /// Fold `o` into `self`; `dates` orders the date indices.
    pub(super) fn merge(&mut self, o: &Agg, dates: &Dates) {
        self.count += o.count;
        self.sx += o.sx;
        self.sy += o.sy;
        self.hash = self.hash.wrapping_add(o.hash);
        self.start = dates.pick(self.start, o.start, std::cmp::Ordering::Less);
        self.end = dates.pick(self.end, o.end, std::cmp::Ordering::Greater);
        if o.at < self.at {
            self.at = o.at;
            self.fi = o.fi;
        }
    }
}

/// The date values a tile's clusters compare, each once: encoded MVT value and its kind.
#[derive(Debug, Default)]
pub(super) struct Dates {
    pub(super) values: Vec<(Vec<u8>, u8)>,
    /// Per value, what [`date_order`] compares, read once ([`DateKey`]).
    keys: Vec<DateKey>,
    index: FxHashMap<Vec<u8>, u32>,
    /// Per layer, by alias index: the index in `values` of each alias `(layer, index)` of a
    /// value met in this tile ([`Dates::intern_as`]), [`NONE`] when not met.
    aliases: Vec<Vec<u32>>,
    /// The aliases set in this tile, reset by [`Dates::clear`].
    set: Vec<(u32, u32)>,
}

/// What [`date_order`] compares of a date value, taken from its bytes once: a string's
/// first 16 bytes (big-endian, zero-padded) and length, or a number.
#[derive(Debug, Clone, Copy)]
struct DateKey {
    string: bool,
    prefix: u128,
    len: usize,
    number: f64,
}

/// Bytes of a string date held in [`DateKey::prefix`].
const PREFIX: usize = 16;

impl DateKey {
    fn of(v: &[u8]) -> DateKey {
        match value_str(v) {
            Some(s) => {
                let mut p = [0u8; PREFIX];
                let n = s.len().min(PREFIX);
                p[..n].copy_from_slice(&s[..n]);
                DateKey {
                    string: true,
                    prefix: u128::from_be_bytes(p),
                    len: s.len(),
                    number: 0.0,
                }
            }
            None => DateKey {
                string: false,
                prefix: 0,
                len: 0,
                number: value_number(v).unwrap_or(0.0),
            },
        }
    }
}

impl Dates {
    fn clear(&mut self) {
        self.values.clear();
        self.keys.clear();
        self.index.clear();
        for &(layer, i) in &self.set {
            if let Some(slot) = self
                .aliases
                .get_mut(layer as usize)
                .and_then(|a| a.get_mut(i as usize))
            {
                *slot = NONE;
            }
        }
        self.set.clear();
    }

    /// [`Dates::intern`], found without hashing and comparing the bytes when they come
    /// with an alias `(layer, index)` met before in this tile: the index of a value the
    /// layer shares (a folded tile's records) or of the tile window's value (a split
    /// tile's tags; a tile is either folded or split, and the table is cleared between
    /// tiles, so the two kinds never meet). An alias met the first time has its bytes
    /// interned, so a value met both with and without one has one index.
    pub(super) fn intern_as(&mut self, alias: Option<(u32, u32)>, bytes: &[u8], kind: u8) -> u32 {
        let Some((layer, ai)) = alias else {
            return self.intern(bytes, kind);
        };
        let (l, a) = (layer as usize, ai as usize);
        if let Some(&i) = self.aliases.get(l).and_then(|v| v.get(a)) {
            if i != NONE {
                return i;
            }
        }
        let i = self.intern(bytes, kind);
        if self.aliases.len() <= l {
            self.aliases.resize_with(l + 1, Vec::new);
        }
        if let Some(v) = self.aliases.get_mut(l) {
            if v.len() <= a {
                v.resize(a + 1, NONE);
            }
            if let Some(slot) = v.get_mut(a) {
                *slot = i;
                self.set.push((layer, ai));
            }
        }
        i
    }

    /// The index of the value `bytes` (of `kind`).
    pub(super) fn intern(&mut self, bytes: &[u8], kind: u8) -> u32 {
        if let Some(&i) = self.index.get(bytes) {
            return i;
        }
        let i = u32::try_from(self.values.len()).unwrap_or(NONE);
        self.values.push((bytes.to_vec(), kind));
        self.keys.push(DateKey::of(bytes));
        self.index.insert(bytes.to_vec(), i);
        i
    }

    /// [`date_order`] of values `a` and `b`, from their keys (the bytes compared only
    /// when two strings longer than [`PREFIX`] share their prefix).
    fn order(&self, a: u32, b: u32) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        let (Some(x), Some(y)) = (self.keys.get(a as usize), self.keys.get(b as usize)) else {
            let bytes = |v: u32| {
                self.values
                    .get(v as usize)
                    .map_or(&[][..], |d| d.0.as_slice())
            };
            return date_order(bytes(a), bytes(b));
        };
        match (x.string, y.string) {
            (true, true) => match x.prefix.cmp(&y.prefix) {
                Ordering::Equal if x.len <= PREFIX && y.len <= PREFIX => x.len.cmp(&y.len),
                Ordering::Equal => {
                    let bytes = |v: u32| {
                        self.values
                            .get(v as usize)
                            .map_or(&[][..], |d| d.0.as_slice())
                    };
                    date_order(bytes(a), bytes(b))
                }
                o => o,
            },
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => x.number.total_cmp(&y.number),
        }
    }

    /// The order of `a` and `b` as last days: [`Dates::order`], except that a period ends
    /// at or after every date within it, so `2021` ends after `2021-05-01` (probe, session
    /// 44: a cluster of a member ending `2021` and one ending `2021-05-01` said
    /// `end_date` `2021-05-01`, before the first member's year was out).
    fn end_order(&self, a: u32, b: u32) -> std::cmp::Ordering {
        let order = self.order(a, b);
        let (Some(x), Some(y)) = (self.keys.get(a as usize), self.keys.get(b as usize)) else {
            return order;
        };
        // An empty string is no period (review, session 44: it was "nested" in every date).
        if !(x.string && y.string) || x.len == y.len || x.len.min(y.len) == 0 {
            return order;
        }
        let n = x.len.min(y.len);
        let nested = if x.len.max(y.len) <= PREFIX {
            (x.prefix ^ y.prefix) >> (8 * (PREFIX - n)) == 0
        } else {
            let bytes = |v: u32| {
                self.values
                    .get(v as usize)
                    .and_then(|d| value_str(&d.0))
                    .unwrap_or_default()
            };
            bytes(a).get(..n) == bytes(b).get(..n)
        };
        if nested {
            x.len.cmp(&y.len).reverse()
        } else {
            order
        }
    }

    /// Of `a` and `b` ([`NONE`] for none), the one that comes first in `want` order (dates
    /// as [`date_order`], ties by index: a total order; an open end, [`OPEN`], after every
    /// date).
    fn pick(&self, a: u32, b: u32, want: std::cmp::Ordering) -> u32 {
        if a == NONE || a == b {
            return b;
        }
        if b == NONE {
            return a;
        }
        if a == OPEN || b == OPEN {
            let date = if a == OPEN { b } else { a };
            return if want == std::cmp::Ordering::Greater {
                OPEN
            } else {
                date
            };
        }
        let order = if want == std::cmp::Ordering::Greater {
            self.end_order(a, b)
        } else {
            self.order(a, b)
        };
        let order = order.then(a.cmp(&b));
        if order == want.reverse() {
            b
        } else {
            a
        }
    }
}

/// A tile's points for clustering, as aggregates of cells, and the features the last
/// [`TileClusters::build`] made. Reused from tile to tile.
///
/// The aggregates come from a tile's entries ([`TileClusters::split`], a tile held in its
/// window) or are folded from its records as they are read ([`TileClusters::begin`],
/// [`TileClusters::fold`]: a tile over the feature budget, whose points are never held).
/// Folding keeps at most `cap` cells: past it the cells are merged four by four into
/// cells twice as large, so memory is bounded by the feature budget, not by the points.
/// No cells finer than the last merge are lost that could fit the budget: a grid with
/// more cells than `cap` (the feature budget) cannot.
#[derive(Debug, Default)]
pub(super) struct TileClusters {
    tile: u64,
    /// Cells of `2^shift` units, sorted by layer then cell once split.
    aggs: Vec<Agg>,
    /// Per aggregate, its `ns` sums of the accumulated columns.
    agg_sums: Vec<f64>,
    ns: usize,
    shift: u32,
    /// While folding: `(layer, cell)` → aggregate.
    index: FxHashMap<(u32, u64), u32>,
    cap: usize,
    pub(super) dates: Dates,
    /// Points in the buffer left out while folding (more than the budget: a tile with them
    /// cannot fit).
    pub(super) no_buffer: bool,
    /// Entries not clustered: other geometries, points in the buffer, lone points.
    pub(super) kept: Vec<TileEntry>,
    /// Lone points of the last build not in the tile's window: layer, record position and
    /// position in the tile.
    pub(super) lone: Vec<(u32, u64, i32, i32)>,
    pub(super) clusters: Vec<Cluster>,
    pub(super) sums: Vec<f64>,
    others: Vec<TileEntry>,
    buffer_points: Vec<TileEntry>,
    /// The point being split.
    share: Share,
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

/// The aggregate of one point at `(x, y)` in the tile (inside it), cells of one unit.
fn point_agg(layer: u32, x: i32, y: i32, id: u64, at: u64, fi: u32) -> Agg {
    Agg {
        layer,
        cell: morton(x.unsigned_abs(), y.unsigned_abs()),
        count: 1,
        sx: i64::from(x),
        sy: i64::from(y),
        hash: mix(id),
        start: NONE,
        end: NONE,
        at,
        fi,
    }
}

impl TileClusters {
    fn reset(&mut self, tile: u64, ns: usize) {
        self.tile = tile;
        self.aggs.clear();
        self.agg_sums.clear();
        self.ns = ns;
        self.shift = 0;
        self.index.clear();
        self.cap = usize::MAX;
        self.dates.clear();
        self.no_buffer = false;
        self.others.clear();
        self.buffer_points.clear();
    }

    /// Start folding the points of `tile` ([`TileClusters::fold`]), `ns` accumulated
    /// columns, at most `cap` cells.
    pub(super) fn begin(&mut self, tile: u64, ns: usize, cap: usize) {
        self.reset(tile, ns);
        self.cap = cap.max(1);
    }

    /// Fold in one point lying in the tile, its dates interned in [`Self::dates`] and its
    /// `ns` sums.
    pub(super) fn fold(&mut self, mut a: Agg, sums: &[f64]) {
        a.cell = cell_at(a.cell, self.shift);
        let ns = self.ns;
        match self.index.get(&(a.layer, a.cell)) {
            Some(&i) => {
                let i = i as usize;
                if let Some(acc) = self.aggs.get_mut(i) {
                    acc.merge(&a, &self.dates);
                }
                if let Some(acc) = self.agg_sums.get_mut(i * ns..i * ns + ns) {
                    for (s, v) in acc.iter_mut().zip(sums) {
                        *s += v;
                    }
                }
            }
            None => {
                let i = u32::try_from(self.aggs.len()).unwrap_or(NONE);
                self.index.insert((a.layer, a.cell), i);
                self.aggs.push(a);
                self.agg_sums
                    .extend((0..ns).map(|j| sums.get(j).copied().unwrap_or(0.0)));
            }
        }
        while self.index.len() > self.cap && self.shift < 32 {
            self.coarsen(1);
            self.index.clear();
            for (i, a) in self.aggs.iter().enumerate() {
                self.index
                    .insert((a.layer, a.cell), u32::try_from(i).unwrap_or(NONE));
            }
        }
    }

    /// Merge the cells into cells `2^by` times as large, sorted by layer then cell (each
    /// group merged in the order of its members' record positions).
    fn coarsen(&mut self, by: u32) {
        self.shift += by;
        let ns = self.ns;
        // The keys sorted beside the indices, not looked up at each comparison: no two
        // aggregates share a layer and a record position, so the order is total.
        let mut order: Vec<(u32, u64, u64, u32)> = self
            .aggs
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let i = u32::try_from(i).unwrap_or(NONE);
                (a.layer, cell_at(a.cell, by), a.at, i)
            })
            .collect();
        order.sort_unstable();
        let mut aggs: Vec<Agg> = Vec::with_capacity(self.aggs.len());
        let mut sums: Vec<f64> = Vec::with_capacity(self.agg_sums.len());
        for (.., i) in order {
            let i = i as usize;
            let Some(&a) = self.aggs.get(i) else { continue };
            let a = Agg {
                cell: cell_at(a.cell, by),
                ..a
            };
            let member = self.agg_sums.get(i * ns..i * ns + ns).unwrap_or(&[]);
            match aggs.last_mut() {
                Some(last) if last.layer == a.layer && last.cell == a.cell => {
                    last.merge(&a, &self.dates);
                    let at = sums.len() - ns;
                    for (s, v) in sums[at..].iter_mut().zip(member) {
                        *s += v;
                    }
                }
                _ => {
                    aggs.push(a);
                    sums.extend_from_slice(member);
                }
            }
        }
        self.aggs = aggs;
        self.agg_sums = sums;
    }

    /// Split one tile's entries (sorted by layer then feature, the tile held in its window):
    /// single points lying inside the tile become aggregates of one-unit cells; everything
    /// else is kept as it is.
    pub(super) fn split(
        &mut self,
        tile: u64,
        entries: &[TileEntry],
        layers: &[PreparedLayer],
        extent: u32,
    ) {
        let ns = layers.first().map_or(0, |l| l.cluster.sum_keys.len());
        self.reset(tile, ns);
        let mut share = std::mem::take(&mut self.share);
        for e in entries {
            let Some(layer) = layers.get(e.layer as usize) else {
                continue;
            };
            let single = layer
                .features
                .get(e.feature as usize)
                .filter(|f| matches!(f.geom, Geom::Point(_)));
            match (e.geom, single) {
                (TileGeom::Point(x, y), Some(f)) => {
                    let point = (i64::from(x), i64::from(y));
                    let who = (f.id, u64::from(e.feature), e.feature);
                    if !share.start(e.layer, point, extent, who, ns) {
                        self.buffer_points.push(*e);
                        continue;
                    }
                    let tags = layer
                        .tag_pool
                        .get(f.tags.0 as usize..f.tags.1 as usize)
                        .unwrap_or(&[]);
                    for pair in tags.chunks_exact(2) {
                        let (k, v) = (pair[0], pair[1] as usize);
                        if let Some(field) = layer.cluster.field(k) {
                            let bytes = layer.values.get(v).map_or(&[][..], Vec::as_slice);
                            let kind = layer.value_kind.get(v).copied().unwrap_or(0);
                            let alias = Some((e.layer, pair[1]));
                            share.note(&mut self.dates, field, (bytes, kind), alias);
                        }
                    }
                    self.aggs.push(*share.end(&mut self.dates));
                    self.agg_sums.extend_from_slice(&share.sums);
                }
                _ => self.others.push(*e),
            }
        }
        self.share = share;
        self.coarsen(0);
    }

    /// The entries of a tile whose points were folded ([`TileClusters::fold`]): all kept
    /// as they are (other geometries, points in the buffer); the aggregates are sorted.
    pub(super) fn split_folded(&mut self, entries: &[TileEntry], layers: &[PreparedLayer]) {
        self.index = FxHashMap::default();
        self.coarsen(0);
        for e in entries {
            let single = layers
                .get(e.layer as usize)
                .and_then(|l| l.features.get(e.feature as usize))
                .is_some_and(|f| matches!(f.geom, Geom::Point(_)));
            if single {
                self.buffer_points.push(*e);
            } else {
                self.others.push(*e);
            }
        }
    }

    /// Whether this tile has points to cluster, or points in its buffer to leave out (a
    /// tile whose only points lie in its buffer can be over budget too).
    pub(super) fn has_points(&self) -> bool {
        !self.aggs.is_empty() || !self.buffer_points.is_empty() || self.no_buffer
    }

    /// The cells of `2^shift` units, as runs of the aggregates.
    fn groups(&self, shift: u32) -> impl Iterator<Item = &[Agg]> {
        let by = shift.saturating_sub(self.shift);
        self.aggs
            .chunk_by(move |a, b| a.layer == b.layer && cell_at(a.cell, by) == cell_at(b.cell, by))
    }

    /// The number of features the tile would have with cells of `2^shift` units
    /// (`usize::MAX` when it cannot be made: cells finer than the aggregates', or the buffer
    /// when its points were left out).
    pub(super) fn features_at(&self, shift: u32, with_buffer: bool) -> usize {
        if shift < self.shift || (with_buffer && self.no_buffer) {
            return usize::MAX;
        }
        let buffer = if with_buffer {
            self.buffer_points.len()
        } else {
            0
        };
        self.others.len() + buffer + self.groups(shift).count()
    }

    /// Group the points on cells of `2^shift` units into [`Self::kept`] (sorted by layer then
    /// feature, as the encoder expects), [`Self::lone`] and [`Self::clusters`].
    pub(super) fn build(&mut self, shift: u32, with_buffer: bool) {
        let shift = shift.max(self.shift);
        self.kept.clear();
        self.lone.clear();
        self.clusters.clear();
        self.sums.clear();
        self.kept.extend_from_slice(&self.others);
        if with_buffer {
            self.kept.extend_from_slice(&self.buffer_points);
        }
        let ns = self.ns;
        let by = shift - self.shift;
        let mut from = 0usize;
        while let Some(first) = self.aggs.get(from).copied() {
            let key = (first.layer, cell_at(first.cell, by));
            let len = self.aggs[from..]
                .iter()
                .take_while(|a| (a.layer, cell_at(a.cell, by)) == key)
                .count();
            let mut acc = first;
            let sums_at = self.sums.len();
            self.sums
                .extend_from_slice(self.agg_sums.get(from * ns..from * ns + ns).unwrap_or(&[]));
            for (i, a) in self.aggs[from + 1..from + len].iter().enumerate() {
                acc.merge(a, &self.dates);
                let j = from + 1 + i;
                let member = self.agg_sums.get(j * ns..j * ns + ns).unwrap_or(&[]);
                for (s, v) in self.sums[sums_at..].iter_mut().zip(member) {
                    *s += v;
                }
            }
            from += len;
            // Tile coordinates of points inside the tile: a mean of them is one (i32).
            let mean = |s: i64| i32::try_from(s.div_euclid(acc.count.max(1) as i64)).unwrap_or(0);
            if acc.count == 1 {
                self.sums.truncate(sums_at);
                let (x, y) = (mean(acc.sx), mean(acc.sy));
                if acc.fi == NONE {
                    self.lone.push((acc.layer, acc.at, x, y));
                } else {
                    self.kept.push(TileEntry {
                        tile: self.tile,
                        layer: acc.layer,
                        feature: acc.fi,
                        geom: TileGeom::Point(x, y),
                    });
                }
                continue;
            }
            self.clusters.push(Cluster {
                layer: acc.layer,
                x: mean(acc.sx),
                y: mean(acc.sy),
                id: fold(acc.hash),
                count: acc.count,
                start: acc.start,
                end: acc.end,
                bound: NONE,
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
        if self.shift > max_shift {
            // Folded into cells coarser than allowed: more cells than the budget's features
            // at every size allowed. Encoded as it is, for the error.
            self.build(self.shift, false);
            encode(self, layers);
            return false;
        }
        for with_buffer in [true, false] {
            if with_buffer && self.no_buffer {
                continue;
            }
            #[allow(clippy::cast_precision_loss)]
            let estimate_fits = |tc: &Self, shift: u32, per: Option<f64>| {
                per.is_none_or(|p| tc.features_at(shift, with_buffer) as f64 * p <= target)
            };
            let lo = (self.shift..=max_shift)
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
                        self.build(w, with_buffer);
                        encode(self, layers);
                    }
                    return true;
                };
                self.build(shift, with_buffer);
                let n = self.kept.len() + self.lone.len() + self.clusters.len();
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
    use super::super::prepare::Prepared;
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
        let cluster = ClusterTable::new(&mut keys, &[], &[]);
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
        /// The dates' keys order values as [`date_order`] orders their bytes: strings
        /// sharing prefixes, shorter and longer than the key's prefix, with zero bytes, and
        /// numbers; aliases met again give the value's index, and none survives a clear.
        #[test]
        fn date_keys_order_as_the_bytes(
            strings in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(vec![0u8, b'0', b'1', b'-', 0xff]), 0..24),
                1..12),
            numbers in proptest::collection::vec(-3i64..3, 0..4),
        ) {
            let mut dates = Dates::default();
            let mut values = Vec::new();
            for s in &strings {
                let mut buf = Vec::new();
                mvt::bytes_field(&mut buf, 1, s);
                values.push(buf);
            }
            for &n in &numbers {
                let mut buf = Vec::new();
                mvt::encode_value(&number_value(n as f64), &mut buf);
                values.push(buf);
            }
            let ids: Vec<u32> = values
                .iter()
                .enumerate()
                .map(|(i, v)| dates.intern_as(Some((1, u32::try_from(i).unwrap())), v, 1))
                .collect();
            for (i, v) in values.iter().enumerate() {
                proptest::prop_assert_eq!(dates.intern_as(Some((1, u32::try_from(i).unwrap())), v, 1), ids[i]);
                for (j, w) in values.iter().enumerate() {
                    proptest::prop_assert_eq!(dates.order(ids[i], ids[j]), date_order(v, w));
                }
            }
            dates.clear();
            proptest::prop_assert_eq!(dates.intern_as(Some((1, 0)), &values[values.len() - 1], 1), 0);
        }
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
            tc.split(0, &entries, &layers, 4096);
            tc.build(shift, true);
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
            tc.split(0, &entries, &layers, 4096);
            tc.build(shift, true);
            proptest::prop_assert_eq!(ids, tc.clusters.iter().map(|c| c.id).collect::<Vec<_>>());
        }
    }

    /// A stand-in for encoding: 40 bytes a feature.
    fn forty_a_feature(tc: &TileClusters) -> usize {
        40 * (tc.kept.len() + tc.lone.len() + tc.clusters.len())
    }

    #[test]
    fn stacked_points_merge_at_the_base_zoom_and_others_stand_alone() {
        let mut points = vec![(100, 200); 5_000];
        points.extend((0..50).map(|i| (300 + 7 * i, 900)));
        let (mut layers, entries) = layer_and_entries(&points);
        let mut tc = TileClusters::default();
        tc.split(0, &entries, &layers, 4096);
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
        tc.split(0, &entries, &layers, 4096);
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
            tc.split(0, &entries, &layers, 4096);
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

    /// What a build made, comparable across date tables: clusters with their dates' bytes,
    /// and the lone points' positions.
    #[allow(clippy::type_complexity)]
    fn made(
        tc: &TileClusters,
    ) -> (
        Vec<(u32, i32, i32, u64, u64, Vec<u8>, Vec<u8>, Vec<f64>)>,
        Vec<(i32, i32)>,
    ) {
        let date = |v: u32| {
            tc.dates
                .values
                .get(v as usize)
                .map(|d| d.0.clone())
                .unwrap_or_default()
        };
        let clusters = tc
            .clusters
            .iter()
            .map(|c| {
                let sums = tc.sums[c.sums..c.sums + tc.ns].to_vec();
                let end = if c.end == OPEN {
                    b"open".to_vec()
                } else {
                    date(c.end)
                };
                (c.layer, c.x, c.y, c.id, c.count, date(c.start), end, sums)
            })
            .collect();
        let mut lone: Vec<(i32, i32)> = tc.lone.iter().map(|l| (l.2, l.3)).collect();
        lone.extend(tc.kept.iter().filter_map(|e| match e.geom {
            TileGeom::Point(x, y) => Some((x, y)),
            TileGeom::Pool { .. } => None,
        }));
        lone.sort_unstable();
        (clusters, lone)
    }

    /// Fold points `(x, y, day, n)` in the given order into at most `cap` cells; a point
    /// of day 56 or later has an open end.
    fn folded(points: &[(i32, i32, u8, u8)], order: &[usize], cap: usize) -> TileClusters {
        let mut tc = TileClusters::default();
        tc.begin(0, 1, cap);
        for &i in order {
            let (x, y, day, n) = points[i];
            let mut buf = Vec::new();
            mvt::encode_value(
                &mvt::Value::String(format!("2020-01-{:02}", 1 + day % 28)),
                &mut buf,
            );
            let d = tc.dates.intern(&buf, 1);
            let a = Agg {
                start: d,
                end: if day >= 56 { OPEN } else { d },
                ..point_agg(0, x, y, 7000 + i as u64, i as u64, NONE)
            };
            tc.fold(a, &[f64::from(n)]);
        }
        tc.split_folded(&[], &[]);
        tc
    }

    proptest::proptest! {
        /// Cells folded in any order, merged into larger cells whenever there are more than
        /// `cap`, give the same clusters (count, centroid, id, dates, integer sums) and lone
        /// points at every cell size they allow.
        #[test]
        fn aggregates_merge_to_the_same_clusters_in_any_order(
            points in proptest::collection::vec((0i32..4096, 0i32..4096, 0u8..60, 0u8..9), 1..300),
            seed in proptest::prelude::any::<u64>(),
            cap in 1usize..400,
            extra in 0u32..6,
        ) {
            let forward: Vec<usize> = (0..points.len()).collect();
            let mut shuffled = forward.clone();
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, usize::try_from(state % (i as u64 + 1)).unwrap());
            }
            let mut a = folded(&points, &forward, cap);
            let mut b = folded(&points, &shuffled, cap);
            let mut all = folded(&points, &forward, usize::MAX);
            let shift = a.shift.max(b.shift) + extra;
            a.build(shift, true);
            b.build(shift, true);
            all.build(shift, true);
            proptest::prop_assert_eq!(made(&a), made(&b));
            proptest::prop_assert_eq!(made(&a), made(&all));
            let total: u64 = a.clusters.iter().map(|c| c.count).sum::<u64>() + a.lone.len() as u64;
            proptest::prop_assert_eq!(total, points.len() as u64);
            // Never more cells held than the cap, unless one cell per layer is all there is.
            proptest::prop_assert!(a.aggs.len() <= cap.max(1) || a.shift >= 13);
        }
    }

    /// The encoded MVT string value of `s`.
    fn value(s: &str) -> Vec<u8> {
        let mut buf = Vec::new();
        mvt::bytes_field(&mut buf, 1, s.as_bytes());
        buf
    }

    /// Review (session 15): a cluster with a member whose end is open said the latest
    /// closed `end_date` of the others. Its end is open ([`OPEN`]) whatever the order its
    /// members' properties and cells come in; a cluster of closed ends keeps the latest.
    #[test]
    fn a_member_with_an_open_end_leaves_its_cluster_open() {
        let (start, end) = (value("2021-01-01"), value("2021-03-31"));
        let period = value("period");
        let mut dates = Dates::default();
        let mut share = Share::default();
        let mut point = |open_first: bool, bound: &[u8]| {
            assert!(share.start(0, (5, 5), 4096, (1, 0, NONE), 0));
            let fields = [(START, &start[..]), (END, &end[..]), (BOUND, bound)];
            let order: &[usize] = if open_first { &[2, 0, 1] } else { &[0, 1, 2] };
            for &f in order {
                let (field, bytes) = fields[f];
                share.note(&mut dates, field, (bytes, 1), None);
            }
            share.agg
        };
        assert_eq!(point(false, &OPEN_BOUND).end, OPEN);
        assert_eq!(point(true, &OPEN_BOUND).end, OPEN);
        let closed = point(false, &period);
        assert_ne!(closed.end, OPEN);
        let open = point(true, &OPEN_BOUND);
        for (a, b) in [(closed, open), (open, closed)] {
            let mut acc = a;
            acc.merge(&b, &dates);
            assert_eq!(acc.end, OPEN);
            assert_eq!(acc.start, closed.start);
        }
        let mut acc = closed;
        acc.merge(&closed, &dates);
        assert_eq!(acc.end, closed.end);
        assert_eq!(&*OPEN_BOUND, &value("on_or_after"));
    }

    /// Probe, session 44: of ends `2021` and `2021-05-01` the finer was taken as the
    /// latest, so a cluster ended before its first member's year was out. A period ends
    /// after the dates within it, and a date of another period orders as text; the
    /// earliest start is unchanged (`2021` starts before `2021-05-01`).
    #[test]
    fn a_coarse_end_is_later_than_the_days_within_it() {
        let mut dates = Dates::default();
        let mut at = |s: &str| dates.intern(&value(s), KIND_STRING);
        let (year, may1, may, june, y2020) = (
            at("2021"),
            at("2021-05-01"),
            at("2021-05"),
            at("2021-06-02"),
            at("2020-12-31"),
        );
        let latest = |a, b| dates.pick(a, b, std::cmp::Ordering::Greater);
        let earliest = |a, b| dates.pick(a, b, std::cmp::Ordering::Less);
        for (a, b) in [(year, may1), (may1, year)] {
            assert_eq!(latest(a, b), year);
            assert_eq!(earliest(a, b), year);
        }
        assert_eq!(latest(may, may1), may);
        assert_eq!(latest(may1, may), may);
        assert_eq!(latest(may, june), june);
        assert_eq!(latest(year, june), year);
        assert_eq!(latest(y2020, year), year);
        assert_eq!(earliest(y2020, year), y2020);
    }

    /// Session 16: a hand-written point with a `start_date` and neither an `end_date` nor
    /// a `date_bound` did not count toward its cluster's latest end. Its end is where the
    /// one date rule ends it: its start day, or the end of the month or year its
    /// `date_precision` says; a cluster of two such points has the later end.
    #[test]
    fn a_start_without_an_end_ends_where_the_date_rule_ends_it() {
        let mut dates = Dates::default();
        let mut share = Share::default();
        let mut point = |fields: &[(usize, &str)]| {
            assert!(share.start(0, (5, 5), 4096, (1, 0, NONE), 0));
            for &(field, text) in fields {
                share.note(&mut dates, field, (&value(text), KIND_STRING), None);
            }
            *share.end(&mut dates)
        };
        let day = point(&[(START, "2021-03-05")]);
        let month = point(&[(PRECISION, "month"), (START, "2021-02-01")]);
        let year = point(&[(START, "2020-01-01"), (PRECISION, "year")]);
        let reduced = point(&[(START, "2019-02")]);
        // A precision the start does not fit is left aside: the start day.
        let unfit = point(&[(START, "2018-05-07"), (PRECISION, "month")]);
        let open = point(&[(START, "2017-01-01"), (BOUND, "on_or_after")]);
        let closed = point(&[(START, "2016-01-01"), (END, "2016-01-09")]);
        let text = |i: u32| String::from_utf8_lossy(&dates.values[i as usize].0[2..]).into_owned();
        assert_eq!(day.end, day.start);
        assert_eq!(text(month.end), "2021-02-28");
        assert_eq!(text(year.end), "2020-12-31");
        assert_eq!(text(reduced.end), "2019-02-28");
        assert_eq!(unfit.end, unfit.start);
        assert_eq!(open.end, OPEN);
        assert_eq!(text(closed.end), "2016-01-09");
        // Two such points: the cluster ends at the later end, whichever comes first.
        for (a, b) in [(day, month), (month, day)] {
            let mut acc = a;
            acc.merge(&b, &dates);
            assert_eq!(text(acc.end), "2021-03-05");
            assert_eq!(text(acc.start), "2021-02-01");
        }
        let mut acc = month;
        acc.merge(&year, &dates);
        assert_eq!(text(acc.end), "2021-02-28");
    }

    #[test]
    fn morton_nests_cells() {
        // Cells of 2^s units are runs of the Morton order.
        assert_eq!(cell_at(morton(5, 6), 1), cell_at(morton(4, 7), 1));
        assert_ne!(cell_at(morton(5, 6), 1), cell_at(morton(6, 6), 1));
        assert_eq!(cell_at(morton(4095, 0), 12), cell_at(morton(0, 4095), 12));
    }
}
