//! The evidence checks: every quote a record holds is in its article, every article is in the
//! repository, and every place row cites sources a reader can open.
//!
//! The dataset reader collects the quotes (each `reported` place and evidence `quote`, with
//! the record's sources) and reports fields backed by nothing; this module reads the
//! articles in `articles/` and finds each quote in them, with whitespace normalised (runs of
//! spaces, tabs and line breaks are one space) and nothing else: a changed word, a changed
//! apostrophe or a quote from another article is reported as
//! `FILE:LINE: "QUOTE": not found in 004_….txt`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Problem, Result};
use crate::model::{Dataset, Place, Source};
use crate::read::article;
use crate::read::dataset::SOURCES;

/// The folder, inside the data folder, that holds the articles' text.
pub const ARTICLES: &str = "articles";

/// `text` with every run of whitespace made one space, and trimmed.
pub fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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
    let articles = read_articles(data, &dataset.sources, &mut problems)?;
    for q in &dataset.quotes {
        let files: Vec<(&str, &str)> = q
            .sources
            .iter()
            .filter_map(|id| articles.get(id.as_str()))
            .map(|(file, text)| (file.as_str(), text.as_str()))
            .collect();
        if files.is_empty() {
            // The record names no readable article: already reported on the source.
            continue;
        }
        let wanted = normalise(&q.text);
        if !files.iter().any(|(_, text)| text.contains(&wanted)) {
            let names: Vec<&str> = files.iter().map(|(f, _)| *f).collect();
            problems.push(Problem::new(
                &q.path,
                Some(q.line),
                &q.text,
                format!("not found in {}", names.join(" or ")),
            ));
        }
    }
    problems.extend(place_sources(places, &dataset.sources, places_path));
    Ok(problems)
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
    if let Some(n) = item.strip_prefix("GeoNames ") {
        return number(n);
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
