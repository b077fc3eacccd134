//! The GeoJSONSeq events reader: one GeoJSON Feature per line (newline-delimited GeoJSON),
//! each optionally preceded by the RFC 8142 record separator (RS, 0x1E).
//!
//! A feature's `id` member is the id (or, when it has none, the id property, which is
//! otherwise free); a Point geometry gives lon/lat (`source_coordinates`); the other fields
//! come from properties by the same names and mapping as CSV columns. Every other property
//! is kept as it is (any JSON value), under its key by the CSV reader's rule ([`FreeKeys`]:
//! two properties that would be written under one key make the line a bad row; a name
//! given twice in one object is one, as in every GeoJSON reader: [`json::given_twice`]). A
//! legacy `crs` naming anything but longitude/latitude WGS 84 makes it one too
//! ([`crs_problem`]). Records are split by the one GeoJSONSeq splitter
//! ([`crate::read::seq`]): blank lines skipped, several RS-separated records on one line
//! read one by one, a record on one line.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::csv::{free_key, push_numeric, FreeKeys};
use super::{default_column, Columns, EventReader, Field, Next, Row};
use crate::error::{Error, Problem, Result};
use crate::json;
use crate::model::properties::is_layer_property;
use crate::model::properties::{ReadBack, GEOCODER_READ_BACK, POINT_SOURCE_READ_BACK};
use crate::read::collection::crs_problem;
use crate::read::lines::shown_message;
use crate::read::seq::Records;

/// A Feature's members as the reader reads them ([`json::FEATURE_MEMBERS`]); any other
/// member is foreign, not read.
#[derive(Debug, Default)]
struct Feature<'a> {
    kind: Option<String>,
    id: Option<&'a RawValue>,
    /// `None` when the member is absent (no GeoJSON Feature), `Some(None)` when it is
    /// `null` (a feature without a location, as drillmap writes an unlocated record).
    geometry: Option<Option<&'a RawValue>>,
    /// The properties as written, in order (a name given twice is found by
    /// [`json::repeated`]).
    properties: Option<json::Entries<'a>>,
    /// A legacy (GeoJSON 2008) `crs`, checked by the one check ([`crs_problem`]).
    crs: Option<&'a RawValue>,
    /// The first member read given twice ([`json::Once`]).
    twice: Option<&'static str>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Feature<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_map(FeatureVisitor(std::marker::PhantomData))
    }
}

struct FeatureVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> serde::de::Visitor<'de> for FeatureVisitor<'a> {
    type Value = Feature<'a>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a GeoJSON Feature")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Feature<'a>, A::Error> {
        let mut f = Feature::default();
        let mut once = json::Once::new(&json::FEATURE_MEMBERS);
        while let Some(key) = map.next_key_seed(json::MemberSeed(&json::FEATURE_MEMBERS))? {
            if let Some(name) = key.and_then(|k| once.twice(k)) {
                f.twice.get_or_insert(name);
            }
            // `null` reads as absent, but for the geometry (an unlocated feature).
            match key {
                Some("type") => f.kind = Some(map.next_value()?),
                Some("id") => f.id = map.next_value()?,
                Some("geometry") => f.geometry = Some(map.next_value()?),
                Some("properties") => f.properties = map.next_value()?,
                Some("crs") => f.crs = map.next_value()?,
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        if f.kind.is_none() && f.twice.is_none() {
            return Err(serde::de::Error::missing_field("type"));
        }
        Ok(f)
    }
}

/// A geometry's JSON value, a member it is read by given twice (two `coordinates`)
/// refused by the one check ([`json::Once`]), as the tiles reader refuses it.
fn geometry_value(raw: &RawValue) -> std::result::Result<Value, (String, String)> {
    let bad = |m: String| (raw.get().to_owned(), m);
    if raw.get().starts_with('{') {
        let json::Entries(members) = serde_json::from_str(raw.get())
            .map_err(|e| bad(shown_message(&json::bare_error_message(&e))))?;
        let mut once = json::Once::new(&json::GEOMETRY_MEMBERS);
        if let Some(k) = members.iter().find_map(|(k, _)| once.twice(k)) {
            let twice = json::given_twice("member", k);
            return Err((String::new(), format!("geometry: {twice}")));
        }
        // Each member's value parsed once, from the text already split.
        let mut object = serde_json::Map::with_capacity(members.len());
        for (k, v) in members {
            let v = serde_json::from_str(v.get())
                .map_err(|e| bad(shown_message(&json::bare_error_message(&e))))?;
            object.insert(k, v);
        }
        return Ok(Value::Object(object));
    }
    serde_json::from_str(raw.get()).map_err(|e| bad(shown_message(&json::bare_error_message(&e))))
}

/// Reads rows from GeoJSONSeq.
#[derive(Debug)]
pub struct SeqReader<R: Read> {
    path: PathBuf,
    records: Records<BufReader<R>>,
    columns: Columns,
    values: [String; Field::ALL.len()],
    extra: Vec<u8>,
    keys: FreeKeys,
    /// The record being read (the feature borrows its values from it).
    record: Vec<u8>,
    /// The last feature's geometry is null (or absent).
    unlocated: bool,
    /// Where the last feature's point came from, read back ([`Row::read_back`]).
    read_back: ReadBack,
    /// Points read with a third coordinate (an altitude, which is dropped), and the line
    /// of the first.
    altitudes: u64,
    first_altitude: u64,
    /// The mapped fields (`--columns FIELD=NAME`) whose property some feature has, by
    /// [`Field::index`]: a mapping no feature reads is refused at the end of the file, as
    /// a CSV refuses one its header lacks ([`SeqReader::unread_name`]).
    mapping_read: [bool; Field::ALL.len()],
    /// The numeric properties ([`Columns::numeric`], by position) some feature has: one no
    /// feature has is refused at the end of the file, as a mapping is.
    numeric_read: Vec<bool>,
}

impl SeqReader<crate::read::lines::LineCap<std::fs::File>> {
    /// Open `path`.
    pub fn open(path: &Path, columns: &Columns) -> Result<Self> {
        let file = crate::read::input::open_lines(path)?;
        Ok(SeqReader::new(path, file, columns))
    }
}

/// A field's text from its JSON value: a string trimmed, a number as written (no digit
/// lost), `null` empty; `None` for anything else.
fn text_of(v: &RawValue) -> Option<String> {
    let text = v.get();
    match text.as_bytes().first()? {
        b'"' => serde_json::from_str::<String>(text)
            .ok()
            .map(|s| s.trim().to_owned()),
        b'n' => Some(String::new()),
        b'-' | b'0'..=b'9' => Some(text.to_owned()),
        _ => None,
    }
}

impl<R: Read> SeqReader<R> {
    /// Read `input` (named `path` in messages).
    pub fn new(path: &Path, input: R, columns: &Columns) -> Self {
        SeqReader {
            path: path.to_path_buf(),
            records: Records::new(BufReader::with_capacity(1 << 20, input)),
            columns: columns.clone(),
            values: Default::default(),
            extra: Vec::new(),
            keys: FreeKeys::default(),
            record: Vec::new(),
            unlocated: false,
            read_back: ReadBack::default(),
            altitudes: 0,
            first_altitude: 0,
            mapping_read: [false; Field::ALL.len()],
            numeric_read: vec![false; columns.numeric.len()],
        }
    }

    fn problem(&self, value: &str, message: impl Into<String>) -> Next<'static> {
        Next::Bad(Problem::new(
            &self.path,
            usize::try_from(self.records.line()).ok(),
            value,
            message,
        ))
    }

    /// Fill `values` and `extra` from a parsed feature, or say what is wrong.
    fn take(&mut self, f: Feature<'_>) -> std::result::Result<(), (String, String)> {
        // A name given twice is told first, in the tiles reader's words (no value: the
        // message names it).
        if let Some(name) = f.twice {
            return Err((String::new(), json::given_twice("member", name)));
        }
        let kind = f.kind.unwrap_or_default();
        if kind == "FeatureCollection" {
            // On one line, in a file named as GeoJSONSeq (probe, session 41: told only
            // "expected a GeoJSON Feature", where one over several lines is told how).
            return Err((kind, super::collection_in_seq()));
        }
        if kind != "Feature" {
            return Err((
                kind,
                "expected a GeoJSON Feature (\"type\": \"Feature\")".into(),
            ));
        }
        if let Some(crs) = f.crs {
            let value: Value = serde_json::from_str(crs.get()).map_err(|e| {
                (
                    crs.get().to_owned(),
                    shown_message(&json::bare_error_message(&e)),
                )
            })?;
            if let Some(why) = crs_problem(&value) {
                return Err((crs.get().to_owned(), why));
            }
        }
        for v in &mut self.values {
            v.clear();
        }
        let props = f.properties.unwrap_or_default().0;
        if let Some(k) = json::repeated(&props) {
            return Err((String::new(), json::given_twice("property", k)));
        }
        // The `id` member by the one rule of ids ([`json::id_of`]): null or blank is none,
        // and the id property is read instead, as `drillmap tiles` reads it.
        let member_id = match f.id {
            Some(id) => {
                let id = json::id_of(id)
                    .ok_or_else(|| (id.get().to_owned(), json::BAD_ID.to_owned()))?;
                (!id.is_empty()).then_some(id)
            }
            None => None,
        };
        const FIELDS: [Field; 10] = [
            Field::Id,
            Field::Name,
            Field::StartDate,
            Field::EndDate,
            Field::Place,
            Field::Country,
            Field::DatePrecision,
            Field::Source,
            Field::DateBound,
            Field::Sources,
        ];
        // Each field's property: the mapped name as it is, or a default name in any case,
        // by the one rule CSV headers are read by.
        let mut taken: [Option<usize>; FIELDS.len()] = Default::default();
        {
            let keys: Vec<&str> = props.iter().map(|(k, _)| k.as_str()).collect();
            for field in FIELDS {
                if let Some(n) = self.columns.mapped(field) {
                    self.mapping_read[field.index()] |= keys.contains(&n);
                }
            }
            for (n, read) in self.columns.numeric.iter().zip(&mut self.numeric_read) {
                *read |= keys.contains(&n.as_str());
            }
            for (field, at) in FIELDS.into_iter().zip(&mut taken) {
                if field == Field::Id && member_id.is_some() {
                    // The feature's `id` member is the id; an id property beside it is free.
                    continue;
                }
                *at = match self.columns.mapped(field) {
                    Some(n) => keys.iter().position(|k| *k == n),
                    None => default_column(field, &keys).map_err(|m| (String::new(), m))?,
                };
            }
        }
        // Two fields may name one property (`--columns name=location`, `location` being
        // the place's default), as two may name one CSV column: each reads it, and it is
        // not a free property.
        for (field, at) in FIELDS.into_iter().zip(&taken) {
            let Some((n, v)) = at.and_then(|i| props.get(i)) else {
                continue;
            };
            // drillmap's `sources` (an array of source objects) is read as its JSON text.
            let text = match field {
                Field::Sources if v.get().starts_with(['[', '{']) => Some(v.get().to_owned()),
                Field::Id => json::id_of(v),
                _ => text_of(v),
            };
            self.values[field as usize] = text.ok_or_else(|| {
                (
                    v.get().to_owned(),
                    format!("property {n:?} ({field}) must be a string or a number"),
                )
            })?;
        }
        if let Some(id) = member_id {
            self.values[Field::Id as usize] = id;
        }
        self.unlocated = matches!(f.geometry, Some(None));
        let geometry = match f.geometry {
            Some(Some(raw)) => Some(Some(geometry_value(raw)?)),
            Some(None) => Some(None),
            None => None,
        };
        match &geometry {
            None | Some(None) => {}
            Some(Some(g)) => {
                // GeoJSON 2008 let a geometry carry its own `crs`: checked as a feature's.
                if let Some(why) = g.get("crs").and_then(crs_problem) {
                    return Err((g.to_string(), format!("geometry: {why}")));
                }
                let coords = (g.get("type").and_then(Value::as_str) == Some("Point"))
                    .then(|| g.get("coordinates").and_then(Value::as_array))
                    .flatten()
                    .filter(|c| (2..=3).contains(&c.len()) && c.iter().all(Value::is_number));
                let Some(c) = coords else {
                    return Err((
                        g.to_string(),
                        "geometry must be a Point [lon, lat] or null".into(),
                    ));
                };
                self.values[Field::Lon as usize] = c[0].to_string();
                self.values[Field::Lat as usize] = c[1].to_string();
                // RFC 7946 allows an altitude; drillmap's points are lon, lat: said once.
                if c.len() == 3 {
                    if self.altitudes == 0 {
                        self.first_altitude = self.records.line();
                    }
                    self.altitudes += 1;
                }
            }
        }
        self.extra.clear();
        self.keys.clear();
        self.read_back = ReadBack::default();
        let mut read_back: [String; 2] = Default::default();
        for (i, (k, v)) in props.iter().enumerate() {
            if taken.contains(&Some(i)) {
                continue;
            }
            // A key drillmap derives itself, beside its `src_` twin (in any case: a source's
            // `Admin1` is written `src_Admin1`), is a previous build's derivation (a layer
            // fed back, its source's own value in the twin): it is derived again, so the
            // layer fed back comes out as it went in. Only a key a layer writes among its
            // properties: an `id` or `point_count` beside its twin is a source's own, kept
            // or refused as a CSV's two columns are (probe, session 41: dropped unsaid).
            if is_layer_property(k) && {
                let twin = free_key(k);
                props.iter().any(|(n, _)| n.eq_ignore_ascii_case(&twin))
            } {
                continue;
            }
            let key = self
                .keys
                .take(k, "properties")
                .map_err(|m| (k.clone(), m))?;
            if let Some(i) = [GEOCODER_READ_BACK, POINT_SOURCE_READ_BACK]
                .iter()
                .position(|k| *k == key)
            {
                read_back[i] = serde_json::from_str(v.get()).unwrap_or_default();
            }
            self.extra.push(b',');
            json::push_str(&mut self.extra, key);
            self.extra.push(b':');
            let numeric = self.columns.numeric.iter().any(|n| n == k);
            let text = v.get();
            match text.as_bytes().first() {
                // A numeric property (--numeric, --accumulate) is checked as a CSV cell is.
                Some(b'"') if numeric => {
                    let s = serde_json::from_str::<String>(text).map_err(|e| {
                        (
                            text.to_owned(),
                            shown_message(&json::bare_error_message(&e)),
                        )
                    })?;
                    push_numeric(&mut self.extra, k, &s)?;
                }
                Some(b't' | b'f' | b'[' | b'{') if numeric => {
                    push_numeric(&mut self.extra, k, text)?;
                }
                // Any other value keeps its JSON as written.
                // Within it, by the tiles reader's words: `property "d": member "e" ...`.
                _ => json::push_raw(&mut self.extra, v).map_err(|m| {
                    (
                        text.to_owned(),
                        format!("property {k:?}: {}", shown_message(&m)),
                    )
                })?,
            }
        }
        self.read_back = ReadBack::of(&read_back[0], &read_back[1]);
        Ok(())
    }
}

impl<R: Read> SeqReader<R> {
    /// Once the file is read: the first `--columns FIELD=NAME` whose property no feature
    /// has (a typo, or a CSV's mapping given to GeoJSONSeq), which would leave every
    /// feature without that field, else the first `--numeric`/`--accumulate` property no
    /// feature has, which nothing would be numeric or summed from; a CSV refuses either
    /// at its header ([`Columns::resolve`], [`super::csv::CsvReader::new`]).
    fn unread_name(&self) -> Option<String> {
        let mapped = Field::ALL.into_iter().filter_map(|field| {
            let name = self.columns.mapped(field)?;
            (!self.mapping_read[field.index()]).then(|| (format!("--columns {field}={name}"), name))
        });
        let numeric = self.columns.unread_numeric(&self.numeric_read);
        let (given, name) = mapped.chain(numeric).next()?;
        Some(super::no_feature_has(&given, name))
    }
}

impl<R: Read> EventReader for SeqReader<R> {
    fn notices(&self) -> Vec<String> {
        if self.altitudes == 0 {
            return Vec::new();
        }
        vec![format!(
            "{}:{}: {} with a third coordinate (an altitude): dropped, as drillmap \
             writes points as longitude and latitude",
            self.path.display(),
            self.first_altitude,
            crate::read::lines::counted(self.altitudes, "Point"),
        )]
    }

    fn next_row(&mut self) -> Result<Option<Next<'_>>> {
        let Some(record) = self
            .records
            .next_record()
            .map_err(|e| Error::io(&self.path, e))?
        else {
            return match self.unread_name() {
                Some(message) => Err(Error::Syntax {
                    path: self.path.clone(),
                    line: None,
                    message,
                }),
                None => Ok(None),
            };
        };
        // The feature borrows its values from the record, read apart from the reader.
        let mut text = std::mem::take(&mut self.record);
        text.clear();
        text.extend_from_slice(self.records.get(record));
        let taken = match serde_json::from_slice::<Feature<'_>>(&text) {
            Ok(f) => self.take(f),
            Err(e) => Err((
                String::from_utf8_lossy(&text).trim().to_owned(),
                format!(
                    "not a GeoJSON Feature: {}",
                    shown_message(&json::record_error_message(&e))
                ),
            )),
        };
        self.record = text;
        if let Err((value, message)) = taken {
            return Ok(Some(self.problem(&value, message)));
        }
        let v = &self.values;
        Ok(Some(Next::Row(Row {
            line: self.records.line(),
            id: &v[Field::Id as usize],
            name: &v[Field::Name as usize],
            start_date: &v[Field::StartDate as usize],
            end_date: &v[Field::EndDate as usize],
            place: &v[Field::Place as usize],
            country: &v[Field::Country as usize],
            lat: &v[Field::Lat as usize],
            lon: &v[Field::Lon as usize],
            date_precision: &v[Field::DatePrecision as usize],
            source: &v[Field::Source as usize],
            date_bound: &v[Field::DateBound as usize],
            sources: &v[Field::Sources as usize],
            unlocated: self.unlocated,
            read_back: self.read_back,
            extra: &self.extra,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> Vec<String> {
        let mut r = SeqReader::new(Path::new("t.geojsons"), bytes, &Columns::default());
        let mut out = Vec::new();
        while let Some(n) = r.next_row().unwrap() {
            out.push(match n {
                Next::Row(row) => format!(
                    "{}:{}|{}|{}|{}{}",
                    row.line,
                    row.id,
                    row.place,
                    row.lon,
                    row.lat,
                    String::from_utf8_lossy(row.extra)
                ),
                Next::Bad(p) => p.to_string(),
            });
        }
        out
    }

    #[test]
    fn two_fields_naming_one_property_both_read_it_as_in_csv() {
        // `--columns name=location`: `location` is also the place's default name.
        let columns = Columns::parse("name=location").unwrap();
        let text = r#"{"type":"Feature","id":"a","geometry":null,"properties":{"location":"Termez","x":1}}"#;
        let mut r = SeqReader::new(Path::new("t.geojsons"), text.as_bytes(), &columns);
        let Some(Next::Row(row)) = r.next_row().unwrap() else {
            panic!("a row")
        };
        assert_eq!((row.name, row.place), ("Termez", "Termez"));
        assert_eq!(String::from_utf8_lossy(row.extra), ",\"x\":1");
    }

    /// Probe 6 M1: taking a field's property from the middle swapped the last free one
    /// into its place (`{"name":…,"a","b","c"}` came out `c, a, b`), so a layer fed back
    /// changed at every round. Free properties keep the feature's order, as CSV columns
    /// keep the header's.
    #[test]
    fn free_properties_keep_their_order_when_a_field_is_taken_from_among_them() {
        let text = r#"{"type":"Feature","id":"x","geometry":null,"properties":{"a":"1","name":"Drill","b":"2","place":"Termez","c":"3","d":4}}"#;
        assert_eq!(
            read(text.as_bytes()),
            ["1:x|Termez||,\"a\":\"1\",\"b\":\"2\",\"c\":\"3\",\"d\":4"]
        );
    }

    /// Probe 6 L5: a layer drillmap wrote, fed back: a null geometry says the feature has
    /// no location, `date_bound` and drillmap's `sources` are fields (not `src_` free
    /// properties), and a number keeps its digits (L6).
    #[test]
    fn a_layer_fed_back_gives_its_fields_and_says_when_it_is_unlocated() {
        let text = concat!(
            r#"{"type":"Feature","id":1234567890123456789012,"geometry":null,"properties":{"start_date":"2021-08-16","end_date":null,"date_bound":"on_or_after","sources":[ {"id":"a","publisher":"b","title":""} ],"n":1E2,"x":[1.50, {"y" : 123456789012345678901234567890}]}}"#,
            "\n",
            r#"{"type":"Feature","id":"p","geometry":{"type":"Point","coordinates":[67.5,37.25]},"properties":{"sources":"ACLED"}}"#,
            "\n",
        );
        let mut r = SeqReader::new(
            Path::new("t.geojsons"),
            text.as_bytes(),
            &Columns::default(),
        );
        let Some(Next::Row(row)) = r.next_row().unwrap() else {
            panic!("a row")
        };
        assert_eq!(row.id, "1234567890123456789012");
        assert!(row.unlocated);
        assert_eq!((row.start_date, row.end_date), ("2021-08-16", ""));
        assert_eq!(row.date_bound, "on_or_after");
        assert_eq!(row.sources, r#"[ {"id":"a","publisher":"b","title":""} ]"#);
        assert_eq!(
            String::from_utf8_lossy(row.extra),
            r#","n":1E2,"x":[1.50,{"y":123456789012345678901234567890}]"#
        );
        let Some(Next::Row(row)) = r.next_row().unwrap() else {
            panic!("a row")
        };
        // Not drillmap's form: the builder refuses it, naming it
        // (`read::dataset::sources_of_layer`).
        assert_eq!((row.unlocated, row.sources), (false, "ACLED"));
        // No `geometry` member at all is no GeoJSON Feature: not an unlocated one (with
        // no place either, the builder's "no place and no coordinates").
        let text = "{\"type\":\"Feature\",\"id\":\"g\",\"properties\":{}}\n";
        let mut r = SeqReader::new(
            Path::new("t.geojsons"),
            text.as_bytes(),
            &Columns::default(),
        );
        let Some(Next::Row(row)) = r.next_row().unwrap() else {
            panic!("a row")
        };
        assert!(!row.unlocated);
    }

    /// Probe 6 L3: `{"a":1,"a":2}` kept 2 and dropped 1 without a word.
    #[test]
    fn a_property_given_twice_is_a_bad_row() {
        let text = "{\"type\":\"Feature\",\"id\":\"x\",\"geometry\":null,\"properties\":{\"place\":\"Termez\",\"a\":1,\"a\":2}}\n\
                    {\"type\":\"Feature\",\"id\":\"y\",\"geometry\":null,\"properties\":null}\n";
        let got = read(text.as_bytes());
        assert!(
            got[0].starts_with("t.geojsons:1:") && got[0].contains("property \"a\" appears twice"),
            "{got:?}"
        );
        assert_eq!(got[1], "2:y|||");
        // A Feature's own member given twice is a bad row too, as in the tiles reader.
        let got =
            read(b"{\"type\":\"Feature\",\"geometry\":null,\"geometry\":null,\"properties\":{}}\n");
        assert!(
            got[0] == format!("t.geojsons:1: {}", json::given_twice("member", "geometry")),
            "{got:?}"
        );
        // And a geometry's (the last `coordinates` were read).
        let got = read(b"{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[67,37],\"coordinates\":[68,38]},\"properties\":{}}\n");
        assert_eq!(got.len(), 1);
        assert!(
            got[0].starts_with("t.geojsons:1:")
                && got[0].ends_with(&format!(
                    "geometry: {}",
                    json::given_twice("member", "coordinates")
                )),
            "{got:?}"
        );
        // Within a property's value too, by the same rule.
        let got = read(b"{\"type\":\"Feature\",\"geometry\":null,\"properties\":{\"place\":\"Termez\",\"d\":{\"e\":1,\"e\":2}}}\n");
        assert!(
            got[0].ends_with(&format!(
                "property \"d\": {}",
                json::given_twice("member", "e")
            )),
            "{got:?}"
        );
    }

    /// A legacy `crs` naming another system than longitude/latitude WGS 84 is a bad row,
    /// by the one check of every GeoJSON reader, naming the line and the `crs`; WGS 84's
    /// names and `null` are read.
    #[test]
    fn a_crs_other_than_wgs84_is_a_bad_row() {
        let feature = |crs: &str| {
            format!(
                "{{\"type\":\"Feature\",\"id\":\"a\",\"crs\":{crs},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[67.5,37.25]}},\"properties\":{{}}}}\n"
            )
        };
        let named = |name: &str| format!(r#"{{"type":"name","properties":{{"name":"{name}"}}}}"#);
        for crs in [
            named("urn:ogc:def:crs:OGC:1.3:CRS84"),
            named("EPSG:4326"),
            "null".to_owned(),
        ] {
            assert_eq!(read(feature(&crs).as_bytes()), ["1:a||67.5|37.25"], "{crs}");
        }
        // A geometry's own `crs` likewise.
        let text = r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[67.5,37.25],"crs":{"type":"name","properties":{"name":"EPSG:3857"}}},"properties":{}}"#;
        let got = read(text.as_bytes());
        assert!(
            got[0].starts_with("t.geojsons:1: ")
                && got[0].contains("geometry: the \"crs\" names \"EPSG:3857\""),
            "{got:?}"
        );
        let crs = named("urn:ogc:def:crs:EPSG::3857");
        let got = read(format!("\n{}", feature(&crs)).as_bytes());
        assert!(
            got[0].starts_with("t.geojsons:2: ")
                && got[0].contains("urn:ogc:def:crs:EPSG::3857")
                && got[0].contains("not longitude/latitude WGS 84"),
            "{got:?}"
        );
    }

    #[test]
    fn reads_plain_and_rs_separated_records() {
        let f1 = r#"{"type":"Feature","id":"a","geometry":null,"properties":{"place":"Termez","troops":300}}"#;
        let f2 = r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[67.5,37.25]},"properties":{"id":7,"n":null}}"#;
        let plain = format!("{f1}\n\n{f2}\n");
        let rs = format!("\u{1e}{f1}\n\u{1e}{f2}\n");
        let two_on_a_line = format!("\u{1e}{f1}\u{1e}{f2}\n");
        let want = [
            "1:a|Termez||,\"troops\":300".to_owned(),
            "3:7||67.5|37.25,\"n\":null".to_owned(),
        ];
        assert_eq!(read(plain.as_bytes()), want);
        let mut rs_want = want.clone();
        rs_want[1] = rs_want[1].replacen("3:", "2:", 1);
        assert_eq!(read(rs.as_bytes()), rs_want);
        let mut one_line = want.clone();
        one_line[1] = one_line[1].replacen("3:", "1:", 1);
        assert_eq!(read(two_on_a_line.as_bytes()), one_line);
    }

    /// Reviewer finding: GeoJSONSeq property names were matched as written while CSV
    /// headers are matched in any case (`Place`, `EVENT_DATE`). One rule now serves both,
    /// two spellings of one name included.
    #[test]
    fn property_names_match_in_any_case_as_csv_headers_do() {
        let text = "{\"type\":\"Feature\",\"geometry\":null,\"properties\":{\"ID\":\"a\",\"Place\":\"Termez\",\"Notes\":1}}\n\
                    {\"type\":\"Feature\",\"geometry\":null,\"properties\":{\"id\":\"b\",\"Place\":\"x\",\"place\":\"y\"}}\n";
        let got = read(text.as_bytes());
        assert_eq!(got[0], "1:a|Termez||,\"Notes\":1");
        assert!(
            got[1].starts_with("t.geojsons:2: \"Place\" and \"place\" differ only in case"),
            "{got:?}"
        );
        // A mapped name is taken as it is written, as a mapped CSV column is.
        let columns = Columns::parse("place=Place").unwrap();
        let mut r = SeqReader::new(Path::new("t.geojsons"), text.as_bytes(), &columns);
        r.next_row().unwrap();
        match r.next_row().unwrap() {
            Some(Next::Row(row)) => {
                assert_eq!((row.place, row.extra), ("x", &b",\"place\":\"y\""[..]));
            }
            other => panic!("{other:?}"),
        }
    }

    /// A `--numeric`/`--accumulate` name no feature has (a typo) was accepted, and nothing
    /// was numeric; once the file is read it is refused, as a CSV header refuses it.
    #[test]
    fn a_numeric_property_no_feature_has_is_refused_once_the_file_is_read() {
        let columns = Columns {
            numeric: vec!["troops".into(), "troop".into()],
            accumulated: vec!["troop".into()],
            ..Columns::default()
        };
        let text =
            "{\"type\":\"Feature\",\"id\":\"a\",\"geometry\":null,\"properties\":{\"troops\":1}}\n\
                    {\"type\":\"Feature\",\"id\":\"b\",\"geometry\":null,\"properties\":{}}\n";
        let mut r = SeqReader::new(Path::new("e.geojsonl"), text.as_bytes(), &columns);
        assert!(matches!(r.next_row(), Ok(Some(Next::Row(_)))));
        assert!(matches!(r.next_row(), Ok(Some(Next::Row(_)))));
        let err = r.next_row().map(|_| ()).unwrap_err().to_string();
        assert_eq!(
            err,
            "e.geojsonl: --accumulate troop: no feature has a property \"troop\" (a name \
             given is matched as written); nothing was read from it"
        );
    }

    #[test]
    fn a_numeric_property_that_is_not_a_finite_number_is_a_problem_at_its_line() {
        let columns = Columns {
            numeric: vec!["troops".into()],
            ..Columns::default()
        };
        let text = "{\"type\":\"Feature\",\"id\":\"a\",\"geometry\":null,\"properties\":{\"troops\":\"12\"}}\n\
                    {\"type\":\"Feature\",\"id\":\"b\",\"geometry\":null,\"properties\":{\"troops\":\"many\"}}\n";
        let mut r = SeqReader::new(Path::new("e.geojsonl"), text.as_bytes(), &columns);
        match r.next_row().unwrap() {
            Some(Next::Row(row)) => assert_eq!(row.extra, b",\"troops\":12"),
            other => panic!("{other:?}"),
        }
        match r.next_row().unwrap() {
            Some(Next::Bad(p)) => {
                assert_eq!((p.line, p.value.as_str()), (Some(2), "many"), "{p}");
                assert!(p.message.contains("troops is numeric"), "{p}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_records_are_problems_at_their_line() {
        let text = "{\"type\":\"Feature\",\"properties\":{\"id\":\"a\"}}\nnot json\n{\"type\":\"Point\"}\n\
                    {\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[]}}\n";
        let got = read(text.as_bytes());
        assert!(got[0].starts_with("1:a"));
        assert!(
            got[1].starts_with("t.geojsons:2: \"not json\": not a GeoJSON Feature"),
            "{got:?}"
        );
        assert!(
            got[2].starts_with("t.geojsons:3: \"Point\": expected a GeoJSON Feature"),
            "{got:?}"
        );
        assert!(got[3].contains("geometry must be a Point"), "{got:?}");
    }

    #[test]
    fn a_derived_key_beside_its_src_twin_is_derived_again_not_written_twice() {
        // Probe 5 H2: `admin1` (written as `src_admin1`) beside `src_admin1` gave a feature
        // with the key twice. In a layer fed back, `admin1` is drillmap's own derivation
        // and `src_admin1` the source's value: the first is derived again, the second kept.
        // A CSV holds no derivation: the same two columns are refused.
        let text = "{\"type\":\"Feature\",\"id\":\"a\",\"geometry\":null,\"properties\":{\"admin1\":\"X\",\"src_admin1\":\"KZ-99\"}}\n\
                    {\"type\":\"Feature\",\"id\":\"b\",\"geometry\":null,\"properties\":{\"admin1\":\"Y\"}}\n";
        let got = read(text.as_bytes());
        assert_eq!(
            got,
            [
                "1:a|||,\"src_admin1\":\"KZ-99\"",
                "2:b|||,\"src_admin1\":\"Y\"",
            ],
        );
        let csv = crate::bulk::csv::CsvReader::new(
            Path::new("t.csv"),
            "id,place,admin1,src_admin1\n".as_bytes(),
            &Columns::default(),
        )
        .unwrap_err();
        assert_eq!(
            csv.to_string(),
            "t.csv:1: \"src_admin1\": columns \"admin1\" and \"src_admin1\" would both be written as property \"src_admin1\""
        );
    }

    #[test]
    fn an_id_property_beside_the_feature_id_is_kept_as_src_id() {
        // Probe 5 L11: the id property was taken as the id, then replaced by the member.
        let text = r#"{"type":"Feature","id":"g8","geometry":null,"properties":{"id":"other","place":"Termez"}}
{"type":"Feature","geometry":null,"properties":{"id":"p9"}}
"#;
        assert_eq!(
            read(text.as_bytes()),
            ["1:g8|Termez||,\"src_id\":\"other\"", "2:p9|||"]
        );
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_never_panic(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
        ) {
            let mut r = SeqReader::new(Path::new("t.geojsons"), bytes.as_slice(), &Columns::default());
            let mut n = 0;
            while let Ok(Some(_)) = r.next_row() {
                n += 1;
                proptest::prop_assert!(n <= bytes.len() + 1);
            }
        }

        #[test]
        fn features_with_any_properties_never_panic(
            id in "[ -~]{0,12}",
            lon in proptest::prelude::any::<f64>(),
            key in "[a-z_]{1,8}",
            text in ".{0,20}",
        ) {
            let f = serde_json::json!({
                "type": "Feature", "id": id,
                "geometry": {"type": "Point", "coordinates": [if lon.is_finite() { lon } else { 0.0 }, 1.5]},
                "properties": {key: text, "place": text},
            });
            let line = format!("\u{1e}{f}\n");
            let mut r = SeqReader::new(Path::new("t.geojsons"), line.as_bytes(), &Columns::default());
            let got = r.next_row();
            proptest::prop_assert!(matches!(got, Ok(Some(_))));
        }
    }
}
