//! Is a point inside a set of polygons? Cheap for millions of points: the swap check asks
//! it of every bulk row with its own coordinates (in the hinted country, or on land), and the
//! border distance asks whether each point is inside Afghanistan (the sign of the distance).
//!
//! The rings are cut into chunks of [`CHUNK`] edges, each with its bounding box, listed per
//! [`CELL`]-high row of latitude. A grid cell of that size that no chunk's box meets lies
//! wholly inside or wholly outside (no edge crosses it): it is decided once, by its centre,
//! and remembered, so most points cost a lookup; a cell the outline crosses is remembered as
//! such (its chunks are not looked over again), and a point in it is decided by an even-odd
//! ray cast over the chunks of its row that are level with it and
//! east of it. Points on an edge may fall either way (as for `geo`'s `Contains`, a point on
//! the boundary is not inside, but the ray cast does not promise it).

use geo::{BoundingRect, Coord, MultiPolygon, Rect};
use rustc_hash::FxHashMap;

/// Ring edges per chunk.
const CHUNK: usize = 32;
/// Grid cell and latitude row size, degrees.
pub(crate) const CELL: f64 = 0.25;
/// How far, in degrees, a chunk's box is widened before it is tested against a cell, so
/// that a point of a cell it does not meet is never within rounding error of an edge.
const MARGIN: f64 = 1e-9;

/// A run of consecutive ring vertices (`CHUNK + 1` at most) and its bounding box.
#[derive(Debug, Clone)]
struct Chunk {
    bbox: Rect<f64>,
    vertices: Vec<Coord<f64>>,
}

/// The grid cell and latitude row of a point: the cell `(i, j)` holds the points with
/// `i * CELL <= x < (i + 1) * CELL` and `j * CELL <= y < (j + 1) * CELL`.
#[allow(clippy::cast_possible_truncation)]
pub(crate) fn cell_of(p: Coord<f64>) -> (i32, i32) {
    ((p.x / CELL).floor() as i32, (p.y / CELL).floor() as i32)
}

/// A point-in-polygons index over a [`MultiPolygon`] (holes count out).
#[derive(Debug, Clone)]
pub struct PolygonIndex {
    bbox: Rect<f64>,
    chunks: Vec<Chunk>,
    /// The latitude row of `rows[0]`.
    first_row: i32,
    /// Per latitude row from `first_row`, the chunks whose (widened) box meets it.
    rows: Vec<Vec<u32>>,
    /// Cells met so far.
    cells: FxHashMap<(i32, i32), Cell>,
}

/// What a grid cell met so far is.
#[derive(Debug, Clone)]
enum Cell {
    /// No edge crosses it: every point is inside, or every point is outside.
    Known(bool),
    /// Edges cross it. A point's ray east is cast only as far as `until`, the west side of
    /// the nearest cell east of it in its row that no edge crosses (whose every point
    /// answers `east`), over `chunks`, the chunks of the row that may hold a crossing
    /// between: the crossings beyond `until` are that cell's point's (`east`). Without
    /// such a cell inside the bounding box, `until` is infinite and `east` false.
    Crossed {
        east: bool,
        until: f64,
        chunks: Box<[u32]>,
    },
}

impl PolygonIndex {
    /// Index `shape`; `None` when it has no points.
    pub fn new(shape: &MultiPolygon<f64>) -> Option<PolygonIndex> {
        let chunks: Vec<Chunk> = shape
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(|ring| {
                let coords: Vec<Coord<f64>> = ring.coords().copied().collect();
                let n = coords.len().saturating_sub(1);
                (0..n)
                    .step_by(CHUNK)
                    .filter_map(|start| {
                        let vertices = coords[start..=(start + CHUNK).min(n)].to_vec();
                        let bbox = geo::LineString::new(vertices.clone()).bounding_rect()?;
                        Some(Chunk { bbox, vertices })
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let bbox = shape.bounding_rect()?;
        let row = |y: f64| cell_of(Coord { x: 0.0, y }).1;
        let first_row = row(bbox.min().y - MARGIN);
        let last_row = row(bbox.max().y + MARGIN);
        let mut rows = vec![Vec::new(); usize::try_from(last_row - first_row + 1).ok()?];
        for (i, c) in chunks.iter().enumerate() {
            let (lo, hi) = (row(c.bbox.min().y - MARGIN), row(c.bbox.max().y + MARGIN));
            for r in lo..=hi {
                if let Some(list) = usize::try_from(r - first_row)
                    .ok()
                    .and_then(|r| rows.get_mut(r))
                {
                    list.push(u32::try_from(i).ok()?);
                }
            }
        }
        Some(PolygonIndex {
            bbox,
            chunks,
            first_row,
            rows,
            cells: FxHashMap::default(),
        })
    }

    /// The chunks whose widened box meets latitude row `row`.
    fn row(&self, row: i32) -> &[u32] {
        usize::try_from(row - self.first_row)
            .ok()
            .and_then(|r| self.rows.get(r))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether `p` is inside, by the even-odd rule over every ring (holes count out):
    /// a ray cast east over the chunks of its row level with it.
    fn ray_cast(&self, p: Coord<f64>) -> bool {
        self.crossings_odd(p, self.row(cell_of(p).1), f64::INFINITY)
    }

    /// Whether `p` is inside: its cell's answer when no edge crosses the cell, else the
    /// ray cast's.
    pub fn contains(&mut self, p: Coord<f64>) -> bool {
        if p.x < self.bbox.min().x
            || p.x > self.bbox.max().x
            || p.y < self.bbox.min().y
            || p.y > self.bbox.max().y
        {
            return false;
        }
        let key = cell_of(p);
        // One look-up for a cell met before (every point but the first of each cell).
        if let Some(cell) = self.cells.get(&key) {
            return self.answer(cell, p);
        }
        let cell = self.cell(key);
        let inside = self.answer(&cell, p);
        self.cells.insert(key, cell);
        inside
    }

    /// Whether `p`, a point of `cell`, is inside.
    fn answer(&self, cell: &Cell, p: Coord<f64>) -> bool {
        match cell {
            Cell::Known(inside) => *inside,
            Cell::Crossed {
                east,
                until,
                chunks,
            } => *east != self.crossings_odd(p, chunks, *until),
        }
    }

    /// Whether the ray east from `p` crosses an odd number of edges of `chunks` (of `p`'s
    /// row) up to `until` (inclusive); with every chunk of the row and an infinite
    /// `until`, the ray cast. The parity beyond `until` is that of a point at `until`,
    /// which adds up to the whole ray's: each edge's crossing is computed alike for
    /// both, and counted on one side of `until` or the other.
    fn crossings_odd(&self, p: Coord<f64>, chunks: &[u32], until: f64) -> bool {
        let mut odd = false;
        for &i in chunks {
            let c = &self.chunks[i as usize];
            if c.bbox.max().x < p.x || c.bbox.min().y > p.y || c.bbox.max().y < p.y {
                continue;
            }
            for w in c.vertices.windows(2) {
                let (a, b) = (w[0], w[1]);
                if (a.y > p.y) != (b.y > p.y) {
                    let x = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x);
                    if p.x < x && x <= until {
                        odd = !odd;
                    }
                }
            }
        }
        odd
    }

    /// Whether every point of cell `key` ([`cell_of`]) within the bounding box is inside
    /// (`Some(true)`) or outside (`Some(false)`), remembered; `None` when an edge crosses
    /// the cell ([`PolygonIndex::contains`] then casts a ray per point).
    pub(crate) fn cell_known(&mut self, key: (i32, i32)) -> Option<bool> {
        if let Some(cell) = self.cells.get(&key) {
            return match cell {
                Cell::Known(inside) => Some(*inside),
                Cell::Crossed { .. } => None,
            };
        }
        let cell = self.cell(key);
        let known = match cell {
            Cell::Known(inside) => Some(inside),
            Cell::Crossed { .. } => None,
        };
        self.cells.insert(key, cell);
        known
    }

    /// What cell `key` is: inside or outside, decided by its centre, when no edge crosses
    /// it; else where its points' rays may stop ([`Cell::Crossed`]).
    fn cell(&self, key: (i32, i32)) -> Cell {
        if let Some(inside) = self.uniform(key) {
            return Cell::Known(inside);
        }
        // The nearest cell east in the row that no edge crosses, within the box (a cell
        // east of the box is such a cell, outside).
        let last = cell_of(Coord {
            x: self.bbox.max().x + MARGIN,
            y: 0.0,
        })
        .0;
        let (until, east) = (key.0 + 1..=last.saturating_add(1))
            .find_map(|i| Some((f64::from(i) * CELL, self.uniform((i, key.1))?)))
            .unwrap_or((f64::INFINITY, false));
        let west = f64::from(key.0) * CELL;
        let chunks = self
            .row(key.1)
            .iter()
            .copied()
            .filter(|&i| {
                let b = &self.chunks[i as usize].bbox;
                b.max().x + MARGIN >= west && b.min().x - MARGIN <= until
            })
            .collect();
        Cell::Crossed {
            east,
            until,
            chunks,
        }
    }

    /// Whether cell `key` is inside, decided by its centre, or `None` when an edge crosses it.
    fn uniform(&self, key: (i32, i32)) -> Option<bool> {
        let (w, s) = (f64::from(key.0) * CELL, f64::from(key.1) * CELL);
        let (e, n) = (w + CELL, s + CELL);
        let crossed = self.row(key.1).iter().any(|&i| {
            let b = &self.chunks[i as usize].bbox;
            b.min().x - MARGIN <= e
                && b.max().x + MARGIN >= w
                && b.min().y - MARGIN <= n
                && b.max().y + MARGIN >= s
        });
        (!crossed).then(|| {
            self.ray_cast(Coord {
                x: w + CELL / 2.0,
                y: s + CELL / 2.0,
            })
        })
    }

    /// The great-circle distance in km from `p` to the nearest edge of the rings (0 on an
    /// edge), measured as [`super::border::distance_km`] measures it (each edge a great-circle
    /// arc, [`super::sphere::line_km`]), but only over the chunks whose box may hold an edge nearer than the
    /// nearest found: those of `p`'s latitude row first, then any other whose lower bound
    /// ([`lower_bound_m`]) beats it.
    pub fn distance_km(&self, p: Coord<f64>) -> f64 {
        let mut best = f64::INFINITY;
        let visit = |c: &Chunk, best: &mut f64| {
            if lower_bound_m(p, &c.bbox) / 1000.0 >= *best {
                return;
            }
            *best = best.min(super::sphere::line_km(&c.vertices, p));
        };
        for &i in self.row(cell_of(p).1) {
            visit(&self.chunks[i as usize], &mut best);
        }
        for c in &self.chunks {
            visit(c, &mut best);
        }
        best
    }
}

/// A lower bound, in metres, of the great-circle distance from `p` to any point of the
/// lon/lat box `b`: haversine's `hav(d/R) = hav(Δφ) + cos φ₁ cos φ₂ hav(Δλ)` with the
/// least Δφ and Δλ between `p` and the box (across the antimeridian if shorter) and the
/// least cos φ₂ over the box, on a sphere of the polar radius (smaller than any radius
/// haversine is measured with).
fn lower_bound_m(p: Coord<f64>, b: &Rect<f64>) -> f64 {
    const POLAR_RADIUS_M: f64 = 6_356_752.0;
    let hav = |x: f64| (x / 2.0).sin().powi(2);
    let dlat = (b.min().y - p.y).max(p.y - b.max().y).max(0.0);
    let dx = (b.min().x - p.x).max(p.x - b.max().x).max(0.0);
    let dlon = dx.min((360.0 - dx - b.width()).max(0.0));
    let cos_box = b
        .min()
        .y
        .to_radians()
        .cos()
        .min(b.max().y.to_radians().cos());
    let h = hav(dlat.to_radians())
        + p.y.to_radians().cos().max(0.0) * cos_box.max(0.0) * hav(dlon.to_radians());
    2.0 * POLAR_RADIUS_M * h.clamp(0.0, 1.0).sqrt().asin()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::read::topojson::{Boundaries, CountryShape};

    /// The shipped Natural Earth boundaries.
    pub(crate) fn boundaries() -> Boundaries {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("places");
        crate::read::topojson::read(&data.join(crate::read::topojson::COUNTRIES)).unwrap()
    }

    fn indexed(b: &Boundaries) -> Vec<(&CountryShape, PolygonIndex)> {
        b.countries
            .iter()
            .filter_map(|c| Some((c, PolygonIndex::new(&c.shape)?)))
            .collect()
    }

    #[test]
    fn the_ray_cast_agrees_with_geo() {
        use geo::{Contains, Point};
        let b = boundaries();
        let mut shapes = indexed(&b);
        let mut rng = fastrand::Rng::with_seed(14);
        let mut inside = 0;
        for _ in 0..1000 {
            let p = Coord {
                x: rng.f64() * 90.0 + 20.0,
                y: rng.f64() * 45.0 + 20.0,
            };
            for (c, s) in &mut shapes {
                let want = c.shape.contains(&Point::from(p));
                assert_eq!(s.ray_cast(p), want, "{} at {p:?}", c.name);
                assert_eq!(s.contains(p), want, "{} at {p:?}", c.name);
                inside += usize::from(want);
            }
        }
        assert!(inside > 250, "{inside}");
    }

    /// The pruned distance is the distance over every edge, as `border::distance_km`
    /// measures it.
    #[test]
    fn the_pruned_distance_is_the_whole_outline_distance() {
        let boundary = |shape: &geo::MultiPolygon<f64>| {
            geo::MultiLineString::new(
                shape
                    .iter()
                    .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                    .cloned()
                    .collect(),
            )
        };
        let b = boundaries();
        let mut rng = fastrand::Rng::with_seed(16);
        for name in ["Uzbekistan", "Russia", "Tajikistan", "Fiji"] {
            let c = b.countries.iter().find(|c| c.name == name).unwrap();
            let index = PolygonIndex::new(&c.shape).unwrap();
            let lines = boundary(&c.shape);
            for _ in 0..40 {
                let p = Coord {
                    x: rng.f64() * 360.0 - 180.0,
                    y: rng.f64() * 160.0 - 80.0,
                };
                let whole = crate::derive::border::distance_km(&lines, geo::Point(p));
                let pruned = index.distance_km(p);
                assert!(
                    (whole - pruned).abs() < 1e-6,
                    "{name} {p:?}: {whole} {pruned}"
                );
            }
        }
    }

    /// A cell decided once by its centre answers as the ray cast does for every point in
    /// it: points dense enough that most cells are asked many times, near outlines too.
    #[test]
    fn remembered_cells_agree_with_the_ray_cast() {
        let b = boundaries();
        let mut shapes = indexed(&b);
        let mut rng = fastrand::Rng::with_seed(15);
        let (mut remembered, mut inside) = (0, 0);
        for _ in 0..100_000 {
            let p = Coord {
                x: rng.f64() * 12.0 + 62.0,
                y: rng.f64() * 8.0 + 34.0,
            };
            for (c, s) in &mut shapes {
                let cached = matches!(s.cells.get(&cell_of(p)), Some(Cell::Known(_)));
                let want = s.ray_cast(p);
                assert_eq!(s.contains(p), want, "{} at {p:?}", c.name);
                remembered += usize::from(cached);
                inside += usize::from(want);
            }
        }
        assert!(
            remembered > 50_000 && inside > 50_000,
            "{remembered} {inside}"
        );
    }
}
