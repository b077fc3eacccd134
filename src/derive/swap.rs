//! Does a coordinate pair look like latitude and longitude written the wrong way round?
//!
//! A swap is suspected only when the swapped pair is plausible and the pair as given is not:
//! with a country hint, the swapped point lies in that country and the given one does not;
//! without one, the swapped point lies on land (in some Natural Earth 1:10m country) and the
//! given one does not. So a correct point is never refused: Mulino at 56.289 N, 42.920 E
//! lies in Russia, whatever its swapped twin does, and any point drillmap writes lies where
//! its gazetteer row put it.
//!
//! Bulk datasets ask this of every row with its own coordinates, so the answer per country
//! is decided once per 0.25° grid cell when the cell does not cross the country's outline
//! (its centre decides), and per point only in the cells that do.

use std::collections::HashMap;

use geo::{BoundingRect, Contains, Coord, Intersects, MultiLineString, Point, Rect};

use super::containment::{boundary, shapes_of};
use crate::read::topojson::{Boundaries, CountryShape};

/// Grid cell size, degrees.
const CELL: f64 = 0.25;
/// Cells remembered, at most (then the memo starts again).
const MEMO_MAX: usize = 1 << 20;

#[derive(Debug)]
struct Shape<'b> {
    country: &'b CountryShape,
    bbox: Rect<f64>,
    outline: MultiLineString<f64>,
}

/// The swap check over a set of boundaries.
#[derive(Debug)]
pub struct SwapRule<'b> {
    shapes: Vec<Shape<'b>>,
    boundaries: &'b Boundaries,
    /// (shape, cell column, cell row) → the whole cell's answer, or `None` when the cell
    /// crosses the outline.
    cells: HashMap<(usize, i32, i32), Option<bool>>,
}

impl<'b> SwapRule<'b> {
    /// The rule over `boundaries`.
    pub fn new(boundaries: &'b Boundaries) -> Self {
        let shapes = boundaries
            .countries
            .iter()
            .filter_map(|c| {
                Some(Shape {
                    country: c,
                    bbox: c.shape.bounding_rect()?,
                    outline: boundary(&c.shape),
                })
            })
            .collect();
        SwapRule {
            shapes,
            boundaries,
            cells: HashMap::new(),
        }
    }

    /// Whether `[lon, lat]` as given looks swapped, for a row whose country hint is
    /// `hint` (an ISO alpha-2 code; `None` or a code without a Natural Earth polygon: land
    /// is the test).
    pub fn suspect(&mut self, lon: f64, lat: f64, hint: Option<&str>) -> bool {
        if lon.abs() > 90.0 || lon == lat {
            return false; // swapped, it is no coordinate pair at all; or it is its own twin
        }
        let (given, swapped) = (Point::new(lon, lat), Point::new(lat, lon));
        let wanted: Vec<usize> = match hint {
            Some(cc) => {
                let of_hint = shapes_of(self.boundaries, cc);
                self.shapes
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| of_hint.iter().any(|c| std::ptr::eq(*c, s.country)))
                    .map(|(i, _)| i)
                    .collect()
            }
            None => Vec::new(),
        };
        let wanted: Vec<usize> = if wanted.is_empty() {
            (0..self.shapes.len()).collect()
        } else {
            wanted
        };
        !self.in_any(&wanted, given) && self.in_any(&wanted, swapped)
    }

    fn in_any(&mut self, shapes: &[usize], p: Point<f64>) -> bool {
        shapes.iter().any(|&i| self.inside(i, p))
    }

    fn inside(&mut self, i: usize, p: Point<f64>) -> bool {
        let Some(shape) = self.shapes.get(i) else {
            return false;
        };
        if !shape.bbox.intersects(&p) {
            return false;
        }
        let (col, row) = ((p.x() / CELL).floor(), (p.y() / CELL).floor());
        // Cells are whole multiples of CELL within ±180 / ±90 degrees: in range for i32.
        #[allow(clippy::cast_possible_truncation)]
        let key = (i, col as i32, row as i32);
        if self.cells.len() >= MEMO_MAX {
            self.cells.clear();
        }
        let whole = *self.cells.entry(key).or_insert_with(|| {
            let cell = Rect::new(
                Coord {
                    x: col * CELL,
                    y: row * CELL,
                },
                Coord {
                    x: (col + 1.0) * CELL,
                    y: (row + 1.0) * CELL,
                },
            );
            if shape.outline.intersects(&cell) {
                None
            } else {
                Some(shape.country.shape.contains(&cell.center()))
            }
        });
        whole.unwrap_or_else(|| shape.country.shape.contains(&p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correct_points_pass_and_swapped_ones_are_caught() {
        let (_, b, _) = crate::pipeline::read_border(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("places"),
        )
        .unwrap();
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
}
