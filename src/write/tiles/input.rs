//! Layers read from files for `drillmap tiles`: a GeoJSON FeatureCollection (drillmap's own
//! layers, a bulk build's events file), GeoJSONSeq (one feature per line, as a bulk build
//! writes or tippecanoe reads) or a CSV with coordinate columns.
//!
//! The format is chosen by extension: `.geojsonl`, `.geojsons`, `.geojsonseq`, `.ndjson`
//! and `.jsonl` are GeoJSONSeq, `.csv` is CSV, anything else is a FeatureCollection. The
//! layer is named after the collection's `name` member, else the file stem. A feature's id
//! is its GeoJSON `id` (string or number), else its `id` property, else its 1-based
//! position in the file. A CSV is read by the bulk reader ([`crate::bulk::csv`]), its
//! columns found by the same names or `--columns` mapping as `drillmap bulk`'s: it needs lat
//! and lon columns; an id column gives the ids; the name, date, place and country columns
//! are properties under those names; every other column is a property under the name bulk
//! writes it as, a number when it reads as one (as tippecanoe does); empty cells are left
//! out. A bad row or feature is an error naming the file and line.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde_json::{Map, Value as Json};

use super::LayerBuilder;
use crate::bulk::csv::CsvReader;
use crate::bulk::{Columns, EventReader, Field, Next};
use crate::derive::event::coordinates;
use crate::derive::{Feature, Layer};
use crate::error::{Error, Result};
use crate::read::input;
use crate::read::seq::Records;

/// Read one file as a layer (see the module documentation for the formats); `columns`
/// maps a CSV's columns as `drillmap bulk --columns` does.
pub fn read_layer(path: &Path, columns: &Columns) -> Result<Layer> {
    let mut features = Vec::new();
    let name = read_features(path, columns, |_, f| {
        features.push(f);
        Ok(())
    })?;
    Ok(Layer::new(name, "", features))
}

/// Read one file straight into a [`LayerBuilder`], feature by feature: the file is never
/// held whole, in text or as [`Feature`]s. Tile ids hash the layer's name, so a
/// FeatureCollection whose `name` comes after its features is read a second time.
pub fn read_built(path: &Path, columns: &Columns) -> Result<LayerBuilder> {
    let mut known: Option<String> = None;
    loop {
        let mut layer: Option<LayerBuilder> = None;
        let found = read_features(path, columns, |so_far, f| {
            let name = known.as_deref().unwrap_or(so_far);
            layer
                .get_or_insert_with(|| LayerBuilder::new(name, ""))
                .push(&f.id, f.geometry.as_ref(), &f.properties)
        })?;
        let layer = layer.unwrap_or_else(|| LayerBuilder::new(&found, ""));
        if layer.name() == found || known.is_some() {
            return Ok(layer);
        }
        known = Some(found);
    }
}

/// Hand every feature of the file to `each` with the layer's name as known so far, in
/// file order; returns the layer's name.
fn read_features(
    path: &Path,
    columns: &Columns,
    mut each: impl FnMut(&str, Feature) -> Result<()>,
) -> Result<String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("layer")
        .to_string();
    match ext.as_str() {
        "geojsonl" | "geojsons" | "geojsonseq" | "ndjson" | "jsonl" => {
            let file = input::open_lines(path)?;
            read_seq(path, BufReader::with_capacity(1 << 20, file), |f| {
                each(&stem, f)
            })?;
            Ok(stem)
        }
        "csv" => {
            read_csv(path, input::open_lines(path)?, columns, |f| each(&stem, f))?;
            Ok(stem)
        }
        _ => {
            let file = input::open(path)?;
            read_collection(path, BufReader::with_capacity(1 << 20, file), stem, each)
        }
    }
}

fn syntax(path: &Path, line: Option<usize>, message: impl Into<String>) -> Error {
    Error::Syntax {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

/// A FeatureCollection read one feature at a time (only one feature's JSON is held);
/// its `name` may come before or after its features.
fn read_collection(
    path: &Path,
    input: impl Read,
    stem: String,
    each: impl FnMut(&str, Feature) -> Result<()>,
) -> Result<String> {
    let mut top = Collection {
        path,
        stem: &stem,
        each,
        failed: None,
        name: None,
        features: false,
    };
    let mut de = serde_json::Deserializer::from_reader(input);
    let read = serde::Deserializer::deserialize_map(&mut de, &mut top).and_then(|()| de.end());
    if let Some(e) = top.failed {
        return Err(e);
    }
    match read {
        Err(e) if e.is_data() => Err(syntax(path, Some(e.line()), NOT_A_COLLECTION)),
        Err(e) => Err(syntax(path, Some(e.line()), format!("not JSON: {e}"))),
        Ok(()) if !top.features => Err(syntax(path, None, NOT_A_COLLECTION)),
        Ok(()) => Ok(top.name.unwrap_or_else(|| stem.clone())),
    }
}

const NOT_A_COLLECTION: &str = "not a GeoJSON FeatureCollection (no \"features\" array)";

/// The visitor of a FeatureCollection: its `name`, and each feature handed on.
struct Collection<'p, F> {
    path: &'p Path,
    stem: &'p str,
    each: F,
    /// The error that stopped the reading, when it was not the JSON's.
    failed: Option<Error>,
    name: Option<String>,
    features: bool,
}

impl<'de, F: FnMut(&str, Feature) -> Result<()>> serde::de::Visitor<'de>
    for &mut Collection<'_, F>
{
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a GeoJSON FeatureCollection")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => {
                    if let Json::String(s) = map.next_value::<Json>()? {
                        self.name = Some(s);
                    }
                }
                "features" => {
                    self.features = true;
                    map.next_value_seed(&mut *self)?;
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<(), A::Error> {
        let mut n = 0;
        while let Some(value) = seq.next_element::<Json>()? {
            n += 1;
            let result = feature_from_json(value, n)
                .map_err(|m| syntax(self.path, None, format!("feature {n}: {m}")))
                .and_then(|f| (self.each)(self.name.as_deref().unwrap_or(self.stem), f));
            if let Err(e) = result {
                self.failed = Some(e);
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

/// The `features` member: an array read element by element.
impl<'de, F: FnMut(&str, Feature) -> Result<()>> serde::de::DeserializeSeed<'de>
    for &mut Collection<'_, F>
{
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

fn read_seq(
    path: &Path,
    input: impl BufRead,
    mut each: impl FnMut(Feature) -> Result<()>,
) -> Result<()> {
    let mut records = Records::new(input);
    let mut n = 0;
    while let Some(record) = records.next_record().map_err(|e| Error::io(path, e))? {
        let line = usize::try_from(records.line()).ok();
        let value: Json = serde_json::from_slice(records.get(record))
            .map_err(|e| syntax(path, line, format!("not JSON: {e}")))?;
        n += 1;
        each(feature_from_json(value, n).map_err(|m| syntax(path, line, m))?)?;
    }
    Ok(())
}

/// One GeoJSON feature; `n` is its position, the id of last resort.
pub fn feature_from_json(mut f: Json, n: usize) -> std::result::Result<Feature, String> {
    if f.get("type").and_then(Json::as_str) != Some("Feature") {
        return Err("not a GeoJSON Feature".into());
    }
    let properties = match f.get_mut("properties").map(Json::take) {
        Some(Json::Object(m)) => m,
        None | Some(Json::Null) => Map::new(),
        Some(_) => return Err("\"properties\" is not an object".into()),
    };
    let id = match f.get("id").or_else(|| properties.get("id")) {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Number(x)) => x.to_string(),
        _ => n.to_string(),
    };
    let geometry = match f.get("geometry") {
        None | Some(Json::Null) => None,
        Some(g) => Some(geometry(g)?),
    };
    Ok(Feature {
        id,
        geometry,
        properties,
    })
}

fn coord(v: &Json) -> std::result::Result<Coord<f64>, String> {
    match v.as_array().map(Vec::as_slice) {
        Some([x, y, ..]) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Ok(Coord { x, y }),
            _ => Err(format!("bad position {v}")),
        },
        _ => Err(format!("bad position {v}")),
    }
}

fn list<T>(
    v: &Json,
    f: impl Fn(&Json) -> std::result::Result<T, String>,
) -> std::result::Result<Vec<T>, String> {
    v.as_array()
        .ok_or_else(|| "coordinates are not an array".to_string())?
        .iter()
        .map(f)
        .collect()
}

fn line(v: &Json) -> std::result::Result<LineString<f64>, String> {
    list(v, coord).map(LineString)
}

fn polygon(v: &Json) -> std::result::Result<Polygon<f64>, String> {
    let mut rings = list(v, line)?.into_iter();
    let exterior = rings.next().ok_or("a polygon without rings")?;
    Ok(Polygon::new(exterior, rings.collect()))
}

fn geometry(g: &Json) -> std::result::Result<Geometry<f64>, String> {
    let c = g.get("coordinates").unwrap_or(&Json::Null);
    Ok(match g.get("type").and_then(Json::as_str) {
        Some("Point") => Point(coord(c)?).into(),
        Some("MultiPoint") => MultiPoint(list(c, |p| coord(p).map(Point))?).into(),
        Some("LineString") => line(c)?.into(),
        Some("MultiLineString") => MultiLineString(list(c, line)?).into(),
        Some("Polygon") => polygon(c)?.into(),
        Some("MultiPolygon") => MultiPolygon(list(c, polygon)?).into(),
        Some(t) => return Err(format!("geometry type {t:?} is not tiled")),
        None => return Err("a geometry without a type".into()),
    })
}

/// Read a CSV through the bulk reader ([`CsvReader`]), so its columns are found by the same
/// names and `--columns` mapping as `drillmap bulk`; the coordinates are checked as a bulk
/// row's are ([`coordinates`]).
fn read_csv(
    path: &Path,
    input: impl Read + Send + 'static,
    columns: &Columns,
    mut each: impl FnMut(Feature) -> Result<()>,
) -> Result<()> {
    let mut columns = columns.clone();
    columns.points = true;
    let mut reader = CsvReader::new(path, input, &columns)?;
    let at = |line: u64, value: &str, message: &str| {
        let value = if value.is_empty() {
            String::new()
        } else {
            format!("{value:?}: ")
        };
        syntax(
            path,
            usize::try_from(line).ok(),
            format!("{value}{message}"),
        )
    };
    let mut n = 0usize;
    while let Some(next) = reader.next_row()? {
        let row = match next {
            Next::Row(row) => row,
            Next::Bad(p) => {
                return Err(Error::Syntax {
                    path: p.path,
                    line: p.line,
                    message: if p.value.is_empty() {
                        p.message
                    } else {
                        format!("{:?}: {}", p.value, p.message)
                    },
                })
            }
        };
        let [x, y] = coordinates(row.lat, row.lon).map_err(|(v, m)| at(row.line, &v, &m))?;
        let mut properties = Map::new();
        for (field, value) in [
            (Field::Name, row.name),
            (Field::StartDate, row.start_date),
            (Field::EndDate, row.end_date),
            (Field::Place, row.place),
            (Field::Country, row.country),
        ] {
            if !value.is_empty() {
                properties.insert(field.as_str().to_owned(), Json::from(value));
            }
        }
        let mut extra = Vec::with_capacity(row.extra.len() + 2);
        extra.push(b'{');
        extra.extend_from_slice(row.extra.get(1..).unwrap_or_default());
        extra.push(b'}');
        let free: Map<String, Json> = serde_json::from_slice(&extra)
            .map_err(|e| at(row.line, "", &format!("unreadable free columns: {e}")))?;
        for (key, value) in free {
            match value {
                Json::String(s) if s.is_empty() => {}
                Json::String(s) => {
                    properties.insert(key, typed(s));
                }
                other => {
                    properties.insert(key, other);
                }
            }
        }
        n += 1;
        each(Feature {
            id: if row.id.is_empty() {
                n.to_string()
            } else {
                row.id.to_owned()
            },
            geometry: Some(Point::new(x, y).into()),
            properties,
        })?;
    }
    Ok(())
}

/// A free CSV cell as a tile property: a number when it reads as one (as tippecanoe does),
/// else the text.
fn typed(cell: String) -> Json {
    if let Ok(i) = cell.parse::<i64>() {
        return Json::from(i);
    }
    match cell
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
    {
        Some(n) => Json::Number(n),
        None => Json::String(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_become_points_with_typed_properties() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("events.csv");
        std::fs::write(
            &p,
            "id,latitude,longitude,name,fatalities\na,37.2,67.3,Termez,3\nb,38.5,68.8,,2.5\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let layer = read_layer(&p, &Columns::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(layer.name, "events");
        assert_eq!(layer.features.len(), 2);
        assert_eq!(layer.features[0].id, "a");
        assert_eq!(layer.features[0].properties["fatalities"], Json::from(3));
        assert_eq!(layer.features[1].properties["fatalities"], Json::from(2.5));
        assert!(!layer.features[1].properties.contains_key("name"));
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("bad.csv");
        std::fs::write(&p, "lat,lon\n37,67\nabc,67\n").unwrap_or_else(|e| panic!("{e}"));
        let err = read_layer(&p, &Columns::default())
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("bad.csv") && err.contains('3') && err.contains("abc"),
            "{err}"
        );
        let q = dir.path().join("bad.geojsonl");
        std::fs::write(
            &q,
            "{\"type\":\"Feature\",\"geometry\":null,\"properties\":{}}\n{oops\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let err = read_layer(&q, &Columns::default())
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("bad.geojsonl") && err.contains(":2"), "{err}");
    }

    #[test]
    fn csv_columns_are_found_by_the_bulk_names_or_mapping() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("xy.csv");
        std::fs::write(&p, "x,y,note\n67.5,37.25,a\n68,38,b,extra\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let err = read_layer(&p, &Columns::default())
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("xy.csv:1") && err.contains("no coordinate columns"),
            "{err}"
        );
        let columns = Columns::parse("lat=y,lon=x").unwrap_or_else(|e| panic!("{e}"));
        let err = read_layer(&p, &columns)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("xy.csv:3") && err.contains("expected 3 columns"),
            "{err}"
        );
        std::fs::write(&p, "x,y,note\n67.5,37.25,a\n").unwrap_or_else(|e| panic!("{e}"));
        let layer = read_layer(&p, &columns).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(layer.features[0].id, "1");
        assert_eq!(layer.features[0].properties["note"], Json::from("a"));
    }

    #[test]
    fn collections_and_sequences_read_ids_and_geometries() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("x.geojson");
        std::fs::write(
            &p,
            r#"{"type":"FeatureCollection","name":"bases","features":[
              {"type":"Feature","id":7,"geometry":{"type":"Point","coordinates":[67,37]},"properties":{"n":1}},
              {"type":"Feature","geometry":{"type":"LineString","coordinates":[[67,37],[68,38]]},"properties":{"id":"l"}}]}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let layer = read_layer(&p, &Columns::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(layer.name, "bases");
        assert_eq!(layer.features[0].id, "7");
        assert_eq!(layer.features[1].id, "l");
        assert!(matches!(
            layer.features[1].geometry,
            Some(Geometry::LineString(_))
        ));
    }

    /// Layers are opened as every input is ([`crate::read::input`]): only regular files,
    /// GeoJSONSeq and CSV lines under the cap; several RS-separated records on a line are
    /// read one by one, and a bad one is named by its line.
    #[test]
    fn layers_are_opened_and_split_as_every_input_is() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for name in ["f.geojsonl", "f.csv", "f.geojson"] {
            let p = dir.path().join(name);
            std::fs::create_dir(&p).unwrap_or_else(|e| panic!("{e}"));
            let e = read_layer(&p, &Columns::default()).map(|_| ()).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{name}: {e}");
        }
        let p = dir.path().join("s.geojsons");
        let point = |x: u8| {
            format!(
                r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[6{x},37]}},"properties":{{}}}}"#
            )
        };
        std::fs::write(
            &p,
            format!("\x1e{}\x1e{}\n\n\x1e{}\n", point(1), point(2), point(3)),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let layer = read_layer(&p, &Columns::default()).unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<&str> = layer.features.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["1", "2", "3"]);
        std::fs::write(&p, format!("{}\n\n{{\"type\":\"Feature\"\n", point(1)))
            .unwrap_or_else(|e| panic!("{e}"));
        let e = read_layer(&p, &Columns::default()).map(|_| ()).unwrap_err();
        assert!(e.to_string().contains(":3"), "{e}");
    }

    #[test]
    fn collections_stream_with_their_name_before_or_after_the_features() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let features = r#"[
          {"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[67,37]},"properties":{"n":1}},
          {"type":"Feature","id":"b","geometry":null,"properties":{"m":"x"}}]"#;
        let first = dir.path().join("first.geojson");
        let last = dir.path().join("last.geojson");
        let write =
            |p: &Path, text: String| std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
        write(
            &first,
            format!(r#"{{"name":"bases","type":"FeatureCollection","features":{features}}}"#),
        );
        write(
            &last,
            format!(r#"{{"type":"FeatureCollection","features":{features},"name":"bases"}}"#),
        );
        let opts = super::super::TileOptions::default();
        let encode = |p: &Path| {
            let layer = read_built(p, &Columns::default()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(layer.name(), "bases");
            assert_eq!(layer.len(), 2);
            super::super::encode_built(vec![layer], &opts)
                .unwrap_or_else(|e| panic!("{e}"))
                .0
        };
        let from_layer = read_layer(&first, &Columns::default()).unwrap_or_else(|e| panic!("{e}"));
        let (held, _) =
            super::super::encode_pmtiles(&[from_layer], &opts).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(encode(&first), held);
        assert_eq!(encode(&last), held);
        // A bad feature in the stream names the file and the feature; a bad collection
        // says what is wrong.
        for (text, wanted) in [
            (
                r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1]}}]}"#,
                &["first.geojson", "feature 1", "bad position"][..],
            ),
            (
                r#"{"type":"FeatureCollection","features":{}}"#,
                &["first.geojson", "not a GeoJSON FeatureCollection"][..],
            ),
            (
                r#"{"type":"FeatureCollection","features":[}"#,
                &["first.geojson", "not JSON"][..],
            ),
        ] {
            write(&first, text.into());
            let err = read_built(&first, &Columns::default())
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(wanted.iter().all(|w| err.contains(w)), "{err}");
        }
    }
}
