//! The hand-kept gazetteer, `places/places.csv`: one row per place.
//!
//! CSV because a gazetteer is a table: one place a line reads well, diffs well, and opens
//! in any spreadsheet; the spellings of a place sit in one `aliases` cell separated by `|`.
//! Lines starting with `#` are comments.
//!
//! Every row is checked (required fields, numbers, ranges, codes, unique ids, validity dates
//! in order) and every problem reported with its line, so one `check` shows them all.
//!
//! The validity columns `valid_from` and `valid_to` (reduced ISO 8601 dates, each optional)
//! may follow the others; a table without them, or a row that stops after `source` (as
//! `places promote` appends them), has places valid at any date.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::path::Path;

use crate::country;
use crate::date::ReportedDate;
use crate::error::{Error, Problem, Result};
use crate::model::{Place, PlaceKind, Precision, Validity, LATITUDES, LONGITUDES, UNCERTAINTY_KM};

/// The columns, in the order the file must have them.
pub const COLUMNS: [&str; 12] = [
    "id",
    "name",
    "kind",
    "country",
    "admin1",
    "lat",
    "lon",
    "precision",
    "uncertainty_km",
    "point_note",
    "aliases",
    "source",
];

/// The optional columns after [`COLUMNS`]: when the row describes the place.
pub const VALIDITY_COLUMNS: [&str; 2] = ["valid_from", "valid_to"];

/// Read and validate the gazetteer at `path`.
pub fn read(path: &Path) -> Result<(Vec<Place>, Vec<Problem>)> {
    let bytes = super::input::read_lines(path)?;
    parse(path, &bytes)
}

/// Validate gazetteer text; `path` is only used in messages. Never panics on any input.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<(Vec<Place>, Vec<Problem>)> {
    use super::table::{self, first_line};
    let mut reader = table::reader_with_comments(bytes, b'#');
    let syntax = |line: u64, message: String| Error::Syntax {
        path: path.into(),
        line: usize::try_from(line).ok(),
        message,
    };
    let (header_line, header) = match table::header(&mut reader) {
        Ok(h) => h,
        Err(e) => return Err(table::stop(path, &mut reader, e)),
    };
    let names = header.map_err(|m| syntax(header_line, m))?;
    let with_validity: Vec<&str> = COLUMNS.iter().chain(&VALIDITY_COLUMNS).copied().collect();
    if names != COLUMNS && names != with_validity {
        return Err(syntax(
            header_line,
            format!(
                "the header must be `{}` (optionally followed by `,{}`), found `{}`",
                COLUMNS.join(","),
                VALIDITY_COLUMNS.join(","),
                names.join(",")
            ),
        ));
    }

    let mut places = Vec::new();
    let mut problems = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut slot = None;
    loop {
        let record = match table::read_text(&mut reader, &mut slot, &names) {
            Ok(Ok(Some(record))) => record,
            Ok(Ok(None)) => break,
            Ok(Err(bad)) => {
                problems.push(bad.problem(path, &mut reader));
                continue;
            }
            // A record the csv crate cannot read stops it: an I/O error (a quoted field
            // the file ends in, [`super::quotes::UnclosedQuote`]).
            Err(e) => return Err(table::stop(path, &mut reader, e)),
        };
        let at = first_line(&mut reader, record.position());
        // A row may stop after `source` (as `places promote` appends them).
        if record.len() != COLUMNS.len() {
            if let Err(p) = table::row_width(path, at, record, names.len()) {
                problems.push(p);
                continue;
            }
        }
        let line = usize::try_from(at).unwrap_or(usize::MAX);
        let mut row = Row {
            path,
            line,
            problems: &mut problems,
        };
        let field = |i: usize| cell(record.get(i).unwrap_or(""));
        let id = row.required("id", field(0));
        if !id.is_empty() && !is_slug(id) {
            row.problem(
                id,
                format!(
                    "id must be a slug: lower-case letters, digits and hyphens{}",
                    super::lines::look_alike(id)
                ),
            );
        }
        let name = row.required("name", field(1));
        let kind = row.parsed::<PlaceKind>("kind", field(2));
        let cc = row.country(field(3));
        let admin1 = row.admin1(field(4), cc.as_deref());
        let lat = row.number("lat", field(5), LATITUDES);
        let lon = row.number("lon", field(6), LONGITUDES);
        let precision = row.parsed::<Precision>("precision", field(7));
        let radius = row.number("uncertainty_km", field(8), UNCERTAINTY_KM);
        let point_note = field(9);
        // Printed by `geocode` and published as the layers' `point_note`: a text of the
        // row, under the rule of its names.
        if let Some(m) = super::lines::control_character(point_note) {
            row.problem(point_note, format!("`point_note` {m}"));
        }
        if precision.is_some_and(|p| p != Precision::Site) && point_note.is_empty() {
            row.problem("", "a row whose point is not the site itself needs a point_note saying what the point is");
        }
        let source = row.required("source", field(11));
        let valid = row.validity(field(12), field(13));
        if let Some(&first) = seen.get(id) {
            row.problem(id, format!("duplicate id (first on line {first})"));
        } else if !id.is_empty() {
            seen.insert(id.to_owned(), line);
        }
        let given = field(10);
        let aliases: Vec<String> = given
            .split('|')
            .map(cell)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
        // `a||b`, a trailing `|` or a `|` alone: a name left out between the separators,
        // or one separator too many; either way the row does not say what it means.
        if !given.is_empty() && given.split('|').map(cell).any(str::is_empty) {
            row.problem(
                given,
                "`aliases` has an empty name between its '|' separators (`a||b`, or a '|' at \
                 either end): give the missing name or remove the extra '|'",
            );
        }
        for a in &aliases {
            if let Some(m) = super::lines::control_character(a) {
                row.problem(a, format!("`aliases` {m}"));
            } else if let Some(m) = super::lines::mixed_scripts(a) {
                row.problem(a, format!("`aliases`: an alias {m}"));
            }
        }
        if let Some(m) = super::lines::mixed_scripts(name) {
            row.problem(name, format!("`name` {m}"));
        }
        if let (
            Some(kind),
            Some(country),
            Some(lat),
            Some(lon),
            Some(precision),
            Some(uncertainty_km),
            Some(valid),
            Some(admin1),
        ) = (kind, cc, lat, lon, precision, radius, valid, admin1)
        {
            if !id.is_empty() && !name.is_empty() && !source.is_empty() {
                places.push(Place {
                    id: id.to_owned(),
                    name: name.to_owned(),
                    kind,
                    country,
                    admin1,
                    lat,
                    lon,
                    precision,
                    uncertainty_km,
                    point_note: point_note.to_owned(),
                    aliases,
                    source: source.to_owned(),
                    valid,
                    line,
                });
            }
        }
    }
    Ok((places, problems))
}

/// The names (name and aliases) of every row of gazetteer text, by the row's line, read as
/// far as the row can be (a cell that is not UTF-8 is read with its bad bytes replaced),
/// whatever else is wrong with it: what tells a name that a row would answer when that row
/// is refused ([`crate::resolve::Gazetteer::refuse`]).
pub fn names_by_line(bytes: &[u8]) -> Vec<(usize, Vec<String>)> {
    use super::table::{self, first_line};
    let mut reader = table::reader_with_comments(bytes, b'#');
    if table::header(&mut reader).is_err() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut record = csv::ByteRecord::new();
    while let Ok(true) = reader.read_byte_record(&mut record) {
        let at = first_line(&mut reader, record.position());
        let text = |i: usize| String::from_utf8_lossy(record.get(i).unwrap_or(b"")).into_owned();
        let mut names = vec![cell(&text(1)).to_owned()];
        names.extend(text(10).split('|').map(cell).map(str::to_owned));
        names.retain(|n| !n.is_empty());
        out.push((usize::try_from(at).unwrap_or(usize::MAX), names));
    }
    out
}

/// A cell's value: without the spaces around it, but with any control character (a line
/// end in a quoted cell, a tab), which the checks then refuse in names and ids.
fn cell(value: &str) -> &str {
    value.trim_matches(|c: char| c.is_whitespace() && !c.is_control())
}

/// Checks for one row, each pushing a problem on the row's line.
struct Row<'a> {
    path: &'a Path,
    line: usize,
    problems: &'a mut Vec<Problem>,
}

impl Row<'_> {
    fn problem(&mut self, value: &str, message: impl Into<String>) {
        self.problems
            .push(Problem::new(self.path, Some(self.line), value, message));
    }

    fn required<'v>(&mut self, column: &str, value: &'v str) -> &'v str {
        if value.is_empty() {
            self.problem("", format!("missing required field `{column}`"));
        } else if let Some(m) = super::lines::control_character(value) {
            self.problem(value, format!("`{column}` {m}"));
        }
        value
    }

    fn parsed<T: std::str::FromStr<Err = String>>(
        &mut self,
        column: &str,
        value: &str,
    ) -> Option<T> {
        if self.required(column, value).is_empty() {
            return None;
        }
        value
            .parse()
            .map_err(|e: String| self.problem(value, format!("{column}: {e}")))
            .ok()
    }

    fn country(&mut self, value: &str) -> Option<String> {
        if self.required("country", value).is_empty() {
            return None;
        }
        match country::by_alpha2(value) {
            Some(c) => Some(c.alpha2.to_owned()),
            None => {
                self.problem(
                    value,
                    format!(
                        "unknown country code (expected ISO 3166-1 alpha-2, upper case){}",
                        super::lines::look_alike(value)
                    ),
                );
                None
            }
        }
    }

    /// `admin1`: empty, or the ISO 3166-2 code of a region of the row's `country` (when
    /// that is known; else the form alone is checked).
    fn admin1(&mut self, value: &str, country: Option<&str>) -> Option<String> {
        if value.is_empty() {
            return Some(String::new());
        }
        match country::region_problem(value, country) {
            None => Some(value.to_owned()),
            Some(why) => {
                self.problem(value, format!("admin1: {why}"));
                None
            }
        }
    }

    /// `valid_from` and `valid_to`, each empty or a reduced ISO 8601 date, in order.
    fn validity(&mut self, from: &str, to: &str) -> Option<Validity> {
        let mut date = |column: &str, value: &str| match value {
            "" => Ok(None),
            v => ReportedDate::parse(v)
                .map(Some)
                .map_err(|e| self.problem(v, format!("{column}: {e}"))),
        };
        let (from_date, to_date) = (date("valid_from", from), date("valid_to", to));
        let valid = Validity {
            from: from_date.ok()?,
            to: to_date.ok()?,
        };
        if let (Some(f), Some(t)) = (valid.from, valid.to) {
            if f.first > t.last {
                self.problem(
                    &format!("{from} to {to}"),
                    "valid_from is after valid_to: the range is reversed",
                );
                return None;
            }
        }
        Some(valid)
    }

    fn number(&mut self, column: &str, value: &str, range: RangeInclusive<f64>) -> Option<f64> {
        if self.required(column, value).is_empty() {
            return None;
        }
        match value.parse::<f64>() {
            Ok(v) if v.is_finite() && range.contains(&v) => Some(v),
            // "NaN" parses, but is no number (probe, session 30: "out of range").
            Ok(v) if !v.is_nan() => {
                let (min, max) = range.into_inner();
                self.problem(value, format!("{column} out of range ({min} to {max})"));
                None
            }
            _ => {
                self.problem(value, format!("{column} is not a number"));
                None
            }
        }
    }
}

/// The id a name gives: its words as every lookup folds them ([`fold`]: transliterated,
/// lower case), joined by `-`; a word that is not all ASCII letters and digits (Greek,
/// Arabic, Chinese) is left out, so the result is a slug ([`is_slug`]) or empty. The one
/// maker of ids from names: a row `places promote` makes, a record `extract` drafts.
///
/// [`fold`]: crate::names::normalize::fold
pub fn slug(name: &str) -> String {
    crate::names::normalize::fold(name)
        .split(' ')
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect::<Vec<_>>()
        .join("-")
}

/// A stable id: lower-case ASCII letters, digits and single hyphens.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "id,name,kind,country,admin1,lat,lon,precision,uncertainty_km,point_note,aliases,source\n";

    fn parse_str(body: &str) -> (Vec<Place>, Vec<Problem>) {
        parse(
            Path::new("places.csv"),
            format!("{HEADER}{body}").as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn reads_a_row_with_aliases() {
        let (places, problems) = parse_str(
            "# comment\ndushanbe,Dushanbe,settlement,TJ,TJ-DU,38.53575,68.77905,settlement,10,city centre,Душанбе | Stalinabad,GeoNames 1221874\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(places[0].aliases, ["Душанбе", "Stalinabad"]);
        assert_eq!(places[0].line, 3);
        assert_eq!(places[0].kind, PlaceKind::Settlement);
    }

    /// Session 42's notes: `a||b` dropped the empty name silently, so a row that lost a
    /// name to a slip of the keyboard passed `check`.
    #[test]
    fn an_empty_alias_between_separators_is_a_problem() {
        for aliases in ["Душанбе||Stalinabad", "Душанбе|", "| Душанбе", "|", " | "]
        {
            let (_, problems) = parse_str(&format!(
                "dushanbe,Dushanbe,settlement,TJ,TJ-DU,38.53575,68.77905,settlement,10,city centre,{aliases},GeoNames 1221874\n"
            ));
            assert_eq!(problems.len(), 1, "{aliases}: {problems:?}");
            let p = problems[0].to_string();
            assert!(
                p.starts_with("places.csv:2:") && p.contains("empty name"),
                "{p}"
            );
            assert!(p.contains(aliases.trim()), "{aliases}: {p}");
        }
        let (places, problems) = parse_str(
            "dushanbe,Dushanbe,settlement,TJ,TJ-DU,38.53575,68.77905,settlement,10,city centre, ,GeoNames 1221874\n",
        );
        assert!(
            problems.is_empty() && places[0].aliases.is_empty(),
            "{problems:?}"
        );
    }

    /// Probe (session 25): radii of 0 (a Point in the uncertainty layer), 1 cm (a ring of
    /// 64 equal vertices once rounded) and 15,000 km (a circle taking in both poles) were
    /// accepted; a radius is from 10 m to a hemisphere (`model::UNCERTAINTY_KM`).
    #[test]
    fn a_radius_is_from_ten_metres_to_a_hemisphere() {
        for (radius, ok) in [
            ("0", false),
            ("0.00001", false),
            ("1e-300", false),
            ("0.01", true),
            ("10000", true),
            ("10000.1", false),
            ("15000", false),
        ] {
            let (places, problems) = parse_str(&format!(
                "dushanbe,Dushanbe,settlement,TJ,TJ-DU,38.53575,68.77905,settlement,{radius},city centre,,GeoNames 1221874\n"
            ));
            assert_eq!(places.len(), usize::from(ok), "{radius}: {problems:?}");
            if !ok {
                let p = problems[0].to_string();
                assert!(
                    p.contains("uncertainty_km out of range (0.01 to 10000)"),
                    "{p}"
                );
                assert!(p.contains(radius), "{p}");
            }
        }
    }

    /// Probe 8 #7: a Windows-1251 alias gave the csv crate's text, with a 0-based field.
    #[test]
    fn a_field_that_is_not_utf8_is_named_by_its_column() {
        let mut text = HEADER.as_bytes().to_vec();
        text.extend_from_slice(b"dushanbe,Dushanbe,settlement,TJ,TJ-DU,38.5,68.7,settlement,10,city centre,\xC4\xF3\xF8\xE0\xED\xE1\xE5,GeoNames 1221874\r\nok,Ok,settlement,TJ,,38.5,68.7,site,1,,,src\r\n");
        let (places, problems) = parse(Path::new("places.csv"), &text).unwrap();
        assert_eq!(places.len(), 1);
        assert_eq!(problems.len(), 1, "{problems:?}");
        let p = problems[0].to_string();
        assert!(
            p.starts_with(
                "places.csv:2: column \"aliases\" (field 11) is not UTF-8 text: \"\\xC4\\xF3"
            ),
            "{p}"
        );
        assert!(
            p.contains("\"Душанбе\"") && p.contains("iconv -f cp1251 -t utf-8"),
            "{p}"
        );
    }

    /// Review (session 16): lines were counted in the text decoded lossily, where each byte
    /// that is not UTF-8 takes three, so a row after a Windows-1251 field was named by a
    /// line before its own.
    #[test]
    fn rows_after_a_field_that_is_not_utf8_keep_their_lines() {
        let mut text = HEADER.as_bytes().to_vec();
        text.extend_from_slice(b"# comment\r\n");
        text.extend_from_slice(b"dushanbe,\xC4\xF3\xF8\xE0\xED\xE1\xE5 \xC4\xF3\xF8\xE0\xED\xE1\xE5,settlement,TJ,,38.5,68.7,site,1,,\xC4\xF3\xF8\xE0\xED\xE1\xE5,src\r\n");
        text.extend_from_slice(b"\r\nok,Ok,settlement,TJ,,38.5,68.7,site,1,,,src\r\n");
        text.extend_from_slice(b"bad,Bad,settlement,TJ,,38.5,east,site,1,,,src\r\n");
        let (places, problems) = parse(Path::new("places.csv"), &text).unwrap();
        assert_eq!(places.iter().map(|p| p.line).collect::<Vec<_>>(), [5]);
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 2, "{text:#?}");
        assert!(
            text[0].starts_with("places.csv:3: column \"name\""),
            "{text:#?}"
        );
        assert!(
            text[1].starts_with("places.csv:6: \"east\": lon is not a number"),
            "{text:#?}"
        );
    }

    /// Probe finding (session 15): `"n2"x` was read as `n2x` without a word.
    #[test]
    fn a_quoted_field_that_goes_on_after_its_quote_is_a_problem() {
        let (places, problems) = parse_str(concat!(
            "# \"a comment\"x\n",
            "a,\"A\"x,settlement,TJ,,38,68,site,1,,,src\n",
            "b,\"B\",settlement,TJ,,38,68,site,1,,,src\n",
        ));
        assert_eq!(places.iter().map(|p| p.line).collect::<Vec<_>>(), [4]);
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 1, "{text:#?}");
        assert!(
            text[0].starts_with("places.csv:3: \"\\\"A\\\"x\": column \"name\" (field 2) goes on after its closing quote"),
            "{text:#?}"
        );
    }

    /// A quoted field the file ends in is an error on the line it opened (it was read to
    /// the end of the file).
    #[test]
    fn a_quoted_field_never_closed_is_an_error() {
        let err = parse(
            Path::new("places.csv"),
            format!("{HEADER}# \"x\na,\"A,settlement,TJ,,38,68,site,1,,,src\n").as_bytes(),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("places.csv:3: the quoted field starting \"A,settlement"),
            "{err}"
        );
    }

    /// Review (session 16): a name ending in a line end (a quoted cell) was trimmed
    /// without a word.
    #[test]
    fn a_line_end_around_a_name_or_alias_is_a_problem() {
        let (places, problems) = parse_str(concat!(
            "a,\"Dushanbe\n\",settlement,TJ,,38,68,site,1,,,src\n",
            "b,B,settlement,TJ,,38,68,site,1,,\"Stalinabad\n\",src\n",
            "c, C\u{a0},settlement,TJ,,38,68,site,1,,,src\n",
        ));
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 2, "{text:#?}");
        assert!(text[0].starts_with("places.csv:2: \"Dushanbe\\n\": `name` must not contain control characters (found U+000A)"), "{text:#?}");
        assert!(
            text[1].starts_with("places.csv:4: \"Stalinabad\\n\": `aliases` must not contain"),
            "{text:#?}"
        );
        assert_eq!(
            places.last().map(|p| p.name.as_str()),
            Some("C"),
            "spaces are trimmed"
        );
    }

    /// Probe finding 12: a tab, NUL or U+0085 in an alias was accepted, though names hold
    /// no control character.
    #[test]
    fn an_alias_with_a_control_character_is_a_problem() {
        for bad in [
            "Du\tshanbe",
            "Du\0shanbe",
            "Du\u{85}shanbe",
            "Du\u{7f}shanbe",
        ] {
            let (_, problems) = parse_str(&format!(
                "dushanbe,Dushanbe,settlement,TJ,TJ-DU,38.53575,68.77905,settlement,10,city centre,Stalinabad | {bad},GeoNames 1221874\n"
            ));
            assert_eq!(problems.len(), 1, "{bad:?}: {problems:?}");
            let p = problems[0].to_string();
            assert!(
                p.contains("places.csv:2")
                    && p.contains("`aliases` must not contain control characters"),
                "{p}"
            );
        }
    }

    /// Review (geocode): an ESC in a `point_note` was accepted, and `geocode` printed it to
    /// the terminal as it was.
    #[test]
    fn a_point_note_with_a_control_character_is_a_problem() {
        let (_, problems) = parse_str(
            "termez,Termez,settlement,UZ,UZ-SU,37.2,67.3,settlement,5,city \u{1b}[31mcentre,,src\n",
        );
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "places.csv:2: \"city \\u{1b}[31mcentre\": `point_note` must not contain control \
              characters (found U+001B)"
            ]
        );
    }

    /// Probe (session 30): "NaN" was "out of range"; it is no number. Infinity is one,
    /// out of range.
    #[test]
    fn nan_is_not_a_number_and_infinity_is_out_of_range() {
        for (lat, why) in [
            ("NaN", "\"NaN\": lat is not a number"),
            ("nan", "\"nan\": lat is not a number"),
            ("inf", "\"inf\": lat out of range (-90 to 90)"),
            ("1e400", "\"1e400\": lat out of range (-90 to 90)"),
        ] {
            let (_, problems) = parse_str(&format!(
                "dushanbe,Dushanbe,settlement,TJ,TJ-DU,{lat},68.77905,settlement,10,city centre,,GeoNames 1221874\n"
            ));
            let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
            assert!(text.iter().any(|p| p.contains(why)), "{lat}: {text:?}");
        }
    }

    #[test]
    fn reports_every_bad_value_with_its_line() {
        let (places, problems) = parse_str(concat!(
            "a,A,settlement,TJ,,91,68,site,1,,,src\n",
            "b,B,city,XX,,38,abc,site,1,,,src\n",
            "a,A2,settlement,TJ,,38,68,region,50,,,src\n",
            "c,C,settlement,TJ\n",
        ));
        assert_eq!(
            places.len(),
            1,
            "only the row on line 4 has all values readable"
        );
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let expect = [
            "places.csv:2: \"91\": lat out of range",
            "places.csv:3: \"city\": kind: unknown kind",
            "places.csv:3: \"XX\": unknown country code",
            "places.csv:3: \"abc\": lon is not a number",
            "places.csv:4: a row whose point is not the site itself needs a point_note",
            "places.csv:4: \"a\": duplicate id (first on line 2)",
            "places.csv:5: \"c,C,settlement,TJ\": expected 12 columns as in the header, found 4",
        ];
        for e in expect {
            assert!(
                text.iter().any(|t| t.starts_with(e)),
                "missing {e:?} in {text:#?}"
            );
        }
    }

    /// Review (admin1): the column was never checked: `not a code at all!`, and `TJ-SU` on
    /// a UZ row, were accepted and published in every layer's `admin1`. A bad code refuses
    /// the row, as a bad country does.
    #[test]
    fn admin1_is_an_iso_3166_2_code_of_the_rows_country_or_empty() {
        let (places, problems) = parse_str(concat!(
            "a,A,settlement,UZ,not a code at all!,37.2,67.3,site,1,,,src\n",
            "b,B,settlement,UZ,TJ-SU,37.2,67.3,site,1,,,src\n",
            "c,C,settlement,UZ,uz-su,37.2,67.3,site,1,,,src\n",
            "d,D,settlement,XX,TJ SU,37.2,67.3,site,1,,,src\n",
            "e,E,settlement,UZ,UZ-SU,37.2,67.3,site,1,,,src\n",
            "f,F,settlement,UZ,,37.2,67.3,site,1,,,src\n",
        ));
        let ids: Vec<(&str, &str)> = places
            .iter()
            .map(|p| (p.id.as_str(), p.admin1.as_str()))
            .collect();
        assert_eq!(ids, [("e", "UZ-SU"), ("f", "")]);
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let expect = [
            "places.csv:2: \"not a code at all!\": admin1: not an ISO 3166-2 region code",
            "places.csv:3: \"TJ-SU\": admin1: a region of TJ, not of the row's country UZ",
            "places.csv:4: \"uz-su\": admin1: not an ISO 3166-2 region code",
            "places.csv:5: \"XX\": unknown country code",
            "places.csv:5: \"TJ SU\": admin1: not an ISO 3166-2 region code",
        ];
        for e in expect {
            assert!(
                text.iter().any(|t| t.starts_with(e)),
                "missing {e:?} in {text:#?}"
            );
        }
        assert_eq!(text.len(), expect.len(), "{text:#?}");
    }

    #[test]
    fn validity_columns_are_read_and_checked() {
        let header = format!("{},valid_from,valid_to\n", HEADER.trim_end());
        let body = concat!(
            "old,Old Province,region,KZ,,43,77,region,480,fallback,,src,1997-04-22,2022-06-07\n",
            "new,New Region,region,KZ,,43,77,region,300,fallback,,src,2022-06,\n",
            "plain,Plain,settlement,KZ,,43,77,site,1,,,src,,\n",
            "promoted,Promoted,settlement,KZ,,43,77,site,1,,,src\n",
            "bad,Bad,settlement,KZ,,43,77,site,1,,,src,2022-13,22-06-07\n",
            "reversed,Reversed,settlement,KZ,,43,77,site,1,,,src,2023,2022-06\n",
            "short,Short,settlement,KZ,,43,77,site,1,,,src,2022\n",
        );
        let (places, problems) = parse(
            Path::new("places.csv"),
            format!("{header}{body}").as_bytes(),
        )
        .unwrap();
        let ids: Vec<&str> = places.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["old", "new", "plain", "promoted"]);
        assert_eq!(
            places[0].valid,
            Validity {
                from: ReportedDate::parse("1997-04-22").ok(),
                to: ReportedDate::parse("2022-06-07").ok(),
            }
        );
        assert_eq!(places[1].valid.from, ReportedDate::parse("2022-06").ok());
        assert_eq!(places[1].valid.to, None);
        assert_eq!(places[2].valid, Validity::ALWAYS);
        assert_eq!(
            places[3].valid,
            Validity::ALWAYS,
            "a row without the columns"
        );
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let expect = [
            "places.csv:6: \"2022-13\": valid_from: no such date on the calendar",
            "places.csv:6: \"22-06-07\": valid_to: not an ISO 8601 date",
            "places.csv:7: \"2023 to 2022-06\": valid_from is after valid_to: the range is reversed",
            "places.csv:8: \"short,Short,settlement,KZ,,43,77,site,1,,,src,2022\": expected 14 columns as in the header, found 13",
        ];
        for e in expect {
            assert!(
                text.iter().any(|t| t.starts_with(e)),
                "missing {e:?} in {text:#?}"
            );
        }
        assert_eq!(text.len(), expect.len(), "{text:#?}");
    }

    #[test]
    fn a_wrong_header_is_a_syntax_error() {
        let err = parse(Path::new("p.csv"), b"id,name\n").unwrap_err();
        assert!(
            err.to_string().starts_with("p.csv:1: the header must be"),
            "{err}"
        );
    }

    #[test]
    fn slugs() {
        assert!(is_slug("ru-201st-base"));
        for (name, id) in [
            ("Zapad-2021", "zapad-2021"),
            ("Харбмайдон", "kharbmaydon"),
            ("Søndre Ørn", "sondre-orn"),
            ("Αετός-2024", "2024"),
            ("***", ""),
        ] {
            assert_eq!(slug(name), id, "{name}");
            assert!(id.is_empty() || is_slug(id), "{id}");
        }
        for bad in ["", "A", "a_b", "-a", "a-", "a--b", "a b"] {
            assert!(!is_slug(bad), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = parse(Path::new("x.csv"), &bytes);
            let mut with_header = HEADER.as_bytes().to_vec();
            with_header.extend_from_slice(&bytes);
            let _ = parse(Path::new("x.csv"), &with_header);
        }
    }
}
