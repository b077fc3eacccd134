//! Counts of troops and of equipment, with the qualifier the article put on them.
//!
//! "over 500 Russian and Kazak troops", "around 1,500 troops and 200 vehicles", "more than
//! 4,000 military personnel and 800 pieces of military hardware", "700 units of military
//! hardware": a number, up to five describing words, and a noun that says what is counted.
//! "over", "more than", "around", "up to" and the like are kept as the qualifier; the value
//! is the number as written (the dataset's convention: "over 500" is 500), read by
//! [`crate::names::numbers`]: "12 500 troops" is 12500, "2 thousand troops" and "2 тысячи
//! военнослужащих" are 2000. "человек" (people) counts troops in a sentence about an
//! exercise only ("в учениях приняли участие 5 тыс. человек"). The one reader of counts:
//! `extract` drafts with it, and `check` reads a count's quote with it (a number the quote
//! counts something else with backs no count).

use std::ops::Range;

use serde::Serialize;

use super::text::Text;
use crate::model::Count;
use crate::names::numbers::numbers;

/// What a count counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CountKind {
    /// Troops, personnel, servicemen.
    Troops,
    /// Vehicles, hardware, tanks, aircraft.
    Equipment,
}

/// A count found in the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountMention {
    /// Token indices of the phrase.
    #[serde(skip)]
    pub tokens: Range<usize>,
    /// The sentence it is in.
    #[serde(skip)]
    pub sentence: usize,
    /// Troops or equipment.
    pub kind: CountKind,
    /// The number as written, its multiplier applied ("2 thousand" is 2000).
    pub value: Count,
    /// "over", "more than", "around", "up to", … or empty.
    pub qualifier: String,
    /// The phrase as the article wrote it.
    pub reported: String,
    /// Where it is in the article.
    #[serde(flatten)]
    pub at: super::Position,
}

const TROOPS: &[&str] = &[
    "troops",
    "soldiers",
    "servicemen",
    "personnel",
    "servicemembers",
    "troopers",
    "paratroopers",
    "marines",
    "officers",
    "military",
    // Russian, as exact (transliterated) keys: военнослужащих, военнослужащие, военных,
    // солдат, бойцов, десантников.
    "voennosluzhashchikh",
    "voennosluzhashchie",
    "voennykh",
    "soldat",
    "boytsov",
    "desantnikov",
];

const EQUIPMENT: &[&str] = &[
    "vehicles",
    "hardware",
    "equipment",
    "tanks",
    "aircraft",
    "helicopters",
    "jets",
    "weapons",
    "armour",
    "armor",
    // техники, бронетехники, танков, самолётов / самолетов, вертолётов / вертолетов.
    "tekhniki",
    "bronetekhniki",
    "tankov",
    "samolyotov",
    "samoletov",
    "vertolyotov",
    "vertoletov",
    // Probe, session 45: "pieces of weaponry", "единиц вооружения и военной техники",
    // "единиц ВВСТ" / "ВиВТ" (armament and military equipment).
    "weaponry",
    "vooruzheniya",
    "vvst",
    "vivt",
];

/// Whether sentence `s` names an exercise ("учения", "в учениях", "drills"): there, "5 тыс.
/// человек" counts the people taking part; elsewhere "человек" (people) counts anyone.
fn exercise_sentence(text: &Text<'_>, s: usize) -> bool {
    text.sentence_tokens(s)
        .any(|i| super::events::event_word(text.key(i)))
}

/// Words allowed between the number and the noun: nationalities, "military", "pieces of".
fn filler(key: &str) -> bool {
    matches!(
        key,
        "and"
            | "of"
            | "pieces"
            | "piece"
            | "units"
            | "unit"
            | "military"
            | "combat"
            | "armed"
            | "armoured"
            | "armored"
            | "special"
            | "forces"
            | "service"
            | "members"
            | "other"
            | "heavy"
            | "elite"
            // и, единиц (units of equipment), военной (military equipment).
            | "i"
            | "edinits"
            | "voennoy"
            | "voennaya"
    ) || super::countries::demonym(key).is_some()
}

/// The qualifier right before token `i` (lower case, as the article wrote it), and the
/// first token it takes.
fn qualifier(text: &Text<'_>, i: usize) -> (String, usize) {
    let k = |j: usize| if j < i { text.key(j) } else { "" };
    // Longest first: "as many as" before "as many"; "не более (чем)" (no more than) is not
    // "более (чем)".
    const PHRASES: &[&[&str]] = &[
        &["ne", "bolee", "chem"],
        &["ne", "menee", "chem"],
        &["as", "many", "as"],
        &["ne", "bolee"],
        &["ne", "menee"],
        &["more", "than"],
        &["up", "to"],
        &["at", "least"],
        &["as", "many"],
        &["less", "than"],
        &["fewer", "than"],
        &["an", "estimated"],
        &["bolee", "chem"],
    ];
    // A range: "от 300 до 500", "from 300 to 500", "between 300 and 500" (the count its
    // upper bound, the range its qualifier, so the draft shows both).
    // The lower bound may be grouped ("between 1,500 and 2,000": probe, session 45, the
    // count was drafted as an exact 2,000): its first group is found past the others.
    let digits = |j: usize| j < i && text.tokens[j].number;
    if i >= 3 && digits(i - 2) {
        let mut low = i - 2;
        while low >= 2 && digits(low - 1) && {
            let gap = text
                .source
                .get(text.tokens[low - 1].span.end..text.tokens[low].span.start)
                .unwrap_or("-");
            matches!(gap, "," | " " | "\u{a0}" | "\u{202f}")
        } {
            low -= 1;
        }
        let range = match (k(low - 1), k(i - 1)) {
            ("ot", "do") => text.word(i - 1).to_lowercase() == "до",
            ("from", "to") | ("between", "and") => true,
            _ => false,
        };
        if range {
            return (text.phrase(low - 1, i - 1).to_lowercase(), low - 1);
        }
    }
    for words in PHRASES {
        let n = words.len();
        if i >= n && words.iter().enumerate().all(|(j, w)| k(i - n + j) == *w) {
            return (text.phrase(i - n, i - 1).to_lowercase(), i - n);
        }
    }
    if i >= 1 {
        let one = k(i - 1);
        if matches!(
            one,
            "over"
                | "around"
                | "about"
                | "some"
                | "nearly"
                | "almost"
                | "approximately"
                | "roughly"
                | "estimated"
                | "under"
                // более, свыше, около, порядка, почти, примерно, до (up to)
                | "bolee"
                | "svyshe"
                | "okolo"
                | "poryadka"
                | "pochti"
                | "primerno"
        ) || one == "do" && text.word(i - 1).to_lowercase() == "до"
        {
            return (text.word(i - 1).to_lowercase(), i - 1);
        }
    }
    (String::new(), i)
}

/// Whether the number at token `i` is part of a name, joined by a hyphen to the word before
/// it ("Zapad-2021", "Rubezh-2023", "T-72"): no count, in a draft or behind a quote. A
/// number before the hyphen makes a range ("1,000-1,500 troops"), not a name.
pub fn in_a_name(text: &Text<'_>, i: usize) -> bool {
    let (Some(t), Some(before)) = (text.tokens.get(i), i.checked_sub(1)) else {
        return false;
    };
    let word = text.word(before);
    t.joined
        && word.chars().any(char::is_alphabetic)
        && text.source.get(text.tokens[before].span.end..t.span.start) == Some("-")
}

/// Nouns after a number that count or measure something other than troops or equipment
/// (exact keys; Russian ones as stems): distances, shares, ages, money, time, units and
/// bases, countries, stages.
const OTHER_MEASURES: &[&str] = &[
    "km",
    "kilometres",
    "kilometers",
    "kilometre",
    "kilometer",
    "metres",
    "meters",
    "metre",
    "meter",
    "m",
    "miles",
    "mile",
    "percent",
    "per",
    "years",
    "year",
    "old",
    "roubles",
    "rubles",
    "dollars",
    "usd",
    "tenge",
    "somoni",
    "som",
    "sum",
    "countries",
    "nations",
    "states",
    "battalions",
    "battalion",
    "brigades",
    "brigade",
    "regiments",
    "regiment",
    "divisions",
    "division",
    "companies",
    "company",
    "hours",
    "hour",
    "minutes",
    "days",
    "day",
    "weeks",
    "months",
    "base",
    "bases",
    "stage",
    "stages",
    "times",
    "let",
];
const OTHER_MEASURES_RU: &[&str] = &[
    "kilometr", "km", "metr", "procent", "god", "rubl", "dollar", "stran", "batal", "brigad",
    "polk", "diviz", "chasov", "chasa", "minut", "dney", "sutok", "nedel", "mesyats", "baz",
    "etap",
];

/// Whether the number whose first token is `i` and whose text ends at byte `end` counts or
/// names something other than troops or equipment, where a quote gives it bare ("1,500
/// troops marched 50 km" gives no 50 troops: probe, session 45): a noun of
/// [`OTHER_MEASURES`] after it (past describing words: "201 military base"), a year before
/// an event word ("the Vostok 2022 exercise"), a time ("10:00"), a percentage ("30%"), an
/// age, a stage or a number ("aged 18", "stage 2", "No. 350").
pub fn counts_something_else(text: &Text<'_>, i: usize, end: usize) -> bool {
    let after = text.source.get(end..).unwrap_or("");
    let mut chars = after.chars();
    if matches!(chars.next(), Some('%'))
        || after.starts_with(':') && after[1..].starts_with(|c: char| c.is_ascii_digit())
    {
        return true;
    }
    if i > 0
        && matches!(
            text.key(i - 1),
            "aged" | "age" | "stage" | "no" | "number" | "nomer"
        )
    {
        return true;
    }
    let mut j = text.tokens.partition_point(|t| t.span.start < end);
    // An ordinal's ending ("201-я", "201-й").
    if text
        .tokens
        .get(j)
        .is_some_and(|t| text.source.get(end..t.span.start) == Some("-") && t.span.len() <= 4)
    {
        j += 1;
    }
    while j < text.tokens.len() && text.tokens[j].joined && filler(text.key(j)) {
        j += 1;
    }
    let Some(next) = text.tokens.get(j).filter(|t| t.joined) else {
        return false;
    };
    let key = &*next.exact;
    let from = text.tokens.get(i).map_or(end, |t| t.span.start);
    let number: String = (text.source.get(from..end).unwrap_or(""))
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let year = number.len() == 4 && number.as_str() >= "1900" && number.as_str() <= "2100";
    OTHER_MEASURES.contains(&key)
        || !text.word(j).is_ascii() && OTHER_MEASURES_RU.iter().any(|s| key.starts_with(s))
        || year && super::events::event_word(key)
}

/// Every count of troops or equipment in `text`: each number [`numbers`] reads ("12 500",
/// "2 thousand", "1.5 million", "5 тыс."), up to five describing words, and a noun, with
/// nothing but spaces (or a hyphen inside a word, "Russian-Tajik") between them. A number
/// inside one of `dates` is no count ("In 2021 troops held drills", "DUSHANBE, 5 May 2021 -
/// Tajik troops": probe, session 27).
pub fn find(text: &Text<'_>, dates: &[Range<usize>]) -> Vec<CountMention> {
    let mut out = Vec::new();
    // Whether token `i` is inside a date: the dates come in text order, so one search.
    let sorted = dates.is_sorted_by_key(|d| d.start);
    let in_date = |i: usize| {
        if sorted {
            let k = dates.partition_point(|d| d.start <= i);
            k > 0 && dates[k - 1].contains(&i)
        } else {
            dates.iter().any(|d| d.contains(&i))
        }
    };
    for (span, value) in numbers(text.source) {
        // A count the dataset cannot hold ([`Count`]) is no count: its draft would fail
        // `check` (probes, sessions 26 and 30: "5 billion troops").
        let Ok(value) = Count::try_from(value) else {
            continue;
        };
        // The number's tokens, `i..=number_end` ("12 500" and "2 thousand" are two).
        let i = text.tokens.partition_point(|t| t.span.start < span.start);
        let after = text.tokens.partition_point(|t| t.span.end <= span.end);
        let Some(t) = text.tokens.get(i).filter(|t| t.span.start == span.start) else {
            continue;
        };
        let Some(number_end) = after.checked_sub(1).filter(|&e| e >= i) else {
            continue;
        };
        // A year inside a name ("Zapad-2021") or a date is not a count.
        if in_a_name(text, i) || in_date(i) {
            continue;
        }
        let mut j = number_end + 1;
        let mut found = None;
        while j < text.tokens.len() && j <= number_end + 6 && text.tokens[j].sentence == t.sentence
        {
            // The number's own text ("5 тыс.") is no gap.
            let from = text.tokens[j - 1].span.end.max(span.end);
            let gap = text
                .source
                .get(from..text.tokens[j].span.start)
                .unwrap_or("");
            if !(gap.trim().is_empty() || gap == "-") {
                break;
            }
            let key = text.key(j);
            // "military" counts only when nothing more specific follows ("500 military").
            let next_is_noun = j + 1 < text.tokens.len()
                && (TROOPS.contains(&text.key(j + 1)) || EQUIPMENT.contains(&text.key(j + 1)));
            if (TROOPS.contains(&key) || key == "chelovek" && exercise_sentence(text, t.sentence))
                && !(key == "military"
                    && (next_is_noun || j + 1 < text.tokens.len() && filler(text.key(j + 1))))
            {
                found = Some((CountKind::Troops, j));
                break;
            }
            if EQUIPMENT.contains(&key) {
                found = Some((CountKind::Equipment, j));
                break;
            }
            if !filler(key) {
                break;
            }
            j += 1;
        }
        let Some((kind, last)) = found else { continue };
        let (qualifier, first) = qualifier(text, i);
        out.push(CountMention {
            tokens: first..last + 1,
            sentence: t.sentence,
            kind,
            value,
            qualifier,
            reported: text.phrase(first, last).to_owned(),
            at: text.phrase_span(first, last).into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(s: &str) -> Vec<(CountKind, Count, String, String)> {
        let text = Text::new(s);
        let dates: Vec<Range<usize>> = super::super::dates::written(&text)
            .iter()
            .map(|d| d.first..d.last + 1)
            .collect();
        find(&text, &dates)
            .into_iter()
            .map(|c| (c.kind, c.value, c.qualifier, c.reported))
            .collect()
    }

    #[test]
    fn the_phrases_of_the_press() {
        use CountKind::*;
        let c = counts("saw over 500 Russian and Kazak troops participate");
        assert_eq!(
            c,
            [(
                Troops,
                500,
                "over".into(),
                "over 500 Russian and Kazak troops".into()
            )]
        );
        let c = counts("involving around 1,500 troops and 200 vehicles, including aircraft");
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].1, c[0].2.as_str()), (1500, "around"));
        assert_eq!(
            (c[1].0, c[1].1, c[1].3.as_str()),
            (Equipment, 200, "200 vehicles")
        );
        let c = counts("more than 4,000 military personnel and 800 pieces of military hardware");
        assert_eq!(
            (c[0].0, c[0].1, c[0].2.as_str()),
            (Troops, 4000, "more than")
        );
        assert_eq!((c[1].0, c[1].1), (Equipment, 800));
        let c = counts("over 50,000 military personnel and 700 units of military hardware");
        assert_eq!(
            (c[1].1, c[1].3.as_str()),
            (700, "700 units of military hardware")
        );
    }

    #[test]
    fn the_phrases_of_the_russian_press() {
        let c = counts("В учениях примут участие более 1500 военнослужащих и 200 единиц техники.");
        assert_eq!(
            c,
            vec![
                (
                    CountKind::Troops,
                    1500,
                    "более".into(),
                    "более 1500 военнослужащих".into()
                ),
                (
                    CountKind::Equipment,
                    200,
                    String::new(),
                    "200 единиц техники".into()
                ),
            ]
        );
        let c = counts("около 500 российских и таджикских военных");
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(
            (c[0].1, c[0].3.as_str()),
            (500, "около 500 российских и таджикских военных")
        );
        // A count of people is not a count of troops, unless it counts an exercise's.
        assert!(counts("погибли 5 человек").is_empty());
        assert_eq!(
            counts("в учениях приняли участие 5 тыс. человек"),
            [(
                CountKind::Troops,
                5000,
                String::new(),
                "5 тыс. человек".into()
            )]
        );
        assert_eq!(
            counts("Учения с участием 2 тысяч военнослужащих")[0].1,
            2000
        );
    }

    #[test]
    fn grouped_thousands_and_multipliers_are_counted_whole() {
        use CountKind::*;
        assert_eq!(
            counts("with 12 500 troops"),
            [(Troops, 12_500, String::new(), "12 500 troops".into())]
        );
        assert_eq!(
            counts("some 2 thousand troops and 1.5 thousand vehicles"),
            [
                (Troops, 2000, "some".into(), "some 2 thousand troops".into()),
                (
                    Equipment,
                    1500,
                    String::new(),
                    "1.5 thousand vehicles".into()
                )
            ]
        );
        assert_eq!(
            counts("более 50 тысяч военнослужащих и 2 тыс. единиц техники"),
            [
                (
                    Troops,
                    50_000,
                    "более".into(),
                    "более 50 тысяч военнослужащих".into()
                ),
                (
                    Equipment,
                    2000,
                    String::new(),
                    "2 тыс. единиц техники".into()
                )
            ]
        );
        // Five describing words after the multiplier, as after a bare number.
        assert_eq!(
            counts("2 thousand Russian and Kazak armed forces personnel")[0].1,
            2000
        );
    }

    /// Review lead 1: counts written with words, billions and "k" were no counts.
    #[test]
    fn counts_in_words_and_with_k_are_counted() {
        use CountKind::*;
        assert_eq!(
            counts(
                "В учениях примут участие тысячу военнослужащих и полторы тысячи единиц техники."
            ),
            [
                (Troops, 1000, String::new(), "тысячу военнослужащих".into()),
                (
                    Equipment,
                    1500,
                    String::new(),
                    "полторы тысячи единиц техники".into()
                ),
            ]
        );
        assert_eq!(
            counts("в учениях участвуют более тысячи военнослужащих"),
            [(
                Troops,
                1000,
                "более".into(),
                "более тысячи военнослужащих".into()
            )]
        );
        assert_eq!(
            counts("about a thousand troops and 2k vehicles"),
            [
                (
                    Troops,
                    1000,
                    "about".into(),
                    "about a thousand troops".into()
                ),
                (Equipment, 2000, String::new(), "2k vehicles".into()),
            ]
        );
        assert_eq!(
            counts("около 2 тыс. военнослужащих"),
            [(
                Troops,
                2000,
                "около".into(),
                "около 2 тыс. военнослужащих".into()
            )]
        );
        // Thousands of troops is no count.
        assert!(counts("thousands of troops from Russia").is_empty());
        assert!(counts("тысячи военнослужащих из России").is_empty());
    }

    /// Review lead 1 (second review): an upper bound ("up to", "до", "не более", "as many
    /// as") is a qualifier like "более", and "не более" is not "более".
    #[test]
    fn upper_bounds_are_qualifiers() {
        use CountKind::*;
        assert_eq!(
            counts("в учениях примут участие до 500 военнослужащих"),
            [(Troops, 500, "до".into(), "до 500 военнослужащих".into())]
        );
        assert_eq!(
            counts("up to 500 troops"),
            [(Troops, 500, "up to".into(), "up to 500 troops".into())]
        );
        assert_eq!(
            counts("as many as 500 troops"),
            [(
                Troops,
                500,
                "as many as".into(),
                "as many as 500 troops".into()
            )]
        );
        assert_eq!(
            counts("в учениях задействуют не более 500 военнослужащих"),
            [(
                Troops,
                500,
                "не более".into(),
                "не более 500 военнослужащих".into()
            )]
        );
        assert_eq!(
            counts("в учениях задействуют не менее 500 военнослужащих")[0].2,
            "не менее"
        );
        // A range: its upper bound, the range the qualifier.
        assert_eq!(
            counts("в учениях примут участие от 300 до 500 военнослужащих"),
            [(
                Troops,
                500,
                "от 300 до".into(),
                "от 300 до 500 военнослужащих".into()
            )]
        );
        assert_eq!(counts("between 300 and 500 troops")[0].2, "between 300 and");
        // Equipment as the Russian MoD and the press count it (probe, session 45).
        for (sentence, reported) in [
            (
                "задействовано более 200 единиц вооружения и военной техники",
                "более 200 единиц вооружения",
            ),
            ("привлечено 200 единиц ВВСТ", "200 единиц ВВСТ"),
            (
                "over 200 pieces of weaponry and military hardware",
                "over 200 pieces of weaponry",
            ),
        ] {
            let found = counts(sentence);
            assert_eq!(found.len(), 1, "{sentence}");
            assert_eq!((found[0].0, found[0].1), (Equipment, 200), "{sentence}");
            assert_eq!(found[0].3, reported, "{sentence}");
        }
        // Numbers that count or measure something else (probe, session 45).
        // (sentence, number, whether it counts something else)
        for (sentence, number, other) in [
            ("1,500 troops marched 50 km", "50", true),
            ("30 percent of them conscripts", "30", true),
            ("30% of them", "30", true),
            ("the Vostok 2022 exercise", "2022", true),
            ("The 2022 drills", "2022", true),
            ("the 201 military base", "201", true),
            ("201-я военная база", "201", true),
            ("recruits aged 18", "18", true),
            ("at 10:00 local time", "10", true),
            ("stage 2 began", "2", true),
            ("regiment No. 350", "350", true),
            ("10 million roubles", "10 million", true),
            ("7 countries took part", "7", true),
            ("4 battalions", "4", true),
            ("в 50 километрах", "50", true),
            ("about 1,500 took part", "1,500", false),
            ("1,500 troops", "1,500", false),
            ("200 разведчиков", "200", false),
            ("50 лётчиков", "50", false),
            ("around 1,500", "1,500", false),
            ("200 units of military hardware", "200", false),
        ] {
            let t = Text::new(sentence);
            let at = sentence.rfind(number).unwrap();
            let i = t.tokens.partition_point(|k| k.span.start < at);
            assert_eq!(
                counts_something_else(&t, i, at + number.len()),
                other,
                "{sentence}"
            );
        }
        // Grouped bounds (probe, session 45).
        assert_eq!(
            counts("between 1,500 and 2,000 troops")[0].2,
            "between 1,500 and"
        );
        assert_eq!(
            counts("от 1 500 до 2 000 военнослужащих")[0].2,
            "от 1 500 до"
        );
        assert_eq!(counts("in 2021 and 2,000 troops")[0].2, "");
        assert_eq!(counts("from 300 to 500 troops")[0].2, "from 300 to");
        // "не более чем" is "не более" with "чем", not "более чем" (its opposite).
        assert_eq!(
            counts("в учениях задействуют не более чем 500 военнослужащих")[0].2,
            "не более чем"
        );
        assert_eq!(
            counts("не менее чем 500 военнослужащих")[0].2,
            "не менее чем"
        );
        assert_eq!(counts("более чем 500 военнослужащих")[0].2, "более чем");
        // Review lead 2: number words and "2.5k" (read in names::numbers).
        assert_eq!(
            counts("в учениях участвуют две тысячи военнослужащих"),
            [(
                Troops,
                2000,
                String::new(),
                "две тысячи военнослужащих".into()
            )]
        );
        assert_eq!(
            counts("до двух тысяч военнослужащих"),
            [(
                Troops,
                2000,
                "до".into(),
                "до двух тысяч военнослужащих".into()
            )]
        );
        assert_eq!(
            counts("около ста тысяч военнослужащих"),
            [(
                Troops,
                100_000,
                "около".into(),
                "около ста тысяч военнослужащих".into()
            )]
        );
        assert_eq!(
            counts("2.5k troops"),
            [(Troops, 2500, String::new(), "2.5k troops".into())]
        );
        // "до" before a date is no count.
        assert!(counts("с 5 до 10 августа").is_empty());
    }

    #[test]
    fn years_dates_and_other_numbers_are_not_counts() {
        // What the dataset holds ([`Count`]), no more.
        assert!(counts("9223372036854775808 vehicles").is_empty());
        assert!(counts("4294967296 vehicles").is_empty());
        assert_eq!(counts("4294967295 vehicles").len(), 1);
        assert!(counts("Zapad-2021 troops").is_empty());
        assert!(counts("in the next 24 hours, 200 Telegram channels").is_empty());
        assert!(counts("the 201st military base").is_empty());
        // Probe, session 27: a year is no count, nor a number the next words are not
        // joined to by spaces alone.
        assert!(counts("DUSHANBE, 5 May 2021 - Tajik and Russian troops held drills").is_empty());
        assert!(counts("In 2021 troops from six countries held drills").is_empty());
        assert!(counts("On May 5, 2021 troops held drills").is_empty());
        assert_eq!(
            counts("the drills ended on 10 May 2021 - 800 Russian troops").len(),
            1
        );
        assert!(counts("a brigade of 300; troops also came").is_empty());
        assert_eq!(
            counts("some 500 Russian-Tajik troops"),
            [(
                CountKind::Troops,
                500,
                "some".into(),
                "some 500 Russian-Tajik troops".into()
            )]
        );
    }
}
