//! Does a coordinate pair look like latitude and longitude written the wrong way round?
//!
//! A swap is suspected only when the swapped pair is plausible and the pair as given is not:
//! with a country hint, the swapped point lies in that country and the given one does not;
//! without one, the swapped point lies on land (in some Natural Earth 1:10m country) and the
//! given one does not. So a correct point is never refused: Mulino at 56.289 N, 42.920 E
//! lies in Russia, whatever its swapped twin does, and any point drillmap writes lies where
//! its gazetteer row put it.
//!
//! Bulk datasets ask this of every row with its own coordinates, so a point-in-country test
//! is cheap: the country's rings are cut into chunks of [`CHUNK`] edges, each with its
//! bounding box, listed per [`CELL`]-high row of latitude. A grid cell of that size that no
//! chunk's box meets lies wholly inside or wholly outside the country (no edge crosses it):
//! it is decided once, by its centre, and remembered, so most points cost a lookup; a point
//! in a cell the outline crosses is decided by an even-odd ray cast over the chunks of its
//! row that are level with it and east of it.

use geo::{BoundingRect, Coord, Rect};
use rustc_hash::FxHashMap;

use super::containment::shapes_of;
use crate::read::topojson::{Boundaries, CountryShape};

/// Ring edges per chunk.
const CHUNK: usize = 32;
/// Grid cell and latitude row size, degrees.
const CELL: f64 = 0.25;
/// How far, in degrees, a chunk's box is widened before it is tested against a cell, so
/// that a point of a cell it does not meet is never within rounding error of an edge.
const MARGIN: f64 = 1e-9;

/// A run of consecutive ring vertices (`CHUNK + 1` at most) and its bounding box.
#[derive(Debug)]
struct Chunk {
    bbox: Rect<f64>,
    vertices: Vec<Coord<f64>>,
}

/// The grid cell and latitude row of a point.
#[allow(clippy::cast_possible_truncation)]
fn cell_of(p: Coord<f64>) -> (i32, i32) {
    ((p.x / CELL).floor() as i32, (p.y / CELL).floor() as i32)
}

#[derive(Debug)]
struct Shape<'b> {
    country: &'b CountryShape,
    bbox: Rect<f64>,
    chunks: Vec<Chunk>,
    /// The latitude row of `rows[0]`.
    first_row: i32,
    /// Per latitude row from `first_row`, the chunks whose (widened) box meets it.
    rows: Vec<Vec<u32>>,
    /// Cells no chunk meets: whether each is inside.
    cells: FxHashMap<(i32, i32), bool>,
}

impl<'b> Shape<'b> {
    fn new(country: &'b CountryShape) -> Option<Shape<'b>> {
        let chunks: Vec<Chunk> = country
            .shape
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
        let bbox = country.shape.bounding_rect()?;
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
        Some(Shape {
            country,
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
        let mut inside = false;
        for &i in self.row(cell_of(p).1) {
            let c = &self.chunks[i as usize];
            if c.bbox.max().x < p.x || c.bbox.min().y > p.y || c.bbox.max().y < p.y {
                continue;
            }
            for w in c.vertices.windows(2) {
                let (a, b) = (w[0], w[1]);
                if (a.y > p.y) != (b.y > p.y) {
                    let x = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x);
                    if p.x < x {
                        inside = !inside;
                    }
                }
            }
        }
        inside
    }

    /// Whether `p` is inside: its cell's answer when no edge crosses the cell, else the
    /// ray cast's.
    fn contains(&mut self, p: Coord<f64>) -> bool {
        if p.x < self.bbox.min().x
            || p.x > self.bbox.max().x
            || p.y < self.bbox.min().y
            || p.y > self.bbox.max().y
        {
            return false;
        }
        let key = cell_of(p);
        if let Some(&inside) = self.cells.get(&key) {
            return inside;
        }
        let (w, s) = (f64::from(key.0) * CELL, f64::from(key.1) * CELL);
        let (e, n) = (w + CELL, s + CELL);
        let crossed = self.row(key.1).iter().any(|&i| {
            let b = &self.chunks[i as usize].bbox;
            b.min().x - MARGIN <= e
                && b.max().x + MARGIN >= w
                && b.min().y - MARGIN <= n
                && b.max().y + MARGIN >= s
        });
        if crossed {
            return self.ray_cast(p);
        }
        let inside = self.ray_cast(Coord {
            x: w + CELL / 2.0,
            y: s + CELL / 2.0,
        });
        self.cells.insert(key, inside);
        inside
    }
}

/// The swap check over a set of boundaries.
#[derive(Debug)]
pub struct SwapRule<'b> {
    shapes: Vec<Shape<'b>>,
    boundaries: &'b Boundaries,
    /// Country hint → its shapes.
    by_country: FxHashMap<String, Vec<usize>>,
}

impl<'b> SwapRule<'b> {
    /// The rule over `boundaries`.
    pub fn new(boundaries: &'b Boundaries) -> Self {
        SwapRule {
            shapes: boundaries.countries.iter().filter_map(Shape::new).collect(),
            boundaries,
            by_country: FxHashMap::default(),
        }
    }

    /// Whether `[lon, lat]` as given looks swapped, for a row whose country hint is
    /// `hint` (an ISO alpha-2 code; `None` or a code without a Natural Earth polygon: land
    /// is the test).
    pub fn suspect(&mut self, lon: f64, lat: f64, hint: Option<&str>) -> bool {
        if lon.abs() > 90.0 || lon == lat {
            return false; // swapped, it is no coordinate pair at all; or it is its own twin
        }
        if let Some(cc) = hint {
            if !self.by_country.contains_key(cc) {
                let of_hint = shapes_of(self.boundaries, cc);
                let indices = (0..self.shapes.len())
                    .filter(|&i| {
                        of_hint
                            .iter()
                            .any(|c| std::ptr::eq(*c, self.shapes[i].country))
                    })
                    .collect();
                self.by_country.insert(cc.to_owned(), indices);
            }
        }
        // A hint without a Natural Earth polygon at this scale: land is the test.
        let within = hint
            .and_then(|cc| self.by_country.get(cc))
            .map(Vec::as_slice)
            .filter(|v| !v.is_empty());
        let shapes = &mut self.shapes;
        let mut in_any = |p: Coord<f64>| match within {
            Some(w) => w.iter().any(|&i| shapes[i].contains(p)),
            None => shapes.iter_mut().any(|s| s.contains(p)),
        };
        !in_any(Coord { x: lon, y: lat }) && in_any(Coord { x: lat, y: lon })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boundaries() -> Boundaries {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("places");
        crate::read::topojson::read(&data.join(crate::read::topojson::COUNTRIES)).unwrap()
    }

    #[test]
    fn correct_points_pass_and_swapped_ones_are_caught() {
        let b = boundaries();
        let mut rule = SwapRule::new(&b);
        // Mulino, Russia (the gazetteer's own): its twin (56.289 E, 42.920 N) is in
        // Kazakhstan's neighbourhood, but the point as given is on land, in Russia.
        assert!(!rule.suspect(42.92005, 56.28923, None));
        assert!(!rule.suspect(42.92005, 56.28923, Some("RU")));
        // Samarkand the wrong way round lies in Russia: not in Uzbekistan, its twin is.
        assert!(rule.suspect(39.65, 66.96, Some("UZ")));
        assert!(!rule.suspect(66.96, 39.65, Some("UZ")));
        // Without a hint, land is the test: (48 E, 70 N) is the Barents Sea, its twin is
        // in Kazakhstan.
        assert!(rule.suspect(48.0, 70.0, None));
        assert!(rule.suspect(48.0, 70.0, Some("KZ")));
        assert!(!rule.suspect(70.0, 48.0, None));
        // Both at sea, or no swapped pair at all: nothing to say.
        assert!(!rule.suspect(-30.0, 40.0, None));
        assert!(!rule.suspect(120.0, 30.0, None));
        assert!(!rule.suspect(45.0, 45.0, None));
    }

    #[test]
    fn the_ray_cast_agrees_with_geo() {
        use geo::{Contains, Point};
        let b = boundaries();
        let mut rule = SwapRule::new(&b);
        let mut rng = fastrand::Rng::with_seed(14);
        let mut inside = 0;
        for _ in 0..1000 {
            let p = Coord {
                x: rng.f64() * 90.0 + 20.0,
                y: rng.f64() * 45.0 + 20.0,
            };
            for s in &mut rule.shapes {
                let want = s.country.shape.contains(&Point::from(p));
                assert_eq!(s.ray_cast(p), want, "{} at {p:?}", s.country.name);
                assert_eq!(s.contains(p), want, "{} at {p:?}", s.country.name);
                inside += usize::from(want);
            }
        }
        assert!(inside > 250, "{inside}");
    }

    /// A cell decided once by its centre answers as the ray cast does for every point in
    /// it: points dense enough that most cells are asked many times, near outlines too.
    #[test]
    fn remembered_cells_agree_with_the_ray_cast() {
        let b = boundaries();
        let mut rule = SwapRule::new(&b);
        let mut rng = fastrand::Rng::with_seed(15);
        let (mut remembered, mut inside) = (0, 0);
        for _ in 0..100_000 {
            let p = Coord {
                x: rng.f64() * 12.0 + 62.0,
                y: rng.f64() * 8.0 + 34.0,
            };
            for s in &mut rule.shapes {
                let cached = s.cells.contains_key(&cell_of(p));
                let want = s.ray_cast(p);
                assert_eq!(s.contains(p), want, "{} at {p:?}", s.country.name);
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
