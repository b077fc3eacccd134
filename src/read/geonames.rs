//! GeoNames dumps in their own format: tab-separated, 19 columns, one place per line
//! (`allCountries.txt`, `KZ.txt`, `cities500.txt`), read as a stream.
//!
//! Columns: geonameid, name, asciiname, alternatenames (comma-separated), latitude,
//! longitude, feature class, feature code, country code, cc2, admin1–admin4, population,
//! elevation, dem, timezone, modification date.
//!
//! A malformed line (wrong column count, bad id or coordinate, bytes that are not UTF-8) is
//! reported with its line number and skipped; reading goes on. Feature class and code map to
//! our kinds ([`kind_of`]); rows of other classes (streams, hotels, …) are not places a
//! report of exercises names, and are counted and left out.

use std::io::BufRead;
use std::ops::RangeInclusive;
use std::path::Path;

use crate::error::{Error, Problem, Result};
use crate::model::{Place, PlaceKind, Precision, LATITUDES, LONGITUDES};

/// Places, each with how prominent it is (in [0, 1]): what a table of the geocoder is made
/// of. Hand-kept places ([`From<Vec<Place>>`]) are all fully prominent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RankedPlaces {
    /// The places, in table order.
    pub places: Vec<Place>,
    /// `prominence[i]` is the prominence of `places[i]`.
    pub prominence: Vec<f64>,
}

impl RankedPlaces {
    /// Add a place.
    pub fn push(&mut self, place: Place, prominence: f64) {
        self.places.push(place);
        self.prominence.push(prominence);
    }

    /// Number of places.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }
}

impl From<Vec<Place>> for RankedPlaces {
    fn from(places: Vec<Place>) -> RankedPlaces {
        let prominence = vec![1.0; places.len()];
        RankedPlaces { places, prominence }
    }
}

/// Columns in a GeoNames line.
pub const COLUMNS: usize = 19;

/// The names of the columns, as GeoNames' readme gives them.
const COLUMN_NAMES: [&str; COLUMNS] = [
    "geonameid",
    "name",
    "asciiname",
    "alternatenames",
    "latitude",
    "longitude",
    "feature class",
    "feature code",
    "country code",
    "cc2",
    "admin1 code",
    "admin2 code",
    "admin3 code",
    "admin4 code",
    "population",
    "elevation",
    "dem",
    "timezone",
    "modification date",
];

/// One usable GeoNames row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The geonameid.
    pub id: u64,
    /// The name in its local form.
    pub name: String,
    /// Every other name: the ASCII name and the alternate names.
    pub alternates: Vec<String>,
    /// Latitude, WGS 84.
    pub lat: f64,
    /// Longitude, WGS 84.
    pub lon: f64,
    /// Feature class and code (`P.PPLA`).
    pub feature: String,
    /// ISO 3166-1 alpha-2 country, upper case (may be empty in the dump).
    pub country: String,
    /// GeoNames admin1 code (not ISO 3166-2).
    pub admin1: String,
    /// Population (0 when unknown).
    pub population: u64,
    /// Our kind, precision and uncertainty radius for it.
    pub kind: PlaceKind,
    /// See `kind`.
    pub precision: Precision,
    /// See `kind`.
    pub uncertainty_km: f64,
    /// 1-based line in the file.
    pub line: usize,
}

impl Row {
    /// The row's [`prominence`].
    pub fn prominence(&self) -> f64 {
        prominence(&self.feature, self.population)
    }

    /// The row as a place of the second table: id `geonames:ID`, provenance in `source`.
    pub fn into_place(self) -> Place {
        Place {
            id: format!("geonames:{}", self.id),
            point_note: format!(
                "GeoNames {} {}",
                self.feature,
                if self.population > 0 {
                    format!("population {}", self.population)
                } else {
                    String::new()
                }
            )
            .trim_end()
            .to_owned(),
            name: self.name,
            kind: self.kind,
            country: self.country,
            admin1: String::new(),
            lat: self.lat,
            lon: self.lon,
            precision: self.precision,
            uncertainty_km: self.uncertainty_km,
            aliases: self.alternates,
            source: format!("GeoNames {} (CC BY 4.0)", self.id),
            valid: crate::model::Validity::ALWAYS,
            line: self.line,
        }
    }
}

/// How prominent a row is, in [0, 1] and in steps of 1/255 (so the on-disk index keeps it
/// in one byte and answers exactly as the in-memory table): the larger of what its feature
/// code says (capital 1.0, ADM1 seat 0.6, ADM2 seat 0.4, lower seats 0.3, other populated
/// places and sites 0.2, historical or abandoned places 0) and what its population says
/// (`log10(1 + population) / 7`, so 10 million is 1.0 and 191,000 is 0.75).
/// The geocoder's ranking prior ([`crate::resolve::geocoder::PRIOR_WEIGHT`]) uses it.
pub fn prominence(feature: &str, population: u64) -> f64 {
    let code = match feature {
        "P.PPLC" | "A.PCLI" | "A.PCLD" | "A.PCLS" | "A.PCLF" => 1.0,
        "P.PPLA" | "A.ADM1" => 0.6,
        "P.PPLA2" => 0.4,
        "P.PPLA3" | "P.PPLA4" | "P.PPLA5" | "P.PPLG" => 0.3,
        "P.PPLH" | "P.PPLQ" | "P.PPLW" | "P.PPLX" | "P.PPLCH" => 0.0,
        _ => 0.2,
    };
    #[allow(clippy::cast_precision_loss)] // populations are far below 2^52
    let people = ((1.0 + population as f64).log10() / 7.0).min(1.0);
    quantize(f64::max(code, people))
}

/// `p` in [0, 1] rounded to a multiple of 1/255.
pub fn quantize(p: f64) -> f64 {
    f64::from(prominence_byte(p)) / 255.0
}

/// `p` in [0, 1] as a byte (0 = 0.0, 255 = 1.0).
pub fn prominence_byte(p: f64) -> u8 {
    // Clamped to [0, 255] first, so the cast is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let b = (p.clamp(0.0, 1.0) * 255.0).round() as u8;
    b
}

/// Our kind, precision and radius (km) for a GeoNames feature class and code, or `None` for
/// features that are not places exercises are reported at.
pub fn kind_of(class: &str, code: &str, population: u64) -> Option<(PlaceKind, Precision, f64)> {
    Some(match (class, code) {
        ("L", "MILB" | "NVB") | ("S", "INSM") => (PlaceKind::Base, Precision::Site, 3.0),
        ("L", "MVA" | "RNGA") => (PlaceKind::TrainingGround, Precision::Site, 10.0),
        ("S", "AIRB" | "AIRF" | "AIRP" | "AIRH") => (PlaceKind::Airfield, Precision::Site, 3.0),
        ("S", "RDR" | "OBS" | "STNS") => (PlaceKind::Facility, Precision::Site, 2.0),
        ("P", _) => {
            let radius = match population {
                0..=9_999 => 3.0,
                10_000..=99_999 => 5.0,
                100_000..=999_999 => 10.0,
                _ => 20.0,
            };
            (PlaceKind::Settlement, Precision::Settlement, radius)
        }
        ("A", "ADM1") => (PlaceKind::Region, Precision::Region, 150.0),
        ("A", "PCLI" | "PCLD" | "PCLS" | "PCLF") => (PlaceKind::Country, Precision::Country, 500.0),
        _ => return None,
    })
}

/// Which rows to keep.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// Only these countries (ISO alpha-2, upper case); empty keeps all.
    pub countries: Vec<String>,
    /// Only rows inside `[west, south, east, north]`.
    pub bbox: Option<[f64; 4]>,
}

impl Selection {
    fn keeps(&self, country: &str, lon: f64, lat: f64) -> bool {
        (self.countries.is_empty() || self.countries.iter().any(|c| c == country))
            && self
                .bbox
                .is_none_or(|b| crate::antimeridian::bbox_holds(b, lon, lat))
    }
}

/// What a read found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Lines read.
    pub lines: usize,
    /// Rows kept.
    pub kept: usize,
    /// Rows of feature classes we do not use.
    pub other_features: usize,
    /// Rows outside the selection.
    pub outside: usize,
    /// The first [`LISTED`] malformed lines, each with its line number.
    pub problems: Vec<Problem>,
    /// How many lines are malformed, the listed ones included.
    pub malformed: usize,
}

/// How many malformed lines a read keeps to list: a wrong file (another GeoNames dump,
/// millions of lines) is said in a screenful, and its problems are not held in memory.
pub const LISTED: usize = 50;

impl Stats {
    /// Count a malformed line, and keep the problem `make` makes of it while fewer than
    /// [`LISTED`] are.
    pub fn note_malformed(&mut self, make: impl FnOnce() -> Problem) {
        self.malformed += 1;
        if self.problems.len() < LISTED {
            self.problems.push(make());
        }
    }

    /// The error of a read with malformed lines: those listed, of how many there are.
    pub fn into_error(self) -> Error {
        Error::data(self.problems, self.malformed)
    }
}

/// Read GeoNames lines from `reader`, calling `keep` with each usable row in the selection
/// and the line's text. `path` is only used in messages.
pub fn read(
    mut reader: impl BufRead,
    path: &Path,
    selection: &Selection,
    mut keep: impl FnMut(Row, &str),
) -> Result<Stats> {
    let mut stats = Stats::default();
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        stats.lines += 1;
        let line_no = stats.lines;
        while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            buf.pop();
        }
        // A dump in UTF-16 or UTF-32 is read as nothing but malformed lines: said once,
        // with how to convert it, as every other table says it (probe, session 40).
        if let Some(hint) = (line_no == 1)
            .then(|| super::table::wide_encoding_hint(&buf))
            .flatten()
        {
            return Err(Error::Syntax {
                path: path.into(),
                line: Some(1),
                message: format!("not UTF-8 text: {hint}"),
            });
        }
        if line_no == 1 && buf.starts_with(super::lines::BOM) {
            buf.drain(..super::lines::BOM.len()); // a byte order mark some editors add
        }
        if buf.is_empty() || buf.first() == Some(&b'#') {
            continue;
        }
        match parse_bytes(&buf, line_no) {
            Err((value, message)) => {
                stats.note_malformed(|| Problem::new(path, Some(line_no), value, message));
            }
            Ok((_, None)) => stats.other_features += 1,
            Ok((text, Some(row))) => {
                if selection.keeps(&row.country, row.lon, row.lat) {
                    stats.kept += 1;
                    keep(row, text);
                } else {
                    stats.outside += 1;
                }
            }
        }
    }
    Ok(stats)
}

/// A line of a GeoNames table as bytes, its end of line gone: its text and row (`None`
/// for a feature class drillmap does not read), or why it is malformed, with the value
/// shown: what every reader of the table (an import, a load, the index built beside it)
/// says of a line.
pub fn parse_bytes(bytes: &[u8], line: usize) -> Result<(&str, Option<Row>), (String, String)> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let valid = e.valid_up_to().min(bytes.len());
        // Named as every table names such a field: its column, its bytes and how to convert
        // the file (probe, session 45: the message showed the line up to the bad byte).
        let fields: csv::ByteRecord = bytes.split(|&b| b == b'\t').collect();
        let header: Vec<String> = COLUMN_NAMES.iter().map(|&c| c.to_owned()).collect();
        (
            String::from_utf8_lossy(bytes).into_owned(),
            format!(
                "at byte {} of the line, {}",
                valid + 1,
                super::table::not_utf8(&fields, Some(&header))
            ),
        )
    })?;
    match parse_line(text, line) {
        Ok(row) => Ok((text, row)),
        Err(message) => Err((text.to_owned(), message)),
    }
}

/// A geonameid as GeoNames writes it: a positive whole number in plain digits (no sign,
/// no leading zero), so that one place has one id in the table and in `geonames:ID` alike
/// (`+7` and `007` were kept as written and shown as `geonames:7`).
fn geonameid(text: &str) -> Result<u64, String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let problem = if text.is_empty() {
        "is empty"
    } else if !digits(text) {
        match text.strip_prefix('-') {
            Some(rest) if digits(rest) => "is negative",
            _ if text.strip_prefix('+').is_some_and(digits) => {
                "has a sign: GeoNames writes an id in digits alone"
            }
            _ => "is not a number",
        }
    } else if text.starts_with('0') {
        "is not a positive number in plain digits (no leading zero)"
    } else {
        match text.parse::<u64>() {
            Ok(id) => return Ok(id),
            Err(_) => "is too large to be a GeoNames id",
        }
    };
    Err(format!("geonameid {text:?} {problem}"))
}

/// Parse one line; `Ok(None)` for a well-formed row of a feature class we do not use.
pub fn parse_line(text: &str, line: usize) -> Result<Option<Row>, String> {
    let f: Vec<&str> = text.split('\t').collect();
    if f.len() != COLUMNS {
        return Err(format!(
            "has {} tab-separated columns, expected {COLUMNS}",
            f.len()
        ));
    }
    let id = geonameid(f[0])?;
    let coord = |s: &str, what: &str, range: RangeInclusive<f64>| -> Result<f64, String> {
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() && range.contains(&v) => Ok(v),
            Ok(_) => Err(format!("{what} {s:?} out of range")),
            Err(_) => Err(format!("{what} {s:?} is not a number")),
        }
    };
    let lat = coord(f[4], "latitude", LATITUDES)?;
    let lon = coord(f[5], "longitude", LONGITUDES)?;
    let population = match f[14].trim() {
        "" => 0,
        p => p
            .parse::<u64>()
            .map_err(|_| format!("population {p:?} is not a whole number"))?,
    };
    let Some((kind, precision, uncertainty_km)) = kind_of(f[6], f[7], population) else {
        return Ok(None);
    };
    if f[1].trim().is_empty() {
        return Err("empty name".into());
    }
    // A place is filed under its country, as in places.csv: a code no country has (`UZB`,
    // `ZZ`, none) would reach the layers as `place_country` (probe, session 27).
    let country = f[8].trim().to_ascii_uppercase();
    if crate::country::by_alpha2(&country).is_none() {
        return Err(format!(
            "country code {:?} is not an ISO 3166-1 alpha-2 code",
            f[8].trim()
        ));
    }
    // No name holds a control character, as in places.csv (one check).
    for (what, value) in [
        ("name", f[1]),
        ("asciiname", f[2]),
        ("alternatenames", f[3]),
    ] {
        if let Some(m) = super::lines::control_character(value) {
            return Err(format!("{what} {m}"));
        }
    }
    let mut alternates: Vec<String> = Vec::new();
    for a in std::iter::once(f[2]).chain(f[3].split(',')) {
        let a = a.trim();
        // Short all-capital alternates are codes (IATA, ICAO), not names.
        let code = a.len() <= 4
            && a.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !a.is_empty() && !code && a != f[1] && !alternates.iter().any(|x| x == a) {
            alternates.push(a.to_owned());
        }
    }
    Ok(Some(Row {
        id,
        name: f[1].trim().to_owned(),
        alternates,
        lat,
        lon,
        feature: format!("{}.{}", f[6], f[7]),
        country,
        admin1: f[10].to_owned(),
        population,
        kind,
        precision,
        uncertainty_km,
        line,
    }))
}

/// Read a GeoNames file into places of a second table, each with its [`prominence`],
/// leaving out the geonameids in `exclude` (places the hand-kept table already has: it
/// always wins).
pub fn read_places(path: &Path, exclude: &dyn Fn(&Row) -> bool) -> Result<(RankedPlaces, Stats)> {
    let file = super::input::open_lines(path)?;
    let mut places = RankedPlaces::default();
    let stats = read(
        std::io::BufReader::new(file),
        path,
        &Selection::default(),
        |row, _| {
            if !exclude(&row) {
                let p = row.prominence();
                places.push(row.into_place(), p);
            }
        },
    )?;
    Ok((places, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TERMEZ: &str = "1215957\tTirmiz\tTirmiz\tTermez,Termiz,Термез,TMJ\t37.22417\t67.27833\tP\tPPLA\tUZ\t\t12\t\t\t\t182800\t\t302\tAsia/Samarkand\t2023-01-01";

    fn read_str(text: &[u8], sel: &Selection) -> (Vec<Row>, Stats) {
        let mut rows = Vec::new();
        let stats = read(text, Path::new("g.txt"), sel, |r, _| rows.push(r)).unwrap();
        (rows, stats)
    }

    /// Probe (session 29): "-5" and an overflowing id were "not a number"; "+7" was kept
    /// as written and shown as `geonames:7`, "007" and "0" were taken.
    #[test]
    fn a_geonameid_is_plain_digits_and_says_what_is_wrong() {
        assert_eq!(geonameid("1215957"), Ok(1_215_957));
        for (text, words) in [
            ("-5", "is negative"),
            ("99999999999999999999", "is too large"),
            ("+7", "has a sign"),
            ("007", "no leading zero"),
            ("0", "no leading zero"),
            ("", "is empty"),
            ("7a", "is not a number"),
            (" 7", "is not a number"),
        ] {
            let e = geonameid(text).unwrap_err();
            assert!(
                e.contains(words) && e.contains(&format!("{text:?}")),
                "{text}: {e}"
            );
        }
    }

    #[test]
    fn reads_a_row_with_its_alternate_names() {
        let (rows, stats) = read_str(TERMEZ.as_bytes(), &Selection::default());
        assert_eq!(stats.kept, 1);
        let r = &rows[0];
        assert_eq!(
            (
                r.id,
                r.name.as_str(),
                r.country.as_str(),
                r.feature.as_str()
            ),
            (1215957, "Tirmiz", "UZ", "P.PPLA")
        );
        assert_eq!(
            r.alternates,
            ["Termez", "Termiz", "Термез"],
            "the code TMJ is left out"
        );
        assert_eq!(
            (r.kind, r.precision, r.uncertainty_km),
            (PlaceKind::Settlement, Precision::Settlement, 10.0)
        );
        let p = r.clone().into_place();
        assert_eq!(p.id, "geonames:1215957");
        assert!(p.source.contains("CC BY 4.0"));
    }

    /// Probe (session 40): a dump saved as UTF-16 was read as garbled rows, each malformed.
    #[test]
    fn a_dump_in_utf16_is_refused_with_how_to_convert_it() {
        let row =
            "1\tA\tA\t\t40.0\t67.0\tP\tPPL\tUZ\t\t12\t\t\t\t0\t\t0\tAsia/Tashkent\t2020-01-01\n";
        let le: Vec<u8> = row.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = row.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let bom: Vec<u8> = [0xFF, 0xFE].into_iter().chain(le.iter().copied()).collect();
        for bytes in [le, be, bom] {
            let e = read(
                &bytes[..],
                Path::new("g.txt"),
                &Selection::default(),
                |_, _| {},
            )
            .unwrap_err()
            .to_string();
            assert!(
                e.starts_with("g.txt:1: ") && e.contains("iconv -f utf-16 -t utf-8"),
                "{e}"
            );
        }
        // UTF-8 text is read as before.
        let (rows, stats) = read_str(row.as_bytes(), &Selection::default());
        assert_eq!((rows.len(), stats.malformed), (1, 0));
    }

    /// Probe finding 16: a byte order mark made the first row malformed.
    #[test]
    fn a_byte_order_mark_before_the_first_row_is_ignored() {
        let text = format!(
            "\u{feff}{TERMEZ}\n{}\n",
            TERMEZ.replace("1215957", "1215958")
        );
        let (rows, stats) = read_str(text.as_bytes(), &Selection::default());
        assert!(stats.problems.is_empty(), "{:?}", stats.problems);
        assert_eq!((stats.kept, rows[0].id), (2, 1215957));
    }

    #[test]
    fn maps_military_feature_codes() {
        assert_eq!(kind_of("L", "MILB", 0).map(|k| k.0), Some(PlaceKind::Base));
        assert_eq!(
            kind_of("L", "MVA", 0).map(|k| k.0),
            Some(PlaceKind::TrainingGround)
        );
        assert_eq!(
            kind_of("L", "RNGA", 0).map(|k| k.0),
            Some(PlaceKind::TrainingGround)
        );
        assert_eq!(
            kind_of("S", "AIRB", 0).map(|k| k.0),
            Some(PlaceKind::Airfield)
        );
        assert_eq!(
            kind_of("A", "ADM1", 0).map(|k| k.1),
            Some(Precision::Region)
        );
        assert_eq!(kind_of("H", "STM", 0), None);
    }

    #[test]
    fn malformed_lines_are_reported_with_their_number_and_reading_goes_on() {
        let mut text = Vec::new();
        text.extend_from_slice(b"1\ttoo\tfew\n");
        text.extend_from_slice(TERMEZ.replace("37.22417", "97.5").as_bytes());
        text.push(b'\n');
        text.extend_from_slice(TERMEZ.replace("67.27833", "east").as_bytes());
        text.push(b'\n');
        text.extend_from_slice(&TERMEZ.as_bytes()[..20]);
        text.extend_from_slice(b"\xff\xfe");
        text.extend_from_slice(&TERMEZ.as_bytes()[20..]);
        text.push(b'\n');
        text.extend_from_slice(TERMEZ.as_bytes());
        text.extend_from_slice(b"\r\n");
        let (rows, stats) = read_str(&text, &Selection::default());
        assert_eq!(rows.len(), 1, "the good line still comes through");
        assert_eq!(rows[0].line, 5);
        let msgs: Vec<String> = stats.problems.iter().map(ToString::to_string).collect();
        assert!(
            msgs[0].starts_with("g.txt:1: ")
                && msgs[0].contains("has 3 tab-separated columns, expected 19"),
            "{msgs:?}"
        );
        assert!(
            msgs[1].starts_with("g.txt:2: ") && msgs[1].contains("latitude \"97.5\" out of range"),
            "{msgs:?}"
        );
        assert!(
            msgs[2].starts_with("g.txt:3: ")
                && msgs[2].contains("longitude \"east\" is not a number"),
            "{msgs:?}"
        );
        assert!(
            msgs[3].starts_with("g.txt:4: ") && msgs[3].contains("at byte 21 of the line"),
            "{msgs:?}"
        );
        // Probe, session 45: named as every table names such a field, its column and bytes.
        assert!(
            msgs[3].contains("is not UTF-8 text: \"")
                && msgs[3].contains("\\xFF\\xFE")
                && msgs[3].contains("column \""),
            "{msgs:?}"
        );
        // "Термез" in Windows-1251 as the name.
        let mut fields: Vec<Vec<u8>> = TERMEZ.split('\t').map(|f| f.as_bytes().to_vec()).collect();
        fields[1] = b"\xD2\xE5\xF0\xEC\xE5\xE7".to_vec();
        let line = fields.join(&b'\t');
        let (value, message) = parse_bytes(&line, 1).unwrap_err();
        assert!(value.starts_with("1215957\t"), "{value}");
        assert!(
            message.contains("column \"name\" (field 2) is not UTF-8 text: \"\\xD2\\xE5")
                && message.contains("iconv -f cp1251 -t utf-8"),
            "{message}"
        );
    }

    /// Probe, session 27: a row filed under `UZB` (or `ZZ`, or no country) was kept and its
    /// code reached the layers as `place_country`. A lower-case code is its upper case.
    #[test]
    fn a_country_code_no_country_has_is_a_malformed_line() {
        let mut text = String::new();
        for code in ["UZB", "ZZ", "", "uz"] {
            text.push_str(&TERMEZ.replace("\tUZ\t", &format!("\t{code}\t")));
            text.push('\n');
        }
        let (rows, stats) = read_str(text.as_bytes(), &Selection::default());
        let msgs: Vec<String> = stats.problems.iter().map(ToString::to_string).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        for (m, code) in msgs.iter().zip(["UZB", "ZZ", ""]) {
            let want = format!("country code {code:?} is not an ISO 3166-1 alpha-2 code");
            assert!(m.contains(&want), "{m}");
        }
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].country, "UZ");
    }

    #[test]
    fn selection_filters_by_country_and_box() {
        let sel = Selection {
            countries: vec!["TJ".into()],
            bbox: None,
        };
        assert_eq!(read_str(TERMEZ.as_bytes(), &sel).1.outside, 1);
        let sel = Selection {
            countries: vec![],
            bbox: Some([60.0, 30.0, 70.0, 40.0]),
        };
        assert_eq!(read_str(TERMEZ.as_bytes(), &sel).1.kept, 1);
        // A box across the antimeridian (session 45: refused): Termez (67.3 E) lies in
        // one from 60 E to 170 W, not in one from 170 E to 60 E.
        for (bbox, kept) in [
            ([60.0, 30.0, -170.0, 40.0], 1),
            ([170.0, 30.0, 60.0, 40.0], 0),
        ] {
            let sel = Selection {
                countries: vec![],
                bbox: Some(bbox),
            };
            assert_eq!(read_str(TERMEZ.as_bytes(), &sel).1.kept, kept, "{bbox:?}");
        }
    }

    #[test]
    fn control_characters_and_negative_populations_are_problems() {
        let row = |name: &str, population: &str| {
            let mut f: Vec<&str> = TERMEZ.split('\t').collect();
            f[1] = name;
            f[14] = population;
            parse_line(&f.join("\t"), 7)
        };
        assert!(row("Tirmiz", "182800").unwrap().is_some());
        assert_eq!(row("Tirmiz", "").unwrap().unwrap().population, 0);
        let err = row("Sam\u{7}ark", "1").unwrap_err();
        assert!(err.contains("control characters (found U+0007)"), "{err}");
        let err = row("Tirmiz", "-7").unwrap_err();
        assert_eq!(err, "population \"-7\" is not a whole number");
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = read_str(&bytes, &Selection::default());
        }

        #[test]
        fn any_tab_separated_fields_never_panic(fields in proptest::collection::vec("[^\t\n]{0,12}", 19)) {
            let _ = parse_line(&fields.join("\t"), 1);
        }
    }
}
