//! Dates as the press writes them, resolved against the publication date.
//!
//! The forms are read by [`crate::names::dates`] (the one reader, which `check` also uses
//! to compare a date with its quote). A date without a year takes, when its verb (or else
//! its sentence) speaks of the future ("will", "to be held", "проведут"), the first year
//! that puts it on or after the publication date; of the past ("began", "held", "took
//! place", "прошли"), the last year that puts it on or before; otherwise the year that
//! puts it nearest the publication date (or, with no publication date, the year in the
//! exercise's name), and says the year is inferred. A date a verb of ending governs ("will
//! end on", "concluded", "завершатся") is said to be a last day. A relative date needs the publication date to as fine a precision as it asks
//! ("on Tuesday" with only the month known is that month).

use std::ops::Range;

use serde::Serialize;

use super::text::Text;
use crate::date::{DatePrecision, Day};
pub use crate::names::dates::is_month_word;
use crate::names::dates::{is_russian, written, Written as Raw, WrittenDate};

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
        let (y, m, d) = r.first.parts();
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

    /// The last day the date may be (of its month or year when that is all that is known).
    fn last_day(&self) -> Option<Day> {
        match (self.month, self.day) {
            (Some(m), Some(d)) => Day::new(self.year, m, d),
            (Some(m), None) => Day::last_of_month(self.year, m),
            _ => Day::new(self.year, 12, 31),
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
    /// Whether a verb of ending governs it ("will end on August 10", "will conclude
    /// today"): it is the exercise's last day, not its first.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ends: bool,
    /// Whether it is a weekday ("on Tuesday"): the last such day on or before the
    /// publication date.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub weekday: bool,
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

/// Every date in `text`, resolved against `published` (or, failing that, `fallback_year`,
/// the year in an exercise's name). A date's tense is its governing verb's ([`governing`]:
/// "which began on August 1" is past in a sentence that goes on "will end on August 10"),
/// else its sentence's.
pub fn find(
    text: &Text<'_>,
    published: Option<Published>,
    fallback_year: Option<i32>,
) -> Vec<DateMention> {
    // Each sentence's tense, read once however many dates it holds.
    let mut tenses: Option<(usize, Tense)> = None;
    let mut previous: Option<WrittenDate> = None;
    written(text)
        .into_iter()
        .map(|w| {
            let closes = closes(text, &w, previous.as_ref());
            previous = Some(w);
            let s = text.tokens.get(w.first).map_or(0, |t| t.sentence);
            let sentence = match tenses {
                Some((at, t)) if at == s => t,
                _ => tense(text, s),
            };
            tenses = Some((s, sentence));
            let verb = governing(text, w.tokens());
            let t = match verb.map(|v| v.tense) {
                Some(Tense::Unknown) | None => sentence,
                Some(t) => t,
            };
            let mut m = resolve(text, w, t, published, fallback_year);
            // A range has its own last day.
            m.ends = (closes || verb.is_some_and(|v| v.ends)) && !m.range;
            m
        })
        .collect()
}

/// Whether the date `w` closes a period by the word before it: "until March 15", "till",
/// "through", "до 15 марта", "по 10 августа", or "to" right after an earlier date (`previous`),
/// as in "from December 2023 to February 2024" and "с декабря 2023 года по февраль 2024
/// года" (a range of months, which the reader reads as two dates).
fn closes(text: &Text<'_>, w: &WrittenDate, previous: Option<&WrittenDate>) -> bool {
    let Some(p) = w.first.checked_sub(1) else {
        return false;
    };
    if text.tokens[p].sentence != text.tokens[w.first].sentence {
        return false;
    }
    if matches!(text.key(p), "until" | "till" | "through") || is_russian(text, p, &["до", "по"])
    {
        return !moved_or_begun(text, p);
    }
    if text.key(p) != "to" {
        return false;
    }
    // "December 2023 to", "декабря 2023 года по": a year's word may stand between.
    let mut q = p;
    while q > 0 && (text.key(q - 1) == "year" || is_russian(text, q - 1, &["года", "г"])) {
        q -= 1;
    }
    previous.is_some_and(|d| d.last + 1 == q)
}

/// Whether the word at `i` puts the drills off to a later date: "postponed", "delayed",
/// "rescheduled", "deferred", "перенесены", "отложены".
pub(crate) fn put_off(text: &Text<'_>, i: usize) -> bool {
    let key = text.key(i);
    ["postpon", "delay", "resched", "defer"]
        .iter()
        .any(|w| key.starts_with(w))
        || ["перен", "отлож"]
            .iter()
            .any(|w| text.word(i).to_lowercase().starts_with(w))
}

/// Whether the clause before the word at `p` ("until", "до") moves or begins the drills
/// rather than ending them (review, session 44): "were postponed until April 15", "will
/// not begin until April 15", "перенесены до 15 апреля", "начнутся за неделю до 15 апреля".
fn moved_or_begun(text: &Text<'_>, p: usize) -> bool {
    // At most six words of its clause ("which started on March 1, will run until").
    clause_before(text, p).take(6).any(|i| {
        let key = text.key(i);
        let russian = text.word(i).to_lowercase();
        put_off(text, i)
            || ["begin", "began", "start", "commenc", "launch"]
                .iter()
                .any(|w| key.starts_with(w))
            || matches!(key, "not" | "never" | "t")
            || ["начн", "нача", "старт"]
                .iter()
                .any(|w| russian.starts_with(w))
            // "за неделю до", "за два дня до": so long before a day.
            || (i + 3 >= p && is_russian(text, i, &["за"]))
    })
}

fn resolve(
    text: &Text<'_>,
    w: WrittenDate,
    tense: Tense,
    published: Option<Published>,
    fallback_year: Option<i32>,
) -> DateMention {
    let (first, last) = (w.first, w.last);
    let mut m = DateMention {
        tokens: w.tokens(),
        sentence: text.tokens.get(first).map_or(0, |t| t.sentence),
        reported: text.phrase(first, last).to_owned(),
        at: text.phrase_span(first, last).into(),
        start: None,
        end: None,
        precision: DatePrecision::Unknown,
        year_inferred: false,
        relative: false,
        range: false,
        ends: false,
        weekday: false,
    };
    let pub_day = published.and_then(|p| p.day());
    let raw = w.date;
    match raw {
        Raw::Days { from, to, year } => {
            m.range = from != to;
            m.precision = DatePrecision::Day;
            let written = year.is_some();
            let year = year.or_else(|| {
                m.year_inferred = true;
                infer_year((from, to, from), published, fallback_year, tense)
            });
            if let Some(y) = year {
                let (y1, y2) = Raw::years(from.0, to.0, y, written);
                m.start = Day::new(y1, from.0, from.1);
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
                    infer_year(
                        ((month, 1), (month, 31), (month, 15)),
                        published,
                        fallback_year,
                        tense,
                    )
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
            m.weekday = matches!(raw, Raw::Weekday(_));
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

/// How a sentence speaks of its dates: of what is to come, of what is done, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tense {
    Future,
    Past,
    Unknown,
}

/// The tense of sentence `s` as its words say it: future when it says "will", "shall",
/// "next", "upcoming", "to be held", "is scheduled" or Russian "проведут", "пройдут",
/// "состоятся", "планируется" (and their kin); else past when it says "held", "took
/// place", "прошли", "провели" (and kin); else unknown.
fn tense(text: &Text<'_>, s: usize) -> Tense {
    let tokens = text.sentence_tokens(s);
    let key = |i: usize| if tokens.contains(&i) { text.key(i) } else { "" };
    let future = tokens.clone().any(|i| {
        matches!(
            key(i),
            "will" | "shall" | "next" | "upcoming" | "forthcoming"
        ) || (key(i) == "to" && key(i + 1) == "be" && matches!(key(i + 2), "held" | "conducted"))
            || (matches!(key(i), "is" | "are")
                && matches!(key(i + 1), "scheduled" | "planned" | "due" | "set"))
            || is_russian(text, i, RUSSIAN_FUTURE)
    });
    if future {
        return Tense::Future;
    }
    let past = tokens.clone().any(|i| {
        matches!(key(i), "held" | "conducted" | "concluded" | "ended")
            || (key(i) == "took" && key(i + 1) == "place")
            || is_russian(text, i, RUSSIAN_PAST)
    });
    if past {
        Tense::Past
    } else {
        Tense::Unknown
    }
}

/// Russian words of a sentence about the future.
const RUSSIAN_FUTURE: &[&str] = &[
    "проведут",
    "проведет",
    "проведёт",
    "пройдут",
    "пройдет",
    "пройдёт",
    "состоятся",
    "состоится",
    "планируется",
    "планируют",
    "начнутся",
    "начнется",
    "начнётся",
    "будут",
    "будет",
    "предстоящие",
    "предстоящих",
];

/// Russian words of a sentence about the past.
const RUSSIAN_PAST: &[&str] = &[
    "прошли",
    "прошло",
    "прошел",
    "прошёл",
    "прошла",
    "провели",
    "провел",
    "провёл",
    "провела",
    "состоялись",
    "состоялось",
    "состоялся",
    "состоялась",
];

/// English verbs of ending, in every form but the past ("will conclude", "ends").
const ENDING: &[&str] = &[
    "end",
    "ends",
    "ending",
    "conclude",
    "concludes",
    "concluding",
    "finish",
    "finishes",
    "finishing",
    "close",
    "closes",
    "closing",
];

/// English verbs of ending in the past.
const ENDED: &[&str] = &["ended", "concluded", "finished", "closed"];

/// English verbs of beginning in the past ("began on August 1").
const BEGAN: &[&str] = &["began", "started", "opened", "commenced", "launched"];

/// Russian verbs of ending to come ("завершатся 10 августа").
const RUSSIAN_ENDING: &[&str] = &[
    "завершатся",
    "завершится",
    "закончатся",
    "закончится",
    "окончатся",
    "окончится",
];

/// Russian verbs of ending in the past.
const RUSSIAN_ENDED: &[&str] = &[
    "завершились",
    "завершилось",
    "завершился",
    "завершилась",
    "закончились",
    "закончилось",
    "закончился",
    "закончилась",
    "окончились",
];

/// Russian verbs of beginning in the past ("начались 1 августа").
const RUSSIAN_BEGAN: &[&str] = &[
    "начались",
    "начался",
    "началось",
    "началась",
    "стартовали",
    "стартовал",
    "стартовало",
    "стартовала",
];

/// Words that open a clause: a date's verb is not looked for across them.
const CLAUSE: &[&str] = &[
    "and", "but", "which", "while", "who", "that", "и", "а", "но",
];

/// What the verb governing a date says of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Verb {
    /// The tense its form (or the auxiliary before it) says; unknown for a present form.
    tense: Tense,
    /// Whether it is a verb of ending ("end", "conclude", "wrap up", "завершатся").
    ends: bool,
}

/// The verb governing the date at `tokens`: the nearest verb of its clause before it
/// ("which began on August 1", "will end on August 10"), else after it ("On August 1 the
/// drills began"). A clause ends at punctuation (a comma, a dash) and at [`CLAUSE`] words.
/// The verbs read are those of beginning, ending and holding ("held", "took place") and
/// the Russian words of [`tense`]; "will" and "shall" stand for the verb they carry, so
/// that an unknown verb after them ("will be repeated on August 10") is not passed over
/// for a known one further back.
fn governing(text: &Text<'_>, tokens: Range<usize>) -> Option<Verb> {
    let joined = |i: usize| text.tokens.get(i).is_some_and(|t| t.joined);
    let boundary = |i: usize| CLAUSE.contains(&text.key(i)) || is_russian(text, i, CLAUSE);
    if let Some(v) = clause_before(text, tokens.start).find_map(|i| verb(text, i)) {
        return Some(v);
    }
    let mut k = tokens.end;
    while joined(k) && !boundary(k) {
        if let Some(v) = verb(text, k) {
            return Some(v);
        }
        k += 1;
    }
    None
}

/// The tokens of the clause before token `at`, nearest first: token `i - 1` is in it when
/// `i` is joined to it (no punctuation between), back to a word that opens a clause
/// ([`CLAUSE`]), which is not.
fn clause_before<'t>(text: &'t Text<'_>, at: usize) -> impl Iterator<Item = usize> + 't {
    let mut i = at;
    std::iter::from_fn(move || {
        let joined = text.tokens.get(i).is_some_and(|t| t.joined);
        if i == 0 || !joined {
            return None;
        }
        i -= 1;
        let boundary = CLAUSE.contains(&text.key(i)) || is_russian(text, i, CLAUSE);
        (!boundary).then_some(i)
    })
}

/// The verb at token `i`, if it is one [`governing`] reads.
fn verb(text: &Text<'_>, i: usize) -> Option<Verb> {
    let key = |j: usize| text.key(j);
    let k = key(i);
    // "the end of August", "a close": nouns.
    let noun = i > 0
        && matches!(
            key(i - 1),
            "the" | "a" | "an" | "its" | "their" | "this" | "that"
        );
    // "will be held", "to end on", "set to conclude": to come.
    let to_come = (i.saturating_sub(3)..i).any(|j| matches!(key(j), "will" | "shall" | "to"));
    let past = |ends: bool| Verb {
        tense: if to_come { Tense::Future } else { Tense::Past },
        ends,
    };
    let present = |ends: bool| Verb {
        tense: if to_come {
            Tense::Future
        } else {
            Tense::Unknown
        },
        ends,
    };
    if matches!(k, "will" | "shall") {
        return Some(present(false));
    }
    // "postponed until September": the new date is to come, however the verb is put.
    if put_off(text, i) {
        return Some(Verb {
            tense: Tense::Future,
            ends: false,
        });
    }
    if ENDED.contains(&k) || (k == "wrapped" && key(i + 1) == "up") {
        return Some(past(true));
    }
    // "close to the border" is no verb.
    let ending = ENDING.contains(&k) && !(k == "close" && key(i + 1) == "to");
    if !noun && (ending || (matches!(k, "wrap" | "wraps") && key(i + 1) == "up")) {
        return Some(present(true));
    }
    if BEGAN.contains(&k)
        || matches!(k, "held" | "conducted")
        || (k == "place" && i > 0 && key(i - 1) == "took")
    {
        return Some(past(false));
    }
    if k == "place" && i > 0 && matches!(key(i - 1), "take" | "takes") {
        return Some(present(false));
    }
    if is_russian(text, i, RUSSIAN_ENDING) {
        return Some(Verb {
            tense: Tense::Future,
            ends: true,
        });
    }
    if is_russian(text, i, RUSSIAN_ENDED) {
        return Some(Verb {
            tense: Tense::Past,
            ends: true,
        });
    }
    if is_russian(text, i, RUSSIAN_BEGAN) || is_russian(text, i, RUSSIAN_PAST) {
        return Some(Verb {
            tense: Tense::Past,
            ends: false,
        });
    }
    if is_russian(text, i, RUSSIAN_FUTURE) {
        return Some(Verb {
            tense: Tense::Future,
            ends: false,
        });
    }
    None
}

/// Whether sentence `s` speaks of what is to come ([`tense`]: "will", "next", "is
/// scheduled", "планируется", …).
pub fn to_come(text: &Text<'_>, s: usize) -> bool {
    tense(text, s) == Tense::Future
}

/// The year of a date written without one, from its first and last (month, day) and the
/// day that stands for it (`at`): with a publication date, a future-tense sentence takes
/// the first such year whose date ends on or after the publication, a past-tense one the
/// last whose date starts on or before it, any other the year that puts `at` nearest the
/// publication; without one, the fallback year.
fn infer_year(
    (from, to, at): ((u8, u8), (u8, u8), (u8, u8)),
    published: Option<Published>,
    fallback: Option<i32>,
    tense: Tense,
) -> Option<i32> {
    let Some(p) = published else {
        return fallback;
    };
    // A day of `year`, the month's last when it has fewer days.
    let day =
        |year: i32, (m, d): (u8, u8)| Day::new(year, m, d).or_else(|| Day::last_of_month(year, m));
    match tense {
        Tense::Future => {
            let first = p.first_day()?;
            (p.year..=p.year + 1).find(|y| {
                let (_, y2) = Raw::years(from.0, to.0, *y, false);
                day(y2, to).is_some_and(|d| d >= first)
            })
        }
        Tense::Past => {
            let last = p.last_day()?;
            (p.year - 1..=p.year)
                .rev()
                .find(|y| day(*y, from).is_some_and(|d| d <= last))
        }
        Tense::Unknown => {
            let centre = p.centre();
            (p.year - 1..=p.year + 1).min_by_key(|y| {
                Day::new(*y, at.0, at.1.min(28))
                    .map_or(i64::MAX, |d| (d.epoch_days() - centre).abs())
            })
        }
    }
}

/// Whether the date at bytes `start..end` stands where a dateline does: first on its
/// line, or after a place and a separator ("Dushanbe, 2021-08-01", "DUSHANBE —",
/// "Published:"), not inside a sentence ("…was held on 5 March 2019").
fn at_dateline(source: &str, start: usize, end: usize) -> bool {
    // A dateline's lead is a few words: more than this many bytes before the date on its
    // line is a sentence, and looking no further keeps the test cheap on a long line of
    // dates (probe, session 26: each looked back to its line's start, quadratic).
    const LEAD: usize = 256;
    let mut from = start.saturating_sub(LEAD);
    while !source.is_char_boundary(from) {
        from -= 1;
    }
    let line_start = match source[from..start].rfind('\n') {
        Some(i) => from + i + 1,
        None if from == 0 => 0,
        None => return false,
    };
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
        let n = s.split_whitespace().take(4).count();
        (1..=3).contains(&n) && !s.chars().any(|c| c.is_ascii_digit())
    };
    match before.strip_suffix([',', ':', '-', '–', '—', '|', '.']) {
        Some(lead) => words(lead),
        // "Posted 5 August 2021", "Опубликовано 5 августа 2021": a word or two, no digit,
        // before the date; not a preposition, which starts a sentence about the date ("On
        // 5 May 2019 troops held drills": probe, session 26).
        // And the date ends its line, or a separator, a time or a number follows it: a
        // sentence goes on in words ("Учения прошли 18 октября 2021 года в Бохтаре",
        // "Drills on October 18, 2021 in Bokhtar": probe, session 38).
        None => {
            words(before)
                && before.split_whitespace().count() <= 2
                && !before.split_whitespace().next().is_some_and(|w| {
                    let w = w.to_lowercase();
                    PREPOSITIONS.contains(&w.as_str())
                })
                && ends_a_dateline(source.get(end..).unwrap_or_default())
        }
    }
}

/// Whether `after`, the rest of the text after a date, is what follows a dateline's date:
/// the end of the line, or (after the year's word, `года`, `г.`) a separator, a time or a
/// number (a view count), not the words of a sentence.
fn ends_a_dateline(after: &str) -> bool {
    let line = after.split('\n').next().unwrap_or_default().trim_start();
    let line = ["года", "год", "г."]
        .iter()
        .find_map(|w| line.strip_prefix(w))
        .filter(|rest| !rest.starts_with(char::is_alphanumeric))
        .map_or(line, str::trim_start);
    line.chars().next().is_none_or(|c| !c.is_alphabetic())
}

/// Words that start a phrase about a date, not a dateline's lead.
const PREPOSITIONS: [&str; 16] = [
    "on", "in", "at", "by", "from", "since", "until", "till", "before", "after", "between", "в",
    "во", "с", "со", "до",
];

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
    dateline_at(text).map(|(p, _)| p)
}

/// [`dateline`], with the token its date starts at.
pub fn dateline_at(text: &Text<'_>) -> Option<(Published, usize)> {
    let limit = text
        .source
        .match_indices('\n')
        .nth(2)
        .map_or(text.source.len(), |(i, _)| i);
    find(text, None, None)
        .into_iter()
        .filter(|d| {
            d.precision == DatePrecision::Day && !d.year_inferred && !d.range && !d.relative
        })
        .find(|d| {
            text.tokens
                .get(d.tokens.start)
                .zip(d.tokens.end.checked_sub(1).and_then(|i| text.tokens.get(i)))
                .is_some_and(|(t, last)| {
                    t.span.start < limit && at_dateline(text.source, t.span.start, last.span.end)
                })
        })
        .and_then(|d| Some((d.start?, d.tokens.start)))
        .map(|(d, at)| {
            let (year, month, day) = d.parts();
            let p = Published {
                year,
                month: Some(month),
                day: Some(day),
            };
            (p, at)
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
                "drills from 5 May 2021 to 10 May 2021 at",
                "2021-05-05",
                Some("2021-05-10"),
            ),
            (
                "с 28 декабря 2021 года по 3 января 2022 года",
                "2021-12-28",
                Some("2022-01-03"),
            ),
            (
                "drills between August 5 and August 10.",
                "2021-08-05",
                Some("2021-08-10"),
            ),
            (
                "с 26 сентября по 7 октября",
                "2021-09-26",
                Some("2021-10-07"),
            ),
            ("between 5 and 10 August", "2021-08-05", Some("2021-08-10")),
            // (No tense word: "held" would put them in 2020, before the publication.)
            ("drills 5 to 10 August", "2021-08-05", Some("2021-08-10")),
            (
                "drills 26 September to 7 October",
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

    // Probe 9, E3: an article of 3 April 2023 saying drills "will be held … October 18 to
    // 22" gave 2022-10-18, the year nearest the publication.
    #[test]
    fn the_tense_of_the_sentence_puts_a_year_less_date_after_or_before_the_publication() {
        let s = |x: &str| Some(x.to_owned());
        for text in [
            "Drills will be held October 18 to 22.",
            "Drills to be held October 18 to 22.",
            "Drills are scheduled for October 18 to 22.",
            "The upcoming drills, October 18 to 22.",
            "Учения проведут с 18 по 22 октября.",
            "Учения пройдут с 18 по 22 октября.",
            "Учения состоятся с 18 по 22 октября.",
            "Учения планируется провести с 18 по 22 октября.",
        ] {
            assert_eq!(
                one(text, "2023-04-03"),
                (s("2023-10-18"), s("2023-10-22")),
                "{text}"
            );
        }
        for text in [
            "Drills were held October 18 to 22.",
            "Drills took place October 18 to 22.",
            "Учения прошли с 18 по 22 октября.",
            "Учения провели с 18 по 22 октября.",
        ] {
            assert_eq!(
                one(text, "2023-04-03"),
                (s("2022-10-18"), s("2022-10-22")),
                "{text}"
            );
        }
        // Neither: the nearest year, as before.
        assert_eq!(
            one("Drills October 18 to 22.", "2023-04-03"),
            (s("2022-10-18"), s("2022-10-22"))
        );
        // Future: a date already begun and not yet ended is this year's; one just past is
        // next year's. Past: one not yet begun is last year's.
        assert_eq!(
            one("Drills will run March 30 to April 10.", "2023-04-03"),
            (s("2023-03-30"), s("2023-04-10"))
        );
        assert_eq!(
            one("Drills will end April 1.", "2023-04-03"),
            (s("2024-04-01"), None)
        );
        assert_eq!(
            one("Drills were held in April.", "2023-04-03"),
            (s("2023-04"), None)
        );
        assert_eq!(
            one("Drills were held in May.", "2023-04-03"),
            (s("2022-05"), None)
        );
        assert_eq!(
            one("Drills will be held in March.", "2023-04-03"),
            (s("2024-03"), None)
        );
        // The year is still said to be inferred.
        assert!(dates("Drills will be held October 18 to 22.", "2023-04-03")[0].3);
        // Without a publication date, the exercise's name's year, whatever the tense.
        let t = Text::new("Drills will be held October 18 to 22.");
        assert_eq!(
            find(&t, None, Some(2019))[0].start_iso().as_deref(),
            Some("2019-10-18")
        );
    }

    // Bug h43: in "The drills, which began on August 1, will end on August 10", the
    // sentence's "will" made August 1 a year late (2022) and neither date was said to be
    // an end. Each date's tense is its governing verb's, and a verb of ending marks its
    // date as the last day.
    #[test]
    fn a_date_takes_the_tense_of_its_own_verb_and_an_ending_verb_marks_the_last_day() {
        let read = |text: &str, published: &str| -> Vec<(String, Option<String>, bool)> {
            let t = Text::new(text);
            find(&t, Published::parse(published), None)
                .into_iter()
                .map(|d| (d.reported.clone(), d.start_iso(), d.ends))
                .collect()
        };
        let d = |r: &str, start: &str, ends: bool| (r.to_owned(), Some(start.to_owned()), ends);
        assert_eq!(
            read(
                "Moscow, 5 August 2021. The drills, which began on August 1, will end on August 10 at the Kharbmaidon training ground. Russian and Tajik troops are taking part. The exercise was first held in 2019 with 1,000 troops.",
                "2021-08-05"
            ),
            vec![
                d("5 August 2021", "2021-08-05", false),
                d("August 1", "2021-08-01", false),
                d("August 10", "2021-08-10", true),
                d("in 2019", "2019", false),
            ]
        );
        for (text, start, ends) in [
            ("The drills will conclude today.", "2021-08-20", true),
            ("Drills will end on August 25.", "2021-08-25", true),
            ("The drills ended on August 10.", "2021-08-10", true),
            ("Drills are to wrap up on August 25.", "2021-08-25", true),
            ("Учения завершатся 25 августа.", "2021-08-25", true),
            ("Учения завершились 10 августа.", "2021-08-10", true),
            // Past verbs of beginning: on or before the publication, whatever else the
            // sentence says.
            (
                "Drills that started on August 25 will run a week.",
                "2020-08-25",
                false,
            ),
            (
                "Учения, которые начались 25 августа, продлятся неделю.",
                "2020-08-25",
                false,
            ),
            (
                "Drills that will begin on August 25 will run a week.",
                "2021-08-25",
                false,
            ),
            // Nouns and adjectives are no verbs of ending.
            (
                "Drills will be held at the end of August.",
                "2021-08",
                false,
            ),
            (
                "Drills were held close to the border on August 10.",
                "2021-08-10",
                false,
            ),
        ] {
            let got = read(text, "2021-08-20");
            assert_eq!(got.len(), 1, "{text}: {got:?}");
            assert_eq!(
                (got[0].1.as_deref(), got[0].2),
                (Some(start), ends),
                "{text}"
            );
        }
        // A range has its own last day: the verb ends nothing in it.
        assert!(!read("The drills ended August 5-10.", "2021-08-20")[0].2);
    }

    // Probe, session 44: "until March 15" was drafted as the start, and "с декабря 2023
    // года по февраль 2024 года" had no end. A date after "until", "до", "по", or after
    // "to" that follows another date, is a last day.
    #[test]
    fn a_date_after_until_or_closing_a_range_of_months_is_a_last_day() {
        let read = |text: &str| -> Vec<(String, Option<String>, bool)> {
            let t = Text::new(text);
            find(&t, Published::parse("2024-01-05"), None)
                .into_iter()
                .map(|d| (d.reported.clone(), d.start_iso(), d.ends))
                .collect()
        };
        let d = |r: &str, start: &str, ends: bool| (r.to_owned(), Some(start.to_owned()), ends);
        for (text, dates) in [
            (
                "Drills will run at Termez until March 15.",
                vec![d("March 15", "2024-03-15", true)],
            ),
            (
                "Учения продлятся до 15 марта.",
                vec![d("15 марта", "2024-03-15", true)],
            ),
            (
                "Учения проводились с декабря 2023 года по февраль 2024 года.",
                vec![
                    d("декабря 2023", "2023-12", false),
                    d("февраль 2024", "2024-02", true),
                ],
            ),
            (
                "Drills ran from December 2023 to February 2024.",
                vec![
                    d("December 2023", "2023-12", false),
                    d("February 2024", "2024-02", true),
                ],
            ),
            // "to" after no date moves the drills, it does not end them; nor does "until"
            // or "до" after a verb of moving or beginning (review, session 44).
            (
                "The drills were postponed to March 15.",
                vec![d("March 15", "2024-03-15", false)],
            ),
            (
                "The drills were postponed until March 15.",
                vec![d("March 15", "2024-03-15", false)],
            ),
            (
                "The drills will not begin until March 15.",
                vec![d("March 15", "2024-03-15", false)],
            ),
            (
                "Учения перенесены до 15 марта.",
                vec![d("15 марта", "2024-03-15", false)],
            ),
            (
                "Учения начнутся за неделю до 15 марта.",
                vec![d("15 марта", "2024-03-15", false)],
            ),
            // A verb of beginning in a clause before is not this date's.
            (
                "The drills, which started on March 1, will run until March 15.",
                vec![
                    d("March 1", "2023-03-01", false),
                    d("March 15", "2024-03-15", true),
                ],
            ),
            (
                "The drills started on March 1 and will run until March 15.",
                vec![
                    d("March 1", "2023-03-01", false),
                    d("March 15", "2024-03-15", true),
                ],
            ),
        ] {
            assert_eq!(read(text), dates, "{text}");
        }
    }

    // Probe 9, E7: Russian years and relative weeks.
    #[test]
    fn russian_years_and_next_week_resolve() {
        let s = |x: &str| Some(x.to_owned());
        assert_eq!(
            one("Учения прошли в 2021 году.", "2023-04-03"),
            (s("2021"), None)
        );
        // 2023-04-03 was a Monday: next week is 10 to 16 April, day-precise and relative
        // (a week is a span of days; the date model has no week precision).
        assert_eq!(
            one("На следующей неделе пройдут учения.", "2023-04-03"),
            (s("2023-04-10"), s("2023-04-16"))
        );
        let t = Text::new("На следующей неделе пройдут учения.");
        let d = &find(&t, Published::parse("2023-04-03"), None)[0];
        assert!(d.relative && d.range);
        assert_eq!(d.precision, DatePrecision::Day);
        assert_eq!(
            one("в следующем месяце", "2023-04-03"),
            (s("2023-05"), None)
        );
    }

    // Probe 9, E4.
    #[test]
    fn a_month_first_range_resolves_to_both_days() {
        let s = |x: &str| Some(x.to_owned());
        assert_eq!(
            one("will hold drills from May 5 to 9.", "2023-04-03"),
            (s("2023-05-05"), s("2023-05-09"))
        );
        assert_eq!(
            one("will hold drills May 5 through 9", "2023-04-03"),
            (s("2023-05-05"), s("2023-05-09"))
        );
        // A written year after a range across the new year is its last day's.
        assert_eq!(
            one("from 28 December to 3 January 2022", "2021-12-01"),
            (s("2021-12-28"), s("2022-01-03"))
        );
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
            ("Title\nOn 5 May 2019 Russian and Tajik troops held drills", None),
            // A lead of a word or two followed by words: a sentence, not a dateline.
            ("Итоги\n\nУчения прошли 18 октября 2021 года в Бохтаре.", None),
            ("News\n\nDrills on October 18, 2021 in Bokhtar.", None),
            ("Опубликовано 5 августа 2021 года\nText", Some("2021-08-05")),
            ("Опубликовано 5 августа 2021 г., 14:35\nText", Some("2021-08-05")),
            ("Posted 5 August 2021 | 14:35 | Politics\nText", Some("2021-08-05")),
            ("Заголовок\nС 5 мая 2019 года войска", None),
            // A lead of more than 256 bytes is a sentence, however few its words.
            (&format!("Title\n{}: 5 August 2021", "x".repeat(260)), None),
            (&format!("Title\n{}: 5 August 2021", "x".repeat(200)), Some("2021-08-05")),
            (&format!("Т\n{}: 5 августа 2021", "ж".repeat(120)), Some("2021-08-05")),
            // The 256th byte back falls inside a letter.
            (&format!("Т\na{}: 5 августа 2021", "ж".repeat(130)), None),
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
