//! The location properties of every point feature, computed in this one place for every
//! layer: hand-kept exercises and bases, and bulk event rows.
//!
//! [`locate`] turns what the source says (the place as reported, the name queried) and how
//! the point was found ([`Origin`]: a geocoder's answer, the source's own coordinates, or
//! nothing) into the [`Location`] keys and the point to draw: place, precision, uncertainty,
//! geocoder provenance (`place_query`, `geocoded_on`) and the distance to the Afghan border
//! of the point as written (rounded to 6 decimals).

use crate::model::{round6, round_to, Location};
use crate::resolve::Resolved;

use super::BorderIndex;

/// What `geocoder` says for a point the source gave itself.
pub const SOURCE_COORDINATES: &str = "source_coordinates";

/// How the point of a feature was found.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// A geocoder resolved the queried name.
    Resolved(&'a Resolved<'a>),
    /// The source gives the position itself: `[lon, lat]`, already range-checked.
    Coordinates([f64; 2]),
    /// Nothing locates the feature (no place named, or the name did not resolve).
    Unlocated,
}

/// A feature's location properties and its point (`[lon, lat]`, rounded to 6 decimals;
/// `None` when unlocated).
#[derive(Debug, Clone, PartialEq)]
pub struct Located<'a> {
    /// The location properties.
    pub location: Location<'a>,
    /// The point written as the feature's geometry.
    pub point: Option<[f64; 2]>,
}

/// km to 0.01 (10 m): finer than any point here is known.
pub fn round_km(km: f64) -> f64 {
    round_to(km, 2)
}

/// The location properties of a feature whose source words the place `reported` and asked
/// the geocoder for `query` (both `None` when the source names no place), located by
/// `origin`; distances come from `border`.
pub fn locate<'a, 'b: 'a>(
    reported: Option<&'a str>,
    query: Option<&'a str>,
    origin: Origin<'a>,
    border: &mut BorderIndex<'b>,
) -> Located<'a> {
    let mut location = Location {
        place_as_reported: reported,
        place_query: query,
        ..Location::default()
    };
    let point = match origin {
        Origin::Unlocated => None,
        Origin::Coordinates([lon, lat]) => {
            location.place_query = None;
            location.geocoder = Some(SOURCE_COORDINATES);
            Some([round6(lon), round6(lat)])
        }
        Origin::Resolved(r) => {
            let p = &*r.place;
            location.place_id = Some(&p.id);
            location.place_name = Some(&p.name);
            location.place_kind = Some(p.kind);
            location.place_country = Some(&p.country);
            location.admin1 = (!p.admin1.is_empty()).then_some(p.admin1.as_str());
            location.geo_precision = Some(p.precision);
            location.acled_geo_precision = Some(p.precision.acled_code());
            location.uncertainty_km = Some(p.uncertainty_km);
            location.point_note = (!p.point_note.is_empty()).then_some(p.point_note.as_str());
            location.geocoder = Some(r.geocoder());
            location.geocode_match = Some(r.how.as_str());
            location.geocode_score = Some(r.score);
            location.geocoded_on = r.online.map(|e| e.retrieved_date());
            Some([round6(p.lon), round6(p.lat)])
        }
    };
    if let Some([lon, lat]) = point {
        let d = border.distance(lon, lat);
        location.afghan_border_km = Some(round_km(d.km));
        location.nearest_border = Some(d.segment);
    }
    Located { location, point }
}
