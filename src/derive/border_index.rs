//! Distances to the Afghan border for many points: the same answer as
//! [`AfghanBorder::distance`], without scanning every border vertex for every point.
//!
//! The border's lines are cut into short chunks, each with a bounding cap (a centre vertex
//! and the haversine radius that holds all its vertices; a cap under 90° holds the arcs
//! between them too). Points fall into 0.25° grid cells; for each cell, computed once, the
//! candidate chunks are those whose lower bound (distance to the cap, less the cell's
//! radius) is not beyond an upper bound (the exact distance from the cell's centre plus its
//! radius). A point's distance is then the exact haversine distance to the nearest
//! candidate, computed by the same [`distance_km`] as the full scan, so the result is the
//! same. Whether a point is inside Afghanistan is decided once per cell when the cell does
//! not cross Afghanistan's outline, else per point. Results are memoised per position.

use std::collections::HashMap;

use geo::{Distance, Haversine, Intersects, LineString, MultiLineString, Point, Rect};

use crate::derive::border::{distance_km, AfghanBorder, BorderDistance};

/// Grid cell size, degrees.
const CELL: f64 = 0.25;
/// Border edges per chunk.
const CHUNK_EDGES: usize = 8;
/// Positions remembered, at most.
const MEMO_MAX: usize = 1 << 20;

#[derive(Debug, Clone)]
struct Chunk {
    segment: usize,
    lines: MultiLineString<f64>,
    centre: Point<f64>,
    radius_m: f64,
}

#[derive(Debug, Clone)]
struct Cell {
    /// Candidate chunks, nearest lower bound first.
    candidates: Vec<u32>,
    /// `Some` when the whole cell lies on one side of Afghanistan's outline.
    inside: Option<bool>,
}

/// A query index over an [`AfghanBorder`].
#[derive(Debug, Clone)]
pub struct BorderIndex<'b> {
    border: &'b AfghanBorder,
    outline: MultiLineString<f64>,
    chunks: Vec<Chunk>,
    cells: HashMap<(i64, i64), Cell>,
    memo: HashMap<(i64, i64), (f64, usize)>,
}

impl<'b> BorderIndex<'b> {
    /// Index `border`.
    pub fn new(border: &'b AfghanBorder) -> BorderIndex<'b> {
        let mut chunks = Vec::new();
        for (si, s) in border.segments.iter().enumerate() {
            for line in &s.lines {
                let coords = &line.0;
                let mut start = 0;
                while start + 1 < coords.len() {
                    let end = (start + CHUNK_EDGES).min(coords.len() - 1);
                    let part = &coords[start..=end];
                    let centre = Point(part[part.len() / 2]);
                    let radius_m = part
                        .iter()
                        .map(|c| Haversine.distance(centre, Point(*c)))
                        .fold(0.0, f64::max)
                        * (1.0 + 1e-9)
                        + 1.0;
                    chunks.push(Chunk {
                        segment: si,
                        lines: MultiLineString::new(vec![LineString::new(part.to_vec())]),
                        centre,
                        radius_m,
                    });
                    start = end;
                }
            }
        }
        let outline = MultiLineString::new(
            border
                .shape
                .iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .cloned()
                .collect(),
        );
        BorderIndex {
            border,
            outline,
            chunks,
            cells: HashMap::new(),
            memo: HashMap::new(),
        }
    }

    fn cell(&self, key: (i64, i64)) -> Cell {
        #[allow(clippy::cast_precision_loss)]
        let (w, s) = (key.0 as f64 * CELL, key.1 as f64 * CELL);
        let (e, n) = (w + CELL, s + CELL);
        let centre = Point::new(w + CELL / 2.0, s + CELL / 2.0);
        let probes = [
            (w, s),
            (w, n),
            (e, s),
            (e, n),
            (centre.x(), s),
            (centre.x(), n),
            (w, centre.y()),
            (e, centre.y()),
        ];
        let radius_m = probes
            .iter()
            .map(|&(x, y)| Haversine.distance(centre, Point::new(x, y)))
            .fold(0.0, f64::max)
            * 1.01
            + 10.0;
        let mut by_bound: Vec<(f64, u32)> = self
            .chunks
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let lb = Haversine.distance(centre, c.centre) - c.radius_m;
                u32::try_from(i).ok().map(|i| (lb, i))
            })
            .collect();
        by_bound.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut best = f64::INFINITY;
        for &(lb, i) in &by_bound {
            if lb > best {
                break;
            }
            let d = distance_km(&self.chunks[i as usize].lines, centre) * 1000.0;
            best = best.min(d);
        }
        let upper = best + radius_m;
        let candidates = by_bound
            .iter()
            .take_while(|(lb, _)| lb - radius_m <= upper)
            .map(|&(_, i)| i)
            .collect();
        let rect = Rect::new((w, s), (e, n));
        let inside = (!rect.intersects(&self.outline)).then(|| self.contains(centre));
        Cell { candidates, inside }
    }

    fn contains(&self, p: Point<f64>) -> bool {
        use geo::Contains;
        self.border.shape.contains(&p)
    }

    /// Distance from `(lon, lat)` to the border, as [`AfghanBorder::distance`] gives it.
    pub fn distance(&mut self, lon: f64, lat: f64) -> BorderDistance<'b> {
        #[allow(clippy::cast_possible_truncation)]
        let key = ((lon * 1e7).round() as i64, (lat * 1e7).round() as i64);
        if let Some(&(km, si)) = self.memo.get(&key) {
            return self.answer(km, si);
        }
        #[allow(clippy::cast_possible_truncation)]
        let ckey = ((lon / CELL).floor() as i64, (lat / CELL).floor() as i64);
        if !self.cells.contains_key(&ckey) {
            let cell = self.cell(ckey);
            self.cells.insert(ckey, cell);
        }
        let p = Point::new(lon, lat);
        let (mut best, mut best_seg) = (f64::INFINITY, usize::MAX);
        let mut inside = None;
        if let Some(cell) = self.cells.get(&ckey) {
            inside = cell.inside;
            for &i in &cell.candidates {
                let c = &self.chunks[i as usize];
                let lb_km = (Haversine.distance(p, c.centre) - c.radius_m) / 1000.0;
                if lb_km > best {
                    continue;
                }
                let d = distance_km(&c.lines, p);
                if d < best || (d == best && c.segment < best_seg) {
                    best = d;
                    best_seg = c.segment;
                }
            }
        }
        if inside.unwrap_or_else(|| self.contains(p)) {
            best = -best;
        }
        if self.memo.len() < MEMO_MAX {
            self.memo.insert(key, (best, best_seg));
        }
        self.answer(best, best_seg)
    }

    fn answer(&self, km: f64, segment: usize) -> BorderDistance<'b> {
        BorderDistance {
            km,
            segment: self
                .border
                .segments
                .get(segment)
                .map_or("", |s| s.id.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_full_scan() {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("places");
        let boundaries =
            crate::read::topojson::read(&data.join(crate::read::topojson::COUNTRIES)).unwrap();
        let border = AfghanBorder::from_boundaries(&boundaries).unwrap();
        let mut index = BorderIndex::new(&border);
        let mut rng = fastrand::Rng::with_seed(7);
        let mut points: Vec<(f64, f64)> = (0..400)
            .map(|_| (rng.f64() * 42.0 + 46.0, rng.f64() * 27.0 + 29.0))
            .collect();
        // Close to and on the border, and inside Afghanistan.
        for s in &border.segments {
            for c in s.lines.0[0].0.iter().step_by(97) {
                points.push((c.x, c.y));
                points.push((c.x + 0.01, c.y - 0.013));
            }
        }
        points.extend([(69.2, 34.5), (67.28, 37.22), (71.0, 38.5)]);
        for (lon, lat) in points {
            let want = border.distance(lon, lat);
            let got = index.distance(lon, lat);
            assert!(
                (want.km - got.km).abs() < 1e-9 && want.segment == got.segment,
                "{lon},{lat}: {want:?} vs {got:?}"
            );
            assert_eq!(index.distance(lon, lat), got);
        }
    }
}
