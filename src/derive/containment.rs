//! Is each place inside the country the gazetteer says it is in?
//!
//! Every gazetteer row's point is tested against that country's Natural Earth polygons
//! (1:10m). This catches swapped lat/lon and places filed under the wrong country. Points
//! within [`TOLERANCE_KM`] of their country's boundary pass: at 1:10m a river border such as
//! the Amu Darya at Termez is generalised by about a kilometre. Natural Earth features
//! without an id are assigned where the law puts them ([`NO_ID_FEATURES`]): at 1:10m the
//! Baikonur lease area is cut out of Kazakhstan as its own feature.

use std::path::Path;

use geo::{Contains, MultiLineString, MultiPolygon, Point};

use super::border::distance_km;
use crate::country;
use crate::error::Problem;
use crate::model::Place;
use crate::read::topojson::{Boundaries, CountryShape};

/// How far outside its country's generalised boundary a point may lie.
pub const TOLERANCE_KM: f64 = 2.0;

/// Natural Earth features without an id, by name, and the country they belong to.
pub const NO_ID_FEATURES: &[(&str, &str)] = &[("Baikonur", "KZ")];

pub(crate) fn shapes_of<'b>(b: &'b Boundaries, alpha2: &str) -> Vec<&'b CountryShape> {
    let numeric = country::by_alpha2(alpha2).map(|c| c.numeric);
    b.countries
        .iter()
        .filter(|c| match &c.id {
            Some(id) => Some(id.as_str()) == numeric,
            None => NO_ID_FEATURES
                .iter()
                .any(|(name, cc)| *name == c.name && *cc == alpha2),
        })
        .collect()
}

fn contains(shapes: &[&CountryShape], p: Point<f64>) -> bool {
    shapes.iter().any(|s| s.shape.contains(&p))
}

pub(crate) fn boundary(shape: &MultiPolygon<f64>) -> MultiLineString<f64> {
    MultiLineString::new(
        shape
            .iter()
            .flat_map(|p| {
                std::iter::once(p.exterior().clone()).chain(p.interiors().iter().cloned())
            })
            .collect(),
    )
}

/// The name of the feature containing `p`, if any.
fn country_at(b: &Boundaries, p: Point<f64>) -> Option<&CountryShape> {
    b.countries.iter().find(|c| c.shape.contains(&p))
}

/// Check every place; a problem on the place's line for each one outside its country.
pub fn check(places: &[Place], b: &Boundaries, path: &Path) -> Vec<Problem> {
    let mut problems = Vec::new();
    for place in places {
        let shapes = shapes_of(b, &place.country);
        if shapes.is_empty() {
            continue; // Natural Earth has no polygon for it at this scale: nothing to test.
        }
        let p = Point::new(place.lon, place.lat);
        if contains(&shapes, p) {
            continue;
        }
        let outside = shapes
            .iter()
            .map(|s| distance_km(&boundary(&s.shape), p))
            .fold(f64::INFINITY, f64::min);
        if outside <= TOLERANCE_KM {
            continue;
        }
        let mut message = format!(
            "lat {}, lon {} lies {outside:.0} km outside {} (Natural Earth 1:10m)",
            place.lat, place.lon, place.country
        );
        match country_at(b, p) {
            Some(c) => message.push_str(&format!(", in {}", c.name)),
            None => message.push_str(", in no country"),
        }
        let swapped = Point::new(place.lat, place.lon);
        if place.lat.abs() <= 180.0 && place.lon.abs() <= 90.0 && contains(&shapes, swapped) {
            message.push_str("; lat and lon look swapped");
        } else {
            message.push_str("; wrong coordinates or wrong country code?");
        }
        problems.push(Problem::new(
            path,
            Some(place.line),
            format!("{},{}", place.lat, place.lon),
            message,
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::polygon_index::tests::boundaries;

    /// North of 65° N and near 16.9° S the even-odd test flipped on whole bands of latitude
    /// while Natural Earth's rings crossing the antimeridian had edges spanning the globe.
    #[test]
    fn points_near_the_antimeridian_bands_lie_where_they_are() {
        let b = boundaries();
        let name =
            |lat: f64, lon: f64| country_at(&b, Point::new(lon, lat)).map(|c| c.name.clone());
        for (place, lat, lon) in [
            ("Vorkuta", 67.50, 64.05),
            ("Salekhard", 66.53, 66.60),
            ("Novy Urengoy", 66.09, 76.68),
            ("Chukotka west of 180", 67.0, 179.9),
            ("Chukotka east of 180", 66.5, -175.0),
            ("Wrangel Island", 71.2, -179.5),
            ("Murmansk", 68.97, 33.08),
        ] {
            assert_eq!(name(lat, lon).as_deref(), Some("Russia"), "{place}");
            assert!(
                contains(&shapes_of(&b, "RU"), Point::new(lon, lat)),
                "{place}"
            );
        }
        for (place, lat, lon, country) in [
            ("Norwegian Sea", 67.29, 0.0, None),
            ("Barents Sea", 71.1, 10.0, None),
            ("Iceland", 65.0, -18.0, Some("Iceland")),
            ("Alaska", 68.0, -150.0, Some("United States of America")),
            ("Rovaniemi", 66.5, 25.7, Some("Finland")),
            ("Gulf of Guinea", -16.9, 0.0, None),
            ("Viti Levu", -17.8, 178.0, Some("Fiji")),
            ("Taveuni east of 180", -16.8, -179.95, Some("Fiji")),
        ] {
            assert_eq!(name(lat, lon).as_deref(), country, "{place}");
        }
        assert!(!contains(&shapes_of(&b, "FJ"), Point::new(0.0, -16.9)));
    }
}
