//! GeoJSON layers, RFC 7946 and byte-for-byte deterministic.
//!
//! A layer is one FeatureCollection with a `bbox` ([west, south, east, north] over every
//! position), a `name` (GDAL reads it as the layer name) and, for data from elsewhere, an
//! `attribution`. Positions are `[lon, lat]` rounded to 6 decimals and printed without an
//! exponent; there is no `crs`. One feature per line keeps `git diff` of the layers readable.
//! Features come in the layer's (id) order and properties in their struct's field order.

use std::fmt::Write as _;

use geo::{Coord, Geometry, LineString, Polygon};
use serde_json::Value;

use crate::derive::{round6, Layer};

/// The bytes of `layer` as a GeoJSON FeatureCollection.
pub fn to_bytes(layer: &Layer) -> Vec<u8> {
    let mut out = String::with_capacity(256 + layer.features.len() * 1024);
    out.push_str("{\"type\":\"FeatureCollection\",\"name\":");
    push_json(&mut out, &Value::from(layer.name.as_str()));
    if !layer.attribution.is_empty() {
        out.push_str(",\"attribution\":");
        push_json(&mut out, &Value::from(layer.attribution.as_str()));
    }
    if let Some([w, s, e, n]) = bbox(layer) {
        out.push_str(",\"bbox\":[");
        for (i, v) in [w, s, e, n].into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_number(&mut out, v);
        }
        out.push(']');
    }
    out.push_str(",\"features\":[");
    for (i, f) in layer.features.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        out.push_str("{\"type\":\"Feature\",\"id\":");
        push_json(&mut out, &Value::from(f.id.as_str()));
        out.push_str(",\"geometry\":");
        match &f.geometry {
            Some(g) => push_geometry(&mut out, g),
            None => out.push_str("null"),
        }
        out.push_str(",\"properties\":");
        push_json(&mut out, &Value::Object(f.properties.clone()));
        out.push('}');
    }
    out.push_str("\n]}\n");
    out.into_bytes()
}

fn push_json(out: &mut String, v: &Value) {
    // Serialising a Value into a String cannot fail; non-finite floats cannot occur in a Value.
    out.push_str(&serde_json::to_string(v).unwrap_or_default());
}

/// A rounded coordinate, shortest round-trip digits, never an exponent or "-0".
fn push_number(out: &mut String, v: f64) {
    out.push_str(Coordinate::new(v).as_str());
}

/// A number as every layer writes coordinates: rounded to 6 decimals ([`round6`]), the
/// shortest digits that read back to it, never an exponent or "-0" (what `Display` prints
/// for the rounded value, made without allocating). Shared by the layer writer and the
/// bulk writer.
#[derive(Debug, Clone)]
pub struct Coordinate {
    buf: [u8; 24],
    len: usize,
    big: Option<String>,
}

impl Coordinate {
    /// Format `v` (finite; a non-finite value prints as `Display` does, which is not JSON).
    pub fn new(v: f64) -> Coordinate {
        let r = round6(v);
        let mut c = Coordinate {
            buf: [0; 24],
            len: 0,
            big: None,
        };
        if r.is_nan() || r.abs() >= 1e12 {
            let mut s = String::new();
            let _ = write!(s, "{r}");
            c.big = Some(s);
            return c;
        }
        // |r| < 1e12, so r * 1e6 < 1e18 fits an i64 exactly enough to round.
        #[allow(clippy::cast_possible_truncation)]
        let micro = (r * 1e6).round() as i64;
        let mut digits = itoa::Buffer::new();
        let abs = micro.unsigned_abs();
        let (int, frac) = (abs / 1_000_000, abs % 1_000_000);
        if micro < 0 {
            c.push(b"-");
        }
        c.push(digits.format(int).as_bytes());
        if frac != 0 {
            let mut f = [b'0'; 7];
            f[0] = b'.';
            let text = digits.format(frac).as_bytes();
            f[7 - text.len()..].copy_from_slice(text);
            let mut end = 7;
            while f[end - 1] == b'0' {
                end -= 1;
            }
            c.push(&f[..end]);
        }
        c
    }

    fn push(&mut self, bytes: &[u8]) {
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.big {
            Some(s) => s,
            None => std::str::from_utf8(&self.buf[..self.len]).unwrap_or("0"),
        }
    }
}

fn push_coord(out: &mut String, c: Coord<f64>) {
    out.push('[');
    push_number(out, c.x);
    out.push(',');
    push_number(out, c.y);
    out.push(']');
}

fn push_coords<'a>(out: &mut String, coords: impl Iterator<Item = &'a Coord<f64>>) {
    out.push('[');
    for (i, c) in coords.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_coord(out, *c);
    }
    out.push(']');
}

fn push_lines<'a>(out: &mut String, lines: impl Iterator<Item = &'a LineString<f64>>) {
    out.push('[');
    for (i, l) in lines.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_coords(out, l.coords());
    }
    out.push(']');
}

fn rings(p: &Polygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    std::iter::once(p.exterior()).chain(p.interiors())
}

fn push_geometry(out: &mut String, g: &Geometry<f64>) {
    match g {
        Geometry::Point(p) => {
            out.push_str("{\"type\":\"Point\",\"coordinates\":");
            push_coord(out, p.0);
        }
        Geometry::LineString(l) => {
            out.push_str("{\"type\":\"LineString\",\"coordinates\":");
            push_coords(out, l.coords());
        }
        Geometry::MultiLineString(m) => {
            out.push_str("{\"type\":\"MultiLineString\",\"coordinates\":");
            push_lines(out, m.iter());
        }
        Geometry::Polygon(p) => {
            out.push_str("{\"type\":\"Polygon\",\"coordinates\":");
            push_lines(out, rings(p));
        }
        Geometry::MultiPolygon(m) => {
            out.push_str("{\"type\":\"MultiPolygon\",\"coordinates\":[");
            for (i, p) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_lines(out, rings(p));
            }
            out.push(']');
        }
        Geometry::MultiPoint(m) => {
            out.push_str("{\"type\":\"MultiPoint\",\"coordinates\":");
            push_coords(out, m.iter().map(|p| &p.0));
        }
        // Layers never hold these; write them as a null geometry rather than invalid JSON.
        _ => {
            out.push_str("null");
            return;
        }
    }
    out.push('}');
}

fn each_coord(g: &Geometry<f64>, f: &mut impl FnMut(Coord<f64>)) {
    use geo::CoordsIter;
    for c in g.coords_iter() {
        f(c);
    }
}

/// [west, south, east, north] over every rounded position of the layer, or `None` if it has none.
pub fn bbox(layer: &Layer) -> Option<[f64; 4]> {
    let mut b: Option<[f64; 4]> = None;
    for g in layer.features.iter().filter_map(|f| f.geometry.as_ref()) {
        each_coord(g, &mut |c| {
            let (x, y) = (round6(c.x), round6(c.y));
            b = Some(match b {
                None => [x, y, x, y],
                Some([w, s, e, n]) => [w.min(x), s.min(y), e.max(x), n.max(y)],
            });
        });
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::Feature;
    use geo::{line_string, Point};
    use serde_json::{json, Map};

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
            "{\"type\":\"FeatureCollection\",\"name\":\"test\",\"attribution\":\"Natural Earth\",\"bbox\":[0.000001,0,68.777625,11],\"features\":[\n",
            "{\"type\":\"Feature\",\"id\":\"a\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[0.000001,10],[1.5,11]]},\"properties\":{}},\n",
            "{\"type\":\"Feature\",\"id\":\"b\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[68.777625,0]},\"properties\":{\"z\":1,\"a\":\"x\\\"y\"}},\n",
            "{\"type\":\"Feature\",\"id\":\"c\",\"geometry\":null,\"properties\":{}}\n",
            "]}\n"
        );
        assert_eq!(text, expected);
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["features"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn coordinates_print_like_display_of_the_rounded_value() {
        let cases = [
            0.0,
            -0.0,
            -0.000_000_4,
            0.000_001,
            -0.000_001,
            68.777_624_9,
            179.999_999_9,
            -180.0,
            37.5,
            1e11 + 0.25,
            2e15,
        ];
        for v in cases {
            assert_eq!(Coordinate::new(v).as_str(), round6(v).to_string(), "{v}");
        }
        let mut x = -181.0_f64;
        while x < 181.0 {
            assert_eq!(Coordinate::new(x).as_str(), round6(x).to_string(), "{x}");
            x += 0.001_234_567_1;
        }
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
