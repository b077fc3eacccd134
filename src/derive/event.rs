//! Bulk event rows into features: each row is checked (id, dates, coordinates or place)
//! and its properties are derived from pieces made once: the location properties of each
//! distinct (place, country hint), through [`super::location::locate`] as for every layer,
//! and the date properties of each distinct (start, end). Rows with their own lat/lon keep
//! them (`"geocoder": "source_coordinates"`). The properties come out as JSON text, ready
//! for the writer, so a million rows cost no per-row maps.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::location::{locate, Origin};
use super::BorderIndex;
use crate::bulk::Row;
use crate::country;
use crate::date::{DateCell, DateSpan};
use crate::error::{Error, Problem, Result};
use crate::json;
use crate::model::properties::{place_id_read_back, Dates};
use crate::model::{round6, Credits};
use crate::read::lines::MAX_LINE;
use crate::resolve::index::GeonamesIndex;
use crate::resolve::online::GeocodeCache;
use crate::resolve::{self, Gazetteer, Geocoder};

/// Longest id accepted, bytes.
pub const MAX_ID: usize = 200;
/// Distinct date pairs remembered, at most.
const DATE_MEMO_MAX: usize = 1 << 16;
/// Distinct (place as reported, nearest segment) pairs of rows with their own coordinates
/// remembered, at most.
const COORDINATES_MEMO_MAX: usize = 1 << 16;
/// Distinct country hints (and source cells) remembered, at most.
const HINT_MEMO_MAX: usize = 1 << 12;
/// The end of a feature's properties when its row names no source.
const NO_SOURCES: &[u8] = b",\"sources\":[]}";

/// A memo keyed by text from the input: foldhash, seeded at random per process (the keys
/// are the input's, so the hasher must resist chosen collisions; SipHash did too, at about
/// three times the cost per row).
type Memo<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A resolved place, ready to paste into features: its point and its location properties
/// as JSON members (no braces).
#[derive(Debug, Clone)]
struct Located {
    location: Vec<u8>,
    point: [f64; 2],
}

/// The location properties of rows located by their own coordinates, for one (place as
/// reported, nearest segment): the members' JSON text as [`push_members`] writes it, and
/// where in it the border distance, the only value that differs from row to row, lies.
#[derive(Debug, Clone)]
struct CoordinatesText {
    text: Vec<u8>,
    km: std::ops::Range<usize>,
}

impl CoordinatesText {
    /// Encode `location` once; `None` if its text has no `afghan_border_km` member.
    fn new(location: &crate::model::Location<'_>) -> std::result::Result<Option<Self>, String> {
        const KEY: &[u8] = b"\"afghan_border_km\":";
        let mut text = Vec::new();
        push_members(&mut text, location)?;
        let Some(at) = text.windows(KEY.len()).rposition(|w| w == KEY) else {
            return Ok(None);
        };
        let start = at + KEY.len();
        // A number or `null`: it ends at the next member's comma, or at the end.
        let end = text[start..]
            .iter()
            .position(|&b| b == b',')
            .map_or(text.len(), |i| start + i);
        Ok(Some(CoordinatesText {
            text,
            km: start..end,
        }))
    }

    /// The members' text with `km`, a border distance as JSON text, in its place: the
    /// pieces to paste in order.
    fn pieces<'a>(&'a self, km: &'a [u8]) -> [&'a [u8]; 3] {
        [&self.text[..self.km.start], km, &self.text[self.km.end..]]
    }
}

/// Append the members of `value`'s JSON object (without its braces) to `out`.
fn push_members<T: Serialize>(out: &mut Vec<u8>, value: &T) -> std::result::Result<(), String> {
    let start = out.len();
    serde_json::to_writer(&mut *out, value).map_err(|e| e.to_string())?;
    // An object: drop the closing and then the opening brace.
    out.pop();
    out.remove(start);
    Ok(())
}

/// A row's start and end dates as one number, when each is empty, `YYYY`, `YYYY-MM` or
/// `YYYY-MM-DD` in ASCII digits (what exports write): two different pairs of such texts
/// never give the same number. `None` for any other text (the memo keys it by its bytes).
fn pack_dates(start: &str, end: &str) -> Option<u64> {
    fn digits(b: &[u8]) -> Option<u64> {
        b.iter().try_fold(0u64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u64::from(c - b'0'))
        })
    }
    // Its form (2 bits) above its digits (at most 8, below 2^27).
    fn pack(s: &str) -> Option<u64> {
        let b = s.as_bytes();
        let (form, n) = match b.len() {
            0 => (0, 0),
            4 => (1, digits(b)?),
            7 if b[4] == b'-' => (2, digits(&b[..4])? * 100 + digits(&b[5..])?),
            10 if b[4] == b'-' && b[7] == b'-' => (
                3,
                (digits(&b[..4])? * 100 + digits(&b[5..7])?) * 100 + digits(&b[8..])?,
            ),
            _ => return None,
        };
        Some(form << 27 | n)
    }
    Some(pack(start)? << 29 | pack(end)?)
}

/// The alpha-2 code of the country a country cell names, by the rule of every country
/// column ([`country::from_cell`]: an alpha-2 or alpha-3 code or an English name, in any
/// case; blank: none), or what is wrong with it.
pub fn country_hint(cell: &str) -> std::result::Result<Option<&'static str>, String> {
    country::from_cell(cell).map(|c| c.map(|c| c.alpha2))
}

/// Check a coordinate pair as written in a row; the rounded [lon, lat] or what is wrong.
pub fn coordinates(lat: &str, lon: &str) -> std::result::Result<[f64; 2], (String, String)> {
    if lat.is_empty() && lon.is_empty() {
        return Err((
            String::new(),
            "no coordinates: lat and lon are empty".into(),
        ));
    }
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
    match out_of_range(y, x) {
        Some(OutOfRange::Lat) => Err((lat.to_owned(), OutOfRange::Lat.message().into())),
        Some(OutOfRange::Lon) => Err((lon.to_owned(), OutOfRange::Lon.message().into())),
        None => Ok([round6(x), round6(y)]),
    }
}

/// The coordinate of a position that is out of range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutOfRange {
    /// Latitude outside -90..90.
    Lat,
    /// Longitude outside -180..180.
    Lon,
}

impl OutOfRange {
    /// What is wrong, as a message says it.
    pub fn message(self) -> &'static str {
        match self {
            OutOfRange::Lat => "lat out of range (-90..90)",
            OutOfRange::Lon => "lon out of range (-180..180)",
        }
    }
}

/// The range check of a position in degrees, the one for every input (a row's text read
/// by [`coordinates`], a GeoJSON position `drillmap tiles` reads): which coordinate is out
/// of range, latitude first; a NaN is out of range.
pub fn out_of_range(lat: f64, lon: f64) -> Option<OutOfRange> {
    if !crate::model::LATITUDES.contains(&lat) {
        Some(OutOfRange::Lat)
    } else if !crate::model::LONGITUDES.contains(&lon) {
        Some(OutOfRange::Lon)
    } else {
        None
    }
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

/// What a row's feature is located by: its rounded point (`None`: unlocated), and whether
/// the point is the row's own.
pub type Derived = (Option<[f64; 2]>, bool);

/// Why a row gives no feature: its own problem, or a failure that stops the run.
enum RowError {
    Row(Problem),
    Fatal(Error),
}

impl From<Problem> for RowError {
    fn from(p: Problem) -> Self {
        RowError::Row(p)
    }
}

impl From<Error> for RowError {
    fn from(e: Error) -> Self {
        RowError::Fatal(e)
    }
}

/// A memoised (start, end): where its date properties' JSON text lies in
/// [`Builder`]'s `date_arena` (`at..at + len`), or, when `len` is [`DATE_PROBLEM`], the
/// place in `date_problems` of what is wrong. The memo's value holds it directly, and the
/// texts lie back to back: a row's dates cost one table probe and one read of the text
/// (a vector of texts cost a cache miss more per row on a million rows).
#[derive(Debug, Clone, Copy)]
struct DateRef {
    at: u32,
    len: u32,
}

/// [`DateRef::len`] of a pair of dates with a problem.
const DATE_PROBLEM: u32 = u32::MAX;

/// The GeoNames table behind the gazetteer, as the bulk build reaches it.
#[derive(Debug)]
pub enum Geonames {
    /// There is none.
    None,
    /// A small table, read whole.
    Table(Gazetteer),
    /// The full dump's on-disk index, asked per distinct place.
    Index(GeonamesIndex),
}

/// Turns rows into feature properties; see the module documentation. A clone starts from
/// the same memos and goes its own way (one per build thread); the border index's cells
/// are shared by every clone, each set up once.
#[derive(Debug, Clone)]
pub struct Builder<'g> {
    events: PathBuf,
    gazetteer: &'g Gazetteer,
    geonames: &'g Geonames,
    /// Online answers kept by `build --online` or `geocode --online`, for names the local
    /// tables do not know.
    cache: &'g GeocodeCache,
    /// What the features made so far owe to their sources (the layer's attribution).
    credits: Credits,
    index: BorderIndex<'g>,
    memo: Memo<Box<[u8]>, std::result::Result<u32, String>>,
    located: Vec<Located>,
    /// (start, end) → its text or problem: packed into a number when both are dates
    /// as exports write them ([`pack_dates`]: no key to allocate, compare or chase), as
    /// text otherwise.
    packed_dates: Memo<u64, DateRef>,
    dates: Memo<Box<[u8]>, DateRef>,
    /// The date properties' texts, back to back, and the problems of pairs that have one
    /// (the cell at fault, what is wrong).
    date_arena: Vec<u8>,
    date_problems: Vec<(DateCell, String)>,
    key: Vec<u8>,
    /// The last feature's date properties.
    date: DateRef,
    /// The last feature's own location: its border distance when `own_text` is its
    /// memoised text, else the whole location text.
    own_location: Vec<u8>,
    own_text: Option<u32>,
    /// The location text of rows with their own coordinates, per (place as reported,
    /// nearest segment): encoded once, not per row (its place in `coordinates_texts`).
    coordinates_text: Memo<Box<[u8]>, u32>,
    coordinates_texts: Vec<Option<CoordinatesText>>,
    /// Known country hints as written → their alpha-2 code.
    hints: Memo<Box<str>, &'static str>,
    /// The last feature's properties before its dates (its name), and between its dates
    /// and its location (its country hint).
    middle: Vec<u8>,
    hint_text: Vec<u8>,
    /// Source cells as written → their place in `source_texts`: the `sources` member and
    /// the object's end ([`Builder::sources`]).
    sources: Memo<Box<str>, u32>,
    source_texts: Vec<Box<[u8]>>,
    /// The last feature's place in `source_texts` (`None`: no sources, or the row's own
    /// in `row_sources`).
    source: Option<u32>,
    /// The last feature's `sources` member and the object's end, when its row gave them
    /// in drillmap's form ([`Row::sources`]; empty otherwise).
    row_sources: Vec<u8>,
    /// The last feature's place in `located`, or `None` for its own coordinates.
    place_index: Option<usize>,
    /// Whether a place resolved by a weak match is a row problem (`build --events
    /// --strict`), not a feature.
    pub(crate) strict: bool,
    /// The check for swapped lat/lon (none in unit tests without boundaries).
    pub(crate) swap: Option<super::swap::SwapRule<'g>>,
    /// The place whose GeoNames lookup fails ([`tests::fail_index_at`] where this builder
    /// was made: its clones on other threads fail alike).
    #[cfg(test)]
    fail_index_at: Option<String>,
}

impl<'g> Builder<'g> {
    /// A builder for rows of `events`, geocoding against `gazetteer` and `geonames`, then
    /// the online `cache` (as every build does, [`resolve::resolve_one`]).
    pub fn new(
        events: &Path,
        gazetteer: &'g Gazetteer,
        geonames: &'g Geonames,
        cache: &'g GeocodeCache,
        index: BorderIndex<'g>,
    ) -> Self {
        Builder {
            events: events.to_path_buf(),
            gazetteer,
            geonames,
            cache,
            credits: Credits::NONE,
            index,
            memo: Memo::default(),
            located: Vec::new(),
            packed_dates: Memo::default(),
            dates: Memo::default(),
            date_arena: Vec::new(),
            date_problems: Vec::new(),
            key: Vec::new(),
            date: DateRef { at: 0, len: 0 },
            own_location: Vec::new(),
            own_text: None,
            coordinates_text: Memo::default(),
            coordinates_texts: Vec::new(),
            hints: Memo::default(),
            middle: Vec::with_capacity(256),
            hint_text: Vec::with_capacity(64),
            sources: Memo::default(),
            source_texts: Vec::new(),
            source: None,
            row_sources: Vec::new(),
            place_index: None,
            strict: false,
            swap: None,
            #[cfg(test)]
            fail_index_at: tests::INDEX_FAILS_AT.with(|f| f.borrow().clone()),
        }
    }

    fn problem(&self, row: &Row<'_>, value: &str, message: impl Into<String>) -> Problem {
        Problem::new(&self.events, usize::try_from(row.line).ok(), value, message)
    }

    /// The problem of a row whose feature is `bytes` of GeoJSON, more than a line may hold
    /// ([`MAX_LINE`]): written, it could not be read back (as `--events`, by `tiles`, as a
    /// GeoJSONSeq line), so it is a bad row.
    /// `bytes` is the feature's line: the feature and the one byte beside it.
    pub fn oversized(&self, row: &Row<'_>, bytes: usize) -> Problem {
        self.problem(
            row,
            row.id,
            format!(
                "its feature's line would be {bytes} bytes of GeoJSON, more than the \
                 {MAX_LINE} a line may hold (drillmap's readers, GeoJSONSeq): shorten its \
                 free columns"
            ),
        )
    }

    /// Geocode `place` within `country` (an alpha-2 code, or empty): its location, or what is wrong with the
    /// row (`Ok(Err)`); an `Err` when the GeoNames index cannot be read, which stops the run.
    fn locate(
        &mut self,
        place: &str,
        country: &str,
    ) -> Result<std::result::Result<Located, String>> {
        #[cfg(test)]
        if let Some(e) = tests::injected_index_failure(self.fail_index_at.as_deref(), place) {
            return Err(e);
        }
        // With an index, only the rows this name can match are made into a table: the
        // answer is the one the whole table would give (see `GeonamesIndex::places_for`).
        let subset;
        let secondary = match self.geonames {
            Geonames::None => None,
            Geonames::Table(t) => Some(t),
            Geonames::Index(ix) => {
                let places = ix.places_for([place])?;
                subset = Gazetteer::named("geonames", resolve::geocoder::ALTERNATE_NAME, places);
                Some(&subset)
            }
        };
        let geocoder = Geocoder::new(self.gazetteer, secondary);
        let resolved = match resolve::resolve_one(
            &geocoder,
            self.cache,
            place,
            country,
            // `build --events` cannot ask online: `geocode --online` can, first.
            resolve::OnlineAdvice::AskFirst,
        ) {
            Ok(r) => r,
            Err(m) => return Ok(Err(m)),
        };
        if self.strict && resolved.is_weak() {
            return Ok(Err(format!(
                "{}; --strict counts a weak match as a bad row",
                resolved.weak_match()
            )));
        }
        self.credits = self.credits.and(Credits::of_point(
            resolved.geocoder(),
            &resolved.place.source,
        ));
        let located = locate(
            Some(place),
            Some(place),
            Origin::Resolved(&resolved),
            &mut self.index,
        );
        let point = located.point.unwrap_or_default();
        let mut location = Vec::new();
        push_members(&mut location, &located.location).map_err(Error::Internal)?;
        Ok(Ok(Located { location, point }))
    }

    /// Check the row's dates and point `self.date` at their properties (memoised per
    /// (start, end)).
    fn dates(&mut self, row: &Row<'_>) -> std::result::Result<(), Problem> {
        let packed = match (row.date_precision, row.date_bound) {
            ("", "") => pack_dates(row.start_date, row.end_date),
            _ => None,
        };
        let known = match packed {
            Some(k) => self.packed_dates.get(&k),
            None => {
                self.key.clear();
                self.key.extend_from_slice(row.start_date.as_bytes());
                self.key.push(0x1f);
                self.key.extend_from_slice(row.end_date.as_bytes());
                self.key.push(0x1f);
                self.key.extend_from_slice(row.date_precision.as_bytes());
                self.key.push(0x1f);
                self.key.extend_from_slice(row.date_bound.as_bytes());
                self.dates.get(self.key.as_slice())
            }
        };
        let date = match known {
            Some(&d) => d,
            None => {
                let cells = (row.start_date, row.end_date, row.date_precision);
                let span = DateSpan::of_cells(cells.0, cells.1, cells.2, row.date_bound);
                let value = span.and_then(|span| {
                    let mut text = b",".to_vec();
                    let props = Dates::of(&span);
                    push_members(&mut text, &props)
                        .map(|()| text)
                        .map_err(|m| (DateCell::Start, m))
                });
                if self.packed_dates.len() + self.dates.len() >= DATE_MEMO_MAX
                    || self.date_arena.len() >= u32::MAX as usize / 2
                {
                    self.packed_dates.clear();
                    self.dates.clear();
                    self.date_arena.clear();
                    self.date_problems.clear();
                }
                let date = match value {
                    Ok(text) => {
                        let at = self.date_arena.len();
                        self.date_arena.extend_from_slice(&text);
                        DateRef {
                            at: u32::try_from(at).unwrap_or(u32::MAX),
                            len: u32::try_from(text.len()).unwrap_or(0),
                        }
                    }
                    Err(problem) => {
                        let at = self.date_problems.len();
                        self.date_problems.push(problem);
                        DateRef {
                            at: u32::try_from(at).unwrap_or(u32::MAX),
                            len: DATE_PROBLEM,
                        }
                    }
                };
                match packed {
                    Some(k) => self.packed_dates.insert(k, date),
                    None => self.dates.insert(self.key.clone().into_boxed_slice(), date),
                };
                date
            }
        };
        self.date = date;
        if date.len != DATE_PROBLEM {
            return Ok(());
        }
        match self.date_problems.get(date.at as usize) {
            Some((cell, m)) => Err(self.problem(row, cell.of(row.date_cells()), m.clone())),
            None => Ok(()),
        }
    }

    /// The index of the row's place in `located`, geocoding it on first sight; `Ok(Err)`
    /// for a row problem, `Err` for a failure that stops the run.
    fn place(
        &mut self,
        row: &Row<'_>,
        country: Option<&str>,
    ) -> Result<std::result::Result<usize, Problem>> {
        if row.place.is_empty() {
            return Ok(Err(self.problem(row, "", "no place and no coordinates")));
        }
        self.key.clear();
        self.key.extend_from_slice(row.place.as_bytes());
        self.key.push(0x1f);
        // The country the hint names, not its spelling: `TJ`, `tjk` and `Tajikistan` are
        // one lookup (probe, session 43: two were counted, and looked up, apart).
        self.key.extend_from_slice(country.unwrap_or("").as_bytes());
        let found = match self.memo.get(self.key.as_slice()) {
            Some(r) => r.clone(),
            None => {
                let key = self.key.clone().into_boxed_slice();
                let r = match self.locate(row.place, country.unwrap_or(""))? {
                    Ok(l) => {
                        let i = u32::try_from(self.located.len())
                            .map_err(|_| Error::Internal("more than 2^32 places".into()))?;
                        self.located.push(l);
                        Ok(i)
                    }
                    Err(m) => Err(m),
                };
                self.memo.insert(key, r.clone());
                r
            }
        };
        Ok(found
            .map(|i| i as usize)
            .map_err(|m| self.problem(row, row.place, m)))
    }

    /// Check `row` and derive its properties (see [`Builder::properties`]); its rounded point
    /// (`None`: an unlocated feature, [`Row::unlocated`] with no place) and whether it has
    /// its own coordinates, or the row's problem (`Ok(Err)`). An `Err` is a failure that
    /// stops the run: the GeoNames index could not be read, or a bug.
    pub fn feature(&mut self, row: &Row<'_>) -> Result<std::result::Result<Derived, Problem>> {
        match self.row_feature(row) {
            Ok(f) => Ok(Ok(f)),
            Err(RowError::Row(p)) => Ok(Err(p)),
            Err(RowError::Fatal(e)) => Err(e),
        }
    }

    fn row_feature(&mut self, row: &Row<'_>) -> std::result::Result<Derived, RowError> {
        check_id(row.id).map_err(|m| self.problem(row, row.id, m))?;
        // Names and places hold no control character, by the one rule of names and ids
        // (probe 8 #2: a tab or NUL in a place was published and looked up loosely).
        for (what, text) in [("name", row.name), ("place", row.place)] {
            if let Some(m) = crate::read::lines::control_character(text) {
                return Err(self.problem(row, text, format!("{what} {m}")).into());
            }
        }
        self.dates(row)?;
        // Every row's hint, whatever locates it (probe finding: only geocoded rows' were).
        let hint = self
            .hint(row.country)
            .map_err(|m| self.problem(row, row.country, m))?;
        let own = !row.lat.is_empty() || !row.lon.is_empty();
        let (point, place) = if own {
            let point = coordinates(row.lat, row.lon).map_err(|(v, m)| self.problem(row, &v, m))?;
            // A point drillmap took from its own tables, read back from a layer it wrote,
            // is not the source's number: not held to the checks of one (probe 8 #1: a
            // GeoNames point 2 km outside its country's 1:10m outline was refused).
            if let Some(rule) = self.swap.as_mut().filter(|_| !row.read_back.from_table) {
                if rule.suspect(point[0], point[1], hint) {
                    let (value, message) = swap_problem(row.lat, row.lon, hint);
                    return Err(self.problem(row, &value, message).into());
                }
                // The gazetteer's containment check (probe finding: 0, 0 in UZ passed).
                let outside = hint.and_then(|cc| rule.countries.outside(point[1], point[0], cc));
                if let Some(m) = outside {
                    let value = format!("{},{}", row.lat, row.lon);
                    let m = format!("country {:?}: {m}", row.country);
                    return Err(self.problem(row, &value, m).into());
                }
            }
            let reported = (!row.place.is_empty()).then_some(row.place);
            let located = locate(reported, None, Origin::Coordinates(point), &mut self.index);
            // A layer fed back keeps what its points owe (GeoNames, OpenStreetMap): as its
            // `point_source` says (a hand-kept layer's), or its gazetteer row's `source`
            // (a bulk layer's, found by its `place_id`).
            let mut owes = row.read_back.owes;
            if row.read_back.from_table && owes == Credits::NONE {
                if let Some(place) =
                    place_id_read_back(row.extra).and_then(|id| self.gazetteer.get(id))
                {
                    owes = Credits::of_point(self.gazetteer.table(), &place.source);
                    owes.natural_earth = false;
                }
            }
            self.credits = self.credits.and(owes);
            self.credits.natural_earth = true;
            self.coordinates_location(&located.location)
                .map_err(|m| RowError::Fatal(Error::Internal(m)))?;
            (Some(point), None)
        } else if row.unlocated && row.place.is_empty() {
            // The source says it has no location (a GeoJSON feature with a null geometry,
            // as the hand-kept layers write an exercise the articles do not locate): an
            // unlocated feature, its location properties those of every unlocated record.
            let located = locate(None, None, Origin::Unlocated, &mut self.index);
            self.own_text = None;
            self.own_location.clear();
            push_members(&mut self.own_location, &located.location)
                .map_err(|m| RowError::Fatal(Error::Internal(m)))?;
            (None, None)
        } else {
            let i = self.place(row, hint)??;
            (Some(self.located[i].point), Some(i))
        };
        self.place_index = place;
        let m = &mut self.middle;
        m.clear();
        m.extend_from_slice(b"{\"name\":");
        json::push_str_or_null(m, row.name);
        let h = &mut self.hint_text;
        h.clear();
        h.extend_from_slice(b",\"country_hint\":");
        json::push_str_or_null(h, row.country);
        h.push(b',');
        self.sources(row)?;
        Ok((point, own))
    }

    /// Point the feature's end at its row's `sources` member (`,"sources":[…]}`, the end of
    /// its properties): the row's sources in drillmap's form, if any
    /// ([`crate::read::dataset::sources_of_layer`]: a layer fed back keeps its features'
    /// sources, checked as a `sources.toml` entry is), then its source cell's
    /// ([`crate::model::Source::of_cell`], the shape of a hand-kept feature's). A row with
    /// a source cell alone takes its text from `source_texts`, made once per distinct
    /// cell (`self.source`); one with its own sources has it in `row_sources`. Sources not
    /// in that form, a cell holding a control character (a tab, a line break) or a part
    /// that starts as an address but is none, are the row's problem.
    fn sources(&mut self, row: &Row<'_>) -> std::result::Result<(), RowError> {
        self.row_sources.clear();
        self.source = None;
        let cell_only = row.sources.is_empty();
        if cell_only {
            if row.source.is_empty() {
                return Ok(());
            }
            if let Some(&i) = self.sources.get(row.source) {
                self.source = Some(i);
                return Ok(());
            }
        }
        let mut sources = match row.sources {
            "" => Vec::new(),
            given => crate::read::dataset::sources_of_layer(given)
                .map_err(|e| self.problem(row, &e.part, format!("sources: {}", e.why)))?,
        };
        if let Some(m) = crate::read::lines::control_character(row.source) {
            return Err(self.problem(row, row.source, format!("source {m}")).into());
        }
        sources.extend(
            crate::model::Source::of_cell(row.source)
                .map_err(|e| self.problem(row, &e.part, format!("source: {}", e.why)))?,
        );
        self.row_sources.extend_from_slice(b",\"sources\":");
        serde_json::to_writer(&mut self.row_sources, &sources)
            .map_err(|e| RowError::Fatal(Error::Internal(e.to_string())))?;
        self.row_sources.push(b'}');
        if cell_only {
            if self.sources.len() >= HINT_MEMO_MAX {
                self.sources.clear();
                self.source_texts.clear();
            }
            let i = u32::try_from(self.source_texts.len()).unwrap_or(u32::MAX);
            let text = std::mem::take(&mut self.row_sources);
            self.source_texts.push(text.into_boxed_slice());
            self.sources.insert(row.source.into(), i);
            self.source = Some(i);
        }
        Ok(())
    }

    /// [`country_hint`] of `hint`, remembered when known (exports repeat a few hints on
    /// every row).
    fn hint(&mut self, hint: &str) -> std::result::Result<Option<&'static str>, String> {
        if hint.is_empty() {
            return Ok(None);
        }
        if let Some(&code) = self.hints.get(hint) {
            return Ok(Some(code));
        }
        let code = country_hint(hint)?;
        if let Some(code) = code {
            if self.hints.len() >= HINT_MEMO_MAX {
                self.hints.clear();
            }
            self.hints.insert(hint.into(), code);
        }
        Ok(code)
    }

    /// The location properties of a row with its own coordinates: the text of its (place
    /// as reported, nearest segment), memoised (`self.own_text`), with the row's border
    /// distance in `self.own_location`; the same bytes as encoding `location` whole (which
    /// `self.own_location` holds instead when the text has no border distance).
    fn coordinates_location(
        &mut self,
        location: &crate::model::Location<'_>,
    ) -> std::result::Result<(), String> {
        self.key.clear();
        self.key
            .extend_from_slice(location.place_as_reported.unwrap_or("").as_bytes());
        self.key.push(0x1f);
        self.key
            .extend_from_slice(location.nearest_border.unwrap_or("").as_bytes());
        let i = match self.coordinates_text.get(self.key.as_slice()) {
            Some(&i) => i,
            None => {
                if self.coordinates_text.len() >= COORDINATES_MEMO_MAX {
                    self.coordinates_text.clear();
                    self.coordinates_texts.clear();
                }
                let i = u32::try_from(self.coordinates_texts.len()).unwrap_or(u32::MAX);
                self.coordinates_texts.push(CoordinatesText::new(location)?);
                self.coordinates_text
                    .insert(self.key.clone().into_boxed_slice(), i);
                i
            }
        };
        self.own_location.clear();
        match self.coordinates_texts.get(i as usize) {
            Some(Some(_)) => {
                self.own_text = Some(i);
                json::push_value(&mut self.own_location, &location.afghan_border_km);
            }
            _ => {
                self.own_text = None;
                push_members(&mut self.own_location, location)?;
            }
        }
        Ok(())
    }

    /// The last feature's properties object, in pieces (the memoised ones are not
    /// copied): the row's name, its dates, its country hint, the location (up to three
    /// pieces), the free properties `extra`, the end.
    pub fn properties<'a>(&'a self, extra: &'a [u8]) -> [&'a [u8]; 8] {
        let dates = match self.date {
            DateRef {
                len: DATE_PROBLEM, ..
            } => &[],
            DateRef { at, len } => {
                let at = at as usize;
                self.date_arena
                    .get(at..at + len as usize)
                    .unwrap_or_default()
            }
        };
        let own = self
            .own_text
            .and_then(|i| self.coordinates_texts.get(i as usize))
            .and_then(Option::as_ref);
        let [a, b, c]: [&[u8]; 3] = match (self.place_index.and_then(|i| self.located.get(i)), own)
        {
            (Some(l), _) => [&l.location, &[], &[]],
            (None, Some(t)) => t.pieces(&self.own_location),
            (None, None) => [&self.own_location, &[], &[]],
        };
        let end = match self.source {
            _ if !self.row_sources.is_empty() => &self.row_sources[..],
            Some(i) => self
                .source_texts
                .get(i as usize)
                .map_or(NO_SOURCES, |t| &t[..]),
            None => NO_SOURCES,
        };
        [&self.middle, dates, &self.hint_text, a, b, c, extra, end]
    }

    /// What the places geocoded so far and the rows measured owe to their sources.
    pub fn credits(&self) -> Credits {
        self.credits
    }

    /// Distinct (place, country hint) pairs geocoded so far.
    pub fn places(&self) -> usize {
        self.memo.len()
    }

    /// Distinct (place, country hint) pairs geocoded so far by any of `builders` (clones
    /// that each met some of the rows).
    pub fn places_of(builders: &[Builder<'_>]) -> usize {
        match builders {
            [one] => one.places(),
            _ => builders
                .iter()
                .flat_map(|b| b.memo.keys())
                .collect::<std::collections::HashSet<_>>()
                .len(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cell::RefCell;

    thread_local! {
        /// The place whose GeoNames index lookup fails, for builders made in this test
        /// thread.
        pub(super) static INDEX_FAILS_AT: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    /// Make the GeoNames index lookup of `place` fail with an I/O error, as an index file
    /// that becomes unreadable in the middle of a run would (`None`: stop failing).
    pub(crate) fn fail_index_at(place: Option<&str>) {
        INDEX_FAILS_AT.with(|f| *f.borrow_mut() = place.map(str::to_owned));
    }

    pub(super) fn injected_index_failure(fails_at: Option<&str>, place: &str) -> Option<Error> {
        (fails_at == Some(place)).then(|| {
            crate::resolve::index::IndexError::Io {
                path: "geonames.idx".into(),
                source: std::io::Error::other("injected read failure"),
            }
            .into()
        })
    }

    proptest::proptest! {
        /// Two pairs of dates pack to the same number only when their texts are the same,
        /// and text that is not a date as exports write it is not packed.
        #[test]
        fn packed_dates_tell_every_pair_apart(
            a in "([0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?)?",
            b in "([0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?)?",
            c in "([0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?)?",
            d in "([0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?)?",
            other in "[0-9 /-]{1,11}",
        ) {
            let (x, y) = (pack_dates(&a, &b), pack_dates(&c, &d));
            proptest::prop_assert!(x.is_some() && y.is_some());
            proptest::prop_assert_eq!(x == y, (&a, &b) == (&c, &d));
            let form = regex_lite_date(&other);
            proptest::prop_assert_eq!(pack_dates(&other, "").is_some(), form);
            proptest::prop_assert_eq!(pack_dates("", &other).is_some(), form);
        }
    }

    /// Whether `s` is `YYYY`, `YYYY-MM` or `YYYY-MM-DD` in ASCII digits.
    fn regex_lite_date(s: &str) -> bool {
        let b = s.as_bytes();
        let digit = |i: usize| b[i].is_ascii_digit();
        match b.len() {
            4 => (0..4).all(digit),
            7 => (0..4).all(digit) && b[4] == b'-' && (5..7).all(digit),
            10 => {
                (0..4).all(digit)
                    && b[4] == b'-'
                    && (5..7).all(digit)
                    && b[7] == b'-'
                    && (8..10).all(digit)
            }
            _ => false,
        }
    }

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
        assert!(coordinates("", "67")
            .unwrap_err()
            .1
            .contains("lat is empty but"));
        // Probe finding 11: both empty said "lat is empty but the other coordinate is given".
        assert_eq!(
            coordinates("", "").unwrap_err().1,
            "no coordinates: lat and lon are empty"
        );
        // Swaps are the boundaries' to judge (derive::swap), not a box's.
        assert_eq!(
            coordinates("56.28923", "42.92005"),
            Ok([42.92005, 56.28923])
        );
    }

    /// The memoised text of a row with its own coordinates is the text of its whole
    /// location, for any point, place and segment.
    #[test]
    fn coordinates_text_is_the_whole_location_text() {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("places");
        let boundaries =
            crate::read::topojson::read(&data.join(crate::read::topojson::COUNTRIES)).unwrap();
        let border = crate::derive::AfghanBorder::from_boundaries(&boundaries).unwrap();
        let mut index = BorderIndex::new(&border);
        let mut memo: HashMap<(Option<&str>, Option<&str>), CoordinatesText> = HashMap::new();
        let mut rng = fastrand::Rng::with_seed(5);
        for i in 0..5000 {
            let point = [rng.f64() * 42.0 + 46.0, rng.f64() * 27.0 + 29.0];
            let reported = [None, Some("Termez"), Some("Пяндж \"Ayvaj\"")][i % 3];
            let located = locate(reported, None, Origin::Coordinates(point), &mut index);
            let l = &located.location;
            let mut whole = Vec::new();
            push_members(&mut whole, l).unwrap();
            let text = memo
                .entry((l.place_as_reported, l.nearest_border))
                .or_insert_with(|| CoordinatesText::new(l).unwrap().unwrap());
            let mut km = Vec::new();
            json::push_value(&mut km, &l.afghan_border_km);
            let pasted = text.pieces(&km).concat();
            assert_eq!(
                String::from_utf8(pasted).unwrap(),
                String::from_utf8(whole).unwrap()
            );
        }
        assert!(memo.len() <= 3 * crate::derive::border::NEIGHBOURS.len());
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
        assert_eq!(country_hint("tj"), Ok(Some("TJ")));
        assert_eq!(country_hint("Tajikistan"), Ok(Some("TJ")));
        assert_eq!(country_hint(""), Ok(None));
        assert!(country_hint("Atlantis")
            .unwrap_err()
            .contains("\"Atlantis\""));
    }
}
