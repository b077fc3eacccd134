//! The output model: named layers of features, and the location properties every point
//! feature carries, whatever its input (a hand-kept record or a bulk row).
//!
//! Derivation ends here and writing starts: every writer (GeoJSON, GeoJSONSeq, tiles) takes
//! these features in the layer's id order, so every output is made from the same features.
//! [`Location`] is the one set of location keys: `crate::derive::location` is the one place
//! that fills it in, for every layer.

use geo::Geometry;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{PlaceKind, Precision};

/// Where a point feature is and how that is known: the same keys, in the same order, on
/// exercises, bases and bulk event layers (`null` where a value does not apply).
///
/// Filled in only by `crate::derive::location::locate`; see the README's "Layer
/// properties" for what each key means.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Location<'a> {
    /// The place as the source words it.
    pub place_as_reported: Option<&'a str>,
    /// The name handed to the geocoder (`null` when the source gave coordinates).
    pub place_query: Option<&'a str>,
    /// The resolved place's id (`geonames:ID`, `osm:way/ID` for other tables).
    pub place_id: Option<&'a str>,
    /// Its preferred name.
    pub place_name: Option<&'a str>,
    /// Its kind.
    pub place_kind: Option<PlaceKind>,
    /// Its ISO 3166-1 alpha-2 country.
    pub place_country: Option<&'a str>,
    /// Its ISO 3166-2 region.
    pub admin1: Option<&'a str>,
    /// What the point is a point of.
    pub geo_precision: Option<Precision>,
    /// ACLED's 1-3 code for the same.
    pub acled_geo_precision: Option<u8>,
    /// Radius within which the place lies, km.
    pub uncertainty_km: Option<f64>,
    /// What the point is when it is not the site itself.
    pub point_note: Option<&'a str>,
    /// Who chose the point: `gazetteer`, `geonames`, an online provider, or
    /// `source_coordinates` for a point the source gave.
    pub geocoder: Option<&'a str>,
    /// How the name matched (`exact`, `loose`, `fuzzy`, `online`).
    pub geocode_match: Option<&'static str>,
    /// Match score in [0, 1].
    pub geocode_score: Option<f64>,
    /// Retrieval date of an online answer.
    pub geocoded_on: Option<&'a str>,
    /// Distance to the Afghan border on the sphere, km to 0.01; negative inside.
    pub afghan_border_km: Option<f64>,
    /// The nearest border segment (`AF-TJ`).
    pub nearest_border: Option<&'a str>,
}

/// One feature of a layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// Stable string id, unique within its layer and the same in every run.
    pub id: String,
    /// WGS 84 lon/lat geometry; `None` for a record the articles do not locate.
    pub geometry: Option<Geometry<f64>>,
    /// Properties in a fixed order (field order of the struct they were made from).
    pub properties: Map<String, Value>,
}

/// The rule for a layer's name, in words, for messages: see [`is_layer_name`].
pub const LAYER_NAME_RULE: &str =
    "1 to 100 ASCII letters, digits, '_', '-' or '.', neither starting nor ending with '.' and without '..'";

/// Whether `name` may name a layer ([`LAYER_NAME_RULE`]): the one rule `build --events
/// --layer`, `tiles --out` and `serve` share. The name becomes a file name in the output
/// folder (`NAME.geojson`, `NAME.pmtiles`) and a path segment of `serve`'s URLs; these
/// characters need no escaping in either (RFC 3986's unreserved set, less `~`), and a
/// leading '.' would make a hidden file (drillmap's temporaries and lock start with one).
pub fn is_layer_name(name: &str) -> bool {
    (1..=100).contains(&name.len())
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// A named layer (`exercises`, `bases`, `afghan_border`, a bulk `events` layer).
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Layer name; also the output file stem.
    pub name: String,
    /// Attribution for data from elsewhere that the layer is made from (empty if none).
    pub attribution: String,
    /// Features sorted by id.
    pub features: Vec<Feature>,
}

impl Layer {
    /// A layer with its features put in id order, the order every writer keeps.
    pub fn new(
        name: impl Into<String>,
        attribution: impl Into<String>,
        mut features: Vec<Feature>,
    ) -> Layer {
        features.sort_by(|a, b| a.id.cmp(&b.id));
        Layer {
            name: name.into(),
            attribution: attribution.into(),
            features,
        }
    }
}

/// `v` rounded to `decimals` places (half away from zero): the one rounding of the scores,
/// confidences and distances written beside a feature, so output does not depend on
/// float noise. (Coordinates take [`round6`].)
pub fn round_to(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

/// Round a coordinate to 6 decimals (about 10 cm), the precision RFC 7946 §11.2 recommends
/// and every layer uses, so that output is stable and small.
pub fn round6(v: f64) -> f64 {
    let r = (v * 1e6).round() / 1e6;
    // Never write "-0".
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Review of session 11: `x.` and `a..b` were accepted, written as `x..geojson`, and
    /// listed by `serve`, whose router refuses any path holding `..`.
    #[test]
    fn layer_names_serve_can_route() {
        for ok in ["Drills", "a.b", "x-1", "x_y.z"] {
            assert!(is_layer_name(ok), "{ok}");
        }
        for bad in ["", ".a", "a.", "a..b", "my layer", "é", &"x".repeat(101)] {
            assert!(!is_layer_name(bad), "{bad}");
        }
    }

    #[test]
    fn layer_sorts_features_by_id() {
        let f = |id: &str| Feature {
            id: id.into(),
            geometry: None,
            properties: Map::new(),
        };
        let layer = Layer::new("x", "", vec![f("b"), f("a/2"), f("a/1")]);
        let ids: Vec<_> = layer.features.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["a/1", "a/2", "b"]);
    }

    #[test]
    fn rounds_to_six_decimals_without_negative_zero() {
        assert_eq!(round6(68.777_624_9), 68.777_625);
        assert_eq!(round6(-0.000_000_1).to_string(), "0");
    }
}
