//! The one way a distance to the Afghan border is computed, for any number of points:
//! exact, and cheap for every point, near the border or far from it.
//!
//! The border's edges are great-circle arcs between consecutive vertices, kept as unit
//! vectors with their plane's normal, so the distance from a point to an edge is a few dot
//! and cross products (no trigonometry) and one `asin` at the end. Points fall into 0.25°
//! grid cells; for each cell, computed once, the candidate edges are those that can be
//! nearest to some point of the cell, sorted by their distance from the cell's centre. An
//! edge is left out when its distance from the centre exceeds the nearest edge's by more
//! than the cell's radius times a bound on how fast the difference of the two distances
//! can change: 2 near the border (the triangle inequality), and far less far from it, where
//! both edges are seen under a small angle (see [`lipschitz`]); so a cell a thousand km
//! away keeps a few edges, not every edge within twice its radius of the nearest. The edges
//! measured for a cell are only those of its 2° coarse cell, chosen the same way among all
//! edges (a point of the cell is a point of the coarse cell, so its nearest edge is among
//! them), which keeps the set-up of the thousands of cells a million points spread over
//! cheap. A point walks its cell's candidates in order and stops at the first whose lower
//! bound (distance from the centre less the point's distance from the centre) exceeds the
//! best found. Cells are set up on first sight, once for all the index's clones (one per
//! build thread): each coarse cell's block is made under a lock, its fine cells each in a
//! `OnceLock`, and a clone remembers the blocks it met, so a point's look-up takes no lock.
//! A look-up of a uniform point costs cache misses rather than arithmetic, so what it reads
//! lies close: the fine cells inside their block, a cell's first candidates inside the cell,
//! and the edges without the caps only set-up reads. Whether a point is inside Afghanistan
//! (the sign of the distance) is the [`PolygonIndex`]'s answer. Distances are on the sphere
//! of mean Earth radius, in km; ties go to the segment listed first.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use geo::Coord;
use rustc_hash::FxHashMap;

use crate::derive::border::{AfghanBorder, BorderDistance};
use crate::derive::polygon_index::PolygonIndex;
use crate::derive::sphere::{angle, chord2, chord2_of, dot, unit, GreatArc, EARTH_RADIUS_KM, V3};

/// Grid cell size, degrees.
const CELL: f64 = 0.25;
/// Grid cells per side of a coarse cell: a fine cell's candidates are chosen among its
/// coarse cell's, not among every edge.
const COARSE: i64 = 8;
/// One great-circle arc of the border: what a point's look-up reads of it.
#[derive(Debug, Clone)]
struct Edge {
    arc: GreatArc,
    segment: u32,
}

/// A cap holding an arc: its centre (the arc's midpoint) and angular radius. Only setting
/// cells up reads it, so it is kept apart from the [`Edge`]s a look-up walks.
#[derive(Debug, Clone, Copy)]
struct Cap {
    mid: V3,
    reach: f64,
}

impl Edge {
    fn new(arc: GreatArc, segment: u32) -> (Edge, Cap) {
        let (a, b) = (arc.a, arc.b);
        let m = [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
        let len = dot(m, m).sqrt();
        let mid = if len > 0.0 {
            [m[0] / len, m[1] / len, m[2] / len]
        } else {
            a
        };
        // Every point of the arc is within this of its midpoint (a little more, for
        // rounding).
        let reach = angle(chord2(mid, a).max(chord2(mid, b))) * (1.0 + 1e-9) + 1e-12;
        (Edge { arc, segment }, Cap { mid, reach })
    }
}

/// How fast, at most, the difference of the distances to edges `e` and `best` changes as a
/// point moves (radians per radian), for points within `radius` of a centre at
/// `from_best` from `best`'s midpoint. The nearest points of both edges lie in the cap
/// around `best`'s midpoint that holds `e` too; from a point at distance `δ` from a cap of
/// radius `R < δ ≤ π/2` every direction to it is within `β` of the centre's, with
/// `sin β = sin R / sin δ`, so the two unit gradients differ by at most `2 sin β`. Where the
/// point may be in the cap, or the edges more than a quarter circle away: 2.
fn lipschitz(best: &Cap, e: &Cap, from_best: f64, radius: f64) -> f64 {
    let reach = best
        .reach
        .max(angle(chord2(best.mid, e.mid)) * (1.0 + 1e-9) + 1e-12 + e.reach);
    let (near, far) = (from_best - radius, from_best + radius);
    if reach >= near || far + reach > std::f64::consts::FRAC_PI_2 {
        return 2.0;
    }
    (2.0 * reach.sin() / near.sin() * (1.0 + 1e-9)).min(2.0)
}

/// Candidates a cell keeps beside its centre, read with it: most cells have no more.
const NEAR: usize = 4;

/// A grid cell, set up on first sight: its centre, and the edges that can be nearest to one
/// of its points with their angle from the centre, nearest first (the first [`NEAR`] in the
/// cell itself, the rest in `more`).
#[derive(Debug)]
struct Cell {
    centre: V3,
    len: u32,
    near: [(f64, u32); NEAR],
    more: Box<[(f64, u32)]>,
}

impl Cell {
    fn candidates(&self) -> impl Iterator<Item = &(f64, u32)> {
        let near = usize::try_from(self.len).map_or(NEAR, |l| l.min(NEAR));
        self.near[..near].iter().chain(self.more.iter())
    }
}

/// Fine cells per coarse cell.
#[allow(clippy::cast_possible_truncation)] // 64, a constant
const FINE: usize = (COARSE * COARSE) as usize;

/// A coarse cell: the edges that can be nearest to a point in it, and its
/// `COARSE` × `COARSE` grid cells (in the block itself: one load less per point), each set
/// up once by whichever thread meets it first.
#[derive(Debug)]
struct Block {
    edges: Vec<u32>,
    cells: [OnceLock<Cell>; FINE],
}

/// What every clone of an index shares: the border's edges and the cells set up so far.
#[derive(Debug)]
struct Shared {
    edges: Vec<Edge>,
    /// Each edge's cap, by the same index.
    caps: Vec<Cap>,
    /// Coarse cell → its block, made under the lock on first sight.
    blocks: Mutex<FxHashMap<(i64, i64), Arc<Block>>>,
}

/// A query index over an [`AfghanBorder`]. Its clones (one per build thread) share the
/// cells set up so far, so a million points spread over a region set each cell up once.
#[derive(Debug, Clone)]
pub struct BorderIndex<'b> {
    border: &'b AfghanBorder,
    /// Afghanistan's polygons, for the sign of distances.
    afghanistan: Option<PolygonIndex>,
    shared: Arc<Shared>,
    /// The coarse cells this clone has met: a point's look-up takes no lock.
    blocks: FxHashMap<(i64, i64), Arc<Block>>,
}

impl<'b> BorderIndex<'b> {
    /// Index `border`.
    pub fn new(border: &'b AfghanBorder) -> BorderIndex<'b> {
        let (mut edges, mut caps) = (Vec::new(), Vec::new());
        for (si, s) in border.segments.iter().enumerate() {
            let segment = u32::try_from(si).unwrap_or(u32::MAX);
            for line in &s.lines {
                for w in line.0.windows(2) {
                    let (a, b) = (unit(w[0].x, w[0].y), unit(w[1].x, w[1].y));
                    let (edge, cap) = Edge::new(GreatArc::new(a, b), segment);
                    edges.push(edge);
                    caps.push(cap);
                }
                if let [only] = line.0.as_slice() {
                    let a = unit(only.x, only.y);
                    let (edge, cap) = Edge::new(GreatArc::new(a, a), segment);
                    edges.push(edge);
                    caps.push(cap);
                }
            }
        }
        BorderIndex {
            border,
            afghanistan: PolygonIndex::new(&border.shape),
            shared: Arc::new(Shared {
                edges,
                caps,
                blocks: Mutex::new(FxHashMap::default()),
            }),
            blocks: FxHashMap::default(),
        }
    }

    /// Distance from `(lon, lat)` to the border: km to its nearest point, negative inside
    /// Afghanistan, and the nearest segment.
    pub fn distance(&mut self, lon: f64, lat: f64) -> BorderDistance<'b> {
        #[allow(clippy::cast_possible_truncation)]
        let key = ((lon / CELL).floor() as i64, (lat / CELL).floor() as i64);
        let coarse_key = (key.0.div_euclid(COARSE), key.1.div_euclid(COARSE));
        let shared = &*self.shared;
        let block = self
            .blocks
            .entry(coarse_key)
            .or_insert_with(|| shared.block(coarse_key));
        let at = usize::try_from(key.0.rem_euclid(COARSE) * COARSE + key.1.rem_euclid(COARSE))
            .unwrap_or(usize::MAX);
        let p = unit(lon, lat);
        let (mut best, mut best_angle, mut best_seg) = (f64::INFINITY, f64::INFINITY, u32::MAX);
        if let Some(cell) = block.cells.get(at) {
            let cell = cell.get_or_init(|| shared.cell(key, &block.edges));
            // Slack for rounding: a candidate is skipped only when clearly beyond the best.
            let from_centre = angle(chord2(cell.centre, p)) + 1e-12;
            for &(lb, i) in cell.candidates() {
                if lb - from_centre > best_angle {
                    break;
                }
                let e = &shared.edges[i as usize];
                let c = e.arc.chord2(p);
                if c < best || (c == best && e.segment < best_seg) {
                    best = c;
                    best_angle = angle(c);
                    best_seg = e.segment;
                }
            }
        }
        let mut km = best_angle * EARTH_RADIUS_KM;
        let point = Coord { x: lon, y: lat };
        if self.afghanistan.as_mut().is_some_and(|a| a.contains(point)) {
            km = -km;
        }
        BorderDistance {
            km,
            segment: self
                .border
                .segments
                .get(best_seg as usize)
                .map_or("", |s| s.id.as_str()),
        }
    }
}

impl Shared {
    /// The edges among `among` that can be nearest to a point of the lon/lat box
    /// `(w, s)`-`(w + size, s + size)`, with their angle from the box's centre, nearest
    /// first; and the centre. An edge is left out when, for every point within the box's
    /// radius `r` of the centre, it is farther than the edge nearest to the centre (`e*`):
    /// the difference of the two distances changes by at most `K` per unit of distance
    /// moved, so an edge whose distance from the centre exceeds `e*`'s by more than `K r`
    /// is never nearest. `K` is 2 in general (each distance changes at most as fast as the
    /// point moves: the triangle inequality), and far less far from both edges: the
    /// gradient of a distance is the unit vector pointing away from the nearest point, so
    /// `K` is at most `2 sin β`, where `β` is the half-angle under which a point of the box's
    /// cap sees a cap holding both edges ([`lipschitz`]).
    fn candidates_of(&self, w: f64, s: f64, size: f64, among: &[u32]) -> (V3, Vec<(f64, u32)>) {
        let (e, n) = (w + size, s + size);
        let (cx, cy) = (w + size / 2.0, s + size / 2.0);
        let centre = unit(cx, cy);
        // The farthest point of a lon/lat cell from its centre is a corner or the middle of
        // a side; a margin covers the rest.
        let radius = [
            (w, s),
            (w, n),
            (e, s),
            (e, n),
            (cx, s),
            (cx, n),
            (w, cy),
            (e, cy),
        ]
        .iter()
        .map(|&(x, y)| angle(chord2(centre, unit(x, y))))
        .fold(0.0, f64::max)
            * 1.01
            + 1e-6;
        let c2: Vec<(f64, u32)> = among
            .iter()
            .map(|&i| (self.edges[i as usize].arc.chord2(centre), i))
            .collect();
        let Some(&(nearest, first)) = c2.iter().min_by(|a, b| a.0.total_cmp(&b.0)) else {
            return (centre, Vec::new());
        };
        let nearest_angle = angle(nearest);
        // The triangle inequality's bound (`K` = 2) first: it is cheap and leaves out most.
        let limit = chord2_of(nearest_angle + 2.0 * radius) * (1.0 + 1e-9) + 1e-15;
        let best = &self.caps[first as usize];
        let from_best = angle(chord2(centre, best.mid));
        let mut candidates: Vec<(f64, u32)> = c2
            .into_iter()
            .filter(|&(c, _)| c <= limit)
            .map(|(c, i)| (angle(c), i))
            .filter(|&(a, i)| {
                let k = lipschitz(best, &self.caps[i as usize], from_best, radius);
                a - nearest_angle <= k * radius * (1.0 + 1e-9) + 1e-12
            })
            .collect();
        candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        (centre, candidates)
    }

    /// The block of coarse cell `key`, made on first sight (by one thread: the others wait
    /// for it). A fine cell lies inside one coarse cell, so the edge nearest to any of its
    /// points is among the coarse cell's candidates: only those are measured for it.
    fn block(&self, key: (i64, i64)) -> Arc<Block> {
        let mut blocks = self.blocks.lock().unwrap_or_else(PoisonError::into_inner);
        let block = blocks.entry(key).or_insert_with(|| {
            let all: Vec<u32> = (0..self.edges.len())
                .filter_map(|i| u32::try_from(i).ok())
                .collect();
            #[allow(clippy::cast_precision_loss)]
            let size = COARSE as f64 * CELL;
            #[allow(clippy::cast_precision_loss)]
            let (w, s) = (key.0 as f64 * size, key.1 as f64 * size);
            let (_, candidates) = self.candidates_of(w, s, size, &all);
            let mut edges: Vec<u32> = candidates.into_iter().map(|c| c.1).collect();
            edges.sort_unstable();
            Arc::new(Block {
                edges,
                cells: std::array::from_fn(|_| OnceLock::new()),
            })
        });
        Arc::clone(block)
    }

    /// Grid cell `key`, its candidates chosen `among` its coarse cell's edges.
    fn cell(&self, key: (i64, i64), among: &[u32]) -> Cell {
        #[allow(clippy::cast_precision_loss)]
        let (w, s) = (key.0 as f64 * CELL, key.1 as f64 * CELL);
        let (centre, candidates) = self.candidates_of(w, s, CELL, among);
        let mut near = [(0.0, 0); NEAR];
        let split = candidates.len().min(NEAR);
        near[..split].copy_from_slice(&candidates[..split]);
        Cell {
            centre,
            len: u32::try_from(candidates.len()).unwrap_or(u32::MAX),
            near,
            more: candidates[split..].into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::sphere::cross;
    use geo::{Contains, MultiLineString, Point};
    use proptest::prelude::*;

    fn border() -> AfghanBorder {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("places");
        let boundaries =
            crate::read::topojson::read(&data.join(crate::read::topojson::COUNTRIES)).unwrap();
        AfghanBorder::from_boundaries(&boundaries).unwrap()
    }

    /// The reference, written apart from the index: the angle between two unit vectors
    /// as `atan2(|a × b|, a · b)`, accurate at every angle (no `asin` of a chord).
    fn ref_angle(a: V3, b: V3) -> f64 {
        let c = cross(a, b);
        dot(c, c).sqrt().atan2(dot(a, b))
    }

    /// The exact great-circle distance (radians) from `p` to the minor arc `a`-`b`: the
    /// foot of the perpendicular on the arc's great circle when it lies on the arc (the
    /// angles a-foot and foot-b add up to a-b), else the nearer end.
    fn ref_arc(p: V3, a: V3, b: V3) -> f64 {
        let ends = ref_angle(p, a).min(ref_angle(p, b));
        let n = cross(a, b);
        let len = dot(n, n).sqrt();
        if len == 0.0 {
            return ends;
        }
        let n = [n[0] / len, n[1] / len, n[2] / len];
        let h = dot(p, n);
        let foot = [p[0] - h * n[0], p[1] - h * n[1], p[2] - h * n[2]];
        let flen = dot(foot, foot).sqrt();
        if flen == 0.0 {
            return ends; // p is a pole of the arc's circle: every point is 90° away
        }
        let foot = [foot[0] / flen, foot[1] / flen, foot[2] / flen];
        let on_arc = (ref_angle(a, foot) + ref_angle(foot, b) - ref_angle(a, b)).abs() < 1e-12;
        if on_arc {
            h.abs().atan2(flen).min(ends)
        } else {
            ends
        }
    }

    /// The brute force: the exact distance to every edge of every segment, in km (negative
    /// inside Afghanistan), and the nearest segment.
    fn brute(border: &AfghanBorder, lon: f64, lat: f64) -> (f64, String) {
        let p = unit(lon, lat);
        let mut best = (f64::INFINITY, String::new());
        for s in &border.segments {
            let km = segment_km(&s.lines, p);
            if km < best.0 {
                best = (km, s.id.clone());
            }
        }
        if border.shape.contains(&Point::new(lon, lat)) {
            best.0 = -best.0;
        }
        best
    }

    fn segment_km(lines: &MultiLineString<f64>, p: V3) -> f64 {
        let mut best = f64::INFINITY;
        for line in lines {
            for w in line.0.windows(2) {
                let (a, b) = (unit(w[0].x, w[0].y), unit(w[1].x, w[1].y));
                best = best.min(ref_arc(p, a, b));
            }
        }
        best * EARTH_RADIUS_KM
    }

    fn agree(index: &mut BorderIndex<'_>, border: &AfghanBorder, lon: f64, lat: f64) {
        let (km, segment) = brute(border, lon, lat);
        let got = index.distance(lon, lat);
        assert!(
            (km - got.km).abs() < 0.001,
            "{lon},{lat}: brute force {km} km ({segment}), index {got:?}"
        );
        // A different segment only where two are equally near (to 1 m).
        if got.segment != segment {
            let other = border
                .segments
                .iter()
                .find(|s| s.id == got.segment)
                .unwrap();
            let theirs = segment_km(&other.lines, unit(lon, lat));
            assert!((theirs - km.abs()).abs() < 0.001, "{lon},{lat}: {got:?}");
        }
    }

    /// The reference against a known answer: on the equator, a meridian arc from 10° S to
    /// 10° N is at exactly the longitude difference; past its end, the distance to the end.
    #[test]
    fn the_reference_is_exact_on_known_arcs() {
        let (a, b) = (unit(0.0, -10.0), unit(0.0, 10.0));
        let d = ref_arc(unit(30.0, 0.0), a, b);
        assert!((d - 30f64.to_radians()).abs() < 1e-15, "{d}");
        let d = ref_arc(unit(0.0, 25.0), a, b);
        assert!((d - 15f64.to_radians()).abs() < 1e-15, "{d}");
        // Far from a short arc, where a planar closest point drifts: the foot of the
        // perpendicular on the circle through (60 E, 30 N) and (61 E, 31 N).
        let (a, b) = (unit(60.0, 30.0), unit(61.0, 31.0));
        let p = unit(80.0, 50.0);
        let expect = ref_angle(p, a).min(ref_angle(p, b));
        assert!(ref_arc(p, a, b) <= expect);
    }

    /// At 1,738 km from the border geo's haversine closest point (an approximation on the
    /// sphere) was 1.5 m off the exact distance; the index agrees with the exact one.
    #[test]
    fn far_points_agree_with_the_exact_distance_not_geo_approximation() {
        let border = border();
        let mut index = BorderIndex::new(&border);
        for (lon, lat) in [(87.9, 55.9), (46.1, 55.8), (87.5, 29.2), (46.0, 29.0)] {
            agree(&mut index, &border, lon, lat);
        }
    }

    #[test]
    fn agrees_with_brute_force_near_on_and_inside_the_border() {
        let border = border();
        let mut index = BorderIndex::new(&border);
        let mut points = vec![(69.2, 34.5), (67.28, 37.22), (71.0, 38.5), (0.0, 0.0)];
        for s in &border.segments {
            for c in s.lines.0[0].0.iter().step_by(37) {
                points.push((c.x, c.y));
                points.push((c.x + 0.01, c.y - 0.013));
                points.push((c.x - 0.0004, c.y + 0.0002));
            }
        }
        for (lon, lat) in points {
            agree(&mut index, &border, lon, lat);
        }
    }

    /// Clones on two threads share the cells either sets up, and answer as an index of
    /// their own: the same distance and segment for every point, whichever thread set up
    /// its cell.
    #[test]
    fn clones_on_two_threads_share_cells_and_agree_with_a_fresh_index() {
        let border = border();
        let index = BorderIndex::new(&border);
        let mut rng = fastrand::Rng::with_seed(3);
        let points: Vec<(f64, f64)> = (0..4000)
            .map(|_| (rng.f64() * 42.0 + 46.0, rng.f64() * 27.0 + 29.0))
            .collect();
        let answers: Vec<Vec<(f64, &str)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = [0, 1]
                .map(|t| {
                    let mut mine = index.clone();
                    let points = &points;
                    scope.spawn(move || {
                        // The two threads walk the points in opposite orders.
                        let order: Vec<&(f64, f64)> = if t == 0 {
                            points.iter().collect()
                        } else {
                            points.iter().rev().collect()
                        };
                        let mut got: Vec<(f64, &str)> = order
                            .into_iter()
                            .map(|&(x, y)| {
                                let d = mine.distance(x, y);
                                (d.km, d.segment)
                            })
                            .collect();
                        if t == 1 {
                            got.reverse();
                        }
                        got
                    })
                })
                .into();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let shared = index.shared.blocks.lock().unwrap().len();
        assert!(shared > 0 && index.blocks.is_empty(), "{shared} blocks");
        let mut fresh = BorderIndex::new(&border);
        for (i, &(x, y)) in points.iter().enumerate() {
            let d = fresh.distance(x, y);
            assert_eq!(answers[0][i], (d.km, d.segment), "{x},{y}");
            assert_eq!(answers[1][i], (d.km, d.segment), "{x},{y}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn agrees_with_brute_force_over_central_asia(lon in 46.0..88.0f64, lat in 29.0..56.0f64) {
            thread_local! {
                static BORDER: &'static AfghanBorder = Box::leak(Box::new(border()));
            }
            let border = BORDER.with(|b| *b);
            let mut index = BorderIndex::new(border);
            agree(&mut index, border, lon, lat);
        }
    }

    /// A million random points against the brute force (slow: about 5 CPU minutes in release,
    /// `cargo test --release --lib border_index -- --ignored`; figures in BENCHMARKS.md).
    #[test]
    #[ignore]
    fn agrees_with_brute_force_on_a_million_points() {
        let border = border();
        let mut index = BorderIndex::new(&border);
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..1_000_000 {
            let (lon, lat) = (rng.f64() * 42.0 + 46.0, rng.f64() * 27.0 + 29.0);
            agree(&mut index, &border, lon, lat);
        }
    }
}
