//! Bulk event input: ACLED-style CSV or GeoJSONSeq exports, tens of thousands to millions
//! of rows, each naming a place. Only what is specific to that input lives here:
//!
//! - [`csv`] and [`seq`] read one row at a time into a borrowed [`Row`] (no per-row
//!   allocation for CSV), mapping columns by the documented names or a [`Columns`] mapping;
//! - a row that cannot be read (a wrong number of columns, bad UTF-8 or JSON) is a
//!   [`Problem`] at its line.
//!
//! Everything after reading is the one pipeline every layer takes:
//! [`crate::pipeline::bulk`] runs it, [`crate::derive::event`] derives each row's feature
//! (its location properties through [`crate::derive::location`]), and
//! [`crate::write::sort`] and [`crate::write::sink`] write it.

pub mod chunk;
pub mod csv;
pub mod seq;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::error::{Error, Problem, Result};
use crate::model::properties::ReadBack;

/// The input format of an events file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV with a header row.
    Csv,
    /// Newline-delimited GeoJSON Features (RFC 8142 record separators accepted).
    GeoJsonSeq,
}

/// How to make a GeoJSONSeq file of a FeatureCollection: what the refusal of one says.
pub const ONE_PER_LINE: &str =
    "write its features one per line (`jq -c '.features[]'`, `ogr2ogr -f GeoJSONSeq`)";

/// What is said of a FeatureCollection where a Feature was expected.
pub const COLLECTION_NOT_FEATURE: &str = "a FeatureCollection, not a Feature";

/// What a GeoJSONSeq reader says of a FeatureCollection written on one of its lines.
pub fn collection_in_seq() -> String {
    format!("{COLLECTION_NOT_FEATURE}: GeoJSONSeq is one GeoJSON Feature per line; {ONE_PER_LINE}")
}

impl Format {
    /// The format a file name says: `.csv` is CSV; `.geojsons`, `.geojsonl`, `.geojsonseq`,
    /// `.ndjson`, `.jsonl` are GeoJSONSeq; `None` for any other name.
    pub fn from_path(path: &Path) -> Option<Format> {
        match extension(path).as_str() {
            "csv" => Some(Format::Csv),
            "geojsons" | "geojsonl" | "geojsonseq" | "ndjson" | "jsonl" => Some(Format::GeoJsonSeq),
            _ => None,
        }
    }

    /// The format of the events file `path`: by its name ([`Format::from_path`]), else by
    /// its first bytes: a `{` (or RS) first is GeoJSONSeq, anything else CSV. A JSON
    /// document (a `.geojson` or `.json` name, a `[` first, a first JSON value whose `type`
    /// is `FeatureCollection` or that has `features`) is refused with an error naming the
    /// formats `--events` reads.
    pub fn of_file(path: &Path) -> Result<Format> {
        let not_read = |what: &str| Error::Syntax {
            path: path.to_path_buf(),
            line: None,
            message: format!(
                "{what}: build --events reads CSV or GeoJSONSeq (one GeoJSON Feature per line: \
                 .geojsons, .geojsonl, .ndjson), not a FeatureCollection; {ONE_PER_LINE}, or \
                 give --format"
            ),
        };
        if matches!(extension(path).as_str(), "geojson" | "json") {
            return Err(not_read("a JSON file (by its name)"));
        }
        if let Some(format) = Format::from_path(path) {
            return Ok(format);
        }
        match Sniffed::of_file(path)? {
            Sniffed::JsonArray => Err(not_read("a JSON array")),
            Sniffed::FeatureCollection => Err(not_read("a GeoJSON FeatureCollection")),
            Sniffed::GeoJsonSeq => Ok(Format::GeoJsonSeq),
            Sniffed::Csv => Ok(Format::Csv),
        }
    }
}

/// What a file's first bytes say it holds (after a byte order mark and white space).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// A `[`: a JSON array.
    JsonArray,
    /// A `{` (or RS) whose object is a FeatureCollection ([`is_feature_collection`]).
    FeatureCollection,
    /// A `{` (or RS) whose object is anything else: a Feature, a line of GeoJSONSeq.
    GeoJsonSeq,
    /// Anything else: CSV (an empty file too).
    Csv,
}

impl Sniffed {
    /// What the first [`SNIFFED`] bytes of the file `path` hold: the one rule by which
    /// `build --events` and `tiles` tell a file whose name does not say its format.
    pub fn of_file(path: &Path) -> Result<Sniffed> {
        let mut head = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(crate::read::input::open(path)?, SNIFFED),
            &mut head,
        )
        .map_err(|e| Error::io(path, e))?;
        let text = head.strip_prefix(crate::read::lines::BOM).unwrap_or(&head);
        let start = text.iter().position(|b| !b.is_ascii_whitespace());
        Ok(match start.map(|i| (text[i], &text[i..])) {
            Some((b'[', _)) => Sniffed::JsonArray,
            Some((b'{' | 0x1E, first)) if is_feature_collection(first) => {
                Sniffed::FeatureCollection
            }
            Some((b'{' | 0x1E, _)) => Sniffed::GeoJsonSeq,
            _ => Sniffed::Csv,
        })
    }
}

/// Whether the first JSON value of `text` (after any RS) is a GeoJSON FeatureCollection:
/// an object whose `type` member is `"FeatureCollection"`, or that has a `features`
/// member (a Feature has none), as far as `text` goes: a document cut off after its
/// opening members is still told. Only the members of that first object are read, so the
/// word inside a property value, or on a later line, does not count.
fn is_feature_collection(text: &[u8]) -> bool {
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

    /// Reads the members of one object, noting a FeatureCollection's members in `.0`.
    struct Members<'s>(&'s mut bool);

    impl<'de> Visitor<'de> for Members<'_> {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "type" => {
                        *self.0 = map.next_value::<String>()? == "FeatureCollection";
                        break;
                    }
                    "features" => {
                        *self.0 = true;
                        break;
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(())
        }
    }

    impl<'de> DeserializeSeed<'de> for Members<'_> {
        type Value = ();

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }

    let first = text.strip_prefix(b"\x1e").unwrap_or(text);
    let mut found = false;
    // The value is read only until its verdict: what follows it (the rest of a cut-off
    // document, the next record) is not the question, so the outcome is not either.
    let _ = Members(&mut found).deserialize(&mut serde_json::Deserializer::from_slice(first));
    found
}

/// Bytes of an events file read to tell its format when its name does not.
const SNIFFED: u64 = 64 << 10;

/// A file name's extension, in lower case (empty when none).
fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "csv" => Ok(Format::Csv),
            "geojsonseq" | "geojsons" | "geojsonl" | "seq" => Ok(Format::GeoJsonSeq),
            _ => Err(format!("unknown format {s:?} (expected csv or geojsonseq)")),
        }
    }
}

/// The fields drillmap reads from a row; every other column is a free property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// Unique id of the event site (required).
    Id,
    /// Event name or title.
    Name,
    /// Start date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    StartDate,
    /// End date; empty means the start's period.
    EndDate,
    /// The place as reported, to geocode.
    Place,
    /// Country hint: ISO alpha-2 or the country's English name.
    Country,
    /// Latitude, when the source has coordinates.
    Lat,
    /// Longitude, when the source has coordinates.
    Lon,
    /// The precision of the dates (`day`, `month`, `year`, `unknown`), as layers write it
    /// beside full-day dates: read back, a layer's dates keep their precision.
    DatePrecision,
    /// The row's sources (publishers or addresses, `;`-separated).
    Source,
    /// What the dates bound (`period`, `on_or_after`), as layers write it: with
    /// `on_or_after`, the row is known only to lie on or after its start (no end).
    DateBound,
    /// The sources in drillmap's own form (a JSON array of source objects, as a layer
    /// writes them): a layer fed back keeps its features' sources.
    Sources,
}

impl Field {
    /// Every field, in output order.
    pub const ALL: [Field; 12] = [
        Field::Id,
        Field::Name,
        Field::StartDate,
        Field::EndDate,
        Field::Place,
        Field::Country,
        Field::Lat,
        Field::Lon,
        Field::DatePrecision,
        Field::Source,
        Field::DateBound,
        Field::Sources,
    ];

    /// The field's name in `--columns` (and its default column name).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Name => "name",
            Field::StartDate => "start_date",
            Field::EndDate => "end_date",
            Field::Place => "place",
            Field::Country => "country",
            Field::Lat => "lat",
            Field::Lon => "lon",
            Field::DatePrecision => "date_precision",
            Field::Source => "source",
            Field::DateBound => "date_bound",
            Field::Sources => "sources",
        }
    }

    /// Column names recognised without a mapping, first match wins (ACLED's in second place).
    pub fn default_columns(self) -> &'static [&'static str] {
        match self {
            Field::Id => &["id", "event_id_cnty", "event_id"],
            Field::Name => &["name", "title"],
            Field::StartDate => &["start_date", "event_date", "date"],
            Field::EndDate => &["end_date"],
            Field::Place => &["place", "location"],
            Field::Country => &["country", "country_code", "iso2", "country_hint"],
            Field::Lat => &["lat", "latitude"],
            Field::Lon => &["lon", "longitude", "lng"],
            Field::DatePrecision => &["date_precision"],
            Field::Source => &["source", "source_url", "SOURCEURL"],
            Field::DateBound => &["date_bound"],
            Field::Sources => &["sources"],
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which column (or GeoJSONSeq property) holds each field, and which free columns are
/// numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    mapped: [Option<String>; Field::ALL.len()],
    /// Free columns written as JSON numbers (an empty cell is `null`); all others are strings.
    pub numeric: Vec<String>,
    /// Those of [`Columns::numeric`] given to `--accumulate` (summed into clusters), so a
    /// message names the flag that was given.
    pub accumulated: Vec<String>,
    /// Reading points to tile (`drillmap tiles`), not events to geocode: the lat/lon
    /// columns are required and the id column is optional.
    pub points: bool,
    /// A [`Columns::numeric`] column a CSV's header lacks is not refused there: one of
    /// several inputs tiled together (`drillmap tiles A.csv B.csv --accumulate N`) need not
    /// have every input's columns; the caller refuses one that no input has
    /// ([`csv::CsvReader::numeric_present`]).
    pub numeric_optional: bool,
}

impl Columns {
    /// Parse `FIELD=COLUMN,...` (e.g. `place=location,lat=latitude,id=event_id_cnty`).
    pub fn parse(spec: &str) -> std::result::Result<Columns, String> {
        let mut c = Columns::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, column) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?}: expected FIELD=COLUMN"))?;
            let field = Field::ALL
                .into_iter()
                .find(|f| f.as_str() == field.trim())
                .ok_or_else(|| {
                    let names: Vec<&str> = Field::ALL.iter().map(|f| f.as_str()).collect();
                    format!(
                        "{part:?}: unknown field {:?} (expected one of {})",
                        field.trim(),
                        names.join(", ")
                    )
                })?;
            let column = column.trim();
            if column.is_empty() {
                return Err(format!("{part:?}: empty column name"));
            }
            if c.mapped[field.index()].is_some() {
                return Err(format!("{part:?}: field {field} mapped twice"));
            }
            c.mapped[field.index()] = Some(column.to_owned());
        }
        // One column cannot be both coordinates (probe, session 26: `lat=lat,lon=lat` put
        // every point on the diagonal without a word).
        if let (Some(lat), Some(lon)) = (c.mapped(Field::Lat), c.mapped(Field::Lon)) {
            if lat == lon {
                return Err(format!(
                    "lat and lon are both mapped to column {lat:?}: they are two columns"
                ));
            }
        }
        Ok(c)
    }

    /// The explicit mapping of `field`, if any.
    pub fn mapped(&self, field: Field) -> Option<&str> {
        self.mapped[field.index()].as_deref()
    }

    /// The field a column or property named `name` is read as, in any file: the field
    /// mapped to it, or the field one of whose default names it is (in any case, as
    /// [`Columns::resolve`] matches them) when that field is not mapped elsewhere.
    pub fn field_named(&self, name: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|&field| match self.mapped(field) {
                Some(mapped) => mapped == name,
                None => field.default_columns().iter().any(|d| match field {
                    Field::Sources => *d == name,
                    _ => d.eq_ignore_ascii_case(name),
                }),
            })
    }

    /// The `--numeric`/`--accumulate` properties no feature of a GeoJSON or GeoJSONSeq
    /// file has (`read`: by [`Columns::numeric`]'s order, whether some feature has it), each
    /// as its flag was given and its name, for [`no_feature_has`]: nothing would be
    /// numeric or summed from them (a CSV refuses such a column at its header).
    pub fn unread_numeric<'a>(
        &'a self,
        read: &'a [bool],
    ) -> impl Iterator<Item = (String, &'a str)> + 'a {
        self.numeric
            .iter()
            .zip(read)
            .filter(|(_, read)| !**read)
            .map(|(name, _)| (format!("{} {name}", self.numeric_flag(name)), name.as_str()))
    }

    /// The flag that made the column `name` numeric, as messages name it.
    fn numeric_flag(&self, name: &str) -> &'static str {
        if self.accumulated.iter().any(|a| a == name) {
            "--accumulate"
        } else {
            "--numeric"
        }
    }

    /// Refuse, as a usage error (exit 2), a numeric column (`--numeric`, `--accumulate`)
    /// that `input` reads as a field (`read_as`, by the columns its reader reads): it is
    /// read as that field, never written or summed as a number. `line` is where the names
    /// were read (a CSV's header), if anywhere. The one check of both flags, in `drillmap
    /// tiles` and `build --events`, beside the clusters' own keys
    /// ([`crate::write::tiles::TileOptions::validate`]).
    pub fn check_numeric(
        &self,
        input: &Path,
        line: Option<u64>,
        read_as: impl Fn(&str) -> Option<Field>,
    ) -> Result<()> {
        for column in &self.numeric {
            if let Some(field) = read_as(column) {
                let at = line.map(|l| format!(":{l}")).unwrap_or_default();
                return Err(Error::Usage(format!(
                    "{} {column}: {}{at}: {column:?} is read as the {field} field, not a \
                     free column or property; name a numeric column of your own",
                    self.numeric_flag(column),
                    input.display()
                )));
            }
        }
        Ok(())
    }

    /// [`Columns::check_numeric`] before a GeoJSON or GeoJSONSeq `input` is read, whose
    /// features may each name their fields differently: a property is a field's by its name
    /// ([`Columns::field_named`]), but for lat and lon, which a feature's geometry gives,
    /// never a property. A CSV is checked at its header, against the columns it gives each
    /// field ([`csv::CsvReader::new`]: `latitude` beside the `lat` read is a free column).
    pub fn check_numeric_properties(&self, input: &Path) -> Result<()> {
        self.check_numeric(input, None, |name| {
            self.field_named(name)
                .filter(|f| !matches!(f, Field::Lat | Field::Lon))
        })
    }

    /// For each field, the index in `header` of its column: the mapped name (an error when
    /// missing), or else the first default name present, in any case (`Lat`, `LATITUDE`);
    /// two columns spelling that name in different cases are an error.
    pub fn resolve(
        &self,
        header: &[&str],
    ) -> std::result::Result<[Option<usize>; Field::ALL.len()], String> {
        let mut out = [None; Field::ALL.len()];
        for field in Field::ALL {
            out[field.index()] = match self.mapped(field) {
                Some(name) => Some(header.iter().position(|h| *h == name).ok_or_else(|| {
                    format!("--columns {field}={name}: no column {name:?} in the header")
                })?),
                None => default_column(field, header)?,
            };
        }
        // One coordinate column found: say which, and which other was looked for (probe,
        // session 42: `LAT,LONG` was told "map both or neither", though nothing was mapped).
        let (lat, lon) = (out[Field::Lat.index()], out[Field::Lon.index()]);
        // One column read as both, one by its mapping and the other by its name (probe,
        // session 44: `--columns lat=lon` put every point at (lon, lon) without a word).
        if let Some(i) = lat.filter(|_| lat == lon) {
            let (by_name, mapped) = match self.mapped(Field::Lat) {
                Some(_) => (Field::Lon, Field::Lat),
                None => (Field::Lat, Field::Lon),
            };
            return Err(format!(
                "--columns {mapped}={name}: column {name:?} is also the {by_name} column by its \
                 name, and one column cannot be both coordinates; map {by_name} to its own \
                 column with --columns {by_name}=COLUMN",
                name = header[i]
            ));
        }
        let lone = match (lat, lon) {
            (Some(i), None) => Some((i, Field::Lon)),
            (None, Some(i)) => Some((i, Field::Lat)),
            _ => None,
        };
        if let Some((found, missing)) = lone {
            return Err(format!(
                "column {:?} is a coordinate, but no {missing} column goes with it (looked for \
                 {}); map both with --columns lat=COLUMN,lon=COLUMN",
                header[found],
                missing.default_columns().join(", ")
            ));
        }
        if self.points {
            if lat.is_none() || lon.is_none() {
                return Err(format!(
                    "no coordinate columns (looked for {} and {}); map them with --columns \
                     lat=COLUMN,lon=COLUMN",
                    Field::Lat.default_columns().join(", "),
                    Field::Lon.default_columns().join(", ")
                ));
            }
            return Ok(out);
        }
        if out[Field::Id.index()].is_none() {
            return Err(format!(
                "no id column (looked for {}); map one with --columns id=COLUMN",
                Field::Id.default_columns().join(", ")
            ));
        }
        if out[Field::Place.index()].is_none() && lat.is_none() && lon.is_none() {
            return Err(format!(
                "neither a place column nor coordinate columns (looked for {}; {}; {}); map \
                 them with --columns place=COLUMN or --columns lat=COLUMN,lon=COLUMN",
                Field::Place.default_columns().join(", "),
                Field::Lat.default_columns().join(", "),
                Field::Lon.default_columns().join(", ")
            ));
        }
        Ok(out)
    }
}

/// Why a name given (`--columns FIELD=NAME`, `--numeric NAME`, `--accumulate NAME`) is
/// refused once a GeoJSON or GeoJSONSeq file is read with no feature having that property.
pub fn no_feature_has(given: &str, name: &str) -> String {
    format!(
        "{given}: no feature has a property {name:?} (a name given is matched as written); \
         nothing was read from it"
    )
}

/// The index in `header` of the first of `field`'s default column names present, in any
/// case; two columns spelling it in different cases are an error naming both. The one rule
/// for CSV headers and GeoJSONSeq property names.
fn default_column(field: Field, header: &[&str]) -> std::result::Result<Option<usize>, String> {
    for name in field.default_columns() {
        // drillmap's own `sources` is matched as drillmap writes it: a `Sources` column is
        // another source's, a free property (`src_Sources`).
        let found = if field == Field::Sources {
            header.iter().position(|h| *h == *name)
        } else {
            crate::read::table::column_in_any_case(header, name, &field.to_string())
                .map_err(|m| format!("{m}, or choose one with --columns {field}=COLUMN"))?
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// One row as read: the fields as text (empty when absent), and the free properties as a
/// ready JSON fragment (`,"key":value` repeated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row<'a> {
    /// 1-based line where the row starts.
    pub line: u64,
    /// Event site id.
    pub id: &'a str,
    /// Name or title.
    pub name: &'a str,
    /// Start date text.
    pub start_date: &'a str,
    /// End date text.
    pub end_date: &'a str,
    /// Place as reported.
    pub place: &'a str,
    /// Country hint.
    pub country: &'a str,
    /// Latitude text.
    pub lat: &'a str,
    /// Longitude text.
    pub lon: &'a str,
    /// Date precision text.
    pub date_precision: &'a str,
    /// Sources text.
    pub source: &'a str,
    /// Date bound text.
    pub date_bound: &'a str,
    /// Sources in drillmap's form: JSON text of an array of source objects (or empty).
    pub sources: &'a str,
    /// The source says the row has no location (a GeoJSON feature whose geometry is
    /// null): with no place and no coordinates it is an unlocated feature, not a bad row.
    pub unlocated: bool,
    /// Where the row's point came from when it is a layer drillmap wrote, fed back: its
    /// `geocoder` and `point_source` (`src_geocoder`, `point_source`, the free keys
    /// they are read under) say whether drillmap took it from its own place tables (not
    /// the source's own number, so not held to the swap and containment checks) and what
    /// it owes ([`ReadBack`]).
    pub read_back: ReadBack,
    /// Free properties, JSON text starting with `,` (or empty).
    pub extra: &'a [u8],
}

impl<'a> Row<'a> {
    /// The date cells, in the order [`crate::date::DateCell::of`] reads them.
    pub fn date_cells(&self) -> [&'a str; 4] {
        [
            self.start_date,
            self.end_date,
            self.date_precision,
            self.date_bound,
        ]
    }
}

/// What a reader yields: a row, or a problem with a row that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum Next<'a> {
    /// A readable row (its values are checked later).
    Row(Row<'a>),
    /// A row that could not be read (wrong column count, bad UTF-8, bad JSON).
    Bad(Problem),
}

/// A reader of event rows.
pub trait EventReader {
    /// The next row; `Ok(None)` at the end. An `Err` stops the run (the file cannot be read).
    fn next_row(&mut self) -> Result<Option<Next<'_>>>;

    /// What the rows read so far lost without being bad rows, for the user to hear of (a
    /// GeoJSONSeq Point's altitude).
    fn notices(&self) -> Vec<String> {
        Vec::new()
    }

    /// Empty `chunk` and put the next rows in it (see [`Chunk::fill`]): whether the input
    /// goes on, and the error that stopped it after the rows in the chunk. Read a file
    /// either this way or by [`EventReader::next_row`], not both.
    fn fill(&mut self, chunk: &mut chunk::Chunk) -> (bool, Option<crate::error::Error>) {
        chunk.clear();
        chunk.fill(|c| {
            Ok(match self.next_row()? {
                Some(next) => {
                    c.push(next);
                    true
                }
                None => false,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_parse_and_resolve() {
        let c = Columns::parse("place=location, lat=latitude,lon=longitude").unwrap();
        assert_eq!(c.mapped(Field::Place), Some("location"));
        let header = [
            "event_id_cnty",
            "event_date",
            "location",
            "latitude",
            "longitude",
        ];
        let idx = c.resolve(&header).unwrap();
        assert_eq!(idx[Field::Id.index()], Some(0));
        assert_eq!(idx[Field::StartDate.index()], Some(1));
        assert_eq!(idx[Field::Place.index()], Some(2));
        assert_eq!(idx[Field::Lat.index()], Some(3));
        assert_eq!(idx[Field::Name.index()], None);
    }

    #[test]
    fn column_mapping_errors_say_what_is_wrong() {
        assert!(Columns::parse("where=location")
            .unwrap_err()
            .contains("unknown field"));
        assert!(Columns::parse("place")
            .unwrap_err()
            .contains("FIELD=COLUMN"));
        assert!(Columns::parse("place=a,place=b")
            .unwrap_err()
            .contains("twice"));
        assert!(Columns::parse("lat=y,lon=y")
            .unwrap_err()
            .contains("lat and lon are both mapped to column \"y\""));
        assert!(Columns::parse("lat=y,lon=x").is_ok());
        // Probe, session 44: `lat=lon` read the lon column as both coordinates, lon by its
        // name; it is refused, naming the mapping and the field read by name.
        for (spec, header, by_name) in [
            ("lat=lon", ["id", "lat", "lon"], "lon"),
            ("lon=lat", ["id", "lat", "lon"], "lat"),
            ("lat=longitude", ["id", "x", "longitude"], "lon"),
        ] {
            let e = Columns::parse(spec).unwrap().resolve(&header).unwrap_err();
            assert!(
                e.starts_with(&format!("--columns {spec}: column ")),
                "{spec}: {e}"
            );
            assert!(
                e.contains(&format!("is also the {by_name} column by its name")),
                "{spec}: {e}"
            );
        }
        let c = Columns::parse("place=nowhere").unwrap();
        assert!(c.resolve(&["id", "place"]).unwrap_err().contains("nowhere"));
        assert!(Columns::default()
            .resolve(&["place"])
            .unwrap_err()
            .contains("no id"));
        // Probe, session 42: one coordinate column was "map both or neither", though none
        // was mapped; `LONG` goes with `LAT`; with no coordinate, the mapping is named.
        let e = Columns::default()
            .resolve(&["id", "LAT", "LONG"])
            .unwrap_err();
        assert!(
            e.contains("column \"LAT\" is a coordinate, but no lon column goes with it (looked for lon, longitude, lng)"),
            "{e}"
        );
        let e = Columns::default().resolve(&["id", "x", "y"]).unwrap_err();
        assert!(e.contains("--columns lat=COLUMN,lon=COLUMN"), "{e}");
        let points = Columns {
            points: true,
            ..Columns::default()
        };
        assert!(points.resolve(&["lat", "lon"]).is_ok());
        // `tiles` is told the same of a lone coordinate column (review, session 42).
        let e = points.resolve(&["id", "LAT", "LONG"]).unwrap_err();
        assert!(
            e.contains("column \"LAT\" is a coordinate, but no lon column"),
            "{e}"
        );
        assert!(points
            .resolve(&["id", "place", "name"])
            .unwrap_err()
            .contains("no coordinate columns"));
    }

    #[test]
    fn default_column_names_match_in_any_case_but_not_twice() {
        let idx = Columns::default()
            .resolve(&["ID", "Place", "Event_Date", "LATITUDE", "Lng", "Notes"])
            .unwrap();
        assert_eq!(idx[Field::Id.index()], Some(0));
        assert_eq!(idx[Field::Place.index()], Some(1));
        assert_eq!(idx[Field::StartDate.index()], Some(2));
        assert_eq!(idx[Field::Lat.index()], Some(3));
        assert_eq!(idx[Field::Lon.index()], Some(4));
        let e = Columns::default()
            .resolve(&["id", "place", "Lat", "lon", "lat"])
            .unwrap_err();
        assert!(e.contains("\"Lat\" and \"lat\" differ only in case"), "{e}");
        // Chosen by a mapping, the other spelling is a free column.
        let c = Columns::parse("lat=lat").unwrap();
        assert_eq!(
            c.resolve(&["id", "place", "Lat", "lon", "lat"]).unwrap()[Field::Lat.index()],
            Some(4)
        );
    }

    /// Reviewer finding: a GeoJSONSeq file was refused as a FeatureCollection when the word
    /// stood anywhere in its first 64 KiB, a property value included. The first value's own
    /// members decide.
    #[test]
    fn a_feature_collection_is_told_by_its_members_not_by_the_word() {
        let feature = |place: &str| {
            format!(
                r#"{{"type":"Feature","id":"a","geometry":null,"properties":{{"place":"{place}","kind":"FeatureCollection"}}}}"#
            )
        };
        for seq in [
            format!("{}\n{}\n", feature("Termiz"), feature("Kulob")),
            format!("\u{1e}{}\n", feature("Termiz")),
            r#"{"properties":{"type":"FeatureCollection","features":[]},"type":"Feature"}"#
                .to_owned(),
        ] {
            assert!(!is_feature_collection(seq.as_bytes()), "{seq}");
        }
        for fc in [
            r#"{"type":"FeatureCollection","features":[]}"#,
            "{\n  \"name\": \"x\",\n  \"type\": \"FeatureCollection\",\n  \"features\": [",
            // Keys sorted, cut off inside the features: no type yet, but `features`.
            r#"{"bbox":[1,2,3,4],"features":[{"type":"Feature","geometry":nu"#,
            "\u{1e}{\"type\":\"FeatureCollection\"",
        ] {
            assert!(is_feature_collection(fc.as_bytes()), "{fc}");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events");
        std::fs::write(&path, format!("{}\n", feature("Termiz"))).unwrap();
        assert_eq!(Format::of_file(&path).unwrap(), Format::GeoJsonSeq);
    }

    #[test]
    fn format_from_path_and_name() {
        assert_eq!(
            Format::from_path(Path::new("x.geojsons")),
            Some(Format::GeoJsonSeq)
        );
        assert_eq!(Format::from_path(Path::new("x.CSV")), Some(Format::Csv));
        assert_eq!(Format::from_path(Path::new("x.txt")), None);
        assert_eq!("csv".parse::<Format>(), Ok(Format::Csv));
        assert!("xml".parse::<Format>().is_err());
    }
}
