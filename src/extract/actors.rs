//! Who: countries and demonyms to ISO codes, organisations, and exercise names.
//!
//! Country names are the ISO English short names of [`crate::country`] plus the forms the
//! press uses ("Russia", "Kyrgyzstan", "U.S."), matched on the geocoder's exact key of each
//! word (so "Россия" and "Казахстан" are found too); demonyms ("Russian", "Kazak", "Kazakh",
//! "Uzbek", "Tajik", "Belarusian", and the Russian adjectives "российские", "таджикских" in
//! any case ending) map to the same codes. Organisations are the acronyms
//! CSTO, SCO, NATO, CIS, OSCE and their long names. Exercise names are quoted names
//! ("“Indestructible Brotherhood-2024”"), names with a year ("Zapad-2021", "Poisk 2021")
//! and capitalised names right before "exercise" or "drill" ("the Steppe Freedom exercise").

use std::collections::HashMap;
use std::ops::Range;

use super::text::Text;
use crate::country::COUNTRIES;

/// The forms of country names the press uses, beyond the ISO short names (exact keys).
const COUNTRY_FORMS: &[(&str, &str)] = &[
    ("russia", "RU"),
    ("rossiya", "RU"),
    ("rossiia", "RU"),
    ("kazakhstan", "KZ"),
    ("qazaqstan", "KZ"),
    ("kyrgyzstan", "KG"),
    ("kyrgyz republic", "KG"),
    ("kirgizia", "KG"),
    ("tajikistan", "TJ"),
    ("tadzhikistan", "TJ"),
    ("tojikiston", "TJ"),
    ("uzbekistan", "UZ"),
    ("ozbekiston", "UZ"),
    ("turkmenistan", "TM"),
    ("afghanistan", "AF"),
    ("belarus", "BY"),
    ("byelorussia", "BY"),
    ("belorussia", "BY"),
    ("iran", "IR"),
    ("syria", "SY"),
    ("china", "CN"),
    ("mongolia", "MN"),
    ("armenia", "AM"),
    ("azerbaijan", "AZ"),
    ("georgia", "GE"),
    ("ukraine", "UA"),
    ("moldova", "MD"),
    ("pakistan", "PK"),
    ("india", "IN"),
    ("serbia", "RS"),
    ("united states", "US"),
    ("u s", "US"),
    ("usa", "US"),
    ("united kingdom", "GB"),
    ("britain", "GB"),
    ("turkey", "TR"),
    ("turkiye", "TR"),
    ("vietnam", "VN"),
];

/// Demonyms and country adjectives (exact keys).
const DEMONYMS: &[(&str, &str)] = &[
    ("russian", "RU"),
    ("russians", "RU"),
    ("kazakh", "KZ"),
    ("kazak", "KZ"),
    ("kazakhs", "KZ"),
    ("kazakhstani", "KZ"),
    ("uzbek", "UZ"),
    ("uzbeks", "UZ"),
    ("tajik", "TJ"),
    ("tajiks", "TJ"),
    ("kyrgyz", "KG"),
    ("kirghiz", "KG"),
    ("belarusian", "BY"),
    ("belarussian", "BY"),
    ("belarusians", "BY"),
    ("turkmen", "TM"),
    ("afghan", "AF"),
    ("armenian", "AM"),
    ("chinese", "CN"),
    ("mongolian", "MN"),
    ("ukrainian", "UA"),
    ("iranian", "IR"),
    ("serbian", "RS"),
    ("american", "US"),
    ("pakistani", "PK"),
    ("indian", "IN"),
    ("syrian", "SY"),
];

/// Russian country adjectives, as the stems of their exact (transliterated) keys:
/// "российские" is `rossiyskie`, "таджикских" `tadzhikskikh`.
const RUSSIAN_ADJECTIVES: &[(&str, &str)] = &[
    ("rossiysk", "RU"),
    ("kazakhstansk", "KZ"),
    ("kazakhsk", "KZ"),
    ("uzbeksk", "UZ"),
    ("uzbekistansk", "UZ"),
    ("tadzhiksk", "TJ"),
    ("kyrgyzsk", "KG"),
    ("kirgizsk", "KG"),
    ("belorussk", "BY"),
    ("turkmensk", "TM"),
    ("afgansk", "AF"),
    ("armyansk", "AM"),
    ("kitaysk", "CN"),
    ("mongolsk", "MN"),
    ("amerikansk", "US"),
];

/// The endings of a Russian adjective, transliterated.
const RUSSIAN_ENDINGS: &[&str] = &[
    "iy", "ogo", "omu", "im", "om", "aya", "oy", "uyu", "oe", "ie", "ikh", "imi",
];

/// The code a demonym (exact key) stands for, English ("Russian") or Russian ("российские").
pub fn demonym(key: &str) -> Option<&'static str> {
    DEMONYMS
        .iter()
        .find(|(d, _)| *d == key)
        .map(|(_, c)| *c)
        .or_else(|| russian_adjective(key))
}

/// The code a Russian country adjective (exact key) stands for; Russian writes them in lower
/// case ("российские и таджикские военнослужащие").
fn russian_adjective(key: &str) -> Option<&'static str> {
    RUSSIAN_ADJECTIVES
        .iter()
        .find(|(stem, _)| {
            key.strip_prefix(stem)
                .is_some_and(|end| RUSSIAN_ENDINGS.contains(&end))
        })
        .map(|(_, c)| *c)
}

/// The first demonym of a code ("RU" → "Russian"), for draft names.
pub fn adjective(code: &str) -> Option<String> {
    DEMONYMS.iter().find(|(_, c)| *c == code).map(|(d, _)| {
        let mut s = String::new();
        for (i, ch) in d.chars().enumerate() {
            if i == 0 {
                s.extend(ch.to_uppercase());
            } else {
                s.push(ch);
            }
        }
        s
    })
}

/// A country named in the text, by name or demonym.
#[derive(Debug, Clone, PartialEq)]
pub struct CountryMention {
    /// Token indices.
    pub tokens: Range<usize>,
    /// The sentence.
    pub sentence: usize,
    /// ISO 3166-1 alpha-2.
    pub code: &'static str,
    /// Whether it is a demonym ("Russian") rather than a name ("Russia").
    pub demonym: bool,
    /// The words as written.
    pub reported: String,
}

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

/// Country names keyed by the exact key of their words (one or two words).
#[derive(Debug, Clone)]
pub struct Countries {
    by_key: HashMap<String, &'static str>,
}

impl Default for Countries {
    fn default() -> Self {
        Countries::new()
    }
}

impl Countries {
    /// The ISO short names and the press forms.
    pub fn new() -> Countries {
        let mut by_key = HashMap::new();
        for c in COUNTRIES {
            let key = crate::resolve::normalize::fold(c.name);
            if key.split(' ').count() <= 2 {
                by_key.insert(key, c.alpha2);
            }
        }
        for (k, c) in COUNTRY_FORMS {
            by_key.insert((*k).to_owned(), *c);
        }
        Countries { by_key }
    }

    /// Every country name and demonym in `text`.
    pub fn find(&self, text: &Text<'_>) -> Vec<CountryMention> {
        let mut out = Vec::new();
        let n = text.tokens.len();
        let mut i = 0;
        while i < n {
            if !text.capitalised(i) {
                if let Some(code) =
                    russian_adjective(text.key(i)).filter(|_| !text.word(i).is_ascii())
                {
                    out.push(self.mention(text, i, i, code, true));
                }
                i += 1;
                continue;
            }
            let two = (i + 1 < n && text.tokens[i + 1].joined)
                .then(|| format!("{} {}", text.key(i), text.key(i + 1)));
            if let Some(code) = two.as_ref().and_then(|k| self.by_key.get(k)) {
                out.push(self.mention(text, i, i + 1, code, false));
                i += 2;
                continue;
            }
            if let Some(code) = self.by_key.get(text.key(i)) {
                out.push(self.mention(text, i, i, code, false));
            } else if let Some(code) = demonym(text.key(i)) {
                out.push(self.mention(text, i, i, code, true));
            }
            i += 1;
        }
        out
    }

    fn mention(
        &self,
        text: &Text<'_>,
        first: usize,
        last: usize,
        code: &'static str,
        demonym: bool,
    ) -> CountryMention {
        CountryMention {
            tokens: first..last + 1,
            sentence: text.tokens[first].sentence,
            code,
            demonym,
            reported: text.phrase(first, last).to_owned(),
        }
    }

    /// Whether token `i` is (part of) a country name or a demonym.
    pub fn is_country_word(&self, text: &Text<'_>, i: usize) -> bool {
        self.by_key.contains_key(text.key(i)) || demonym(text.key(i)).is_some()
    }
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

/// Words that end a kind phrase: "exercise", "drill", "war games", "manoeuvres".
pub fn event_word(key: &str) -> bool {
    matches!(
        key,
        "exercise"
            | "exercises"
            | "drill"
            | "drills"
            | "games"
            | "manoeuvres"
            | "maneuvers"
            | "manoeuvre"
            | "maneuver"
            | "wargames"
            | "ucheniya"
            | "ucheniye"
            | "ucheniia"
    )
}

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
            let Some(b) = text.source[body_start..]
                .find(close)
                .map(|b| b + body_start)
            else {
                break;
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
    }
}
