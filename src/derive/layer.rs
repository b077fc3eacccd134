//! The output model: named layers of features, ready for any writer.
//!
//! Derivation ends here and writing starts: the GeoJSON writer and the tile writer both take
//! `&[Layer]`, so every output is made from the same features in the same order.

use geo::Geometry;
use serde_json::{Map, Value};

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

/// A named layer (`exercises`, `bases`, `afghan_border`).
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
