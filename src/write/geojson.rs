//! GeoJSON text, RFC 7946 and byte-for-byte deterministic: the one encoder of features,
//! geometries and the FeatureCollection around them, and the one bbox rule, for every layer
//! (hand-kept or bulk, `.geojson` or `.geojsons`; the files are written by
//! [`super::sink`]).
//!
//! A layer is one FeatureCollection with a `name` (GDAL reads it as the layer name), its
//! features, a `bbox` ([west, south, east, north] over every rounded position) and, for
//! data from elsewhere, an `attribution`; the bbox and attribution come after the features,
//! where a streamed layer knows them. Positions are `[lon, lat]` rounded to 6 decimals and
//! printed without an exponent; there is no `crs`. One feature per line keeps `git diff` of
//! the layers readable. Features come in the layer's (id) order and properties in their
//! struct's field order.

use std::path::Path;

use geo::{Coord, Geometry, LineString, Polygon};

use super::sink::{Encoded, GeoJson, Output, Sink};
use crate::error::Result;
use crate::json;
use crate::model::{round6, Feature, Layer};

/// Every feature's text starts with this; the id (a JSON string) follows.
pub const FEATURE_PREFIX: &[u8] = b"{\"type\":\"Feature\",\"id\":";

/// What a FeatureCollection starts with, before its first feature.
pub fn collection_head(layer: &str) -> Vec<u8> {
    let mut h = b"{\"type\":\"FeatureCollection\",\"name\":".to_vec();
    json::push_str(&mut h, layer);
    h.extend_from_slice(b",\"features\":[");
    h
}

/// What follows its last feature: the bbox (when there is a position) and the attribution
/// (when not empty).
pub fn collection_tail(bbox: Option<[f64; 4]>, attribution: &str) -> Vec<u8> {
    let mut tail: Vec<u8> = b"\n]".to_vec();
    if let Some(b) = bbox {
        tail.extend_from_slice(b",\"bbox\":[");
        for (i, v) in b.into_iter().enumerate() {
            if i > 0 {
                tail.push(b',');
            }
            push_number(&mut tail, v);
        }
        tail.push(b']');
    }
    if !attribution.is_empty() {
        tail.extend_from_slice(b",\"attribution\":");
        json::push_str(&mut tail, attribution);
    }
    tail.extend_from_slice(b"}\n");
    tail
}

/// The one bbox rule: [west, south, east, north] over every rounded position.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bounds(Option<[f64; 4]>);

impl Bounds {
    /// Take in a box (a point is `[x, y, x, y]`).
    pub fn extend(&mut self, [w2, s2, e2, n2]: [f64; 4]) {
        self.0 = Some(match self.0 {
            None => [w2, s2, e2, n2],
            Some([w, s, e, n]) => [w.min(w2), s.min(s2), e.max(e2), n.max(n2)],
        });
    }

    /// The box, `None` before any position.
    pub fn get(&self) -> Option<[f64; 4]> {
        self.0
    }

    /// The box of a geometry's rounded positions.
    pub fn of(g: &Geometry<f64>) -> Option<[f64; 4]> {
        use geo::CoordsIter;
        let mut b = Bounds::default();
        for c in g.coords_iter() {
            let (x, y) = (round6(c.x), round6(c.y));
            b.extend([x, y, x, y]);
        }
        b.get()
    }
}

/// Write `layer` to `dest` as GeoJSON, staged (see [`super::sink`]).
pub fn write_layer(dest: &Path, layer: &Layer) -> Result<Output> {
    let mut sink = Box::new(GeoJson::create(dest, &layer.name)?);
    let mut text = Vec::new();
    for f in &layer.features {
        text.clear();
        encode(&mut text, f);
        sink.feature(&Encoded {
            id: &f.id,
            bounds: f.geometry.as_ref().and_then(Bounds::of),
            text: &[&text],
        })?;
    }
    sink.finish(&layer.attribution)
}

/// Append `f` as one line of GeoJSON Feature text.
pub fn encode(out: &mut Vec<u8>, f: &Feature) {
    push_feature_head(out, &f.id, f.geometry.as_ref());
    json::push_value(out, &f.properties);
    out.push(b'}');
}

/// Append the start of a Feature, up to its properties object:
/// `{"type":"Feature","id":…,"geometry":…,"properties":`. The properties object and `}`
/// follow. (Every feature of every layer starts here.)
pub fn push_feature_head(out: &mut Vec<u8>, id: &str, geometry: Option<&Geometry<f64>>) {
    out.extend_from_slice(FEATURE_PREFIX);
    json::push_str(out, id);
    out.extend_from_slice(b",\"geometry\":");
    match geometry {
        Some(g) => push_geometry(out, g),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"properties\":");
}

/// A rounded coordinate, shortest round-trip digits, never an exponent or "-0".
fn push_number(out: &mut Vec<u8>, v: f64) {
    json::push_coordinate(out, v);
}

fn push_coord(out: &mut Vec<u8>, c: Coord<f64>) {
    out.push(b'[');
    push_number(out, c.x);
    out.push(b',');
    push_number(out, c.y);
    out.push(b']');
}

fn push_coords<'a>(out: &mut Vec<u8>, coords: impl Iterator<Item = &'a Coord<f64>>) {
    out.push(b'[');
    for (i, c) in coords.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_coord(out, *c);
    }
    out.push(b']');
}

fn push_lines<'a>(out: &mut Vec<u8>, lines: impl Iterator<Item = &'a LineString<f64>>) {
    out.push(b'[');
    for (i, l) in lines.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_coords(out, l.coords());
    }
    out.push(b']');
}

fn rings(p: &Polygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    std::iter::once(p.exterior()).chain(p.interiors())
}

fn push_geometry(out: &mut Vec<u8>, g: &Geometry<f64>) {
    match g {
        Geometry::Point(p) => {
            out.extend_from_slice(b"{\"type\":\"Point\",\"coordinates\":");
            push_coord(out, p.0);
        }
        Geometry::LineString(l) => {
            out.extend_from_slice(b"{\"type\":\"LineString\",\"coordinates\":");
            push_coords(out, l.coords());
        }
        Geometry::MultiLineString(m) => {
            out.extend_from_slice(b"{\"type\":\"MultiLineString\",\"coordinates\":");
            push_lines(out, m.iter());
        }
        Geometry::Polygon(p) => {
            out.extend_from_slice(b"{\"type\":\"Polygon\",\"coordinates\":");
            push_lines(out, rings(p));
        }
        Geometry::MultiPolygon(m) => {
            out.extend_from_slice(b"{\"type\":\"MultiPolygon\",\"coordinates\":[");
            for (i, p) in m.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_lines(out, rings(p));
            }
            out.push(b']');
        }
        Geometry::MultiPoint(m) => {
            out.extend_from_slice(b"{\"type\":\"MultiPoint\",\"coordinates\":");
            push_coords(out, m.iter().map(|p| &p.0));
        }
        // Layers never hold these; write them as a null geometry rather than invalid JSON.
        _ => {
            out.extend_from_slice(b"null");
            return;
        }
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Feature;
    use geo::{line_string, Point};
    use serde_json::{json, Map, Value};

    fn to_bytes(layer: &Layer) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.geojson");
        write_layer(&path, layer).unwrap().commit().unwrap();
        std::fs::read(path).unwrap()
    }

    fn layer() -> Layer {
        let props = |v: Value| match v {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        Layer::new(
            "test",
            "Natural Earth",
            vec![
                Feature {
                    id: "b".into(),
                    geometry: Some(Geometry::Point(Point::new(68.777_624_9, -0.000_000_1))),
                    properties: props(json!({"z": 1, "a": "x\"y"})),
                },
                Feature {
                    id: "a".into(),
                    geometry: Some(Geometry::LineString(
                        line_string![(x: 0.000_001, y: 10.0), (x: 1.5, y: 11.0)],
                    )),
                    properties: Map::new(),
                },
                Feature {
                    id: "c".into(),
                    geometry: None,
                    properties: Map::new(),
                },
            ],
        )
    }

    #[test]
    fn writes_rfc7946_collection_deterministically() {
        let text = String::from_utf8(to_bytes(&layer())).unwrap();
        let expected = concat!(
            "{\"type\":\"FeatureCollection\",\"name\":\"test\",\"features\":[\n",
            "{\"type\":\"Feature\",\"id\":\"a\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[0.000001,10],[1.5,11]]},\"properties\":{}},\n",
            "{\"type\":\"Feature\",\"id\":\"b\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[68.777625,0]},\"properties\":{\"z\":1,\"a\":\"x\\\"y\"}},\n",
            "{\"type\":\"Feature\",\"id\":\"c\",\"geometry\":null,\"properties\":{}}\n",
            "],\"bbox\":[0.000001,0,68.777625,11],\"attribution\":\"Natural Earth\"}\n"
        );
        assert_eq!(text, expected);
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["features"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn an_empty_layer_has_no_bbox() {
        let text = String::from_utf8(to_bytes(&Layer::new("e", "", vec![]))).unwrap();
        assert_eq!(
            text,
            "{\"type\":\"FeatureCollection\",\"name\":\"e\",\"features\":[\n]}\n"
        );
    }
}
