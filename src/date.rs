//! Calendar dates with a precision, as news reports give them.
//!
//! Articles say "August 5-10", "late April" or nothing at all. A date is written in the
//! dataset in its reduced ISO 8601 form (`2021`, `2021-04`, `2021-04-27`) and the form sets
//! the precision. Layers always carry full `YYYY-MM-DD` strings (the first and last day of
//! the period), because web maps and QGIS mistype reduced dates, plus the precision.

use std::fmt;

use serde::Serialize;

/// How exactly a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DatePrecision {
    /// The day is known.
    Day,
    /// Only the month is known.
    Month,
    /// Only the year is known.
    Year,
    /// No date is reported.
    Unknown,
}

impl DatePrecision {
    /// Every precision, finest first.
    pub const ALL: [DatePrecision; 4] = [
        DatePrecision::Day,
        DatePrecision::Month,
        DatePrecision::Year,
        DatePrecision::Unknown,
    ];

    /// The word layers write and tables give in `date_precision`: the one table of them,
    /// read back by [`str::parse`].
    pub fn as_str(self) -> &'static str {
        match self {
            DatePrecision::Day => "day",
            DatePrecision::Month => "month",
            DatePrecision::Year => "year",
            DatePrecision::Unknown => "unknown",
        }
    }
}

impl fmt::Display for DatePrecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DatePrecision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A `date_precision` word that is none of [`DatePrecision::as_str`]'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPrecisionWord(pub String);

impl fmt::Display for UnknownPrecisionWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "date_precision {:?} is not ", self.0)?;
        let words = DatePrecision::ALL.map(DatePrecision::as_str);
        let (last, rest) = words.split_last().unwrap_or((&"", &[]));
        write!(f, "{} or {last}", rest.join(", "))
    }
}

impl std::error::Error for UnknownPrecisionWord {}

impl std::str::FromStr for DatePrecision {
    type Err = UnknownPrecisionWord;

    fn from_str(word: &str) -> Result<DatePrecision, UnknownPrecisionWord> {
        DatePrecision::ALL
            .into_iter()
            .find(|p| p.as_str() == word)
            .ok_or_else(|| UnknownPrecisionWord(word.to_owned()))
    }
}

/// A proleptic Gregorian calendar day (years -9999 to 9999; the calendar is `jiff`'s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(jiff::civil::Date);

/// Day 0 of [`Day::epoch_days`].
const EPOCH: jiff::civil::Date = jiff::civil::date(1970, 1, 1);

impl Day {
    /// A checked day; `None` if it does not exist (2021-02-29, month 13).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Day> {
        let (y, m, d) = (
            year.try_into().ok()?,
            month.try_into().ok()?,
            day.try_into().ok()?,
        );
        jiff::civil::Date::new(y, m, d).ok().map(Day)
    }

    /// Year, month and day.
    pub fn parts(self) -> (i32, u8, u8) {
        let d = self.0;
        (
            i32::from(d.year()),
            u8::try_from(d.month()).unwrap_or(1),
            u8::try_from(d.day()).unwrap_or(1),
        )
    }

    /// The last day of `month` in `year`.
    pub fn last_of_month(year: i32, month: u8) -> Option<Day> {
        Day::new(year, month, 1).map(|d| Day(d.0.last_of_month()))
    }

    /// Days since 1970-01-01 (negative before), for arithmetic and numeric filters.
    pub fn epoch_days(self) -> i64 {
        self.0.duration_since(EPOCH).as_secs() / 86_400
    }

    /// The day `days` after 1970-01-01 (the inverse of [`Day::epoch_days`]).
    pub fn from_epoch_days(days: i64) -> Option<Day> {
        let hours = days.checked_mul(24)?;
        EPOCH
            .checked_add(jiff::SignedDuration::try_from_hours(hours)?)
            .ok()
            .map(Day)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A reported date: the period it covers and how precisely it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportedDate {
    /// First day of the period.
    pub first: Day,
    /// Last day of the period.
    pub last: Day,
    /// Day, month or year.
    pub precision: DatePrecision,
}

/// Why a date string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[error("not an ISO 8601 date (expected YYYY, YYYY-MM or YYYY-MM-DD)")]
    Malformed,
    /// Well-formed but not on the calendar.
    #[error("no such date on the calendar")]
    Impossible,
    /// Written `YYYY…` but in a year before [`FIRST_YEAR`] (`0001`, `0999`).
    #[error("year out of the accepted range ({FIRST_YEAR} to {LAST_YEAR})")]
    YearOutOfRange,
}

/// The first year a date may be in: dates are read and written as four digits.
pub const FIRST_YEAR: i32 = 1000;
/// The last year a date may be in.
pub const LAST_YEAR: i32 = 9999;

impl ReportedDate {
    /// Parse `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (years [`FIRST_YEAR`] to [`LAST_YEAR`]).
    pub fn parse(text: &str) -> Result<ReportedDate, DateError> {
        let parts: Vec<&str> = text.split('-').collect();
        let widths_ok = match parts.as_slice() {
            [y] => y.len() == 4,
            [y, m] => y.len() == 4 && m.len() == 2,
            [y, m, d] => y.len() == 4 && m.len() == 2 && d.len() == 2,
            _ => false,
        };
        if !widths_ok || !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
            return Err(DateError::Malformed);
        }
        let num = |s: &str| s.parse::<u16>().map_err(|_| DateError::Malformed);
        let year = i32::from(num(parts[0])?);
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return Err(DateError::YearOutOfRange);
        }
        let month = |s: &str| u8::try_from(num(s)?).map_err(|_| DateError::Impossible);
        match parts.as_slice() {
            [_] => Ok(ReportedDate {
                first: Day::new(year, 1, 1).ok_or(DateError::Impossible)?,
                last: Day::new(year, 12, 31).ok_or(DateError::Impossible)?,
                precision: DatePrecision::Year,
            }),
            [_, m] => {
                let m = month(m)?;
                let first = Day::new(year, m, 1).ok_or(DateError::Impossible)?;
                let last = Day::last_of_month(year, m).ok_or(DateError::Impossible)?;
                Ok(ReportedDate {
                    first,
                    last,
                    precision: DatePrecision::Month,
                })
            }
            [_, m, d] => {
                let day = Day::new(year, month(m)?, month(d)?).ok_or(DateError::Impossible)?;
                Ok(ReportedDate {
                    first: day,
                    last: day,
                    precision: DatePrecision::Day,
                })
            }
            _ => Err(DateError::Malformed),
        }
    }
}

/// The cell of a row's dates a problem lies in ([`DateSpan::of_cells`]): the value its
/// message quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateCell {
    /// `start_date`.
    Start,
    /// `end_date`.
    End,
    /// `date_precision`.
    Precision,
    /// `date_bound`.
    Bound,
}

impl DateCell {
    /// This cell's text among a row's `[start_date, end_date, date_precision, date_bound]`.
    pub fn of(self, cells: [&str; 4]) -> &str {
        cells[self as usize]
    }
}

/// The dates of an exercise site: start and end with the coarser of their precisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateSpan {
    /// First day (of the start's period), if any date is known.
    pub start: Option<Day>,
    /// Last day (of the end's period), if known; `None` for an open end.
    pub end: Option<Day>,
    /// The coarser precision of the two, or `Unknown`.
    pub precision: DatePrecision,
    /// Only a lower bound is known: the event took place, at least in part, on or after
    /// `start`, and its end is not known (`end` is `None`).
    pub open_end: bool,
}

/// The English months' names, January first, in lower case: the one list of the written
/// dates of articles ([`crate::names::dates`]) and of bulk cells ([`day_month_year`]).
pub const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A day as ACLED's exports write it, "08 March 2022" (the day, the English month's name
/// or its first three letters, the year), as `YYYY-MM-DD`; `None` for any other text. A
/// bulk cell's one form besides ISO 8601, which it is read as: a day that is not on the
/// calendar ("30 February 2022") is then refused as `2022-02-30` is (probe, session 45:
/// every row of such an export was a bad row).
fn day_month_year(s: &str) -> Option<String> {
    let mut words = s.split_ascii_whitespace();
    let (day, month, year) = (words.next()?, words.next()?, words.next()?);
    if words.next().is_some()
        || !(1..=2).contains(&day.len())
        || year.len() != 4
        || !day.bytes().chain(year.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let month = month
        .strip_suffix('.')
        .unwrap_or(month)
        .to_ascii_lowercase();
    let m = MONTHS
        .iter()
        .position(|name| *name == month || (month.len() == 3 && name.starts_with(&month)))?;
    Some(format!("{year}-{:02}-{day:0>2}", m + 1))
}

impl DateSpan {
    /// No date reported.
    pub const UNKNOWN: DateSpan = DateSpan {
        start: None,
        end: None,
        precision: DatePrecision::Unknown,
        open_end: false,
    };

    /// Known only to lie, at least in part, on or after the first day of `after`.
    pub fn on_or_after(after: ReportedDate) -> DateSpan {
        DateSpan {
            start: Some(after.first),
            end: None,
            precision: after.precision,
            open_end: true,
        }
    }

    /// What the dates bound, as layers write it: `period` (start and end bound the whole
    /// period), `on_or_after` (only a lower bound; no end), or `None` when nothing is known.
    pub fn bound(&self) -> Option<&'static str> {
        match (self.start, self.open_end) {
            (None, _) => None,
            (Some(_), true) => Some("on_or_after"),
            (Some(_), false) => Some("period"),
        }
    }

    /// The span of a row's `start_date`, `end_date`, `date_precision` and `date_bound`
    /// cells (empty: not given), as `build --events` and `tiles FILE.csv` read them;
    /// `Err((cell, why))` says which cell is at fault (the value a message quotes) and
    /// what is wrong.
    ///
    /// A precision is what a layer writes beside its full-day dates (`2021-08-01`,
    /// `2021-08-31`, `month`): each date that is the first (start) or last (end) day of a
    /// period of that precision is read as that period, so a layer read back keeps its
    /// dates and their precision; the dates must then come out at that precision. A bound
    /// is what a layer writes beside them too ([`DateSpan::bound`]): `on_or_after` with a
    /// start and no end is [`DateSpan::on_or_after`] (the end stays open), `period` (or
    /// none) the span [`DateSpan::new`] makes; a bound that does not fit the dates (an
    /// end beside `on_or_after`, either without a start) or another word is refused.
    pub fn of_cells(
        start: &str,
        end: &str,
        precision: &str,
        bound: &str,
    ) -> Result<DateSpan, (DateCell, String)> {
        let stated = (!precision.is_empty()).then(|| precision.parse::<DatePrecision>());
        // The length of a full-day date's prefix that names its period at the stated precision.
        let period_len = match stated {
            Some(Ok(DatePrecision::Month)) => Some(7),
            Some(Ok(DatePrecision::Year)) => Some(4),
            _ => None,
        };
        let parse = |s: &str, start: bool| {
            if s.is_empty() {
                return Ok::<_, DateError>(None);
            }
            // ISO 8601 holds no space: only a cell with one is read as a written day.
            let iso = s.contains(' ').then(|| day_month_year(s)).flatten();
            let s = iso.as_deref().unwrap_or(s);
            let d = ReportedDate::parse(s)?;
            Ok(Some(match period_len {
                Some(len) if d.precision == DatePrecision::Day => ReportedDate::parse(&s[..len])
                    .ok()
                    .filter(|p| {
                        if start {
                            p.first == d.first
                        } else {
                            p.last == d.last
                        }
                    })
                    .unwrap_or(d),
                _ => d,
            }))
        };
        let open = match bound {
            "" | "period" => false,
            "on_or_after" => true,
            other => {
                return Err((
                    DateCell::Bound,
                    format!("date_bound {other:?}: expected period or on_or_after"),
                ))
            }
        };
        let span = match (parse(start, true), parse(end, false)) {
            (Err(e), _) => Err((DateCell::Start, format!("start_date: {e}"))),
            (_, Err(e)) => Err((DateCell::End, format!("end_date: {e}"))),
            (Ok(None), _) if !bound.is_empty() => Err((
                DateCell::Bound,
                format!("date_bound {bound:?} without a start_date"),
            )),
            (Ok(_), Ok(Some(_))) if open => Err((
                DateCell::End,
                "end_date beside date_bound \"on_or_after\", which says the end is not known"
                    .to_owned(),
            )),
            (Ok(Some(s)), Ok(None)) if open => Ok(DateSpan::on_or_after(s)),
            (Ok(s), Ok(e)) => DateSpan::new(s, e).map_err(|e| match e {
                SpanError::Reversed => (DateCell::End, REVERSED.to_owned()),
                SpanError::NoStart => (
                    DateCell::End,
                    "end_date without start_date (a row's one date is its start_date)".to_owned(),
                ),
                SpanError::Cut { .. } => (DateCell::End, format!("start_date and end_date: {e}")),
            }),
        }?;
        let stated = match stated {
            None => return Ok(span),
            Some(word) => word.map_err(|e| (DateCell::Precision, e.to_string()))?,
        };
        if span.precision != stated {
            return Err((
                DateCell::Precision,
                format!(
                    "date_precision {precision:?} does not fit start_date {start:?} and \
                     end_date {end:?}"
                ),
            ));
        }
        Ok(span)
    }

    /// Combine a reported start and end: the one rule of what a span may be, for the
    /// hand-kept records and for bulk rows alike. A lone start is both ends; an end
    /// without a start is refused (nothing says when it began; `after` is the bound a
    /// record gives alone). The span's precision is the coarser of the two, and the
    /// coarser date's whole period lies within the span, so a span at `month` holds at
    /// least one whole month: an end inside the start's period before its last day
    /// (`2021-08` to `2021-08-15`), or a start inside the end's period after its first, is
    /// refused, as is an end before the start.
    pub fn new(
        start: Option<ReportedDate>,
        end: Option<ReportedDate>,
    ) -> Result<DateSpan, SpanError> {
        let (s, e) = match (start, end) {
            (None, None) => return Ok(DateSpan::UNKNOWN),
            (Some(s), None) => (s, s),
            (None, Some(_)) => return Err(SpanError::NoStart),
            (Some(s), Some(e)) => (s, e),
        };
        if s.first > e.last {
            return Err(SpanError::Reversed);
        }
        let cut = |precision, start_is_coarser| {
            Err(SpanError::Cut {
                precision,
                start_is_coarser,
            })
        };
        if s.precision > e.precision && e.last < s.last {
            return cut(s.precision, true);
        }
        if e.precision > s.precision && s.first > e.first {
            return cut(e.precision, false);
        }
        Ok(DateSpan {
            start: Some(s.first),
            end: Some(e.last),
            precision: s.precision.max(e.precision),
            open_end: false,
        })
    }
}

/// Why a row's or a feature's `end_date` before its `start_date` is refused, in every
/// reader's words.
pub const REVERSED: &str = "end_date is before start_date";

/// Why a start and an end make no span ([`DateSpan::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SpanError {
    /// The end lies before the start.
    #[error("the end is before the start")]
    Reversed,
    /// An end is given without a start.
    #[error("an end without a start: a span needs its first day")]
    NoStart,
    /// One date falls inside the other's coarser period, so the span would not hold the
    /// whole period its precision says.
    #[error(
        "the {inner} falls inside the {outer}'s {precision}{cut}, so the span would not \
         hold the whole {precision} its precision says: give the {outer} as precisely as \
         the {inner}, or the {inner} as a {precision}",
        inner = if *start_is_coarser { "end" } else { "start" },
        outer = if *start_is_coarser { "start" } else { "end" },
        cut = if *start_is_coarser { " before its last day" } else { " after its first day" },
    )]
    Cut {
        /// The coarser date's precision (the span's).
        precision: DatePrecision,
        /// Whether the start is the coarser date (else the end is).
        start_is_coarser: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Probe finding: a layer read back lost its dates' precision (`2021-08-01` to
    /// `2021-08-31`, `month`, came back as days). With the precision cell, the written
    /// dates give back the span they were written from.
    #[test]
    fn written_dates_read_back_with_their_precision() {
        for (start, end) in [
            ("2021-08", ""),
            ("2021", ""),
            ("2021-08-05", ""),
            ("2021-08-05", "2021-09"),
            ("2021-08", "2022"),
            ("2020-02", "2020-02"),
            ("2021-03-04", "2022"),
            ("", ""),
        ] {
            let span = DateSpan::of_cells(start, end, "", "").unwrap();
            let text = |d: Option<Day>| d.map(|d| d.to_string()).unwrap_or_default();
            let precision = serde_json::to_value(span.precision).unwrap();
            let back = DateSpan::of_cells(
                &text(span.start),
                &text(span.end),
                precision.as_str().unwrap(),
                span.bound().unwrap_or(""),
            );
            assert_eq!(back, Ok(span), "{start} {end}");
        }
        assert!(DateSpan::of_cells("2021-08-05", "2021-08-10", "month", "").is_err());
        assert!(DateSpan::of_cells("2021-08-01", "2021-08-31", "weekly", "").is_err());
        assert!(DateSpan::of_cells("2021-08-01", "", "unknown", "").is_err());
    }

    /// Reviewer finding: the precision words stood twice, in the serde names and in
    /// `of_cells`. One table now: what a layer writes is what a table's cell is read as.
    #[test]
    fn precision_words_are_written_as_they_are_read() {
        for p in DatePrecision::ALL {
            let written = serde_json::to_value(p).unwrap();
            assert_eq!(written.as_str(), Some(p.to_string().as_str()));
            assert_eq!(p.as_str().parse::<DatePrecision>(), Ok(p));
        }
        let err = "weekly".parse::<DatePrecision>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "date_precision \"weekly\" is not day, month, year or unknown"
        );
        assert_eq!(
            DateSpan::of_cells("2021-08-01", "", "weekly", ""),
            Err((DateCell::Precision, err.to_string()))
        );
        assert!("Month".parse::<DatePrecision>().is_err());
    }

    /// Probe 8 #14: a bad `date_precision` was reported with the start date as its value.
    /// The cell at fault is the one quoted.
    #[test]
    fn a_problem_names_the_cell_it_lies_in() {
        let cells = ["2021-08-01", "2021-08-31", "Month", ""];
        let (cell, m) = DateSpan::of_cells(cells[0], cells[1], cells[2], cells[3]).unwrap_err();
        assert_eq!(
            (cell, cell.of(cells)),
            (DateCell::Precision, "Month"),
            "{m}"
        );
        let cells = ["2021-08-05", "2021-08-10", "month", ""];
        let (cell, m) = DateSpan::of_cells(cells[0], cells[1], cells[2], cells[3]).unwrap_err();
        assert_eq!(cell.of(cells), "month", "{m}");
        assert!(m.contains("does not fit"), "{m}");
        let cells = ["2021-08-05", "", "", "before"];
        let (cell, _) = DateSpan::of_cells(cells[0], cells[1], cells[2], cells[3]).unwrap_err();
        assert_eq!(cell.of(cells), "before");
        let cells = ["2021-13", "", "", ""];
        let (cell, _) = DateSpan::of_cells(cells[0], cells[1], cells[2], cells[3]).unwrap_err();
        assert_eq!(cell.of(cells), "2021-13");
    }

    #[test]
    fn reduced_forms_set_precision_and_period() {
        let m = ReportedDate::parse("2021-04").unwrap();
        assert_eq!(m.precision, DatePrecision::Month);
        assert_eq!(m.first.to_string(), "2021-04-01");
        assert_eq!(m.last.to_string(), "2021-04-30");
        let y = ReportedDate::parse("2024").unwrap();
        assert_eq!(
            (y.first.to_string(), y.last.to_string()),
            ("2024-01-01".into(), "2024-12-31".into())
        );
        assert_eq!(
            ReportedDate::parse("2024-02").unwrap().last.to_string(),
            "2024-02-29"
        );
    }

    #[test]
    fn impossible_and_malformed_dates_are_refused() {
        assert_eq!(
            ReportedDate::parse("2021-02-29"),
            Err(DateError::Impossible)
        );
        assert_eq!(ReportedDate::parse("2021-13"), Err(DateError::Impossible));
        assert_eq!(
            ReportedDate::parse("2021-00-10"),
            Err(DateError::Impossible)
        );
        for bad in [
            "",
            "21-08-05",
            "2021/08/05",
            "2021-8-5",
            "2021-08-05T00:00",
            "+2021",
            "２０２１",
        ] {
            assert_eq!(ReportedDate::parse(bad), Err(DateError::Malformed), "{bad}");
        }
    }

    /// Probe, session 45: ACLED's export writes "08 March 2022", and every row was bad.
    #[test]
    fn a_bulk_cell_reads_acleds_day_month_year() {
        assert_eq!(
            day_month_year("08 March 2022").as_deref(),
            Some("2022-03-08")
        );
        assert_eq!(day_month_year("8 sep. 2021").as_deref(), Some("2021-09-08"));
        assert_eq!(
            day_month_year(" 31  December 1999 ").as_deref(),
            Some("1999-12-31")
        );
        for other in [
            "March 8 2022",
            "08 Marchh 2022",
            "08 Ma 2022",
            "008 March 2022",
            "08 March 22",
            "08 March 2022 x",
            "2022-03-08",
        ] {
            assert_eq!(day_month_year(other), None, "{other}");
        }
        let span = DateSpan::of_cells("08 March 2022", "10 Mar 2022", "", "").unwrap();
        assert_eq!(
            span,
            DateSpan::of_cells("2022-03-08", "2022-03-10", "", "").unwrap()
        );
        assert!(DateSpan::of_cells("30 February 2022", "", "", "").is_err());
        // With a precision, as an ISO day: the first of a month at `month` is that month.
        let month = DateSpan::of_cells("01 March 2022", "31 March 2022", "month", "").unwrap();
        assert_eq!(
            month,
            DateSpan::of_cells("2022-03-01", "2022-03-31", "month", "").unwrap()
        );
    }

    /// Defect: `0001` was "not an ISO 8601 date (expected YYYY, …)", though it is YYYY.
    #[test]
    fn a_year_before_1000_is_out_of_range_not_malformed() {
        for early in ["0001", "0999", "0999-07", "0999-07-23", "0000-02-30"] {
            assert_eq!(
                ReportedDate::parse(early),
                Err(DateError::YearOutOfRange),
                "{early}"
            );
        }
        assert_eq!(
            DateError::YearOutOfRange.to_string(),
            "year out of the accepted range (1000 to 9999)"
        );
        assert!(ReportedDate::parse("1000").is_ok());
        assert!(ReportedDate::parse("9999-12-31").is_ok());
    }

    #[test]
    fn span_takes_coarser_precision_and_refuses_reversed_ends() {
        let s = ReportedDate::parse("2021-07-30").ok();
        let e = ReportedDate::parse("2021-08").ok();
        let span = DateSpan::new(s, e).unwrap();
        assert_eq!(span.precision, DatePrecision::Month);
        assert_eq!(span.end.unwrap().to_string(), "2021-08-31");
        assert_eq!(
            DateSpan::new(
                ReportedDate::parse("2021-08-10").ok(),
                ReportedDate::parse("2021-08-05").ok()
            ),
            Err(SpanError::Reversed)
        );
        assert_eq!(DateSpan::new(None, None), Ok(DateSpan::UNKNOWN));
    }

    /// Probe 5 L3: a row `2021-08-01,2021-08-01,month` was written as a one-day span at
    /// `month`, and a row with only an end got a start invented as that day. A span's
    /// coarser date now lies whole within it, and an end needs a start: for hand-kept
    /// dates and bulk cells alike (one rule, [`DateSpan::new`]).
    #[test]
    fn a_span_holds_its_coarser_dates_whole_period_and_an_end_needs_a_start() {
        let d = |s: &str| ReportedDate::parse(s).ok();
        let cut = |precision, start_is_coarser| {
            Err(SpanError::Cut {
                precision,
                start_is_coarser,
            })
        };
        assert_eq!(
            DateSpan::new(d("2021-08"), d("2021-08-15")),
            cut(DatePrecision::Month, true)
        );
        assert_eq!(
            DateSpan::new(d("2021-08-15"), d("2021-08")),
            cut(DatePrecision::Month, false)
        );
        assert_eq!(
            DateSpan::new(d("2021"), d("2021-03-04")),
            cut(DatePrecision::Year, true)
        );
        assert_eq!(
            DateSpan::new(None, d("2021-08-05")),
            Err(SpanError::NoStart)
        );
        // The whole period within: same period, or one beyond the other's.
        for (s, e) in [
            ("2021-08", "2021-08"),
            ("2021-08", "2021-08-31"),
            ("2021-08-01", "2021-08"),
            ("2021-07-30", "2021-08"),
            ("2021-08", "2021-09-02"),
            ("2020", "2021-01"),
        ] {
            assert!(DateSpan::new(d(s), d(e)).is_ok(), "{s} {e}");
        }
        // Bulk cells go through the same rule, with their precision cell.
        assert_eq!(
            DateSpan::of_cells("2021-08-01", "2021-08-01", "month", "").map_err(|e| e.0),
            Err(DateCell::End)
        );
        assert!(DateSpan::of_cells("2021-08-15", "2021-08-31", "month", "").is_err());
        assert_eq!(
            DateSpan::of_cells("", "2021-08-05", "", ""),
            Err((
                DateCell::End,
                "end_date without start_date (a row's one date is its start_date)".into()
            ))
        );
        let month = DateSpan::of_cells("2021-08-01", "2021-08-31", "month", "").unwrap();
        assert_eq!(month.precision, DatePrecision::Month);
        assert_eq!(
            DateSpan::new(d("2021-08"), d("2021-08-15"))
                .unwrap_err()
                .to_string(),
            "the end falls inside the start's month before its last day, so the span would \
             not hold the whole month its precision says: give the start as precisely as the \
             end, or the end as a month"
        );
    }

    /// Probe 6 L5: an `on_or_after` exercise fed back as `--events` came back with its
    /// end set to its start. The bound a layer writes is read back by the one date
    /// reading, so the end stays open; what does not fit is refused.
    #[test]
    fn a_bound_read_back_keeps_the_end_open() {
        let open = DateSpan::of_cells("2021-08-16", "", "day", "on_or_after").unwrap();
        assert_eq!(
            open,
            DateSpan::on_or_after(ReportedDate::parse("2021-08-16").unwrap())
        );
        let month = DateSpan::of_cells("2021-08-01", "", "month", "on_or_after").unwrap();
        assert_eq!((month.end, month.precision), (None, DatePrecision::Month));
        assert_eq!(
            DateSpan::of_cells("2021-08-05", "", "", "period"),
            DateSpan::of_cells("2021-08-05", "", "", "")
        );
        assert_eq!(
            DateSpan::of_cells("", "", "unknown", ""),
            Ok(DateSpan::UNKNOWN)
        );
        for (start, end, bound, at, why) in [
            (
                "2021-08-16",
                "2021-08-20",
                "on_or_after",
                DateCell::End,
                "end_date beside",
            ),
            (
                "",
                "",
                "on_or_after",
                DateCell::Bound,
                "without a start_date",
            ),
            ("", "", "period", DateCell::Bound, "without a start_date"),
            (
                "2021-08-16",
                "",
                "before",
                DateCell::Bound,
                "expected period or on_or_after",
            ),
        ] {
            let (cell, m) = DateSpan::of_cells(start, end, "", bound).unwrap_err();
            assert_eq!(cell, at, "{m}");
            assert!(m.contains(why), "{m}");
        }
    }

    #[test]
    fn an_on_or_after_span_has_a_start_and_no_end() {
        let span = DateSpan::on_or_after(ReportedDate::parse("2021-08-15").unwrap());
        assert_eq!(span.start.unwrap().to_string(), "2021-08-15");
        assert_eq!(span.end, None);
        assert_eq!(span.bound(), Some("on_or_after"));
        assert_eq!(DateSpan::UNKNOWN.bound(), None);
        let both = DateSpan::new(ReportedDate::parse("2021-04").ok(), None).unwrap();
        assert_eq!(both.bound(), Some("period"));
    }

    #[test]
    fn epoch_days_matches_known_values() {
        assert_eq!(Day::new(1970, 1, 1).unwrap().epoch_days(), 0);
        assert_eq!(Day::new(2000, 3, 1).unwrap().epoch_days(), 11_017);
        assert_eq!(Day::new(1969, 12, 31).unwrap().epoch_days(), -1);
        for days in [-1_000_000, -1, 0, 1, 11_017, 2_932_896] {
            assert_eq!(Day::from_epoch_days(days).unwrap().epoch_days(), days);
        }
        // Out of range is None, never a panic (hours fit an i64, seconds do not).
        for days in [i64::MAX, i64::MAX / 24, i64::MIN / 24, 1 << 50] {
            assert_eq!(Day::from_epoch_days(days), None, "{days}");
        }
        assert_eq!(
            Day::from_epoch_days(11_016).unwrap().to_string(),
            "2000-02-29"
        );
        assert_eq!(
            Day::last_of_month(2024, 2).unwrap().to_string(),
            "2024-02-29"
        );
        assert_eq!(
            Day::last_of_month(2023, 2).unwrap().to_string(),
            "2023-02-28"
        );
        assert_eq!(Day::new(2021, 2, 29), None);
        assert_eq!(Day::new(2021, 13, 1), None);
    }
}
