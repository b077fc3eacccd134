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
        tail.extend_from_slice(b",\"bbox\":");
        json::push_array(&mut tail, b.into_iter(), push_number);
    }
    if !attribution.is_empty() {
        tail.extend_from_slice(b",\"attribution\":");
        json::push_str(&mut tail, attribution);
    }
    tail.extend_from_slice(b"}\n");
    tail
}

/// The one bbox rule: [west, south, east, north] over every rounded position, in RFC 7946
/// section 5.2's form: where the positions span fewer degrees of longitude across the
/// antimeridian than without crossing it (points either side of 180°, a circle cut at ±180
/// into two parts), west is greater than east, `[177.5, 36.5, -176.2, 67.4]`; where they go
/// round the globe (a circle over a pole), the box is `[-180, s, 180, n]`. Positions on the
/// antimeridian itself, written 180 and -180, lie on neither side of it: with nothing else
/// their box is `[-180, s, 180, n]` (it holds both as written, for every reader), not the
/// zero-width `[180, s, -180, n]`.
///
/// The longitudes are followed two ways: as they are, and with the negative ones a turn
/// further east (where a box across 180° is narrow); the narrower wins when it has a
/// width, as they are on a tie. The tiles' header and metadata take their box from this
/// rule too (`tiles::Pyramid::bbox`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bounds {
    /// [south, north], `None` before any position.
    lat: Option<[f64; 2]>,
    /// [min, max] of the longitudes ≥ 0, and of those < 0.
    east: Option<[f64; 2]>,
    west: Option<[f64; 2]>,
    /// Some box or edge covers 180° (the longitudes as they are then span the globe), or 0°
    /// (those moved a turn east then do).
    over_180: bool,
    over_0: bool,
}

/// `[min, max]` taking in `v`.
fn widen(range: Option<[f64; 2]>, v: f64) -> Option<[f64; 2]> {
    Some(range.map_or([v, v], |[lo, hi]| [lo.min(v), hi.max(v)]))
}

impl Bounds {
    /// Take in a box (a point is `[x, y, x, y]`), in either form (west > east for one
    /// across the antimeridian).
    pub fn extend(&mut self, [w, s, e, n]: [f64; 4]) {
        self.lat = Some(self.lat.map_or([s, n], |[lo, hi]| [lo.min(s), hi.max(n)]));
        for x in [w, e] {
            if x < 0.0 {
                self.west = widen(self.west, x);
            } else {
                self.east = widen(self.east, x);
            }
        }
        if w > e {
            self.over_180 = true;
            self.over_0 |= w < 0.0 || e >= 0.0;
        } else {
            self.over_0 |= w < 0.0 && e >= 0.0;
        }
    }

    /// The box, `None` before any position.
    pub fn get(&self) -> Option<[f64; 4]> {
        let [s, n] = self.lat?;
        // As they are: from the least to the greatest.
        let lows = [self.west, self.east].into_iter().flatten();
        let (w, e) = lows.fold((f64::INFINITY, f64::NEG_INFINITY), |(w, e), [lo, hi]| {
            (w.min(lo), e.max(hi))
        });
        let (w, e) = if self.over_180 {
            (-180.0, 180.0)
        } else {
            (w, e)
        };
        // A turn east: from the least of those ≥ 0 round to the greatest of those < 0.
        let turned = match (self.east, self.west) {
            (Some([ew, _]), Some([_, we])) if !self.over_0 => Some((ew, we)),
            _ => None,
        };
        Some(match turned {
            Some((tw, te)) if te + 360.0 - tw < e - w && te + 360.0 > tw => [tw, s, te, n],
            _ => [w, s, e, n],
        })
    }

    /// Take in everything `o` took in (the layers of one archive).
    pub fn merge(&mut self, o: &Bounds) {
        if let Some([s, n]) = o.lat {
            self.lat = Some(self.lat.map_or([s, n], |[lo, hi]| [lo.min(s), hi.max(n)]));
        }
        for (mine, theirs) in [(&mut self.east, o.east), (&mut self.west, o.west)] {
            for v in theirs.into_iter().flatten() {
                *mine = widen(*mine, v);
            }
        }
        self.over_180 |= o.over_180;
        self.over_0 |= o.over_0;
    }

    /// The box of a geometry's rounded positions (and of its edges: one from one side of
    /// the prime meridian to the other covers it).
    pub fn of(g: &Geometry<f64>) -> Option<[f64; 4]> {
        use geo::CoordsIter;
        // A point's box is itself (what the loop below gives it, without the accumulator:
        // the tiles take one per point).
        if let Geometry::Point(p) = g {
            let (x, y) = (round6(p.x()), round6(p.y()));
            return Some([x, y, x, y]);
        }
        let mut b = Bounds::default();
        for c in g.coords_iter() {
            let (x, y) = (round6(c.x), round6(c.y));
            b.extend([x, y, x, y]);
        }
        b.over_0 |= crosses_prime_meridian(g);
        b.get()
    }
}

/// Whether an edge of `g` goes from one side of the prime meridian to the other (edges cut
/// at the antimeridian never span it).
fn crosses_prime_meridian(g: &Geometry<f64>) -> bool {
    use geo::LinesIter;
    let any = |mut lines: Box<dyn Iterator<Item = geo::Line<f64>> + '_>| {
        lines.any(|l| (round6(l.start.x) < 0.0) != (round6(l.end.x) < 0.0))
    };
    match g {
        Geometry::Line(l) => any(Box::new(l.lines_iter())),
        Geometry::LineString(l) => any(Box::new(l.lines_iter())),
        Geometry::MultiLineString(l) => any(Box::new(l.lines_iter())),
        Geometry::Polygon(p) => any(Box::new(p.lines_iter())),
        Geometry::MultiPolygon(p) => any(Box::new(p.lines_iter())),
        Geometry::Rect(r) => any(Box::new(r.lines_iter())),
        Geometry::Triangle(t) => any(Box::new(t.lines_iter())),
        Geometry::GeometryCollection(c) => c.iter().any(crosses_prime_meridian),
        Geometry::Point(_) | Geometry::MultiPoint(_) => false,
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
    json::push_array(out, coords, |out, c| push_coord(out, *c));
}

fn push_lines<'a>(out: &mut Vec<u8>, lines: impl Iterator<Item = &'a LineString<f64>>) {
    json::push_array(out, lines, |out, l| push_coords(out, l.coords()));
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
            out.extend_from_slice(b"{\"type\":\"MultiPolygon\",\"coordinates\":");
            json::push_array(out, m.iter(), |out, p| push_lines(out, rings(p)));
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

    fn boxes(features: &[[f64; 4]]) -> Option<[f64; 4]> {
        let mut b = Bounds::default();
        for &f in features {
            b.extend(f);
        }
        b.get()
    }

    /// Probe 8 #16: a circle across the antimeridian gave the layer `[-180, s, 180, n]`;
    /// RFC 7946 section 5.2 gives west > east there. A circle over a pole stays global.
    #[test]
    fn the_bbox_crosses_the_antimeridian_where_the_data_does() {
        use geo::{polygon, MultiPolygon};
        let pt = |x: f64, y: f64| [x, y, x, y];
        // RFC 7946's own example: points in Fiji.
        assert_eq!(
            boxes(&[pt(177.0, -20.0), pt(-178.0, -16.0)]),
            Some([177.0, -20.0, -178.0, -16.0])
        );
        // Data on one side, or spread wider without the antimeridian, as before.
        assert_eq!(
            boxes(&[pt(60.0, 30.0), pt(75.0, 45.0)]),
            Some([60.0, 30.0, 75.0, 45.0])
        );
        assert_eq!(
            boxes(&[pt(-10.0, 0.0), pt(170.0, 1.0)]),
            Some([-10.0, 0.0, 170.0, 1.0])
        );
        assert_eq!(
            boxes(&[pt(-100.0, 0.0), pt(-90.0, 1.0)]),
            Some([-100.0, 0.0, -90.0, 1.0])
        );
        // A circle cut at ±180 into two parts.
        let cut = Geometry::MultiPolygon(MultiPolygon(vec![
            polygon![(x: 177.5, y: 60.0), (x: 180.0, y: 60.0), (x: 180.0, y: 67.0), (x: 177.5, y: 60.0)],
            polygon![(x: -180.0, y: 60.0), (x: -176.2, y: 62.0), (x: -180.0, y: 67.0), (x: -180.0, y: 60.0)],
        ]));
        let circle = Bounds::of(&cut).unwrap();
        assert_eq!(circle, [177.5, 60.0, -176.2, 67.0]);
        // Beside Central Asian points, the narrower way round.
        assert_eq!(
            boxes(&[pt(67.0, 36.0), circle, pt(69.0, 38.0)]),
            Some([67.0, 36.0, -176.2, 67.0])
        );
        // A circle over the pole goes round: global.
        let cap = Geometry::Polygon(polygon![
            (x: -180.0, y: 80.0), (x: -90.0, y: 81.0), (x: 0.0, y: 80.0), (x: 90.0, y: 81.0),
            (x: 180.0, y: 80.0), (x: 180.0, y: 90.0), (x: -180.0, y: 90.0), (x: -180.0, y: 80.0)
        ]);
        let cap = Bounds::of(&cap).unwrap();
        assert_eq!(cap, [-180.0, 80.0, 180.0, 90.0]);
        assert_eq!(boxes(&[cap, circle]), Some([-180.0, 60.0, 180.0, 90.0]));
        assert_eq!(boxes(&[]), None);
    }

    /// Session 16: points exactly on the antimeridian, written 180 and -180, gave the
    /// zero-width `[180, s, -180, n]`; they lie on neither side of it, and their box holds
    /// both as written. With a point either side the box crosses as before.
    #[test]
    fn points_on_the_antimeridian_alone_give_a_box_that_holds_both_as_written() {
        let pt = |x: f64, y: f64| [x, y, x, y];
        assert_eq!(
            boxes(&[pt(180.0, 1.0), pt(-180.0, 2.0)]),
            Some([-180.0, 1.0, 180.0, 2.0])
        );
        assert_eq!(boxes(&[pt(180.0, 1.0)]), Some([180.0, 1.0, 180.0, 1.0]));
        assert_eq!(
            boxes(&[pt(180.0, 1.0), pt(-180.0, 2.0), pt(179.5, 3.0)]),
            Some([179.5, 1.0, -180.0, 3.0])
        );
        assert_eq!(
            boxes(&[pt(180.0, 1.0), pt(-180.0, 2.0), pt(-179.5, 3.0)]),
            Some([180.0, 1.0, -179.5, 3.0])
        );
    }

    /// Two accumulators merged give the box of everything both took in (the tiles merge
    /// their layers' this way).
    #[test]
    fn merged_bounds_are_the_bounds_of_both() {
        let pt = |x: f64, y: f64| [x, y, x, y];
        let sets: [&[[f64; 4]]; 3] = [
            &[pt(179.5, 1.0), pt(-179.5, 2.0)],
            &[pt(67.0, 36.0), pt(-10.0, 50.0)],
            &[pt(180.0, 0.0), pt(-180.0, 0.0)],
        ];
        for a in sets {
            for b in sets {
                let (mut x, mut y) = (Bounds::default(), Bounds::default());
                a.iter().for_each(|&p| x.extend(p));
                b.iter().for_each(|&p| y.extend(p));
                x.merge(&y);
                assert_eq!(x.get(), boxes(&[a, b].concat()), "{a:?} {b:?}");
            }
        }
        let mut none = Bounds::default();
        none.merge(&Bounds::default());
        assert_eq!(none.get(), None);
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
