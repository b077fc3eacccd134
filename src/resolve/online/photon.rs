//! Photon answers, turned into the Nominatim shape so that one validation serves both.
//!
//! Photon (`/api?q=...`) answers with a GeoJSON FeatureCollection: the point is
//! `geometry.coordinates` as `[lon, lat]` numbers, and `properties` carry `osm_type`
//! (`N`/`W`/`R`), `osm_id`, `osm_key`/`osm_value` (the main tag), `type` (`city`, `state`,
//! ...), `countrycode` and an `extent` ordered `[minLon, maxLat, maxLon, minLat]`, unlike
//! Nominatim's `[minlat, maxlat, minlon, maxlon]`. Photon has no importance and no hard
//! country filter in every version, so results are filtered by country on our side.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::nominatim::{json_of, service_error, RawResult};

/// Parse a Photon search answer into Nominatim-shaped results (see [`RawResult`]).
pub fn parse_response(body: &str) -> Result<Vec<RawResult>, String> {
    let value = json_of(body)?;
    if let Some(message) = value.get("message").and_then(Value::as_str) {
        return Err(service_error(message));
    }
    let features = value
        .get("features")
        .and_then(Value::as_array)
        .ok_or("expected a GeoJSON FeatureCollection with `features`")?;
    features
        .iter()
        .enumerate()
        .map(|(i, f)| {
            f.as_object()
                .map(to_raw)
                .ok_or_else(|| format!("feature {} is not an object", i + 1))
        })
        .collect()
}

fn to_raw(feature: &Map<String, Value>) -> RawResult {
    let empty = Map::new();
    let props = feature
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let text = |k: &str| {
        props
            .get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
            .filter(|s| !s.is_empty())
    };
    let coords = feature
        .get("geometry")
        .and_then(|g| g.get("coordinates"))
        .and_then(Value::as_array);
    let coord = |i: usize| coords.and_then(|c| c.get(i)).cloned();
    let osm_type = text("osm_type").map(|t| {
        match t.as_str() {
            "N" => "node",
            "W" => "way",
            "R" => "relation",
            other => other,
        }
        .to_string()
    });
    let mut address = BTreeMap::new();
    if let Some(cc) = text("countrycode") {
        address.insert(
            "country_code".to_string(),
            Value::String(cc.to_ascii_lowercase()),
        );
    }
    // [minLon, maxLat, maxLon, minLat] -> [minlat, maxlat, minlon, maxlon]
    let boundingbox = props.get("extent").and_then(Value::as_array).map(|e| {
        [3, 1, 0, 2]
            .iter()
            .filter_map(|&i| e.get(i).cloned())
            .collect()
    });
    let addresstype = text("type").map(|t| match t.as_str() {
        "district" => "suburb".to_string(),
        "house" | "street" | "other" => String::new(),
        _ => t,
    });
    let mut label: Vec<String> = Vec::new();
    for k in ["name", "city", "county", "state", "country"] {
        if let Some(v) = text(k) {
            if !label.contains(&v) {
                label.push(v);
            }
        }
    }
    let mut namedetails = BTreeMap::new();
    if let Some(n) = text("name") {
        namedetails.insert("name".to_string(), Value::String(n));
    }
    RawResult {
        place_id: None,
        osm_type,
        osm_id: props.get("osm_id").cloned(),
        lat: coord(1),
        lon: coord(0),
        category: text("osm_key"),
        kind: text("osm_value"),
        addresstype,
        importance: None,
        name: text("name"),
        display_name: (!label.is_empty()).then(|| label.join(", ")),
        address,
        namedetails,
        boundingbox,
        malformed: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Precision;
    use crate::resolve::online::nominatim::evaluate;
    use crate::resolve::online::nominatim::tests::Anywhere;

    const TOWN: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[69.6196,40.2833]},"properties":{"osm_type":"R","osm_id":123,"extent":[69.55,40.33,69.7,40.24],"country":"Tajikistan","osm_key":"place","osm_value":"town","name":"Khujand","state":"Sughd Region","type":"city","countrycode":"TJ"}},{"type":"Feature","geometry":{"type":"Point","coordinates":[66.9,39.6]},"properties":{"osm_type":"N","osm_id":5,"osm_key":"place","osm_value":"village","name":"Khujand","country":"Uzbekistan","type":"city","countrycode":"UZ"}}]}"#;

    #[test]
    fn features_become_nominatim_results() {
        let raw = parse_response(TOWN).unwrap();
        assert_eq!(raw.len(), 2);
        assert_eq!(raw[0].osm_type.as_deref(), Some("relation"));
        let ev = evaluate("Khujand", &["TJ".to_string()], &raw, &mut Anywhere);
        let c = ev.chosen.unwrap();
        assert_eq!((c.lat, c.lon), (40.2833, 69.6196));
        assert_eq!(c.precision, Precision::Settlement);
        assert_eq!(c.display_name, "Khujand, Sughd Region, Tajikistan");
        assert!(c.uncertainty_km > 5.0 && c.uncertainty_km < 12.0, "{c:?}");
        assert!(!ev.candidates[1].accepted);
    }

    #[test]
    fn errors_are_reported() {
        assert!(parse_response("nope").unwrap_err().contains("not JSON"));
        assert!(parse_response(r#"{"message":"missing search term 'q'"}"#)
            .unwrap_err()
            .contains("missing search term"));
        assert!(parse_response("[]")
            .unwrap_err()
            .contains("FeatureCollection"));
    }
}
