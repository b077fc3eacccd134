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
//! polygons are a [`super::polygon_index::PolygonIndex`] ([`CountryIndex`]), so most
//! points cost a lookup.

use super::containment::CountryIndex;
use crate::read::topojson::Boundaries;

/// The swap check over a set of boundaries.
#[derive(Debug, Clone)]
pub struct SwapRule<'b> {
    /// Which country a point lies in: the one index of the boundaries, which bulk rows'
    /// containment check asks too.
    pub(crate) countries: CountryIndex<'b>,
}

impl<'b> SwapRule<'b> {
    /// The rule over `boundaries`.
    pub fn new(boundaries: &'b Boundaries) -> Self {
        SwapRule {
            countries: CountryIndex::new(boundaries),
        }
    }

    /// Whether `[lon, lat]` as given looks swapped, for a row whose country hint is
    /// `hint` (an ISO alpha-2 code; `None`: land is the test): the one guard,
    /// [`CountryIndex::swapped`], which the containment check's message asks too. A hint
    /// with nothing to test says nothing either way (probe 5 M5: Longyearbyen hinted SJ
    /// was "swapped" because its twin lies in India, on land).
    pub fn suspect(&mut self, lon: f64, lat: f64, hint: Option<&str>) -> bool {
        self.countries.swapped(lon, lat, hint)
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

    /// Probe 5 M5: Longyearbyen hinted SJ was refused as "lat and lon look swapped" (no
    /// SJ polygon, and its twin lies in India, on land).
    #[test]
    fn a_territory_drawn_within_another_country_is_not_called_swapped() {
        let b = boundaries();
        let mut rule = SwapRule::new(&b);
        assert!(!rule.suspect(15.65, 78.22, Some("SJ")));
        assert!(!rule.suspect(-8.5, 71.0, Some("SJ")));
        // Tokelau, tested against its box alone: a point in India is not called swapped
        // into it.
        assert!(!rule.suspect(78.6, 17.0, Some("TK")));
    }
}
