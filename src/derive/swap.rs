//! Does a coordinate pair look like latitude and longitude written the wrong way round?
//!
//! A swap is suspected only when the swapped pair is plausible and the pair as given is not:
//! with a country hint, the swapped point lies in that country and the given one does not;
//! without one, the swapped point lies on land (in some Natural Earth 1:10m country) and the
//! given one does not. So a correct point is never refused: Mulino at 56.289 N, 42.920 E
//! lies in Russia, whatever its swapped twin does, and any point drillmap writes lies where
//! its gazetteer row put it.
//!
//! Bulk datasets ask this of every row with its own coordinates, so answers are remembered
//! per point (exports repeat their locations), and a point-in-country test is an even-odd
//! ray cast over the country's rings cut into chunks of [`CHUNK`] edges, each with its
//! bounding box: only the chunks level with the point and east of it are looked at, so a
//! test costs microseconds even for Russia's 1:10m outline.

use std::collections::HashMap;

use geo::{BoundingRect, Coord, Rect};

use super::containment::shapes_of;
use crate::read::topojson::{Boundaries, CountryShape};

/// Ring edges per chunk.
const CHUNK: usize = 32;
/// Points remembered, at most (then the memo starts again).
const MEMO_MAX: usize = 1 << 20;

/// A run of consecutive ring vertices (`CHUNK + 1` at most) and its bounding box.
#[derive(Debug)]
struct Chunk {
    bbox: Rect<f64>,
    vertices: Vec<Coord<f64>>,
}

#[derive(Debug)]
struct Shape<'b> {
    country: &'b CountryShape,
    bbox: Rect<f64>,
    chunks: Vec<Chunk>,
}

impl Shape<'_> {
    /// Whether `p` is inside (even-odd rule over every ring: holes count out).
    fn contains(&self, p: Coord<f64>) -> bool {
        if p.x < self.bbox.min().x
            || p.x > self.bbox.max().x
            || p.y < self.bbox.min().y
            || p.y > self.bbox.max().y
        {
            return false;
        }
        let mut inside = false;
        for c in &self.chunks {
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
}

/// The swap check over a set of boundaries.
#[derive(Debug)]
pub struct SwapRule<'b> {
    shapes: Vec<Shape<'b>>,
    boundaries: &'b Boundaries,
    /// Country hint → its number (for `points`) and its shapes.
    by_country: HashMap<String, (u32, Vec<usize>)>,
    /// (lon bits, lat bits, hint number or 0) → the answer: rows repeat their points.
    points: HashMap<(u64, u64, u32), bool>,
}

impl<'b> SwapRule<'b> {
    /// The rule over `boundaries`.
    pub fn new(boundaries: &'b Boundaries) -> Self {
        let shapes = boundaries
            .countries
            .iter()
            .filter_map(|c| {
                let chunks = c
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
                                let bbox =
                                    geo::LineString::new(vertices.clone()).bounding_rect()?;
                                Some(Chunk { bbox, vertices })
                            })
                            .collect::<Vec<_>>()
                    })
                    .collect();
                Some(Shape {
                    country: c,
                    bbox: c.shape.bounding_rect()?,
                    chunks,
                })
            })
            .collect();
        SwapRule {
            shapes,
            boundaries,
            by_country: HashMap::new(),
            points: HashMap::new(),
        }
    }

    /// Whether `[lon, lat]` as given looks swapped, for a row whose country hint is
    /// `hint` (an ISO alpha-2 code; `None` or a code without a Natural Earth polygon: land
    /// is the test).
    pub fn suspect(&mut self, lon: f64, lat: f64, hint: Option<&str>) -> bool {
        if lon.abs() > 90.0 || lon == lat {
            return false; // swapped, it is no coordinate pair at all; or it is its own twin
        }
        if self.points.len() >= MEMO_MAX {
            self.points.clear();
        }
        let number = match hint {
            None => 0,
            Some(cc) => match self.by_country.get(cc) {
                Some((n, _)) => *n,
                None => {
                    let of_hint = shapes_of(self.boundaries, cc);
                    let indices = (0..self.shapes.len())
                        .filter(|&i| {
                            of_hint
                                .iter()
                                .any(|c| std::ptr::eq(*c, self.shapes[i].country))
                        })
                        .collect();
                    let n = u32::try_from(self.by_country.len() + 1).unwrap_or(u32::MAX);
                    self.by_country.insert(cc.to_owned(), (n, indices));
                    n
                }
            },
        };
        let key = (lon.to_bits(), lat.to_bits(), number);
        if let Some(&answer) = self.points.get(&key) {
            return answer;
        }
        // A hint without a Natural Earth polygon at this scale: land is the test.
        let within = hint
            .and_then(|cc| self.by_country.get(cc))
            .map(|(_, v)| v.as_slice())
            .filter(|v| !v.is_empty());
        let in_any = |p: Coord<f64>| match within {
            Some(w) => w.iter().any(|&i| self.shapes[i].contains(p)),
            None => self.shapes.iter().any(|s| s.contains(p)),
        };
        let answer = !in_any(Coord { x: lon, y: lat }) && in_any(Coord { x: lat, y: lon });
        self.points.insert(key, answer);
        answer
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
        let rule = SwapRule::new(&b);
        let mut rng = fastrand::Rng::with_seed(14);
        let mut inside = 0;
        for _ in 0..1000 {
            let p = Coord {
                x: rng.f64() * 90.0 + 20.0,
                y: rng.f64() * 45.0 + 20.0,
            };
            for s in &rule.shapes {
                let want = s.country.shape.contains(&Point::from(p));
                assert_eq!(s.contains(p), want, "{} at {p:?}", s.country.name);
                inside += usize::from(want);
            }
        }
        assert!(inside > 250, "{inside}");
    }
}
