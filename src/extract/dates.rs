//! Dates as the press writes them, resolved against the publication date.
//!
//! Forms found: single days ("July 16", "16 July", "October 6, 2007", "05 Августа 2021"),
//! ranges ("August 5-10", "from 5 to 10 August", "September 26 to October 7"), months ("late
//! April", "in June", "June 2021"), years ("in 2017") and relative dates ("today", "on
//! Tuesday", "next week", "next month", "this year"). A date without a year takes the year
//! that puts it nearest the publication date (or, with no publication date, the year in the
//! exercise's name) and says the year is inferred; a relative date needs the publication date
//! to as fine a precision as it asks ("on Tuesday" with only the month known is that month).

use std::ops::Range;

use serde::Serialize;

use super::text::Text;
use crate::date::{DatePrecision, Day};

/// What the article's date is known to: a year, and perhaps a month and a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Published {
    /// Year.
    pub year: i32,
    /// Month, when known.
    pub month: Option<u8>,
    /// Day, when known (only with a month).
    pub day: Option<u8>,
}

impl Published {
    /// Parse `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Published> {
        let r = crate::date::ReportedDate::parse(s).ok()?;
        let (y, m, d) = parts(r.first);
        Some(match r.precision {
            DatePrecision::Day => Published {
                year: y,
                month: Some(m),
                day: Some(d),
            },
            DatePrecision::Month => Published {
                year: y,
                month: Some(m),
                day: None,
            },
            _ => Published {
                year: y,
                month: None,
                day: None,
            },
        })
    }

    /// The first day of the date (of its month or year when that is all that is known):
    /// the day the article's places are asked for.
    pub fn first_day(&self) -> Option<crate::date::Day> {
        crate::date::Day::new(self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
    }

    /// Reduced ISO 8601, as precise as known.
    pub fn iso(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{:04}-{m:02}-{d:02}", self.year),
            (Some(m), None) => format!("{:04}-{m:02}", self.year),
            _ => format!("{:04}", self.year),
        }
    }

    fn day(&self) -> Option<Day> {
        Day::new(self.year, self.month?, self.day?)
    }

    /// The middle of what is known, for choosing a year.
    fn centre(&self) -> i64 {
        let m = self.month.unwrap_or(7);
        let d = self
            .day
            .unwrap_or(if self.month.is_some() { 15 } else { 1 });
        Day::new(self.year, m, d).map_or(0, Day::epoch_days)
    }
}

/// A date or period found in the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DateMention {
    /// Token indices of the phrase.
    #[serde(skip)]
    pub tokens: Range<usize>,
    /// The sentence it is in.
    #[serde(skip)]
    pub sentence: usize,
    /// The phrase as the article wrote it.
    pub reported: String,
    /// Where it is in the article.
    #[serde(flatten)]
    pub at: super::Position,
    /// First day, when it could be resolved.
    pub start: Option<Day>,
    /// Last day, when it could be resolved.
    pub end: Option<Day>,
    /// Day, month or year.
    pub precision: DatePrecision,
    /// Whether the year was not written and was inferred.
    pub year_inferred: bool,
    /// Whether the date is relative to the publication date ("next month", "on Tuesday").
    pub relative: bool,
    /// Whether it is a range written with two ends.
    pub range: bool,
}

impl DateMention {
    /// The start in reduced ISO 8601 (the form says the precision), if resolved.
    pub fn start_iso(&self) -> Option<String> {
        self.start.map(|d| reduce(d, self.precision))
    }

    /// The end in reduced ISO 8601, when it differs from the start's.
    pub fn end_iso(&self) -> Option<String> {
        let end = reduce(self.end?, self.precision);
        (Some(&end) != self.start_iso().as_ref()).then_some(end)
    }

    /// Whether two mentions can be the same period: both resolved and overlapping, or both
    /// unresolved and worded alike.
    pub fn compatible(&self, other: &DateMention) -> bool {
        match (self.start, self.end, other.start, other.end) {
            // Two day-precise periods are one only when equal; a month or a year holds the
            // days it contains ("next month", then "August 5-10").
            (Some(a), Some(b), Some(c), Some(d)) => match self.precision.cmp(&other.precision) {
                std::cmp::Ordering::Equal => a == c && b == d,
                std::cmp::Ordering::Less => c <= a && b <= d,
                std::cmp::Ordering::Greater => a <= c && d <= b,
            },
            (None, _, None, _) => self.reported.to_lowercase() == other.reported.to_lowercase(),
            _ => false,
        }
    }
}

fn reduce(d: Day, p: DatePrecision) -> String {
    let s = d.to_string();
    match p {
        DatePrecision::Day => s,
        DatePrecision::Month => s[..7].to_owned(),
        _ => s[..4].to_owned(),
    }
}

/// Year, month, day of a [`Day`].
fn parts(d: Day) -> (i32, u8, u8) {
    let s = d.to_string();
    let (y, rest) = s.split_at(s.len() - 6);
    (
        y.parse().unwrap_or(0),
        rest[1..3].parse().unwrap_or(1),
        rest[4..6].parse().unwrap_or(1),
    )
}

/// A date as written, before its year is settled.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Raw {
    Days {
        from: (u8, u8),
        to: (u8, u8),
        year: Option<i32>,
    },
    Month {
        month: u8,
        year: Option<i32>,
        this_year: bool,
    },
    Year(i32),
    Today(i64),
    Weekday(u8),
    Week(i64),
    MonthOffset(i32),
    YearOffset(i32),
}

const MONTHS: [&str; 12] = [
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

const RUSSIAN_MONTHS: [&str; 12] = [
    "yanvar", "fevral", "mart", "aprel", "ma", "iyun", "iyul", "avgust", "sentyabr", "oktyabr",
    "noyabr", "dekabr",
];

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

fn month(text: &Text<'_>, i: usize) -> Option<u8> {
    let word = text.word(i);
    let key = text.key(i);
    let cyrillic = word
        .chars()
        .next()
        .is_some_and(|c| ('\u{400}'..='\u{4ff}').contains(&c));
    let found = if cyrillic {
        RUSSIAN_MONTHS
            .iter()
            .position(|m| key.starts_with(m) && (*m != "ma" || matches!(key, "may" | "maya")))
    } else {
        if !text.capitalised(i) {
            return None;
        }
        MONTHS.iter().position(|m| {
            key == *m || (key.len() >= 3 && m.starts_with(key) && matches!(key.len(), 3 | 4))
        })
    };
    found.and_then(|p| u8::try_from(p + 1).ok())
}

/// Whether token `i` is a month or weekday name.
pub fn is_month_word(text: &Text<'_>, i: usize) -> bool {
    month(text, i).is_some() || WEEKDAYS.contains(&text.key(i))
}

fn day_number(text: &Text<'_>, i: usize) -> Option<u8> {
    let t = text.tokens.get(i)?;
    let key = &*t.exact;
    let digits = key.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &key[digits.len()..];
    if !(suffix.is_empty() || matches!(suffix, "st" | "nd" | "rd" | "th")) {
        return None;
    }
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

fn year_number(text: &Text<'_>, i: usize) -> Option<i32> {
    let t = text.tokens.get(i)?;
    (t.number && t.exact.len() == 4)
        .then(|| t.exact.parse().ok())
        .flatten()
        .filter(|y| (1900..=2100).contains(y))
}

fn same_sentence(text: &Text<'_>, a: usize, b: usize) -> bool {
    match (text.tokens.get(a), text.tokens.get(b)) {
        (Some(x), Some(y)) => x.sentence == y.sentence,
        _ => false,
    }
}

fn is(text: &Text<'_>, i: usize, words: &[&str]) -> bool {
    text.tokens.get(i).is_some() && words.contains(&text.key(i))
}

/// A year written after a day or month: `, 2007` or ` 2021`.
fn trailing_year(text: &Text<'_>, i: usize) -> Option<(i32, usize)> {
    let y = year_number(text, i)?;
    same_sentence(text, i - 1, i).then_some((y, i))
}

/// Days `from`..`to` whose last token is `last`, with the year written after it, if any.
fn days(text: &Text<'_>, from: (u8, u8), to: (u8, u8), last: usize) -> (Raw, usize) {
    let year = trailing_year(text, last + 1);
    (
        Raw::Days {
            from,
            to,
            year: year.map(|y| y.0),
        },
        year.map_or(last, |y| y.1),
    )
}

/// Whether token `i` is one of the Russian `words` (lower case), as written: the keys are
/// transliterated, and "с" or "по" would read as the Latin "s" or "po".
fn is_russian(text: &Text<'_>, i: usize, words: &[&str]) -> bool {
    let w = text.word(i);
    !w.is_empty() && !w.is_ascii() && words.contains(&w.to_lowercase().as_str())
}

/// Whether token `i` joins the two ends of a range of days ("5 to 10 August", "с 5 по 10
/// августа", "с 26 сентября до 7 октября").
fn range_to(text: &Text<'_>, i: usize) -> bool {
    is(text, i, &["to", "until", "through", "till"]) || is_russian(text, i, &["по", "до"])
}

/// Parse the date starting at token `i`: the raw date and its last token.
fn parse_at(text: &Text<'_>, i: usize) -> Option<(Raw, usize)> {
    let n = text.tokens.len();
    let ok = |j: usize| j < n && same_sentence(text, i, j);
    // from 5 to 10 August [2021]; between 5 and 10 August; с 5 по 10 августа
    if (is(text, i, &["from", "between"]) || is_russian(text, i, &["с", "со"])) && ok(i + 4) {
        if let (Some(d1), true, Some(d2), Some(m)) = (
            day_number(text, i + 1),
            is(text, i + 2, &["and"]) || range_to(text, i + 2),
            day_number(text, i + 3),
            month(text, i + 4),
        ) {
            return Some(days(text, (m, d1), (m, d2), i + 4));
        }
    }
    if let Some(m) = month(text, i) {
        if let Some(d1) = day_number(text, i + 1).filter(|_| ok(i + 1)) {
            // August 5-10
            if let Some(d2) =
                day_number(text, i + 2).filter(|_| ok(i + 2) && dash_between(text, i + 1, i + 2))
            {
                return Some(days(text, (m, d1), (m, d2), i + 2));
            }
            // September 26 to October 7
            let linked = is(text, i + 2, &["to", "until", "through", "till"])
                || (ok(i + 2) && dash_between(text, i + 1, i + 2));
            let second = if is(text, i + 2, &["to", "until", "through", "till"]) {
                i + 3
            } else {
                i + 2
            };
            if linked && ok(second + 1) {
                if let (Some(m2), Some(d2)) = (month(text, second), day_number(text, second + 1)) {
                    return Some(days(text, (m, d1), (m2, d2), second + 1));
                }
                if let Some(d2) = day_number(text, second).filter(|_| second == i + 3) {
                    return Some(days(text, (m, d1), (m, d2), second));
                }
            }
            // July 16 [, 2007]
            return Some(days(text, (m, d1), (m, d1), i + 1));
        }
        // June 2021; June of this year; April
        if let Some((y, last)) = trailing_year(text, i + 1) {
            return Some((
                Raw::Month {
                    month: m,
                    year: Some(y),
                    this_year: false,
                },
                last,
            ));
        }
        if is(text, i + 1, &["of"]) && is(text, i + 2, &["this"]) && is(text, i + 3, &["year"]) {
            return Some((
                Raw::Month {
                    month: m,
                    year: None,
                    this_year: true,
                },
                i + 3,
            ));
        }
        return Some((
            Raw::Month {
                month: m,
                year: None,
                this_year: false,
            },
            i,
        ));
    }
    // 2021-08-01 (ISO 8601)
    if let Some(y) = year_number(text, i).filter(|_| ok(i + 2)) {
        if dash_between(text, i, i + 1) && dash_between(text, i + 1, i + 2) {
            let two = |j: usize| {
                let k = text.key(j);
                (k.len() == 2).then(|| k.parse::<u8>().ok()).flatten()
            };
            if let (Some(m), Some(d)) = (two(i + 1).filter(|m| (1..=12).contains(m)), two(i + 2)) {
                return Some((
                    Raw::Days {
                        from: (m, d),
                        to: (m, d),
                        year: Some(y),
                    },
                    i + 2,
                ));
            }
        }
    }
    if let Some(d1) = day_number(text, i) {
        // the 29th of February [2023]
        if is(text, i + 1, &["of"]) && ok(i + 2) {
            if let Some(m) = month(text, i + 2) {
                return Some(days(text, (m, d1), (m, d1), i + 2));
            }
        }
        // 16-17 ноября, 5 to 10 August (without "from")
        if ok(i + 2) && dash_between(text, i, i + 1) {
            if let (Some(d2), Some(m)) = (day_number(text, i + 1), month(text, i + 2)) {
                return Some(days(text, (m, d1), (m, d2), i + 2));
            }
        }
        // 5 to 10 August, по 10 августа
        if range_to(text, i + 1) && ok(i + 3) {
            if let (Some(d2), Some(m)) = (day_number(text, i + 2), month(text, i + 3)) {
                return Some(days(text, (m, d1), (m, d2), i + 3));
            }
        }
        // 05 Августа 2021, 16 July
        if let Some(m) = month(text, i + 1).filter(|_| ok(i + 1)) {
            // 26 September to 7 October, 26 сентября по 7 октября
            if range_to(text, i + 2) && ok(i + 4) {
                if let (Some(d2), Some(m2)) = (day_number(text, i + 3), month(text, i + 4)) {
                    return Some(days(text, (m, d1), (m2, d2), i + 4));
                }
            }
            return Some(days(text, (m, d1), (m, d1), i + 1));
        }
    }
    // in 2017
    if is(
        text,
        i,
        &["in", "since", "until", "during", "early", "late", "mid"],
    ) {
        if let Some(y) = year_number(text, i + 1).filter(|_| ok(i + 1)) {
            return Some((Raw::Year(y), i + 1));
        }
    }
    let relative = match text.key(i) {
        "today" => Some((Raw::Today(0), i)),
        "yesterday" => Some((Raw::Today(-1), i)),
        "tomorrow" => Some((Raw::Today(1), i)),
        k if text.capitalised(i) && WEEKDAYS.contains(&k) => WEEKDAYS
            .iter()
            .position(|w| *w == k)
            .and_then(|p| u8::try_from(p).ok())
            .map(|p| (Raw::Weekday(p), i)),
        "next" | "last" | "this" | "coming" | "past" if ok(i + 1) => {
            let k: i32 = match text.key(i) {
                "next" | "coming" => 1,
                "last" | "past" => -1,
                _ => 0,
            };
            match text.key(i + 1) {
                "week" => Some((Raw::Week(i64::from(k)), i + 1)),
                "month" => Some((Raw::MonthOffset(k), i + 1)),
                "year" => Some((Raw::YearOffset(k), i + 1)),
                _ => None,
            }
        }
        _ => None,
    };
    relative
}

/// Whether only a hyphen or dash separates two tokens.
fn dash_between(text: &Text<'_>, a: usize, b: usize) -> bool {
    let (Some(x), Some(y)) = (text.tokens.get(a), text.tokens.get(b)) else {
        return false;
    };
    matches!(
        text.source[x.span.end..y.span.start].trim(),
        "-" | "–" | "—"
    )
}

/// Every date in `text`, resolved against `published` (or, failing that, `fallback_year`,
/// the year in an exercise's name).
pub fn find(
    text: &Text<'_>,
    published: Option<Published>,
    fallback_year: Option<i32>,
) -> Vec<DateMention> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.tokens.len() {
        match parse_at(text, i) {
            Some((raw, last)) => {
                let mut first = i;
                // "on Tuesday", "in late April": keep the qualifier in the quote.
                if first > 0
                    && same_sentence(text, first - 1, first)
                    && is(text, first - 1, &["late", "early", "mid", "end"])
                {
                    first -= 1;
                }
                out.push(resolve(text, raw, first, last, published, fallback_year));
                i = last + 1;
            }
            None => i += 1,
        }
    }
    out
}

fn resolve(
    text: &Text<'_>,
    raw: Raw,
    first: usize,
    last: usize,
    published: Option<Published>,
    fallback_year: Option<i32>,
) -> DateMention {
    let mut m = DateMention {
        tokens: first..last + 1,
        sentence: text.tokens.get(first).map_or(0, |t| t.sentence),
        reported: text.phrase(first, last).to_owned(),
        at: text.phrase_span(first, last).into(),
        start: None,
        end: None,
        precision: DatePrecision::Unknown,
        year_inferred: false,
        relative: false,
        range: false,
    };
    let pub_day = published.and_then(|p| p.day());
    match raw {
        Raw::Days { from, to, year } => {
            m.range = from != to;
            m.precision = DatePrecision::Day;
            let year = year.or_else(|| {
                m.year_inferred = true;
                infer_year(from.0, from.1, published, fallback_year)
            });
            if let Some(y) = year {
                let y2 = if to.0 < from.0 { y + 1 } else { y };
                m.start = Day::new(y, from.0, from.1);
                m.end = Day::new(y2, to.0, to.1);
                if m.start.is_none() || m.end.is_none() || m.end < m.start {
                    m.start = None;
                    m.end = None;
                }
            }
        }
        Raw::Month {
            month,
            year,
            this_year,
        } => {
            m.precision = DatePrecision::Month;
            m.relative = this_year;
            let year = year.or_else(|| {
                m.year_inferred = !this_year;
                if this_year {
                    published.map(|p| p.year)
                } else {
                    infer_year(month, 15, published, fallback_year)
                }
            });
            if let Some(y) = year {
                m.start = Day::new(y, month, 1);
                m.end = Day::last_of_month(y, month);
            }
        }
        Raw::Year(y) => {
            m.precision = DatePrecision::Year;
            m.start = Day::new(y, 1, 1);
            m.end = Day::new(y, 12, 31);
        }
        Raw::Today(_) | Raw::Weekday(_) | Raw::Week(_) => {
            m.relative = true;
            match pub_day {
                Some(d) => {
                    let e = d.epoch_days();
                    // Monday is 0; 1970-01-01 was a Thursday.
                    let weekday = (e + 3).rem_euclid(7);
                    let (first, last) = match raw {
                        Raw::Today(k) => (e + k, e + k),
                        // The last such weekday on or before the publication date.
                        Raw::Weekday(w) => {
                            let back = (weekday - i64::from(w)).rem_euclid(7);
                            (e - back, e - back)
                        }
                        Raw::Week(k) => (e - weekday + 7 * k, e - weekday + 7 * k + 6),
                        _ => (e, e),
                    };
                    m.precision = DatePrecision::Day;
                    m.range = first != last;
                    m.start = Day::from_epoch_days(first);
                    m.end = Day::from_epoch_days(last);
                }
                None => coarse(&mut m, published),
            }
        }
        Raw::MonthOffset(k) => {
            m.relative = true;
            if let Some(p) = published {
                if let Some(pm) = p.month {
                    let total = p.year * 12 + i32::from(pm) - 1 + k;
                    let (y, mo) = (total.div_euclid(12), total.rem_euclid(12) + 1);
                    if let Ok(mo) = u8::try_from(mo) {
                        m.precision = DatePrecision::Month;
                        m.start = Day::new(y, mo, 1);
                        m.end = Day::last_of_month(y, mo);
                    }
                }
            }
        }
        Raw::YearOffset(k) => {
            m.relative = true;
            if let Some(p) = published {
                m.precision = DatePrecision::Year;
                m.start = Day::new(p.year + k, 1, 1);
                m.end = Day::new(p.year + k, 12, 31);
            }
        }
    }
    if m.start.is_none() {
        m.precision = DatePrecision::Unknown;
    }
    m
}

/// A relative day when only the publication month or year is known: that month or year.
fn coarse(m: &mut DateMention, published: Option<Published>) {
    let Some(p) = published else { return };
    match p.month {
        Some(mo) => {
            m.precision = DatePrecision::Month;
            m.start = Day::new(p.year, mo, 1);
            m.end = Day::last_of_month(p.year, mo);
        }
        None => {
            m.precision = DatePrecision::Year;
            m.start = Day::new(p.year, 1, 1);
            m.end = Day::new(p.year, 12, 31);
        }
    }
}

/// The year that puts `month`/`day` nearest the publication date, or the fallback year.
fn infer_year(
    month: u8,
    day: u8,
    published: Option<Published>,
    fallback: Option<i32>,
) -> Option<i32> {
    match published {
        Some(p) => {
            let centre = p.centre();
            (p.year - 1..=p.year + 1).min_by_key(|y| {
                Day::new(*y, month, day.min(28))
                    .map_or(i64::MAX, |d| (d.epoch_days() - centre).abs())
            })
        }
        None => fallback,
    }
}

/// Whether the date starting at byte `start` stands where a dateline does: first on its
/// line, or after a place and a separator ("Dushanbe, 2021-08-01", "DUSHANBE —",
/// "Published:"), not inside a sentence ("…was held on 5 March 2019").
fn at_dateline(source: &str, start: usize) -> bool {
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = source[line_start..start].trim();
    // A time of day before the date ("14:35, 5 августа 2021").
    let before =
        before
            .trim_end_matches([',', ' '])
            .rsplit_once(' ')
            .map_or(
                before,
                |(head, last)| if is_time(last) { head.trim() } else { before },
            );
    if before.is_empty() || is_time(before.trim_end_matches([',', ' '])) {
        return true;
    }
    let words = |s: &str| {
        let n = s.split_whitespace().count();
        (1..=3).contains(&n) && !s.chars().any(|c| c.is_ascii_digit())
    };
    match before.strip_suffix([',', ':', '-', '–', '—', '|', '.']) {
        Some(lead) => words(lead),
        // "Posted 5 August 2021", "Опубликовано 5 августа 2021": a word or two, no digit,
        // before the date.
        None => words(before) && before.split_whitespace().count() <= 2,
    }
}

/// `hh:mm`.
fn is_time(s: &str) -> bool {
    let b = s.as_bytes();
    matches!(b.len(), 4 | 5)
        && b[b.len() - 3] == b':'
        && b.iter()
            .enumerate()
            .all(|(k, c)| k == b.len() - 3 || c.is_ascii_digit())
}

/// A dateline: a full date (day, month and year) in the first three lines of the article,
/// first on its line or after a place name ([`at_dateline`]).
pub fn dateline(text: &Text<'_>) -> Option<Published> {
    let limit = text
        .source
        .match_indices('\n')
        .nth(2)
        .map_or(text.source.len(), |(i, _)| i);
    find(text, None, None)
        .into_iter()
        .filter(|d| {
            text.tokens
                .get(d.tokens.start)
                .is_some_and(|t| t.span.start < limit && at_dateline(text.source, t.span.start))
        })
        .find(|d| d.precision == DatePrecision::Day && !d.year_inferred && !d.range && !d.relative)
        .and_then(|d| d.start)
        .map(|d| {
            let (year, month, day) = parts(d);
            Published {
                year,
                month: Some(month),
                day: Some(day),
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(s: &str, published: &str) -> Vec<(String, Option<String>, Option<String>, bool)> {
        let t = Text::new(s);
        find(&t, Published::parse(published), None)
            .into_iter()
            .map(|d| {
                (
                    d.reported.clone(),
                    d.start_iso(),
                    d.end_iso(),
                    d.year_inferred,
                )
            })
            .collect()
    }

    fn one(s: &str, published: &str) -> (Option<String>, Option<String>) {
        let d = dates(s, published);
        assert_eq!(d.len(), 1, "{s}: {d:?}");
        (d[0].1.clone(), d[0].2.clone())
    }

    #[test]
    fn days_and_ranges_the_press_writes() {
        for (text, start, end) in [
            ("shown July 16.", "2021-07-16", None),
            (
                "take place August 5-10 at",
                "2021-08-05",
                Some("2021-08-10"),
            ),
            ("from 5 to 10 August", "2021-08-05", Some("2021-08-10")),
            (
                "from September 26 to October 7,",
                "2021-09-26",
                Some("2021-10-07"),
            ),
            (
                "run from July 30 to August 10,",
                "2021-07-30",
                Some("2021-08-10"),
            ),
            ("established on October 6, 2007,", "2007-10-06", None),
            ("05 Августа 2021 799", "2021-08-05", None),
            ("с 5 по 10 августа", "2021-08-05", Some("2021-08-10")),
            (
                "учения пройдут с 5 по 10 августа 2021 года",
                "2021-08-05",
                Some("2021-08-10"),
            ),
            ("со 2 по 6 сентября", "2021-09-02", Some("2021-09-06")),
            (
                "с 26 сентября по 7 октября",
                "2021-09-26",
                Some("2021-10-07"),
            ),
            ("between 5 and 10 August", "2021-08-05", Some("2021-08-10")),
            ("held 5 to 10 August", "2021-08-05", Some("2021-08-10")),
            (
                "held 26 September to 7 October",
                "2021-09-26",
                Some("2021-10-07"),
            ),
            ("in late April, Russia", "2021-04", None),
            ("joining in 2017 and", "2017", None),
        ] {
            let got = one(text, "2021-07-20");
            assert_eq!(
                (got.0.as_deref(), got.1.as_deref()),
                (Some(start), end),
                "{text}"
            );
        }
    }

    #[test]
    fn weekdays_are_the_most_recent_such_day_on_or_before_the_publication() {
        let s = |x: &str| Some(x.to_owned());
        // 2021-07-20 was a Tuesday: published that day, "on Tuesday" is that day.
        assert_eq!(
            one("deployed on Tuesday ahead", "2021-07-20"),
            (s("2021-07-20"), None)
        );
        // Published on the Monday after: the Tuesday of the week before.
        assert_eq!(
            one("deployed on Tuesday ahead", "2021-07-26"),
            (s("2021-07-20"), None)
        );
        assert_eq!(
            one("said on Sunday that", "2021-07-20"),
            (s("2021-07-18"), None)
        );
        assert_eq!(
            one("On Monday, drills began", "2021-07-20"),
            (s("2021-07-19"), None)
        );
        // Across a year's end: 2021-01-01 was a Friday.
        assert_eq!(
            one("said on Wednesday that", "2021-01-01"),
            (s("2020-12-30"), None)
        );
        // Recorded with day precision and said to be relative.
        let t = Text::new("deployed on Tuesday ahead");
        let d = find(&t, Published::parse("2021-07-21"), None);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].precision, DatePrecision::Day);
        assert!(d[0].relative);
    }

    #[test]
    fn relative_dates_follow_the_publication_date() {
        let s = |x: &str| Some(x.to_owned());
        // 2021-07-20 was a Tuesday.
        assert_eq!(
            one("deployed on Tuesday ahead", "2021-07-22"),
            (s("2021-07-20"), None)
        );
        assert_eq!(
            one("deployed on Tuesday ahead", "2021-07"),
            (s("2021-07"), None)
        );
        assert_eq!(
            one("drills next month with", "2021-07"),
            (s("2021-08"), None)
        );
        assert_eq!(
            one("Next week CSTO", "2021-07-22"),
            (s("2021-07-26"), s("2021-08-01"))
        );
        assert_eq!(one("CSTO this year,", "2024-09-30"), (s("2024"), None));
        assert_eq!(
            one("will conclude today.", "2021-09-01"),
            (s("2021-09-01"), None)
        );
        assert_eq!(one("will conclude today.", ""), (None, None));
    }

    #[test]
    fn years_are_inferred_nearest_the_publication_and_said_so() {
        let d = dates("shown July 16.", "2018-07-23");
        assert_eq!(d[0].1.as_deref(), Some("2018-07-16"));
        assert!(d[0].3, "the year is inferred");
        let d = dates("in a March interview", "2021-01-10");
        assert_eq!(d[0].1.as_deref(), Some("2021-03"));
        let d = dates("on December 30", "2021-01-10");
        assert_eq!(d[0].1.as_deref(), Some("2020-12-30"));
        let t = Text::new("from September 26 to October 7");
        let d = find(&t, None, Some(2024));
        assert_eq!(d[0].start_iso().as_deref(), Some("2024-09-26"));
    }

    #[test]
    fn names_with_years_and_modal_may_are_not_dates() {
        assert!(dates("the Zapad-2021 drills may start", "2021-08-05").is_empty());
        assert!(dates("for 24 hours and 1500 / 1500", "2021-08-05").is_empty());
    }

    #[test]
    fn a_dateline_sets_the_publication_date() {
        let t = Text::new("Title\n05 Августа 2021 799 Политика\nAlmaty. August 5. Text");
        assert_eq!(dateline(&t).map(|p| p.iso()).as_deref(), Some("2021-08-05"));
        assert_eq!(dateline(&Text::new("No date here.")), None);
        for (text, want) in [
            ("Dushanbe, 2021-08-01\nText", Some("2021-08-01")),
            ("DUSHANBE — 5 August 2021 — Troops", Some("2021-08-05")),
            ("Published: August 5, 2021\nText", Some("2021-08-05")),
            // A date inside a sentence is what the article reports, not when it was written.
            (
                "Troops will train at Kharbmaidon next month. The last such drill was held on 5 March 2019.",
                None,
            ),
            ("Title\nIn 2019, on 5 March 2019, troops trained.", None),
            ("14:35, 5 августа 2021\nText", Some("2021-08-05")),
            ("Posted 5 August 2021\nText", Some("2021-08-05")),
            ("Опубликовано 5 августа 2021\nText", Some("2021-08-05")),
        ] {
            assert_eq!(
                dateline(&Text::new(text)).map(|p| p.iso()).as_deref(),
                want,
                "{text}"
            );
        }
    }

    #[test]
    fn iso_dates_and_ordinals_of_months_are_days_and_impossible_days_are_not_dates() {
        assert_eq!(
            one("drills on 2021-08-01 near", "2021-07-20"),
            (Some("2021-08-01".into()), None)
        );
        assert_eq!(
            one("the 12th of August", "2021-07-20"),
            (Some("2021-08-12".into()), None)
        );
        // Not a day of 2023: no date at all, never the month at a day's confidence.
        assert_eq!(one("the 29th of February 2023", "2023-03-01"), (None, None));
        assert_eq!(one("on 2021-02-30", "2021-03-01"), (None, None));
        assert_eq!(
            one("from 28 December to 3 January", "2021-12-01"),
            (Some("2021-12-28".into()), Some("2022-01-03".into()))
        );
    }

    #[test]
    fn epoch_days_round_trip() {
        for (y, m, d) in [(1970, 1, 1), (2000, 2, 29), (2021, 12, 31), (1969, 12, 31)] {
            let day = Day::new(y, m, d).unwrap();
            assert_eq!(Day::from_epoch_days(day.epoch_days()), Some(day));
        }
    }
}
