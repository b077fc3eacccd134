//! Natural Earth country boundaries from TopoJSON (`places/boundaries/countries-10m.json`).
//!
//! TopoJSON stores each shared boundary once, as an *arc*; a polygon ring is a list of arc
//! references, where `i` means arc `i` and `!i` (that is `-i - 1`) means arc `i` reversed.
//! A quantised topology stores arc positions as integers, each after the first a delta from
//! the previous one, and a `transform` turns them into degrees:
//! `lon = x * scale[0] + translate[0]`. This reader decodes all of that, keeps the decoded
//! arcs (the Afghan border is made of the arcs two countries share) and assembles each
//! country's polygons (for the point-in-country check).

use std::path::Path;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde::Deserialize;
use serde_json::Value;

use crate::antimeridian::{clip_half, unwrap as unwrap_lon};
use crate::error::{Error, Result};

/// File name of the boundaries inside the data folder.
pub const COUNTRIES: &str = "boundaries/countries-10m.json";
/// File name of their provenance record inside the data folder.
pub const PROVENANCE: &str = "boundaries/PROVENANCE.toml";

/// Where the boundary file comes from (`places/boundaries/PROVENANCE.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Provenance {
    /// npm package (`world-atlas`).
    pub package: String,
    /// Its version.
    pub version: String,
    /// The data it carries (`Natural Earth admin-0 countries v4.1.0`).
    pub data: String,
    /// Map scale (`1:10m`).
    pub scale: String,
    /// Attribution line for the data.
    pub attribution: String,
}

impl Provenance {
    /// Read the provenance record at `path`.
    pub fn read(path: &Path) -> Result<Provenance> {
        let text = super::input::read_text(path)?;
        // The one reading of TOML: the line and the value are named (review, session 42).
        super::input::parse_toml(path, &text)
    }

    /// One line naming the data and where it came from.
    pub fn source(&self) -> String {
        format!(
            "{} {} (npm {} {})",
            self.data, self.scale, self.package, self.version
        )
    }
}

#[derive(Deserialize)]
struct Topology {
    #[serde(rename = "type")]
    kind: String,
    transform: Option<Transform>,
    arcs: RawArcs,
    objects: serde_json::Map<String, Value>,
}

/// The arcs' positions as the file writes them, back to back in one vector (not a vector
/// per position: the 10m file has about 480,000), read straight from the parser.
#[derive(Debug, Default)]
struct RawArcs {
    /// Every position's first two numbers (further numbers are read and dropped).
    positions: Vec<[f64; 2]>,
    /// Where each arc's positions end in `positions`.
    ends: Vec<usize>,
    /// The first position with fewer than two numbers: its arc and index in the arc.
    short: Option<(usize, usize)>,
}

impl<'de> Deserialize<'de> for RawArcs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<RawArcs, D::Error> {
        d.deserialize_seq(ArcsVisitor)
    }
}

/// The `arcs` array: arcs of positions of numbers.
struct ArcsVisitor;

impl<'de> serde::de::Visitor<'de> for ArcsVisitor {
    type Value = RawArcs;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawArcs, A::Error> {
        let mut arcs = RawArcs::default();
        while seq.next_element_seed(ArcSeed(&mut arcs))?.is_some() {
            arcs.ends.push(arcs.positions.len());
        }
        Ok(arcs)
    }
}

/// One arc, its positions appended to the [`RawArcs`].
struct ArcSeed<'a>(&'a mut RawArcs);

impl<'de> serde::de::DeserializeSeed<'de> for ArcSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ArcSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let arcs = self.0;
        let (arc, start) = (arcs.ends.len(), arcs.positions.len());
        while let Some(position) = seq.next_element::<Position>()? {
            if position.0.is_none() && arcs.short.is_none() {
                arcs.short = Some((arc, arcs.positions.len() - start));
            }
            arcs.positions.push(position.0.unwrap_or_default());
        }
        Ok(())
    }
}

/// A position: its first two numbers, `None` when it has fewer.
struct Position(Option<[f64; 2]>);

impl<'de> Deserialize<'de> for Position {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Position, D::Error> {
        d.deserialize_seq(PositionVisitor)
    }
}

struct PositionVisitor;

impl<'de> serde::de::Visitor<'de> for PositionVisitor {
    type Value = Position;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Position, A::Error> {
        let x = seq.next_element::<f64>()?;
        let y = match x {
            Some(_) => seq.next_element::<f64>()?,
            None => None,
        };
        // Numbers past the second (an elevation, say) are read as numbers and dropped.
        while seq.next_element::<f64>()?.is_some() {}
        Ok(Position(x.zip(y).map(|(x, y)| [x, y])))
    }
}

#[derive(Deserialize)]
struct Transform {
    scale: [f64; 2],
    translate: [f64; 2],
}

#[derive(Deserialize)]
struct RawGeometry {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<Value>,
    #[serde(default)]
    properties: serde_json::Map<String, Value>,
    #[serde(default)]
    arcs: Value,
}

/// One country feature of the topology.
#[derive(Debug, Clone, PartialEq)]
pub struct CountryShape {
    /// ISO 3166-1 numeric id as the file has it (`"004"`); `None` for features without an id
    /// (Baikonur lease area, Kosovo, N. Cyprus, Siachen Glacier …).
    pub id: Option<String>,
    /// `properties.name`.
    pub name: String,
    /// Indices of every arc its rings use.
    pub arcs: Vec<usize>,
    /// Its polygons in lon/lat.
    pub shape: MultiPolygon<f64>,
}

/// The decoded boundaries.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundaries {
    /// Every arc, decoded to lon/lat.
    pub arcs: Vec<LineString<f64>>,
    /// Every feature of the `countries` object.
    pub countries: Vec<CountryShape>,
}

impl Boundaries {
    /// The feature with ISO numeric id `numeric`.
    pub fn by_numeric(&self, numeric: &str) -> Option<&CountryShape> {
        self.countries
            .iter()
            .find(|c| c.id.as_deref() == Some(numeric))
    }
}

/// Read and decode the `countries` object of the TopoJSON file at `path`.
pub fn read(path: &Path) -> Result<Boundaries> {
    let bytes = super::input::read(path)?;
    parse(path, &bytes)
}

fn syntax(path: &Path, message: impl Into<String>) -> Error {
    Error::Syntax {
        path: path.into(),
        line: None,
        message: message.into(),
    }
}

/// Decode TopoJSON bytes; `path` is only used in messages. Never panics on any input.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Boundaries> {
    let topo: Topology = serde_json::from_slice(bytes).map_err(|e| Error::Syntax {
        path: path.into(),
        line: Some(e.line()),
        message: format!(
            "not a TopoJSON topology: {}",
            crate::json::error_message(&e)
        ),
    })?;
    if topo.kind != "Topology" {
        return Err(syntax(
            path,
            format!("type is {:?}, expected \"Topology\"", topo.kind),
        ));
    }
    let arcs = decode_arcs(&topo.arcs, topo.transform.as_ref()).map_err(|m| syntax(path, m))?;
    let mut objects = topo.objects;
    let collection = objects
        .get_mut("countries")
        .ok_or_else(|| syntax(path, "the topology has no object \"countries\""))?;
    let geometries = match collection.get_mut("geometries").map(Value::take) {
        Some(Value::Array(g)) => g,
        _ => {
            return Err(syntax(
                path,
                "object \"countries\" is not a GeometryCollection",
            ))
        }
    };
    let mut countries = Vec::with_capacity(geometries.len());
    for (i, g) in geometries.into_iter().enumerate() {
        let raw: RawGeometry = serde_json::from_value(g)
            .map_err(|e| syntax(path, format!("countries geometry {i}: {e}")))?;
        let shape = assemble(&raw, &arcs)
            .map_err(|m| syntax(path, format!("countries geometry {i}: {m}")))?;
        let mut used: Vec<usize> = Vec::new();
        collect_arc_refs(&raw.arcs, &mut used);
        used.sort_unstable();
        used.dedup();
        countries.push(CountryShape {
            id: match raw.id {
                Some(Value::String(s)) => Some(s),
                Some(Value::Number(n)) => Some(format!("{n:0>3}")),
                _ => None,
            },
            name: raw
                .properties
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            arcs: used,
            shape,
        });
    }
    Ok(Boundaries { arcs, countries })
}

fn decode_arcs(
    raw: &RawArcs,
    transform: Option<&Transform>,
) -> Result<Vec<LineString<f64>>, String> {
    let mut start = 0;
    raw.ends
        .iter()
        .enumerate()
        .map(|(i, &end)| {
            let arc = raw.positions.get(start..end).unwrap_or_default();
            start = end;
            let (mut x, mut y) = (0.0, 0.0);
            let mut coords = Vec::with_capacity(arc.len());
            for (j, &[px, py]) in arc.iter().enumerate() {
                if raw.short == Some((i, j)) {
                    return Err(format!(
                        "arc {i} has a position with fewer than two numbers"
                    ));
                }
                let c = match transform {
                    Some(t) => {
                        x += px;
                        y += py;
                        Coord {
                            x: x * t.scale[0] + t.translate[0],
                            y: y * t.scale[1] + t.translate[1],
                        }
                    }
                    None => Coord { x: px, y: py },
                };
                if !(c.x.is_finite() && c.y.is_finite()) {
                    return Err(format!("arc {i} decodes to a non-finite position"));
                }
                // Longitudes may run a little past ±180 (a ring drawn across the
                // antimeridian), never round the globe; latitudes stop at the poles.
                if c.x.abs() > 540.0 || c.y.abs() > 90.0 {
                    return Err(format!(
                        "arc {i} has a position out of range: longitude {}, latitude {}",
                        c.x, c.y
                    ));
                }
                coords.push(c);
            }
            Ok(LineString::new(coords))
        })
        .collect()
}

/// Arc index and direction of a reference: `i` is arc `i`, `!i` is arc `i` reversed.
fn arc_ref(v: &Value) -> Option<(usize, bool)> {
    let i = v.as_i64()?;
    if i >= 0 {
        Some((usize::try_from(i).ok()?, false))
    } else {
        Some((usize::try_from(!i).ok()?, true))
    }
}

fn collect_arc_refs(v: &Value, out: &mut Vec<usize>) {
    match v {
        Value::Array(items) => items.iter().for_each(|x| collect_arc_refs(x, out)),
        other => out.extend(arc_ref(other).map(|(i, _)| i)),
    }
}

/// A ring from its arc references: the arcs joined end to start, each after the first without
/// its first position (the shared one).
fn ring(refs: &Value, arcs: &[LineString<f64>]) -> Result<LineString<f64>, String> {
    let refs = refs
        .as_array()
        .ok_or("a ring is not an array of arc references")?;
    let mut coords: Vec<Coord<f64>> = Vec::new();
    for r in refs {
        let (i, reversed) = arc_ref(r).ok_or_else(|| format!("{r} is not an arc reference"))?;
        let arc = arcs
            .get(i)
            .ok_or_else(|| format!("arc {i} does not exist ({} arcs)", arcs.len()))?;
        let mut points: Vec<Coord<f64>> = arc.0.clone();
        if reversed {
            points.reverse();
        }
        let skip = usize::from(!coords.is_empty());
        coords.extend(points.into_iter().skip(skip));
    }
    Ok(LineString::new(coords))
}

/// A polygon from its rings; one crossing the antimeridian comes back as its pieces east and
/// west of it (see [`split_at_antimeridian`]).
fn polygon(rings: &Value, arcs: &[LineString<f64>]) -> Result<Vec<Polygon<f64>>, String> {
    let rings = rings
        .as_array()
        .ok_or("a polygon is not an array of rings")?;
    let mut built = rings
        .iter()
        .map(|r| ring(r, arcs))
        .collect::<Result<Vec<_>, _>>()?;
    if built.is_empty() {
        return Err("a polygon without rings".into());
    }
    let exterior = built.remove(0);
    Ok(split_at_antimeridian(Polygon::new(exterior, built)))
}

/// Whether an edge from `a` to `b` jumps across the antimeridian (spans more than half the
/// globe's longitude): such an edge stands for the short way round, through ±180.
fn jumps(a: Coord<f64>, b: Coord<f64>) -> bool {
    (b.x - a.x).abs() > 180.0
}

/// The ring with every longitude after the first moved by whole turns so that no edge
/// spans more than 180°: the ring as it runs on the globe, possibly beyond ±180. A ring
/// round a pole (Antarctica) does not come back to its start that way: it is closed along
/// the pole's latitude.
fn unwrap(ring: &LineString<f64>) -> Vec<Coord<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len() + 3);
    for &c in &ring.0 {
        let x = out.last().map_or(c.x, |prev| unwrap_lon(c.x, prev.x));
        out.push(Coord { x, y: c.y });
    }
    if let (Some(&first), Some(&last)) = (out.first(), out.last()) {
        if (last.x - first.x).abs() > 180.0 {
            let pole = if first.y < 0.0 { -90.0 } else { 90.0 };
            // Along the pole in steps of 90°, so that no edge spans the globe there either.
            let steps = ((last.x - first.x).abs() / 90.0).ceil().min(8.0);
            let mut i = 0.0;
            while i <= steps {
                let x = last.x + (first.x - last.x) * i / steps;
                out.push(Coord { x, y: pole });
                i += 1.0;
            }
            out.push(first);
        }
    }
    out
}

/// A polygon none of whose ring edges crosses the antimeridian is returned as it is. One
/// whose rings do (Natural Earth's Chukotka, Wrangel Island, Fiji, Antarctica) has each
/// ring unwrapped, and is cut into its copies shifted by whole turns, each clipped to
/// longitudes -180..180: so no edge spans the globe, which would make the even-odd test
/// flip on the whole band of latitude the edge spans.
fn split_at_antimeridian(polygon: Polygon<f64>) -> Vec<Polygon<f64>> {
    let crosses = |r: &LineString<f64>| r.0.windows(2).any(|w| jumps(w[0], w[1]));
    if !crosses(polygon.exterior()) && !polygon.interiors().iter().any(crosses) {
        return vec![polygon];
    }
    let (exterior, interiors) = polygon.into_inner();
    let exterior = unwrap(&exterior);
    let (lo, hi) = exterior
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), c| {
            (lo.min(c.x), hi.max(c.x))
        });
    // A hole is unwrapped from its own first vertex, which may leave it a whole turn away
    // from the exterior's longitudes: move it by whole turns to lie among them, so that
    // each shifted copy below pairs it with the piece it is a hole of.
    let interiors: Vec<Vec<Coord<f64>>> = interiors
        .iter()
        .map(|h| {
            let mut ring = unwrap(h);
            if let Some(first) = ring.first().map(|c| c.x) {
                let turns = ((lo + hi) / 2.0 - first) / 360.0;
                let shift = turns.round() * 360.0;
                for c in &mut ring {
                    c.x += shift;
                }
            }
            ring
        })
        .collect();
    let piece = |ring: &[Coord<f64>], shift: f64| -> Option<LineString<f64>> {
        let moved: Vec<Coord<f64>> = ring
            .iter()
            .map(|c| Coord {
                x: c.x + shift,
                y: c.y,
            })
            .collect();
        let clipped = clip_half(&clip_half(&moved, -180.0, true), 180.0, false);
        // A copy that only touches ±180 clips to a ring of zero width: no piece at all.
        let (west, east) = clipped
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(w, e), c| {
                (w.min(c.x), e.max(c.x))
            });
        (clipped.len() >= 4 && east > west).then(|| LineString::new(clipped))
    };
    // Whole turns that bring some of the unwrapped exterior into -180..180 (a ring of
    // longitudes in -180..180 spans three at most).
    let first = (-(hi + 180.0) / 360.0).ceil();
    let last = ((180.0 - lo) / 360.0).floor();
    let mut out = Vec::new();
    for k in 0..4u8 {
        let turns = first + f64::from(k);
        if turns > last {
            break;
        }
        let shift = turns * 360.0;
        if let Some(ext) = piece(&exterior, shift) {
            let holes = interiors.iter().filter_map(|h| piece(h, shift)).collect();
            out.push(Polygon::new(ext, holes));
        }
    }
    out
}

fn assemble(g: &RawGeometry, arcs: &[LineString<f64>]) -> Result<MultiPolygon<f64>, String> {
    match g.kind.as_deref() {
        Some("Polygon") => Ok(MultiPolygon::new(polygon(&g.arcs, arcs)?)),
        Some("MultiPolygon") => {
            let parts = g
                .arcs
                .as_array()
                .ok_or("a MultiPolygon is not an array of polygons")?;
            let mut all = Vec::with_capacity(parts.len());
            for p in parts {
                all.extend(polygon(p, arcs)?);
            }
            Ok(MultiPolygon::new(all))
        }
        None => Ok(MultiPolygon::new(vec![])),
        Some(other) => Err(format!(
            "unexpected geometry type {other:?} in a country layer"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Contains;

    /// The example topology of the TopoJSON specification (two squares sharing one arc),
    /// quantised with a transform.
    const SPEC: &str = r#"{"type":"Topology",
        "transform":{"scale":[0.5,0.25],"translate":[100,10]},
        "objects":{"countries":{"type":"GeometryCollection","geometries":[
            {"type":"Polygon","id":"001","properties":{"name":"West"},"arcs":[[0,1]]},
            {"type":"Polygon","properties":{"name":"East, no id"},"arcs":[[-1,2]]},
            {"type":null,"id":"003","properties":{"name":"Nothing"}}]}},
        "arcs":[[[2,0],[0,4]],[[2,4],[-2,0],[0,-4],[2,0]],[[2,0],[2,0],[0,4],[-2,0]]]}"#;

    #[test]
    fn decodes_deltas_transform_and_reversed_arcs() {
        let b = parse(Path::new("t.json"), SPEC.as_bytes()).unwrap();
        // Arc 0: (2,0) then +(0,4) → quantised (2,0),(2,4) → lon 101, lat 10 .. 11.
        assert_eq!(
            b.arcs[0].0,
            vec![Coord { x: 101.0, y: 10.0 }, Coord { x: 101.0, y: 11.0 }]
        );
        let west = &b.countries[0];
        assert_eq!(
            (west.id.as_deref(), west.name.as_str(), west.arcs.as_slice()),
            (Some("001"), "West", &[0, 1][..])
        );
        let ring = west.shape.0[0].exterior();
        assert_eq!(ring.0.first(), ring.0.last(), "ring closes");
        assert_eq!(ring.0.len(), 5);
        let east = &b.countries[1];
        assert_eq!(east.id, None);
        // The reversed shared arc starts the east ring at its far end.
        assert_eq!(east.shape.0[0].exterior().0[0], Coord { x: 101.0, y: 11.0 });
        assert!(west.shape.contains(&geo::Point::new(100.5, 10.5)));
        assert!(east.shape.contains(&geo::Point::new(101.5, 10.5)));
        assert!(b.countries[2].shape.0.is_empty());
    }

    #[test]
    fn bad_topologies_are_errors_not_panics() {
        for bad in [
            "",
            "{}",
            r#"{"type":"FeatureCollection","arcs":[],"objects":{}}"#,
            r#"{"type":"Topology","arcs":[],"objects":{}}"#,
            r#"{"type":"Topology","arcs":[[[0]]],"objects":{"countries":{"type":"GeometryCollection","geometries":[]}}}"#,
            r#"{"type":"Topology","arcs":[],"objects":{"countries":{"type":"GeometryCollection","geometries":[{"type":"Polygon","arcs":[[5]]}]}}}"#,
            r#"{"type":"Topology","arcs":[],"objects":{"countries":{"type":"GeometryCollection","geometries":[{"type":"Polygon","arcs":[["x"]]}]}}}"#,
            // Out of range (review s10: a ring across the antimeridian at 1e19 degrees
            // of longitude cut forever): refused when the arcs are read.
            r#"{"type":"Topology","arcs":[[[1e19,0],[-1e19,1],[1e19,1],[1e19,0]]],"objects":{"countries":{"type":"GeometryCollection","geometries":[{"type":"Polygon","arcs":[[0]]}]}}}"#,
            r#"{"type":"Topology","arcs":[[[0,91],[1,0],[0,0]]],"objects":{"countries":{"type":"GeometryCollection","geometries":[]}}}"#,
        ] {
            assert!(parse(Path::new("t.json"), bad.as_bytes()).is_err(), "{bad}");
        }
    }

    /// Arcs are read straight into one vector of positions: numbers past the second are
    /// dropped, and the first bad position in file order is the one reported.
    #[test]
    fn positions_past_two_numbers_and_the_first_bad_one() {
        let topo = |arcs: &str| {
            format!(
                r#"{{"type":"Topology","arcs":{arcs},"objects":{{"countries":{{"type":"GeometryCollection","geometries":[]}}}}}}"#
            )
        };
        let b = parse(
            Path::new("t.json"),
            topo("[[[1,2,30]],[],[[3,4],[5,6]]]").as_bytes(),
        )
        .unwrap();
        let arcs: Vec<Vec<Coord<f64>>> = b.arcs.into_iter().map(|l| l.0).collect();
        assert_eq!(
            arcs,
            vec![
                vec![Coord { x: 1.0, y: 2.0 }],
                vec![],
                vec![Coord { x: 3.0, y: 4.0 }, Coord { x: 5.0, y: 6.0 }]
            ]
        );
        for (arcs, says) in [
            (
                "[[[0,0]],[[0,100],[1]]]",
                "arc 1 has a position out of range",
            ),
            (
                "[[[0,0]],[[1],[0,100]]]",
                "arc 1 has a position with fewer than two",
            ),
            (
                "[[[0,0],[]],[[0,100]]]",
                "arc 0 has a position with fewer than two",
            ),
        ] {
            let e = parse(Path::new("t.json"), topo(arcs).as_bytes()).unwrap_err();
            assert!(e.to_string().contains(says), "{arcs}: {e}");
        }
        assert!(parse(Path::new("t.json"), topo(r#"[[[0,0,"x"]]]"#).as_bytes()).is_err());
    }

    fn edges(b: &Boundaries) -> impl Iterator<Item = (&str, Coord<f64>, Coord<f64>)> {
        b.countries.iter().flat_map(|c| {
            c.shape
                .iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .flat_map(move |r| r.0.windows(2).map(move |w| (c.name.as_str(), w[0], w[1])))
        })
    }

    /// Natural Earth's Chukotka, Wrangel Island, Fiji and Antarctica have edges from +180 to
    /// -180: read, none is left, and no position lies beyond ±180.
    #[test]
    fn no_shipped_ring_edge_spans_the_globe() {
        let places = Path::new(env!("CARGO_MANIFEST_DIR")).join("places");
        let b = read(&places.join(COUNTRIES)).unwrap();
        for (name, a, z) in edges(&b) {
            assert!((z.x - a.x).abs() <= 180.0, "{name}: {a:?} -> {z:?}");
            assert!(a.x.abs() <= 180.0 && a.y.abs() <= 90.0, "{name}: {a:?}");
        }
        let ru = b.by_numeric("643").unwrap();
        for (lon, lat) in [
            (179.9, 67.0),
            (-179.5, 67.0),
            (-175.0, 66.5),
            (-179.5, 71.2),
        ] {
            assert!(ru.shape.contains(&geo::Point::new(lon, lat)), "{lon} {lat}");
        }
        for (lon, lat) in [(0.0, 67.29), (-150.0, 68.0), (0.0, 71.1), (-20.0, 66.0)] {
            assert!(
                !ru.shape.contains(&geo::Point::new(lon, lat)),
                "{lon} {lat}"
            );
        }
    }

    /// A topology of one square across the antimeridian, `w` degrees east of `lon` and `h`
    /// north of `lat`, written with longitudes in -180..180 (its eastern edge wraps).
    fn wrapped_square(lon: f64, lat: f64, w: f64, h: f64) -> String {
        let wrap = |x: f64| if x > 180.0 { x - 360.0 } else { x };
        let corners = [
            (lon, lat),
            (wrap(lon + w), lat),
            (wrap(lon + w), lat + h),
            (lon, lat + h),
            (lon, lat),
        ];
        let arc: Vec<String> = corners.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
        format!(
            r#"{{"type":"Topology","objects":{{"countries":{{"type":"GeometryCollection","geometries":[
                {{"type":"Polygon","id":"001","properties":{{"name":"Sq"}},"arcs":[[0]]}}]}}}},
                "arcs":[[{}]]}}"#,
            arc.join(",")
        )
    }

    /// A hole across or beyond ±180 belongs to the piece it lies in (review of session 10:
    /// each hole was unwrapped from its own first vertex and paired with the wrong copy).
    #[test]
    fn a_hole_beyond_the_antimeridian_stays_a_hole() {
        let ring = |pts: &[(f64, f64)]| LineString::from(pts.to_vec());
        // The exterior runs 170..190 (written 170..-170), the hole -178..-172 (182..188).
        let square = Polygon::new(
            ring(&[
                (170.0, 0.0),
                (-170.0, 0.0),
                (-170.0, 10.0),
                (170.0, 10.0),
                (170.0, 0.0),
            ]),
            vec![ring(&[
                (-178.0, 2.0),
                (-172.0, 2.0),
                (-172.0, 8.0),
                (-178.0, 8.0),
                (-178.0, 2.0),
            ])],
        );
        let pieces = split_at_antimeridian(square);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        let inside = |x: f64, y: f64| pieces.iter().any(|p| p.contains(&geo::Point::new(x, y)));
        assert!(!inside(-175.0, 5.0), "the hole");
        assert!(inside(-171.0, 5.0) && inside(175.0, 5.0) && inside(-179.0, 5.0));
        for p in &pieces {
            let xs = p.exterior().0.iter().map(|c| c.x);
            let (w, e) = xs.fold((f64::MAX, f64::MIN), |(w, e), x| (w.min(x), e.max(x)));
            assert!(e > w && w >= -180.0 && e <= 180.0, "{p:?}");
        }
    }

    /// A ring that only touches the antimeridian from one side gives no zero-width piece.
    #[test]
    fn no_zero_width_piece_at_the_antimeridian() {
        let ring = |pts: &[(f64, f64)]| LineString::from(pts.to_vec());
        // Runs up the antimeridian written once as 180 and once as -180 (so an edge jumps),
        // and lies wholly west of it: the copy a turn west only touches -180.
        let poly = Polygon::new(
            ring(&[
                (170.0, 0.0),
                (180.0, 0.0),
                (-180.0, 5.0),
                (170.0, 5.0),
                (170.0, 0.0),
            ]),
            vec![],
        );
        let pieces = split_at_antimeridian(poly);
        assert_eq!(pieces.len(), 1, "{pieces:?}");
        for p in pieces {
            let xs = p.exterior().0.iter().map(|c| c.x);
            let (w, e) = xs.fold((f64::MAX, f64::MIN), |(w, e), x| (w.min(x), e.max(x)));
            assert!(e > w, "zero-width piece {p:?}");
        }
    }

    proptest::proptest! {
        /// However a square lies across the antimeridian, after reading no edge spans more
        /// than 180° and a point is inside exactly when it is in the square on the globe.
        #[test]
        fn squares_across_the_antimeridian(
            lon in 150.0..180.0f64, lat in -80.0..70.0f64, w in 1.0..60.0f64, h in 1.0..10.0f64,
            px in -180.0..180.0f64, py in 0.0..1.0f64,
        ) {
            let text = wrapped_square(lon, lat, w, h);
            let b = parse(Path::new("sq.json"), text.as_bytes()).unwrap();
            for (_, a, z) in edges(&b) {
                proptest::prop_assert!((z.x - a.x).abs() <= 180.0, "{a:?} -> {z:?}");
            }
            let py = lat - 1.0 + py * (h + 2.0);
            let east = (px - lon).rem_euclid(360.0);
            let margin = 1e-6;
            let inside = east > margin && east < w - margin && py > lat + margin && py < lat + h - margin;
            let outside = (east < 360.0 - margin && east > w + margin) || py < lat - margin || py > lat + h + margin;
            let got = b.countries[0].shape.contains(&geo::Point::new(px, py));
            if inside || outside {
                proptest::prop_assert_eq!(got, inside, "{} {}", px, py);
            }
        }

        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = parse(Path::new("x.json"), &bytes);
        }
    }
}
