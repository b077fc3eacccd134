//! The local geocoder: names to gazetteer rows, with a score and the other candidates.
//!
//! Every name and alias of every place is filed under its exact and its loose key
//! ([`super::normalize`]). A query is looked up under both; an exact-key match scores 1.0
//! and a loose-key match 0.9. When the query carries generic words ("training ground",
//! "air base"), places of other kinds drop to 0.8 of their score; when it carries none but
//! the name it matched does ("Termez" against "Termez training ground"), the match drops to
//! 0.9 of its score, so a bare name means the place that bears it bare (the city). Filters
//! (country, kinds, bounding box) remove candidates outright.
//!
//! A name that matches no key at all goes to the **fuzzy** stage: loose keys within an edit
//! distance of 2 (optimal string alignment: a transposition counts once) score
//! `0.9 × (1 − distance / length)`, so a typo in a long name ("Kharbmaiden") still resolves;
//! a fuzzy candidate is an answer only from [`MIN_FUZZY_SCORE`] (one edit in seven letters),
//! so a typo of a short name, like an ordinary word one letter from a place ("tanks", Tank),
//! is unresolved, with the name it nearly matches listed.
//!
//! Candidates are ranked by the score mixed with a **ranking prior** ([`PRIOR_WEIGHT`]): how
//! prominent the place is (a GeoNames row's feature code and population; a hand-kept row is
//! fully prominent), so that a name shared by a regional capital and a village goes to the
//! capital, with the village listed. A place matched only through a name it bears with
//! generic words ("Gissar" against "Gissar air base") gets no prominence. The prior ranks
//! matches on a key only, names places share: a fuzzy candidate (a typo) is ranked by its
//! score, so a typo goes to the name it is nearest, and a typo as near to two names is
//! ambiguous whatever their prominence.
//!
//! Places are preferred by **date** too ([`date_factor`]): a row with validity dates
//! (`valid_from`, `valid_to`) that does not hold on the date asked for ([`Filter::date`];
//! without one, today's places) ranks [`OUT_OF_DATE`] of itself, so "Almaty Province" asked
//! for in 2018 is the province before the 2022 split, and today's region otherwise.
//!
//! The outcome is never a silent guess: one best candidate ranked ahead of the next by more
//! than [`AMBIGUITY_MARGIN`] is `resolved`; two within the margin are `ambiguous`; nothing
//! scoring at or above its floor ([`answer_floor`]) is `unresolved`.
//!
//! This is the one scorer: the in-memory [`Gazetteer`] and the on-disk index
//! ([`super::index::GeonamesIndex`]) both answer through [`keys_stage`], [`fuzzy_stage`] and
//! [`rank`], and differ only in how they find postings ([`Table`]).

use std::collections::HashMap;

use serde::Serialize;

use super::normalize::NameKey;
use crate::date::Day;
use crate::model::{Place, PlaceKind, Validity};
use crate::read::geonames::RankedPlaces;

/// Score of a match on the exact key.
pub const EXACT: f64 = 1.0;
/// Score of a match on the loose key only.
pub const LOOSE: f64 = 0.9;
/// Factor for a candidate whose kind the query's generic words do not ask for.
pub const KIND_MISMATCH: f64 = 0.8;
/// Factor for a match on a name with generic words the query does not have.
pub const GENERIC_NAME: f64 = 0.9;
/// Two candidates closer than this are ambiguous.
pub const AMBIGUITY_MARGIN: f64 = 0.05;
/// Below this a candidate is not an answer.
pub const MIN_SCORE: f64 = 0.7;
/// Below this a fuzzy candidate (a typo, [`fuzzy_stage`]) is not an answer, only a near
/// name: one edit in at least seven letters (0.9 × 6/7), two in at least fourteen. At the
/// [`MIN_SCORE`] floor a fuzzy match took one edit in five letters, and ordinary words
/// became places: of the 1,053 distinct words of four letters or more in the shipped
/// articles, 29 resolved fuzzily, 28 of them to a wrong place ("tanks" → Tank, "main" →
/// Mayna, "семьи" → Semey); at 0.77, 4 do (3 wrongly). On 1,470 one-edit typos of GeoNames names in
/// the shipped table, wrong answers fell from 1.6 % to 1.0 % and right ones from 83 % to
/// 66 % (names of four to six letters: 64 % to 11 %): the others are unresolved with the
/// name they nearly match listed (probe and measure, session 42; README "Scores").
pub const MIN_FUZZY_SCORE: f64 = 0.77;

/// The score a candidate matched `how` needs to be an answer: [`MIN_FUZZY_SCORE`] for a
/// fuzzy match, [`MIN_SCORE`] for the others.
pub fn answer_floor(how: MatchKind) -> f64 {
    match how {
        MatchKind::Fuzzy => MIN_FUZZY_SCORE,
        _ => MIN_SCORE,
    }
}

/// From this score up to its floor ([`answer_floor`]) a candidate of an unresolved name is a
/// **near name**: not an answer, but what the name is likely a misspelling of
/// ([`Resolution::near`]). The fuzzy stage finds keys within [`MAX_EDITS`]; below
/// [`MIN_FUZZY_SCORE`] that is one edit in fewer than seven letters or two in fewer than
/// fourteen (below [`MIN_SCORE`], the floor before session 42, two edits in a name of at
/// most eight letters, or one in four, which the figures below are of). 0.6 keeps one edit anywhere and two in six
/// letters or more, and drops two in four or five letters (40% or more of the name
/// changed). On the GeoNames bench's typos (BENCHMARKS.md, "Near names") the intended row
/// was listed for 74% of the unresolved typos near 0.65-0.7 and 51% near 0.6-0.65; below
/// 0.6 the fuzzy stage rarely finds anything (7 of 5,000 typos), so little is lost.
pub const NEAR_SCORE: f64 = 0.6;
/// At most this many near names are given.
pub const NEAR_NAMES: usize = 3;

/// Weight of the ranking prior: candidates are ranked by
/// `(1 − PRIOR_WEIGHT) × score + PRIOR_WEIGHT × prominence`, where the prominence of a
/// GeoNames row comes from its feature code and population
/// ([`crate::read::geonames::prominence`]) and every hand-kept row has 1. A name shared by a
/// regional capital and a village goes to the capital; two comparable places stay within
/// [`AMBIGUITY_MARGIN`]. The README shows the figures that chose 0.25.
pub const PRIOR_WEIGHT: f64 = 0.25;

/// A candidate's rank before the date preference: the score mixed with the prominence for a
/// match on a key (a name places share), the score alone for a fuzzy match (a typo is
/// ranked by how near it is; see the module documentation).
fn prior(how: MatchKind, score: f64, prominence: f64) -> f64 {
    match how {
        MatchKind::Fuzzy => score,
        _ => (1.0 - PRIOR_WEIGHT) * score + PRIOR_WEIGHT * prominence,
    }
}

/// How a query matched a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    /// On the exact key.
    Exact,
    /// On the loose key.
    Loose,
    /// Within a small edit distance of a loose key (a typo or near-miss).
    Fuzzy,
    /// Not from the gazetteer: a cached online geocoder answer.
    Online,
}

impl MatchKind {
    /// The lower-case word used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Loose => "loose",
            MatchKind::Fuzzy => "fuzzy",
            MatchKind::Online => "online",
        }
    }
}

/// One place a query may mean.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate<'g> {
    /// The place.
    pub place: &'g Place,
    /// Match score in [0, 1]: how well the name matched (below [`MIN_SCORE`] it is no answer).
    pub score: f64,
    /// What candidates are ranked by: the score with the ranking prior ([`PRIOR_WEIGHT`]).
    pub rank: f64,
    /// The name or alias that matched.
    pub matched: &'g str,
    /// Exact, loose or fuzzy.
    pub how: MatchKind,
    /// The table the place is from (`gazetteer`, `geonames`).
    pub table: &'static str,
    /// Whether the place matched only through a name it bears with generic words the query
    /// lacks ("Gissar" against "Gissar air base"): a place named after the one asked for.
    pub named_after: bool,
}

/// Outcome of one query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// One best place.
    Resolved,
    /// Two or more places equally good.
    Ambiguous,
    /// No place.
    Unresolved,
}

/// The answer to one query: status and candidates, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution<'g> {
    /// Resolved, ambiguous or unresolved.
    pub status: Status,
    /// Candidates at or above [`MIN_SCORE`], best first (ties by place id).
    pub candidates: Vec<Candidate<'g>>,
    /// For an unresolved name, the places whose names it nearly matched (a score from
    /// [`NEAR_SCORE`] up to [`MIN_SCORE`]): best first, at most [`NEAR_NAMES`]; what it is
    /// likely a misspelling of. Empty for a resolved or ambiguous name.
    pub near: Vec<Candidate<'g>>,
    /// For an unresolved name, where the row of the hand-kept table that would have answered
    /// it was refused for a problem (`places/places.csv:10`): set by
    /// [`super::Geocoder::lookup`] from [`Gazetteer::refuse`]d rows.
    pub refused: Option<String>,
}

/// Rank candidates (by rank, best first, ties by `cmp_id`), drop those that score below
/// their floor ([`answer_floor`] of how they matched, `how`), and decide the status: the one ranking every table's answer goes through.
/// When none is left (unresolved), the dropped ones scoring at least [`NEAR_SCORE`] are
/// returned as the near names: best score first (ties by `cmp_id`), one per place (equal
/// by `cmp_id`), at most [`NEAR_NAMES`]. A resolved or ambiguous answer has none, so they
/// cost nothing where a name resolves.
pub(crate) fn rank<C>(
    candidates: &mut Vec<C>,
    score_rank: impl Fn(&C) -> (f64, f64),
    how: impl Fn(&C) -> MatchKind,
    cmp_id: impl Fn(&C, &C) -> std::cmp::Ordering,
) -> (Status, Vec<C>) {
    let answers = |c: &C| score_rank(c).0 >= answer_floor(how(c));
    if !candidates.iter().any(answers) {
        let mut near = std::mem::take(candidates);
        near.retain(|c| score_rank(c).0 >= NEAR_SCORE);
        // The best of each place first, then one per place, then best first.
        let by_score = |a: &C, b: &C| score_rank(b).0.total_cmp(&score_rank(a).0);
        near.sort_by(|a, b| cmp_id(a, b).then_with(|| by_score(a, b)));
        near.dedup_by(|a, b| cmp_id(a, b).is_eq());
        near.sort_by(|a, b| by_score(a, b).then_with(|| cmp_id(a, b)));
        near.truncate(NEAR_NAMES);
        return (Status::Unresolved, near);
    }
    candidates.retain(answers);
    candidates.sort_by(|a, b| {
        score_rank(b)
            .1
            .total_cmp(&score_rank(a).1)
            .then_with(|| cmp_id(a, b))
    });
    let status = match candidates.as_slice() {
        [a, b, ..] if score_rank(a).1 - score_rank(b).1 < AMBIGUITY_MARGIN => Status::Ambiguous,
        _ => Status::Resolved,
    };
    (status, Vec::new())
}

impl<'g> Resolution<'g> {
    /// Rank candidates (best first, ties by place id), drop those below [`MIN_SCORE`], and
    /// decide the status; an unresolved name keeps its near names ([`rank`]).
    pub fn from_candidates(mut candidates: Vec<Candidate<'g>>) -> Resolution<'g> {
        let (status, near) = rank(
            &mut candidates,
            |c| (c.score, c.rank),
            |c| c.how,
            |a, b| a.place.id.cmp(&b.place.id),
        );
        Resolution {
            status,
            candidates,
            near,
            refused: None,
        }
    }

    /// Whether a table behind the one that gave this answer may change it: the answer is
    /// unresolved, or made only of places named after the name asked for ("Gissar" finds
    /// "Gissar air base"), which [`super::Geocoder::lookup`] ranks with the next table's.
    pub fn asks_next_table(&self) -> bool {
        self.status == Status::Unresolved || self.candidates.iter().all(|c| c.named_after)
    }

    /// The chosen candidate, when resolved.
    pub fn best(&self) -> Option<&Candidate<'g>> {
        match self.status {
            Status::Resolved => self.candidates.first(),
            _ => None,
        }
    }
}

/// Restrictions on what a query may return, and the date it is asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Only places in these countries (ISO alpha-2); empty means any.
    pub countries: Vec<String>,
    /// Only places of these kinds; empty means any.
    pub kinds: Vec<PlaceKind>,
    /// Only places inside `[west, south, east, north]`.
    pub bbox: Option<[f64; 4]>,
    /// The day the name is asked for (a record's start, an article's date): not a
    /// restriction but a preference, among places of the same name, for the one that
    /// existed then ([`date_factor`]). `None` asks for the places as they are now.
    pub date: Option<Day>,
}

impl Filter {
    /// Only places in `country` (an empty string means any).
    pub fn country(country: &str) -> Filter {
        Filter {
            countries: if country.is_empty() {
                Vec::new()
            } else {
                vec![country.to_owned()]
            },
            ..Filter::default()
        }
    }

    /// What the filter restricts to, as a message says it after "no place": ` in TJ`,
    /// ` in TJ of kind base or air base`, ` inside 67,37,69,39`; empty when nothing is.
    pub fn within(&self) -> String {
        let mut within = String::new();
        if !self.countries.is_empty() {
            within.push_str(&format!(" in {}", self.countries.join(", ")));
        }
        if !self.kinds.is_empty() {
            let kinds: Vec<&str> = self.kinds.iter().map(|k| k.as_str()).collect();
            within.push_str(&format!(" of kind {}", kinds.join(" or ")));
        }
        if let Some([w, s, e, n]) = self.bbox {
            within.push_str(&format!(" inside {w},{s},{e},{n}"));
        }
        within
    }

    /// Whether `place` passes the filter (its country, kind and point), as a table's rows
    /// must: for places that come from elsewhere (an online answer).
    pub fn accepts_place(&self, place: &Place) -> bool {
        self.accepts(&Row {
            country: &place.country,
            kind: place.kind,
            lon: place.lon,
            lat: place.lat,
            prominence: 0.0,
            valid: place.valid,
        })
    }

    /// [`Filter`]'s test on a place's country, kind and point.
    fn accepts(&self, row: &Row<'_>) -> bool {
        (self.countries.is_empty() || self.countries.iter().any(|c| c == row.country))
            && (self.kinds.is_empty() || self.kinds.contains(&row.kind))
            && self
                .bbox
                .is_none_or(|b| crate::antimeridian::bbox_holds(b, row.lon, row.lat))
    }
}

/// Factor for a match on an alternate name in a table whose main names come first
/// (GeoNames: "Samarkand" is the city's name and only a former name of Temirtau).
pub const ALTERNATE_NAME: f64 = 0.9;

/// Largest edit distance the fuzzy stage considers.
pub const MAX_EDITS: usize = 2;

/// Query keys shorter than this (in characters) are not looked up fuzzily: short keys are
/// too easily a few edits from something else.
pub const MIN_FUZZY_CHARS: usize = 4;

/// Query loose keys shorter than this (in characters) are not looked up on the loose key:
/// folding makes short names one (`AA`, `Ya`, `Aya` and a run of a hundred thousand `a`
/// are all `a`), so only their exact key can find them.
pub const MIN_LOOSE_CHARS: usize = 3;

/// One name of one row, as a table files it under a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Posting {
    /// The row's number in its table.
    pub row: u32,
    /// Which of the row's names (0 the name, then the alternates in order).
    pub name: u32,
    /// Whether the name had generic words ("… training ground").
    pub generic: bool,
}

/// What the scorer needs to know of a row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row<'a> {
    pub country: &'a str,
    pub kind: PlaceKind,
    pub lon: f64,
    pub lat: f64,
    /// In [0, 1]; see [`PRIOR_WEIGHT`].
    pub prominence: f64,
    /// When the row describes the place; see [`date_factor`].
    pub valid: Validity,
}

/// A table of named rows: what the scorer asks, whether the rows are in memory
/// ([`Gazetteer`]) or in the on-disk index ([`super::index::GeonamesIndex`]).
pub(crate) trait Table {
    /// Factor for a match on an alternate name.
    fn alternate_factor(&self) -> f64;
    /// Call `each` with every posting filed under the exact key (`loose == false`) or the
    /// loose key `key`.
    fn postings(&self, loose: bool, key: &str, each: &mut dyn FnMut(Posting));
    /// Call `each` with every posting of every loose key within [`MAX_EDITS`] of the query's
    /// `loose` key (given as characters), with that key's distance and length in characters.
    fn near(&self, loose: &[char], each: &mut dyn FnMut(Posting, usize, usize));
    /// What the scorer needs of row `row`, if the row is there (and not left out).
    fn row(&self, row: u32) -> Option<Row<'_>>;
}

/// One row's best match for a query, as the scorer made it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scored {
    pub posting: Posting,
    pub score: f64,
    pub rank: f64,
    pub how: MatchKind,
    pub named_after: bool,
}

/// Score one posting: the base score of the stage, the alternate-name factor, the kind
/// factors of generic words, and the ranking prior. `None` when the filter removes the row.
fn score(
    table: &impl Table,
    key: &NameKey,
    filter: &Filter,
    posting: Posting,
    how: MatchKind,
    base: f64,
) -> Option<Scored> {
    let row = table.row(posting.row)?;
    if !filter.accepts(&row) {
        return None;
    }
    let mut score = if posting.name > 0 {
        base * table.alternate_factor()
    } else {
        base
    };
    let mut prominence = row.prominence;
    let mut named_after = false;
    match key.hint {
        Some(h) if !h.accepts(row.kind) => score *= KIND_MISMATCH,
        None if posting.generic => {
            // A place named after the one asked for lends it none of its prominence.
            score *= GENERIC_NAME;
            prominence = 0.0;
            named_after = true;
        }
        _ => {}
    }
    Some(Scored {
        posting,
        score,
        rank: prior(how, score, prominence) * date_factor(&row.valid, filter.date),
        how,
        named_after,
    })
}

/// Factor on the rank of a place whose row does not hold on the date asked for: enough
/// to rank it behind a place of the same name that does (by more than
/// [`AMBIGUITY_MARGIN`]); its score is untouched, so alone it is still the answer.
pub const OUT_OF_DATE: f64 = 0.9;

/// The scorer's preference by date: 1 for a row that describes its place on `date`
/// ([`Validity::holds`]; without a date, a row that has not ended), else [`OUT_OF_DATE`].
pub fn date_factor(valid: &Validity, date: Option<Day>) -> f64 {
    if valid.holds(date) {
        1.0
    } else {
        OUT_OF_DATE
    }
}

/// Keep each row's best-ranked match, the first met among equals; rows in row order.
fn best_per_row(mut all: Vec<Scored>) -> Vec<Scored> {
    all.sort_by_key(|c| c.posting.row); // stable: the first met stays first
    let mut out: Vec<Scored> = Vec::with_capacity(all.len());
    for c in all {
        match out.last_mut() {
            Some(last) if last.posting.row == c.posting.row => {
                if c.rank > last.rank {
                    *last = c;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Every row the query's exact or loose key finds in `table`, scored, best per row.
pub(crate) fn keys_stage(table: &impl Table, key: &NameKey, filter: &Filter) -> Vec<Scored> {
    // A name with nothing left to match ("-", "?", an emoji) names no place: it matched
    // every spelling as empty as itself, at 1.00 (probe, session 27).
    if key.exact.is_empty() {
        return Vec::new();
    }
    let mut all = Vec::new();
    for (loose, k, how, base) in [
        (false, &key.exact, MatchKind::Exact, EXACT),
        (true, &key.loose, MatchKind::Loose, LOOSE),
    ] {
        if loose && k.chars().count() < MIN_LOOSE_CHARS {
            continue;
        }
        table.postings(loose, k, &mut |p| {
            all.extend(score(table, key, filter, p, how, base));
        });
    }
    best_per_row(all)
}

/// Every row with a loose key within [`MAX_EDITS`] of the query's, scored
/// `LOOSE × (1 − distance / length)`, best per row. The length is the longer of the two
/// loose keys and the query as typed (its exact key without spaces): the loose key folds
/// digraphs (`zh`, `kh`, `ye`), so measured on it alone one typo in `Zhelye` (loose `jele`)
/// would count as a quarter of the name, not a sixth.
pub(crate) fn fuzzy_stage(table: &impl Table, key: &NameKey, filter: &Filter) -> Vec<Scored> {
    let q: Vec<char> = key.loose.chars().collect();
    if q.len() < MIN_FUZZY_CHARS {
        return Vec::new();
    }
    let typed = key.exact.chars().filter(|c| *c != ' ').count();
    let mut all = Vec::new();
    table.near(&q, &mut |p, d, klen| {
        let len = q.len().max(klen).max(typed) as f64;
        let base = LOOSE * (1.0 - d as f64 / len);
        all.extend(score(table, key, filter, p, MatchKind::Fuzzy, base));
    });
    best_per_row(all)
}

/// A row of the hand-kept table refused for a problem (a `NaN` latitude, an unknown kind, a
/// cell that is not UTF-8): where it is, and the keys of the names it would answer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// `FILE:LINE` of the row.
    pub at: String,
    /// The loose keys of its name and aliases.
    keys: Vec<String>,
}

impl Refused {
    /// The row at `path:line` with the spellings `names`.
    pub fn new(path: &std::path::Path, line: usize, names: &[String]) -> Refused {
        let mut keys: Vec<String> = names.iter().map(|n| Refused::key(n)).collect();
        keys.retain(|k| !k.is_empty());
        Refused {
            at: format!("{}:{line}", path.display()),
            keys,
        }
    }

    /// The key a name is matched on: its loose key without the spaces, so `Харб-Майдон`
    /// names the row of `Харбмайдон`.
    fn key(name: &str) -> String {
        NameKey::new(name).loose.replace(' ', "")
    }
}

/// A table of places, indexed for lookup.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    /// Rows refused for a problem, kept by their names only ([`Gazetteer::refuse`]).
    refused: Vec<Refused>,
    /// Which table this is (`gazetteer`, `geonames`), for provenance.
    table: &'static str,
    /// Factor for matches on alternate names (1.0 where every alias is as good as the name).
    alternate_factor: f64,
    places: Vec<Place>,
    prominence: Vec<f64>,
    exact: HashMap<String, Vec<Posting>>,
    loose: HashMap<String, Vec<Posting>>,
    /// Every loose key with its characters, sorted by length, for the fuzzy stage.
    by_length: Vec<(usize, String, Vec<char>)>,
}

impl Gazetteer {
    /// Index `places` (rows of the hand-kept table, where every alias is as good a spelling
    /// as the name).
    pub fn new(places: Vec<Place>) -> Gazetteer {
        Gazetteer::named("gazetteer", 1.0, places)
    }

    /// Index `places` as the table called `table`, with matches on alternate names scored
    /// `alternate_factor` of a match on the main name. Places given without a prominence
    /// (a `Vec<Place>`) are fully prominent.
    pub fn named(
        table: &'static str,
        alternate_factor: f64,
        places: impl Into<RankedPlaces>,
    ) -> Gazetteer {
        let RankedPlaces { places, prominence } = places.into();
        let mut exact: HashMap<String, Vec<Posting>> = HashMap::new();
        let mut loose: HashMap<String, Vec<Posting>> = HashMap::new();
        for (pi, place) in places.iter().enumerate() {
            for (ni, name) in place.names().enumerate() {
                let key = NameKey::new(name);
                let posting = Posting {
                    row: u32::try_from(pi).unwrap_or(u32::MAX),
                    name: u32::try_from(ni).unwrap_or(u32::MAX),
                    generic: key.hint.is_some(),
                };
                exact.entry(key.exact).or_default().push(posting);
                loose.entry(key.loose).or_default().push(posting);
            }
        }
        let mut by_length: Vec<(usize, String, Vec<char>)> = loose
            .keys()
            .map(|k| {
                let chars: Vec<char> = k.chars().collect();
                (chars.len(), k.clone(), chars)
            })
            .collect();
        by_length.sort_unstable();
        Gazetteer {
            refused: Vec::new(),
            table,
            alternate_factor,
            places,
            prominence,
            exact,
            loose,
            by_length,
        }
    }

    /// The table's name (`gazetteer`, `geonames`).
    pub fn table(&self) -> &'static str {
        self.table
    }

    /// Keep the rows of the table refused for a problem, by their names: a name only one of
    /// them would answer is unresolved, and its advice says the row was refused rather than
    /// to add one ([`super::explain_asked`]).
    pub fn refuse(&mut self, refused: Vec<Refused>) {
        self.refused = refused;
    }

    /// Where the refused row that `query` names is (its loose key a refused row's name or
    /// alias), if one does.
    pub fn refused_row(&self, query: &str) -> Option<&str> {
        if self.refused.is_empty() {
            return None;
        }
        let key = Refused::key(query);
        self.refused
            .iter()
            .find(|r| r.keys.contains(&key))
            .map(|r| r.at.as_str())
    }

    /// Every place, in table order.
    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// The place with this id.
    pub fn get(&self, id: &str) -> Option<&Place> {
        self.places.iter().find(|p| p.id == id)
    }

    /// Look `query` up: exact and loose keys, then, if nothing matched, the fuzzy stage.
    pub fn lookup(&self, query: &str, filter: &Filter) -> Resolution<'_> {
        let r = self.lookup_keys(query, filter);
        if r.status == Status::Unresolved {
            return self.lookup_fuzzy(query, filter);
        }
        r
    }

    /// Look `query` up on the exact and loose keys only.
    pub fn lookup_keys(&self, query: &str, filter: &Filter) -> Resolution<'_> {
        self.resolution(keys_stage(self, &NameKey::new(query), filter))
    }

    /// Look `query` up in the fuzzy stage only.
    pub fn lookup_fuzzy(&self, query: &str, filter: &Filter) -> Resolution<'_> {
        self.resolution(fuzzy_stage(self, &NameKey::new(query), filter))
    }

    fn resolution(&self, scored: Vec<Scored>) -> Resolution<'_> {
        let candidates = scored
            .into_iter()
            .filter_map(|s| {
                let place = self.places.get(usize::try_from(s.posting.row).ok()?)?;
                let matched = place
                    .names()
                    .nth(usize::try_from(s.posting.name).ok()?)
                    .unwrap_or(&place.name);
                Some(Candidate {
                    place,
                    score: s.score,
                    rank: s.rank,
                    matched,
                    how: s.how,
                    table: self.table,
                    named_after: s.named_after,
                })
            })
            .collect();
        Resolution::from_candidates(candidates)
    }
}

impl Table for Gazetteer {
    fn alternate_factor(&self) -> f64 {
        self.alternate_factor
    }

    fn postings(&self, loose: bool, key: &str, each: &mut dyn FnMut(Posting)) {
        let map = if loose { &self.loose } else { &self.exact };
        for p in map.get(key).into_iter().flatten() {
            each(*p);
        }
    }

    fn near(&self, q: &[char], each: &mut dyn FnMut(Posting, usize, usize)) {
        let lo = self
            .by_length
            .partition_point(|(n, _, _)| *n + MAX_EDITS < q.len());
        for (n, k, chars) in &self.by_length[lo..] {
            if *n > q.len() + MAX_EDITS {
                break;
            }
            if let Some(d) = osa_distance(q, chars, MAX_EDITS) {
                for p in self.loose.get(k).into_iter().flatten() {
                    each(*p, d, *n);
                }
            }
        }
    }

    fn row(&self, row: u32) -> Option<Row<'_>> {
        let i = usize::try_from(row).ok()?;
        let p = self.places.get(i)?;
        Some(Row {
            country: &p.country,
            kind: p.kind,
            lon: p.lon,
            lat: p.lat,
            prominence: self.prominence.get(i).copied().unwrap_or(1.0),
            valid: p.valid,
        })
    }
}

/// Optimal string alignment distance between `a` and `b` (insertions, deletions,
/// substitutions and adjacent transpositions, each 1), or `None` when it exceeds `max`.
/// Only the band of cells within `max` of the diagonal is computed (a path through any
/// other cell costs more than `max`), and a row with no cell within `max` stops it early.
/// Keys under 64 characters are compared without allocating (the fuzzy stage verifies
/// hundreds of candidates per query).
pub fn osa_distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    const W: usize = 64;
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let far = max + 1; // any cost above `max`: all that matters of cells off the band
    let w = b.len() + 1;
    let (mut heap, mut stack) = (Vec::new(), [0usize; 3 * W]);
    let rows: &mut [usize] = if w <= W {
        &mut stack[..3 * w]
    } else {
        heap.resize(3 * w, 0);
        &mut heap
    };
    let (mut prev2, rest) = rows.split_at_mut(w);
    let (mut prev, mut cur) = rest.split_at_mut(w);
    for (j, p) in prev.iter_mut().enumerate() {
        *p = j.min(far);
    }
    for i in 1..=a.len() {
        cur[0] = i.min(far);
        let lo = i.saturating_sub(max).max(1);
        let hi = (i + max).min(b.len());
        // The cells next to the band, which the next row reads, are off it.
        if lo > 1 {
            cur[lo - 1] = far;
        }
        if hi < b.len() {
            cur[hi + 1] = far;
        }
        let mut row_min = if lo == 1 { cur[0] } else { far };
        for j in lo..=hi {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v.min(far);
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[w - 1];
    (d <= max).then_some(d)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::Precision;

    pub(crate) fn place(
        id: &str,
        name: &str,
        kind: PlaceKind,
        country: &str,
        aliases: &[&str],
    ) -> Place {
        Place {
            id: id.into(),
            name: name.into(),
            kind,
            country: country.into(),
            admin1: String::new(),
            lat: 37.2,
            lon: 67.3,
            precision: Precision::Settlement,
            uncertainty_km: 5.0,
            point_note: String::new(),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            source: "test".into(),
            valid: crate::model::Validity::ALWAYS,
            line: 2,
        }
    }

    fn gazetteer() -> Gazetteer {
        Gazetteer::new(vec![
            place(
                "termez",
                "Termez",
                PlaceKind::Settlement,
                "UZ",
                &["Termiz", "Термез"],
            ),
            place(
                "termez-tg",
                "Termez training ground",
                PlaceKind::TrainingGround,
                "UZ",
                &["Termiz training ground"],
            ),
            place(
                "kharbmaidon",
                "Kharbmaidon training ground",
                PlaceKind::TrainingGround,
                "TJ",
                &["Harb-Maidon"],
            ),
            place("ayni-tj", "Ayni air base", PlaceKind::Airfield, "TJ", &[]),
            place("ayni-village", "Ayni", PlaceKind::Settlement, "TJ", &[]),
        ])
    }

    /// Probe (session 25): "AA", "Ya" or a hundred thousand "a" folded to the loose key "a",
    /// GeoNames' "Aya"'s, and resolved to it at 0.90. A loose key under
    /// [`MIN_LOOSE_CHARS`] is not looked up; the exact key still finds a short name, and a
    /// long run of a letter in a real name still folds ("Dushanbeeee").
    #[test]
    fn a_short_loose_key_finds_nothing_its_exact_key_does_not() {
        let g = Gazetteer::new(vec![
            place("aya", "Aya", PlaceKind::Settlement, "RU", &[]),
            place("dushanbe", "Dushanbe", PlaceKind::Settlement, "TJ", &[]),
        ]);
        let many = "a".repeat(100_000);
        for q in ["AA", "Ya", "aaa", many.as_str()] {
            let r = g.lookup(q, &Filter::default());
            assert_eq!(r.status, Status::Unresolved, "{}", &q[..q.len().min(9)]);
        }
        assert_eq!(g.lookup("Aya", &Filter::default()).status, Status::Resolved);
        let r = g.lookup("Dushanbeeeee", &Filter::default());
        assert_eq!(r.best().map(|c| c.place.id.as_str()), Some("dushanbe"));
    }

    /// Probe, session 27: a query with nothing to match was an exact match of a spelling
    /// as empty as itself.
    #[test]
    fn a_name_with_nothing_to_match_finds_nothing() {
        let g = Gazetteer::new(vec![place(
            "kulob",
            "Kulob",
            PlaceKind::Settlement,
            "TJ",
            &["-"],
        )]);
        for q in ["-", "?", "...", "\u{200b}", "🎯", ""] {
            let r = g.lookup(q, &Filter::default());
            assert_eq!(r.status, Status::Unresolved, "{q:?}");
            assert!(r.candidates.is_empty(), "{q:?}");
        }
        assert_eq!(
            g.lookup("Kulob", &Filter::default()).status,
            Status::Resolved
        );
    }

    #[test]
    fn spellings_resolve_to_their_row() {
        let g = gazetteer();
        for q in [
            "Kharbmaidon",
            "Харбмайдон",
            "Kharb-Maydon training ground",
            "HARBMAIDON",
        ] {
            let r = g.lookup(q, &Filter::default());
            assert_eq!(r.status, Status::Resolved, "{q}");
            assert_eq!(
                r.best().map(|c| c.place.id.as_str()),
                Some("kharbmaidon"),
                "{q}"
            );
        }
        let r = g.lookup("Харбмайдон", &Filter::default());
        assert_eq!(r.candidates[0].how, MatchKind::Loose);
        assert_eq!(r.candidates[0].score, LOOSE);
    }

    #[test]
    fn a_name_two_places_share_is_ambiguous_until_a_hint_decides() {
        let g = gazetteer();
        // A bare name means the place that bears it bare.
        let r = g.lookup("Termez", &Filter::default());
        assert_eq!(r.best().map(|c| c.place.id.as_str()), Some("termez"));
        assert_eq!(r.candidates[1].score, EXACT * GENERIC_NAME);
        // Two places sharing a bare name are ambiguous.
        let g2 = Gazetteer::new(vec![
            place("ayni-tj", "Ayni", PlaceKind::Settlement, "TJ", &[]),
            place("ayni-tj-2", "Ayni", PlaceKind::Settlement, "TJ", &["Айни"]),
        ]);
        let r = g2.lookup("Ayni", &Filter::default());
        assert_eq!(r.status, Status::Ambiguous);
        assert!(r.best().is_none());
        let ids: Vec<_> = r.candidates.iter().map(|c| c.place.id.as_str()).collect();
        assert_eq!(ids, ["ayni-tj", "ayni-tj-2"]);

        let r = g.lookup("Termez training ground", &Filter::default());
        assert_eq!(r.best().map(|c| c.place.id.as_str()), Some("termez-tg"));
        assert_eq!(r.candidates[1].score, EXACT * KIND_MISMATCH);

        let kinds = Filter {
            kinds: vec![PlaceKind::Settlement],
            ..Filter::default()
        };
        assert_eq!(
            g.lookup("Termiz", &kinds)
                .best()
                .map(|c| c.place.id.as_str()),
            Some("termez")
        );
        let r = g.lookup("Ayni airfield", &Filter::default());
        assert_eq!(r.best().map(|c| c.place.id.as_str()), Some("ayni-tj"));
    }

    /// "Almaty Province": the province of 1997-2022 (to 2022-06-07) and today's region
    /// (from 2022-06-08), both bearing the name.
    pub(crate) fn almaty_over_time() -> Vec<Place> {
        let date = |s: &str| crate::date::ReportedDate::parse(s).ok();
        let old = Place {
            valid: Validity {
                from: date("1997-04-22"),
                to: date("2022-06-07"),
            },
            ..place(
                "almaty-province-2018",
                "Almaty Province (2018 borders)",
                PlaceKind::Region,
                "KZ",
                &["Almaty Province"],
            )
        };
        let new = Place {
            valid: Validity {
                from: date("2022-06-08"),
                to: None,
            },
            ..place(
                "almaty-region",
                "Almaty Region",
                PlaceKind::Region,
                "KZ",
                &["Almaty Province"],
            )
        };
        vec![old, new]
    }

    #[test]
    fn a_shared_name_resolves_to_the_place_that_held_on_the_date() {
        let day = |y, m, d| Day::new(y, m, d);
        let g = Gazetteer::new(almaty_over_time());
        let on = |d: Option<Day>| {
            let r = g.lookup(
                "Almaty Province",
                &Filter {
                    date: d,
                    ..Filter::default()
                },
            );
            (r.status, r.best().map(|c| c.place.id.clone()))
        };
        let resolved = |id: &str| (Status::Resolved, Some(id.to_owned()));
        assert_eq!(on(day(2018, 7, 16)), resolved("almaty-province-2018"));
        assert_eq!(on(day(2024, 9, 26)), resolved("almaty-region"));
        assert_eq!(on(None), resolved("almaty-region"), "undated: today's");
        // The date ranks; it does not score: an exact match stays exact and weak to none.
        let r = g.lookup(
            "Almaty Province",
            &Filter {
                date: day(2018, 7, 16),
                ..Filter::default()
            },
        );
        assert_eq!(
            r.candidates.iter().map(|c| c.score).collect::<Vec<_>>(),
            [EXACT, EXACT]
        );
        assert_eq!(r.candidates[1].rank, EXACT * OUT_OF_DATE);
        // A name only the old row has is still the old row's, on any date.
        let g = Gazetteer::new(vec![g.places()[0].clone()]);
        let r = g.lookup(
            "Almaty Province",
            &Filter {
                date: day(2024, 1, 1),
                ..Filter::default()
            },
        );
        assert_eq!(
            r.best().map(|c| c.place.id.as_str()),
            Some("almaty-province-2018")
        );
        assert_eq!(date_factor(&Validity::ALWAYS, None), 1.0);
    }

    #[test]
    fn typos_resolve_fuzzily_with_a_lower_score() {
        let g = gazetteer();
        for (q, id) in [
            ("Kharbmaiden", "kharbmaidon"),
            ("Kharbmajdan", "kharbmaidon"),
            ("Harbmadion", "kharbmaidon"),
            ("Termeza", "termez"),
        ] {
            let r = g.lookup(q, &Filter::default());
            let best = r.best().unwrap_or_else(|| panic!("{q}: {r:?}"));
            assert_eq!(
                (best.place.id.as_str(), best.how),
                (id, MatchKind::Fuzzy),
                "{q}"
            );
            assert!(
                best.score < LOOSE && best.score >= MIN_FUZZY_SCORE,
                "{q}: {}",
                best.score
            );
        }
        // Session 42: one edit in fewer than seven letters, or two in fewer than
        // fourteen, is no answer but a near name (it was one from the 0.7 floor, and
        // "tanks" was the village Tank).
        for (q, id) in [("Termes", "termez"), ("Termz", "termez")] {
            let r = g.lookup(q, &Filter::default());
            assert_eq!(r.status, Status::Unresolved, "{q}: {r:?}");
            assert_eq!(r.near.first().map(|c| c.place.id.as_str()), Some(id), "{q}");
            assert!(r.near[0].score >= MIN_SCORE && r.near[0].score < MIN_FUZZY_SCORE);
        }
        // Too far, or too short to guess.
        assert_eq!(
            g.lookup("Kharkov", &Filter::default()).status,
            Status::Unresolved
        );
        assert_eq!(
            g.lookup("Ayn", &Filter::default()).status,
            Status::Unresolved
        );
    }

    /// The prior ranks matches on a key, not typos: a typo one edit from a village and two
    /// from a prominent city is the village's (the city listed), and a typo as near to both
    /// is ambiguous, while the city's own name still beats the village's on prominence.
    #[test]
    fn fuzzy_candidates_rank_by_their_score_not_the_prior() {
        let mut places = RankedPlaces::default();
        places.push(
            place("city", "Murgabadkent", PlaceKind::Settlement, "TJ", &[]),
            1.0,
        );
        places.push(
            place("village", "Murgapadkent", PlaceKind::Settlement, "TJ", &[]),
            0.0,
        );
        let g = Gazetteer::named("geonames", ALTERNATE_NAME, places);
        let r = g.lookup("Murgapatkent", &Filter::default());
        let ids: Vec<(&str, MatchKind)> = r
            .candidates
            .iter()
            .map(|c| (c.place.id.as_str(), c.how))
            .collect();
        // The city, two edits away (0.75), is below the fuzzy floor: no answer.
        assert_eq!(r.status, Status::Resolved, "{ids:?}");
        assert_eq!(ids, [("village", MatchKind::Fuzzy)]);
        assert!(r.candidates.iter().all(|c| c.rank == c.score));
        // As near to both: ambiguous, though the city is far more prominent.
        let r = g.lookup("Murgaxadkent", &Filter::default());
        assert_eq!(r.status, Status::Ambiguous);
        assert_eq!(r.candidates.len(), 2);
        // Where two places share the name itself, the prior decides.
        let mut shared = RankedPlaces::default();
        shared.push(
            place("city", "Murgabadkent", PlaceKind::Settlement, "TJ", &[]),
            1.0,
        );
        shared.push(
            place("village", "Murgabadkent", PlaceKind::Settlement, "TJ", &[]),
            0.0,
        );
        let g = Gazetteer::named("geonames", ALTERNATE_NAME, shared);
        let r = g.lookup("Murgabadkent", &Filter::default());
        assert_eq!(r.best().map(|c| c.place.id.as_str()), Some("city"));
    }

    /// A typo is measured against the name as typed, not its loose key: `Zhelye` (loose
    /// `jele`, 4 letters) is one edit from `Zelye`, a sixth of what was typed (0.75), not a
    /// quarter of the loose key (0.675, below `MIN_SCORE`). Both ways round.
    #[test]
    fn a_typo_is_measured_on_the_name_as_typed_not_its_folded_key() {
        let g = Gazetteer::new(vec![place(
            "zelye",
            "Zelye",
            PlaceKind::Settlement,
            "RU",
            &[],
        )]);
        // Both below the fuzzy floor (one edit in fewer than seven letters): near names,
        // scored on the name as typed.
        let r = g.lookup("Zhelye", &Filter::default());
        assert_eq!(r.status, Status::Unresolved, "{r:?}");
        assert_eq!(r.near[0].how, MatchKind::Fuzzy);
        assert!((r.near[0].score - LOOSE * (1.0 - 1.0 / 6.0)).abs() < 1e-9);
        let g = Gazetteer::new(vec![place(
            "zhelye",
            "Zhelye",
            PlaceKind::Settlement,
            "RU",
            &[],
        )]);
        let r = g.lookup("Zelye", &Filter::default());
        assert_eq!(r.status, Status::Unresolved, "{r:?}");
        assert!((r.near[0].score - LOOSE * (1.0 - 1.0 / 5.0)).abs() < 1e-9);
        // Two edits in a six-letter name are still too many to guess.
        assert_eq!(
            g.lookup("Zhalbe", &Filter::default()).status,
            Status::Unresolved
        );
    }

    /// A typo too far to guess is unresolved but carries the names it is near (a score from
    /// `NEAR_SCORE` up to `MIN_SCORE`), best first; a name nothing is near carries none, and
    /// a resolved name none either.
    #[test]
    fn an_unresolved_typo_carries_the_names_it_is_near() {
        let g = gazetteer();
        // Two edits in six letters: 0.9 × (1 − 2/6) = 0.6.
        let r = g.lookup("Tarmuz", &Filter::default());
        assert_eq!(r.status, Status::Unresolved);
        assert!(r.candidates.is_empty() && r.best().is_none());
        let near: Vec<(&str, MatchKind)> = r
            .near
            .iter()
            .map(|c| (c.place.id.as_str(), c.how))
            .collect();
        assert_eq!(near, [("termez", MatchKind::Fuzzy)], "{r:?}");
        assert!((r.near[0].score - LOOSE * (1.0 - 2.0 / 6.0)).abs() < 1e-9);
        // The filter holds for near names too.
        assert!(g.lookup("Tarmuz", &Filter::country("TJ")).near.is_empty());
        // Two edits in four letters (0.45) is too far even to suggest.
        assert!(g.lookup("Aymo", &Filter::default()).near.is_empty());
        for q in ["Atlantis", "Termez", "Termeza", "Ayni"] {
            assert!(g.lookup(q, &Filter::default()).near.is_empty(), "{q}");
        }
    }

    #[test]
    fn near_names_are_best_first_one_per_place_and_at_most_three() {
        // Each two edits from "Kolobat": 0.9 × (1 − 2/7) ≈ 0.64, and 0.675 for the one of
        // eight letters; the second name of a place does not list it twice.
        let g = Gazetteer::new(vec![
            place(
                "kalabat",
                "Kalabat",
                PlaceKind::Settlement,
                "TJ",
                &["Kalabot"],
            ),
            place("kelebat", "Kelebat", PlaceKind::Settlement, "TJ", &[]),
            place("kilibat", "Kilibat", PlaceKind::Settlement, "TJ", &[]),
            place("korobot", "Korobot", PlaceKind::Settlement, "TJ", &[]),
            place("kolabata", "Kolabata", PlaceKind::Settlement, "TJ", &[]),
        ]);
        let r = g.lookup("Kolobat", &Filter::default());
        assert_eq!(r.status, Status::Unresolved, "{r:?}");
        let near: Vec<&str> = r.near.iter().map(|c| c.place.id.as_str()).collect();
        assert_eq!(near, ["kolabata", "kalabat", "kelebat"], "{:?}", r.near);
        assert_eq!(near.len(), NEAR_NAMES);
        assert!(r
            .near
            .iter()
            .all(|c| c.score >= NEAR_SCORE && c.score < MIN_SCORE));
    }

    #[test]
    fn osa_distance_counts_transpositions_once_and_stops_early() {
        let d = |a: &str, b: &str| {
            osa_distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
                2,
            )
        };
        assert_eq!(d("termez", "termez"), Some(0));
        assert_eq!(d("termez", "termes"), Some(1));
        assert_eq!(d("harbmaidon", "harbmadion"), Some(1));
        assert_eq!(d("abc", "cab"), Some(2));
        assert_eq!(d("kharkov", "harbmaidon"), None);
        assert_eq!(d("", "ab"), Some(2));
    }

    proptest::proptest! {
        #[test]
        fn osa_distance_is_symmetric_and_bounded(a in "[a-e]{0,8}", b in "[a-e]{0,8}") {
            let (x, y): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            let ab = osa_distance(&x, &y, 2);
            proptest::prop_assert_eq!(ab, osa_distance(&y, &x, 2));
            if let Some(d) = ab {
                proptest::prop_assert!(d <= 2 && d >= x.len().abs_diff(y.len()));
                proptest::prop_assert_eq!(d == 0, a == b);
            }
        }
    }

    #[test]
    fn filters_remove_candidates() {
        let g = gazetteer();
        assert_eq!(
            g.lookup("Termez", &Filter::country("TJ")).status,
            Status::Unresolved
        );
        let bbox = Filter {
            bbox: Some([0.0, 0.0, 10.0, 10.0]),
            ..Filter::default()
        };
        assert_eq!(g.lookup("Kharbmaidon", &bbox).status, Status::Unresolved);
        assert_eq!(
            g.lookup("Atlantis", &Filter::default()).status,
            Status::Unresolved
        );
        assert_eq!(g.lookup("", &Filter::default()).status, Status::Unresolved);
    }
}
