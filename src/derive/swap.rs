//! Does a coordinate pair look like latitude and longitude written the wrong way round?
//!
//! A swap is suspected only when the swapped pair is plausible and the pair as given is not:
//! with a country hint, the swapped point lies in that country and the given one does not;
//! without one, the swapped point lies on land (in some Natural Earth 1:10m country) and the
//! given one does not. So a correct point is never refused: Mulino at 56.289 N, 42.920 E
//! lies in Russia, whatever its swapped twin does, and any point drillmap writes lies where
//! its gazetteer row put it.
//!
//! Bulk datasets ask this of every row with its own coordinates: each country's
//! polygons are a [`PolygonIndex`], so most points cost a lookup.

use geo::Coord;
use rustc_hash::FxHashMap;

use super::containment::shapes_of;
use super::polygon_index::PolygonIndex;
use crate::read::topojson::{Boundaries, CountryShape};

/// The swap check over a set of boundaries.
#[derive(Debug, Clone)]
pub struct SwapRule<'b> {
    shapes: Vec<(&'b CountryShape, PolygonIndex)>,
    boundaries: &'b Boundaries,
    /// Country hint → its shapes.
    by_country: FxHashMap<String, Vec<usize>>,
}

impl<'b> SwapRule<'b> {
    /// The rule over `boundaries`.
    pub fn new(boundaries: &'b Boundaries) -> Self {
        SwapRule {
            shapes: boundaries
                .countries
                .iter()
                .filter_map(|c| Some((c, PolygonIndex::new(&c.shape)?)))
                .collect(),
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
                    .filter(|&i| of_hint.iter().any(|c| std::ptr::eq(*c, self.shapes[i].0)))
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
            Some(w) => w.iter().any(|&i| shapes[i].1.contains(p)),
            None => shapes.iter_mut().any(|(_, s)| s.contains(p)),
        };
        !in_any(Coord { x: lon, y: lat }) && in_any(Coord { x: lat, y: lon })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::polygon_index::tests::boundaries;

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
        // North of 65° N (Natural Earth's rings across the antimeridian once flipped the
        // test there): Vorkuta and Novy Urengoy are in Russia; a point in the Arabian Sea
        // is not swapped into the Norwegian Sea.
        assert!(!rule.suspect(64.05, 67.50, Some("RU")));
        assert!(!rule.suspect(76.68, 66.09, Some("RU")));
        assert!(!rule.suspect(67.2783, 0.0, None));
    }
}
