//! The record properties of each layer's features, beside their [`Location`]: what the
//! exercises, bases, border and bulk event layers carry, key by key, in the order written.
//!
//! `crate::derive` fills them in (`derive::features` for the dataset's layers,
//! `derive::event` for bulk rows); every writer takes them as serialised here. See the
//! README's "Layer properties" for what each key means.

use std::sync::LazyLock;

use serde::Serialize;

use super::{BaseStatus, Count, Credits, Evidence, Location, Source};
use crate::date::{DatePrecision, DateSpan, Day};

/// The keys of a bulk event feature that are neither dates nor location: its id (a member
/// of the feature, and a column of the input), `name` first, `country_hint` between the
/// dates and the location, `sources` last.
const EVENT_OWN_KEYS: [&str; 4] = ["id", "name", "country_hint", "sources"];

/// The key a tile cluster writes its number of points under (`write::tiles::cluster`;
/// 1 for a lone point, read so by `serve`): drillmap's on every feature of a tiled layer,
/// so an input property of that name is renamed `src_point_count` as a free column
/// named like a key drillmap writes is ([`is_event_key`]).
pub const POINT_COUNT: &str = "point_count";

/// Every key drillmap writes on a bulk event feature itself: [`EVENT_OWN_KEYS`], the keys
/// [`Dates`] and [`Location`] serialise to, taken from their serialisation so that a key added
/// to either is reserved at once, and [`POINT_COUNT`], which its tiles write.
static EVENT_KEYS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let dates = Dates {
        start_date: None,
        end_date: None,
        date_precision: DatePrecision::Unknown,
        date_bound: None,
    };
    let mut keys: Vec<String> = EVENT_OWN_KEYS.iter().map(|&k| k.to_owned()).collect();
    keys.push(POINT_COUNT.to_owned());
    for value in [
        serde_json::to_value(dates),
        serde_json::to_value(Location::default()),
    ] {
        // Both are structs of plain fields: their serialisation is an object.
        if let Ok(serde_json::Value::Object(map)) = value {
            keys.extend(map.into_iter().map(|(k, _)| k));
        }
    }
    keys
});

/// Whether drillmap writes `key` on a bulk event feature itself (so a free column of that
/// name must be written under another key).
pub fn is_event_key(key: &str) -> bool {
    EVENT_KEYS.iter().any(|k| k == key)
}

/// Whether drillmap writes `key` among the properties of a bulk event layer's features
/// ([`is_event_key`] less the id, a member of the feature, and [`POINT_COUNT`], which only
/// tiles write): what a layer fed back to `build --events` carries of its own.
pub fn is_layer_property(key: &str) -> bool {
    is_event_key(key) && key != "id" && key != POINT_COUNT
}

/// Whether `key` is one drillmap writes on event features, in any case: a source's `Admin1`
/// beside drillmap's `admin1` is one column twice to readers that fold case (GeoPackage,
/// shapefiles, SQL), which rename or drop one of them.
pub fn is_event_key_in_any_case(key: &str) -> bool {
    EVENT_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// The key a source's own property `name` is written under when drillmap writes `name`
/// itself ([`is_event_key_in_any_case`] in a bulk build, [`POINT_COUNT`] in tiles):
/// `src_<name>`, as written (`Admin1` gives `src_Admin1`).
pub fn source_key(name: &str) -> String {
    format!("src_{name}")
}

/// Why two names of one feature cannot both be kept: `what` they are (`columns`,
/// `properties`) and the two names would be written under the one `key` ([`source_key`]
/// of one of them is the other), so one of the two values would be lost. The one wording
/// of it, for the bulk reader's free names and for the tiles' `point_count`.
pub fn same_key_message(what: &str, first: &str, second: &str, key: &str) -> String {
    format!("{what} {first:?} and {second:?} would both be written as property {key:?}")
}

/// The date properties every dated feature has (exercises and bulk events), in this order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Dates {
    /// First day, or the start of the reported period.
    pub start_date: Option<Day>,
    /// Last day, or the end of the reported period.
    pub end_date: Option<Day>,
    /// Day, month or year: how precisely the source dates it.
    pub date_precision: DatePrecision,
    /// What the dates bound ([`DateSpan::bound`]): `period`, `on_or_after` (the end is
    /// not known: `end_date` is null), or `None` without a date.
    pub date_bound: Option<&'static str>,
}

impl Dates {
    /// The properties of a reported span.
    pub fn of(span: &DateSpan) -> Dates {
        Dates {
            start_date: span.start,
            end_date: span.end,
            date_precision: span.precision,
            date_bound: span.bound(),
        }
    }
}

/// The properties of an exercise feature (one per site).
#[derive(Debug, Serialize)]
#[allow(missing_docs)] // the README documents each key
pub struct ExerciseProps<'a> {
    pub name: &'a str,
    pub exercise_id: &'a str,
    pub site_id: Option<&'a str>,
    pub stage: Option<&'a str>,
    pub kind: &'a str,
    pub organisation: &'a str,
    pub host_country: Option<&'a str>,
    pub participants: &'a [String],
    pub invited: &'a [String],
    #[serde(flatten)]
    pub dates: Dates,
    pub troops: Option<Count>,
    pub equipment: Option<Count>,
    pub scenario: &'a str,
    #[serde(flatten)]
    pub site: SiteProperties<'a>,
}

/// What every hand-kept site feature (exercise or base) ends with: where it is, how that is
/// known, the notes, the evidence and the sources cited.
#[derive(Debug, Serialize)]
pub struct SiteProperties<'a> {
    /// The location properties.
    #[serde(flatten)]
    pub location: Location<'a>,
    /// Where the place and the point come from.
    #[serde(flatten)]
    pub provenance: SiteProvenance<'a>,
    /// The record's notes.
    pub notes: Option<&'a str>,
    /// The site's note.
    pub site_note: Option<&'a str>,
    /// The evidence entries of the record and the site.
    pub evidence: Vec<&'a Evidence>,
    /// Every source the feature cites, in citation order.
    pub sources: Vec<&'a Source>,
}

/// Where the place and the point of a hand-kept feature come from, beside its location.
#[derive(Debug, Default, Serialize)]
pub struct SiteProvenance<'a> {
    /// The source that names the place when the article does not.
    pub place_located_by: Option<&'a str>,
    /// The gazetteer row's sources for the point.
    pub point_source: Option<&'a str>,
}

/// The properties of a base feature (one per site).
#[derive(Debug, Serialize)]
#[allow(missing_docs)] // the README documents each key
pub struct BaseProps<'a> {
    pub name: &'a str,
    pub base_id: &'a str,
    pub base_name: &'a str,
    pub site_id: &'a str,
    pub operator: &'a str,
    pub host_country: &'a str,
    pub units: &'a [String],
    pub status: BaseStatus,
    pub since: Option<Day>,
    pub since_precision: Option<DatePrecision>,
    pub until: Option<Day>,
    pub until_precision: Option<DatePrecision>,
    pub last_reported: Option<Day>,
    pub last_reported_precision: Option<DatePrecision>,
    #[serde(flatten)]
    pub site: SiteProperties<'a>,
}

/// The properties of a border segment feature.
#[derive(Debug, Serialize)]
#[allow(missing_docs)] // the README documents each key
pub struct BorderProps<'a> {
    pub name: String,
    pub country_a: &'static str,
    pub country_a_name: &'a str,
    pub country_b: &'a str,
    pub country_b_name: &'a str,
    pub length_km: f64,
    pub arcs: usize,
    pub source: String,
    pub scale: &'a str,
}

/// What `geocoder` says for a point drillmap took from its own place tables: the
/// gazetteer (`places.csv`) or GeoNames.
pub const TABLE_GEOCODERS: [&str; 2] = ["gazetteer", "geonames"];

/// The free key a layer's `geocoder` is read back under (`build --events` renames the
/// keys it writes itself: `src_geocoder`), where a layer fed back says where its points
/// came from.
pub const GEOCODER_READ_BACK: &str = "src_geocoder";

/// The free key a hand-kept layer's `point_source` is read back under, beside
/// [`GEOCODER_READ_BACK`]: its own name (a bulk build does not write it).
pub const POINT_SOURCE_READ_BACK: &str = "point_source";

/// The free key a layer's `place_id` is read back under: a bulk layer fed back names its
/// gazetteer row by it (a bulk feature carries no `point_source`), whose `source` says
/// what the point owes.
pub const PLACE_ID_READ_BACK: &str = "src_place_id";

/// The read-back `place_id` ([`PLACE_ID_READ_BACK`]) in a row's free properties `extra`
/// (JSON members, as [`crate::bulk::Row::extra`] holds them), when it is a plain string
/// (drillmap writes ids as slugs: no escape in them).
pub fn place_id_read_back(extra: &[u8]) -> Option<&str> {
    let key = b"\"src_place_id\":\"";
    let at = memchr::memmem::find(extra, key)? + key.len();
    let len = memchr::memchr2(b'"', b'\\', &extra[at..])?;
    (extra.get(at + len) == Some(&b'"'))
        .then(|| std::str::from_utf8(&extra[at..at + len]).ok())
        .flatten()
}

/// Whether `geocoder`, a layer's provenance as written (a CSV cell or a JSON string's
/// text, spaces around it ignored), says its point came from drillmap's own place tables
/// ([`TABLE_GEOCODERS`]), not from the source.
pub fn from_table(geocoder: &str) -> bool {
    TABLE_GEOCODERS.contains(&geocoder.trim())
}

/// Where the point of a row read back from a layer drillmap wrote came from, by that
/// layer's provenance ([`GEOCODER_READ_BACK`], [`POINT_SOURCE_READ_BACK`]): nothing for
/// a source's row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadBack {
    /// The point is one drillmap took from its own place tables ([`from_table`]): not the
    /// source's own number, not held to the checks of one (swap, containment).
    pub from_table: bool,
    /// What the point owes (GeoNames, OpenStreetMap), as the layer it was read from owed
    /// it ([`Credits::of_point`]): a layer fed back keeps its points' credits.
    pub owes: Credits,
}

impl ReadBack {
    /// The provenance of a row whose read-back `geocoder` and `point_source` are these
    /// (empty when absent).
    pub fn of(geocoder: &str, point_source: &str) -> ReadBack {
        let geocoder = geocoder.trim();
        if geocoder.is_empty() {
            return ReadBack::default();
        }
        ReadBack {
            from_table: from_table(geocoder),
            owes: Credits {
                // Whether it is measured on the boundaries is the row's own feature's fact.
                natural_earth: false,
                ..Credits::of_point(geocoder, point_source)
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Review (session 16): the CSV and GeoJSONSeq readers trimmed the value each its own
    /// way before asking.
    #[test]
    fn a_table_geocoder_is_found_with_spaces_around_it() {
        for g in ["gazetteer", " geonames", "gazetteer\t ", "\u{a0}geonames"] {
            assert!(from_table(g), "{g:?}");
        }
        for g in ["", "nominatim", "Gazetteer", "gazetteer x"] {
            assert!(!from_table(g), "{g:?}");
        }
    }

    /// Probe (session 33): a layer fed back lost its GeoNames and OpenStreetMap credits.
    #[test]
    fn a_point_read_back_owes_what_its_layer_owed() {
        let geonames = ReadBack::of(" gazetteer", "TASS 2021; GeoNames 1220747");
        assert!(geonames.from_table && geonames.owes.geonames && !geonames.owes.openstreetmap);
        let osm = ReadBack::of("nominatim", "");
        assert!(!osm.from_table && osm.owes.openstreetmap && !osm.owes.geonames);
        let promoted = ReadBack::of("gazetteer", "Nominatim/OSM way 5, retrieved 2026-01-02");
        assert!(promoted.owes.openstreetmap);
        assert_eq!(ReadBack::of("", "GeoNames 1"), ReadBack::default());
        assert!(!ReadBack::of("geonames", "").owes.natural_earth);
        let extra = br#","src_place_name":"x","src_place_id":"kharbmaidon-training-ground","y":1"#;
        assert_eq!(
            place_id_read_back(extra),
            Some("kharbmaidon-training-ground")
        );
        assert_eq!(place_id_read_back(br#","src_place_id":null"#), None);
        assert_eq!(place_id_read_back(br#","src_place_id":"a\"b""#), None);
        assert_eq!(place_id_read_back(br#","src_place_id":"open"#), None);
    }

    #[test]
    fn event_keys_are_those_of_the_dates_and_the_location() {
        for key in [
            "id",
            "name",
            "start_date",
            "date_precision",
            "date_bound",
            "country_hint",
            "place_as_reported",
            "place_query",
            "geocoded_on",
            "nearest_border",
        ] {
            assert!(is_event_key(key), "{key}");
        }
        assert!(!is_event_key("troops"));
        assert!(!is_event_key("src_place_query"));
        assert!(is_event_key("sources"));
        // Probe 7 M3: a source's `point_count` is renamed, so the tiles' count is drillmap's.
        assert!(is_event_key_in_any_case("Point_Count"));
        assert_eq!(EVENT_KEYS.len(), 4 + 1 + 4 + 17);
    }
}
