//! The dataset: `sources.toml` (the articles), `exercises.toml` and `bases.toml`.
//!
//! TOML because a record is nested (an exercise has stages, each with its place and dates)
//! and hand-written: arrays of tables read like a form, take comments, and diff by record.
//! Every field is read with its span, so a problem names its line; every record is checked
//! in full before the next, so one `check` shows all problems.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::lines::LineIndex;
use super::places::is_slug;
use crate::country;
use crate::date::{DateSpan, ReportedDate};
use crate::error::{Error, Problem, Result};
use crate::model::{Base, BaseSite, BaseStatus, Dataset, Exercise, PlaceRef, Site, Source};

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
    troops: S<i64>,
    equipment: S<i64>,
    scenario: S<String>,
    notes: S<String>,
    sources: S<Vec<Spanned<String>>>,
    start: S<String>,
    end: S<String>,
    #[serde(default)]
    site: Vec<Spanned<RawSite>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    id: S<String>,
    stage: S<String>,
    place: S<String>,
    reported: S<String>,
    country: S<String>,
    start: S<String>,
    end: S<String>,
    note: S<String>,
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBaseSite {
    id: S<String>,
    name: S<String>,
    place: S<String>,
    reported: S<String>,
    country: S<String>,
    status: S<String>,
    since: S<String>,
    until: S<String>,
    note: S<String>,
}

/// Read and validate the three dataset files in `dir`.
pub fn read(dir: &Path) -> Result<(Dataset, Vec<Problem>)> {
    let mut problems = Vec::new();
    let sources = {
        let (path, text) = load(dir, SOURCES)?;
        let file: SourcesFile = parse_toml(&path, &text)?;
        Checker::new(&path, &text, &mut problems).sources(file.source)
    };
    let exercises = {
        let (path, text) = load(dir, EXERCISES)?;
        let file: ExercisesFile = parse_toml(&path, &text)?;
        Checker::new(&path, &text, &mut problems).exercises(file.exercise, &sources)
    };
    let bases = {
        let (path, text) = load(dir, BASES)?;
        let file: BasesFile = parse_toml(&path, &text)?;
        Checker::new(&path, &text, &mut problems).bases(file.base, &sources)
    };
    Ok((
        Dataset {
            sources,
            exercises,
            bases,
        },
        problems,
    ))
}

fn load(dir: &Path, name: &str) -> Result<(PathBuf, String)> {
    let path = dir.join(name);
    let text = super::input::read_text(&path)?;
    Ok((path, text))
}

fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| Error::Syntax {
        path: path.into(),
        line: e.span().map(|s| LineIndex::new(text).line(s.start)),
        message: e.message().trim().to_owned(),
    })
}

/// Validation of one file's records.
struct Checker<'a> {
    path: &'a Path,
    lines: LineIndex,
    problems: &'a mut Vec<Problem>,
}

impl<'a> Checker<'a> {
    fn new(path: &'a Path, text: &str, problems: &'a mut Vec<Problem>) -> Self {
        Checker {
            path,
            lines: LineIndex::new(text),
            problems,
        }
    }

    fn line(&self, span: &Range<usize>) -> usize {
        self.lines.line(span.start)
    }

    fn problem(&mut self, span: &Range<usize>, value: &str, message: impl Into<String>) {
        let line = self.line(span);
        self.problems
            .push(Problem::new(self.path, Some(line), value, message));
    }

    /// A required, non-empty string; a problem on the record's line if missing.
    fn required(&mut self, record: &Range<usize>, field: &S<String>, name: &str) -> String {
        match field {
            Some(v) if !v.get_ref().trim().is_empty() => {
                let value = v.get_ref().trim().to_owned();
                if let Some(m) = super::lines::control_character(&value) {
                    self.problem(&v.span(), &value, format!("`{name}` {m}"));
                }
                value
            }
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
        let id = self.required(record, field, "id");
        if let Some(v) = field {
            if !id.is_empty() && !is_slug(&id) {
                self.problem(
                    &v.span(),
                    &id,
                    "id must be a slug: lower-case letters, digits and hyphens",
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
                    "unknown country code (expected ISO 3166-1 alpha-2, upper case)",
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
        let mut out: Vec<String> = list
            .get_ref()
            .iter()
            .filter_map(|c| self.country_code(&c.span(), c.get_ref().trim()))
            .collect();
        out.sort();
        out.dedup();
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
                    format!("unknown source (not in {SOURCES})"),
                );
            }
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
        let span = DateSpan::new(s, e);
        if span.is_none() {
            if let (Some(sv), Some(ev)) = (start, end) {
                self.problem(
                    &ev.span(),
                    ev.get_ref(),
                    format!("end date is before the start date {}", sv.get_ref()),
                );
            }
        }
        span
    }

    fn count(&mut self, field: &S<i64>) -> Option<u32> {
        let v = field.as_ref()?;
        match u32::try_from(*v.get_ref()) {
            Ok(n) => Some(n),
            Err(_) => {
                self.problem(
                    &v.span(),
                    &v.get_ref().to_string(),
                    "a count must be a whole number from 0",
                );
                None
            }
        }
    }

    fn place(
        &mut self,
        record: &Range<usize>,
        place: &S<String>,
        reported: &S<String>,
        country: String,
    ) -> PlaceRef {
        let query = self.required(record, place, "place");
        let reported = self.required(record, reported, "reported");
        let line = place
            .as_ref()
            .map_or_else(|| self.line(record), |p| self.line(&p.span()));
        PlaceRef {
            query,
            reported,
            country,
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
            let id = self.id(&span, &r.id, &mut seen);
            let file = self.required(&span, &r.file, "file");
            let publisher = self.required(&span, &r.publisher, "publisher");
            let title = self.required(&span, &r.title, "title");
            let published = self
                .date(&r.published)
                .ok()
                .flatten()
                .and(r.published.as_ref())
                .map(|p| p.get_ref().clone());
            out.push(Source {
                id,
                file,
                publisher,
                title,
                published,
                url: r.url.map(Spanned::into_inner),
                note: Self::optional(&r.note),
            });
        }
        out
    }

    fn exercises(&mut self, raw: Vec<Spanned<RawExercise>>, sources: &[Source]) -> Vec<Exercise> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for r in raw {
            let span = r.span();
            let r = r.into_inner();
            let id = self.id(&span, &r.id, &mut seen);
            let host = r
                .host
                .as_ref()
                .and_then(|h| self.country_code(&h.span(), h.get_ref().trim()));
            let dates = self.span_of(&r.start, &r.end).unwrap_or(DateSpan::UNKNOWN);
            let mut site_ids = HashMap::new();
            let mut sites = Vec::new();
            for s in r.site {
                let sspan = s.span();
                let s = s.into_inner();
                let sid = self.id(&sspan, &s.id, &mut site_ids);
                let country = self.site_country(&s.country, host.as_deref().unwrap_or(""));
                let place = self.place(&sspan, &s.place, &s.reported, country);
                let own = s.start.is_some() || s.end.is_some();
                let site_dates = if own {
                    self.span_of(&s.start, &s.end).unwrap_or(DateSpan::UNKNOWN)
                } else {
                    dates
                };
                sites.push(Site {
                    id: sid,
                    stage: s
                        .stage
                        .map(|v| v.into_inner().trim().to_owned())
                        .filter(|v| !v.is_empty()),
                    place,
                    dates: site_dates,
                    note: Self::optional(&s.note),
                });
            }
            out.push(Exercise {
                name: self.required(&span, &r.name, "name"),
                kind: self.required(&span, &r.kind, "kind"),
                organisation: self.required(&span, &r.organisation, "organisation"),
                participants: self.countries(&span, &r.participants, "participants"),
                troops: self.count(&r.troops),
                equipment: self.count(&r.equipment),
                scenario: self.required(&span, &r.scenario, "scenario"),
                notes: Self::optional(&r.notes),
                sources: self.source_ids(&span, &r.sources, sources),
                id,
                host,
                dates,
                sites,
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

    fn bases(&mut self, raw: Vec<Spanned<RawBase>>, sources: &[Source]) -> Vec<Base> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for r in raw {
            let span = r.span();
            let r = r.into_inner();
            let id = self.id(&span, &r.id, &mut seen);
            let host = self.country(&span, &r.host, "host");
            let status = self.status(&r.status, Some(BaseStatus::Active));
            let mut site_ids = HashMap::new();
            let mut sites = Vec::new();
            if r.site.is_empty() {
                self.problem(&span, &id, "a base needs at least one [[base.site]]");
            }
            for s in r.site {
                let sspan = s.span();
                let s = s.into_inner();
                let sid = self.id(&sspan, &s.id, &mut site_ids);
                let country = self.site_country(&s.country, &host);
                let place = self.place(&sspan, &s.place, &s.reported, country);
                let site_status = self.status(&s.status, status).unwrap_or(BaseStatus::Active);
                let since = self.date(&s.since).ok().flatten();
                let until = self.date(&s.until).ok().flatten();
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
                sites.push(BaseSite {
                    id: sid,
                    name: self.required(&sspan, &s.name, "name"),
                    place,
                    status: site_status,
                    since,
                    until,
                    note: Self::optional(&s.note),
                });
            }
            out.push(Base {
                name: self.required(&span, &r.name, "name"),
                operator: self.country(&span, &r.operator, "operator"),
                units: r.units.map(Spanned::into_inner).unwrap_or_default(),
                notes: Self::optional(&r.notes),
                sources: self.source_ids(&span, &r.sources, sources),
                id,
                host,
                sites,
            });
        }
        out
    }
}
