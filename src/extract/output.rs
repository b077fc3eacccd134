//! Output: the draft records in the dataset's own TOML form, or as JSON.
//!
//! The TOML is what `places/sources.toml` and `places/exercises.toml` hold: a `[[source]]`
//! per article, then `[[exercise]]` tables with their `[[exercise.site]]` tables, every
//! required field present, so that a reviewed draft can be pasted and built. Each value is
//! followed by a comment with the article's words it comes from and a confidence; what the
//! dataset has no field for (invited countries, qualifiers, inferred years) is said in the
//! comments and in `notes`. Strings are written by the `toml` crate, so they are escaped as
//! TOML wants. The JSON carries the same records with `{value, reported, confidence}` fields
//! and every mention found.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::records::{DateValue, Field, Record};
use super::{Extraction, Options};

/// One article's extraction and the file it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Article<'x> {
    /// The file name (no folders).
    pub file: String,
    /// The draft source id: the digits before the first `_` of the name, or the stem.
    pub source: String,
    /// What was found.
    #[serde(flatten)]
    pub extraction: &'x Extraction,
}

impl<'x> Article<'x> {
    /// The article at `path`.
    pub fn new(path: &Path, extraction: &'x Extraction) -> Article<'x> {
        let file = path.file_name().map_or_else(
            || path.display().to_string(),
            |f| f.to_string_lossy().into_owned(),
        );
        Article {
            source: source_id(&file),
            file,
            extraction,
        }
    }
}

/// The draft source id of a file name: `004_b1421c71e36eabd6.txt` → `004`.
pub fn source_id(file: &str) -> String {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    match stem.split_once('_') {
        Some((digits, _)) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.to_owned()
        }
        _ => stem.to_owned(),
    }
}

/// A TOML string literal.
fn s(value: &str) -> String {
    toml::Value::String(value.to_owned()).to_string()
}

/// A comment's text on one line.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn quote<T>(f: &Field<T>) -> String {
    format!("# \"{}\" ({:.2})", flat(&f.reported), f.confidence)
}

fn date_note(d: &Field<DateValue>) -> String {
    let mut how = format!("{:.2}", d.confidence);
    if d.value.year_inferred {
        how.push_str("; year inferred");
    }
    if d.value.relative {
        how.push_str("; relative to the publication date");
    }
    format!("# \"{}\" ({how})", flat(&d.reported))
}

/// The drafts of several articles as one TOML document: every `[[source]]`, then every
/// `[[exercise]]`.
pub fn toml_all(articles: &[Article<'_>], options: &Options) -> String {
    let mut out = String::new();
    out.push_str(
        "# Draft records from `drillmap extract`, for review: check every value against the\n",
    );
    out.push_str(
        "# article before pasting [[source]] into places/sources.toml and [[exercise]] into\n",
    );
    out.push_str("# places/exercises.toml. Each value is followed by the article's words and a confidence.\n");
    for a in articles {
        source(&mut out, a, options);
    }
    for a in articles {
        for r in &a.extraction.records {
            exercise(&mut out, r, &a.source);
        }
        if a.extraction.records.is_empty() {
            let _ = writeln!(out, "\n# {}: no exercise found.", a.file);
        }
    }
    out
}

/// One article's draft as TOML.
pub fn toml(extraction: &Extraction, file: &str, options: &Options) -> String {
    toml_all(&[Article::new(Path::new(file), extraction)], options)
}

/// The drafts and every mention as JSON (pretty, one document).
pub fn json_all(articles: &[Article<'_>]) -> Result<String, serde_json::Error> {
    #[derive(Serialize)]
    struct Doc<'a, 'x> {
        articles: &'a [Article<'x>],
    }
    let mut s = serde_json::to_string_pretty(&Doc { articles })?;
    s.push('\n');
    Ok(s)
}

fn source(out: &mut String, a: &Article<'_>, options: &Options) {
    let x = a.extraction;
    let _ = writeln!(out, "\n[[source]]");
    let _ = writeln!(out, "id = {}", s(&a.source));
    let _ = writeln!(out, "file = {}", s(&a.file));
    let _ = writeln!(
        out,
        "publisher = {}  # not read from the text: fill in",
        s("not stated")
    );
    let _ = writeln!(out, "title = {}", s(&x.title));
    if let Some(p) = &x.published {
        let how = match (p.from, &p.reported) {
            ("dateline", Some(words)) => format!("# dateline: \"{}\"", flat(words)),
            _ => "# --published".to_owned(),
        };
        let _ = writeln!(out, "published = {}  {how}", s(&p.date));
    } else if options.published.is_none() {
        let _ = writeln!(out, "# published: no date in the text; pass --published to resolve \"next month\", \"on Tuesday\"");
    }
}

fn exercise(out: &mut String, r: &Record, source_id: &str) {
    let _ = writeln!(out, "\n[[exercise]]");
    let _ = writeln!(out, "id = {}", s(&r.id));
    let name_note = if r.named {
        quote(&r.name)
    } else {
        format!(
            "# draft name: the article names none ({:.2})",
            r.name.confidence
        )
    };
    let _ = writeln!(out, "name = {}  {name_note}", s(&r.name.value));
    match &r.kind {
        Some(k) => {
            let _ = writeln!(out, "kind = {}  {}", s(&k.value), quote(k));
        }
        None => {
            let _ = writeln!(out, "kind = {}  # not stated: review", s("exercise"));
        }
    }
    match &r.organisation {
        Some(o) => {
            let _ = writeln!(out, "organisation = {}  {}", s(&o.value), quote(o));
        }
        None => {
            let word = match r.participants.len() {
                2 => "bilateral",
                3 => "trilateral",
                n if n > 3 => "multilateral",
                _ => "not stated",
            };
            let _ = writeln!(
                out,
                "organisation = {}  # from the number of participants",
                s(word)
            );
        }
    }
    if let Some(h) = &r.host {
        let _ = writeln!(out, "host = {}  {}", s(&h.value), quote(h));
    }
    let codes: Vec<String> = r.participants.iter().map(|p| s(&p.value)).collect();
    let _ = writeln!(out, "participants = [{}]", codes.join(", "));
    for p in &r.participants {
        let _ = writeln!(out, "# participant {}: {}", p.value, &quote(p)[2..]);
    }
    for p in &r.invited {
        let _ = writeln!(
            out,
            "# invited (not reported as taking part) {}: {}",
            p.value,
            &quote(p)[2..]
        );
    }
    for (field, count) in [("troops", &r.troops), ("equipment", &r.equipment)] {
        if let Some(c) = count {
            let q = if c.value.qualifier.is_empty() {
                String::new()
            } else {
                format!("; \"{}\"", c.value.qualifier)
            };
            let _ = writeln!(
                out,
                "{field} = {}  # \"{}\" ({:.2}{q})",
                c.value.value,
                flat(&c.reported),
                c.confidence
            );
        }
    }
    match &r.scenario {
        Some(sc) => {
            let _ = writeln!(
                out,
                "scenario = {}  # ({:.2})",
                s(&flat(&sc.value)),
                sc.confidence
            );
        }
        None => {
            let _ = writeln!(out, "scenario = {}  # not stated: review", s("not stated"));
        }
    }
    let _ = writeln!(out, "notes = {}", s(&notes(r)));
    let _ = writeln!(out, "sources = [{}]", s(source_id));
    if let Some(d) = &r.date {
        let _ = writeln!(out, "start = {}  {}", s(&d.value.start), date_note(d));
        if let Some(e) = &d.value.end {
            let _ = writeln!(out, "end = {}", s(e));
        }
    }
    for site in &r.sites {
        let _ = writeln!(out, "\n[[exercise.site]]");
        let _ = writeln!(out, "id = {}", s(&site.id));
        if let Some(stage) = &site.stage {
            let _ = writeln!(out, "stage = {}", s(stage));
        }
        let how = match (site.status, site.candidates.first()) {
            (crate::resolve::Status::Resolved, Some(c)) => {
                format!("# resolved: {} ({}, {:.2})", c.id, c.table, c.score)
            }
            (crate::resolve::Status::Ambiguous, _) => {
                let ids: Vec<String> = site
                    .candidates
                    .iter()
                    .map(|c| format!("{} ({}, {:.2})", c.id, c.country, c.score))
                    .collect();
                format!("# ambiguous: {}; say which", ids.join(", "))
            }
            _ => "# unresolved: no table knows it; add it to places.csv".to_owned(),
        };
        let _ = writeln!(out, "place = {}  {how}", s(&site.place));
        let _ = writeln!(
            out,
            "reported = {}  # ({:.2})",
            s(&flat(&site.reported.reported)),
            site.reported.confidence
        );
        if let Some(c) = &site.country {
            let _ = writeln!(out, "country = {}", s(c));
        }
        if let Some(d) = &site.date {
            let _ = writeln!(out, "start = {}  {}", s(&d.value.start), date_note(d));
            if let Some(e) = &d.value.end {
                let _ = writeln!(out, "end = {}", s(e));
            }
        }
    }
}

fn notes(r: &Record) -> String {
    let mut parts = vec!["Draft from drillmap extract; review every value.".to_owned()];
    for (what, c) in [("Troops", &r.troops), ("Equipment", &r.equipment)] {
        if let Some(c) = c {
            if !c.value.qualifier.is_empty() {
                parts.push(format!(
                    "{what}: \"{} {}\" as reported.",
                    c.value.qualifier, c.value.value
                ));
            }
        }
    }
    if let Some(d) = &r.date {
        if d.value.year_inferred {
            parts.push(format!(
                "The year of \"{}\" is inferred.",
                flat(&d.reported)
            ));
        }
        if d.value.relative {
            parts.push(format!(
                "\"{}\" is relative to the publication date.",
                flat(&d.reported)
            ));
        }
    }
    if !r.invited.is_empty() {
        let codes: Vec<&str> = r.invited.iter().map(|p| p.value.as_str()).collect();
        parts.push(format!("Invited: {}.", codes.join(", ")));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_ids_from_file_names() {
        assert_eq!(source_id("004_b1421c71e36eabd6.txt"), "004");
        assert_eq!(source_id("report.txt"), "report");
        assert_eq!(source_id("_x.txt"), "_x");
    }

    #[test]
    fn strings_are_escaped_for_toml() {
        let v = s("say \"hi\"\\\n");
        let parsed: toml::Table = toml::from_str(&format!("k = {v}")).unwrap();
        assert_eq!(parsed["k"].as_str(), Some("say \"hi\"\\\n"));
    }
}
