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
use crate::date::{DatePrecision, DateSpan, Day, ReportedDate};
use crate::error::Problem;
use crate::json;
use crate::model::round6;
use crate::resolve::index::GeonamesIndex;
use crate::resolve::online::GeocodeCache;
use crate::resolve::{self, Gazetteer, Geocoder};

/// Longest id accepted, bytes.
pub const MAX_ID: usize = 200;
/// Distinct date pairs remembered, at most.
const DATE_MEMO_MAX: usize = 1 << 16;

/// A resolved place, ready to paste into features: its point and its location properties
/// as JSON members (no braces).
#[derive(Debug, Clone)]
struct Located {
    location: Vec<u8>,
    point: [f64; 2],
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

/// The date properties of a row, as every layer has them.
#[derive(Serialize)]
struct Dates {
    start_date: Option<Day>,
    end_date: Option<Day>,
    date_precision: DatePrecision,
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
type DateText = std::result::Result<Vec<u8>, (bool, String)>;

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

/// Turns rows into feature properties; see the module documentation.
#[derive(Debug)]
pub struct Builder<'g> {
    events: PathBuf,
    gazetteer: &'g Gazetteer,
    geonames: &'g Geonames,
    /// Online answers kept by `build --online` or `geocode --online`, for names the local
    /// tables do not know.
    cache: &'g GeocodeCache,
    /// Whether any place came from the GeoNames table (the layer then attributes it).
    used_geonames: bool,
    index: BorderIndex<'g>,
    memo: HashMap<Box<[u8]>, std::result::Result<u32, String>>,
    located: Vec<Located>,
    dates: HashMap<Box<[u8]>, DateText>,
    key: Vec<u8>,
    date_props: Vec<u8>,
    own_location: Vec<u8>,
    /// The last feature's properties up to the location.
    middle: Vec<u8>,
    /// The last feature's place in `located`, or `None` for its own coordinates.
    place_index: Option<usize>,
    /// The check for swapped lat/lon (none in unit tests without boundaries).
    pub(crate) swap: Option<super::swap::SwapRule<'g>>,
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
            used_geonames: false,
            index,
            memo: HashMap::new(),
            located: Vec::new(),
            dates: HashMap::new(),
            key: Vec::new(),
            date_props: Vec::new(),
            own_location: Vec::new(),
            middle: Vec::with_capacity(512),
            place_index: None,
            swap: None,
        }
    }

    fn problem(&self, row: &Row<'_>, value: &str, message: impl Into<String>) -> Problem {
        Problem::new(
            &self.events,
            usize::try_from(row.line).ok(),
            crate::bulk::csv::excerpt(value, 80),
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
        let geocoder = Geocoder::new(self.gazetteer, secondary);
        let resolved = resolve::resolve_one(&geocoder, self.cache, place, country)?;
        self.used_geonames |= resolved.table == "geonames";
        let located = locate(
            Some(place),
            Some(place),
            Origin::Resolved(&resolved),
            &mut self.index,
        );
        let point = located.point.unwrap_or_default();
        let mut location = Vec::new();
        push_members(&mut location, &located.location)?;
        Ok(Located { location, point })
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
                        let mut text = b",".to_vec();
                        let props = Dates {
                            start_date: span.start,
                            end_date: span.end,
                            date_precision: span.precision,
                        };
                        push_members(&mut text, &props)
                            .map(|()| text)
                            .map_err(|m| (false, m))
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

    /// Check `row` and derive its properties (see [`Builder::properties`]); its rounded point
    /// and whether it has its own coordinates, or the row's problem.
    pub fn feature(&mut self, row: &Row<'_>) -> std::result::Result<([f64; 2], bool), Problem> {
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
            let reported = (!row.place.is_empty()).then_some(row.place);
            let located = locate(reported, None, Origin::Coordinates(point), &mut self.index);
            self.own_location.clear();
            push_members(&mut self.own_location, &located.location)
                .map_err(|m| self.problem(row, row.id, m))?;
            (point, None)
        } else {
            let i = self.place(row)?;
            (self.located[i].point, Some(i))
        };
        self.place_index = place;
        let m = &mut self.middle;
        m.clear();
        m.extend_from_slice(b"{\"name\":");
        json::push_str_or_null(m, row.name);
        m.extend_from_slice(&self.date_props);
        m.extend_from_slice(b",\"country_hint\":");
        json::push_str_or_null(m, row.country);
        m.push(b',');
        Ok((point, own))
    }

    /// The last feature's properties object, in pieces (the memoised ones are not
    /// copied): the row's own, the location, the free properties `extra`, the end.
    pub fn properties<'a>(&'a self, extra: &'a [u8]) -> [&'a [u8]; 4] {
        let location = match self.place_index.and_then(|i| self.located.get(i)) {
            Some(l) => &l.location,
            None => &self.own_location,
        };
        [&self.middle, location, extra, b"}"]
    }

    /// Whether any place came from the GeoNames table (the layer then attributes it).
    pub fn used_geonames(&self) -> bool {
        self.used_geonames
    }

    /// Distinct (place, country hint) pairs geocoded so far.
    pub fn places(&self) -> usize {
        self.memo.len()
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
