//! Exercises and bases as the articles report them, and the articles themselves.

use std::path::PathBuf;

use serde::Serialize;

use crate::date::{DateSpan, Day, ReportedDate};

/// A source the data cites: a news article a record is taken from (with its text in
/// `articles/`), or another source a reader can open (with its URL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// Short stable id (the article's number, `004`, or a slug, `tass-1324249`).
    pub id: String,
    /// The article's file name under `articles/` in the data folder, for an article.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Who published it, as far as the text says.
    pub publisher: String,
    /// The headline.
    pub title: String,
    /// Publication date in reduced ISO 8601 (`2021-08-05`, `2021-07`), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Where the article can be read, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What is inferred about the source (a publisher or date read from context).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// 1-based line of the source's `id` in `sources.toml`, for messages.
    #[serde(skip)]
    pub line: usize,
}

impl Source {
    /// The sources a bulk row's source cell names, in order: its `;`-separated parts, each
    /// an address (`https://…`: the `url`, its host the `publisher`) or a publisher's name
    /// (ACLED's `source` column); the part as written is the `id`, and the title is not
    /// known (empty). A bulk feature's `sources` then has the key and shape of a hand-kept
    /// one's.
    pub fn of_cell(cell: &str) -> Vec<Source> {
        cell.split(';')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                let host = ["https://", "http://"]
                    .iter()
                    .find_map(|scheme| part.strip_prefix(scheme))
                    .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(rest));
                Source {
                    id: part.to_owned(),
                    file: None,
                    publisher: host.unwrap_or(part).to_owned(),
                    title: String::new(),
                    published: None,
                    url: host.map(|_| part.to_owned()),
                    note: String::new(),
                    line: 0,
                }
            })
            .collect()
    }
}

/// What backs one field of a record: words of its article, another source, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The field it backs (`troops`, `start`, `participants`).
    pub field: String,
    /// The article's words, verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// Id of a source in `sources.toml`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What is inferred, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Words a record says its articles contain: a `reported` place or an evidence `quote`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// The words, as written in the record.
    pub text: String,
    /// The ids of the record's sources (those with an article are searched).
    pub sources: Vec<String>,
    /// The dataset file.
    pub path: PathBuf,
    /// 1-based line of the quote.
    pub line: usize,
}

/// A place named by a record: the text to geocode, and the words the article used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceRef {
    /// The name handed to the geocoder (`Kharbmaidon training ground`).
    pub query: String,
    /// The place exactly as the article puts it (`a military range near the Afghan border`);
    /// empty when the article does not name it.
    pub reported: String,
    /// The source that names the place when the article does not (a source id).
    pub located_by: Option<String>,
    /// ISO 3166-1 alpha-2 country the place is in, used to filter candidates (empty: any).
    pub country: String,
    /// The day the record asks for it: an exercise site's first day, a historic base
    /// site's `since`; `None` for the place as it is now. Among places of the same name the
    /// geocoder prefers the one that existed then (`Filter::date`).
    pub date: Option<Day>,
    /// Where the record asks for it.
    pub path: PathBuf,
    /// 1-based line of the `place` value.
    pub line: usize,
}

/// One site (or stage) of an exercise.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Id unique within its exercise (`stage-2`).
    pub id: String,
    /// The stage's name, for multi-stage exercises.
    pub stage: Option<String>,
    /// Where it took place.
    pub place: PlaceRef,
    /// When.
    pub dates: DateSpan,
    /// The countries that took part in this site or stage, when the article says they differ
    /// from the exercise's; `None` takes the exercise's.
    pub participants: Option<Vec<String>>,
    /// What is doubtful or inferred about this site, in words.
    pub note: String,
    /// What backs the site's dates and participants.
    pub evidence: Vec<Evidence>,
}

/// An exercise: one record, one or more sites.
#[derive(Debug, Clone, PartialEq)]
pub struct Exercise {
    /// Stable slug (`kharbmaidon-2021`).
    pub id: String,
    /// Name as reported (`Indestructible Brotherhood-2024`).
    pub name: String,
    /// What sort of exercise (`counter-terrorism`, `command-staff`, `strategic`).
    pub kind: String,
    /// CSTO, SCO, bilateral, trilateral, national.
    pub organisation: String,
    /// ISO alpha-2 of the host country, when reported.
    pub host: Option<String>,
    /// ISO alpha-2 of every participating country reported, sorted (empty: none named).
    pub participants: Vec<String>,
    /// ISO alpha-2 of every country the article says was invited, sorted, kept apart from
    /// the participants.
    pub invited: Vec<String>,
    /// Troop count, where the article gives one (a lower bound when it says "over").
    pub troops: Option<u32>,
    /// Pieces of equipment, where given.
    pub equipment: Option<u32>,
    /// One line on what was rehearsed.
    pub scenario: String,
    /// What is doubtful or inferred about the record.
    pub notes: String,
    /// Ids of the sources that report it.
    pub sources: Vec<String>,
    /// When, as a whole (sites without dates of their own take these).
    pub dates: DateSpan,
    /// Where and when, one entry per site or stage; empty when the articles name no place.
    pub sites: Vec<Site>,
    /// What backs the record's counts, dates and participants.
    pub evidence: Vec<Evidence>,
}

/// Whether a base is still in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BaseStatus {
    /// In use as far as the sources say.
    Active,
    /// Closed, returned or moved; carries an end date.
    Historic,
}

/// One site of a base (a garrison, an air group).
#[derive(Debug, Clone, PartialEq)]
pub struct BaseSite {
    /// Id unique within its base (`dushanbe`).
    pub id: String,
    /// The site's own name (`Dushanbe garrison`).
    pub name: String,
    /// Where it is.
    pub place: PlaceRef,
    /// Active or historic.
    pub status: BaseStatus,
    /// Since when, if known.
    pub since: Option<ReportedDate>,
    /// Until when (required for historic sites).
    pub until: Option<ReportedDate>,
    /// The latest date a cited source shows the site in use, when that is all that is
    /// known of an active site's present (the Zhetygen training centre: visited on 13 July
    /// 2018, nothing later).
    pub last_reported: Option<ReportedDate>,
    /// What is doubtful or inferred about the site.
    pub note: String,
    /// What backs the site's dates.
    pub evidence: Vec<Evidence>,
}

/// A foreign or national military base with its sites.
#[derive(Debug, Clone, PartialEq)]
pub struct Base {
    /// Stable slug (`ru-201st-base`).
    pub id: String,
    /// Name (`201st Military Base`).
    pub name: String,
    /// ISO alpha-2 of the country that operates it.
    pub operator: String,
    /// ISO alpha-2 of the host country.
    pub host: String,
    /// Units stationed there.
    pub units: Vec<String>,
    /// What is doubtful or inferred about the record.
    pub notes: String,
    /// Ids of the sources that report it.
    pub sources: Vec<String>,
    /// Its sites.
    pub sites: Vec<BaseSite>,
    /// What backs its operator, host and units where its sites' `reported` words do not.
    pub evidence: Vec<Evidence>,
}

/// Everything the dataset files hold, validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// The articles.
    pub sources: Vec<Source>,
    /// The exercises.
    pub exercises: Vec<Exercise>,
    /// The bases.
    pub bases: Vec<Base>,
    /// Every quote the records hold, for [`crate::evidence`] to find in the articles.
    pub quotes: Vec<Quote>,
}

impl Dataset {
    /// The source with this id.
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// Every place reference in the dataset, exercises first, in file order.
    pub fn place_refs(&self) -> impl Iterator<Item = &PlaceRef> {
        let ex = self
            .exercises
            .iter()
            .flat_map(|e| e.sites.iter().map(|s| &s.place));
        let ba = self
            .bases
            .iter()
            .flat_map(|b| b.sites.iter().map(|s| &s.place));
        ex.chain(ba)
    }
}
