//! Who: countries and demonyms to ISO codes, organisations, and exercise names.
//!
//! Countries and demonyms are [`crate::names::countries`] (re-exported here), the one table
//! the evidence checks read too. Organisations are the acronyms
//! CSTO, SCO, NATO, CIS, OSCE and their long names. Exercise names are quoted names
//! ("“Indestructible Brotherhood-2024”"), names with a year ("Zapad-2021", "Poisk 2021")
//! and capitalised names right before "exercise" or "drill" ("the Steppe Freedom exercise").
//! [`standing`] ([`crate::names::standing`], which the evidence checks read too) tells,
//! from the words around a country, whether the sentence names it as absent, the enemy, an
//! observer or the maker of equipment rather than as taking part.

use std::ops::Range;

use super::text::Text;
pub use crate::names::countries::{adjective, demonym, Countries, CountryMention};
pub use crate::names::standing::{list_start, listed, standing, Standing};

/// An organisation named in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgMention {
    /// Token indices.
    pub tokens: Range<usize>,
    /// The sentence.
    pub sentence: usize,
    /// The acronym (`CSTO`).
    pub acronym: &'static str,
}

/// An exercise name found in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct NameMention {
    /// Token indices.
    pub tokens: Range<usize>,
    /// The sentence.
    pub sentence: usize,
    /// The name as written ("Indestructible Brotherhood-2024").
    pub name: String,
    /// The year in the name, if any.
    pub year: Option<i32>,
}

/// Organisations: acronym and long name (exact key).
/// Organisations: the acronym, and the keys of the words of a long name (or of the
/// acronym's own word, for the Russian ones).
const ORGS: &[(&str, &[&str])] = &[
    (
        "CSTO",
        &["collective", "security", "treaty", "organization"],
    ),
    (
        "CSTO",
        &["collective", "security", "treaty", "organisation"],
    ),
    ("SCO", &["shanghai", "cooperation", "organization"]),
    ("SCO", &["shanghai", "cooperation", "organisation"]),
    ("NATO", &["north", "atlantic", "treaty", "organization"]),
    ("CIS", &["commonwealth", "of", "independent", "states"]),
    (
        "OSCE",
        &[
            "organization",
            "for",
            "security",
            "and",
            "co",
            "operation",
            "in",
            "europe",
        ],
    ),
    ("ODKB", &["odkb"]),
    ("ShOS", &["shos"]),
];

/// Every organisation in `text` (acronyms as written in capitals, long names in any case).
pub fn organisations(text: &Text<'_>) -> Vec<OrgMention> {
    let mut out = Vec::new();
    let n = text.tokens.len();
    let mut i = 0;
    'tokens: while i < n {
        for (acronym, words) in ORGS {
            if i + words.len() <= n && words.iter().enumerate().all(|(k, w)| text.key(i + k) == *w)
            {
                let last = i + words.len() - 1;
                let acronym = match *acronym {
                    "ODKB" => "CSTO",
                    "ShOS" => "SCO",
                    a => a,
                };
                if words.len() == 1 && text.word(i).chars().any(char::is_lowercase) {
                    continue;
                }
                out.push(OrgMention {
                    tokens: i..last + 1,
                    sentence: text.tokens[i].sentence,
                    acronym,
                });
                i = last + 1;
                continue 'tokens;
            }
        }
        let word = text.word(i);
        if let Some((a, _)) = ORGS
            .iter()
            .find(|(a, _)| *a == word && *a != "ODKB" && *a != "ShOS")
        {
            out.push(OrgMention {
                tokens: i..i + 1,
                sentence: text.tokens[i].sentence,
                acronym: a,
            });
        }
        i += 1;
    }
    out
}

pub use crate::names::events::event_word;

/// Words that may stand between a name and "exercise" ("Steppe Freedom counter-terrorism
/// exercise").
const MODIFIERS: &[&str] = &[
    "counter",
    "terrorism",
    "terrorist",
    "counterterrorism",
    "counterterrorist",
    "military",
    "joint",
    "strategic",
    "tactical",
    "command",
    "staff",
    "special",
    "operations",
    "forces",
    "peacekeeping",
    "naval",
    "air",
    "defence",
    "defense",
    "large",
    "scale",
    "combined",
    "arms",
    "field",
    "training",
    "live",
    "fire",
    "mountain",
    "anti",
];

const NOT_NAMES: &[&str] = &[
    "the",
    "a",
    "an",
    "joint",
    "this",
    "that",
    "these",
    "those",
    "military",
    "strategic",
    "special",
    "large",
    "scale",
    "command",
    "staff",
    "first",
    "second",
    "third",
    "its",
    "their",
    "our",
    "his",
    "her",
    "recent",
    "upcoming",
    "planned",
    "next",
    "latest",
    "new",
    "major",
    "annual",
    "regular",
    "tactical",
    "counter",
    "terrorism",
    "counterterrorism",
    "multilateral",
    "bilateral",
    "trilateral",
    "combined",
    "peacekeeping",
    "central",
    "western",
    "eastern",
    // A capitalised function word before a year is a date, not a name ("In 2021, Russia
    // …", "Since 2019", "В 2021 году").
    "in",
    "on",
    "by",
    "since",
    "until",
    "till",
    "from",
    "during",
    "after",
    "before",
    "through",
    "for",
    "of",
    "at",
    "v",
    "vo",
    "s",
    "do",
    "posle",
];

/// Exercise names in `text`. `countries` says which words are country names or demonyms.
pub fn exercise_names(text: &Text<'_>, countries: &Countries) -> Vec<NameMention> {
    let mut out: Vec<NameMention> = Vec::new();
    let n = text.tokens.len();
    let name_word = |i: usize| {
        i < n
            && text.capitalised(i)
            && !text.tokens[i].number
            && !NOT_NAMES.contains(&text.key(i))
            && !countries.is_country_word(text, i)
            && organisations_at(text, i).is_none()
            && !super::dates::is_month_word(text, i)
    };
    let mut i = 0;
    while i < n {
        // Name-2021, Name Name-2024, Poisk 2021: capitalised words joined to a year.
        if name_word(i) {
            let start = i;
            let mut end = i;
            while end + 1 < n
                && text.tokens[end + 1].joined
                && name_word(end + 1)
                && end - start < 3
            {
                end += 1;
            }
            let year_tok = end + 1;
            let year = (year_tok < n && text.tokens[year_tok].joined)
                .then(|| text.tokens[year_tok].exact.parse::<i32>().ok())
                .flatten()
                .filter(|y| (1990..=2100).contains(y) && text.tokens[year_tok].exact.len() == 4);
            if let Some(y) = year {
                push_name(&mut out, text, start, year_tok, Some(y));
                i = year_tok + 1;
                continue;
            }
            // The Steppe Freedom (counter-terrorism) exercise.
            let mut k = end + 1;
            while k < n
                && k <= end + 3
                && text.tokens[k].joined
                && !event_word(text.key(k))
                && MODIFIERS.contains(&text.key(k))
            {
                k += 1;
            }
            if k < n
                && text.tokens[k].joined
                && event_word(text.key(k))
                && quoted_or_plain(text, start)
            {
                push_name(&mut out, text, start, end, None);
            }
            i = end + 1;
            continue;
        }
        i += 1;
    }
    // Quoted names followed or preceded by an event word: “Indestructible Brotherhood-2024”.
    for (open, close) in [('“', '”'), ('"', '"'), ('«', '»')] {
        let mut from = 0;
        while let Some(a) = text.source[from..].find(open).map(|a| a + from) {
            let body_start = a + open.len_utf8();
            // A body over 60 bytes is no name: the close is looked for no further (so
            // that many opening quotes cost their own bytes, not the rest of the text).
            let rest = &text.source[body_start..];
            let mut window = rest.len().min(60 + close.len_utf8());
            while !rest.is_char_boundary(window) {
                window -= 1;
            }
            let Some(b) = rest[..window].find(close).map(|b| b + body_start) else {
                from = body_start;
                continue;
            };
            from = b + close.len_utf8();
            let body = &text.source[body_start..b];
            if body.len() > 60 || body.contains('\n') {
                from = body_start;
                continue;
            }
            let first = text.tokens.partition_point(|t| t.span.start < body_start);
            let last = text.tokens.partition_point(|t| t.span.end <= b);
            if first >= last || !(first..last).all(name_word_or_year(text, countries)) {
                continue;
            }
            let near_event = (last..(last + 3).min(n)).any(|k| event_word(text.key(k)))
                || (first.saturating_sub(2)..first).any(|k| event_word(text.key(k)));
            if near_event
                && !out
                    .iter()
                    .any(|m| m.tokens.start <= first && m.tokens.end >= last)
            {
                let year = text.tokens[last - 1]
                    .exact
                    .parse::<i32>()
                    .ok()
                    .filter(|y| (1990..=2100).contains(y));
                push_name(&mut out, text, first, last - 1, year);
            }
        }
    }
    out.sort_by_key(|m| m.tokens.start);
    out
}

fn name_word_or_year<'t>(
    text: &'t Text<'_>,
    countries: &'t Countries,
) -> impl Fn(usize) -> bool + 't {
    move |i| {
        text.tokens[i].number
            || (text.capitalised(i)
                && !countries.is_country_word(text, i)
                && organisations_at(text, i).is_none())
    }
}

/// Not a name when the capitalised words are just the sentence's first word.
fn quoted_or_plain(text: &Text<'_>, start: usize) -> bool {
    let sentence_start =
        start == 0 || text.tokens[start - 1].sentence != text.tokens[start].sentence;
    !sentence_start
}

fn organisations_at(text: &Text<'_>, i: usize) -> Option<&'static str> {
    let w = text.word(i);
    ORGS.iter().find(|(a, _)| *a == w).map(|(a, _)| *a)
}

fn push_name(
    out: &mut Vec<NameMention>,
    text: &Text<'_>,
    first: usize,
    last: usize,
    year: Option<i32>,
) {
    out.push(NameMention {
        tokens: first..last + 1,
        sentence: text.tokens[first].sentence,
        name: text.phrase(first, last).to_owned(),
        year,
    });
}

/// The key two names share when they name the same exercise ("Zapad-2021", "ZAPAD 2021").
pub fn name_key(name: &str) -> String {
    crate::resolve::normalize::NameKey::new(name).loose
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_and_demonyms_to_codes() {
        let c = Countries::new();
        let t = Text::new(
            "Joint Russian-Kazak drills with Kyrgyzstan, Belarus, the United States and Россия.",
        );
        let codes: Vec<(&str, bool)> = c.find(&t).iter().map(|m| (m.code, m.demonym)).collect();
        assert_eq!(
            codes,
            [
                ("RU", true),
                ("KZ", true),
                ("KG", false),
                ("BY", false),
                ("US", false),
                ("RU", false)
            ]
        );
        // Russian writes country adjectives in lower case, in every case ending.
        let t = Text::new(
            "Российские и таджикские военнослужащие, с участием казахстанских и узбекских.",
        );
        let codes: Vec<&str> = c.find(&t).iter().map(|m| m.code).collect();
        assert_eq!(codes, ["RU", "TJ", "KZ", "UZ"]);
        // Russian names in every case, and the press's English forms.
        let t = Text::new("Минобороны России, в Таджикистане и Казахстана, с Беларусью, США. The US and UK, Tajikistani troops.");
        let codes: Vec<&str> = c.find(&t).iter().map(|m| m.code).collect();
        assert_eq!(codes, ["RU", "TJ", "KZ", "BY", "US", "US", "GB", "TJ"]);
        // Neither an English word in lower case nor a Latin word with a Russian ending.
        assert!(c.find(&Text::new("a russian rossiyskie unit")).is_empty());
    }

    #[test]
    fn organisations_by_acronym_and_long_name() {
        let t =
            Text::new("the Collective Security Treaty Organization (CSTO) and the SCO, not sco");
        let o: Vec<&str> = organisations(&t).iter().map(|m| m.acronym).collect();
        assert_eq!(o, ["CSTO", "CSTO", "SCO"]);
    }

    #[test]
    fn exercise_names_quoted_with_a_year_or_before_exercise() {
        let c = Countries::new();
        let names = |s: &str| -> Vec<(String, Option<i32>)> {
            exercise_names(&Text::new(s), &c)
                .into_iter()
                .map(|m| (m.name, m.year))
                .collect()
        };
        assert_eq!(
            names("Kazakhstan is hosting the “Indestructible Brotherhood-2024” military drill."),
            [("Indestructible Brotherhood-2024".to_owned(), Some(2024))]
        );
        assert_eq!(
            names("upcoming joint Russian-Belarusian \"Zapad-2021\" strategic exercises"),
            [("Zapad-2021".to_owned(), Some(2021))]
        );
        assert_eq!(
            names("The Poisk 2021 drills"),
            [("Poisk 2021".to_owned(), Some(2021))]
        );
        assert_eq!(
            names("Troops in the joint Steppe Freedom counter-terrorism exercise in Almaty."),
            [("Steppe Freedom".to_owned(), None)]
        );
        assert!(names("The Russian military exercises. Joint drills. CSTO drills.").is_empty());
        assert!(names("a four-year “strategic partnership” format").is_empty());
        // Review finding E2: a capitalised function word before a year is a date.
        for s in [
            "In 2021, Russia and Tajikistan held exercises.",
            "On 2021 drills. By 2022 drills. Since 2019 drills. Until 2024 drills.",
            "From 2020 drills. During 2021 drills. After 2021 drills. Before 2023 drills.",
            "В 2021 году прошли учения.",
        ] {
            assert!(names(s).is_empty(), "{s}: {:?}", names(s));
        }
    }
}
