//! Dates as the press writes them: the forms, before a year is settled or a relative date
//! is resolved.
//!
//! Forms read: single days ("July 16", "16 July", "Sept. 5", "October 6, 2007", "05 Августа
//! 2021", "2021-10-18", and "18.10.2021", always day first),
//! ranges ("August 5-10", "Oct. 18-22", "18-22.10.2021", "from 5 to 10 August", "from May 5 to 9", "September 26 to
//! October 7", "с 5 по 10 августа"), months ("late April", "in June", "June 2021"), years
//! ("in 2017", "в 2021 году") and relative dates ("today", "on Tuesday", "next week", "на
//! следующей неделе", "next month", "this year"). Below `read`, so the dataset's check of a
//! date against its quote ([`crate::read::dataset`]) and `extract` (which resolves them
//! against the publication date) read dates with one reader.

use std::ops::Range;

use super::text::Text;
use crate::date::{DatePrecision, ReportedDate, MONTHS};

/// A date found in a text: its tokens and what it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrittenDate {
    /// Token indices of the phrase (a qualifier such as "late" included).
    pub first: usize,
    /// The last token of the phrase.
    pub last: usize,
    /// What the words say.
    pub date: Written,
}

impl WrittenDate {
    /// Token indices of the phrase.
    pub fn tokens(&self) -> Range<usize> {
        self.first..self.last + 1
    }
}

/// A date as written, before its year is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Days, one or a range.
    Days {
        /// The first day: (month, day).
        from: (u8, u8),
        /// The last day: (month, day), `from` for one day.
        to: (u8, u8),
        /// The year, when written: the year of the last day ("28 December to 3 January
        /// 2022" ends in 2022; see [`Written::years`]).
        year: Option<i32>,
    },
    /// A month.
    Month {
        /// 1 to 12.
        month: u8,
        /// The year, when written.
        year: Option<i32>,
        /// "of this year": the publication's year.
        this_year: bool,
    },
    /// A year ("in 2017", "в 2021 году").
    Year(i32),
    /// A day counted from the publication date ("today" 0, "yesterday" -1).
    Today(i64),
    /// The last such weekday on or before the publication date (Monday 0).
    Weekday(u8),
    /// The week (Monday to Sunday) so many weeks after the publication's ("next week" 1).
    Week(i64),
    /// The month so many months after the publication's.
    MonthOffset(i32),
    /// The year so many years after the publication's.
    YearOffset(i32),
}

impl Written {
    /// Whether the date is counted from the publication date ("next week", "on Tuesday",
    /// "this year", "June of this year"): its words alone do not give it.
    pub fn relative(&self) -> bool {
        match self {
            Written::Days { .. } | Written::Year(_) => false,
            Written::Month { this_year, .. } => *this_year,
            _ => true,
        }
    }

    /// The years of a range's first and last days when the range's year is `year`: a
    /// written year is the last day's ("28 December to 3 January 2022": 2021 and 2022), an
    /// inferred one the first day's (`written` false: 2021 gives 2021 and 2022).
    pub fn years(from_month: u8, to_month: u8, year: i32, written: bool) -> (i32, i32) {
        let wraps = i32::from(to_month < from_month);
        if written {
            (year - wraps, year)
        } else {
            (year, year + wraps)
        }
    }
}

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
fn days(text: &Text<'_>, from: (u8, u8), to: (u8, u8), last: usize) -> (Written, usize) {
    let year = trailing_year(text, last + 1);
    (
        Written::Days {
            from,
            to,
            year: year.map(|y| y.0),
        },
        year.map_or(last, |y| y.1),
    )
}

/// Whether token `i` is one of the Russian `words` (lower case), as written: the keys are
/// transliterated, and "с" or "по" would read as the Latin "s" or "po".
pub fn is_russian(text: &Text<'_>, i: usize, words: &[&str]) -> bool {
    let w = text.word(i);
    !w.is_empty() && !w.is_ascii() && words.contains(&w.to_lowercase().as_str())
}

/// Whether token `i` joins the two ends of a range of days ("5 to 10 August", "с 5 по 10
/// августа", "с 26 сентября до 7 октября").
fn range_to(text: &Text<'_>, i: usize) -> bool {
    is(text, i, &["to", "until", "through", "till"]) || is_russian(text, i, &["по", "до"])
}

/// Parse the date starting at token `i`: the raw date and its last token.
fn parse_at(text: &Text<'_>, i: usize) -> Option<(Written, usize)> {
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
            if linked && ok(second) {
                if let (Some(m2), Some(d2)) = (
                    month(text, second),
                    day_number(text, second + 1).filter(|_| ok(second + 1)),
                ) {
                    return Some(days(text, (m, d1), (m2, d2), second + 1));
                }
                // May 5 to 9, from May 5 through 9 (the range's last word)
                if let Some(d2) = day_number(text, second).filter(|_| second == i + 3) {
                    return Some(days(text, (m, d1), (m, d2), second));
                }
            }
            // March 5 and 6 [, 2022]: two days, the year written once after both (probe,
            // session 45: "March 5" alone was read, its year free and its end the 5th);
            // "between March 5 and 9, 2022" (review, session 46).
            let between = i > 0 && is(text, i - 1, &["between"]);
            if is(text, i + 2, &["and"]) && ok(i + 3) && month(text, i + 4).is_none() {
                // "between March 5 and 9, 2022": any later day.
                let follows = |d2: &u8| *d2 == d1 + 1 || (between && *d2 > d1);
                if let Some(d2) = day_number(text, i + 3).filter(follows) {
                    return Some(days(text, (m, d1), (m, d2), i + 3));
                }
            }
            // July 16 [, 2007]
            return Some(days(text, (m, d1), (m, d1), i + 1));
        }
        // June 2021; June of this year; April
        if let Some((y, last)) = trailing_year(text, i + 1) {
            return Some((
                Written::Month {
                    month: m,
                    year: Some(y),
                    this_year: false,
                },
                last,
            ));
        }
        if is(text, i + 1, &["of"]) && is(text, i + 2, &["this"]) && is(text, i + 3, &["year"]) {
            return Some((
                Written::Month {
                    month: m,
                    year: None,
                    this_year: true,
                },
                i + 3,
            ));
        }
        return Some((
            Written::Month {
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
                    Written::Days {
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
        // 18.10.2021, 18-22.10.2021
        if let Some(dotted) = dotted(text, i, d1) {
            return Some(dotted);
        }
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
        // 5 to 10 August, по 10 августа; 5 and 6 March, 5 и 6 марта (two days in a row)
        let and = (is(text, i + 1, &["and"]) || is_russian(text, i + 1, &["и"]))
            && day_number(text, i + 2) == Some(d1 + 1);
        if (range_to(text, i + 1) || and) && ok(i + 3) {
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
    // в 2021 году, в 2021 г.
    if is_russian(text, i, &["в", "во"]) {
        if let Some(y) = year_number(text, i + 1).filter(|_| ok(i + 1)) {
            let last = if ok(i + 2) && is_russian(text, i + 2, &["году", "года", "г"]) {
                i + 2
            } else {
                i + 1
            };
            return Some((Written::Year(y), last));
        }
    }
    // на следующей неделе, в следующем месяце, в этом году
    if is_russian(text, i, &["на", "в", "во"]) && ok(i + 2) {
        let k = if is_russian(
            text,
            i + 1,
            &["следующей", "следующем", "будущей", "будущем"],
        ) {
            Some(1)
        } else if is_russian(text, i + 1, &["этой", "этом", "текущей", "текущем"])
        {
            Some(0)
        } else if is_russian(text, i + 1, &["прошлой", "прошлом"]) {
            Some(-1)
        } else {
            None
        };
        if let Some(k) = k {
            let unit = if is_russian(text, i + 2, &["неделе"]) {
                Some(Written::Week(i64::from(k)))
            } else if is_russian(text, i + 2, &["месяце"]) {
                Some(Written::MonthOffset(k))
            } else if is_russian(text, i + 2, &["году"]) {
                Some(Written::YearOffset(k))
            } else {
                None
            };
            if let Some(w) = unit {
                return Some((w, i + 2));
            }
        }
    }
    // in 2017
    if is(
        text,
        i,
        &["in", "since", "until", "during", "early", "late", "mid"],
    ) {
        if let Some(y) = year_number(text, i + 1).filter(|_| ok(i + 1)) {
            return Some((Written::Year(y), i + 1));
        }
    }
    let relative = match text.key(i) {
        "today" => Some((Written::Today(0), i)),
        "yesterday" => Some((Written::Today(-1), i)),
        "tomorrow" => Some((Written::Today(1), i)),
        k if text.capitalised(i) && WEEKDAYS.contains(&k) => WEEKDAYS
            .iter()
            .position(|w| *w == k)
            .and_then(|p| u8::try_from(p).ok())
            .map(|p| (Written::Weekday(p), i)),
        "next" | "last" | "this" | "coming" | "past" if ok(i + 1) => {
            let k: i32 = match text.key(i) {
                "next" | "coming" => 1,
                "last" | "past" => -1,
                _ => 0,
            };
            match text.key(i + 1) {
                "week" => Some((Written::Week(i64::from(k)), i + 1)),
                "month" => Some((Written::MonthOffset(k), i + 1)),
                "year" => Some((Written::YearOffset(k), i + 1)),
                _ => None,
            }
        }
        _ => None,
    };
    relative
}

/// A dotted date from token `i`, day `d1`: "18.10.2021" or "18-22.10.2021", always day
/// first (DD.MM.YYYY: a dotted date is never read month first, whatever its numbers), with
/// a four-digit year. The raw date and its last token.
fn dotted(text: &Text<'_>, i: usize, d1: u8) -> Option<(Written, usize)> {
    let digits = |j: usize| {
        let k = text.key(j);
        !k.is_empty() && k.len() <= 2 && k.bytes().all(|b| b.is_ascii_digit())
    };
    let dot = |a: usize, b: usize| match (text.tokens.get(a), text.tokens.get(b)) {
        (Some(x), Some(y)) => &text.source[x.span.end..y.span.start] == ".",
        _ => false,
    };
    if !digits(i) {
        return None;
    }
    if let Some(slashed) = slashed(text, i, d1) {
        return Some(slashed);
    }
    // 18-22.10.2021: the last day, then the month.
    let (d2, m) = match day_number(text, i + 1) {
        Some(d2) if digits(i + 1) && dash_between(text, i, i + 1) && dot(i + 1, i + 2) => {
            (d2, i + 2)
        }
        _ => (d1, i + 1),
    };
    let month = text
        .key(m)
        .parse::<u8>()
        .ok()
        .filter(|mm| digits(m) && (1..=12).contains(mm))?;
    let year = year_number(text, m + 1)?;
    (dot(m - 1, m) && dot(m, m + 1) && same_sentence(text, i, m + 1)).then_some((
        Written::Days {
            from: (month, d1),
            to: (month, d2),
            year: Some(year),
        },
        m + 1,
    ))
}

/// A date written with slashes from token `i`, its first number `d1`: "25/03/2022" (day
/// first, as the day is past 12) or "03/25/2022" (month first). When either order makes a
/// date ("03/05/2022": 3 May or 5 March) the words do not say which: it is no date here,
/// and [`quotes_say`] takes either reading ([`slashed_parts`]; probe, session 45: no
/// slashed date was read, so its quote left the date free).
fn slashed(text: &Text<'_>, i: usize, d1: u8) -> Option<(Written, usize)> {
    let (n1, n2, year) = slashed_parts(text, i).filter(|p| p.0 == d1)?;
    let (month, day) = slashed_order(n1, n2)?;
    Some((
        Written::Days {
            from: (month, day),
            to: (month, day),
            year: Some(year),
        },
        i + 2,
    ))
}

/// The (month, day) of a slashed date's two numbers when only one order makes a date:
/// `None` for "03/05" (either) or "13/13" (neither).
fn slashed_order(n1: u8, n2: u8) -> Option<(u8, u8)> {
    match (n1, n2) {
        (13..=31, 1..=12) => Some((n2, n1)),
        (1..=12, 13..=31) => Some((n1, n2)),
        (1..=12, 1..=12) if n1 == n2 => Some((n1, n2)),
        _ => None,
    }
}

/// The two numbers and the year of a slashed date from token `i` ("03/05/2022"), each
/// number 1 to 31.
fn slashed_parts(text: &Text<'_>, i: usize) -> Option<(u8, u8, i32)> {
    let slash = |a: usize, b: usize| match (text.tokens.get(a), text.tokens.get(b)) {
        (Some(x), Some(y)) => &text.source[x.span.end..y.span.start] == "/",
        _ => false,
    };
    let number = |j: usize| {
        let k = text.key(j);
        (!k.is_empty() && k.len() <= 2 && k.bytes().all(|b| b.is_ascii_digit()))
            .then(|| k.parse::<u8>().ok())
            .flatten()
            .filter(|n| (1..=31).contains(n))
    };
    if !(slash(i, i + 1) && slash(i + 1, i + 2) && same_sentence(text, i, i + 2)) {
        return None;
    }
    Some((number(i)?, number(i + 1)?, year_number(text, i + 2)?))
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

/// A range written as two whole days, each with its year or neither ("5 May 2021 to 10 May
/// 2021", "May 5, 2021 – May 10, 2021", "05.05.2021-10.05.2021", "2021-05-05 to
/// 2021-05-10", "с 28 декабря 2021 года по 3 января 2022 года", "between May 5 and May
/// 10"), given `date`, the first day read from token `first` to `last`: the one range,
/// with the last day's year, and its last token. `None` when what follows is not a second
/// day after the first (each is then a date of its own, as before: probe, session 26, a
/// range of two written years kept only its first day).
fn two_days(text: &Text<'_>, first: usize, date: Written, last: usize) -> Option<(Written, usize)> {
    let Written::Days {
        from: a,
        to,
        year: y1,
    } = date
    else {
        return None;
    };
    let ok = |j: usize| j < text.tokens.len() && same_sentence(text, first, j);
    let mut j = last + 1;
    if y1.is_some() && ok(j) && is_russian(text, j, &["года", "г"]) {
        j += 1;
    }
    let between = first > 0 && is(text, first - 1, &["between"]);
    let second = if range_to(text, j) || (between && is(text, j, &["and"])) {
        j + 1
    } else if dash_between(text, j - 1, j) {
        j
    } else {
        return None;
    };
    if to != a || !ok(second) {
        return None;
    }
    let (
        Written::Days {
            from: b,
            to: b_to,
            year: y2,
        },
        end,
    ) = parse_at(text, second)?
    else {
        return None;
    };
    let year = match (y1, y2) {
        (None, None) => None,
        // "between March 5 and March 9, 2022", "5 May to 10 May 2021": the year written
        // once, after the last day, is the range's (probe, session 45: the first day was
        // read without it, and its year left free).
        (None, Some(y2)) => Some(y2),
        (Some(y1), Some(y2)) if Written::years(a.0, b.0, y2, true).0 == y1 => Some(y2),
        _ => return None,
    };
    // The second day after the first, in the same year or the next (`Written::years`).
    (b_to == b && (a < b || b.0 < a.0) && ok(end)).then_some((
        Written::Days {
            from: a,
            to: b,
            year,
        },
        end,
    ))
}

/// Every date `text` writes, in order.
pub fn written(text: &Text<'_>) -> Vec<WrittenDate> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.tokens.len() {
        match parse_at(text, i) {
            Some((date, last)) => {
                let (date, last) = two_days(text, i, date, last).unwrap_or((date, last));
                let mut first = i;
                // "on Tuesday", "in late April": keep the qualifier in the quote.
                if first > 0
                    && same_sentence(text, first - 1, first)
                    && is(text, first - 1, &["late", "early", "mid", "end"])
                {
                    first -= 1;
                }
                out.push(WrittenDate { first, last, date });
                i = last + 1;
            }
            None => i += 1,
        }
    }
    out
}

/// Which end of what a quote writes a date field gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// The first day (`start`, `since`).
    Start,
    /// The last day (`end`, `until`).
    End,
    /// Either (`after`, `last_reported`).
    Either,
}

/// Whether `quotes` write a day or month without its year ("from August 5 to August 10",
/// "in June"), and no number that may be a year anywhere ("in 2017", "from 2015", "October
/// 6, 2007", "03/05/2022", "the 2022 drills", a count such as "2000 troops" too: this errs
/// towards a year): such a date's year is the article's publication's, as `extract` reads
/// it. A quote with no date, or a relative one, gives none to compare (review, session 46:
/// "extends the lease for 30 years" backing an `until` was held to the publication).
pub fn quotes_leave_the_year_out(quotes: &[&str]) -> bool {
    let mut yearless = false;
    for q in quotes {
        let text = Text::new(q);
        if (0..text.tokens.len()).any(|i| year_number(&text, i).is_some()) {
            return false;
        }
        yearless |= written(&text).iter().any(|w| {
            matches!(
                w.date,
                Written::Days { year: None, .. }
                    | Written::Month {
                        year: None,
                        this_year: false,
                        ..
                    }
            )
        });
    }
    yearless
}

/// The years a text names in a season ("spring 2022", "the summer of 2022", "весной 2022
/// года"), outside the dates [`written`] reads (`found`), each with whether it is a winter's
/// (which may run into the next year, or have begun in the last: "the winter of
/// 2021-2022"). Only [`quotes_say`] compares them, and only for a quote that writes no
/// date of its own: a season gives no day or month, so `extract` drafts no date from them
/// (probe, session 45: such a quote left a date's year free). An event's year ("the 2021
/// drills") is not read: a quote may name an earlier one (review, session 46).
fn years_named(text: &Text<'_>, found: &[WrittenDate]) -> Vec<(i32, bool)> {
    const SEASONS: [&str; 5] = ["spring", "summer", "autumn", "fall", "winter"];
    const RUSSIAN_SEASONS: [&str; 12] = [
        "весной",
        "весна",
        "весны",
        "летом",
        "лето",
        "лета",
        "осенью",
        "осень",
        "осени",
        "зимой",
        "зима",
        "зимы",
    ];
    let season = |j: usize| -> Option<bool> {
        if SEASONS.contains(&text.key(j)) {
            Some(text.key(j) == "winter")
        } else if is_russian(text, j, &RUSSIAN_SEASONS) {
            Some(text.word(j).to_lowercase().starts_with("зим"))
        } else {
            None
        }
    };
    let mut out = Vec::new();
    for i in 0..text.tokens.len() {
        if found.iter().any(|w| w.tokens().contains(&i)) {
            continue;
        }
        let Some(year) = year_number(text, i) else {
            continue;
        };
        let near = |j: usize| j < text.tokens.len() && same_sentence(text, i, j);
        // spring 2022, summer of 2022
        let before = match i.checked_sub(1) {
            Some(p) if is(text, p, &["of"]) && p > 0 && near(p - 1) => season(p - 1),
            Some(p) if near(p) => season(p),
            _ => None,
        };
        if let Some(winter) = before {
            out.push((year, winter));
        }
    }
    out
}

/// Whether `quotes` say `value`, a date field's: true when they write no date this reader
/// finds (nothing to compare), or a relative one ("next week", "on Tuesday": its day is
/// not in its words), or a date whose `bound` end has the value's month and day (as far as
/// the value's precision goes: a day needs both, a month its month, a year neither) and,
/// when the quote writes its year, the value's year. A year-less quote leaves the year free.
///
/// A weekday beside a written day names that day ("on 5 March 2022 (Saturday)", "On
/// Tuesday, March 8, 2022"): it leaves the date to be compared (probe, session 45: it let
/// any date pass).
pub fn quotes_say(quotes: &[&str], value: &ReportedDate, bound: Bound) -> bool {
    let (y, m, d) = value.first.parts();
    let mut dated = false;
    for q in quotes {
        let text = Text::new(q);
        let found = written(&text);
        let has_days = found.iter().any(|w| matches!(w.date, Written::Days { .. }));
        // A season's year, where the quote writes no date of its own.
        let own_dates = found.iter().any(|w| !w.date.relative());
        for (year, winter) in years_named(&text, &found)
            .into_iter()
            .filter(|_| !own_dates)
        {
            dated = true;
            if year == y || (winter && (year - y).abs() == 1) {
                return true;
            }
        }
        // 03/05/2022: 3 May or 5 March, whichever the value is.
        for i in 0..text.tokens.len() {
            let Some((n1, n2, year)) = slashed_parts(&text, i) else {
                continue;
            };
            // Read by `written` when one order makes a date, else by neither.
            if slashed_order(n1, n2).is_some() || n1 > 12 || n2 > 12 {
                continue;
            }
            dated = true;
            let either = [(n1, n2), (n2, n1)]
                .into_iter()
                .any(|(mm, dd)| match value.precision {
                    DatePrecision::Day => (mm, dd) == (m, d),
                    DatePrecision::Month => mm == m,
                    _ => true,
                });
            if either && year == y {
                return true;
            }
        }
        for w in found {
            if w.date.relative() {
                if matches!(w.date, Written::Weekday(_)) && has_days {
                    continue;
                }
                return true;
            }
            dated = true;
            // The ends the quote writes: (year if written, month, day), month and day when
            // it gives them.
            let ends: Vec<(Option<i32>, Option<u8>, Option<u8>)> = match w.date {
                Written::Days { from, to, year } => {
                    let years = year.map(|y| Written::years(from.0, to.0, y, true));
                    let first = (years.map(|y| y.0), Some(from.0), Some(from.1));
                    let last = (years.map(|y| y.1), Some(to.0), Some(to.1));
                    match bound {
                        Bound::Start => vec![first],
                        Bound::End => vec![last],
                        Bound::Either => vec![first, last],
                    }
                }
                Written::Month { month, year, .. } => vec![(year, Some(month), None)],
                Written::Year(year) => vec![(Some(year), None, None)],
                _ => Vec::new(),
            };
            let says = |(qy, qm, qd): (Option<i32>, Option<u8>, Option<u8>)| {
                let day_month = match value.precision {
                    DatePrecision::Day => qm == Some(m) && qd == Some(d),
                    DatePrecision::Month => qm == Some(m),
                    _ => true,
                };
                day_month && qy.is_none_or(|qy| qy == y)
            };
            if ends.into_iter().any(says) {
                return true;
            }
        }
    }
    !dated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(s: &str) -> Vec<Written> {
        written(&Text::new(s)).into_iter().map(|w| w.date).collect()
    }

    fn days(from: (u8, u8), to: (u8, u8)) -> Written {
        Written::Days {
            from,
            to,
            year: None,
        }
    }

    // Probe 9, E4: "from May 5 to 9" kept only its first day.
    #[test]
    fn a_month_first_range_keeps_its_last_day() {
        for s in [
            "drills at the Bereg training ground from May 5 to 9.",
            "drills at the Bereg training ground May 5 through 9.",
            "drills May 5 to 9",
            "drills from May 5 to 9 near Osh",
        ] {
            assert_eq!(forms(s), [days((5, 5), (5, 9))], "{s}");
        }
        assert_eq!(
            forms("which run from March 9 to 12"),
            [days((3, 9), (3, 12))]
        );
        // A month at the end still closes the range; a lone day stays one day.
        assert_eq!(
            forms("from September 26 to October 7."),
            [days((9, 26), (10, 7))]
        );
        assert_eq!(forms("on May 5. To 9 units"), [days((5, 5), (5, 5))]);
    }

    /// Probe finding E9: "Oct. 18-22", "Sept. 5", "18.10.2021", "18-22.10.2021" were not
    /// read (the full stop after "Oct" ended the sentence; dotted dates had no form).
    #[test]
    fn abbreviated_months_and_dotted_and_iso_dates_are_read() {
        let dated = |from, to, year| Written::Days {
            from,
            to,
            year: Some(year),
        };
        assert_eq!(
            forms("drills Oct. 18-22 and Sept. 5 near Osh"),
            [days((10, 18), (10, 22)), days((9, 5), (9, 5))]
        );
        assert_eq!(
            forms("учения 18.10.2021 и 18-22.10.2021, с 2021-10-18"),
            [
                dated((10, 18), (10, 18), 2021),
                dated((10, 18), (10, 22), 2021),
                dated((10, 18), (10, 18), 2021)
            ]
        );
        // Day first, always: 10.12.2021 is 10 December, never October 12; a month past 12,
        // a dotted date without its year, or a decimal is no date.
        assert_eq!(forms("on 10.12.2021"), [dated((12, 10), (12, 10), 2021)]);
        for s in [
            "on 10.13.2021",
            "on 18.10",
            "1.5 thousand troops",
            "on 18.10.21",
        ] {
            assert!(forms(s).is_empty(), "{s}: {:?}", forms(s));
        }
    }

    // Probe 9, E7: "в 2021 году" and "на следующей неделе" were not read.
    #[test]
    fn russian_years_and_relative_weeks_months_and_years_are_read() {
        assert_eq!(
            forms("провели учения на полигоне Харбмайдон в 2021 году."),
            [Written::Year(2021)]
        );
        let w = written(&Text::new("учения в 2021 году прошли"));
        assert_eq!(
            Text::new("учения в 2021 году прошли").phrase(w[0].first, w[0].last),
            "в 2021 году"
        );
        assert_eq!(forms("учения во 2021"), [Written::Year(2021)]);
        assert_eq!(
            forms("На следующей неделе в Киргизии пройдут учения"),
            [Written::Week(1)]
        );
        assert_eq!(forms("на прошлой неделе"), [Written::Week(-1)]);
        assert_eq!(forms("в следующем месяце"), [Written::MonthOffset(1)]);
        assert_eq!(forms("в этом году"), [Written::YearOffset(0)]);
        // The Latin look-alikes are not Russian words.
        assert!(forms("na sleduyushchei nedele").is_empty());
    }

    // Probe (session 26): a range whose two ends carry their years kept its first day only
    // (and `check` took either end as the start).
    #[test]
    fn a_range_of_two_whole_days_is_one_range() {
        let dated = |from, to, year| Written::Days {
            from,
            to,
            year: Some(year),
        };
        for s in [
            "drills from 5 May 2021 to 10 May 2021 at",
            "drills May 5, 2021 to May 10, 2021 at",
            "drills May 5, 2021 – May 10, 2021 at",
            "drills on 05.05.2021-10.05.2021 at",
            "drills 2021-05-05 to 2021-05-10 at",
            "учения с 5 мая 2021 года по 10 мая 2021 года",
        ] {
            assert_eq!(forms(s), [dated((5, 5), (5, 10), 2021)], "{s}");
        }
        assert_eq!(
            forms("from December 28, 2021 to January 3, 2022"),
            [dated((12, 28), (1, 3), 2022)]
        );
        assert_eq!(
            forms("с 28 декабря 2021 года по 3 января 2022 года"),
            [dated((12, 28), (1, 3), 2022)]
        );
        assert_eq!(
            forms("drills between May 5 and May 10."),
            [days((5, 5), (5, 10))]
        );
        // The year written once after the last day is the range's (probe, session 45).
        for s in [
            "between March 5 and March 9, 2022",
            "from 5 March to 9 March 2022",
        ] {
            assert_eq!(forms(s), [dated((3, 5), (3, 9), 2022)], "{s}");
        }
        assert_eq!(
            forms("on March 5 and 6, 2022"),
            [dated((3, 5), (3, 6), 2022)]
        );
        assert_eq!(forms("5 и 6 марта"), [days((3, 5), (3, 6))]);
        assert_eq!(forms("on 25/03/2022"), [dated((3, 25), (3, 25), 2022)]);
        assert!(
            forms("on 03/05/2022").is_empty(),
            "either order makes a date"
        );
        // Not a range: years that do not follow, a second day before the first, a date and
        // a count, "and" without "between", two sentences.
        for s in [
            "from 5 May 2020 to 10 May 2021",
            "from 10 May 2021 to 5 May 2021",
            "on 5 May 2021 to 10 troops",
            "on May 5 and May 10",
            "on 5 May 2021. To 10 May 2021",
            "from 5 May 2021 to 10 May",
        ] {
            let found = forms(s);
            assert!(
                found
                    .iter()
                    .all(|w| matches!(w, Written::Days { from, to, .. } if from == to)),
                "{s}: {found:?}"
            );
        }
    }

    #[test]
    fn a_written_year_is_the_ranges_last_days() {
        assert_eq!(Written::years(12, 1, 2022, true), (2021, 2022));
        assert_eq!(Written::years(12, 1, 2021, false), (2021, 2022));
        assert_eq!(Written::years(8, 8, 2021, true), (2021, 2021));
    }

    // Probe 9, D1: `check` passed a date its own quote contradicts.
    #[test]
    fn quotes_say_a_date_by_its_day_and_month_and_a_written_year() {
        let says =
            |q: &str, v: &str, b: Bound| quotes_say(&[q], &ReportedDate::parse(v).unwrap(), b);
        let q = "would run from July 30 to August 10";
        assert!(says(q, "2021-07-30", Bound::Start));
        assert!(
            says(q, "2019-07-30", Bound::Start),
            "a year-less quote leaves the year free"
        );
        assert!(!says(q, "2021-03-01", Bound::Start));
        assert!(
            !says(q, "2021-08-10", Bound::Start),
            "the start is the range's first day"
        );
        assert!(says(q, "2021-08-10", Bound::End));
        assert!(!says(q, "2021-08-11", Bound::End));
        assert!(says(q, "2021-08-10", Bound::Either));
        assert!(
            says(q, "2021-07", Bound::Start),
            "a month needs its month only"
        );
        assert!(!says(q, "2021-03", Bound::Start));
        assert!(says(q, "2021", Bound::Start));
        // A written year must agree; across a year's end it is the last day's.
        assert!(says("on October 6, 2007,", "2007-10-06", Bound::Start));
        assert!(!says("on October 6, 2007,", "2008-10-06", Bound::Start));
        assert!(says(
            "from 28 December to 3 January 2022",
            "2021-12-28",
            Bound::Start
        ));
        assert!(says(
            "from 28 December to 3 January 2022",
            "2022-01-03",
            Bound::End
        ));
        assert!(!says("joining in 2017 and", "2018", Bound::Start));
        assert!(
            !says("joining in 2017 and", "2017-05", Bound::Start),
            "no month is quoted"
        );
        assert!(says("In late April, Russia held", "2021-04", Bound::Start));
        assert!(says("05 Августа 2021", "2021-08-05", Bound::Start));
        assert!(!says("с 5 по 10 августа", "2021-08-04", Bound::Start));
        let both = "from 5 May 2021 to 10 May 2021";
        assert!(says(both, "2021-05-05", Bound::Start));
        assert!(!says(both, "2021-05-10", Bound::Start), "the last day");
        assert!(says(both, "2021-05-10", Bound::End));
        // No date, or a relative one: nothing to compare.
        assert!(says(
            "The timing of the next drills is not yet set.",
            "2018-07-23",
            Bound::Either
        ));
        assert!(says(
            "Next week CSTO will conduct",
            "2021-08-16",
            Bound::Either
        ));
        assert!(says("deployed on Tuesday", "2021-07-20", Bound::Start));
        // A weekday beside a written day is that day's name (probe, session 45).
        for q in [
            "The drills began on 5 March 2022 (Saturday)",
            "On Tuesday, March 8, 2022, the drills began",
        ] {
            assert!(!says(q, "2023-11-20", Bound::Start), "{q}");
        }
        assert!(says(
            "The drills began on 5 March 2022 (Saturday)",
            "2022-03-05",
            Bound::Start
        ));
        assert!(says(
            "On Tuesday, March 8, 2022, the drills began",
            "2022-03-08",
            Bound::Start
        ));
        // A season's or an event's year is compared; a winter's may have begun in the
        // December before; a slashed date is read when its order is plain, else only its
        // year; a year written once after two days is both days' (probe, session 45).
        assert!(says("in the spring of 2022", "2022-04-05", Bound::Start));
        assert!(!says("in the spring of 2022", "2021-04-05", Bound::Start));
        // An event's year is not read: a quote may name an earlier one (review, session 46).
        assert!(says("as the 2021 drills were", "2022", Bound::Start));
        // A season's year gives way to a date the quote writes (review, session 46).
        assert!(!says(
            "in the spring of 2022, on April 5",
            "2022-04-15",
            Bound::Start
        ));
        assert!(says(
            "in the winter of 2021-2022",
            "2022-01-15",
            Bound::Start
        ));
        assert!(says("зимой 2021/2022 года", "2022-01-15", Bound::Start));
        assert!(!says("весной 2022 года", "2023-04", Bound::Start));
        assert!(says("in winter 2022", "2021-12-20", Bound::Start));
        assert!(
            says("2000 troops took part", "2021-12-20", Bound::Start),
            "a count, not a year"
        );
        assert!(says("on 25/03/2022", "2022-03-25", Bound::Start));
        assert!(!says("on 25/03/2022", "2022-03-26", Bound::Start));
        assert!(says("on 03/25/2022", "2022-03-25", Bound::Start));
        assert!(says("on 03/05/2022", "2022-05-03", Bound::Start));
        assert!(says("on 03/05/2022", "2022-03-05", Bound::Start));
        assert!(!says("on 03/05/2022", "2021-03-05", Bound::Start));
        let between = "between March 5 and March 9, 2022";
        assert!(says(between, "2022-03-05", Bound::Start));
        assert!(!says(between, "2022-03-09", Bound::Start));
        assert!(!says(between, "2021-03-05", Bound::Start));
        let between = "between March 5 and 9, 2022";
        assert!(says(between, "2022-03-09", Bound::End));
        assert!(!says(between, "2022-03-05", Bound::End));
        assert!(!says(between, "2021-03-05", Bound::Start));
        assert!(!says("on March 5 and 6, 2022", "2022-03-05", Bound::End));
        assert!(says("on March 5 and 6, 2022", "2022-03-06", Bound::End));
        assert!(!says("on 5 and 6 March 2022", "2021-03-05", Bound::Start));
        assert!(says("on 5 и 6 марта 2022 года", "2022-03-06", Bound::End));
        // Among several quotes, one saying it is enough.
        let v = ReportedDate::parse("2021-08-05").unwrap();
        assert!(quotes_say(&["on July 1", "August 5-10"], &v, Bound::Start));
        assert!(!quotes_say(
            &["on July 1", "no date here"],
            &v,
            Bound::Start
        ));
    }
}
