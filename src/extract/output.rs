//! Output: the draft records in the dataset's own TOML form, or as JSON.
//!
//! The TOML is what `places/sources.toml` and `places/exercises.toml` hold: a `[[source]]`
//! per article, then `[[exercise]]` tables with their `[[exercise.site]]` tables, every
//! required field present, so that a reviewed draft can be pasted and built. Each value is
//! followed by a comment with the article's words it comes from and a confidence, and every
//! count, date, participant and invited country is backed by an entry of the dataset's
//! `evidence` list (`{ field, quote, note }`: the article's words, verbatim, and what is
//! inferred), so that `check` accepts the pasted draft. Strings are written by the `toml` crate, so they are escaped as
//! TOML wants. The JSON carries the same records with `{value, reported, confidence}` fields
//! and every mention found.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::records::{DateValue, Field, Record};
use super::{Extraction, Options};
use crate::date::ReportedDate;

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
        let file = file_name(path);
        Article {
            source: source_id(&file),
            file,
            extraction,
        }
    }
}

/// The file name of `path` (no folders), as drafts name it.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    )
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

/// The draft source ids of the articles of one run, in order: each file's [`source_id`],
/// unless another file of the run has the same one (`007_a.txt`, `007_b.txt`): then its stem,
/// numbered (`-2`, `-3`, …) if even stems repeat (the same name in two folders).
pub fn source_ids(files: &[String]) -> Vec<String> {
    use std::collections::{HashMap, HashSet};
    let short: Vec<String> = files.iter().map(|f| source_id(f)).collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for id in &short {
        *count.entry(id).or_default() += 1;
    }
    let mut taken = HashSet::new();
    files
        .iter()
        .zip(&short)
        .map(|(f, id)| {
            let base = if count[id.as_str()] > 1 {
                f.rsplit_once('.').map_or(f.as_str(), |(stem, _)| stem)
            } else {
                id
            };
            let mut id = base.to_owned();
            let mut n = 1;
            while !taken.insert(id.clone()) {
                n += 1;
                id = format!("{base}-{n}");
            }
            id
        })
        .collect()
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

/// The comment that opens a TOML draft, once before every article.
pub const TOML_HEADER: &str =
    "# Draft records from `drillmap extract`, for review: check every value against the\n\
# article before pasting [[source]] into places/sources.toml and [[exercise]] into\n\
# places/exercises.toml. Each value is followed by the article's words and a confidence.\n";

/// One article's part of a TOML draft: its `[[source]]`, then its `[[exercise]]` tables.
/// The parts of several articles, one after the other behind [`TOML_HEADER`], are one TOML
/// document (arrays of tables may be appended to again later), so they can be written as
/// each article is finished.
pub fn toml_article(a: &Article<'_>, options: &Options) -> String {
    let mut out = String::new();
    source(&mut out, a, options);
    for r in &a.extraction.records {
        match &r.called_off {
            None => exercise(&mut out, r, &a.source),
            // Not an exercise to paste: its draft as comments, for reference.
            Some(off) => {
                let _ = writeln!(
                    out,
                    "\n# {}: not drafted as an exercise: the article says it did not or will \
                     not take place ({:?}: \"{}\"). Its draft, for reference:",
                    r.id,
                    off.value,
                    flat(&off.reported)
                );
                let mut draft = String::new();
                exercise(&mut draft, r, &a.source);
                for line in draft.lines().skip_while(|l| l.is_empty()) {
                    let _ = writeln!(out, "# {line}");
                }
            }
        }
    }
    if a.extraction.records.is_empty() {
        // Drills the article only mentions ("Troops from Russia and Tajikistan took part in
        // the drills.") are no record: say what one needs rather than that none was found.
        let _ = writeln!(
            out,
            "\n# {}: no exercise drafted: a draft needs drills named with a place, a date or a \
             count of troops or equipment.",
            a.file
        );
    }
    out
}

/// One article's draft as TOML.
pub fn toml(extraction: &Extraction, file: &str, options: &Options) -> String {
    let mut out = TOML_HEADER.to_owned();
    out.push_str(&toml_article(
        &Article::new(Path::new(file), extraction),
        options,
    ));
    out
}

/// The JSON document's opening, before the first article.
pub const JSON_OPEN: &str = "{\n  \"articles\": [\n";
/// The JSON document's end, after the last article.
pub const JSON_CLOSE: &str = "\n  ]\n}\n";
/// Between two articles of the JSON document.
pub const JSON_BETWEEN: &str = ",\n";
/// How every JSON document begins after [`JSON_OPEN`]: the first article's first field,
/// its file name (an [`Article`] as [`json_article`] writes it).
pub const JSON_FIRST: &str = "    {\n      \"file\": \"";

/// Whether a file beginning with `head` is a draft `extract` wrote: it begins with the
/// whole of what every draft begins with, [`TOML_HEADER`], or [`JSON_OPEN`] then
/// [`JSON_FIRST`].
pub fn is_draft(head: &[u8]) -> bool {
    head.starts_with(TOML_HEADER.as_bytes())
        || head
            .strip_prefix(JSON_OPEN.as_bytes())
            .is_some_and(|rest| rest.starts_with(JSON_FIRST.as_bytes()))
}

/// One article as an element of the JSON document's `articles` array, pretty-printed at
/// its depth: `JSON_OPEN`, the articles separated by `JSON_BETWEEN`, then `JSON_CLOSE` are
/// byte for byte what `serde_json::to_string_pretty` writes for `{"articles": [...]}`, so
/// the document is written as each article is finished. (Pretty JSON has no raw line break
/// inside a string, so indenting every line is indenting every value.)
pub fn json_article(a: &Article<'_>) -> Result<String, serde_json::Error> {
    let one = serde_json::to_string_pretty(a)?;
    let mut out = String::with_capacity(one.len() + one.len() / 8);
    for (k, line) in one.split('\n').enumerate() {
        if k > 0 {
            out.push('\n');
        }
        out.push_str("    ");
        out.push_str(line);
    }
    Ok(out)
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
            (_, Some(words)) => format!(
                "# --published, not the dateline's \"{}\": check which is right",
                flat(words)
            ),
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
    } else if r.held_in.len() > 1 {
        let held: Vec<String> = r
            .held_in
            .iter()
            .map(|c| format!("{} (\"{}\")", s(&c.value), flat(&c.reported)))
            .collect();
        let _ = writeln!(
            out,
            "# held in: {}: several countries, no one host",
            held.join(", ")
        );
    }
    let codes: Vec<String> = r.participants.iter().map(|p| s(&p.value)).collect();
    let _ = writeln!(out, "participants = [{}]", codes.join(", "));
    if !r.invited.is_empty() {
        let codes: Vec<String> = r.invited.iter().map(|p| s(&p.value)).collect();
        let _ = writeln!(out, "invited = [{}]", codes.join(", "));
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
    // The record's period: its date, to the last day a verb of ending gives apart.
    let period = r.date.as_ref().map(|d| DateValue {
        end: r.end.as_ref().map(|e| last(&e.value).to_owned()),
        ..d.value.clone()
    });
    let narrower = period.as_ref().is_some_and(|p| {
        r.sites.iter().any(|site| {
            site.date
                .as_ref()
                .is_some_and(|sd| lies_outside(&sd.value, p))
                || site
                    .after
                    .as_ref()
                    .is_some_and(|a| a.value.as_deref().is_some_and(|a| lies_after(a, p)))
        })
    });
    match &r.date {
        Some(d) if !narrower => {
            let _ = writeln!(out, "start = {}  {}", s(&d.value.start), date_note(d));
            if let Some(e) = &r.end {
                let _ = writeln!(out, "end = {}  {}", s(last(&e.value)), date_note(e));
            } else if let Some(e) = &d.value.end {
                let _ = writeln!(out, "end = {}", s(e));
            }
        }
        None if r.end.is_some() => {
            if let Some(e) = &r.end {
                // `check` refuses an end without a start: the analyst gives the first day.
                let _ = writeln!(
                    out,
                    "# no start: the article gives only the last day; give the first (or `after` alone for a lower bound) before pasting"
                );
                let _ = writeln!(out, "end = {}  {}", s(last(&e.value)), date_note(e));
            }
        }
        Some(d) => {
            let _ = writeln!(
                out,
                "# no start/end: {} is one site's date, and another site's lies outside it; the sites carry their dates",
                flat(&d.reported)
            );
        }
        None => {}
    }
    evidence(out, &record_evidence(r, !narrower));
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
        match &site.place {
            Some(place) => {
                let _ = writeln!(out, "place = {}  {how}", s(place));
            }
            None => {
                let _ = writeln!(
                    out,
                    "place = \"\"  # not named in the article, only {}: name the place (with located_by, the source that does) before pasting",
                    s(&site.reported.value)
                );
            }
        }
        let _ = writeln!(
            out,
            "reported = {}  # ({:.2})",
            s(&flat(&site.reported.reported)),
            site.reported.confidence
        );
        if let Some(c) = &site.country {
            let _ = writeln!(out, "country = {}", s(c));
        }
        let mut entries = Vec::new();
        if !site.participants.is_empty() {
            let codes: Vec<String> = site.participants.iter().map(|p| s(&p.value)).collect();
            let _ = writeln!(
                out,
                "participants = [{}]  # at this site only",
                codes.join(", ")
            );
            entries.extend(participant_evidence("participants", &site.participants));
        }
        if let Some(d) = &site.date {
            let _ = writeln!(out, "start = {}  {}", s(&d.value.start), date_note(d));
            if let Some(e) = &d.value.end {
                let _ = writeln!(out, "end = {}", s(e));
            }
            entries.extend(date_evidence(d));
        }
        if let Some(a) = &site.after {
            let words = flat(&a.reported);
            match &a.value {
                Some(day) => {
                    let _ = writeln!(
                        out,
                        "after = {}  # still to come on the article's date, as its evidence says ({:.2})",
                        s(day),
                        a.confidence
                    );
                    entries.push(Entry {
                        field: "after",
                        quote: words,
                        note: Some(format!(
                            "Still to come on {day}, the article's date: if held, it was held on or after that day."
                        )),
                        comment: format!("{:.2}", a.confidence),
                    });
                }
                None if r.date.is_some() => {
                    // Without the bound, the stage would take the record's date, another
                    // stage's: left empty, which `check` refuses until it is given.
                    let _ = writeln!(
                        out,
                        "after = \"\"  # still to come: \"{words}\" ({:.2}); the article's date is not known: give it (the day the stage was still to come) before pasting",
                        a.confidence
                    );
                    entries.push(Entry {
                        field: "after",
                        quote: words,
                        note: Some(
                            "Still to come on the article's date: if held, it was held on or after that day."
                                .to_owned(),
                        ),
                        comment: format!("{:.2}", a.confidence),
                    });
                }
                None => {
                    let _ = writeln!(
                        out,
                        "# still to come: \"{words}\" ({:.2}); with the article's date (--published) it is drafted as `after` that day",
                        a.confidence
                    );
                }
            }
        }
        evidence(out, &entries);
    }
}

/// One entry of the dataset's `evidence` list: the field, the article's words, what is
/// inferred, and (in a comment) the extractor's confidence.
struct Entry {
    field: &'static str,
    quote: String,
    note: Option<String>,
    comment: String,
}

/// Whether a site's period lies, even in part, outside its record's: an exercise's dates
/// bound the whole period (`check` refuses a site outside them), so a draft whose record
/// date is one stage's leaves the record's period to the analyst.
fn lies_outside(site: &DateValue, record: &DateValue) -> bool {
    let period = |d: &DateValue| {
        let first = ReportedDate::parse(&d.start).ok()?;
        let last = match &d.end {
            Some(e) => ReportedDate::parse(e).ok()?,
            None => first,
        };
        Some((first.first, last.last))
    };
    match (period(site), period(record)) {
        (Some((a, b)), Some((first, last))) => a < first || b > last,
        _ => false,
    }
}

/// Whether a site known only to lie on or after `after` surely lies outside its record's
/// period: it begins after the record's last day.
fn lies_after(after: &str, record: &DateValue) -> bool {
    let last = record.end.as_deref().unwrap_or(&record.start);
    match (ReportedDate::parse(after), ReportedDate::parse(last)) {
        (Ok(a), Ok(l)) => a.first > l.last,
        _ => false,
    }
}

/// The evidence of a record's participants, invited countries, counts and dates (when
/// `with_date`), one entry per distinct quote and field, in the dataset's form.
fn record_evidence(r: &Record, with_date: bool) -> Vec<Entry> {
    let mut entries = participant_evidence("participants", &r.participants);
    entries.extend(participant_evidence("invited", &r.invited));
    // A host no site lies in is backed by its words, as `check` asks (a site without a
    // country is looked up in the host).
    if let Some(h) = &r.host {
        let in_a_site = r
            .sites
            .iter()
            .any(|s| s.country.as_deref().is_none_or(|c| c == h.value));
        if !in_a_site {
            entries.push(Entry {
                field: "host",
                quote: flat(&h.reported),
                note: None,
                comment: format!("{} ({:.2})", h.value, h.confidence),
            });
        }
    }
    for (field, count) in [("troops", &r.troops), ("equipment", &r.equipment)] {
        if let Some(c) = count {
            entries.push(Entry {
                field,
                quote: flat(&c.reported),
                note: (!c.value.qualifier.is_empty()).then(|| {
                    format!(
                        "\"{} {}\" as reported: {} is not exact.",
                        c.value.qualifier, c.value.value, c.value.value
                    )
                }),
                comment: format!("{:.2}", c.confidence),
            });
        }
    }
    if let Some(d) = r.date.as_ref().filter(|_| with_date) {
        entries.extend(date_evidence(d));
    }
    if let Some(e) = r.end.as_ref().filter(|_| with_date) {
        entries.push(Entry {
            field: "end",
            quote: flat(&e.reported),
            note: inferred(&e.value),
            comment: format!("{:.2}", e.confidence),
        });
    }
    entries
}

/// The last day (or month, or year) of a date's period.
fn last(d: &DateValue) -> &str {
    d.end.as_deref().unwrap_or(&d.start)
}

/// The evidence of a list of countries (`participants`, `invited`): one entry per distinct
/// quote, the codes it gives in the comment.
fn participant_evidence(field: &'static str, list: &[Field<String>]) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    for p in list {
        let quote = flat(&p.reported);
        let comment = format!("{} ({:.2})", p.value, p.confidence);
        match entries.iter_mut().find(|e| e.quote == quote) {
            Some(e) => {
                e.comment.push_str(", ");
                e.comment.push_str(&comment);
            }
            None => entries.push(Entry {
                field,
                quote,
                note: None,
                comment,
            }),
        }
    }
    entries
}

/// What of a date is inferred, as an evidence note.
fn inferred(d: &DateValue) -> Option<String> {
    let mut inferred = Vec::new();
    if d.year_inferred {
        inferred.push("The year is inferred (the article's date or the exercise's name).");
    }
    // The weekday rule only for a weekday ("on Tuesday"), not for "last year" or "next
    // month" (probe, session 43).
    if d.weekday {
        inferred.push(
            "Inferred from the publication date (a relative date; a weekday is the most recent one on or before it).",
        );
    } else if d.relative {
        inferred.push("Inferred from the publication date (a relative date).");
    }
    (!inferred.is_empty()).then(|| inferred.join(" "))
}

/// The evidence of a date: `start`, and `end` when there is one, with the same quote.
fn date_evidence(d: &Field<DateValue>) -> Vec<Entry> {
    let note = inferred(&d.value);
    let mut out = vec![Entry {
        field: "start",
        quote: flat(&d.reported),
        note,
        comment: format!("{:.2}", d.confidence),
    }];
    if d.value.end.is_some() {
        out.push(Entry {
            field: "end",
            quote: flat(&d.reported),
            note: None,
            comment: format!("{:.2}", d.confidence),
        });
    }
    out
}

/// Write `evidence = [...]`, one inline table a line, each followed by its confidence.
fn evidence(out: &mut String, entries: &[Entry]) {
    if entries.is_empty() {
        return;
    }
    let _ = writeln!(out, "evidence = [");
    for e in entries {
        let note = e
            .note
            .as_ref()
            .map(|n| format!(", note = {}", s(n)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {{ field = {}, quote = {}{note} }},  # {}",
            s(e.field),
            s(&e.quote),
            e.comment
        );
    }
    let _ = writeln!(out, "]");
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
    if let Some(p) = &r.put_off {
        let from = match p.value.as_str() {
            "" => String::new(),
            from => format!(", from \"{from}\""),
        };
        parts.push(format!("Put off: \"{}\"{from}.", flat(&p.reported)));
    }
    for d in r.date.iter().chain(&r.end) {
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
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_outside_its_record_s_period_is_seen() {
        let d = |start: &str, end: Option<&str>| DateValue {
            start: start.into(),
            end: end.map(Into::into),
            precision: crate::date::DatePrecision::Day,
            year_inferred: false,
            relative: false,
            weekday: false,
        };
        let drills = d("2021-08-05", Some("2021-08-10"));
        assert!(lies_outside(&d("2021-07-20", None), &drills));
        assert!(lies_outside(&d("2021-08-09", Some("2021-08-12")), &drills));
        assert!(!lies_outside(&d("2021-08-06", None), &drills));
        assert!(!lies_outside(&d("2021-08-05", Some("2021-08-10")), &drills));
        // A month holds its days: August is not inside August 5-10, August 5-10 is in August.
        assert!(lies_outside(&d("2021-08", None), &drills));
        assert!(!lies_outside(&drills, &d("2021-08", None)));
    }

    /// Probe (session 43): "Last year" was noted with "a weekday is the most recent one on
    /// or before it", which says nothing of a year.
    #[test]
    fn the_weekday_rule_is_noted_only_for_a_weekday() {
        let relative = |precision, weekday| DateValue {
            start: "2020".into(),
            end: None,
            precision,
            year_inferred: false,
            relative: true,
            weekday,
        };
        let note = |p, w| inferred(&relative(p, w)).unwrap();
        // "on Tuesday" against a dateline of a month only is that month.
        for p in [
            crate::date::DatePrecision::Day,
            crate::date::DatePrecision::Month,
        ] {
            assert!(note(p, true).contains("weekday"));
        }
        for p in [
            crate::date::DatePrecision::Month,
            crate::date::DatePrecision::Year,
        ] {
            assert_eq!(
                note(p, false),
                "Inferred from the publication date (a relative date)."
            );
        }
    }

    #[test]
    fn source_ids_from_file_names() {
        assert_eq!(source_id("004_b1421c71e36eabd6.txt"), "004");
        assert_eq!(source_id("report.txt"), "report");
        assert_eq!(source_id("_x.txt"), "_x");
        let ids = |f: &[&str]| source_ids(&f.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(ids(&["001_a.txt", "002_b.txt"]), ["001", "002"]);
        assert_eq!(
            ids(&["007_a.txt", "007_b.txt", "008_c.txt"]),
            ["007_a", "007_b", "008"]
        );
        assert_eq!(ids(&["x.txt", "x.txt", "x.txt"]), ["x", "x-2", "x-3"]);
        assert_eq!(ids(&["x.txt", "x.txt", "x-2.txt"]), ["x", "x-2", "x-2-2"]);
    }

    #[test]
    fn strings_are_escaped_for_toml() {
        let v = s("say \"hi\"\\\n");
        let parsed: toml::Table = toml::from_str(&format!("k = {v}")).unwrap();
        assert_eq!(parsed["k"].as_str(), Some("say \"hi\"\\\n"));
    }
}
