//! Countries named in a text: the ISO English short names of [`crate::country`] plus the
//! forms the press uses ("Russia", "Kyrgyzstan", "U.S.", "US"), Russian names in any case
//! ("России", "в Таджикистане"), and demonyms ("Russian", "Kazakh", "Tajikistani") and
//! Russian country adjectives ("российские", "таджикских"), matched on the geocoder's
//! exact key of each word. The one table that `extract` (who took part) and the evidence
//! checks (is a participant named in its quote) read.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::sync::LazyLock;

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
    // Russian names not spelt as the English ones once transliterated.
    ("belorussiya", "BY"),
    ("kirgiziya", "KG"),
    ("afganistan", "AF"),
    ("kitay", "CN"),
    ("mongoliya", "MN"),
    ("armeniya", "AM"),
    ("indiya", "IN"),
    ("serbiya", "RS"),
    ("ssha", "US"),
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
    // Read, never written first: `adjective` gives the first form of a code.
    ("tajikistani", "TJ"),
    ("uzbekistani", "UZ"),
    ("kyrgyzstani", "KG"),
    ("turkmenistani", "TM"),
    ("azerbaijani", "AZ"),
    ("british", "GB"),
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

/// The code of a Russian adjective's combining form (exact key), the first parts of a
/// compound: "российско-" (`rossiysko`) of "российско-таджикские", "кыргызско-".
fn russian_combining(key: &str) -> Option<&'static str> {
    RUSSIAN_ADJECTIVES
        .iter()
        .find(|(stem, _)| key.strip_prefix(stem) == Some("o"))
        .map(|(_, c)| *c)
}

/// The code of token `i` when it is the combining form of a Russian country adjective
/// followed by a hyphen and another part of the compound ("Российско-таджикские",
/// "российско-казахстанско-киргизские"): Cyrillic words only.
fn compound_part(text: &Text<'_>, i: usize) -> Option<&'static str> {
    let code = russian_combining(text.key(i)).filter(|_| !text.word(i).is_ascii())?;
    let next = text.tokens.get(i + 1)?;
    let gap = &text.source[text.tokens[i].span.end..next.span.start];
    let hyphen = next.joined && matches!(gap.trim(), "-" | "–");
    let part = russian_adjective(&next.exact).or_else(|| russian_combining(&next.exact));
    (hyphen && part.is_some()).then_some(code)
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
    /// The tokens a quote of it holds: its own, or for a part of a compound the compound
    /// from that part to its end ("Казахстанско-узбекско-таджикские"), since the combining
    /// form alone ("Казахстанско") names no country `check` reads (probe, session 26).
    pub quoted: Range<usize>,
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
            let key = super::normalize::fold(c.name);
            if key.split(' ').count() <= 2 {
                by_key.insert(key, c.alpha2);
            }
        }
        for (k, c) in COUNTRY_FORMS {
            by_key.insert((*k).to_owned(), *c);
        }
        Countries { by_key }
    }

    /// The country `name` names whole (an ISO short name or a press form, English or
    /// transliterated: "Kazakhstan", "Казахстан", "Qazaqstan"), if it names one.
    pub fn named(&self, name: &str) -> Option<&'static str> {
        self.by_key
            .get(&super::normalize::NameKey::new(name).exact)
            .copied()
    }

    /// Every country name and demonym in `text`.
    pub fn find(&self, text: &Text<'_>) -> Vec<CountryMention> {
        let mut out = Vec::new();
        let n = text.tokens.len();
        let mut i = 0;
        while i < n {
            if let Some(code) = compound_part(text, i) {
                let mut m = self.mention(text, i, i, code, true);
                let mut end = i + 1;
                while compound_part(text, end).is_some() {
                    end += 1;
                }
                m.quoted = i..end + 1;
                out.push(m);
                i += 1;
                continue;
            }
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
            if let Some(code) = self
                .by_key
                .get(text.key(i))
                .copied()
                .or_else(|| self.russian_case(text, i))
                .or_else(|| match text.word(i) {
                    "US" => Some("US"),
                    "UK" => Some("GB"),
                    _ => None,
                })
            {
                out.push(self.mention(text, i, i, code, false));
            } else if let Some(code) = demonym(text.key(i)) {
                out.push(self.mention(text, i, i, code, true));
            }
            i += 1;
        }
        out
    }

    /// A Russian country name in another case than the nominative ("России",
    /// "в Таджикистане", "Казахстана", "с Беларусью", "в Китае"): the key without its case
    /// ending, or with `-iya` or `-y` (a name in -й, "Китай") for it. Cyrillic words only.
    fn russian_case(&self, text: &Text<'_>, i: usize) -> Option<&'static str> {
        if text.word(i).is_ascii() {
            return None;
        }
        let key = text.key(i);
        ["om", "em", "ey", "yu", "a", "e", "u", "y", "i"]
            .iter()
            .filter_map(|end| key.strip_suffix(end))
            .find_map(|stem| {
                self.by_key
                    .get(stem)
                    .or_else(|| self.by_key.get(&format!("{stem}ya")))
                    .or_else(|| self.by_key.get(&format!("{stem}y")))
                    .copied()
            })
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
            quoted: first..last + 1,
        }
    }

    /// Whether token `i` is (part of) a country name, in any case ("Казахстане"), or a
    /// demonym.
    pub fn is_country_word(&self, text: &Text<'_>, i: usize) -> bool {
        self.by_key.contains_key(text.key(i))
            || self.russian_case(text, i).is_some()
            || demonym(text.key(i)).is_some()
            || compound_part(text, i).is_some()
    }
}

/// The one [`Countries`] table, built on first use.
pub fn table() -> &'static Countries {
    static TABLE: LazyLock<Countries> = LazyLock::new(Countries::new);
    &TABLE
}

/// The countries `quote` names, by name or adjective.
pub fn countries_named(quote: &str) -> BTreeSet<&'static str> {
    table()
        .find(&Text::new(quote))
        .into_iter()
        .map(|m| m.code)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(s: &str) -> Vec<&'static str> {
        Countries::new()
            .find(&Text::new(s))
            .iter()
            .map(|m| m.code)
            .collect()
    }

    /// Review finding E5: "российско-таджикские" gave TJ only; every part of a compound
    /// country adjective is a country, in the combining form "-о-" of each.
    #[test]
    fn every_part_of_a_russian_compound_adjective_is_a_country() {
        assert_eq!(codes("Российско-таджикские учения"), ["RU", "TJ"]);
        assert_eq!(codes("казахстанско-узбекских учений"), ["KZ", "UZ"]);
        assert_eq!(
            codes("узбекско-киргизские и кыргызско-белорусские"),
            ["UZ", "KG", "KG", "BY"]
        );
        assert_eq!(codes("таджикско-российскими войсками"), ["TJ", "RU"]);
        assert_eq!(
            codes("российско-казахстанско-киргизских учений"),
            ["RU", "KZ", "KG"]
        );
        // A part is quoted with the rest of its compound, which names its country alone.
        let text = Text::new("Учения: казахстанско-узбекско-таджикские учения");
        let quoted: Vec<&str> = Countries::new()
            .find(&text)
            .iter()
            .map(|m| text.phrase(m.quoted.start, m.quoted.end - 1))
            .collect();
        assert_eq!(
            quoted,
            [
                "казахстанско-узбекско-таджикские",
                "узбекско-таджикские",
                "таджикские"
            ]
        );
        for (q, code) in quoted.iter().zip(["KZ", "UZ", "TJ"]) {
            assert!(countries_named(q).contains(code), "{q}");
        }
        // A combining form alone, or in Latin letters, is no country.
        assert!(codes("российско учения, rossiysko-tadzhikskie").is_empty());
        assert_eq!(codes("российско- таджикские"), ["RU", "TJ"]);
    }

    /// Review lead 5: "в Казахстане", "с Казахстаном" were found as countries but were no
    /// country words, so the place finder took them for a GeoNames town ("Kazakhstan" is an
    /// alternate name of Aqsay). A country's name in any case is a country word.
    #[test]
    fn a_russian_country_name_in_any_case_is_a_country_word() {
        let countries = Countries::new();
        for word in [
            "Казахстане",
            "Казахстаном",
            "Казахстана",
            "Таджикистане",
            "Узбекистана",
            "России",
        ] {
            let text = Text::new(word);
            assert!(countries.is_country_word(&text, 0), "{word}");
        }
        // A name in -й (Китай) in every case: "в Китае", "с Китаем", "к Китаю", "из Китая".
        assert_eq!(
            codes("в Китае, с Китаем, к Китаю, из Китая"),
            ["CN", "CN", "CN", "CN"]
        );
        // A town's name is no country word, in any case.
        let text = Text::new("Термезе");
        assert!(!countries.is_country_word(&text, 0));
    }
}
