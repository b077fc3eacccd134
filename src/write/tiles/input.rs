//! Layers read from files for `drillmap tiles`: a GeoJSON FeatureCollection (drillmap's own
//! layers, a bulk build's events file), GeoJSONSeq (one feature per line, as a bulk build
//! writes or tippecanoe reads) or a CSV with coordinate columns.
//!
//! The format is chosen by extension, as [`Format::from_path`] says for `build --events`
//! (`.geojsonl`, `.geojsons`, `.geojsonseq`, `.ndjson` and `.jsonl` are GeoJSONSeq, `.csv`
//! is CSV); `.geojson` and `.json` are a FeatureCollection; any other name is told by its
//! first bytes, as `build --events` tells one ([`format_of`]). The
//! layer is named after the collection's `name` member, else the file stem. A feature's id
//! is its GeoJSON `id`, else its id property (`--columns id=NAME`, else `id`,
//! `event_id_cnty` or `event_id` in any case, as `build --events` reads it), else its
//! 1-based position in the file after a space, which no given id has ([`numbered_id`]), each
//! read by the one rule of ids ([`json::id_of`]: a string trimmed, a number; null or blank
//! is none; any other value is refused, as `build --events` refuses it). A feature's
//! `end_date` before its `start_date` is refused, by the rule of a row's dates
//! ([`DateSpan::new`]); a coarser start or a lone end is tiled as given. A CSV is read by the bulk reader ([`crate::bulk::csv`]), its
//! columns found by the same names or `--columns` mapping as `drillmap bulk`'s: it needs lat
//! and lon columns; an id column gives the ids; the name, place and country columns
//! are properties under those names, the dates are checked and written as `build
//! --events` writes them ([`DateSpan::of_cells`]: `start_date`, `end_date` as full days,
//! `date_precision`, `date_bound`); every other column is a property under the name bulk
//! writes it as, a number when the cell is written as that number is printed (`4`, `2.5`;
//! `004`, `+4`, `1.50` stay text: `typed`); empty cells are left out. A bad row or
//! feature is an error naming the file and line: positions are checked by the one range
//! check of coordinates ([`out_of_range`]), a LineString needs two positions
//! and a Polygon's ring four (RFC 7946), so nothing given is dropped unsaid; a
//! `--accumulate` column ([`Columns::numeric`]) is checked as `build --events` checks it
//! ([`push_numeric`]: absent or null is not summed, anything but a finite number is an error).
//! GeoJSON is read as RFC 7946 means it, else refused naming the line and the value: a
//! legacy `crs` (of the collection, a feature or a geometry) naming anything but longitude/latitude
//! WGS 84 ([`crs_problem`]), a name given twice in one object (a collection's member, a
//! feature's, a geometry's, a property, a member within a property's value:
//! [`json::given_twice`], the bulk reader's rule). A property named `""` is tiled under
//! that key (MVT 2.1 sets no rule on a key's text; tippecanoe reads such keys).
//!
//! Features are read straight from the text into a reused [`RawFeature`], properties
//! encoded as they are read (no JSON values built, keys copied into reused buffers): the
//! one reader of GeoJSON features, also of the layer `build --events` tiles.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// What a member drillmap does not use is read into: parsed and checked in full (UTF-8,
/// escapes, numbers), not skipped unchecked as `serde::de::IgnoredAny` would, so a file
/// that is not valid JSON is refused whatever member the fault is in.
type Skipped = serde_json::Value;

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde_json::{Map, Value as Json};

use super::ahead::{Ahead, Parsed};
use super::mvt;
use super::prepare::{EncodedProperties, KIND_NUMBER};
use super::{LayerBuilder, SortSpill};
use crate::bulk::csv::{push_numeric, CsvReader};
use crate::bulk::{no_feature_has, Columns, EventReader, Field, Format, Next, Sniffed};
use crate::date::{self, DateError, DateSpan, ReportedDate, SpanError};
use crate::derive::event::{coordinates, out_of_range};
use crate::error::{Error, Result};
use crate::json::{self, KeySeed};
use crate::model::properties::Dates;
use crate::read::collection::{crs_problem, Fault, Piece, Pieces};
use crate::read::input;
use crate::read::seq::Records;

/// Read one file straight into a [`LayerBuilder`], feature by feature: the file is never
/// held whole, in text or as parsed features (prepared features spill as `spill` says). Tile
/// ids hash the layer's name, so a FeatureCollection whose `name` comes after its features
/// is read a second time. A FeatureCollection's or GeoJSONSeq's features are parsed on
/// `threads` threads ([`ahead`]; 1: on this one) and pushed in file order: the layer is the
/// same for any number. Marks in `given` which of [`Columns::numeric`] (`--accumulate`)
/// some feature has: one no input has is refused by the caller, which reads them all
/// ([`unread_numeric`]).
pub fn read_built(
    path: &Path,
    (columns, given): (&Columns, &mut [bool]),
    spill: Option<&SortSpill>,
    threads: usize,
) -> Result<LayerBuilder> {
    let mut known: Option<String> = None;
    loop {
        let mut layer: Option<LayerBuilder> = None;
        let read = (columns, &mut *given);
        let (found, attribution) = read_features(path, read, threads, |so_far, f| {
            let name = known.as_deref().unwrap_or(so_far);
            layer
                .get_or_insert_with(|| {
                    let mut b = LayerBuilder::create(name, "", spill);
                    b.set_source(path);
                    b
                })
                .push_encoded_at(f.line, &f.id, f.geometry.as_ref(), &f.properties)
        })?;
        let mut layer = layer.unwrap_or_else(|| {
            let mut b = LayerBuilder::create(&found, "", spill);
            b.set_source(path);
            b
        });
        if layer.name() == found || known.is_some() {
            // The collection's `attribution` member (drillmap's layers credit their data
            // there), wherever it is in the file.
            layer.set_attribution(&attribution);
            return Ok(layer);
        }
        known = Some(found);
    }
}

/// Hand every feature of the file to `each` with the layer's name as known so far, in
/// file order; returns the layer's name and attribution (a FeatureCollection's
/// `attribution` member; empty for other formats). Marks in `given` which of
/// [`Columns::numeric`] some feature has (a CSV: its header).
fn read_features(
    path: &Path,
    (columns, given): (&Columns, &mut [bool]),
    threads: usize,
    mut each: impl FnMut(&str, &RawFeature) -> Result<()>,
) -> Result<(String, String)> {
    // No thread besides this one with `threads` 1.
    let workers = if threads > 1 { threads } else { 0 };
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("layer")
        .to_string();
    // A GeoJSON feature says which it has; a CSV's header says it once.
    let mut tally = |name: &str, f: &RawFeature| {
        for (given, has) in given.iter_mut().zip(&f.numeric_given) {
            *given |= *has;
        }
        each(name, f)
    };
    Ok(match format_of(path)? {
        Some(Format::GeoJsonSeq) => {
            let file = input::open_lines(path)?;
            read_seq(
                path,
                BufReader::with_capacity(1 << 20, file),
                (workers, columns),
                |f| tally(&stem, f),
            )?;
            (stem, String::new())
        }
        Some(Format::Csv) => {
            let read = (columns, &mut *given);
            read_csv(path, input::open_csv(path)?, read, |f| each(&stem, f))?;
            (stem, String::new())
        }
        None => {
            let mut file = BufReader::with_capacity(1 << 20, input::open(path)?);
            // A byte order mark, as the line-by-line readers skip it (probe 7 L8).
            crate::read::lines::skip_bom(&mut file).map_err(|e| Error::io(path, e))?;
            read_collection(path, file, stem, (workers, columns), tally)?
        }
    })
}

/// The format of the input `path`: by its name ([`Format::from_path`]); a `.geojson` or
/// `.json` name, or one whose first bytes are a FeatureCollection, is `None`, a
/// FeatureCollection; any other name by its first bytes, by the rule `build --events`
/// tells such a file by ([`Sniffed`]): a CSV or GeoJSONSeq named `.txt` was read as a
/// FeatureCollection, "not JSON" (probe, session 42).
fn format_of(path: &Path) -> Result<Option<Format>> {
    if let Some(format) = Format::from_path(path) {
        return Ok(Some(format));
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext.eq_ignore_ascii_case("geojson") || ext.eq_ignore_ascii_case("json") {
        return Ok(None);
    }
    match Sniffed::of_file(path)? {
        Sniffed::FeatureCollection => Ok(None),
        Sniffed::GeoJsonSeq => Ok(Some(Format::GeoJsonSeq)),
        Sniffed::Csv => Ok(Some(Format::Csv)),
        Sniffed::JsonArray => Err(syntax(
            path,
            None,
            "a JSON array: tiles reads a GeoJSON FeatureCollection, GeoJSONSeq (one Feature \
             per line) or CSV",
        )),
    }
}

fn syntax(path: &Path, line: Option<usize>, message: impl Into<String>) -> Error {
    Error::Syntax {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

/// A FeatureCollection read one feature at a time, split into the text of each feature
/// and of each other member ([`Pieces`]; only the largest piece is held), each parsed by
/// serde_json's slice reader: features by [`RawFeature::read_slice`], as GeoJSONSeq's.
/// Its `name` (and `attribution`) may come before or after its features.
fn read_collection(
    path: &Path,
    input: impl Read,
    stem: String,
    (workers, columns): (usize, &Columns),
    mut each: impl FnMut(&str, &RawFeature) -> Result<()>,
) -> Result<(String, String)> {
    let mut pieces = Pieces::new(input);
    let mut name: Option<String> = None;
    let mut attribution: Option<String> = None;
    let mut n = 0;
    let not_json = |(line, message): (usize, String)| {
        // More after the document: a file of one Feature per line, named as GeoJSON
        // (review, session 42: "trailing characters" alone).
        let hint = match message.starts_with("trailing characters") {
            true => {
                "; a GeoJSON file holds one value: one Feature per line is GeoJSONSeq, \
                 named .geojsons (or .geojsonl, .ndjson)"
            }
            false => "",
        };
        syntax(path, Some(line), format!("not JSON: {message}{hint}"))
    };
    std::thread::scope(|scope| {
        // Each feature's text goes with its position and its piece.
        let mut ahead = Ahead::start(scope, workers, columns, |(_, p): &(usize, Piece)| {
            Some(p.line)
        });
        // Hand `each` the features parsed so far (with `all`, every one added), in file
        // order, under the name known when they were added; the first fault is the error.
        let mut take = |ahead: &mut Ahead<(usize, Piece)>, name: &Option<String>, all| {
            while let Some(next) = ahead.next(all)? {
                match next {
                    Parsed::Feature((_, piece), feature) => {
                        each(name.as_deref().unwrap_or(&stem), feature).map_err(|mut e| {
                            if let Error::Syntax {
                                line: line @ None, ..
                            } = &mut e
                            {
                                *line = Some(piece.line);
                            }
                            e
                        })?;
                    }
                    Parsed::Fault((n, piece), (e, within)) => {
                        return Err(match e {
                            FeatureError::Json(e) => not_json(piece.located(&e)),
                            FeatureError::Feature(m) => syntax(
                                path,
                                Some(piece.line + within.map_or(0, |l| l.saturating_sub(1))),
                                format!("feature {n}: {m}"),
                            ),
                        })
                    }
                }
            }
            Ok(())
        };
        loop {
            let piece = match pieces.next_piece() {
                Ok(Some(piece)) => piece,
                Ok(None) => break,
                Err(fault) => {
                    // The features before the fault first: theirs comes first.
                    take(&mut ahead, &name, true)?;
                    return Err(match fault {
                        Fault::Io(e) => Error::io(path, e),
                        Fault::NotJson { line, message } => not_json((line, message)),
                        Fault::NotACollection { line } => {
                            syntax(path, Some(line), NOT_A_COLLECTION)
                        }
                        Fault::Repeated { key, line } => {
                            syntax(path, Some(line), json::given_twice("member", &key))
                        }
                        Fault::TooLarge { line, limit } => syntax(
                            path,
                            Some(line),
                            format!(
                                "a value of more than {} MiB from this line on, unended: \
                                 refused (a feature is read whole)",
                                limit >> 20
                            ),
                        ),
                    });
                }
            };
            let text = pieces.get(&piece);
            match piece.key.as_deref() {
                None => {
                    n += 1;
                    ahead.add(text, n, (n, piece));
                    take(&mut ahead, &name, false)?;
                }
                Some(key @ ("name" | "attribution")) => {
                    // The features before it go under the name known before it.
                    take(&mut ahead, &name, true)?;
                    let value: Json =
                        serde_json::from_slice(text).map_err(|e| not_json(piece.located(&e)))?;
                    if let Json::String(s) = &value {
                        if key == "name" && !is_tile_layer_name(s) {
                            return Err(syntax(
                                path,
                                Some(piece.line),
                                format!(
                                    "the collection's \"name\" {s:?}, the layer's name in the \
                                     tiles, is empty, blank or holds a control character: a \
                                     map's style could not name the layer; give it a name, or \
                                     remove the member to name the layer after the file"
                                ),
                            ));
                        }
                    }
                    if let Json::String(s) = value {
                        *(if key == "name" {
                            &mut name
                        } else {
                            &mut attribution
                        }) = Some(s);
                    }
                }
                Some("crs") => {
                    // The features before it first: their faults come first.
                    take(&mut ahead, &name, true)?;
                    let value: Json =
                        serde_json::from_slice(text).map_err(|e| not_json(piece.located(&e)))?;
                    if let Some(why) = crs_problem(&value) {
                        return Err(syntax(path, Some(piece.line), crs_message(&value, &why)));
                    }
                }
                Some(_) => {
                    if let Err(e) = serde_json::from_slice::<Skipped>(text) {
                        take(&mut ahead, &name, true)?;
                        return Err(not_json(piece.located(&e)));
                    }
                }
            }
        }
        take(&mut ahead, &name, true)
    })?;
    if !pieces.saw_features() {
        return Err(syntax(path, None, NOT_A_COLLECTION));
    }
    Ok((name.unwrap_or(stem), attribution.unwrap_or_default()))
}

/// A refused `crs` member ([`crs_problem`]'s reason `why`) with its value.
fn crs_message(crs: &Json, why: &str) -> String {
    format!(
        "\"crs\" {}: {why}",
        crate::read::lines::shown(&crs.to_string())
    )
}

const NOT_A_COLLECTION: &str = "not a GeoJSON FeatureCollection (no \"features\" array)";

fn read_seq(
    path: &Path,
    input: impl BufRead,
    (workers, columns): (usize, &Columns),
    mut each: impl FnMut(&RawFeature) -> Result<()>,
) -> Result<()> {
    let mut records = Records::new(input);
    let mut n = 0;
    std::thread::scope(|scope| {
        // Each feature's text goes with its line.
        let mut ahead = Ahead::start(scope, workers, columns, |line: &Option<usize>| *line);
        // As `read_collection`'s: the features parsed so far, in file order.
        let mut take = |ahead: &mut Ahead<Option<usize>>, all| {
            while let Some(next) = ahead.next(all)? {
                match next {
                    Parsed::Feature(_, feature) => each(feature)?,
                    Parsed::Fault(line, (e, _)) => {
                        return Err(match e {
                            FeatureError::Json(e) => syntax(
                                path,
                                *line,
                                format!("not JSON: {}", crate::json::record_error_message(&e)),
                            ),
                            FeatureError::Feature(m)
                                if m == crate::bulk::COLLECTION_NOT_FEATURE =>
                            {
                                syntax(path, *line, crate::bulk::collection_in_seq())
                            }
                            FeatureError::Feature(m) => syntax(path, *line, m),
                        })
                    }
                }
            }
            Ok(())
        };
        loop {
            let record = match records.next_record() {
                Ok(Some(record)) => record,
                Ok(None) => break,
                Err(e) => {
                    take(&mut ahead, true)?;
                    return Err(Error::io(path, e));
                }
            };
            n += 1;
            let line = usize::try_from(records.line()).ok();
            ahead.add(records.get(record), n, line);
            take(&mut ahead, false)?;
        }
        take(&mut ahead, true)
    })
}

/// Once every input is read into a layer ([`read_built`]): the first `--accumulate`
/// property that no feature of any of them has (`given`), refused naming the inputs, as
/// `build --events` refuses one its input lacks; a layer without it beside one with it is
/// fine (its features are not summed).
pub fn unread_numeric(inputs: &[&Path], columns: &Columns, given: &[bool]) -> Result<()> {
    let Some((flag, name)) = columns.unread_numeric(given).next() else {
        return Ok(());
    };
    let Some((first, others)) = inputs.split_first() else {
        return Ok(());
    };
    let mut message = no_feature_has(&flag, name);
    if !others.is_empty() {
        let others: Vec<String> = others.iter().map(|p| p.display().to_string()).collect();
        message.push_str(&format!("; nor has any feature of {}", others.join(", ")));
    }
    Err(syntax(first, None, message))
}

/// The `--accumulate` properties of layers built from a data folder (`tiles` without
/// FILE), checked as a FILE's are: one no feature has is refused (probe, session 41: it
/// was ignored, so a misspelt name gave clusters with no sums and no word), and so is one
/// whose value is neither a number nor null. A usage error: the layers are drillmap's own,
/// so the flag is what is wrong. `from` names them (`the layers built from places`).
pub fn check_accumulated(
    layers: &[crate::model::Layer],
    columns: &Columns,
    from: &str,
) -> Result<()> {
    for name in &columns.accumulated {
        let mut given = false;
        for layer in layers {
            for f in &layer.features {
                match f.properties.get(name.as_str()) {
                    None | Some(Json::Null) => {}
                    Some(Json::Number(_)) => given = true,
                    Some(other) => {
                        return Err(Error::Usage(format!(
                            "--accumulate {name}: in {from}, {} feature {:?} has {other}: \
                             not a number, and only a numeric property is summed",
                            layer.name, f.id
                        )))
                    }
                }
            }
        }
        if !given {
            return Err(Error::Usage(format!(
                "--accumulate {name}: no feature of {from} has a property {name:?} (a name \
                 given is matched as written)"
            )));
        }
    }
    Ok(())
}

/// [`RawFeature::id_rank`], by `columns`.
fn id_rank(columns: &Columns, key: &str) -> Option<usize> {
    match columns.mapped(Field::Id) {
        Some(name) => (key == name).then_some(0),
        None => Field::Id
            .default_columns()
            .iter()
            .position(|name| key.eq_ignore_ascii_case(name)),
    }
}

/// The field a GeoJSON or GeoJSONSeq feature's property `key` is read as when tiled: the
/// id ([`RawFeature::id_rank`]) or a date (`start_date`, `end_date`, as named); every other
/// property is tiled under its own name, whatever a CSV column of that name would be
/// read as. What `--accumulate` is checked against ([`Columns::check_numeric`]).
pub fn property_field(columns: &Columns, key: &str) -> Option<Field> {
    if id_rank(columns, key).is_some() {
        return Some(Field::Id);
    }
    [Field::StartDate, Field::EndDate]
        .into_iter()
        .find(|f| key == f.as_str())
}

/// One GeoJSON feature as read, its buffers reused from feature to feature: what
/// [`LayerBuilder::push_encoded`] takes. Read straight from the JSON text by
/// [`FeatureSeed`] (no JSON values built), or from a [`Json`] value the same way.
#[derive(Debug, Default)]
pub struct RawFeature {
    /// The feature's id (see the module documentation).
    pub id: String,
    /// Its geometry, `None` when absent or null.
    pub geometry: Option<Geometry<f64>>,
    /// Its properties, encoded.
    pub properties: EncodedProperties,
    /// The line of the file it starts on, when known (always, when read from a file).
    pub line: Option<usize>,
    /// What `type` says.
    type_member: TypeMember,
    /// The `id` member: absent, or present with its text when a string or number.
    id_member: Option<Option<String>>,
    /// The id property ([`RawFeature::id_rank`]): its rank, its key and its text when a
    /// string or number; the best ranked of those read.
    id_property: Option<(usize, String, Option<String>)>,
    /// Two spellings of one id property read (`event_id`, `EVENT_ID`): the best rank of
    /// such a pair and why it is refused, if the id is read from that rank.
    id_clash: Option<(usize, String)>,
    /// The `start_date` and `end_date` given as dates, checked together once the feature
    /// is read ([`RawFeature::finish`]).
    dates: [Option<String>; 2],
    /// Whether `properties` is neither an object nor null.
    bad_properties: bool,
    /// What stopped the reading at a bad value (a geometry, a numeric property): the JSON
    /// reader is stopped there, so a FeatureCollection's error has its line.
    problem: Option<String>,
    /// The properties that must be numbers ([`Columns::numeric`], `--accumulate`), and
    /// the property the id is read from (`--columns id=NAME`).
    columns: Columns,
    /// Which of [`Columns::numeric`] the feature has (null or not), in that order.
    numeric_given: Vec<bool>,
}

impl RawFeature {
    /// A feature to read by `columns`: its numeric properties ([`Columns::numeric`]) and
    /// its id property ([`RawFeature::id_rank`]).
    pub(super) fn reading(columns: &Columns) -> RawFeature {
        RawFeature {
            columns: columns.clone(),
            numeric_given: vec![false; columns.numeric.len()],
            ..RawFeature::default()
        }
    }

    /// Whether the property `key` holds the id, and how much it is preferred (0 first): the
    /// `--columns id=NAME` property as named, else the id column's default names
    /// ([`Field::default_columns`]: `id`, `event_id_cnty`, `event_id`) in any case, as
    /// `build --events` and a CSV's header read them.
    fn id_rank(&self, key: &str) -> Option<usize> {
        id_rank(&self.columns, key)
    }

    fn clear(&mut self) {
        self.id.clear();
        self.line = None;
        self.geometry = None;
        self.properties.clear();
        self.type_member = TypeMember::Other;
        self.id_member = None;
        self.id_property = None;
        self.id_clash = None;
        self.dates = Default::default();
        self.bad_properties = false;
        self.problem = None;
        self.numeric_given.fill(false);
    }

    /// Stop the reading at a bad value, saying why.
    fn stop<E: serde::de::Error>(problem: &mut Option<String>, why: String) -> E {
        *problem = Some(why);
        E::custom("stopped at a bad value")
    }

    /// Check what was read (that it is a Feature, then its properties, none lost to the
    /// renaming of `point_count` ([`EncodedProperties::clash`]), then its geometry) and
    /// settle its id; `n` is the feature's position, the id of last resort.
    fn finish(&mut self, n: usize) -> std::result::Result<(), String> {
        match self.type_member {
            TypeMember::Feature => {}
            // On one line of a file named as GeoJSONSeq (session 41 noted: told only "not
            // a GeoJSON Feature", where `build --events` says how to write one).
            // Said how to write one per line by the GeoJSONSeq reader (`read_seq`), not
            // inside a FeatureCollection (review, session 42).
            TypeMember::Collection => return Err(crate::bulk::COLLECTION_NOT_FEATURE.into()),
            TypeMember::Other => return Err("not a GeoJSON Feature".into()),
        }
        if self.bad_properties {
            return Err("\"properties\" is not an object".into());
        }
        if let Some(why) = self.properties.clash() {
            return Err(why);
        }
        // A date noted as not one (`ValueSeed::not_a_date`).
        if let Some(why) = self.problem.take() {
            return Err(why);
        }
        // The dates as a pair: an end before its start is no span ([`DateSpan::new`], the
        // rule of every reader). A coarser start or a lone end is kept, as given: clusters
        // take the earliest start and the latest end.
        let [start, end] =
            std::mem::take(&mut self.dates).map(|d| d.and_then(|d| ReportedDate::parse(&d).ok()));
        if let (Some(_), Some(_)) = (start, end) {
            if let Err(SpanError::Reversed) = DateSpan::new(start, end) {
                return Err(date::REVERSED.into());
            }
        }
        // The id by [`json::id_of`]: the member, else (absent, null or blank) the id
        // property ([`RawFeature::id_rank`]), else the position; an id of any other type
        // is refused, as `build --events` refuses it.
        let member = matches!(&self.id_member, Some(Some(s)) if !s.is_empty());
        if let (Some((rank, why)), Some(p), false) =
            (self.id_clash.take(), &self.id_property, member)
        {
            if rank == p.0 {
                return Err(why);
            }
        }
        self.id = match (self.id_member.take(), self.id_property.take()) {
            (Some(None), _) => return Err(json::BAD_ID.into()),
            (Some(Some(s)), _) if !s.is_empty() => s,
            (_, Some((_, key, None))) => {
                return Err(format!(
                    "property {key:?} ({}) must be a string or a number",
                    Field::Id
                ))
            }
            (_, Some((_, _, Some(s)))) if !s.is_empty() => s,
            (member, None) if self.columns.mapped(Field::Id).is_some() => {
                let name = self.columns.mapped(Field::Id).unwrap_or_default();
                let member = match member {
                    Some(_) => "its `id` member is null or blank",
                    None => "nor an `id` member",
                };
                return Err(format!(
                    "--columns {}={name}: the feature has no property {name:?} ({member})",
                    Field::Id
                ));
            }
            _ => numbered_id(n),
        };
        Ok(())
    }

    /// Read one feature from the JSON text `bytes` into `self`.
    pub fn read_slice(&mut self, bytes: &[u8], n: usize) -> std::result::Result<(), FeatureError> {
        self.read_located(bytes, n).map_err(|(e, _)| e)
    }

    /// [`RawFeature::read_slice`], with the line within `bytes` of the value that stopped
    /// the reading (`None` for a fault of the whole feature).
    pub(super) fn read_located(
        &mut self,
        bytes: &[u8],
        n: usize,
    ) -> std::result::Result<(), (FeatureError, Option<usize>)> {
        // UTF-8 checked once for the whole text, not string by string (invalid text is
        // read as bytes, for serde_json's error naming where).
        let read = match std::str::from_utf8(bytes) {
            Ok(text) => self.read_json(&mut serde_json::Deserializer::from_str(text)),
            Err(_) => self.read_json(&mut serde_json::Deserializer::from_slice(bytes)),
        };
        read.map_err(|e| match self.problem.take() {
            Some(m) => (FeatureError::Feature(m), Some(e.line())),
            None => (FeatureError::Json(e), None),
        })?;
        self.finish(n).map_err(|m| (FeatureError::Feature(m), None))
    }

    fn read_json<'de, R: serde_json::de::Read<'de>>(
        &mut self,
        de: &mut serde_json::Deserializer<R>,
    ) -> serde_json::Result<()> {
        serde::de::DeserializeSeed::deserialize(FeatureSeed(self), &mut *de)?;
        de.end()
    }

    /// Add the feature to `layer`.
    pub fn push_to(&self, layer: &mut LayerBuilder) -> Result<()> {
        layer.push_encoded(&self.id, self.geometry.as_ref(), &self.properties)
    }
}

/// Why a feature could not be read.
#[derive(Debug)]
pub enum FeatureError {
    /// The text is not JSON.
    Json(serde_json::Error),
    /// The JSON is not a GeoJSON feature drillmap tiles.
    Feature(String),
}

/// Reads one feature into a [`RawFeature`] (cleared first).
struct FeatureSeed<'a>(&'a mut RawFeature);

impl<'de> serde::de::DeserializeSeed<'de> for FeatureSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        self.0.clear();
        d.deserialize_any(self)
    }
}

/// The visit methods of a value that may be of any type but is only used when it is of
/// one: `$other` handles every other type (the value is read and dropped).
macro_rules! visit_others {
    ($other:expr) => {
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> std::result::Result<Self::Value, E> {
            Ok($other(self))
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> std::result::Result<Self::Value, E> {
            Ok($other(self))
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> std::result::Result<Self::Value, E> {
            Ok($other(self))
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> std::result::Result<Self::Value, E> {
            Ok($other(self))
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            while seq.next_element::<Skipped>()?.is_some() {}
            Ok($other(self))
        }
    };
}

impl<'de> serde::de::Visitor<'de> for FeatureSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a GeoJSON Feature")
    }

    visit_others!(|_| ());

    fn visit_str<E: serde::de::Error>(self, _: &str) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<(), A::Error> {
        let f = self.0;
        let mut key = String::new();
        // The members read, each once ([`json::Once`]).
        let mut once = json::Once::new(&json::FEATURE_MEMBERS);
        while map.next_key_seed(KeySeed(&mut key))?.is_some() {
            if let Some(name) = once.twice(&key) {
                return Err(RawFeature::stop(
                    &mut f.problem,
                    json::given_twice("member", name),
                ));
            }
            match key.as_str() {
                "type" => f.type_member = map.next_value_seed(IsFeature)?,
                "crs" => {
                    let crs: Json = map.next_value()?;
                    if let Some(why) = crs_problem(&crs) {
                        return Err(RawFeature::stop(&mut f.problem, crs_message(&crs, &why)));
                    }
                }
                "id" => f.id_member = Some(json::id_of(map.next_value()?)),
                "properties" => {
                    f.properties.clear();
                    f.id_property = None;
                    f.id_clash = None;
                    f.bad_properties = !map.next_value_seed(PropertiesSeed(&mut *f))?;
                }
                "geometry" => {
                    let g = map.next_value_seed(GeometrySeed)?;
                    f.geometry = match g.map(RawGeometry::into_geometry) {
                        None => None,
                        Some(Ok(g)) => g,
                        Some(Err(m)) => return Err(RawFeature::stop(&mut f.problem, m)),
                    };
                }
                _ => {
                    map.next_value::<Skipped>()?;
                }
            }
        }
        Ok(())
    }
}

/// Whether a value is the string "Feature".
/// What a feature's `type` member says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum TypeMember {
    /// Absent, or any other value.
    #[default]
    Other,
    Feature,
    /// A FeatureCollection where a Feature was expected (one on one line of a GeoJSONSeq).
    Collection,
}

struct IsFeature;

impl<'de> serde::de::DeserializeSeed<'de> for IsFeature {
    type Value = TypeMember;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<TypeMember, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for IsFeature {
    type Value = TypeMember;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string")
    }

    visit_others!(|_| TypeMember::Other);

    fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<TypeMember, E> {
        Ok(match s {
            "Feature" => TypeMember::Feature,
            "FeatureCollection" => TypeMember::Collection,
            _ => TypeMember::Other,
        })
    }

    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<TypeMember, E> {
        Ok(TypeMember::Other)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<TypeMember, A::Error> {
        while map.next_entry::<Skipped, Skipped>()?.is_some() {}
        Ok(TypeMember::Other)
    }
}

/// A feature's `properties`, encoded into its [`EncodedProperties`]; `false` when it is
/// neither an object nor null.
struct PropertiesSeed<'a>(&'a mut RawFeature);

impl<'de> serde::de::DeserializeSeed<'de> for PropertiesSeed<'_> {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for PropertiesSeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }

    visit_others!(|_| false);

    fn visit_str<E: serde::de::Error>(self, _: &str) -> std::result::Result<bool, E> {
        Ok(false)
    }

    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<bool, E> {
        Ok(true)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<bool, A::Error> {
        let f = self.0;
        let mut key = String::new();
        while map.next_key_seed(KeySeed(&mut key))?.is_some() {
            let numeric = match f.columns.numeric.iter().position(|n| *n == key) {
                Some(at) => {
                    f.numeric_given[at] = true;
                    true
                }
                None => false,
            };
            let id_rank = f.id_rank(&key);
            let [start, end] = &mut f.dates;
            let date = if key == Field::StartDate.as_str() {
                Some(start)
            } else if key == Field::EndDate.as_str() {
                Some(end)
            } else {
                None
            };
            if let Some(rank) = id_rank {
                // Its text kept, for the id ([`json::id_of`]).
                let raw: &serde_json::value::RawValue = map.next_value()?;
                let seed = ValueSeed {
                    key: &key,
                    properties: &mut f.properties,
                    numeric,
                    date: None,
                    problem: &mut f.problem,
                };
                let mut value = serde_json::Deserializer::from_str(raw.get());
                serde::de::DeserializeSeed::deserialize(seed, &mut value)
                    .map_err(<A::Error as serde::de::Error>::custom)?;
                // One name twice is refused below, as any property given twice; two
                // spellings of one are refused once the feature is read, if the id is
                // read from them (a better ranked one may follow).
                if let Some((_, first, _)) =
                    f.id_property.as_ref().filter(|p| p.0 == rank && p.1 != key)
                {
                    if f.id_clash.as_ref().is_none_or(|c| rank < c.0) {
                        let why = crate::read::table::case_clash(first, &key, "id");
                        f.id_clash = Some((rank, why));
                    }
                }
                if f.id_property.as_ref().is_none_or(|p| rank < p.0) {
                    f.id_property = Some((rank, key.clone(), json::id_of(raw)));
                }
            } else {
                map.next_value_seed(ValueSeed {
                    key: &key,
                    properties: &mut f.properties,
                    numeric,
                    date,
                    problem: &mut f.problem,
                })?;
            }
            if let Some(twice) = f.properties.given_twice() {
                let why = json::given_twice("property", twice);
                return Err(RawFeature::stop(&mut f.problem, why));
            }
        }
        Ok(true)
    }
}

/// One property's value, added to the feature's [`EncodedProperties`] under `key`:
/// strings and numbers encoded straight from the text, arrays and objects as their JSON
/// text, as [`encode_property`](super::prepare::encode_property) does. The `id` property's
/// text is read by [`json::id_of`]. A numeric property's value (`--accumulate`) is checked and
/// written as a CSV cell's is ([`push_numeric`]): a number, a numeric string as its
/// number, anything else stops the reading. A `start_date` or `end_date` is null or a
/// reduced ISO 8601 date ([`not_a_date`]), else the feature is refused: clusters compare them
/// as text, their order in time (but for an end of a coarser precision than another in
/// its period: "2021" sorts before "2021-05-01"; `build --events` and a CSV's dates are
/// written as full days).
struct ValueSeed<'a> {
    key: &'a str,
    properties: &'a mut EncodedProperties,
    numeric: bool,
    /// Where a `start_date` or `end_date` is kept; `None` for any other property.
    date: Option<&'a mut Option<String>>,
    problem: &'a mut Option<String>,
}

/// Why `text` is not a reduced ISO 8601 date on the calendar (`YYYY`, `YYYY-MM`,
/// `YYYY-MM-DD`, as the dataset writes dates), if it is not one.
fn not_a_date(text: &str) -> Option<String> {
    match ReportedDate::parse(text) {
        Ok(_) => None,
        Err(e @ (DateError::Impossible | DateError::YearOutOfRange)) => Some(e.to_string()),
        Err(DateError::Malformed) => Some(NOT_A_DATE.into()),
    }
}

/// Why a `start_date` or `end_date` that is not a date is refused.
const NOT_A_DATE: &str =
    "not a date YYYY-MM-DD, YYYY-MM or YYYY (clusters compare start_date and end_date as dates)";

impl ValueSeed<'_> {
    /// Note a `start_date` or `end_date` that is not a date, refused once the feature is
    /// read ([`RawFeature::finish`]), as the bulk reader refuses it: a fault of the whole
    /// object (a name given twice) found later in it is the one said, by every reader.
    fn not_a_date<E: serde::de::Error>(self, why: String) -> std::result::Result<(), E> {
        if self.problem.is_none() {
            *self.problem = Some(format!("{} {why}", self.key));
        }
        Ok(())
    }

    fn number<E: serde::de::Error>(
        self,
        v: mvt::Value,
        text: impl FnOnce() -> Option<String>,
    ) -> std::result::Result<(), E> {
        if self.date.is_some() {
            let shown = text().unwrap_or_else(|| "a number".into());
            return self.not_a_date(format!("{shown}: {NOT_A_DATE}"));
        }
        self.properties.push_with(self.key, |out| {
            mvt::encode_value(&v, out);
            Some(KIND_NUMBER)
        });
        Ok(())
    }

    fn json<E: serde::de::Error>(self, v: &Json) -> std::result::Result<(), E> {
        if self.date.is_some() && !v.is_null() {
            return self.not_a_date(format!("{v}: {NOT_A_DATE}"));
        }
        if self.numeric && !v.is_null() {
            let text = match v {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            return self.numeric_text(&text);
        }
        self.properties.push_json(self.key, v);
        Ok(())
    }

    /// A numeric property given as text: its number (nothing when blank), or stop.
    fn numeric_text<E: serde::de::Error>(self, text: &str) -> std::result::Result<(), E> {
        let mut number = Vec::new();
        if let Err((value, why)) = push_numeric(&mut number, self.key, text) {
            return Err(RawFeature::stop(self.problem, format!("{value:?}: {why}")));
        }
        let v: Json = serde_json::from_slice(&number).unwrap_or(Json::Null);
        self.properties.push_json(self.key, &v);
        Ok(())
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ValueSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a property value")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<(), E> {
        self.json(&Json::Bool(v))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<(), E> {
        // serde_json hands negative integers only here, as its `Number::as_u64` fails.
        self.number(mvt::Value::SInt(v), || Some(v.to_string()))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<(), E> {
        self.number(mvt::Value::UInt(v), || Some(v.to_string()))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<(), E> {
        self.number(mvt::Value::Double(v), || {
            serde_json::Number::from_f64(v).map(|n| n.to_string())
        })
    }
    fn visit_str<E: serde::de::Error>(mut self, s: &str) -> std::result::Result<(), E> {
        if let Some(kept) = self.date.take() {
            if let Some(why) = not_a_date(s) {
                return self.not_a_date(format!("{s:?}: {why}"));
            }
            *kept = Some(s.to_owned());
        }
        if self.numeric {
            return self.numeric_text(s);
        }
        self.properties.push_str(self.key, s);
        Ok(())
    }
    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<(), E> {
        self.json(&Json::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> std::result::Result<(), A::Error> {
        let checked = Checked {
            within: self.key,
            problem: &mut *self.problem,
        };
        let v = serde::de::Visitor::visit_seq(checked, seq)?;
        self.json(&v)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> std::result::Result<(), A::Error> {
        let checked = Checked {
            within: self.key,
            problem: &mut *self.problem,
        };
        let v = serde::de::Visitor::visit_map(checked, map)?;
        self.json(&v)
    }
}

/// A property's array or object value read whole into a [`Json`] as serde_json reads it,
/// but a name given twice in any object within stops the reading ([`json::given_twice`]),
/// as the bulk reader's [`json::push_raw`] refuses it; `within` is the property.
struct Checked<'a> {
    within: &'a str,
    problem: &'a mut Option<String>,
}

impl Checked<'_> {
    fn nested(&mut self) -> Checked<'_> {
        Checked {
            within: self.within,
            problem: &mut *self.problem,
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Checked<'_> {
    type Value = Json;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<Json, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Checked<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Json, E> {
        Ok(Json::from(v))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Json, E> {
        Ok(Json::from(v))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Json, E> {
        // As serde_json's own `Value` reads a number (JSON has no non-finite ones).
        Ok(Json::from(v))
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<Json, E> {
        Ok(Json::String(s.to_owned()))
    }
    fn visit_string<E: serde::de::Error>(self, s: String) -> std::result::Result<Json, E> {
        Ok(Json::String(s))
    }
    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        mut self,
        mut seq: A,
    ) -> std::result::Result<Json, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element_seed(self.nested())? {
            items.push(v);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        mut self,
        mut map: A,
    ) -> std::result::Result<Json, A::Error> {
        let mut members = Map::new();
        let mut key = String::new();
        while map.next_key_seed(KeySeed(&mut key))?.is_some() {
            if members.contains_key(&key) {
                let why = format!(
                    "property {:?}: {}",
                    self.within,
                    json::given_twice("member", &key)
                );
                return Err(RawFeature::stop(self.problem, why));
            }
            let v = map.next_value_seed(self.nested())?;
            members.insert(key.clone(), v);
        }
        Ok(Json::Object(members))
    }
}

/// A geometry as read: its `type` and `coordinates`, in any order.
#[derive(Default)]
struct RawGeometry {
    kind: Option<String>,
    coordinates: Coords,
    /// The first of its members read ([`json::GEOMETRY_MEMBERS`]) given twice.
    twice: Option<&'static str>,
    /// Why its `crs` is refused ([`crs_problem`]), with the value.
    crs: Option<String>,
    /// A GeometryCollection's members (`None` for a null member).
    geometries: Option<Vec<Option<RawGeometry>>>,
}

/// A GeometryCollection's `geometries`: an array of geometries.
struct GeometriesSeed;

impl<'de> serde::de::DeserializeSeed<'de> for GeometriesSeed {
    type Value = Option<Vec<Option<RawGeometry>>>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for GeometriesSeed {
    type Value = Option<Vec<Option<RawGeometry>>>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of GeoJSON geometries")
    }

    // null holds no members (refused as a collection without its array); any other
    // type is refused as not an array.
    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut members = Vec::new();
        while let Some(g) = seq.next_element_seed(GeometrySeed)? {
            members.push(g);
        }
        Ok(Some(members))
    }
}

/// Coordinates as read: numbers nested in arrays (anything else is `Other`, with its JSON
/// text for the error that names it).
#[derive(Default)]
enum Coords {
    Num(f64),
    List(Vec<Coords>),
    #[default]
    Missing,
    Other(String),
}

impl std::fmt::Display for Coords {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Coords::Num(x) => write!(f, "{x}"),
            Coords::List(items) => {
                f.write_str("[")?;
                for (i, c) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("]")
            }
            Coords::Missing => f.write_str("?"),
            Coords::Other(text) => f.write_str(text),
        }
    }
}

/// A feature's `geometry`: `None` when null.
struct GeometrySeed;

impl<'de> serde::de::DeserializeSeed<'de> for GeometrySeed {
    type Value = Option<RawGeometry>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for GeometrySeed {
    type Value = Option<RawGeometry>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a GeoJSON geometry")
    }

    // A geometry that is not an object has no type.
    visit_others!(|_| Some(RawGeometry::default()));

    fn visit_str<E: serde::de::Error>(self, _: &str) -> std::result::Result<Self::Value, E> {
        Ok(Some(RawGeometry::default()))
    }

    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut g = RawGeometry::default();
        let mut key = String::new();
        let mut once = json::Once::new(&json::GEOMETRY_MEMBERS);
        while map.next_key_seed(KeySeed(&mut key))?.is_some() {
            if let Some(name) = once.twice(&key) {
                g.twice.get_or_insert(name);
            }
            match key.as_str() {
                "type" => {
                    g.kind = match map.next_value::<Json>()? {
                        Json::String(s) => Some(s),
                        _ => None,
                    }
                }
                "coordinates" => g.coordinates = map.next_value_seed(CoordsSeed)?,
                "geometries" => g.geometries = map.next_value_seed(GeometriesSeed)?,
                // GeoJSON 2008 let a geometry carry its own `crs`: checked as a feature's.
                "crs" => {
                    let crs: Json = map.next_value()?;
                    if g.crs.is_none() {
                        g.crs = crs_problem(&crs).map(|why| crs_message(&crs, &why));
                    }
                }
                _ => {
                    map.next_value::<Skipped>()?;
                }
            }
        }
        Ok(Some(g))
    }
}

/// Nested coordinates.
struct CoordsSeed;

impl<'de> serde::de::DeserializeSeed<'de> for CoordsSeed {
    type Value = Coords;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Coords, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for CoordsSeed {
    type Value = Coords;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("coordinates")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<Coords, E> {
        Ok(Coords::Other(v.to_string()))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Coords, E> {
        #[allow(clippy::cast_precision_loss)]
        Ok(Coords::Num(v as f64))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Coords, E> {
        #[allow(clippy::cast_precision_loss)]
        Ok(Coords::Num(v as f64))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Coords, E> {
        Ok(Coords::Num(v))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Coords, E> {
        Ok(Coords::Other(Json::from(v).to_string()))
    }
    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Coords, E> {
        Ok(Coords::Other("null".into()))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Coords, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(2));
        while let Some(c) = seq.next_element_seed(CoordsSeed)? {
            items.push(c);
        }
        Ok(Coords::List(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        map: A,
    ) -> std::result::Result<Coords, A::Error> {
        let v: Json =
            serde::Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Ok(Coords::Other(v.to_string()))
    }
}

impl RawGeometry {
    /// The geometry; `None` for an empty one (empty `coordinates`, or a collection without
    /// members: RFC 7946 section 3.1 lets a reader take it as null), unlocated as a null
    /// geometry is.
    fn into_geometry(self) -> std::result::Result<Option<Geometry<f64>>, String> {
        if let Some(name) = self.twice {
            return Err(format!("geometry: {}", json::given_twice("member", name)));
        }
        if let Some(why) = self.crs {
            return Err(format!("geometry: {why}"));
        }
        let c = &self.coordinates;
        let empty = matches!(c, Coords::List(items) if items.is_empty());
        Ok(Some(match self.kind.as_deref() {
            Some(
                "Point" | "MultiPoint" | "LineString" | "MultiLineString" | "Polygon"
                | "MultiPolygon",
            ) if empty => return Ok(None),
            Some("Point") => Point(coord(c)?).into(),
            Some("MultiPoint") => MultiPoint(list(c, |p| coord(p).map(Point))?).into(),
            Some("LineString") => line(c)?.into(),
            Some("MultiLineString") => MultiLineString(list(c, line)?).into(),
            Some("Polygon") => polygon(c)?.into(),
            Some("MultiPolygon") => MultiPolygon(list(c, polygon)?).into(),
            Some("GeometryCollection") => return collection(self.geometries),
            Some(t) => return Err(format!("geometry type {t:?} is not tiled")),
            None => return Err("a geometry without a type".into()),
        }))
    }
}

/// A GeometryCollection's members as one geometry: an MVT feature has one type, so members
/// all points, all lines or all polygons (nested collections included) become their
/// multi-geometry, as tippecanoe flattens a collection; null and empty members are left
/// out, and a collection left without any is empty (`None`). Mixed types are refused,
/// naming them: split into features, each keeps its properties.
fn collection(
    members: Option<Vec<Option<RawGeometry>>>,
) -> std::result::Result<Option<Geometry<f64>>, String> {
    let Some(members) = members else {
        return Err("a GeometryCollection without a \"geometries\" array".into());
    };
    let (mut points, mut lines, mut polygons) = (Vec::new(), Vec::new(), Vec::new());
    for g in members.into_iter().flatten() {
        match g.into_geometry()? {
            None => {}
            Some(Geometry::Point(p)) => points.push(p),
            Some(Geometry::MultiPoint(m)) => points.extend(m),
            Some(Geometry::LineString(l)) => lines.push(l),
            Some(Geometry::MultiLineString(m)) => lines.extend(m),
            Some(Geometry::Polygon(p)) => polygons.push(p),
            Some(Geometry::MultiPolygon(m)) => polygons.extend(m),
            Some(_) => return Err("a GeometryCollection member not tiled".into()),
        }
    }
    match (points.is_empty(), lines.is_empty(), polygons.is_empty()) {
        (true, true, true) => Ok(None),
        (false, true, true) => Ok(Some(MultiPoint(points).into())),
        (true, false, true) => Ok(Some(MultiLineString(lines).into())),
        (true, true, false) => Ok(Some(MultiPolygon(polygons).into())),
        _ => Err(
            "a GeometryCollection of points, lines and polygons mixed is not tiled (an MVT \
             feature has one geometry type): split it into features"
                .into(),
        ),
    }
}

/// Whether a FeatureCollection's `name` may name its layer in the tiles: not empty nor
/// blank, no control character (MVT sets no rule, but a style names a layer by it, and
/// the archive's `vector_layers` would list an id `""`). Any other text is kept as it is,
/// as tippecanoe keeps it: the file-name rule of `--layer` ([`crate::model::is_layer_name`])
/// is for names that become files.
fn is_tile_layer_name(name: &str) -> bool {
    !name.trim().is_empty() && !name.chars().any(char::is_control)
}

/// The id of a feature without one, the `n`th of its file: ` n`, its position after a
/// space. Every given id is trimmed (a string id by [`json::id_of`], a CSV cell by the bulk
/// reader), so none starts with a space and a numbered feature's tile id is never a given
/// id's: in `0, 1, (none), 3` the fourth feature keeps `3` and the third is ` 3` (a bare
/// position collided with the id `3`, tester's report).
fn numbered_id(n: usize) -> String {
    format!(" {n}")
}

/// A position, its range checked by the one check of coordinates ([`out_of_range`]).
fn coord(v: &Coords) -> std::result::Result<Coord<f64>, String> {
    match v {
        Coords::List(items) => match items.as_slice() {
            // [lon, lat] or [lon, lat, altitude], as `build --events` takes a position.
            [Coords::Num(x), Coords::Num(y)] | [Coords::Num(x), Coords::Num(y), Coords::Num(_)]
                if x.is_finite() && y.is_finite() =>
            {
                match out_of_range(*y, *x) {
                    Some(bad) => Err(format!(
                        "position {}: {}",
                        crate::read::lines::shown(&v.to_string()),
                        bad.message()
                    )),
                    None => Ok(Coord { x: *x, y: *y }),
                }
            }
            _ => Err(bad_position(v)),
        },
        _ => Err(bad_position(v)),
    }
}

/// What is said of a position that is not two or three finite numbers (probe, session 42:
/// a four-number position was only "bad position", saying nothing of why).
fn bad_position(v: &Coords) -> String {
    format!(
        "bad position {}: not [lon, lat] or [lon, lat, altitude] (RFC 7946 3.1.1)",
        crate::read::lines::shown(&v.to_string())
    )
}

fn list<T>(
    v: &Coords,
    f: impl Fn(&Coords) -> std::result::Result<T, String>,
) -> std::result::Result<Vec<T>, String> {
    match v {
        Coords::List(items) => items.iter().map(f).collect(),
        _ => Err("coordinates are not an array".to_string()),
    }
}

/// Positions, at least `least` of them (RFC 7946: two for a LineString, four for a ring).
fn positions(v: &Coords, least: usize, what: &str) -> std::result::Result<LineString<f64>, String> {
    let line = list(v, coord)?;
    if line.len() < least {
        return Err(format!(
            "{what} {} has {} position(s), fewer than {least}",
            crate::read::lines::shown(&v.to_string()),
            line.len()
        ));
    }
    Ok(LineString(line))
}

fn line(v: &Coords) -> std::result::Result<LineString<f64>, String> {
    positions(v, 2, "a LineString")
}

fn polygon(v: &Coords) -> std::result::Result<Polygon<f64>, String> {
    let ring = |r: &Coords| {
        let ring = positions(r, 4, "a polygon ring")?;
        // RFC 7946 §3.1.6: a ring is closed (geo's `Polygon::new` would close it unsaid).
        match (ring.0.first(), ring.0.last()) {
            (Some(a), Some(b)) if a != b => Err(format!(
                "a polygon ring is not closed: it starts at [{},{}] and ends at [{},{}] \
                 (RFC 7946: the last position repeats the first)",
                a.x, a.y, b.x, b.y
            )),
            _ => Ok(ring),
        }
    };
    let mut rings = list(v, ring)?.into_iter();
    let exterior = rings.next().ok_or("a polygon without rings")?;
    Ok(Polygon::new(exterior, rings.collect()))
}

/// Read a CSV through the bulk reader ([`CsvReader`]), so its columns are found by the same
/// names and `--columns` mapping as `drillmap bulk`; the coordinates are range-checked and
/// rounded as a bulk row's are ([`coordinates`]), with no swap, containment or country
/// check (those need the boundaries `build --events` reads).
fn read_csv(
    path: &Path,
    input: impl Read + Send + 'static,
    (columns, given): (&Columns, &mut [bool]),
    mut each: impl FnMut(&RawFeature) -> Result<()>,
) -> Result<()> {
    let mut feature = RawFeature::default();
    let mut columns = columns.clone();
    columns.points = true;
    let mut reader = CsvReader::new(path, input, &columns)?;
    // Which `--accumulate` columns its header has (all, unless the header may lack some).
    for (given, has) in given.iter_mut().zip(reader.numeric_present()) {
        *given |= *has;
    }
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
        // Dates checked and written as `build --events` writes them (full days and their
        // precision), so clusters compare days, never raw text.
        let dates = (row.start_date, row.end_date, row.date_precision);
        let span = DateSpan::of_cells(dates.0, dates.1, dates.2, row.date_bound)
            .map_err(|(cell, m)| at(row.line, cell.of(row.date_cells()), &m))?;
        feature.clear();
        let properties = &mut feature.properties;
        if !row.name.is_empty() {
            properties.push_str(Field::Name.as_str(), row.name);
        }
        if span.start.is_some() || span.end.is_some() {
            let dates = serde_json::to_value(Dates::of(&span))
                .map_err(|e| at(row.line, "", &format!("dates: {e}")))?;
            for (key, value) in dates.as_object().into_iter().flatten() {
                if !value.is_null() {
                    properties.push_json(key, value);
                }
            }
        }
        for (field, value) in [
            (Field::Place, row.place),
            (Field::Country, row.country),
            (Field::Source, row.source),
            (Field::Sources, row.sources),
        ] {
            if !value.is_empty() {
                properties.push_str(field.as_str(), value);
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
                Json::String(s) => properties.push_json(&key, &typed(s)),
                other => properties.push_json(&key, &other),
            }
        }
        n += 1;
        feature.id = if row.id.is_empty() {
            numbered_id(n)
        } else {
            row.id.to_owned()
        };
        feature.geometry = Some(Point::new(x, y).into());
        feature.line = usize::try_from(row.line).ok();
        each(&feature)?;
    }
    Ok(())
}

/// A free CSV cell as a tile property: a number when the cell is that number as it is
/// written (`4`, `-12`, `2.5`, `100000.0`: the text the number is printed as), else the
/// text, so a code with leading zeros (`004`), a `+4`, `1.50` or `1e5` keeps its form (probe
/// 8 #17: `004` became 4).
fn typed(cell: String) -> Json {
    if let Ok(i) = cell.parse::<i64>() {
        if itoa::Buffer::new().format(i) == cell {
            return Json::from(i);
        }
    }
    match cell
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .filter(|n| n.to_string() == cell)
    {
        Some(n) => Json::Number(n),
        None => Json::String(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::super::prepare::encode_property;
    use super::*;
    use serde_json::json;

    /// A feature as read, owned.
    #[derive(Debug, PartialEq)]
    struct Read {
        id: String,
        geometry: Option<Geometry<f64>>,
        properties: Vec<(String, Vec<u8>)>,
    }

    impl Read {
        /// The encoding of property `key`.
        fn get(&self, key: &str) -> Option<&[u8]> {
            self.properties
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_slice())
        }
    }

    /// The encoding of a JSON property value.
    fn encoded(v: &Json) -> Vec<u8> {
        let mut buf = Vec::new();
        encode_property(v, &mut buf);
        buf
    }

    /// Every feature of a file, with the layer's name: the same (or the same error) when
    /// parsed on this thread, on 2 or on 3 ([`super::super::ahead`]).
    fn read_layer(path: &Path, columns: &Columns) -> Result<(String, Vec<Read>)> {
        let one = read_layer_on(path, columns, 1);
        for threads in [2, 3] {
            let many = read_layer_on(path, columns, threads);
            match (&one, &many) {
                (Ok(a), Ok(b)) => assert!(a == b, "{threads} threads read otherwise"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                _ => panic!(
                    "{threads} threads: {:?} against {:?}",
                    one.is_ok(),
                    many.is_ok()
                ),
            }
        }
        one
    }

    fn read_layer_on(
        path: &Path,
        columns: &Columns,
        threads: usize,
    ) -> Result<(String, Vec<Read>)> {
        let mut features = Vec::new();
        let read = (columns, &mut vec![false; columns.numeric.len()][..]);
        let (name, _) = read_features(path, read, threads, |_, f| {
            features.push(Read {
                id: f.id.clone(),
                geometry: f.geometry.clone(),
                properties: f
                    .properties
                    .iter()
                    .map(|(k, _, v)| (k.to_owned(), v.to_vec()))
                    .collect(),
            });
            Ok(())
        })?;
        Ok((name, features))
    }

    /// Probe, session 42: a GeoJSONSeq or CSV named `.txt` (or with no extension) was read
    /// as a FeatureCollection ("not JSON: trailing characters"), where `build --events`
    /// tells it by its first bytes; a FeatureCollection on one line of a `.geojsons` was
    /// only "not a GeoJSON Feature".
    #[test]
    fn a_file_not_named_for_its_format_is_told_by_its_first_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let feature = |id: &str| {
            format!(
                r#"{{"type":"Feature","id":"{id}","geometry":{{"type":"Point","coordinates":[1,2]}},"properties":{{}}}}"#
            )
        };
        let cases = [
            ("seq.txt", format!("{}\n{}\n", feature("a"), feature("b"))),
            (
                "rs",
                format!("\u{1e}{}\n\u{1e}{}\n", feature("a"), feature("b")),
            ),
            ("rows.txt", "id,lat,lon\na,2,1\nb,2,1\n".to_owned()),
            (
                "fc.txt",
                format!(
                    r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
                    feature("a"),
                    feature("b")
                ),
            ),
        ];
        for (name, text) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let (_, features) =
                read_layer(&path, &Columns::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
            let ids: Vec<_> = features.iter().map(|f| f.id.as_str()).collect();
            assert_eq!(ids, ["a", "b"], "{name}");
        }
        let array = dir.path().join("a.txt");
        std::fs::write(&array, format!("[{}]", feature("a"))).unwrap();
        let e = read_layer(&array, &Columns::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("a.txt: a JSON array"), "{e}");
        let one_line = dir.path().join("one.geojsons");
        let fc = format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            feature("a")
        );
        std::fs::write(&one_line, fc).unwrap();
        let e = read_layer(&one_line, &Columns::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("one.geojsons:1: a FeatureCollection, not a Feature")
                && e.contains("jq -c '.features[]'"),
            "{e}"
        );
        // GeoJSONSeq named `.geojson` is told what it may be (review).
        let seq = dir.path().join("seq.geojson");
        std::fs::write(&seq, format!("{}\n{}\n", feature("a"), feature("b"))).unwrap();
        let e = read_layer(&seq, &Columns::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("seq.geojson:2: not JSON: trailing characters")
                && e.contains("one Feature per line is GeoJSONSeq, named .geojsons"),
            "{e}"
        );
        // Nested in a FeatureCollection, it gets no GeoJSONSeq advice (review).
        let nested = dir.path().join("nest.geojson");
        let fc = format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            feature("a")
        );
        std::fs::write(
            &nested,
            format!(r#"{{"type":"FeatureCollection","features":[{fc}]}}"#),
        )
        .unwrap();
        let e = read_layer(&nested, &Columns::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("a FeatureCollection, not a Feature") && !e.contains("GeoJSONSeq"),
            "{e}"
        );
    }

    /// Probe 7 L8: a FeatureCollection beginning with a byte order mark was refused ("not
    /// JSON ... column 1") while GeoJSONSeq and CSV skip it; its name and lines are kept.
    #[test]
    fn a_collection_after_a_byte_order_mark_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.geojson");
        std::fs::write(
            &path,
            "\u{feff}{\"type\":\"FeatureCollection\",\"name\":\"w\",\"features\":[\n{\"type\":\"Feature\",\"id\":\"a\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]},\"properties\":{}}]}",
        )
        .unwrap();
        let (name, features) = read_layer(&path, &Columns::default()).unwrap();
        assert_eq!((name.as_str(), features.len()), ("w", 1));
        assert_eq!(features[0].id, "a");
        // A mark anywhere else is still no JSON.
        std::fs::write(
            &path,
            "{\"type\":\"FeatureCollection\",\u{feff}\"features\":[]}",
        )
        .unwrap();
        assert!(read_layer(&path, &Columns::default()).is_err());
    }

    /// A FeatureCollection's faults name the line they are on, counted in the file as
    /// serde_json counts it: a feature's bad value (not the feature's first line), text
    /// that is not JSON in a feature or another member, and a feature whose id repeats.
    #[test]
    fn collection_faults_name_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.geojson");
        let point = r#""geometry":{"type":"Point","coordinates":[67,37]}"#;
        for text in [
            "{\"type\":\"FeatureCollection\",\"features\":[\n{\"type\":\"Feature\",\n\"properties\":{\"a\":\"\\q\"}}]}",
            "{\"features\":[],\n\"x\":[1,\n 2,]}",
            "{\"features\":[]}\n,",
            "{\"features\":[\n  {\"type\":\"Feature\"}\n  {}]}",
        ] {
            std::fs::write(&path, text).unwrap();
            let err = read_layer(&path, &Columns::default())
                .map(|_| ())
                .unwrap_err()
                .to_string();
            let whole = serde_json::from_str::<Json>(text).unwrap_err();
            // More after the document is told what it may be (session 42).
            let hint = match whole.to_string().starts_with("trailing characters") {
                true => {
                    "; a GeoJSON file holds one value: one Feature per line is GeoJSONSeq, \
                     named .geojsons (or .geojsonl, .ndjson)"
                }
                false => "",
            };
            let wanted = format!("c.geojson:{}: not JSON: {whole}{hint}", whole.line());
            assert!(err.ends_with(&wanted), "{err} / {wanted}");
        }
        std::fs::write(
            &path,
            "{\"type\":\"FeatureCollection\",\"features\":[\n{\"type\":\"Feature\",\n\"geometry\":{\"type\":\"Point\",\"coordinates\":[1]},\"properties\":{}}]}",
        )
        .unwrap();
        let err = read_layer(&path, &Columns::default())
            .map(|_| ())
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("c.geojson:3: feature 1: bad position [1]: not [lon, lat] or"),
            "{err}"
        );
        let feature = |id: &str| format!(r#"{{"type":"Feature","id":"{id}",{point}}}"#);
        std::fs::write(
            &path,
            format!(
                "{{\"features\":[\n{},\n{},\n{}]}}",
                feature("a"),
                feature("b"),
                feature("a")
            ),
        )
        .unwrap();
        let layer = read_built(&path, (&Columns::default(), &mut []), None, 2).unwrap();
        let opts = super::super::TileOptions::default();
        let err = super::super::encode_built(vec![layer], &opts)
            .map(|_| ())
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("c.geojson:4: layer \"c\": feature \"a\""),
            "{err}"
        );
    }

    /// A legacy `crs` naming another system than longitude/latitude WGS 84, on the
    /// collection or on a feature (in a collection or a GeoJSONSeq), is refused by the one
    /// check ([`crs_problem`]) naming the file, the line and the `crs`; WGS 84's names are
    /// read. A name given twice is refused at its line too.
    #[test]
    fn a_crs_other_than_wgs84_and_names_given_twice_are_refused_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let named = |name: &str| format!(r#"{{"type":"name","properties":{{"name":"{name}"}}}}"#);
        let feature = |crs: &str| {
            format!(
                r#"{{"type":"Feature",{crs}"geometry":{{"type":"Point","coordinates":[67,37]}},"properties":{{}}}}"#
            )
        };
        let collection = |top: &str, crs: &str| {
            format!(
                "{{\"type\":\"FeatureCollection\",\n{top}\"features\":[\n{}]}}",
                feature(crs)
            )
        };
        let wgs84 = format!("\"crs\":{},", named("urn:ogc:def:crs:OGC::CRS84"));
        let metres = format!("\"crs\":{},", named("EPSG:3857"));
        let c = dir.path().join("c.geojson");
        let s = dir.path().join("s.geojsonl");
        for (path, text, wanted) in [
            (&c, collection(&wgs84, &wgs84), None),
            (&c, collection("\"crs\":null,", ""), None),
            (&s, format!("\n{}\n", feature(&wgs84)), None),
            (&c, collection(&metres, ""), Some("c.geojson:2: \"crs\" {")),
            (
                &c,
                collection("", &metres),
                Some("c.geojson:3: feature 1: \"crs\" {"),
            ),
            (
                &s,
                format!("\n{}\n", feature(&metres)),
                Some("s.geojsonl:2: \"crs\" {"),
            ),
        ] {
            std::fs::write(path, &text).unwrap();
            let got = read_layer(path, &Columns::default()).map(|(_, f)| f.len());
            match (got, wanted) {
                (Ok(1), None) => {}
                (Err(e), Some(wanted)) => {
                    let e = e.to_string();
                    assert!(
                        e.contains(wanted) && e.contains("names \"EPSG:3857\", not longitude"),
                        "{text}: {e}"
                    );
                }
                (got, _) => panic!("{text}: {:?}", got.map_err(|e| e.to_string())),
            }
        }
        for (text, wanted) in [
            (
                "{\"features\":[],\n\"name\":\"a\",\n\"name\":\"b\"}".to_owned(),
                format!("c.geojson:3: {}", json::given_twice("member", "name")),
            ),
            (
                format!("{{\"features\":[],\n\"features\":[{}]}}", feature("")),
                format!("c.geojson:2: {}", json::given_twice("member", "features")),
            ),
            (
                "{\"features\":[\n{\"type\":\"Feature\",\"properties\":{\n\"a\":1,\n\"a\":2}}]}"
                    .to_owned(),
                format!(
                    "c.geojson:4: feature 1: {}",
                    json::given_twice("property", "a")
                ),
            ),
        ] {
            std::fs::write(&c, &text).unwrap();
            let e = read_layer(&c, &Columns::default()).map(|_| ()).unwrap_err();
            assert!(e.to_string().ends_with(&wanted), "{text}: {e}");
        }
    }

    /// A member the reader does not use is still checked: text that is not valid JSON is
    /// refused wherever it is (it was skipped unchecked for a while).
    #[test]
    fn a_fault_in_a_member_not_used_is_still_refused() {
        let good = br#"{"type":"Feature","junk":"ok","geometry":{"type":"Point","coordinates":[69,37]},"properties":{}}"#;
        assert!(RawFeature::default().read_slice(good, 0).is_ok());
        for bad in [
            &br#"{"type":"Feature","junk":"\ud800","geometry":null,"properties":{}}"#[..],
            &b"{\"type\":\"Feature\",\"junk\":\"\xff\xfe\",\"geometry\":null,\"properties\":{}}"[..],
            &br#"{"type":"Feature","junk":[1e400],"geometry":null,"properties":{}}"#[..],
            &br#"{"type":"Feature","geometry":{"type":"Point","coordinates":[69,37],"k":"\ud800"},"properties":{}}"#[..],
        ] {
            let got = RawFeature::default().read_slice(bad, 0);
            assert!(got.is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    /// Review finding (session 20): an id given as the JSON number 1e2 was `100.0` to the
    /// tiles reader and `1e2` to `build --events` (two tile feature ids for one feature).
    /// One rule ([`json::number_id`]) for the `id` member and the id property, in both.
    #[test]
    fn a_numeric_id_is_one_id_in_every_geojson_reader() {
        use crate::bulk::{seq::SeqReader, Columns, EventReader, Next};
        for (given, want) in [
            ("100", "100"),
            ("1e2", "100"),
            ("100.0", "100"),
            ("1.00E+2", "100"),
            ("-0", "0"),
            ("2.50", "2.5"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            ("\"1e2\"", "1e2"),
            // A string trimmed, by the one rule ([`json::id_of`]).
            ("\" a \"", "a"),
        ] {
            for line in [
                format!(
                    r#"{{"type":"Feature","id":{given},"geometry":null,"properties":{{"place":"Termiz"}}}}"#
                ),
                format!(
                    r#"{{"type":"Feature","geometry":null,"properties":{{"id":{given},"place":"Termiz"}}}}"#
                ),
                // A null member is no id: the property is.
                format!(
                    r#"{{"type":"Feature","id":null,"geometry":null,"properties":{{"id":{given},"place":"Termiz"}}}}"#
                ),
                // Nor is a blank one (review, session 34: `build --events` took it as the
                // id and refused the row as having none).
                format!(
                    r#"{{"type":"Feature","id":" ","geometry":null,"properties":{{"id":{given},"place":"Termiz"}}}}"#
                ),
                format!(
                    r#"{{"type":"Feature","id":"","geometry":null,"properties":{{"id":{given},"place":"Termiz"}}}}"#
                ),
            ] {
                let mut tiled = RawFeature::default();
                tiled.read_slice(line.as_bytes(), 9).unwrap();
                let mut bulk = SeqReader::new(
                    Path::new("t.geojsonl"),
                    line.as_bytes(),
                    &Columns::default(),
                );
                let Some(Next::Row(row)) = bulk.next_row().unwrap() else {
                    panic!("{line}")
                };
                assert_eq!((tiled.id.as_str(), row.id), (want, want), "{line}");
            }
        }
    }

    /// The feature reader keeps the rules of a JSON object read into a map: ids from the
    /// `id` member, else the `id` property, else the position (a null or blank `id` is
    /// none, one neither a string nor a number is refused, as `build --events` refuses
    /// it); a name given twice (a property, a member read) is refused, by the bulk
    /// reader's rule ([`json::given_twice`]); nulls are left out; numbers keep their JSON
    /// type; arrays and objects become their JSON text.
    #[test]
    fn features_read_ids_and_properties_by_the_json_rules() {
        let read = |text: &str, n: usize| {
            let mut f = RawFeature::default();
            f.read_slice(text.as_bytes(), n).map(|()| {
                let props: Vec<(String, u8, Vec<u8>)> = f
                    .properties
                    .iter()
                    .map(|(k, kind, v)| (k.to_owned(), kind, v.to_vec()))
                    .collect();
                (f.id.clone(), f.geometry.clone(), props)
            })
        };
        let ok = |text: &str, n: usize| read(text, n).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        let id = |text: &str| ok(text, 9).0;

        assert_eq!(
            id(r#"{"type":"Feature","id":"x","properties":{"id":"y"}}"#),
            "x"
        );
        assert_eq!(id(r#"{"properties":{"id":12},"type":"Feature"}"#), "12");
        assert_eq!(id(r#"{"type":"Feature","id":2.5,"properties":{}}"#), "2.5");
        assert_eq!(
            id(r#"{"type":"Feature","id":null,"properties":{"id":"y"}}"#),
            "y"
        );
        assert_eq!(
            id(r#"{"type":"Feature","id":" ","properties":{"id":" y "}}"#),
            "y"
        );
        assert_eq!(id(r#"{"type":"Feature","id":"","properties":{}}"#), " 9");
        assert_eq!(
            id(r#"{"type":"Feature","id":"x","properties":{"id":true}}"#),
            "x"
        );
        assert_eq!(id(r#"{"type":"Feature","properties":null}"#), " 9");
        let (_, geometry, props) = ok(
            r#"{"type":"Feature","properties":{"a":"x","b":null,"c":-2,"d":[1,{"e":2}],
                "f":0.5,"g":false},"geometry":{"coordinates":[67.5,37],"type":"Point"}}"#,
            1,
        );
        assert_eq!(geometry, Some(Point::new(67.5, 37.0).into()));
        // Probe, session 45: RFC 7946's empty multi-geometries and GeometryCollections were
        // refused. Empty, they are unlocated as a null geometry; a collection of one type
        // is its multi-geometry, nested ones and null members included.
        let geometry = |g: &str| {
            ok(
                &format!(r#"{{"type":"Feature","properties":{{}},"geometry":{g}}}"#),
                1,
            )
            .1
        };
        for empty in [
            r#"{"type":"Point","coordinates":[]}"#,
            r#"{"type":"Polygon","coordinates":[]}"#,
            r#"{"type":"MultiPoint","coordinates":[]}"#,
            r#"{"type":"MultiLineString","coordinates":[]}"#,
            r#"{"type":"MultiPolygon","coordinates":[]}"#,
            r#"{"type":"GeometryCollection","geometries":[]}"#,
            r#"{"type":"GeometryCollection","geometries":[null,{"type":"MultiPoint","coordinates":[]}]}"#,
        ] {
            assert_eq!(geometry(empty), None, "{empty}");
        }
        assert_eq!(
            geometry(
                r#"{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},
                {"type":"GeometryCollection","geometries":[{"type":"MultiPoint","coordinates":[[3,4]]}]}]}"#
            ),
            Some(MultiPoint(vec![Point::new(1.0, 2.0), Point::new(3.0, 4.0)]).into())
        );
        assert_eq!(
            geometry(
                r#"{"type":"GeometryCollection","geometries":[{"type":"LineString","coordinates":[[1,2],[3,4]]}]}"#
            ),
            Some(MultiLineString(vec![geo::LineString::from(vec![(1.0, 2.0), (3.0, 4.0)])]).into())
        );
        let expected: Vec<(String, u8, Vec<u8>)> = [
            ("a", json!("x")),
            ("c", json!(-2)),
            ("d", json!([1, {"e": 2}])),
            ("f", json!(0.5)),
            ("g", json!(false)),
        ]
        .iter()
        .map(|(k, v)| {
            let mut buf = Vec::new();
            let kind = encode_property(v, &mut buf).unwrap_or(0);
            ((*k).to_owned(), kind, buf)
        })
        .collect();
        assert_eq!(props, expected);
        for (text, wanted) in [
            (
                r#"{"type":"Feat","properties":{}}"#,
                "not a GeoJSON Feature",
            ),
            (r#"[1,2]"#, "not a GeoJSON Feature"),
            (r#"{"type":"Feature","id":true}"#, json::BAD_ID),
            (r#"{"type":"Feature","id":[1],"properties":{"id":"y"}}"#, json::BAD_ID),
            (
                r#"{"type":"Feature","properties":{"id":true}}"#,
                "property \"id\" (id) must be a string or a number",
            ),
            // An end before its start, refused as a bulk row's ([`DateSpan::new`]).
            (
                r#"{"type":"Feature","properties":{"start_date":"2021-05-10","end_date":"2021-05-01"}}"#,
                "end_date is before start_date",
            ),
            (
                r#"{"type":"Feature","properties":{"start_date":"2021-05","end_date":"2021-04-30"}}"#,
                "end_date is before start_date",
            ),
            (
                r#"{"type":"Feature","properties":[1]}"#,
                "\"properties\" is not an object",
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[1,"a"]}}"#,
                "bad position [1,\"a\"]: not [lon, lat] or [lon, lat, altitude] (RFC 7946 3.1.1)",
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2,3,4]}}"#,
                "bad position [1,2,3,4]: not [lon, lat] or [lon, lat, altitude] (RFC 7946 3.1.1)",
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"LineString","coordinates":5}}"#,
                "coordinates are not an array",
            ),
            (
                r#"{"type":"Feature","geometry":{"coordinates":[]}}"#,
                "a geometry without a type",
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},{"type":"LineString","coordinates":[[1,2],[3,4]]}]}}"#,
                "a GeometryCollection of points, lines and polygons mixed is not tiled (an MVT feature has one geometry type): split it into features",
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"GeometryCollection"}}"#,
                "a GeometryCollection without a \"geometries\" array",
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1]}]}}"#,
                "bad position [1]: not [lon, lat] or [lon, lat, altitude] (RFC 7946 3.1.1)",
            ),
            // Once serde_json's last value won, unsaid; the bulk reader refused it.
            (
                r#"{"type":"Feature","properties":{"a":1,"b":null,"a":"x"}}"#,
                &json::given_twice("property", "a")[..],
            ),
            (
                r#"{"type":"Feature","properties":{"a":null,"a":null}}"#,
                &json::given_twice("property", "a")[..],
            ),
            (
                r#"{"type":"Feature","properties":{"id":1,"id":1}}"#,
                &json::given_twice("property", "id")[..],
            ),
            (
                r#"{"type":"Feature","properties":{"k":1},"geometry":null,"properties":{}}"#,
                &json::given_twice("member", "properties")[..],
            ),
            (
                r#"{"type":"Feature","geometry":null,"type":"Feature"}"#,
                &json::given_twice("member", "type")[..],
            ),
            // Within a property's value, as the bulk reader's `json::push_raw` refuses it.
            (
                r#"{"type":"Feature","properties":{"d":{"e":1,"f":{},"e":2}}}"#,
                &format!("property \"d\": {}", json::given_twice("member", "e"))[..],
            ),
            (
                r#"{"type":"Feature","properties":{"d":[1,[{"e":1,"e":1}]]}}"#,
                &format!("property \"d\": {}", json::given_twice("member", "e"))[..],
            ),
            (
                r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2],"coordinates":[3,4]}}"#,
                &format!("geometry: {}", json::given_twice("member", "coordinates"))[..],
            ),
            // GeoJSON 2008 let a geometry carry a `crs`: checked as a feature's.
            (
                r#"{"type":"Feature","geometry":{"type":"Point","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"coordinates":[1,2]}}"#,
                &format!(
                    "geometry: \"crs\" {{\"type\":\"name\",\"properties\":{{\"name\":\"EPSG:3857\"}}}}: {}",
                    crs_problem(&json!({"type":"name","properties":{"name":"EPSG:3857"}}))
                        .unwrap_or_default()
                )[..],
            ),
        ] {
            match read(text, 1) {
                Err(FeatureError::Feature(m)) => assert_eq!(m, wanted, "{text}"),
                other => panic!("{text}: {:?}", other.map(|_| ())),
            }
        }
        assert!(matches!(read("{\"type\":", 1), Err(FeatureError::Json(_))));
    }

    #[test]
    fn csv_rows_become_points_with_typed_properties() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("events.csv");
        std::fs::write(
            &p,
            "id,latitude,longitude,name,fatalities\na,37.2,67.3,Termez,3\nb,38.5,68.8,,2.5\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let (name, features) =
            read_layer(&p, &Columns::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(name, "events");
        assert_eq!(features.len(), 2);
        assert_eq!(features[0].id, "a");
        let fatalities = |i: usize| features[i].get("fatalities");
        assert_eq!(fatalities(0), Some(&encoded(&Json::from(3))[..]));
        assert_eq!(fatalities(1), Some(&encoded(&Json::from(2.5))[..]));
        assert!(features[1].get("name").is_none());
    }

    /// Probe 8 #17: `004` was tiled as the number 4 and `1e5` as 100000.0. A cell is a
    /// number only when it is written as that number is printed; any other text stays text.
    #[test]
    fn a_cell_is_a_number_only_as_the_number_is_written() {
        for cell in ["4", "-12", "0", "2.5", "100000.0", "-0.25", "1e+20"] {
            assert!(typed(cell.to_owned()).is_number(), "{cell}");
        }
        for cell in [
            "004",
            "+4",
            "-0",
            "1.50",
            "1e5",
            "1E2",
            ".5",
            "5.",
            "0x10",
            "NaN",
            "inf",
            "1 000",
            "99999999999999999999",
        ] {
            assert_eq!(typed(cell.to_owned()), Json::from(cell), "{cell}");
        }
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
        let (_, features) = read_layer(&p, &columns).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(features[0].id, " 1");
        assert_eq!(
            features[0].get("note"),
            Some(&encoded(&Json::from("a"))[..])
        );
    }

    /// Tester's report: in a collection with ids 0, 1, (none), 3, the id-less feature was
    /// numbered 3 by its position and collided with the given id 3 (the run refused). It
    /// is numbered apart from every given id, the same every run.
    #[test]
    fn a_feature_without_an_id_is_numbered_apart_from_the_given_ids() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("gap.geojson");
        let point = r#""geometry":{"type":"Point","coordinates":[67,37]},"properties":{}"#;
        let features: Vec<String> = [r#""id":0,"#, r#""id":1,"#, "", r#""id":"3","#]
            .iter()
            .map(|id| format!(r#"{{"type":"Feature",{id}{point}}}"#))
            .collect();
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",\n")
        );
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
        let (_, features) = read_layer(&p, &Columns::default()).unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<&str> = features.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["0", "1", " 3", "3"]);
        // A CSV row without an id cell, likewise.
        let p = dir.path().join("gap.csv");
        std::fs::write(&p, "id,lat,lon\n2,37,67\n,37,67\n").unwrap_or_else(|e| panic!("{e}"));
        let (_, features) = read_layer(&p, &Columns::default()).unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<&str> = features.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["2", " 2"]);
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
        let (name, features) =
            read_layer(&p, &Columns::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(name, "bases");
        assert_eq!(features[0].id, "7");
        assert_eq!(features[1].id, "l");
        assert!(matches!(
            features[1].geometry,
            Some(Geometry::LineString(_))
        ));
    }

    /// A GeoJSON feature's id property is found as `build --events` and a CSV header find
    /// the id column: `--columns id=NAME` as named, else `id`, `event_id_cnty`, `event_id`
    /// in any case (an ACLED export's id was numbered away); the `id` member still first.
    #[test]
    fn geojson_ids_are_read_from_the_id_column_build_reads() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("acled.geojsonl");
        let feature = |member: &str, props: &str| {
            format!(
                r#"{{"type":"Feature",{member}"geometry":{{"type":"Point","coordinates":[69,38]}},"properties":{{{props}}}}}"#
            )
        };
        let ids = |lines: &[String], columns: &Columns| {
            std::fs::write(&p, lines.join("\n")).unwrap_or_else(|e| panic!("{e}"));
            read_layer(&p, columns).map(|(_, f)| f.iter().map(|f| f.id.clone()).collect::<Vec<_>>())
        };
        let lines = [
            feature("", r#""event_id_cnty":"TJK1","note":"a""#),
            feature("", r#""EVENT_ID":7,"Event_Id_Cnty":" TJK2 ""#),
            feature("", r#""event_id":"x","ID":"i3""#),
            feature(r#""id":"m4","#, r#""event_id_cnty":"TJK4""#),
            feature("", r#""event_id_cnty":"""#),
            feature("", r#""note":"b""#),
        ];
        assert_eq!(
            ids(&lines, &Columns::default()).unwrap_or_else(|e| panic!("{e}")),
            ["TJK1", "TJK2", "i3", "m4", " 5", " 6"]
        );
        // The property stays a property.
        let (_, features) = read_layer(&p, &Columns::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(features[0].get("event_id_cnty").is_some());
        // A mapping names the property as it is spelt; a feature without it (nor a member)
        // is refused, as a CSV header without the column is.
        let mapped = Columns::parse("id=note").unwrap_or_else(|e| panic!("{e}"));
        let err = ids(&lines, &mapped).unwrap_err().to_string();
        assert!(
            err.contains("acled.geojsonl:2")
                && err.contains("--columns id=note")
                && err.contains("no property \"note\""),
            "{err}"
        );
        assert_eq!(
            ids(
                &[lines[0].clone(), lines[3].clone(), lines[5].clone()],
                &mapped
            )
            .unwrap_or_else(|e| panic!("{e}")),
            ["a", "m4", "b"]
        );
        // Two spellings of one name are refused, as in a CSV header; a bad value is named.
        for (props, wanted) in [
            (r#""event_id":"a","Event_ID":"b""#, "differ only in case"),
            (
                r#""Event_Id_Cnty":true"#,
                "property \"Event_Id_Cnty\" (id) must be a string or a number",
            ),
        ] {
            let err = ids(&[feature("", props)], &Columns::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains(wanted), "{props}: {err}");
        }
        // Review: only two spellings of the id read are refused, in any order of the keys
        // (a better ranked `id` after them was refused as if they were the id).
        for props in [
            r#""id":"x","event_id":"a","EVENT_ID":"b""#,
            r#""event_id":"a","EVENT_ID":"b","id":"x""#,
        ] {
            let read = ids(&[feature("", props)], &Columns::default());
            assert_eq!(read.unwrap_or_else(|e| panic!("{props}: {e}")), ["x"]);
        }
        let err = ids(
            &[feature("", r#""ID":"a","event_id":"c","id":"b""#)],
            &Columns::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("\"ID\" and \"id\" differ only in case"),
            "{err}"
        );
        // A null member is named as such when the mapped property is missing.
        let err = ids(&[feature(r#""id":null,"#, r#""other":1"#)], &mapped)
            .unwrap_err()
            .to_string();
        assert!(err.contains("its `id` member is null or blank"), "{err}");
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
        let (_, features) = read_layer(&p, &Columns::default()).unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<&str> = features.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, [" 1", " 2", " 3"]);
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
            let layer = read_built(p, (&Columns::default(), &mut []), None, 2)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(layer.name(), "bases");
            assert_eq!(layer.len(), 2);
            super::super::encode_built(vec![layer], &opts)
                .unwrap_or_else(|e| panic!("{e}"))
                .0
        };
        // The same features built by hand, pushed with their JSON properties.
        let properties = |v: Json| match v {
            Json::Object(m) => m,
            _ => Map::new(),
        };
        let by_hand = crate::derive::Layer::new(
            "bases".to_string(),
            "",
            vec![
                crate::derive::Feature {
                    id: "a".into(),
                    geometry: Some(Point::new(67.0, 37.0).into()),
                    properties: properties(serde_json::json!({"n": 1})),
                },
                crate::derive::Feature {
                    id: "b".into(),
                    geometry: None,
                    properties: properties(serde_json::json!({"m": "x"})),
                },
            ],
        );
        let (held, _) =
            super::super::encode_pmtiles(&[by_hand], &opts).unwrap_or_else(|e| panic!("{e}"));
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
            let err = read_built(&first, (&Columns::default(), &mut []), None, 3)
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(wanted.iter().all(|w| err.contains(w)), "{err}");
        }
    }
}
