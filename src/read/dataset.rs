//! The dataset: `sources.toml` (the articles), `exercises.toml` and `bases.toml`.
//!
//! TOML because a record is nested (an exercise has stages, each with its place and dates)
//! and hand-written: arrays of tables read like a form, take comments, and diff by record.
//! Every field is read with its span, so a problem names its line; every record is checked
//! in full before the next, so one `check` shows all problems.
//!
//! Evidence is read here too: every count and date a record holds must be backed by an
//! `evidence` entry (a quote of its article or a cited source), else the field is a problem;
//! the quotes are collected in [`Dataset::quotes`] for [`crate::evidence`] to find in the
//! articles.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::input::parse_toml;
use super::lines::{look_alike, LineIndex};
use super::places::is_slug;
use crate::country;
use crate::date::{DateSpan, Day, ReportedDate, SpanError};
use crate::error::{Problem, Result};
use crate::model::{
    address, without_any_credentials, without_credentials, Base, BaseSite, BaseStatus, Count,
    Dataset, Evidence, Exercise, PlaceRef, Quote, Site, Source, SourceError,
};
use crate::names::counts::CountKind;
use crate::names::dates::{quotes_leave_the_year_out, quotes_say, Bound};

/// File names of the dataset inside the data folder.
pub const SOURCES: &str = "sources.toml";
/// See [`SOURCES`].
pub const EXERCISES: &str = "exercises.toml";
/// See [`SOURCES`].
pub const BASES: &str = "bases.toml";

type S<T> = Option<Spanned<T>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourcesFile {
    #[serde(default)]
    source: Vec<Spanned<RawSource>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: S<String>,
    file: S<String>,
    publisher: S<String>,
    title: S<String>,
    published: S<String>,
    url: S<String>,
    note: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExercisesFile {
    #[serde(default)]
    exercise: Vec<Spanned<RawExercise>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExercise {
    id: S<String>,
    name: S<String>,
    kind: S<String>,
    organisation: S<String>,
    host: S<String>,
    participants: S<Vec<Spanned<String>>>,
    invited: S<Vec<Spanned<String>>>,
    troops: S<i64>,
    equipment: S<i64>,
    scenario: S<String>,
    notes: S<String>,
    sources: S<Vec<Spanned<String>>>,
    start: S<String>,
    end: S<String>,
    after: S<String>,
    #[serde(default)]
    evidence: Vec<Spanned<RawEvidence>>,
    #[serde(default)]
    site: Vec<Spanned<RawSite>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvidence {
    field: S<String>,
    quote: S<String>,
    source: S<String>,
    note: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    id: S<String>,
    stage: S<String>,
    place: S<String>,
    reported: S<String>,
    located_by: S<String>,
    country: S<String>,
    participants: S<Vec<Spanned<String>>>,
    start: S<String>,
    end: S<String>,
    after: S<String>,
    note: S<String>,
    #[serde(default)]
    evidence: Vec<Spanned<RawEvidence>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BasesFile {
    #[serde(default)]
    base: Vec<Spanned<RawBase>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBase {
    id: S<String>,
    name: S<String>,
    operator: S<String>,
    host: S<String>,
    units: S<Vec<String>>,
    notes: S<String>,
    sources: S<Vec<Spanned<String>>>,
    status: S<String>,
    #[serde(default)]
    site: Vec<Spanned<RawBaseSite>>,
    #[serde(default)]
    evidence: Vec<Spanned<RawEvidence>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBaseSite {
    id: S<String>,
    name: S<String>,
    place: S<String>,
    reported: S<String>,
    located_by: S<String>,
    country: S<String>,
    status: S<String>,
    since: S<String>,
    until: S<String>,
    last_reported: S<String>,
    note: S<String>,
    #[serde(default)]
    evidence: Vec<Spanned<RawEvidence>>,
}

/// Read and validate the three dataset files in `dir`.
pub fn read(dir: &Path) -> Result<(Dataset, Vec<Problem>)> {
    let mut problems = Vec::new();
    let mut quotes = Vec::new();
    let sources = {
        let (path, text) = load(dir, SOURCES)?;
        let file: SourcesFile = parse_toml(&path, &text)?;
        Checker::new(&path, &text, &mut problems, &mut quotes).sources(file.source)
    };
    let (mut exercise_ids, mut base_ids) = (HashMap::new(), HashMap::new());
    let exercises = {
        let (path, text) = load(dir, EXERCISES)?;
        let file: ExercisesFile = parse_toml(&path, &text)?;
        Checker::new(&path, &text, &mut problems, &mut quotes).exercises(
            file.exercise,
            &sources,
            &mut exercise_ids,
        )
    };
    let bases = {
        let (path, text) = load(dir, BASES)?;
        let file: BasesFile = parse_toml(&path, &text)?;
        Checker::new(&path, &text, &mut problems, &mut quotes).bases(
            file.base,
            &sources,
            &mut base_ids,
        )
    };
    problems.extend(ids_of_both(dir, &exercise_ids, &base_ids));
    Ok((
        Dataset {
            sources,
            exercises,
            bases,
            quotes,
        },
        problems,
    ))
}

/// An exercise id that is a base's id too (`exercises` and `bases`: id to line) is a
/// problem on the exercise's line naming the base's: the two layers' features share the
/// uncertainty layer, where exercise `X` site `main` and base `X` site `main` would be one id.
fn ids_of_both(
    dir: &Path,
    exercises: &HashMap<String, usize>,
    bases: &HashMap<String, usize>,
) -> Vec<Problem> {
    let mut both: Vec<(usize, &str, usize)> = exercises
        .iter()
        .filter_map(|(id, &line)| bases.get(id).map(|&b| (line, id.as_str(), b)))
        .collect();
    both.sort_unstable();
    both.into_iter()
        .map(|(line, id, base)| {
            Problem::new(
                dir.join(EXERCISES),
                Some(line),
                id,
                format!(
                    "the id of a base too ({BASES}:{base}): exercise and base ids share the \
                     uncertainty layer, give the exercise another"
                ),
            )
        })
        .collect()
}

/// A dataset file without a record: its layer would be empty, which `build` refuses unless
/// asked (a truncated file must not wipe a published layer) and `check` warns of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmptyFile {
    /// The file (`places/bases.toml`).
    pub path: PathBuf,
    /// The table it has none of (`[[base]]`).
    pub table: &'static str,
    /// The layer it would empty (`bases`).
    pub layer: &'static str,
}

impl std::fmt::Display for EmptyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: no {} records", self.path.display(), self.table)
    }
}

impl EmptyFile {
    /// The problem a build that is not asked for an empty layer makes of this file: the
    /// one wording of `build` and `serve --watch`.
    pub fn refused(&self) -> Problem {
        Problem::new(
            &self.path,
            None,
            "",
            format!(
                "no {} records: the {} layer would be empty; nothing was written (`build \
                 --allow-empty` builds it empty)",
                self.table, self.layer
            ),
        )
    }
}

/// The files of `dataset`, read from `dir`, that hold no record ([`empty_files`] of a
/// dataset already read: what a build judges, so a file emptied after it was read cannot
/// slip in between).
pub fn empty_in(dataset: &Dataset, dir: &Path) -> Vec<EmptyFile> {
    empties(dir, [dataset.exercises.len(), dataset.bases.len()])
}

/// The dataset's record files, the table each holds its records in, and their layer.
const RECORD_FILES: [(&str, &str, &str); 2] = [
    (EXERCISES, "[[exercise]]", "exercises"),
    (BASES, "[[base]]", "bases"),
];

/// The files of [`RECORD_FILES`] in `dir` whose count of records, in that order, is 0.
fn empties(dir: &Path, counts: [usize; 2]) -> Vec<EmptyFile> {
    RECORD_FILES
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n == 0)
        .map(|(&(file, table, layer), _)| EmptyFile {
            path: dir.join(file),
            table,
            layer,
        })
        .collect()
}

/// The dataset files in `dir` that hold no record: `exercises.toml` without an
/// `[[exercise]]`, `bases.toml` without a `[[base]]` (probe, session 39: an emptied
/// `bases.toml` silently emptied the bases layer, where an empty `exercises.toml` was
/// refused).
pub fn empty_files(dir: &Path) -> Result<Vec<EmptyFile>> {
    let (path, text) = load(dir, EXERCISES)?;
    let exercises = parse_toml::<ExercisesFile>(&path, &text)?.exercise.len();
    let (path, text) = load(dir, BASES)?;
    let bases = parse_toml::<BasesFile>(&path, &text)?.base.len();
    Ok(empties(dir, [exercises, bases]))
}

/// A value of a source that [`source_problems`] refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` {why}")]
pub struct SourceProblem {
    /// The field, as `sources.toml` and a layer name it (`url`, `file`).
    pub field: &'static str,
    /// Its value (an address without its credentials: [`without_credentials`]).
    pub value: String,
    /// What is wrong with it.
    pub why: String,
}

/// Why a source's `file` is not a file name inside `articles/`, if it is not one: the one
/// rule, so that a refused name is never opened (a `file = "/etc/passwd"` was refused and
/// read all the same, its quotes looked for in it: probe, session 27).
pub fn article_file_problem(file: &str) -> Option<&'static str> {
    (file.is_empty() || file.contains(['/', '\\']) || file.starts_with('.'))
        .then_some("is a file name inside articles/ (no folders)")
}

/// What is wrong with `source`'s values: the one check of a source, wherever it is read (a
/// `sources.toml` entry, a layer's `sources` fed back: [`sources_of_layer`]), so a layer
/// never writes one `check` would refuse. No value holds a control character
/// ([`control_character`](super::lines::control_character)); a `file` is a file name
/// inside `articles/`; a `url` is an `http(s)://` address with a host, no blank and a port
/// that is a number ([`address`], the test of a source cell's addresses), without user
/// credentials (`user:password@`, which a layer would publish); `published` is a reported
/// date. What [`Source::of_cell`] makes passes it.
pub fn source_problems(source: &Source) -> Vec<SourceProblem> {
    let fields = [
        ("id", Some(&source.id)),
        ("file", source.file.as_ref()),
        ("publisher", Some(&source.publisher)),
        ("title", Some(&source.title)),
        ("published", source.published.as_ref()),
        ("url", source.url.as_ref()),
        ("note", Some(&source.note)),
    ];
    let why = |field: &str, value: &str| match field {
        "file" => article_file_problem(value).map(str::to_owned),
        "url" => match address(value) {
            Ok(Some((_, without_credentials))) if without_credentials == value => None,
            Ok(Some(_)) => Some(
                "must not hold credentials (user:password@), which a layer would publish".into(),
            ),
            Ok(None) => Some("must start with https:// or http://".to_owned()),
            Err(why) => Some(format!("is {why}")),
        },
        "published" => ReportedDate::parse(value)
            .err()
            .map(|e| format!("is not a reported date: {e}")),
        // An address inside any other value ("TASS https://u:p@tass.ru/a") holds no
        // credentials either (session 45).
        _ if without_any_credentials(value) != value => Some(
            "holds an address with credentials (user:password@), which a layer would publish"
                .into(),
        ),
        _ => None,
    };
    fields
        .into_iter()
        .filter_map(|(field, value)| {
            let value = value?;
            let why = super::lines::control_character(value).or_else(|| why(field, value))?;
            // An address is quoted without its credentials, as it would be published.
            let value = match field {
                "url" => without_credentials(value).into_owned(),
                _ => without_any_credentials(value).into_owned(),
            };
            Some(SourceProblem { field, value, why })
        })
        .collect()
}

/// The sources of a layer's feature read back: its `sources` as drillmap writes them (the
/// JSON text of an array of source objects, each with `id`, `publisher` and `title`, and
/// `file`, `published`, `url` and `note` where known, nothing else), each passing
/// [`source_problems`] as a `sources.toml` entry does; or what is wrong, naming the value.
pub fn sources_of_layer(json: &str) -> std::result::Result<Vec<Source>, SourceError> {
    let sources: Vec<Source> = serde_json::from_str(json).map_err(|e| SourceError {
        part: json.to_owned(),
        why: format!(
            "not sources as a layer writes them ({}): an array of objects with id, \
             publisher and title, and file, published, url or note; publishers or \
             addresses go in the source column, `;`-separated",
            super::lines::shown_message(&crate::json::error_message(&e))
        ),
    })?;
    match sources.iter().flat_map(source_problems).next() {
        Some(p) => Err(SourceError {
            why: p.to_string(),
            part: p.value,
        }),
        None => Ok(sources),
    }
}

/// Whether `quote` gives the number `n`: one of its numbers, read whole as the article's
/// are ([`crate::names::numbers`]: `1500`, `1,500`, `12 500`, and with its multiplier,
/// "более 50 тысяч" giving 50000 and not 50), and not a day or year of a date the one
/// date reader finds in it ([`crate::names::dates`]: "30" of "from July 30 to August 10"
/// counts nothing); [`crate::evidence`] sees that a quote cuts no number of its article,
/// so this is the article's number. A number the quote counts something else with is not
/// it: "200 vehicles" gives no 200 troops (probe, session 39), read by the one reader of
/// counts ([`crate::names::counts`], `extract`'s too); a bare number ("around 1,500") gives
/// its number to either count.
fn quote_gives(quote: &str, n: i64, counted: CountKind) -> bool {
    let text = crate::names::text::Text::new(quote);
    // The tokens of each count of the other kind ("around 1,500 troops": its qualifier,
    // number and noun).
    let other_kind: Vec<Range<usize>> = crate::names::counts::find(&text, &[])
        .into_iter()
        .filter(|c| c.kind != counted)
        .map(|c| c.tokens)
        .collect();
    let counts_other = |token: usize| other_kind.iter().any(|c| c.contains(&token));
    let dates: Vec<std::ops::Range<usize>> = crate::names::dates::written(&text)
        .iter()
        .filter_map(|d| {
            let first = text.tokens.get(d.first)?;
            let last = text.tokens.get(d.last)?;
            Some(first.span.start..last.span.end)
        })
        .collect();
    crate::names::numbers::numbers(quote)
        .into_iter()
        .any(|(at, v)| {
            // The number's first token, found once for the tests below.
            let token = text.tokens.partition_point(|t| t.span.start < at.start);
            i64::try_from(v).ok() == Some(n)
                && !dates.iter().any(|d| d.start <= at.start && at.end <= d.end)
                && !counts_other(token)
                // A number in a name ("Rubezh-2023 exercise") counts nothing (probe,
                // session 44: it backed `troops = 2023`).
                && !crate::names::counts::in_a_name(&text, token)
                // Nor one that counts or measures something else ("50 km", "30 percent",
                // "the Vostok 2022 exercise": probe, session 45).
                && !crate::names::counts::counts_something_else(&text, token, at.end)
        })
}

fn load(dir: &Path, name: &str) -> Result<(PathBuf, String)> {
    let path = dir.join(name);
    let text = super::input::read_toml(&path)?;
    Ok((path, text))
}

/// Validation of one file's records.
struct Checker<'a> {
    path: &'a Path,
    lines: LineIndex,
    problems: &'a mut Vec<Problem>,
    quotes: &'a mut Vec<Quote>,
}

/// The fields an evidence entry of an exercise (or of one of its sites) may back.
const EXERCISE_FIELDS: &[&str] = &[
    "participants",
    "invited",
    "host",
    "troops",
    "equipment",
    "start",
    "end",
    "after",
];

/// The fields an evidence entry of a base (or of one of its sites) may back.
const BASE_FIELDS: &[&str] = &[
    "operator",
    "host",
    "units",
    "since",
    "until",
    "last_reported",
];

/// The names of `fields` (name, value) that hold a value: the fields an evidence entry of
/// the record or site may back ([`Checker::evidence`]).
fn set<'n>(fields: &[(&'n str, bool)]) -> Vec<&'n str> {
    fields
        .iter()
        .filter(|(_, value)| *value)
        .map(|(name, _)| *name)
        .collect()
}

/// Whether an optional list holds an entry.
fn listed<T>(list: &S<Vec<T>>) -> bool {
    list.as_ref().is_some_and(|l| !l.get_ref().is_empty())
}

impl<'a> Checker<'a> {
    fn new(
        path: &'a Path,
        text: &str,
        problems: &'a mut Vec<Problem>,
        quotes: &'a mut Vec<Quote>,
    ) -> Self {
        Checker {
            path,
            lines: LineIndex::new(text),
            problems,
            quotes,
        }
    }

    /// Record `text` (`what`, for messages) as a quote the record's articles must contain.
    /// One with no word or number ("." is in every article) backs nothing: a problem.
    /// `counts`: it backs a count.
    fn quote(
        &mut self,
        span: &Range<usize>,
        text: &str,
        sources: &[String],
        what: &str,
        counts: bool,
    ) {
        if !holds_word(text) {
            self.problem(
                span,
                text,
                format!("{what} must hold a word or number of the article"),
            );
            return;
        }
        let line = self.line(span);
        self.quotes.push(Quote {
            text: text.to_owned(),
            sources: sources.to_vec(),
            path: self.path.to_path_buf(),
            line,
            counts,
        });
    }

    /// The evidence entries of a record whose articles are `sources`; quotes are collected.
    /// An entry names one of `fields` (the kind of record's), and one the record or site
    /// sets (`values`, [`set`]): evidence for a value the record does not give backs nothing
    /// and would be published beside it (probe, session 39: `troops` quoted on an exercise
    /// without troops).
    fn evidence(
        &mut self,
        (fields, values): (&[&str], &[&str]),
        raw: Vec<Spanned<RawEvidence>>,
        known: &[Source],
        sources: &[String],
    ) -> Vec<Evidence> {
        let mut out = Vec::new();
        for e in raw {
            let span = e.span();
            let e = e.into_inner();
            let field = self.required(&span, &e.field, "field");
            if let Some(f) = &e.field {
                if !field.is_empty() && !fields.contains(&field.as_str()) {
                    self.problem(
                        &f.span(),
                        &field,
                        format!(
                            "unknown evidence field (expected one of {}){}",
                            fields.join(", "),
                            look_alike(&field)
                        ),
                    );
                } else if !field.is_empty() && !values.contains(&field.as_str()) {
                    self.problem(
                        &f.span(),
                        &field,
                        format!(
                            "evidence for `{field}`, which this record or site does not set: it backs nothing (set `{field}`, or remove the entry)"
                        ),
                    );
                }
            }
            let quote = e.quote.as_ref().map(|q| q.get_ref().trim().to_owned());
            if let (Some(q), Some(text)) = (&e.quote, &quote) {
                if text.is_empty() {
                    self.problem(&q.span(), "", "an evidence `quote` must not be empty");
                } else {
                    let counts = matches!(field.as_str(), "troops" | "equipment");
                    self.quote(&q.span(), text, sources, "an evidence `quote`", counts);
                }
            }
            let source = e.source.as_ref().map(|s| s.get_ref().trim().to_owned());
            if let (Some(s), Some(id)) = (&e.source, &source) {
                self.known_source(&s.span(), id, known);
            }
            if quote.is_none() && source.is_none() {
                self.problem(
                    &span,
                    &field,
                    "an evidence entry needs a `quote` of the article or a `source`",
                );
            }
            out.push(Evidence {
                field,
                quote,
                source,
                note: e
                    .note
                    .map(|n| n.into_inner().trim().to_owned())
                    .filter(|n| !n.is_empty()),
            });
        }
        out
    }

    /// A field with a value must be backed by an evidence entry naming it.
    fn backed<T: ToString>(&mut self, field: &S<T>, name: &str, evidence: &[Evidence]) {
        let Some(v) = field else { return };
        if !evidence.iter().any(|e| e.field == name) {
            self.problem(
                &v.span(),
                &v.get_ref().to_string(),
                format!(
                    "`{name}` is backed by no quote or cited source (add an `evidence` entry with field = \"{name}\")"
                ),
            );
        }
    }

    /// A non-empty list of countries must be backed by an evidence entry naming it.
    fn backed_list(
        &mut self,
        field: &S<Vec<Spanned<String>>>,
        list: &[String],
        name: &str,
        evidence: &[Evidence],
    ) {
        let Some(v) = field else { return };
        if !list.is_empty() && !evidence.iter().any(|e| e.field == name) {
            self.problem(
                &v.span(),
                &list.join(", "),
                format!("`{name}` is backed by no quote or cited source (add an `evidence` entry with field = \"{name}\")"),
            );
        }
    }

    /// Each country of a list backed by quotes must be named in one of them, by name or
    /// adjective ([`crate::names::countries::countries_named`]), as a count must be the number one
    /// of them gives; a list an evidence entry backs by a cited source is not checked. The
    /// quote must name it as the list means it, by what `extract` reads of the words around
    /// it ([`crate::names::standing`]): a participant not as said not to take part, the
    /// enemy, an observer or the maker of equipment ("Kazakhstan did not take part",
    /// "Chinese-made vehicles"); an invited country not as the enemy or the maker.
    fn countries_in_quotes(
        &mut self,
        field: &S<Vec<Spanned<String>>>,
        name: &str,
        evidence: &[Evidence],
    ) {
        use crate::names::standing::{standings, Standing};
        let Some(list) = field else { return };
        let backing: Vec<&Evidence> = evidence.iter().filter(|e| e.field == name).collect();
        if backing.is_empty() || backing.iter().any(|e| e.source.is_some()) {
            return;
        }
        let fits = |standing: Standing| match name {
            "participants" => matches!(standing, Standing::Named),
            _ => !matches!(standing, Standing::Enemy | Standing::Maker),
        };
        let named: Vec<(&'static str, Standing)> = backing
            .iter()
            .filter_map(|e| e.quote.as_deref())
            .flat_map(standings)
            .collect();
        for code in list.get_ref() {
            let c = code.get_ref().trim();
            if country::by_alpha2(c).is_none() {
                continue;
            }
            let mut of_it = named.iter().filter(|(k, _)| *k == c).map(|(_, s)| *s);
            let Some(first) = of_it.next() else {
                self.problem(
                    &code.span(),
                    c,
                    format!("`{name}`: named in none of its evidence quotes"),
                );
                continue;
            };
            if !fits(first) && !of_it.any(fits) {
                let as_what = match first {
                    Standing::Absent => "as not taking part",
                    Standing::Enemy => "as the enemy or the scenario's origin",
                    Standing::Observer => "as an observer",
                    Standing::Maker => "as the maker of equipment",
                    Standing::Invited => "as invited",
                    Standing::Named => "",
                };
                self.problem(
                    &code.span(),
                    c,
                    format!(
                        "`{name}`: its evidence quotes name it only {as_what}: quote the \
                         words that say it is one of the {name}"
                    ),
                );
            }
        }
    }

    /// A base's `operator`, `host` or unit (`value`, field `name`) must be named in one of
    /// the base's quotes: its sites' `reported` words or its evidence for `name` (`named`
    /// says whether a quote names it), unless an evidence entry cites a source for it.
    fn named_by_base(
        &mut self,
        span: &Range<usize>,
        value: &str,
        name: &str,
        quotes: (&[Evidence], &[&str]),
        named: impl Fn(&str) -> bool,
    ) {
        let (evidence, reported) = quotes;
        let backing = || evidence.iter().filter(|e| e.field == name);
        if value.is_empty() || backing().any(|e| e.source.is_some()) {
            return;
        }
        let mut quoted = backing()
            .filter_map(|e| e.quote.as_deref())
            .chain(reported.iter().copied());
        if !quoted.any(named) {
            self.problem(
                span,
                value,
                format!(
                    "`{name}` is named in none of the base's quotes (its sites' `reported` words): quote the article or cite a source in an `evidence` entry with field = \"{name}\""
                ),
            );
        }
    }

    /// A count backed by quotes must be the number one of them gives ([`quote_gives`]).
    fn count_in_quote(
        &mut self,
        field: &S<i64>,
        (name, counted): (&str, CountKind),
        evidence: &[Evidence],
    ) {
        let Some(v) = field else { return };
        let n = *v.get_ref();
        let quotes: Vec<&str> = evidence
            .iter()
            .filter(|e| e.field == name)
            .filter_map(|e| e.quote.as_deref())
            .collect();
        if quotes.is_empty() {
            return;
        }
        if !quotes.iter().any(|q| quote_gives(q, n, counted)) {
            self.problem(
                &v.span(),
                &n.to_string(),
                format!("`{name}` is not the number its evidence quotes"),
            );
        }
    }

    /// A date backed by quotes that write dates must be one of them
    /// ([`crate::names::dates::quotes_say`]: the day and month at the range's end `bound`
    /// gives, the year where written), read by `extract`'s reader; quotes the reader finds
    /// no date in, a relative date ("next week") or an evidence entry citing a source
    /// without a quote leave it as backed.
    ///
    /// Where a quote writes a day or month without its year (and none writes a year), the
    /// year is the articles': within a year of when one of
    /// the sources backing the field was published, as `extract` reads a year-less date
    /// (probe, session 45: a mistyped `2081-07-16` passed, its quote "on July 16" leaving the
    /// year free).
    fn date_in_quotes(
        &mut self,
        field: &S<String>,
        name: &str,
        evidence: &[Evidence],
        (sources, record_sources): (&[Source], &[String]),
    ) {
        let Some(v) = field else { return };
        let Ok(value) = ReportedDate::parse(v.get_ref()) else {
            return;
        };
        let backing: Vec<&Evidence> = evidence.iter().filter(|e| e.field == name).collect();
        if backing.iter().any(|e| e.quote.is_none()) {
            return;
        }
        let quotes: Vec<&str> = backing.iter().filter_map(|e| e.quote.as_deref()).collect();
        let bound = match name {
            "start" | "since" => Bound::Start,
            "end" | "until" => Bound::End,
            _ => Bound::Either,
        };
        if !quotes_say(&quotes, &value, bound) {
            let quoted: Vec<String> = quotes.iter().map(|q| format!("{q:?}")).collect();
            self.problem(
                &v.span(),
                v.get_ref(),
                format!(
                    "`{name}` is not a date its evidence quotes ({})",
                    quoted.join(" or ")
                ),
            );
            return;
        }
        if !quotes_leave_the_year_out(&quotes) {
            return;
        }
        let Some(published) = publications(evidence, name, record_sources, sources) else {
            return;
        };
        let year = value.first.parts().0;
        let near = |(date, _): &(ReportedDate, &str)| {
            (date.first.parts().0 - 1..=date.last.parts().0 + 1).contains(&year)
        };
        if !published.is_empty() && !published.iter().any(near) {
            let when: Vec<&str> = published.iter().map(|p| p.1).collect();
            self.problem(
                &v.span(),
                v.get_ref(),
                format!(
                    "`{name}`: no quote writes its year, and it is more than a year from when \
                     its sources were published ({}): quote the words that give the year, or \
                     cite the source that does in an evidence entry without a quote",
                    when.join(", ")
                ),
            );
        }
    }

    fn known_source(&mut self, span: &Range<usize>, id: &str, known: &[Source]) -> bool {
        let ok = known.iter().any(|k| k.id == id);
        if !ok {
            self.problem(
                span,
                id,
                format!("unknown source (not in {SOURCES}){}", look_alike(id)),
            );
        }
        ok
    }

    /// `start`/`end`, or `after` alone, as a span of dates.
    fn dates(&mut self, start: &S<String>, end: &S<String>, after: &S<String>) -> Option<DateSpan> {
        let Some(a) = after else {
            return self.span_of(start, end);
        };
        if start.is_some() || end.is_some() {
            self.problem(
                &a.span(),
                a.get_ref(),
                "`after` is a lower bound on its own: leave out `start` and `end`",
            );
            return None;
        }
        self.date(after).ok().flatten().map(DateSpan::on_or_after)
    }

    fn line(&self, span: &Range<usize>) -> usize {
        self.lines.line(span.start)
    }

    fn problem(&mut self, span: &Range<usize>, value: &str, message: impl Into<String>) {
        let line = self.line(span);
        self.problems
            .push(Problem::new(self.path, Some(line), value, message));
    }

    /// A required, non-empty string without control characters ([`Self::present`]).
    fn required(&mut self, record: &Range<usize>, field: &S<String>, name: &str) -> String {
        let value = self.present(record, field, name);
        if let (Some(v), Some(m)) = (field, super::lines::control_character(&value)) {
            self.problem(&v.span(), &value, format!("`{name}` {m}"));
        }
        value
    }

    /// A required, non-empty string, trimmed; a problem on the record's line if missing.
    fn present(&mut self, record: &Range<usize>, field: &S<String>, name: &str) -> String {
        match field {
            Some(v) if !v.get_ref().trim().is_empty() => v.get_ref().trim().to_owned(),
            Some(v) => {
                self.problem(&v.span(), "", format!("`{name}` must not be empty"));
                String::new()
            }
            None => {
                self.problem(record, "", format!("missing required field `{name}`"));
                String::new()
            }
        }
    }

    fn optional(field: &S<String>) -> String {
        field
            .as_ref()
            .map(|v| v.get_ref().trim().to_owned())
            .unwrap_or_default()
    }

    fn id(
        &mut self,
        record: &Range<usize>,
        field: &S<String>,
        seen: &mut HashMap<String, usize>,
    ) -> String {
        // A slug holds no control character: the slug's problem says what is wrong.
        let id = self.present(record, field, "id");
        if let Some(v) = field {
            if !id.is_empty() && !is_slug(&id) {
                self.problem(
                    &v.span(),
                    &id,
                    format!(
                        "id must be a slug: lower-case letters, digits and hyphens{}",
                        look_alike(&id)
                    ),
                );
            }
            let line = self.line(&v.span());
            if let Some(first) = seen.get(&id) {
                let first = *first;
                self.problem(
                    &v.span(),
                    &id,
                    format!("duplicate id (first on line {first})"),
                );
            } else if !id.is_empty() {
                seen.insert(id.clone(), line);
            }
        }
        id
    }

    fn country_code(&mut self, span: &Range<usize>, code: &str) -> Option<String> {
        match country::by_alpha2(code) {
            Some(c) => Some(c.alpha2.to_owned()),
            None => {
                self.problem(
                    span,
                    code,
                    format!(
                        "unknown country code (expected ISO 3166-1 alpha-2, upper case){}",
                        look_alike(code)
                    ),
                );
                None
            }
        }
    }

    fn country(&mut self, record: &Range<usize>, field: &S<String>, name: &str) -> String {
        let code = self.required(record, field, name);
        match field {
            Some(v) if !code.is_empty() => self.country_code(&v.span(), &code).unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// A required list of country codes; an empty list says the article names none.
    fn countries(
        &mut self,
        record: &Range<usize>,
        field: &S<Vec<Spanned<String>>>,
        name: &str,
    ) -> Vec<String> {
        let Some(list) = field else {
            self.problem(
                record,
                "",
                format!("missing required field `{name}` (write [] if the article names none)"),
            );
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        for c in list.get_ref() {
            let Some(code) = self.country_code(&c.span(), c.get_ref().trim()) else {
                continue;
            };
            // A country given twice is a slip for another one, as often as not (probe,
            // session 42: `["RU", "KZ", "RU"]` was taken as two countries, silently).
            if out.contains(&code) {
                self.problem(&c.span(), &code, format!("`{name}`: given twice"));
                continue;
            }
            out.push(code);
        }
        out.sort();
        out
    }

    fn source_ids(
        &mut self,
        record: &Range<usize>,
        field: &S<Vec<Spanned<String>>>,
        known: &[Source],
    ) -> Vec<String> {
        let Some(list) = field else {
            self.problem(
                record,
                "",
                "missing required field `sources` (every record names its article)",
            );
            return Vec::new();
        };
        if list.get_ref().is_empty() {
            self.problem(&list.span(), "", "`sources` must name at least one article");
        }
        let mut out = Vec::new();
        for s in list.get_ref() {
            if known.iter().any(|k| &k.id == s.get_ref()) {
                out.push(s.get_ref().clone());
            } else {
                self.problem(
                    &s.span(),
                    s.get_ref(),
                    format!(
                        "unknown source (not in {SOURCES}){}",
                        look_alike(s.get_ref())
                    ),
                );
            }
        }
        let has_article = known
            .iter()
            .any(|k| k.file.is_some() && out.contains(&k.id));
        if !out.is_empty() && !has_article {
            self.problem(
                &list.span(),
                &out.join(", "),
                "`sources` names no article (a source with a `file`)",
            );
        }
        out
    }

    fn date(&mut self, field: &S<String>) -> Result<Option<ReportedDate>, ()> {
        let Some(v) = field else { return Ok(None) };
        ReportedDate::parse(v.get_ref().trim())
            .map(Some)
            .map_err(|e| {
                self.problem(&v.span(), v.get_ref(), e.to_string());
            })
    }

    fn span_of(&mut self, start: &S<String>, end: &S<String>) -> Option<DateSpan> {
        let (s, e) = (self.date(start), self.date(end));
        let (Ok(s), Ok(e)) = (s, e) else { return None };
        match (DateSpan::new(s, e), end) {
            (Ok(span), _) => Some(span),
            (Err(why), Some(ev)) => {
                let message = match (why, start) {
                    (SpanError::Reversed, Some(sv)) => {
                        format!("end date is before the start date {}", sv.get_ref())
                    }
                    (SpanError::NoStart, _) => {
                        "`end` without `start`: give the first day too (or `after` alone \
                         for a lower bound)"
                            .to_owned()
                    }
                    _ => format!("`start` and `end`: {why}"),
                };
                self.problem(&ev.span(), ev.get_ref(), message);
                None
            }
            // Without an end, a span is always made.
            (Err(_), None) => None,
        }
    }

    /// A site's own `start` and `end` lie within its exercise's period (`exercise`, whose
    /// `start` field is `exercise_start`): a stage is part of its exercise, so a site that
    /// surely starts before it or ends after it (a year slipped when a stage was copied) is
    /// a problem on the site's date naming the exercise's line. Malformed dates are
    /// reported where they are read.
    fn within_exercise(
        &mut self,
        site: [&S<String>; 2],
        exercise: &DateSpan,
        exercise_start: &S<String>,
    ) {
        let (Some(first), Some(last), false) = (exercise.start, exercise.end, exercise.open_end)
        else {
            return;
        };
        fn date(f: &S<String>) -> Option<(&Spanned<String>, ReportedDate)> {
            let v = f.as_ref()?;
            Some((v, ReportedDate::parse(v.get_ref().trim()).ok()?))
        }
        let [start, end] = site;
        let outside = date(start)
            .filter(|(_, d)| d.last < first || d.first > last)
            .or_else(|| date(end).filter(|(_, d)| d.first > last || d.last < first));
        let Some((v, _)) = outside else { return };
        let line = exercise_start
            .as_ref()
            .map(|e| format!(" (line {})", self.line(&e.span())))
            .unwrap_or_default();
        self.problem(
            &v.span(),
            v.get_ref(),
            format!("the site's dates lie outside its exercise's period {first} to {last}{line}"),
        );
    }

    fn count(&mut self, field: &S<i64>) -> Option<Count> {
        let v = field.as_ref()?;
        match Count::try_from(*v.get_ref()) {
            Ok(n) => Some(n),
            Err(_) => {
                self.problem(
                    &v.span(),
                    &v.get_ref().to_string(),
                    format!("a count must be a whole number from 0 to {}", Count::MAX),
                );
                None
            }
        }
    }

    /// The place a site names: `reported` (a quote of the record's articles) is required
    /// unless `located_by` names the source that places it.
    /// `fields` are `place`, `reported` and `located_by`; `cites` the known sources and
    /// the record's.
    fn place(
        &mut self,
        record: &Range<usize>,
        fields: [&S<String>; 3],
        country: String,
        cites: (&[Source], &[String]),
    ) -> PlaceRef {
        let [place, reported, located_by] = fields;
        let (known, sources) = cites;
        let query = self.required(record, place, "place");
        let located_by_given = located_by.is_some();
        // Kept when unknown, that being its one problem: the place is not then said to
        // lack one as well (probe, session 45: "cite the source that places it with
        // `located_by`" came first for a mistyped `located_by`).
        let located_by = located_by.as_ref().map(|l| {
            let id = l.get_ref().trim();
            self.known_source(&l.span(), id, known);
            id.to_owned()
        });
        let reported_field = reported;
        // A `located_by` given stands in for `reported` even when its source is unknown:
        // that is its one problem, not a missing `reported` as well (probe, session 43).
        let text = if located_by_given && reported.is_none() {
            String::new()
        } else {
            self.required(record, reported, "reported")
        };
        if let (Some(r), false) = (reported_field, text.is_empty()) {
            self.quote(&r.span(), &text, sources, "`reported`", false);
        }
        let line = place
            .as_ref()
            .map_or_else(|| self.line(record), |p| self.line(&p.span()));
        PlaceRef {
            query,
            reported: text,
            located_by,
            country,
            date: None,
            path: self.path.to_path_buf(),
            line,
        }
    }

    fn site_country(&mut self, field: &S<String>, default: &str) -> String {
        match field {
            Some(v) => self
                .country_code(&v.span(), v.get_ref().trim())
                .unwrap_or_default(),
            None => default.to_owned(),
        }
    }

    fn sources(&mut self, raw: Vec<Spanned<RawSource>>) -> Vec<Source> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for r in raw {
            let span = r.span();
            let r = r.into_inner();
            let known = seen.len();
            let id = self.id(&span, &r.id, &mut seen);
            // A second source of one id is a problem, and not the source its records cite:
            // the first is (probe, session 39: the later one was used, so the records'
            // quotes were looked for in its file and reported missing there).
            let again = seen.len() == known && seen.contains_key(&id);
            let line =
                r.id.as_ref()
                    .map_or_else(|| self.line(&span), |v| self.line(&v.span()));
            let text = |field: &S<String>| field.as_ref().map(|v| v.get_ref().trim().to_owned());
            let mut source = Source {
                id,
                file: text(&r.file),
                publisher: self.present(&span, &r.publisher, "publisher"),
                title: self.present(&span, &r.title, "title"),
                published: text(&r.published),
                // An empty `url` is none; an empty `file` is refused.
                url: text(&r.url).filter(|u| !u.is_empty()),
                note: Self::optional(&r.note),
                line,
            };
            for p in source_problems(&source) {
                let field = match p.field {
                    "id" => &r.id,
                    "file" => &r.file,
                    "publisher" => &r.publisher,
                    "title" => &r.title,
                    "published" => &r.published,
                    "url" => &r.url,
                    _ => &r.note,
                };
                let at = field.as_ref().map_or_else(|| span.clone(), Spanned::span);
                self.problem(&at, &p.value, p.to_string());
            }
            source.file = source.file.filter(|f| !f.is_empty());
            if source.file.is_none() && source.url.is_none() {
                self.problem(
                    &span,
                    &source.id,
                    "a source needs a `file` (an article in articles/) or a `url` a reader can open",
                );
            }
            if !again {
                out.push(source);
            }
        }
        out
    }

    /// The exercises, their ids (with their lines) left in `seen`.
    fn exercises(
        &mut self,
        raw: Vec<Spanned<RawExercise>>,
        sources: &[Source],
        seen: &mut HashMap<String, usize>,
    ) -> Vec<Exercise> {
        let mut out = Vec::new();
        for r in raw {
            let span = r.span();
            let r = r.into_inner();
            let id = self.id(&span, &r.id, seen);
            let host = r
                .host
                .as_ref()
                .and_then(|h| self.country_code(&h.span(), h.get_ref().trim()));
            let record_sources = self.source_ids(&span, &r.sources, sources);
            let values = set(&[
                ("participants", listed(&r.participants)),
                ("invited", listed(&r.invited)),
                ("host", r.host.is_some()),
                ("troops", r.troops.is_some()),
                ("equipment", r.equipment.is_some()),
                ("start", r.start.is_some()),
                ("end", r.end.is_some()),
                ("after", r.after.is_some()),
            ]);
            let evidence = self.evidence(
                (EXERCISE_FIELDS, &values),
                r.evidence,
                sources,
                &record_sources,
            );
            self.backed(&r.troops, "troops", &evidence);
            self.backed(&r.equipment, "equipment", &evidence);
            self.count_in_quote(&r.troops, ("troops", CountKind::Troops), &evidence);
            self.count_in_quote(&r.equipment, ("equipment", CountKind::Equipment), &evidence);
            self.backed(&r.start, "start", &evidence);
            self.backed(&r.end, "end", &evidence);
            self.backed(&r.after, "after", &evidence);
            for (field, name) in [(&r.start, "start"), (&r.end, "end"), (&r.after, "after")] {
                self.date_in_quotes(field, name, &evidence, (sources, &record_sources));
            }
            let dates = self
                .dates(&r.start, &r.end, &r.after)
                .unwrap_or(DateSpan::UNKNOWN);
            let mut site_ids = HashMap::new();
            let mut sites = Vec::new();
            // Whether a site lies in the host: one without a country of its own is looked
            // up in it, one with the host's as its own.
            let mut hosted = false;
            for s in r.site {
                let sspan = s.span();
                let s = s.into_inner();
                let sid = self.id(&sspan, &s.id, &mut site_ids);
                let country = self.site_country(&s.country, host.as_deref().unwrap_or(""));
                hosted |= host.as_deref().is_some_and(|h| h == country);
                let mut place = self.place(
                    &sspan,
                    [&s.place, &s.reported, &s.located_by],
                    country,
                    (sources, &record_sources),
                );
                // A site gives its own participants and dates, nothing else.
                let values = set(&[
                    ("participants", listed(&s.participants)),
                    ("start", s.start.is_some()),
                    ("end", s.end.is_some()),
                    ("after", s.after.is_some()),
                ]);
                let site_evidence = self.evidence(
                    (EXERCISE_FIELDS, &values),
                    s.evidence,
                    sources,
                    &record_sources,
                );
                self.backed(&s.start, "start", &site_evidence);
                self.backed(&s.end, "end", &site_evidence);
                self.backed(&s.after, "after", &site_evidence);
                for (field, name) in [(&s.start, "start"), (&s.end, "end"), (&s.after, "after")] {
                    self.date_in_quotes(field, name, &site_evidence, (sources, &record_sources));
                }
                let participants = s
                    .participants
                    .is_some()
                    .then(|| self.countries(&sspan, &s.participants, "participants"));
                if participants.is_some()
                    && !site_evidence.iter().any(|e| e.field == "participants")
                {
                    self.problem(
                        &sspan,
                        &sid,
                        "the site's own `participants` are backed by no quote or cited source",
                    );
                }
                self.countries_in_quotes(&s.participants, "participants", &site_evidence);
                let own = s.start.is_some() || s.end.is_some() || s.after.is_some();
                let site_dates = if own {
                    self.within_exercise([&s.start, &s.end], &dates, &r.start);
                    self.dates(&s.start, &s.end, &s.after)
                        .unwrap_or(DateSpan::UNKNOWN)
                } else {
                    dates
                };
                place.date = site_dates.start;
                sites.push(Site {
                    id: sid,
                    stage: s
                        .stage
                        .map(|v| v.into_inner().trim().to_owned())
                        .filter(|v| !v.is_empty()),
                    place,
                    dates: site_dates,
                    participants,
                    note: Self::optional(&s.note),
                    evidence: site_evidence,
                });
            }
            // A host no site lies in is a fact of its own (probe, session 45: `host = "US"`
            // passed beside a site in Tajikistan, backed by nothing).
            if let (Some(h), false) = (&r.host, hosted) {
                if !evidence.iter().any(|e| e.field == "host") {
                    self.problem(
                        &h.span(),
                        h.get_ref(),
                        "`host` is the country of none of the sites, and is backed by no quote or cited source (add an `evidence` entry with field = \"host\")",
                    );
                }
            }
            // A host's quotes name it, as a participant's do (not as the enemy).
            let as_list = r
                .host
                .as_ref()
                .map(|h| Spanned::new(h.span(), vec![h.clone()]));
            self.countries_in_quotes(&as_list, "host", &evidence);
            let participants = self.countries(&span, &r.participants, "participants");
            self.backed_list(&r.participants, &participants, "participants", &evidence);
            self.countries_in_quotes(&r.participants, "participants", &evidence);
            let invited = if r.invited.is_some() {
                self.countries(&span, &r.invited, "invited")
            } else {
                Vec::new()
            };
            self.backed_list(&r.invited, &invited, "invited", &evidence);
            self.countries_in_quotes(&r.invited, "invited", &evidence);
            out.push(Exercise {
                name: self.required(&span, &r.name, "name"),
                kind: self.required(&span, &r.kind, "kind"),
                organisation: self.required(&span, &r.organisation, "organisation"),
                participants,
                invited,
                troops: self.count(&r.troops),
                equipment: self.count(&r.equipment),
                scenario: self.required(&span, &r.scenario, "scenario"),
                notes: Self::optional(&r.notes),
                sources: record_sources,
                id,
                host,
                dates,
                sites,
                evidence,
            });
        }
        out
    }

    fn status(&mut self, field: &S<String>, default: Option<BaseStatus>) -> Option<BaseStatus> {
        let Some(v) = field else { return default };
        match v.get_ref().as_str() {
            "active" => Some(BaseStatus::Active),
            "historic" => Some(BaseStatus::Historic),
            other => {
                self.problem(&v.span(), other, "status must be `active` or `historic`");
                default
            }
        }
    }

    /// The bases, their ids (with their lines) left in `seen`.
    fn bases(
        &mut self,
        raw: Vec<Spanned<RawBase>>,
        sources: &[Source],
        seen: &mut HashMap<String, usize>,
    ) -> Vec<Base> {
        let mut out = Vec::new();
        for r in raw {
            let span = r.span();
            let r = r.into_inner();
            let id = self.id(&span, &r.id, seen);
            let host = self.country(&span, &r.host, "host");
            let status = self.status(&r.status, Some(BaseStatus::Active));
            let mut site_ids = HashMap::new();
            let mut sites = Vec::new();
            if r.site.is_empty() {
                self.problem(&span, &id, "a base needs at least one [[base.site]]");
            }
            let record_sources = self.source_ids(&span, &r.sources, sources);
            for s in r.site {
                let sspan = s.span();
                let s = s.into_inner();
                let sid = self.id(&sspan, &s.id, &mut site_ids);
                let country = self.site_country(&s.country, &host);
                let mut place = self.place(
                    &sspan,
                    [&s.place, &s.reported, &s.located_by],
                    country,
                    (sources, &record_sources),
                );
                let values = set(&[
                    ("since", s.since.is_some()),
                    ("until", s.until.is_some()),
                    ("last_reported", s.last_reported.is_some()),
                ]);
                let evidence =
                    self.evidence((BASE_FIELDS, &values), s.evidence, sources, &record_sources);
                self.backed(&s.since, "since", &evidence);
                self.backed(&s.until, "until", &evidence);
                self.backed(&s.last_reported, "last_reported", &evidence);
                for (field, name) in [
                    (&s.since, "since"),
                    (&s.until, "until"),
                    (&s.last_reported, "last_reported"),
                ] {
                    self.date_in_quotes(field, name, &evidence, (sources, &record_sources));
                }
                let site_status = self.status(&s.status, status).unwrap_or(BaseStatus::Active);
                let since = self.date(&s.since).ok().flatten();
                let until = self.date(&s.until).ok().flatten();
                let last_reported = self.date(&s.last_reported).ok().flatten();
                match (site_status, &s.until) {
                    (BaseStatus::Historic, None) => {
                        self.problem(&sspan, &sid, "a historic site needs an `until` date");
                    }
                    (BaseStatus::Active, Some(u)) => {
                        self.problem(
                            &u.span(),
                            u.get_ref(),
                            "an active site has no `until` date (set status = \"historic\")",
                        );
                    }
                    _ => {}
                }
                if let (Some(a), Some(b), Some(u)) = (since, until, &s.until) {
                    if b.last < a.first {
                        self.problem(&u.span(), u.get_ref(), "`until` is before `since`");
                    }
                }
                // A report of the site in use lies within its life: not wholly before its
                // `since`, not wholly after its `until`.
                if let (Some(r), Some(text)) = (last_reported, &s.last_reported) {
                    if since.is_some_and(|a| r.last < a.first) {
                        self.problem(
                            &text.span(),
                            text.get_ref(),
                            "`last_reported` is before `since`",
                        );
                    } else if until.is_some_and(|b| r.first > b.last) {
                        self.problem(
                            &text.span(),
                            text.get_ref(),
                            "`last_reported` is after `until`",
                        );
                    } else if let Some(p) = latest_publication(&evidence, &record_sources, sources)
                    {
                        // A report cannot be of a day after the last article backing it.
                        if r.first > p.0 {
                            self.problem(
                                &text.span(),
                                text.get_ref(),
                                format!(
                                    "`last_reported` is after its sources were published (the latest on {})",
                                    p.1
                                ),
                            );
                        }
                    }
                }
                // A historic site is placed as the place was then (from its `since`, else its
                // `until`); an active one as it is.
                if site_status == BaseStatus::Historic {
                    place.date = since.map(|d| d.first).or(until.map(|d| d.last));
                }
                sites.push(BaseSite {
                    id: sid,
                    name: self.required(&sspan, &s.name, "name"),
                    place,
                    status: site_status,
                    since,
                    until,
                    last_reported,
                    note: Self::optional(&s.note),
                    evidence,
                });
            }
            let values = set(&[
                ("operator", r.operator.is_some()),
                ("host", r.host.is_some()),
                ("units", listed(&r.units)),
            ]);
            let evidence =
                self.evidence((BASE_FIELDS, &values), r.evidence, sources, &record_sources);
            let operator = self.country(&span, &r.operator, "operator");
            let units = r
                .units
                .as_ref()
                .map(|u| u.get_ref().clone())
                .unwrap_or_default();
            let reported: Vec<&str> = sites.iter().map(|s| s.place.reported.as_str()).collect();
            let quotes = (evidence.as_slice(), reported.as_slice());
            let names_country = |code: &str| {
                let code = code.to_owned();
                move |q: &str| crate::names::countries::countries_named(q).contains(code.as_str())
            };
            if let Some(v) = &r.operator {
                self.named_by_base(
                    &v.span(),
                    &operator,
                    "operator",
                    quotes,
                    names_country(&operator),
                );
            }
            if let Some(v) = &r.host {
                self.named_by_base(&v.span(), &host, "host", quotes, names_country(&host));
            }
            if let Some(v) = &r.units {
                for unit in &units {
                    // A blank unit is named by any text (probe, session 27: `units = [""]`
                    // passed and was published), and so is one of punctuation only (probe,
                    // session 31: `units = ["-"]`): the rule of every quote.
                    if !holds_word(unit) {
                        self.problem(
                            &v.span(),
                            unit,
                            "a unit in `units` must hold a word or number (it must not be \
                             empty)",
                        );
                        continue;
                    }
                    // Named whole, by the rule of every quote: "Base 20" is not in "Base 201".
                    let wanted = crate::evidence::normalise(unit).to_lowercase();
                    self.named_by_base(&v.span(), unit, "units", quotes, |q| {
                        let quote = crate::evidence::normalise(q).to_lowercase();
                        crate::evidence::quote_missing(&[("", &quote)], &wanted).is_none()
                    });
                }
            }
            out.push(Base {
                name: self.required(&span, &r.name, "name"),
                operator,
                units,
                notes: Self::optional(&r.notes),
                sources: record_sources,
                id,
                host,
                sites,
                evidence,
            });
        }
        out
    }
}

/// The latest publication date of the sources that may back a field's evidence: a cited
/// source's own, or, for a quote, any of the record's sources (the quote is in one of
/// them): its last day and its text. `None` when one of them has no publication date
/// (nothing is known then).
fn latest_publication<'a>(
    evidence: &[Evidence],
    record_sources: &[String],
    sources: &'a [Source],
) -> Option<(Day, &'a str)> {
    publications(evidence, "last_reported", record_sources, sources)?
        .into_iter()
        .map(|(date, text)| (date.last, text))
        .max_by_key(|p| p.0)
}

/// When the sources backing `field` were published: the source each of its evidence entries
/// cites, else the record's, each with its `published` as written; `None` when one of them
/// has no known date (nothing is known then).
fn publications<'a>(
    evidence: &[Evidence],
    field: &str,
    record_sources: &[String],
    sources: &'a [Source],
) -> Option<Vec<(ReportedDate, &'a str)>> {
    let mut out = Vec::new();
    for e in evidence.iter().filter(|e| e.field == field) {
        let ids: Vec<&str> = match &e.source {
            Some(id) => vec![id.as_str()],
            None => record_sources.iter().map(String::as_str).collect(),
        };
        for id in ids {
            let text = sources.iter().find(|s| s.id == id)?.published.as_deref()?;
            out.push((ReportedDate::parse(text).ok()?, text));
        }
    }
    Some(out)
}

/// Whether `text` holds a word or number (a letter or digit): what a quote must hold to
/// back anything, and a unit to be named by one (punctuation is in every article).
fn holds_word(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_place_is_asked_for_on_its_records_day() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small");
        let (dataset, _) = read(&dir).unwrap();
        let days: Vec<(&str, Option<String>)> = dataset
            .place_refs()
            .map(|p| (p.query.as_str(), p.date.map(|d| d.to_string())))
            .collect();
        let day = |q: &str| {
            days.iter()
                .find(|(query, _)| *query == q)
                .and_then(|(_, d)| d.clone())
        };
        // An exercise site's own start, its first day for a month.
        assert_eq!(day("Харб-Майдон").as_deref(), Some("2021-08-05"));
        assert_eq!(day("Termiz training ground").as_deref(), Some("2021-08-01"));
        // A historic base site as it was at its `since`; an active one as it is now.
        assert_eq!(day("Ayni air base").as_deref(), Some("2015-01-01"));
        assert_eq!(day("Dushanbe"), None);
    }

    /// The small fixture read with each file's text passed through `edit(name, text)`.
    fn read_edited(edit: impl Fn(&str, String) -> String) -> (Dataset, Vec<Problem>) {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small");
        let dir = tempfile::tempdir().unwrap();
        for f in ["places.csv", "sources.toml", "exercises.toml", "bases.toml"] {
            let text = std::fs::read_to_string(fixture.join(f)).unwrap();
            std::fs::write(dir.path().join(f), edit(f, text)).unwrap();
        }
        read(dir.path()).unwrap()
    }

    #[test]
    fn a_count_is_a_whole_number_of_its_quote() {
        assert!(quote_gives(
            "involving around 1,500 troops",
            1500,
            CountKind::Troops
        ));
        assert!(quote_gives("with 12 500 troops", 12_500, CountKind::Troops));
        // Probe, session 45: a number of another measure is no count.
        assert!(!quote_gives(
            "1,500 troops marched 50 km",
            50,
            CountKind::Troops
        ));
        assert!(quote_gives(
            "1,500 troops marched 50 km",
            1500,
            CountKind::Troops
        ));
        assert!(!quote_gives(
            "The Vostok 2022 exercise involved 50,000 troops",
            2022,
            CountKind::Troops
        ));
        assert!(quote_gives(
            "with 12\u{a0}500 troops",
            12_500,
            CountKind::Troops
        ));
        assert!(!quote_gives("with 12 500 troops", 500, CountKind::Troops));
        assert!(!quote_gives("with 12 500 troops", 12, CountKind::Troops));
        assert!(quote_gives("1500 troops", 1500, CountKind::Troops));
        assert!(!quote_gives(
            "Zapad-2021 with 150 troops",
            15,
            CountKind::Troops
        ));
        // A number in a name counts nothing (probe, session 44: "Rubezh-2023 exercise"
        // backed `troops = 2023`).
        assert!(!quote_gives(
            "the Rubezh-2023 exercise",
            2023,
            CountKind::Troops
        ));
        assert!(!quote_gives("with T-72 tanks", 72, CountKind::Equipment));
        assert!(quote_gives("with 70 T-72 tanks", 70, CountKind::Equipment));
        assert!(quote_gives(
            "Russian-Tajik 300 troops",
            300,
            CountKind::Troops
        ));
        assert!(quote_gives("1,000-1,500 troops", 1500, CountKind::Troops));
        // A day or a year of a date counts nothing (probe, session 26).
        let q = "would run from July 30 to August 10 with 30 vehicles";
        assert!(
            quote_gives(q, 30, CountKind::Equipment),
            "the count after the date"
        );
        assert!(!quote_gives(
            "would run from July 30 to August 10",
            30,
            CountKind::Troops
        ));
        assert!(!quote_gives(
            "take place August 5-10",
            10,
            CountKind::Troops
        ));
        assert!(!quote_gives("held on 5 May 2021", 2021, CountKind::Troops));
        assert!(quote_gives(
            "some 2021 troops on 5 May",
            2021,
            CountKind::Troops
        ));
        // A number counting the other thing is not this count (probe, session 39).
        let q = "involving around 1,500 troops and 200 vehicles";
        assert!(!quote_gives(q, 200, CountKind::Troops));
        assert!(!quote_gives(q, 1500, CountKind::Equipment));
        assert!(quote_gives(q, 200, CountKind::Equipment));
        assert!(quote_gives(
            "involving around 1,500",
            1500,
            CountKind::Equipment
        ));
        assert!(quote_gives(
            "более 50 тысяч военнослужащих",
            50_000,
            CountKind::Troops
        ));
        assert!(!quote_gives(
            "более 50 тысяч военнослужащих",
            50,
            CountKind::Troops
        ));
        assert!(quote_gives("1.5 million", 1_500_000, CountKind::Troops));
        assert!(!quote_gives("1.5 million", 5, CountKind::Troops));
        // A decimal alone, or a dotted date, backs none of its pieces.
        assert!(!quote_gives("along a 1.5 km front", 5, CountKind::Troops));
        assert!(!quote_gives("from 18.10.2021", 18, CountKind::Troops));
    }

    /// Probe (session 43): a site's `located_by` naming an unknown source was reported
    /// twice, as the unknown source and as a missing `reported`, which the site does not
    /// need.
    #[test]
    fn an_unknown_located_by_is_one_problem_not_a_missing_reported_too() {
        let (_, problems) = read_edited(|f, text| {
            if f == "exercises.toml" {
                text.replace(
                    "reported = \"near Termez\"\nlocated_by = \"test\"",
                    "located_by = \"no-such-source\"",
                )
            } else {
                text
            }
        });
        let got: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.value, p.message))
            .collect();
        assert_eq!(
            got,
            ["no-such-source: unknown source (not in sources.toml)"],
            "{problems:?}"
        );
    }

    /// Probe (session 43): `participants = ["KZ"]` backed by "Казахстан не принял участия
    /// в учениях" passed `check`, as did "Chinese-made armoured vehicles" for CN: the quote
    /// named the country, though as what `extract` reads as not taking part.
    #[test]
    fn a_quote_naming_a_country_as_not_taking_part_backs_no_participant() {
        let problems_with = |field: &str, list: &str, quote: &str| {
            let (_, problems) = read_edited(|f, text| {
                if f != "exercises.toml" {
                    return text;
                }
                let set = if field == "participants" {
                    format!("participants = {list}")
                } else {
                    format!("participants = [\"RU\", \"TJ\"]\n{field} = {list}")
                };
                text.replace("participants = [\"RU\", \"TJ\"]", &set)
                .replace(
                    "evidence = [{ field = \"participants\"",
                    &format!(
                        "evidence = [{{ field = \"{field}\", quote = \"{quote}\" }}, {{ field = \"participants\""
                    ),
                )
            });
            problems
                .into_iter()
                .map(|p| format!("{}: {}", p.value, p.message))
                .collect::<Vec<_>>()
        };
        for (quote, as_what) in [
            (
                "Казахстан не принял участия в учениях",
                "as not taking part",
            ),
            ("Kazakhstan did not take part", "as not taking part"),
            (
                "troops used Kazakh-made armoured vehicles",
                "as the maker of equipment",
            ),
            ("observers from Kazakhstan attended", "as an observer"),
            ("Russia invited Kazakhstan", "as invited"),
        ] {
            let got = problems_with("participants", "[\"RU\", \"TJ\", \"KZ\"]", quote);
            let want = format!(
                "KZ: `participants`: its evidence quotes name it only {as_what}: quote the words that say it is one of the participants"
            );
            assert_eq!(got, [want], "{quote}");
        }
        // Named as taking part in one quote of several is enough.
        assert_eq!(
            problems_with(
                "participants",
                "[\"RU\", \"TJ\", \"KZ\"]",
                "Kazakh troops joined them"
            ),
            Vec::<String>::new()
        );
        // An invited country may have stayed away or watched, not made the equipment.
        for (quote, ok) in [
            ("Russia invited Kazakhstan", true),
            ("Kazakhstan did not take part", true),
            ("observers from Kazakhstan attended", true),
            ("troops used Kazakh-made armoured vehicles", false),
        ] {
            let got = problems_with("invited", "[\"KZ\"]", quote);
            assert_eq!(got.is_empty(), ok, "{quote}: {got:?}");
        }
    }

    #[test]
    fn a_historic_site_without_since_is_asked_for_on_its_last_day() {
        let (dataset, _) = read_edited(|f, text| {
            if f == "bases.toml" {
                text.replace("since = \"2015\"\n", "")
                    .replace("{ field = \"since\", quote = \"from 2015\" }, ", "")
            } else {
                text
            }
        });
        let ayni = dataset
            .place_refs()
            .find(|p| p.query == "Ayni air base")
            .and_then(|p| p.date.map(|d| d.to_string()));
        assert_eq!(ayni.as_deref(), Some("2020-06-30"));
    }

    #[test]
    fn last_reported_is_backed_and_within_the_sites_life() {
        // Ayni: since 2015, until June 2020.
        let ayni = |value: &str, backed: bool| {
            read_edited(|f, text| {
                if f != "bases.toml" {
                    return text;
                }
                let evidence = if backed {
                    "{ field = \"last_reported\", source = \"test\" }, "
                } else {
                    ""
                };
                text.replace(
                    "until = \"2020-06\"\nevidence = [",
                    &format!(
                        "until = \"2020-06\"\nlast_reported = \"{value}\"\nevidence = [{evidence}"
                    ),
                )
            })
        };
        let messages = |problems: Vec<Problem>| -> Vec<(String, String)> {
            problems.into_iter().map(|p| (p.value, p.message)).collect()
        };
        let (dataset, problems) = ayni("2019-05", true);
        assert_eq!(messages(problems), []);
        let site = &dataset.bases[0].sites[1];
        assert_eq!(site.id, "ayni");
        assert_eq!(
            site.last_reported.map(|d| d.first.to_string()).as_deref(),
            Some("2019-05-01")
        );
        // The edges of its life are inside it: a report in June 2020 or in 2015.
        assert_eq!(messages(ayni("2020-06-30", true).1), []);
        assert_eq!(messages(ayni("2015", true).1), []);
        let (_, problems) = ayni("2014-12", true);
        assert_eq!(
            messages(problems),
            [("2014-12".into(), "`last_reported` is before `since`".into())]
        );
        let (_, problems) = ayni("2020-07-01", true);
        assert_eq!(
            messages(problems),
            [(
                "2020-07-01".into(),
                "`last_reported` is after `until`".into()
            )]
        );
        let (_, problems) = ayni("2019-05", false);
        let problems = messages(problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0]
                .1
                .starts_with("`last_reported` is backed by no quote"),
            "{problems:?}"
        );
        let (_, problems) = ayni("2019-13", true);
        assert!(messages(problems).iter().any(|(v, _)| v == "2019-13"));
    }

    /// Probe, session 45: a mistyped year passed where the quote writes none ("from August
    /// 5 to August 10" backed `2081-08-05`). The year is then within a year of when the
    /// sources backing the field were published; a quote writing its year, or a source
    /// of unknown date, leaves it to that.
    #[test]
    fn a_year_no_quote_writes_is_near_the_publication() {
        let problems = |year: &str, quote: &str, published: &str| {
            read_edited(|f, text| match f {
                "exercises.toml" => text.replace("2021-08-", &format!("{year}-08-")).replace(
                    "{ field = \"start\", quote = \"from August 5 to August 10\" }",
                    &format!("{{ field = \"start\", quote = \"{quote}\" }}"),
                ),
                "sources.toml" => text.replace("2021-07-20", published),
                _ => text,
            })
            .1
            .into_iter()
            .map(|p| (p.value, p.message))
            .collect::<Vec<_>>()
        };
        let q = "from August 5 to August 10";
        assert_eq!(problems("2021", q, "2021-07-20"), []);
        assert_eq!(problems("2022", q, "2021-07-20"), [], "a year either side");
        let found = problems("2081", q, "2021-07-20");
        assert_eq!(found.len(), 2, "start and end: {found:?}");
        assert_eq!(found[0].0, "2081-08-05");
        assert!(
            found[0].1.starts_with("`start`: no quote writes its year, and it is more than a year from when its sources were published (2021-07-20)"),
            "{found:?}"
        );
        assert_eq!(
            problems("2019", q, "2021").len(),
            2,
            "2019 is two years before"
        );
        // A quote with no date gives none to compare (review, session 46).
        assert_eq!(
            problems("2081", "the drills will be held", "2021-07-20").len(),
            1,
            "`end` only"
        );
        // The quote writes the year: it is compared, the publication is not (`end` is
        // still backed by the year-less quote).
        assert_eq!(
            problems("2081", "from August 5, 2081", "2021-07-20").len(),
            1,
            "`end` only"
        );
    }

    /// Probe 6 L1: a `last_reported` after the publication of every source that may
    /// back it (or far in the future) passed `check`. A report is of a day on or before
    /// the latest of them; with a source of unknown date nothing is known.
    #[test]
    fn last_reported_is_not_after_its_sources_were_published() {
        let ayni = |value: &str, published: Option<&str>| {
            read_edited(|f, text| match f {
                "bases.toml" => text.replace(
                    "until = \"2020-06\"\nevidence = [",
                    &format!(
                        "until = \"2020-06\"\nlast_reported = \"{value}\"\nevidence = [{{ field = \"last_reported\", source = \"test\" }}, "
                    ),
                ),
                "sources.toml" => match published {
                    Some(p) => text.replace(
                        "id = \"test\"\n",
                        &format!("id = \"test\"\npublished = \"{p}\"\n"),
                    ),
                    None => text,
                },
                _ => text,
            })
            .1
            .into_iter()
            .map(|p| (p.value, p.message))
            .collect::<Vec<_>>()
        };
        assert_eq!(ayni("2019-06-30", Some("2019-06")), []);
        assert_eq!(
            ayni("2019-06", Some("2019-06-15")),
            [],
            "June overlaps the day"
        );
        assert_eq!(
            ayni("2019-07", Some("2019-06")),
            [(
                "2019-07".into(),
                "`last_reported` is after its sources were published (the latest on 2019-06)"
                    .into()
            )]
        );
        // Without a publication date, nothing to compare with.
        assert_eq!(ayni("2019-07", None), []);
    }

    #[test]
    fn an_evidence_field_belongs_to_its_kind_of_record() {
        // A base's field on an exercise, an exercise's on a base: each backs nothing.
        let (_, problems) = read_edited(|_, text| {
            text.replace(
                "{ field = \"troops\", quote",
                "{ field = \"operator\", quote",
            )
            .replace("{ field = \"until\", quote", "{ field = \"end\", quote")
        });
        let unknown: Vec<(String, String)> = problems
            .iter()
            .filter(|p| p.message.starts_with("unknown evidence field"))
            .map(|p| (p.value.clone(), p.message.clone()))
            .collect();
        assert_eq!(unknown.len(), 2, "{problems:?}");
        assert_eq!(unknown[0].0, "operator");
        assert!(
            unknown[0].1.contains("participants, invited, host, troops"),
            "{unknown:?}"
        );
        assert_eq!(unknown[1].0, "end");
        assert!(
            unknown[1]
                .1
                .contains("operator, host, units, since, until, last_reported"),
            "{unknown:?}"
        );
    }

    /// Probe, session 39: evidence for a field the record or site does not set (`equipment`
    /// on an exercise without equipment, `end` on a site with only a start, `troops` on a
    /// site, which has no troops) was accepted and published beside no value.
    #[test]
    fn evidence_backs_a_value_the_record_or_site_sets() {
        let (_, problems) = read_edited(|f, text| {
            if f != "exercises.toml" {
                return text;
            }
            text.replace(
                "{ field = \"troops\", quote = \"with 1,500 troops\" }]",
                "{ field = \"troops\", quote = \"with 1,500 troops\" }, { field = \"equipment\", quote = \"with 1,500 troops\" }]",
            )
            .replace(
                "note = \"The year is the article's.\" }]",
                "note = \"The year is the article's.\" }, { field = \"end\", source = \"a\" }, { field = \"troops\", source = \"a\" }]",
            )
        });
        let idle: Vec<(&str, Option<usize>)> = problems
            .iter()
            .filter(|p| p.message.contains("which this record or site does not set"))
            .map(|p| (p.value.as_str(), p.line))
            .collect();
        assert_eq!(
            idle,
            [
                ("equipment", Some(11)),
                ("end", Some(27)),
                ("troops", Some(27))
            ],
            "{problems:?}"
        );
        // The shipped-shape fixture itself passes.
        let (_, problems) = read_edited(|_, text| text);
        assert!(problems.is_empty(), "{problems:?}");
    }

    /// Probe, session 45: an exercise's `host` was checked against nothing. It is the
    /// country of a site, or backed by a quote that names it (not as the enemy).
    #[test]
    fn a_host_is_a_site_s_country_or_backed_by_a_quote_naming_it() {
        let host_problems = |edit: &dyn Fn(String) -> String| {
            let (_, problems) = read_edited(|f, text| match f {
                "exercises.toml" => edit(text),
                _ => text,
            });
            problems
                .into_iter()
                .filter(|p| p.message.contains("host"))
                .map(|p| (p.value, p.message))
                .collect::<Vec<_>>()
        };
        // The fixture's TJ is its main site's country.
        assert_eq!(host_problems(&|t| t), []);
        // UZ is the second site's; US no site's.
        assert_eq!(
            host_problems(&|t| t.replace("host = \"TJ\"", "host = \"UZ\"")),
            []
        );
        // (A site without a country of its own is looked up in the host: the geocoder
        // checks it there. Here the main site gives its own.)
        let own = |t: String| {
            t.replace(
                "place = \"Харб-Майдон\"",
                "place = \"Харб-Майдон\"\ncountry = \"TJ\"",
            )
        };
        assert_eq!(host_problems(&|t| own(t)), []);
        let us = host_problems(&|t| own(t).replace("host = \"TJ\"", "host = \"US\""));
        assert_eq!(us.len(), 1, "{us:?}");
        assert!(
            us[0].1.contains("is the country of none of the sites"),
            "{us:?}"
        );
        // Backed by a quote naming it; a quote that does not name it is refused.
        let backed = |quote: &str| {
            let quote = quote.to_owned();
            host_problems(&move |t| {
                own(t)
                    .replace("host = \"TJ\"", "host = \"RU\"")
                    .replacen(
                        "{ field = \"troops\", quote = \"with 1,500 troops\" }]",
                        &format!(
                            "{{ field = \"troops\", quote = \"with 1,500 troops\" }}, {{ field = \"host\", quote = \"{quote}\" }}]"
                        ),
                        1,
                    )
            })
        };
        assert_eq!(backed("Russia and Tajikistan will hold drills"), []);
        let none = backed("with 1,500 troops");
        assert_eq!(none.len(), 1, "{none:?}");
        assert!(
            none[0].1.contains("named in none of its evidence quotes"),
            "{none:?}"
        );
    }

    /// Probe, session 39: a date written as a TOML date (`start = 2021-08-05`) was "invalid
    /// type: map, expected a string", naming no value.
    #[test]
    fn a_toml_date_is_told_to_be_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small");
        for f in ["places.csv", "sources.toml", "bases.toml"] {
            std::fs::copy(fixture.join(f), dir.path().join(f)).unwrap();
        }
        let text = std::fs::read_to_string(fixture.join("exercises.toml")).unwrap();
        let text = text.replacen("start = \"2021-08-05\"", "start = 2021-08-05", 1);
        std::fs::write(dir.path().join("exercises.toml"), text).unwrap();
        let e = read(dir.path()).unwrap_err().to_string();
        assert!(
            e.ends_with(
                "exercises.toml:16: \"2021-08-05\": a TOML date or time, not a string: write it in quotes (\"2021-08-05\")"
            ),
            "{e}"
        );
        assert_eq!(
            crate::read::input::toml_date("12:30:00")
                .as_deref()
                .map(|m| m.contains("quotes")),
            Some(true)
        );
        assert_eq!(crate::read::input::toml_date("2021"), None);
        assert_eq!(crate::read::input::toml_date("5"), None);
    }

    /// Probe, session 41: a key given twice was "duplicate key", naming no key.
    #[test]
    fn a_duplicate_key_is_named() {
        let text = "[[exercise]]\nid = \"a\"\ntroops = 5\ntroops = 6\n";
        let e = toml::from_str::<toml::Table>(text).unwrap_err();
        assert_eq!(
            crate::read::input::toml_message(&e, text),
            "duplicate key `troops`: each key is given once in a table"
        );
    }

    /// Probe, session 39: a second `[[source]]` of an id was reported against the first, and
    /// the second was the one used, so the records citing it had their quotes "not found" in
    /// its file. The first is the one used; the duplicate is the only problem.
    #[test]
    fn a_duplicate_source_is_told_and_the_first_is_used() {
        let (dataset, problems) = read_edited(|f, text| {
            if f == "sources.toml" {
                text + "\n[[source]]\nid = \"a\"\nfile = \"other.txt\"\npublisher = \"Dup\"\ntitle = \"Dup\"\n"
            } else {
                text
            }
        });
        let said: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(said, ["duplicate id (first on line 2)"], "{problems:?}");
        let a: Vec<&Source> = dataset.sources.iter().filter(|s| s.id == "a").collect();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].file.as_deref(), Some("a.txt"));
    }

    /// Probe 6 L5: a layer's `sources` fed back became `src_sources`. What a layer
    /// writes reads back as the same sources; anything else is refused, saying why.
    #[test]
    fn sources_as_a_layer_writes_them_read_back() {
        let mut sources = Source::of_cell("ACLED; https://tass.ru/a").unwrap();
        sources.push(Source {
            id: "000".into(),
            file: Some("000.txt".into()),
            publisher: "Foreign Brief".into(),
            title: "Drills".into(),
            published: Some("2021-08".into()),
            url: None,
            note: "Inferred \"date\".".into(),
            line: 0,
        });
        let text = serde_json::to_string(&sources).unwrap();
        assert_eq!(sources_of_layer(&text).unwrap(), sources);
        assert_eq!(sources_of_layer("[]").unwrap(), []);
        for bad in [
            r#"[{"id":"a","publisher":"b"}]"#,
            r#"[{"id":"a","publisher":"b","title":"","kind":"x"}]"#,
            r#"["ACLED"]"#,
            r#"{"id":"a"}"#,
            "ACLED; Reuters",
        ] {
            let e = sources_of_layer(bad).unwrap_err();
            assert_eq!(e.part, bad);
            assert!(
                e.why.contains("not sources as a layer writes them"),
                "{bad}: {e}"
            );
        }
    }

    /// Review: a layer's `sources` fed back skipped the checks of a `sources.toml` entry,
    /// so `build --events` wrote a `javascript:` url, a control character or an
    /// address's credentials. One check, [`source_problems`], for both: each value is
    /// refused alike, naming the field.
    #[test]
    fn a_source_fed_back_is_checked_as_a_sources_toml_entry() {
        for (field, value, why) in [
            (
                "url",
                "javascript:alert(1)",
                "must start with https:// or http://",
            ),
            (
                "url",
                "https://user:secret@tass.ru/a",
                "must not hold credentials",
            ),
            (
                "url",
                "https:/tass.ru/a",
                "is an address without the two slashes after its scheme",
            ),
            (
                "url",
                "https://tass.ru/a b",
                "is an address with a space in it",
            ),
            (
                "url",
                "https://tass.ru/\u{7}",
                "must not contain control characters",
            ),
            (
                "publisher",
                "Tass\u{1b}[2J",
                "must not contain control characters",
            ),
            ("title", "a\tb", "must not contain control characters"),
            // Probe, session 45: an address inside a name.
            (
                "publisher",
                "TASS https://user:secret@tass.ru/a",
                "holds an address with credentials",
            ),
            (
                "title",
                "see ftp://u:p@h.tj/a",
                "holds an address with credentials",
            ),
            ("note", "a\nb", "must not contain control characters"),
            ("file", "../etc/passwd", "is a file name inside articles/"),
            ("published", "2021-13", "is not a reported date"),
        ] {
            let mut source = serde_json::json!({"id": "x", "publisher": "p", "title": "t"});
            source[field] = value.into();
            let e = sources_of_layer(&format!("[{source}]")).unwrap_err();
            // Quoted as it would be published: never the credentials.
            let shown = without_any_credentials(value);
            assert_eq!(e.part, shown);
            assert!(e.why.starts_with(&format!("`{field}` {why}")), "{e}");

            // The fixture's `test` source, with the value in place of its own or added.
            let toml_value = serde_json::Value::from(value).to_string();
            let line = |value: &str| format!("{field} = {value}\n");
            let (from, to) = match field {
                "publisher" => (line("\"drillmap tests\""), line(&toml_value)),
                "title" => (
                    line("\"Test gazetteer points (not real data)\""),
                    line(&toml_value),
                ),
                "url" => (
                    line("\"https://example.org/drillmap-test-fixture\""),
                    line(&toml_value),
                ),
                _ => (
                    "id = \"test\"\n".into(),
                    format!("id = \"test\"\n{}", line(&toml_value)),
                ),
            };
            let (_, problems) = read_edited(|f, text| match f {
                "sources.toml" => {
                    assert!(text.contains(&from), "{from}");
                    text.replace(&from, &to)
                }
                _ => text,
            });
            let found: Vec<&Problem> = problems
                .iter()
                .filter(|p| p.message.starts_with(&format!("`{field}` {why}")))
                .collect();
            assert_eq!(found.len(), 1, "{field} {value:?}: {problems:?}");
            assert_eq!(found[0].value, shown);
        }
        // What a source cell makes passes.
        let cell =
            "ACLED; HTTPS://Tass.RU:8443/a;b; https://u:p@kloop.kg/x; TASS https://u:p@tass.ru/b";
        for s in Source::of_cell(cell).unwrap() {
            assert_eq!(source_problems(&s), [], "{s:?}");
        }
    }

    /// Review: a serde error quoting a long value was cut from its end, losing what was
    /// expected and where. The value is cut, the message's tail kept.
    #[test]
    fn sources_not_a_layers_keep_the_tail_of_their_message() {
        let long = "A".repeat(10_000);
        let e = sources_of_layer(&format!("[\"{long}\"]")).unwrap_err();
        assert!(
            e.why
                .contains("… (10000 bytes)\", expected struct Source at line 1 column"),
            "{e}"
        );
        assert!(e.why.len() < 600, "{} bytes", e.why.len());
    }
}
