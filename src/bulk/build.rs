//! The bulk build: rows in, one sorted point layer out, every distinct place geocoded once.
//!
//! Each row is checked (id, dates, coordinates or place), then formatted straight into the
//! bytes of its feature from pieces made once: the location properties and geometry of each
//! distinct (place, country hint), and the date properties of each distinct (start, end).
//! Rows with their own lat/lon keep them (`"geocoder": "source_coordinates"`) and get their
//! border distance from the [`BorderIndex`]. Features go to the [`Sink`], which sorts them by
//! id. Bad rows are counted and listed; they are written to `<layer>.errors.csv` when
//! skipped.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::border::BorderIndex;
use super::csv::CsvReader;
use super::seq::SeqReader;
use super::sort::{Sink, FEATURE_PREFIX};
use super::{push_json_str, EventReader, Format, Next, Options, Row, LISTED_PROBLEMS};
use crate::country;
use crate::date::{DatePrecision, DateSpan, ReportedDate};
use crate::derive::round6;
use crate::derive::swap::SwapRule;
use crate::error::{Error, Problem, Result};
use crate::model::{Place, PlaceKind, Precision};
use crate::pipeline;
use crate::read::places;
use crate::resolve::index::GeonamesIndex;
use crate::resolve::{self, Filter, Gazetteer, Geocoder, MatchKind};
use crate::write::atomic::Streaming;
use crate::write::geojson::Coordinate;

/// Longest id accepted, bytes.
pub const MAX_ID: usize = 200;
/// Distinct date pairs remembered, at most.
const DATE_MEMO_MAX: usize = 1 << 16;

/// What a bulk build did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The GeoJSON layer.
    pub geojson: PathBuf,
    /// The GeoJSONSeq layer, when asked for.
    pub seq: Option<PathBuf>,
    /// Rows read (good and bad).
    pub rows: u64,
    /// Features written.
    pub features: u64,
    /// Distinct (place, country hint) pairs geocoded.
    pub places: usize,
    /// Rows located by their own coordinates.
    pub source_coordinates: u64,
    /// Bad rows (each skipped, or the reason nothing was written).
    pub bad_rows: u64,
    /// The first [`LISTED_PROBLEMS`] problems.
    pub listed: Vec<Problem>,
    /// Whether the layer was written (false: too many bad rows, nothing written).
    pub written: bool,
    /// Where every skipped row is listed, when rows were skipped.
    pub errors_file: Option<PathBuf>,
    /// The `--max-errors` the run had.
    pub max_errors: usize,
}

/// Build the layer `opts` describes. Returns `Ok` with `written == false` when there are
/// more bad rows than `opts.max_errors`; an `Err` when a file cannot be read or written or
/// the gazetteer has problems.
pub fn build(opts: &Options) -> Result<Report> {
    opts.validate()?;
    let (table, problems) = places::read(&opts.data.join(pipeline::PLACES))?;
    if !problems.is_empty() {
        return Err(Error::Data(problems));
    }
    let gazetteer = Gazetteer::new(table);
    // A GeoNames table with an on-disk index (the full dump) is asked per distinct place;
    // a small one without an index is read whole.
    let geonames = match pipeline::open_geonames_index(&opts.data, &gazetteer)? {
        Some(index) => Geonames::Index(index),
        None => match pipeline::load_geonames(&opts.data, &gazetteer)? {
            Some(table) => Geonames::Table(table),
            None => Geonames::None,
        },
    };
    let (border, boundaries, _) = pipeline::read_border(&opts.data)?;
    let mut builder = Builder::new(
        &opts.events,
        &gazetteer,
        &geonames,
        BorderIndex::new(&border),
    );
    builder.swap = Some(SwapRule::new(&boundaries));
    match opts.format {
        Format::Csv => run(
            &mut CsvReader::open(&opts.events, &opts.columns)?,
            builder,
            opts,
        ),
        Format::GeoJsonSeq => run(
            &mut SeqReader::open(&opts.events, &opts.columns)?,
            builder,
            opts,
        ),
    }
}

/// Bad rows: the first few kept for the report, all of them streamed to the errors file.
struct Problems {
    count: u64,
    listed: Vec<Problem>,
    file: Option<Streaming>,
    path: PathBuf,
    keep_file: bool,
}

impl Problems {
    fn add(&mut self, p: Problem) -> Result<()> {
        self.count += 1;
        if self.keep_file {
            if self.file.is_none() {
                let mut f = Streaming::create(&self.path)?;
                f.writer()
                    .write_all(b"line,value,problem\n")
                    .map_err(|e| Error::io(&self.path, e))?;
                self.file = Some(f);
            }
            if let Some(f) = &mut self.file {
                let line = p.line.map(|l| l.to_string()).unwrap_or_default();
                let text = format!("{line},{},{}\n", csv_quote(&p.value), csv_quote(&p.message));
                f.writer()
                    .write_all(text.as_bytes())
                    .map_err(|e| Error::io(&self.path, e))?;
            }
        }
        if self.listed.len() < LISTED_PROBLEMS {
            self.listed.push(p);
        }
        Ok(())
    }
}

fn csv_quote(s: &str) -> String {
    let s = crate::write::cell::neutralise(s);
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn run<R: EventReader>(reader: &mut R, mut b: Builder<'_>, opts: &Options) -> Result<Report> {
    let seq_path = opts.seq.then(|| opts.seq_path());
    let mut sink = Some(Sink::new(
        &opts.events,
        &opts.layer,
        &opts.geojson_path(),
        seq_path.as_deref(),
        opts.sort_buffer,
    )?);
    let mut problems = Problems {
        count: 0,
        listed: Vec::new(),
        file: None,
        path: opts.errors_path(),
        keep_file: opts.max_errors > 0,
    };
    let mut rows = 0u64;
    let mut source_coordinates = 0u64;
    while let Some(next) = reader.next_row()? {
        rows += 1;
        let row = match next {
            Next::Row(row) => row,
            Next::Bad(p) => {
                problems.add(p)?;
                continue;
            }
        };
        match b.feature(&row) {
            Ok((point, own)) => {
                source_coordinates += u64::from(own);
                if let Some(s) = &mut sink {
                    if let Some(p) = s.push_parts(row.id, row.line, point, &b.parts(row.extra))? {
                        problems.add(p)?;
                    }
                }
            }
            Err(p) => problems.add(p)?,
        }
        if problems.count > opts.max_errors as u64 {
            // The run fails: no errors file. Reading goes on to count and list every bad
            // row, repeated ids included (found when the sorted runs merge).
            problems.file = None;
            problems.keep_file = false;
        }
    }
    let mut report = Report {
        geojson: opts.geojson_path(),
        seq: seq_path,
        rows,
        features: 0,
        places: b.memo.len(),
        source_coordinates,
        bad_rows: 0,
        listed: Vec::new(),
        written: false,
        errors_file: None,
        max_errors: opts.max_errors,
    };
    let finished = match sink {
        Some(mut s) => {
            if b.used_geonames {
                s.attribution = crate::derive::features::GEONAMES_ATTRIBUTION.to_owned();
            }
            Some(s.finish()?)
        }
        None => None,
    };
    let mut staged = Vec::new();
    if let Some(f) = finished {
        for p in f.problems {
            problems.add(p)?;
        }
        report.features = f.features;
        staged = f.staged;
    }
    report.bad_rows = problems.count;
    report.listed = std::mem::take(&mut problems.listed);
    if staged.is_empty() || problems.count > opts.max_errors as u64 {
        return Ok(report); // dropping the staged files removes them
    }
    match problems.file.take() {
        Some(f) => {
            staged.push(f.finish()?);
            report.errors_file = Some(problems.path.clone());
        }
        None => match std::fs::remove_file(&problems.path) {
            // A stale list from an earlier run would mislead.
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&problems.path, e)),
        },
    }
    for s in staged {
        s.commit()?;
    }
    report.written = true;
    Ok(report)
}

/// The location properties of a resolved place, in the order hand-kept features have them.
#[derive(Debug, Serialize)]
struct Location<'a> {
    place_id: &'a str,
    place_name: &'a str,
    place_kind: PlaceKind,
    place_country: &'a str,
    admin1: Option<&'a str>,
    geo_precision: Precision,
    acled_geo_precision: u8,
    uncertainty_km: f64,
    point_note: Option<&'a str>,
    geocoder: &'a str,
    geocode_match: MatchKind,
    geocode_score: f64,
    afghan_border_km: f64,
    nearest_border: &'a str,
}

/// The same keys for a row with its own coordinates, up to the border distance.
const SOURCE_LOCATION: &str = "\"place_id\":null,\"place_name\":null,\"place_kind\":null,\"place_country\":null,\"admin1\":null,\"geo_precision\":null,\"acled_geo_precision\":null,\"uncertainty_km\":null,\"point_note\":null,\"geocoder\":\"source_coordinates\",\"geocode_match\":null,\"geocode_score\":null,\"afghan_border_km\":";

/// A resolved place, ready to paste into features.
#[derive(Debug, Clone)]
struct Located {
    geometry: Vec<u8>,
    location: Vec<u8>,
    point: [f64; 2],
}

/// km to 0.01 (10 m), as hand-kept features have it.
fn round_km(km: f64) -> f64 {
    (km * 100.0).round() / 100.0
}

fn point_geometry(out: &mut Vec<u8>, [lon, lat]: [f64; 2]) {
    out.extend_from_slice(b"{\"type\":\"Point\",\"coordinates\":[");
    out.extend_from_slice(Coordinate::new(lon).as_str().as_bytes());
    out.push(b',');
    out.extend_from_slice(Coordinate::new(lat).as_str().as_bytes());
    out.extend_from_slice(b"]}");
}

fn precision_word(p: DatePrecision) -> &'static str {
    match p {
        DatePrecision::Day => "day",
        DatePrecision::Month => "month",
        DatePrecision::Year => "year",
        DatePrecision::Unknown => "unknown",
    }
}

/// The country a hint names: an alpha-2 code (any case) or an English short name.
pub fn country_hint(hint: &str) -> Option<&'static str> {
    let upper = hint.trim().to_ascii_uppercase();
    country::by_alpha2(&upper)
        .or_else(|| {
            country::COUNTRIES
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(hint.trim()))
        })
        .map(|c| c.alpha2)
}

/// Check a coordinate pair as written in a row; the rounded [lon, lat] or what is wrong.
pub fn coordinates(lat: &str, lon: &str) -> std::result::Result<[f64; 2], (String, String)> {
    let num = |s: &str, what: &str| -> std::result::Result<f64, (String, String)> {
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ if s.is_empty() => Err((
                String::new(),
                format!("{what} is empty but the other coordinate is given"),
            )),
            _ => Err((s.to_owned(), format!("{what} is not a number"))),
        }
    };
    let (y, x) = (num(lat, "lat")?, num(lon, "lon")?);
    if !(-90.0..=90.0).contains(&y) {
        return Err((lat.to_owned(), "lat out of range (-90..90)".into()));
    }
    if !(-180.0..=180.0).contains(&x) {
        return Err((lon.to_owned(), "lon out of range (-180..180)".into()));
    }
    Ok([round6(x), round6(y)])
}

fn swap_problem(lat: &str, lon: &str, hint: Option<&str>) -> (String, String) {
    let place = hint.map_or("on land".to_owned(), |cc| format!("in {cc}"));
    (
        format!("{lat},{lon}"),
        format!("lat and lon look swapped: as given the point is not {place}, swapped it is"),
    )
}

/// Check an id: non-empty, at most [`MAX_ID`] bytes, no quotes, backslashes or control
/// characters (it is written verbatim and sorted on).
pub fn check_id(id: &str) -> std::result::Result<(), &'static str> {
    if id.is_empty() {
        Err("missing id")
    } else if id.len() > MAX_ID {
        Err("id longer than 200 bytes")
    } else if id
        .bytes()
        .any(|b| b == b'"' || b == b'\\' || b < 0x20 || b == 0x7f)
    {
        Err("id must not contain quotes, backslashes or control characters")
    } else {
        Ok(())
    }
}

/// The date properties' JSON text, or (whether the start is at fault, what is wrong).
type DateProps = std::result::Result<Vec<u8>, (bool, String)>;

/// The GeoNames table behind the gazetteer, as the bulk build reaches it.
enum Geonames {
    None,
    Table(Gazetteer),
    Index(GeonamesIndex),
}

struct Builder<'g> {
    events: PathBuf,
    gazetteer: &'g Gazetteer,
    geonames: &'g Geonames,
    /// Whether any place came from the GeoNames table (the layer then attributes it).
    used_geonames: bool,
    index: BorderIndex<'g>,
    memo: HashMap<Box<[u8]>, std::result::Result<u32, String>>,
    located: Vec<Located>,
    dates: HashMap<Box<[u8]>, DateProps>,
    key: Vec<u8>,
    date_props: Vec<u8>,
    own_location: Vec<u8>,
    own_geometry: Vec<u8>,
    /// The last feature's head (up to its geometry), and its properties up to the location.
    head: Vec<u8>,
    middle: Vec<u8>,
    /// The last feature's place in `located`, or `None` for its own coordinates.
    place_index: Option<usize>,
    /// The check for swapped lat/lon (none in unit tests without boundaries).
    swap: Option<SwapRule<'g>>,
}

impl<'g> Builder<'g> {
    fn new(
        events: &Path,
        gazetteer: &'g Gazetteer,
        geonames: &'g Geonames,
        index: BorderIndex<'g>,
    ) -> Self {
        Builder {
            events: events.to_path_buf(),
            gazetteer,
            geonames,
            used_geonames: false,
            index,
            memo: HashMap::new(),
            located: Vec::new(),
            dates: HashMap::new(),
            key: Vec::new(),
            date_props: Vec::new(),
            own_location: Vec::new(),
            own_geometry: Vec::new(),
            head: Vec::with_capacity(256),
            middle: Vec::with_capacity(512),
            place_index: None,
            swap: None,
        }
    }

    fn problem(&self, row: &Row<'_>, value: &str, message: impl Into<String>) -> Problem {
        Problem::new(
            &self.events,
            usize::try_from(row.line).ok(),
            super::csv::excerpt(value, 80),
            message,
        )
    }

    /// Geocode `place` within the hint's country.
    fn locate(&mut self, place: &str, hint: &str) -> std::result::Result<Located, String> {
        let country = if hint.is_empty() {
            ""
        } else {
            country_hint(hint).ok_or_else(|| {
                format!("country {hint:?} is neither an ISO 3166-1 alpha-2 code nor a country name")
            })?
        };
        // With an index, only the rows this name can match are made into a table: the
        // answer is the one the whole table would give (see `GeonamesIndex::places_for`).
        let subset;
        let secondary = match self.geonames {
            Geonames::None => None,
            Geonames::Table(t) => Some(t),
            Geonames::Index(ix) => {
                let places = ix.places_for([place]).map_err(|e| e.to_string())?;
                subset = Gazetteer::named("geonames", resolve::geocoder::ALTERNATE_NAME, places);
                Some(&subset)
            }
        };
        let r = Geocoder::new(self.gazetteer, secondary).lookup(place, &Filter::country(country));
        let best = r.best().ok_or_else(|| resolve::explain(&r, country))?;
        self.used_geonames |= best.table == "geonames";
        let p: &Place = best.place;
        let d = self.index.distance(round6(p.lon), round6(p.lat));
        let loc = Location {
            place_id: &p.id,
            place_name: &p.name,
            place_kind: p.kind,
            place_country: &p.country,
            admin1: (!p.admin1.is_empty()).then_some(p.admin1.as_str()),
            geo_precision: p.precision,
            acled_geo_precision: p.precision.acled_code(),
            uncertainty_km: p.uncertainty_km,
            point_note: (!p.point_note.is_empty()).then_some(p.point_note.as_str()),
            geocoder: best.table,
            geocode_match: best.how,
            geocode_score: best.score,
            afghan_border_km: round_km(d.km),
            nearest_border: d.segment,
        };
        let text = serde_json::to_vec(&loc).map_err(|e| e.to_string())?;
        let location = text
            .get(1..text.len().saturating_sub(1))
            .unwrap_or_default()
            .to_vec();
        let point = [round6(p.lon), round6(p.lat)];
        let mut geometry = Vec::new();
        point_geometry(&mut geometry, point);
        Ok(Located {
            geometry,
            location,
            point,
        })
    }

    /// Check the row's dates and put their properties in `self.date_props` (memoised per
    /// (start, end)).
    fn dates(&mut self, row: &Row<'_>) -> std::result::Result<(), Problem> {
        self.key.clear();
        self.key.extend_from_slice(row.start_date.as_bytes());
        self.key.push(0x1f);
        self.key.extend_from_slice(row.end_date.as_bytes());
        if let Some(Ok(t)) = self.dates.get(self.key.as_slice()) {
            self.date_props.clear();
            self.date_props.extend_from_slice(t);
            return Ok(());
        }
        if !self.dates.contains_key(self.key.as_slice()) {
            let parse = |s: &str| {
                if s.is_empty() {
                    Ok(None)
                } else {
                    ReportedDate::parse(s).map(Some)
                }
            };
            let value = match (parse(row.start_date), parse(row.end_date)) {
                (Err(e), _) => Err((true, format!("start_date: {e}"))),
                (_, Err(e)) => Err((false, format!("end_date: {e}"))),
                (Ok(s), Ok(e)) => match DateSpan::new(s, e) {
                    None => Err((false, "end_date is before start_date".to_owned())),
                    Some(span) => {
                        let day = |d: Option<crate::date::Day>| {
                            d.map_or("null".to_owned(), |d| format!("\"{d}\""))
                        };
                        Ok(format!(
                            ",\"start_date\":{},\"end_date\":{},\"date_precision\":\"{}\"",
                            day(span.start),
                            day(span.end),
                            precision_word(span.precision)
                        )
                        .into_bytes())
                    }
                },
            };
            if self.dates.len() >= DATE_MEMO_MAX {
                self.dates.clear();
            }
            self.dates
                .insert(self.key.clone().into_boxed_slice(), value);
        }
        self.date_props.clear();
        match self.dates.get(self.key.as_slice()) {
            Some(Ok(t)) => {
                self.date_props.extend_from_slice(t);
                Ok(())
            }
            Some(Err((start, m))) => {
                let v = if *start { row.start_date } else { row.end_date };
                Err(self.problem(row, v, m.clone()))
            }
            None => Ok(()),
        }
    }

    /// The index of the row's place in `located`, geocoding it on first sight.
    fn place(&mut self, row: &Row<'_>) -> std::result::Result<usize, Problem> {
        if row.place.is_empty() {
            return Err(self.problem(row, "", "no place and no coordinates"));
        }
        self.key.clear();
        self.key.extend_from_slice(row.place.as_bytes());
        self.key.push(0x1f);
        self.key.extend_from_slice(row.country.as_bytes());
        let found = match self.memo.get(self.key.as_slice()) {
            Some(r) => r.clone(),
            None => {
                let key = self.key.clone().into_boxed_slice();
                let r = self.locate(row.place, row.country).and_then(|l| {
                    let i = u32::try_from(self.located.len()).map_err(|e| e.to_string())?;
                    self.located.push(l);
                    Ok(i)
                });
                self.memo.insert(key, r.clone());
                r
            }
        };
        found
            .map(|i| i as usize)
            .map_err(|m| self.problem(row, row.place, m))
    }

    /// Check `row` and format its feature (see [`Builder::parts`]); its rounded point and
    /// whether it has its own coordinates, or the row's problem.
    fn feature(&mut self, row: &Row<'_>) -> std::result::Result<([f64; 2], bool), Problem> {
        check_id(row.id).map_err(|m| self.problem(row, row.id, m))?;
        if let Some(m) = crate::read::lines::control_character(row.name) {
            return Err(self.problem(row, row.name, format!("name {m}")));
        }
        self.dates(row)?;
        let own = !row.lat.is_empty() || !row.lon.is_empty();
        let (point, place) = if own {
            let point = coordinates(row.lat, row.lon).map_err(|(v, m)| self.problem(row, &v, m))?;
            let hint = country_hint(row.country);
            if self
                .swap
                .as_mut()
                .is_some_and(|s| s.suspect(point[0], point[1], hint))
            {
                let (value, message) = swap_problem(row.lat, row.lon, hint);
                return Err(self.problem(row, &value, message));
            }
            let d = self.index.distance(point[0], point[1]);
            self.own_location.clear();
            self.own_location
                .extend_from_slice(SOURCE_LOCATION.as_bytes());
            self.own_location
                .extend_from_slice(Coordinate::new(round_km(d.km)).as_str().as_bytes());
            self.own_location.extend_from_slice(b",\"nearest_border\":");
            push_json_str(&mut self.own_location, d.segment);
            self.own_geometry.clear();
            point_geometry(&mut self.own_geometry, point);
            (point, None)
        } else {
            let i = self.place(row)?;
            (self.located[i].point, Some(i))
        };
        self.place_index = place;
        let f = &mut self.head;
        f.clear();
        f.extend_from_slice(FEATURE_PREFIX);
        f.extend_from_slice(row.id.as_bytes());
        f.extend_from_slice(b"\",\"geometry\":");
        let m = &mut self.middle;
        m.clear();
        m.extend_from_slice(b",\"properties\":{\"name\":");
        push_str_or_null(m, row.name);
        m.extend_from_slice(&self.date_props);
        m.extend_from_slice(b",\"place_as_reported\":");
        push_str_or_null(m, row.place);
        m.extend_from_slice(b",\"country_hint\":");
        push_str_or_null(m, row.country);
        m.push(b',');
        Ok((point, own))
    }

    /// The last feature's text, in pieces (the memoised ones are not copied): the head,
    /// the geometry, the properties up to the location, the location, `extra`, the end.
    fn parts<'a>(&'a self, extra: &'a [u8]) -> [&'a [u8]; 6] {
        let (geometry, location) = match self.place_index.and_then(|i| self.located.get(i)) {
            Some(l) => (&l.geometry, &l.location),
            None => (&self.own_geometry, &self.own_location),
        };
        [&self.head, geometry, &self.middle, location, extra, b"}}"]
    }
}

fn push_str_or_null(out: &mut Vec<u8>, s: &str) {
    if s.is_empty() {
        out.extend_from_slice(b"null");
    } else {
        push_json_str(out, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_checked() {
        assert_eq!(coordinates("37.2", "67.3"), Ok([67.3, 37.2]));
        assert_eq!(coordinates("-0.0000001", "0").unwrap()[1].to_string(), "0");
        assert!(coordinates("91", "67")
            .unwrap_err()
            .1
            .contains("lat out of range"));
        assert!(coordinates("37", "-181")
            .unwrap_err()
            .1
            .contains("lon out of range"));
        assert!(coordinates("x", "67")
            .unwrap_err()
            .1
            .contains("not a number"));
        assert!(coordinates("NaN", "67")
            .unwrap_err()
            .1
            .contains("not a number"));
        assert!(coordinates("inf", "67")
            .unwrap_err()
            .1
            .contains("not a number"));
        assert!(coordinates("", "67").unwrap_err().1.contains("empty"));
        // Swaps are the boundaries' to judge (derive::swap), not a box's.
        assert_eq!(
            coordinates("56.28923", "42.92005"),
            Ok([42.92005, 56.28923])
        );
    }

    #[test]
    fn ids_are_checked() {
        assert!(check_id("TJK123").is_ok());
        assert!(check_id("").is_err());
        assert!(check_id("a\"b").is_err());
        assert!(check_id("a\\b").is_err());
        assert!(check_id(&"x".repeat(201)).is_err());
    }

    #[test]
    fn country_hints_take_codes_and_names() {
        assert_eq!(country_hint("tj"), Some("TJ"));
        assert_eq!(country_hint("Tajikistan"), Some("TJ"));
        assert_eq!(country_hint("Atlantis"), None);
    }
}
