//! The evidence checks: every quote a record holds is in its article, every article is in the
//! repository, and every place row cites sources a reader can open.
//!
//! The dataset reader collects the quotes (each `reported` place and evidence `quote`, with
//! the record's sources) and reports fields backed by nothing; this module reads the
//! articles in `articles/` and finds each quote in them, with whitespace normalised (runs of
//! spaces, tabs and line breaks are one space) and Unicode's composed form (NFC) and nothing
//! else: a changed word, a changed apostrophe or a quote from another article is reported as
//! `FILE:LINE: "QUOTE": not found in 004_….txt`.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use crate::error::{Error, Problem, Result};
use crate::model::{Dataset, Place, Source};
use crate::read::article;
use crate::read::dataset::SOURCES;

/// The folder, inside the data folder, that holds the articles' text.
pub const ARTICLES: &str = "articles";

/// `text` with every run of whitespace made one space, trimmed, and in Unicode's composed
/// form (NFC): "ä" typed as one character or as "a" and a combining mark is the same text,
/// as a reader sees it (text copied from a web page or a Mac often comes decomposed).
pub fn normalise(text: &str) -> String {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match is_nfc_quick(folded.chars()) {
        IsNormalized::Yes => folded,
        _ => folded.nfc().collect(),
    }
}

/// Every evidence problem of `dataset` read from `data`, and of the gazetteer `places` read
/// from `places_path`. An article that is a device, a FIFO or a folder stops the run
/// ([`crate::read::input::open`]); one missing, over the size cap or not UTF-8 is a problem.
pub fn check(
    data: &Path,
    dataset: &Dataset,
    places: &[Place],
    places_path: &Path,
) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    let read = read_articles(data, &dataset.sources, &mut problems)?;
    let articles: BTreeMap<&str, Article<'_>> = read
        .iter()
        .map(|(id, (file, text))| (id.as_str(), Article::new(file, text)))
        .collect();
    for q in &dataset.quotes {
        let files: Vec<&Article<'_>> = q
            .sources
            .iter()
            .filter_map(|id| articles.get(id.as_str()))
            .collect();
        if files.is_empty() {
            // The record names no readable article: already reported on the source.
            continue;
        }
        let wanted = normalise(&q.text);
        if let Some(message) = quote_missing_in(&files, &wanted, q.counts) {
            problems.push(Problem::new(&q.path, Some(q.line), &q.text, message));
        }
    }
    problems.extend(place_sources(places, &dataset.sources, places_path));
    Ok(problems)
}

/// Why `wanted` (normalised) is not a quote of any of `files` (name, normalised text):
/// `None` when one of them holds it from a word's start to a word's end. A quote that
/// starts or ends inside a word or number of the article ("involving around 1" of "around
/// 1,500 troops", "500 troops" of "12 500 troops", "более 50" of "более 50 тысяч": a number
/// with its multiplier is one, [`crate::names::numbers`]) would back a number or a name the
/// article does not give, so it names the token it cuts.
pub(crate) fn quote_missing(files: &[(&str, &str)], wanted: &str) -> Option<String> {
    let articles: Vec<Article<'_>> = files.iter().map(|&(f, t)| Article::new(f, t)).collect();
    quote_missing_in(&articles.iter().collect::<Vec<_>>(), wanted, false)
}

/// An article, with the spans a quote may not cut found once however many quotes it backs
/// (probe, session 44: each quote tokenised its whole article again, so `check` of 5,000
/// records took 14 s).
pub(crate) struct Article<'a> {
    file: &'a str,
    text: &'a str,
    spans: std::cell::OnceCell<Spans>,
}

/// The numbers and words of an article, and its dates written with their year.
struct Spans {
    numbers: Vec<Range<usize>>,
    words: Vec<Range<usize>>,
    dated: Vec<Range<usize>>,
}

impl<'a> Article<'a> {
    /// The article `file`, of normalised `text`.
    pub(crate) fn new(file: &'a str, text: &'a str) -> Article<'a> {
        Article {
            file,
            text,
            spans: std::cell::OnceCell::new(),
        }
    }

    fn spans(&self) -> &Spans {
        self.spans.get_or_init(|| Spans {
            numbers: crate::names::numbers::numbers(self.text)
                .into_iter()
                .map(|(w, _)| w)
                .collect(),
            words: crate::names::text::whole_words(self.text)
                .into_iter()
                .map(|(w, _)| w)
                .collect(),
            dated: dates_with_a_year(self.text),
        })
    }
}

/// [`quote_missing`] of articles whose spans are kept from one quote to the next. A quote
/// that `counts` (backs troops or equipment) does not start inside a date the article
/// writes with its year: "2024" of "1 September 2024" is a year, no count (probe, session
/// 45: it backed `troops = 2024`).
fn quote_missing_in(files: &[&Article<'_>], wanted: &str, counts: bool) -> Option<String> {
    let mut cut = None;
    for article in files {
        let (file, text) = (article.file, article.text);
        let mut from = 0;
        while let Some(at) = text.get(from..).and_then(|t| t.find(wanted)) {
            let start = from + at;
            let end = start + wanted.len();
            let Spans {
                numbers,
                words,
                dated,
            } = article.spans();
            let within = |spans: &[Range<usize>], i: usize| {
                let k = spans.partition_point(|w| w.end <= i);
                spans.get(k).filter(|w| w.start < i).cloned()
            };
            let inside = |i: usize| within(numbers, i).or_else(|| within(words, i));
            // A date's year ends it: a quote that ends inside one leaves the year out; one
            // that starts inside it ("October 7, 2024" of "September 26 to October 7, 2024")
            // keeps it, and backs what it quotes.
            let ends_inside = |i: usize| inside(i).or_else(|| within(dated, i));
            let starts_inside =
                |i: usize| inside(i).or_else(|| within(dated, i).filter(|_| counts));
            match (starts_inside(start), ends_inside(end)) {
                (None, None) => return None,
                (Some(w), _) => cut.get_or_insert(("starts", &text[w], file)),
                (None, Some(w)) => cut.get_or_insert(("ends", &text[w], file)),
            };
            from = start + wanted.chars().next().map_or(1, char::len_utf8);
        }
    }
    let names: Vec<&str> = files.iter().map(|a| a.file).collect();
    Some(match cut {
        Some((side, word, file)) => format!("the quote {side} inside {word:?} in {file}"),
        None => format!("not found in {}", names.join(" or ")),
    })
}

/// The byte spans of the dates `text` writes with their year ("October 6, 2007", "6 октября
/// 2007 года", "September 2021"), in order: a quote that ends inside one leaves its year out, and a year-less quote leaves a date field's year free (probe, session 43:
/// "October 6" of "established on October 6, 2007" backed `start = "2024-10-06"`).
fn dates_with_a_year(text: &str) -> Vec<Range<usize>> {
    use crate::names::dates::{written, Written};
    let t = crate::names::text::Text::new(text);
    written(&t)
        .into_iter()
        .filter(|w| {
            matches!(
                w.date,
                Written::Days { year: Some(_), .. } | Written::Month { year: Some(_), .. }
            )
        })
        .map(|w| t.tokens[w.first].span.start..t.tokens[w.last].span.end)
        .collect()
}

/// The normalised text of every article, by source id, each read by `extract`'s rule
/// ([`article::read_article`]); a missing or unreadable article is a problem on its source's
/// line, one that is not a regular file an error.
fn read_articles(
    data: &Path,
    sources: &[Source],
    problems: &mut Vec<Problem>,
) -> Result<BTreeMap<String, (String, String)>> {
    let sources_path = data.join(SOURCES);
    let mut out = BTreeMap::new();
    for s in sources {
        let Some(file) = &s.file else { continue };
        // A name outside articles/ is a problem of its own (`source_problems`), not opened.
        if crate::read::dataset::article_file_problem(file).is_some() {
            continue;
        }
        let path = data.join(ARTICLES).join(file);
        match article::read_article(&path) {
            Ok(text) => {
                out.insert(s.id.clone(), (file.clone(), normalise(&text)));
            }
            Err(e @ Error::Io { .. }) if !e.is_not_found() => return Err(e),
            Err(e) => problems.push(Problem::new(
                &sources_path,
                Some(s.line),
                file,
                format!("the article cannot be read from {ARTICLES}/: {e}"),
            )),
        }
    }
    Ok(out)
}

/// Each place row's `source` is a `; `-separated list of source ids and `GeoNames N`
/// references; anything else is a problem on the row's line.
fn place_sources(places: &[Place], sources: &[Source], path: &Path) -> Vec<Problem> {
    let mut problems = Vec::new();
    for p in places {
        let items: Vec<&str> = p
            .source
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if items.is_empty() {
            problems.push(Problem::new(
                path,
                Some(p.line),
                &p.id,
                "the row cites no source for its point",
            ));
        }
        for item in items {
            if !sources.iter().any(|s| s.id == item) && !is_feature_reference(item) {
                problems.push(Problem::new(
                    path,
                    Some(p.line),
                    item,
                    format!(
                        "not a source: cite a source id of {SOURCES}, `GeoNames N` or an OSM object"
                    ),
                ));
            }
        }
    }
    problems
}

/// `GeoNames N`, or the OSM object `places promote` writes (`Nominatim/OSM way 123, retrieved
/// 2026-11-22`): a feature a reader can open at geonames.org or openstreetmap.org.
pub fn is_feature_reference(item: &str) -> bool {
    let number = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
    if item.starts_with("GeoNames ") {
        return crate::model::credits::geonames_id(item).is_some();
    }
    let Some((_, osm)) = item.split_once("/OSM ") else {
        return false;
    };
    let object = osm.split(',').next().unwrap_or("");
    matches!(
        object.split_once(' '),
        Some(("node" | "way" | "relation", id)) if number(id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_folds_whitespace_runs_only() {
        assert_eq!(normalise("  a \n\t b  c "), "a b c");
        assert_eq!(normalise("Russia’s"), "Russia’s");
        assert_eq!(normalise(&normalise("x  y")), normalise("x  y"));
        // Probe (session 30): a quote in composed form and its article decomposed.
        assert_eq!(normalise("milita\u{308}ry"), "milit\u{e4}ry");
        assert_eq!(normalise("milit\u{e4}ry"), "milit\u{e4}ry");
    }

    #[test]
    fn a_quote_cutting_a_word_or_number_of_its_article_is_not_found_whole() {
        let article =
            normalise("involving around 1,500 troops, with 12 500 more and Russia’s tanks");
        let files = [("004_a.txt", article.as_str())];
        let found = |q: &str| quote_missing(&files, &normalise(q));
        assert_eq!(found("involving around 1,500 troops"), None);
        assert_eq!(found("Russia"), None, "an apostrophe ends a word");
        assert_eq!(found("12 500 more"), None);
        assert_eq!(
            found("involving around 1").as_deref(),
            Some("the quote ends inside \"1,500\" in 004_a.txt")
        );
        assert_eq!(
            found("500 more").as_deref(),
            Some("the quote starts inside \"12 500\" in 004_a.txt")
        );
        assert_eq!(
            found("ussia").as_deref(),
            Some("the quote starts inside \"Russia\" in 004_a.txt")
        );
        assert_eq!(
            found("tank").as_deref(),
            Some("the quote ends inside \"tanks\" in 004_a.txt")
        );
        assert_eq!(found("Tajik").as_deref(), Some("not found in 004_a.txt"));
        // A number's multiplier is part of it.
        let russian = normalise("более 50 тысяч военнослужащих и 1.5 million");
        let russian = [("003_r.txt", russian.as_str())];
        assert_eq!(
            quote_missing(&russian, "более 50").as_deref(),
            Some("the quote ends inside \"50 тысяч\" in 003_r.txt")
        );
        assert_eq!(
            quote_missing(&russian, "тысяч военнослужащих").as_deref(),
            Some("the quote starts inside \"50 тысяч\" in 003_r.txt")
        );
        assert_eq!(
            quote_missing(&russian, "и 1").as_deref(),
            Some("the quote ends inside \"1.5 million\" in 003_r.txt")
        );
        assert_eq!(quote_missing(&russian, "более 50 тысяч"), None);
        // One whole occurrence is enough, in any of the record's articles.
        let other = normalise("over 500 troops");
        let both = [
            ("004_a.txt", article.as_str()),
            ("005_b.txt", other.as_str()),
        ];
        assert_eq!(quote_missing(&both, "500"), None);
        assert_eq!(quote_missing(&[("x", "5 and 50")], "5"), None);
        // A date's year is part of it.
        let dated = normalise(
            "established on October 6, 2007, and held 6 октября 2007 года in September 2021.",
        );
        let dated = [("001_d.txt", dated.as_str())];
        for (quote, date) in [
            ("established on October 6", "October 6, 2007"),
            ("6 октября", "6 октября 2007"),
            ("in September", "September 2021"),
        ] {
            assert_eq!(
                quote_missing(&dated, quote).as_deref(),
                Some(format!("the quote ends inside {date:?} in 001_d.txt").as_str()),
                "{quote}"
            );
        }
        // Starting inside one keeps its year: the end of a range with it.
        assert_eq!(quote_missing(&dated, "2007, and held"), None);
        let range = [("x", "from September 26 to October 7, 2024 at Bereg")];
        assert_eq!(quote_missing(&range, "October 7, 2024"), None);
        assert_eq!(quote_missing(&range, "to October 7, 2024 at"), None);
        assert_eq!(
            quote_missing(&range, "from September 26 to October 7").as_deref(),
            Some("the quote ends inside \"September 26 to October 7, 2024\" in x")
        );
        assert_eq!(quote_missing(&dated, "on October 6, 2007"), None);
        assert_eq!(quote_missing(&dated, "in September 2021"), None);
        // A date without a year may be quoted in part ("July 30" of a range).
        assert_eq!(
            quote_missing(&[("x", "from July 30 to August 10")], "from July 30"),
            None
        );
        // Probe, session 45: the year of a dateline backed `troops = 2024`. A quote of a
        // count starts nowhere inside a date; elsewhere the same number may count.
        let article = Article::new("x", "DUSHANBE, 1 September 2024 (TASS). 2024 troops.");
        let count = |q: &str| quote_missing_in(&[&article], q, true);
        assert_eq!(
            count("2024 (TASS)"),
            Some("the quote starts inside \"1 September 2024\" in x".into())
        );
        assert_eq!(count("2024 troops"), None);
        assert_eq!(count("2024"), None);
        let lone = Article::new("x", "DUSHANBE, 1 September 2024 (TASS). 500 troops.");
        assert_eq!(
            quote_missing_in(&[&lone], "2024", true).as_deref(),
            Some("the quote starts inside \"1 September 2024\" in x")
        );
        assert_eq!(quote_missing_in(&[&lone], "2024", false), None);
    }

    #[test]
    fn quotes_name_countries_by_name_and_adjective() {
        let named = |q| {
            crate::names::countries::countries_named(q)
                .into_iter()
                .collect::<Vec<_>>()
        };
        assert_eq!(
            named("Joint Russian-Kazak counterterrorism exercises"),
            ["KZ", "RU"]
        );
        assert_eq!(named("Tank crews from Russia’s military base"), ["RU"]);
        assert_eq!(named("joint exercises with Uzbek troops"), ["UZ"]);
        // Russian names in any case, and the press's English forms.
        assert_eq!(named("учения в Таджикистане и Казахстан"), ["KZ", "TJ"]);
        assert_eq!(named("Минобороны России"), ["RU"]);
        assert_eq!(named("The US and Tajikistani troops"), ["TJ", "US"]);
        assert!(named("military facilities, including the Zhetygen training centre").is_empty());
    }

    #[test]
    fn features_a_reader_can_open_are_references() {
        assert!(is_feature_reference("GeoNames 1220747"));
        assert!(is_feature_reference(
            "Nominatim/OSM way 123, retrieved 2026-11-22"
        ));
        assert!(!is_feature_reference("GeoNames"));
        assert!(!is_feature_reference("places research"));
        assert!(!is_feature_reference("Nominatim/OSM thing 1"));
    }
}
