//! Resolve: every place a record names becomes a point with a precision, a score and its
//! provenance.
//!
//! [`normalize`] makes the keys, [`geocoder`] looks names up in the hand-kept [`Gazetteer`],
//! and [`online`] keeps the answers of an online geocoder in a reviewable cache. A name is
//! looked up in the gazetteer first; only a name the gazetteer does not know at all (not an
//! ambiguous one) is taken from the cache. [`resolve_dataset`] resolves each distinct place
//! reference of the dataset once (a name, its country and the record's date) and reports
//! those that stay unresolved or ambiguous as problems at their line.

pub mod geocoder;
pub mod index;
pub use crate::names::normalize;
pub mod online;

use std::borrow::Cow;
use std::collections::BTreeMap;

pub use geocoder::{Candidate, Filter, Gazetteer, MatchKind, Resolution, Status};

/// The local tables in the order they are asked: the hand-kept gazetteer, then GeoNames.
///
/// Every table is asked on its exact and loose keys before any is asked fuzzily, so an exact
/// GeoNames name beats a typo-distance match in the gazetteer, and a gazetteer row always
/// beats GeoNames for a name both know.
#[derive(Debug, Clone, Copy)]
pub struct Geocoder<'g> {
    tables: [Option<&'g Gazetteer>; 2],
}

impl<'g> Geocoder<'g> {
    /// The hand-kept table, and GeoNames behind it when there is one.
    pub fn new(gazetteer: &'g Gazetteer, geonames: Option<&'g Gazetteer>) -> Geocoder<'g> {
        Geocoder {
            tables: [Some(gazetteer), geonames],
        }
    }

    /// Look `query` up in the tables; the first table with an answer (resolved or
    /// ambiguous) gives it. An answer made only of places named after the one asked for
    /// ("Gissar" finds "Gissar air base") is held and ranked with the next table's, so a
    /// bare name reaches the settlement that bears it (GeoNames' town of Hisor, alias
    /// Gissar) before a facility named after it, which stays listed.
    pub fn lookup(&self, query: &str, filter: &Filter) -> Resolution<'g> {
        self.lookup_stages(query, filter, true)
    }

    /// [`Geocoder::lookup`] on the exact and loose keys only, without the fuzzy stage: for a
    /// caller choosing among a name's own candidates (extract narrowing an ambiguous name to
    /// the article's countries), for whom a near spelling of another place is no answer.
    pub fn lookup_keys(&self, query: &str, filter: &Filter) -> Resolution<'g> {
        self.lookup_stages(query, filter, false)
    }

    /// An unresolved answer carries the near names of the last stage asked (the fuzzy
    /// stage, or the keys without it) from every table, ranked together.
    ///
    /// A query that names a country ("Kazakhstan", "Казахстан") takes from GeoNames only
    /// its country rows, and no GeoNames settlement answers through a name that is a
    /// country's: GeoNames lists "Kazakhstan" among the town of Aqsay's alternate names,
    /// so a near spelling ("Kazakstan", "Kazahstan") reached the town by that name. The
    /// hand-kept table is asked as it is.
    fn lookup_stages(&self, query: &str, filter: &Filter, fuzzy: bool) -> Resolution<'g> {
        let mut r = self.lookup_tables(query, filter, fuzzy);
        if r.status == Status::Unresolved {
            let primary = self.tables[0];
            r.refused = primary
                .and_then(|t| t.refused_row(query))
                .map(str::to_owned);
        }
        r
    }

    /// [`Geocoder::lookup_stages`] before the refused rows are asked.
    fn lookup_tables(&self, query: &str, filter: &Filter, fuzzy: bool) -> Resolution<'g> {
        static COUNTRIES: std::sync::LazyLock<crate::names::countries::Countries> =
            std::sync::LazyLock::new(crate::names::countries::Countries::new);
        let country = COUNTRIES.named(query).is_some();
        let primary = self.tables[0].map(Gazetteer::table);
        let answer = |t: &'g Gazetteer, r: Resolution<'g>| {
            if Some(t.table()) == primary {
                return r;
            }
            let kept = |c: &Candidate<'_>| {
                c.place.kind == crate::model::PlaceKind::Country
                    || (!country && COUNTRIES.named(c.matched).is_none())
            };
            if r.candidates.iter().chain(&r.near).all(kept) {
                return r;
            }
            let mut candidates = r.candidates;
            let mut near = r.near;
            candidates.retain(kept);
            near.retain(kept);
            if candidates.is_empty() {
                return Resolution::from_candidates(near);
            }
            Resolution::from_candidates(candidates)
        };
        let tables = self.tables.iter().flatten();
        let mut held: Vec<Candidate<'g>> = Vec::new();
        let mut near: Vec<Candidate<'g>> = Vec::new();
        for t in tables.clone() {
            let r = answer(t, t.lookup_keys(query, filter));
            if r.status == Status::Unresolved {
                near.extend(r.near);
                continue;
            }
            if r.candidates.iter().all(|c| c.named_after) {
                held.extend(r.candidates);
                continue;
            }
            if held.is_empty() {
                return r;
            }
            held.extend(r.candidates);
            return Resolution::from_candidates(held);
        }
        if !held.is_empty() {
            return Resolution::from_candidates(held);
        }
        if !fuzzy {
            return Resolution::from_candidates(near);
        }
        near.clear();
        for t in tables {
            let r = answer(t, t.lookup_fuzzy(query, filter));
            if r.status != Status::Unresolved {
                return r;
            }
            near.extend(r.near);
        }
        Resolution::from_candidates(near)
    }
}

use crate::date::Day;
use crate::error::Problem;
use crate::model::{Dataset, Place, PlaceRef};
use online::{CacheEntry, GeocodeCache};

/// Where a resolved point comes from, and how sure the match is.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved<'g> {
    /// The place: a gazetteer row, or one made from an online answer.
    pub place: Cow<'g, Place>,
    /// Match score in [0, 1].
    pub score: f64,
    /// Exact, loose or online.
    pub how: MatchKind,
    /// The name or alias that matched (the place's name for an online answer).
    pub matched: Cow<'g, str>,
    /// The table the place is from (`gazetteer`, `geonames`, or `online`).
    pub table: &'static str,
    /// The cached online answer, when the place came from one.
    pub online: Option<&'g CacheEntry>,
}

impl Resolved<'_> {
    /// The geocoder that chose the point: the table (`gazetteer`, `geonames`) or the online
    /// provider.
    pub fn geocoder(&self) -> &str {
        self.online.map_or(self.table, |e| e.provider.as_str())
    }
}

/// The countries an online query for `place` may return: its own, or the area's.
pub fn online_countries(place: &PlaceRef) -> Vec<String> {
    online_countries_in(std::slice::from_ref(&place.country))
}

/// The countries an online query within `countries` may return (the cache key's countries):
/// those given, or the area's when none is.
pub fn online_countries_in(countries: &[String]) -> Vec<String> {
    let given: Vec<String> = countries
        .iter()
        .filter(|c| !c.is_empty())
        .cloned()
        .collect();
    if given.is_empty() {
        online::AREA_COUNTRIES
            .iter()
            .map(|c| (*c).to_owned())
            .collect()
    } else {
        given
    }
}

/// A place made from a found online answer, so that layers treat it like a gazetteer row.
fn place_from(entry: &CacheEntry) -> Option<Place> {
    let c = entry.chosen.as_ref()?;
    Some(Place {
        point_note: format!("online: {}", c.display_name),
        // Cited as the row `places promote` makes of it cites it, so promoting the answer
        // leaves the layers' `point_source` as it was, and `check` reads it.
        source: online::source_of(c, &entry.provider, entry.retrieved_date()),
        ..c.to_place(format!("osm:{}/{}", c.osm_type, c.osm_id))
    })
}

/// A distinct place reference: (query, country filter, the record's day).
type RefKey = (String, String, Option<Day>);

fn ref_key(place: &PlaceRef) -> RefKey {
    (place.query.clone(), place.country.clone(), place.date)
}

/// Resolutions of a dataset's place references, keyed by (query, country filter, day).
#[derive(Debug, Clone, Default)]
pub struct Resolutions<'g> {
    by_query: BTreeMap<RefKey, Resolved<'g>>,
}

impl<'g> Resolutions<'g> {
    /// The resolution of a place reference, if it resolved.
    pub fn get(&self, place: &PlaceRef) -> Option<&Resolved<'g>> {
        self.by_query.get(&ref_key(place))
    }

    /// Every resolution, by (query, country, day).
    pub fn iter(&self) -> impl Iterator<Item = (&RefKey, &Resolved<'g>)> {
        self.by_query.iter()
    }

    /// How many distinct references resolved.
    pub fn len(&self) -> usize {
        self.by_query.len()
    }

    /// Whether none resolved.
    pub fn is_empty(&self) -> bool {
        self.by_query.is_empty()
    }
}

/// Whether a table behind `gazetteer`'s may answer a place reference of `dataset` otherwise
/// than the tables it has do (a name they do not know, or know only through places named
/// after it: [`Resolution::asks_next_table`]), each asked as [`resolve_on`] asks it: what
/// decides whether `geonames.txt` is read for a dataset. (Probe, session 41: asked about
/// unknown names only, a dataset's `Hisor` went to the Ayni air base by its alias "Hisor
/// air base", where `geocode Hisor` answers the town.)
pub fn asks_next_table(gazetteer: &Geocoder<'_>, dataset: &Dataset) -> bool {
    dataset.place_refs().any(|place| {
        let filter = Filter {
            date: place.date,
            ..Filter::country(&place.country)
        };
        !place.query.is_empty() && gazetteer.lookup(&place.query, &filter).asks_next_table()
    })
}

/// The place references the local tables do not know at all: what an online geocoder may be
/// asked, as (query, allowed countries), each once.
pub fn unknown_to_gazetteer(
    gazetteer: &Geocoder<'_>,
    dataset: &Dataset,
) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for place in dataset.place_refs() {
        if place.query.is_empty() {
            continue;
        }
        let r = gazetteer.lookup(&place.query, &Filter::country(&place.country));
        let q = (place.query.clone(), online_countries(place));
        if r.status == Status::Unresolved && !out.contains(&q) {
            out.push(q);
        }
    }
    out
}

/// Resolve every place reference of `dataset` (each distinct query and country once): from
/// the gazetteer, or, for names it does not know, from a found answer in `cache`. References
/// that do not resolve to exactly one place become problems.
pub fn resolve_dataset<'g>(
    gazetteer: &Geocoder<'g>,
    cache: &'g GeocodeCache,
    dataset: &Dataset,
    advice: &RunAdvice,
) -> (Resolutions<'g>, Vec<Problem>) {
    let mut out = Resolutions::default();
    let mut failed: BTreeMap<RefKey, String> = BTreeMap::new();
    let mut problems = Vec::new();
    for place in dataset.place_refs() {
        if place.query.is_empty() {
            continue; // already reported as a missing field
        }
        let key = ref_key(place);
        if out.by_query.contains_key(&key) {
            continue;
        }
        if let Some(m) = failed.get(&key) {
            problems.push(Problem::new(
                &place.path,
                Some(place.line),
                &place.query,
                m.clone(),
            ));
            continue;
        }
        let resolved = resolve_on(
            gazetteer,
            cache,
            &place.query,
            &place.country,
            place.date,
            advice.of(&place.query, std::slice::from_ref(&place.country)),
        );
        match resolved {
            Ok(res) => {
                out.by_query.insert(key, res);
            }
            Err(m) => {
                problems.push(Problem::new(
                    &place.path,
                    Some(place.line),
                    &place.query,
                    m.clone(),
                ));
                failed.insert(key, m);
            }
        }
    }
    problems.extend(unnamed_places(dataset, &out));
    (out, problems)
}

/// The place references whose `reported` words do not name the place they resolved to (by
/// its name, an alias, the name that matched or the record's own `place` query) and that
/// cite no `located_by` source: the article does not say where, so the source that does
/// must be named. The problem stands on the `place` line, where the place is asked for.
fn unnamed_places(dataset: &Dataset, resolutions: &Resolutions<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    for place in dataset.place_refs() {
        if place.located_by.is_some() || place.reported.is_empty() {
            continue;
        }
        let Some(r) = resolutions.get(place) else {
            continue;
        };
        let reported = crate::names::text::Text::new(&place.reported);
        let p = &r.place;
        let named = [p.name.as_str(), &*r.matched, place.query.as_str()]
            .into_iter()
            .chain(p.aliases.iter().map(String::as_str))
            .any(|name| crate::names::text::names(&reported, name));
        if !named {
            problems.push(Problem::new(
                &place.path,
                Some(place.line),
                &place.reported,
                format!(
                    "the reported words do not name {} ({}): cite the source that places it with `located_by`",
                    p.name, p.id
                ),
            ));
        }
    }
    problems
}

/// Resolve one name within `country` (empty: any): the local tables' best place, or, for a
/// name they do not know at all (not an ambiguous one), a found answer in `cache` (asked
/// within [`online_countries_in`]). Otherwise why not, with the candidates. Every path that
/// geocodes a record (the dataset, a bulk export) goes through here or [`resolve_on`].
pub fn resolve_one<'g>(
    geocoder: &Geocoder<'g>,
    cache: &'g GeocodeCache,
    query: &str,
    country: &str,
    advice: OnlineAdvice,
) -> Result<Resolved<'g>, String> {
    resolve_on(geocoder, cache, query, country, None, advice)
}

/// [`resolve_one`] for a record of `date`: among places of the same name, the one that
/// existed then ([`Filter::date`]).
pub fn resolve_on<'g>(
    geocoder: &Geocoder<'g>,
    cache: &'g GeocodeCache,
    query: &str,
    country: &str,
    date: Option<Day>,
    advice: OnlineAdvice,
) -> Result<Resolved<'g>, String> {
    let filter = Filter {
        date,
        ..Filter::country(country)
    };
    let (r, online) = lookup_or_cached(geocoder, cache, query, &filter);
    match (r.best(), online) {
        (Some(best), _) => Ok(Resolved {
            place: Cow::Borrowed(best.place),
            score: best.score,
            how: best.how,
            matched: Cow::Borrowed(best.matched),
            table: best.table,
            online: None,
        }),
        (None, Some(Ok(found))) => Ok(found),
        (None, Some(Err(entry))) => Err(explain_asked(&r, &filter, Some(entry), advice)),
        (None, None) => Err(explain_asked(&r, &filter, None, advice)),
    }
}

/// The one way a name is looked up, by `build` (through [`resolve_on`]), `geocode NAME` and
/// `geocode --batch`: the local tables' answer under `filter` and, for a name they do not
/// know at all (not an ambiguous one), what `cache` holds for it ([`cached`]; a found place
/// the filter does not accept is no answer).
pub fn lookup_or_cached<'g>(
    geocoder: &Geocoder<'g>,
    cache: &'g GeocodeCache,
    query: &str,
    filter: &Filter,
) -> (Resolution<'g>, Option<Result<Resolved<'g>, &'g CacheEntry>>) {
    let r = geocoder.lookup(query, filter);
    let online = match r.status {
        Status::Unresolved => cached(cache, query, &filter.countries)
            .filter(|c| c.as_ref().map_or(true, |p| filter.accepts_place(&p.place))),
        _ => None,
    };
    (r, online)
}

/// The cached online answer to `query` within `countries` (see [`online_countries_in`]):
/// `None` when never asked, `Some(Err(entry))` when the provider found nothing, and the
/// place made from the answer otherwise.
pub fn cached<'g>(
    cache: &'g GeocodeCache,
    query: &str,
    countries: &[String],
) -> Option<Result<Resolved<'g>, &'g CacheEntry>> {
    let entry = cache.get(query, &online_countries_in(countries))?;
    Some(match (place_from(entry), entry.chosen.as_ref()) {
        (Some(p), Some(chosen)) => Ok(Resolved {
            matched: Cow::Owned(p.name.clone()),
            place: Cow::Owned(p),
            score: chosen.score,
            how: MatchKind::Online,
            table: "online",
            online: Some(entry),
        }),
        _ => Err(entry),
    })
}

impl Resolved<'_> {
    /// Whether the match is weaker than an exact key on a name the table holds as good as
    /// the place's own (loose, fuzzy, a GeoNames alternate name, generic words that do not
    /// fit, or online): what a reviewer should see.
    pub fn is_weak(&self) -> bool {
        self.how != MatchKind::Exact || self.score < geocoder::EXACT
    }

    /// What a weak match matched, in the one wording of every path that reports it (the
    /// dataset's notices, `--strict`'s problems, a bulk row under `--strict`).
    pub fn weak_match(&self) -> String {
        format!(
            "{} match (score {:.2}): resolved to {} ({}, {}) through {:?}",
            self.how.as_str(),
            self.score,
            self.place.id,
            self.place.name,
            self.geocoder(),
            self.matched
        )
    }
}

/// Every place reference of `dataset` that resolved by a weak match ([`Resolved::is_weak`]),
/// at its line, saying what it matched: notices for a reviewer (`check`; errors with
/// `--strict`). Each reference is reported at every line that names it.
pub fn weak_matches(dataset: &Dataset, resolutions: &Resolutions<'_>) -> Vec<Problem> {
    let mut out: Vec<Problem> = dataset
        .place_refs()
        .filter_map(|place| {
            let r = resolutions.get(place)?;
            r.is_weak()
                .then(|| Problem::new(&place.path, Some(place.line), &place.query, r.weak_match()))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Why a resolution has no answer, with the candidates and what to do: for an unresolved
/// name with near names ([`Resolution::near`]), which ones, and to fix the spelling before
/// adding it as an alias. The one wording of that advice, for every path that explains a
/// name (`check`, `build`, `build --events`, `geocode`).
pub fn explain(r: &Resolution<'_>, filter: &Filter) -> String {
    explain_asked(r, filter, None, OnlineAdvice::Offer)
}

/// What the advice to a name nothing answers may offer online: what the run that explains
/// it could do (tester finding, session 38: a failed `--online` run and `build --events`,
/// which refuses `--online`, were told to use it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum OnlineAdvice {
    /// Asking online could apply to this command: offer `--online` (`check`, `build`
    /// and `geocode NAME` without it).
    #[default]
    Offer,
    /// This command cannot ask (`build --events`): offer to ask first, with `drillmap
    /// geocode --online`.
    AskFirst,
    /// This run asked online, and the lookup failed (the failure is reported beside the
    /// name): offer nothing online.
    Asked,
    /// This run could ask online but left the name unasked: it had made its `--online-max`
    /// lookups (the cap given). Say so, and how to raise the cap ([`online::over_cap`]).
    OverCap(usize),
    /// This run could ask online but stopped asking before the name: the service stopped
    /// answering, or asked to wait longer than the run waits. Say so (the words given, as
    /// [`online::OnlineError::not_asked`] says them), and when to run again.
    Stopped(String),
}

impl OnlineAdvice {
    /// The words appended to the advice.
    fn words(&self) -> String {
        match self {
            OnlineAdvice::Offer => ", or geocode it with --online".into(),
            OnlineAdvice::AskFirst => {
                ", or ask for it online first with `drillmap geocode --online`".into()
            }
            OnlineAdvice::Asked => String::new(),
            OnlineAdvice::OverCap(cap) => format!("; {}", online::over_cap(*cap)),
            OnlineAdvice::Stopped(why) => format!("; {why}"),
        }
    }
}

/// What an online run's advice says to each name it leaves unresolved: the one place that
/// tells a name the run asked ([`OnlineAdvice::Asked`]) from one it left unasked, at its
/// `--online-max` cap ([`OnlineAdvice::OverCap`]) or after the service stopped answering
/// or held it off ([`OnlineAdvice::Stopped`]), for `build --online` and `geocode --online`
/// alike. Without an online run, every name gets the same advice.
#[derive(Debug, Clone, Default)]
pub struct RunAdvice {
    /// The advice of every name not in `not_asked`.
    every: OnlineAdvice,
    /// The questions (cache keys) the run left unasked, with the advice that says why.
    not_asked: BTreeMap<(String, Vec<String>), OnlineAdvice>,
}

impl RunAdvice {
    /// The same advice for every name: a run that does not ask online.
    pub fn every(advice: OnlineAdvice) -> RunAdvice {
        RunAdvice {
            every: advice,
            not_asked: BTreeMap::new(),
        }
    }

    /// The advice after an online run whose lookups ended as `outcomes`: a name the run
    /// left unasked (its cap, or a service that stopped answering or held it off) is told
    /// so; every other name was asked (or answered by the cache).
    pub fn online(outcomes: &[online::LookupOutcome]) -> RunAdvice {
        let not_asked = outcomes
            .iter()
            .filter_map(|o| {
                let advice = match &o.result {
                    Err(online::OnlineError::NotAsked { cap, .. }) => OnlineAdvice::OverCap(*cap),
                    // Left unasked by a service that stopped answering or held the run
                    // off: these were told they were asked, and that their lookup failed.
                    Err(e) => OnlineAdvice::Stopped(e.not_asked()?),
                    Ok(_) => return None,
                };
                Some((online::cache::key(&o.query, &o.countries), advice))
            })
            .collect();
        RunAdvice {
            every: OnlineAdvice::Asked,
            not_asked,
        }
    }

    /// The advice to `query` asked within `countries` (empty: the area's, as a query
    /// online is asked: [`online_countries_in`]).
    pub fn of(&self, query: &str, countries: &[String]) -> OnlineAdvice {
        let key = online::cache::key(query, &online_countries_in(countries));
        self.not_asked.get(&key).unwrap_or(&self.every).clone()
    }
}

/// [`explain`], for a name the online provider was already asked about (`asked`, a cached
/// answer that found nothing): what it answered replaces the advice to ask it; otherwise
/// the advice offers what `online` says this run can do.
pub fn explain_asked(
    r: &Resolution<'_>,
    filter: &Filter,
    asked: Option<&CacheEntry>,
    online: OnlineAdvice,
) -> String {
    // A name asked before: what the provider answered replaces the advice to ask it, but
    // one this run left unasked (a `--refresh`) is still told so.
    let online = match (asked, &online) {
        (None, advice) => advice.words(),
        (Some(entry), OnlineAdvice::OverCap(_) | OnlineAdvice::Stopped(_)) => {
            format!("; {}{}", entry.nothing_found(), online.words())
        }
        (Some(entry), _) => format!("; {}", entry.nothing_found()),
    };
    let within = filter.within();
    match r.status {
        // Probe (session 39): a name that a refused row answers was told to add the row.
        Status::Unresolved if r.refused.is_some() => format!(
            "unresolved: the gazetteer row that would answer it was refused (see its problem at {})",
            r.refused.as_deref().unwrap_or_default()
        ),
        Status::Unresolved => match did_you_mean(&r.near) {
            Some(near) => format!(
                "unresolved: no place{within} in the gazetteer matches; {near} fix the spelling, or add the name as an alias or a new row{online}"
            ),
            None => format!(
                "unresolved: no place{within} in the gazetteer matches; add the name as an alias or a new row{online}"
            ),
        },
        Status::Ambiguous => {
            let list: Vec<String> = r
                .candidates
                .iter()
                .map(|c| format!("{} ({}, {:.2})", c.place.id, c.place.kind, c.score))
                .collect();
            format!(
                "ambiguous{within}: {}; say which (\"… training ground\", \"… air base\") or make the alias unique",
                list.join(", ")
            )
        }
        Status::Resolved => String::from("resolved"),
    }
}

/// For a name `filter` leaves unresolved, the place it resolves to without the filter's
/// countries, kinds and area (`geocode --country`, `--kind`, `--bbox`; `countries` names
/// where the countries came from: "--country", "its row's country"), so the user is not
/// told to add a row the table has: "termez (settlement, UZ) matches it outside --kind".
/// `None` when the filter restricts none, or the name resolves to nothing without them
/// either.
pub fn outside_filter(
    geocoder: &Geocoder<'_>,
    query: &str,
    filter: &Filter,
    countries: &str,
) -> Option<String> {
    let flags: Vec<&str> = [
        (!filter.countries.is_empty()).then_some(countries),
        (!filter.kinds.is_empty()).then_some("--kind"),
        filter.bbox.is_some().then_some("--bbox"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let flags = match flags.as_slice() {
        [] => return None,
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    let wider = Filter {
        countries: Vec::new(),
        kinds: Vec::new(),
        bbox: None,
        ..filter.clone()
    };
    let r = geocoder.lookup(query, &wider);
    let best = r.best()?;
    let p = best.place;
    Some(format!(
        "{} ({}, {}) matches it outside {flags}",
        p.id, p.kind, p.country
    ))
}

/// "did you mean Kharbmaidon (kharbmaidon, training ground, TJ, 0.68)?": the near names of
/// an unresolved name, each as the name it nearly matched with its place's id, kind,
/// country and the score; `None` when there are none.
pub fn did_you_mean(near: &[Candidate<'_>]) -> Option<String> {
    if near.is_empty() {
        return None;
    }
    let list: Vec<String> = near
        .iter()
        .map(|c| {
            format!(
                "{} ({}, {}, {}, {:.2})",
                c.matched, c.place.id, c.place.kind, c.place.country, c.score
            )
        })
        .collect();
    Some(format!("did you mean {}?", list.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_countries_are_those_given_or_the_area() {
        let area: Vec<String> = online::AREA_COUNTRIES
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(online_countries_in(&[]), area);
        assert_eq!(online_countries_in(&[String::new()]), area);
        assert_eq!(online_countries_in(&["TJ".into()]), ["TJ"]);
    }

    #[test]
    fn a_name_nothing_knows_is_explained_and_not_taken_from_an_empty_cache() {
        let gazetteer = Gazetteer::new(Vec::new());
        let cache = GeocodeCache::default();
        let err = resolve_one(
            &Geocoder::new(&gazetteer, None),
            &cache,
            "Qizilqala",
            "TJ",
            OnlineAdvice::Offer,
        )
        .unwrap_err();
        assert!(err.starts_with("unresolved: no place in TJ"), "{err}");
        assert!(cached(&cache, "Qizilqala", &["TJ".into()]).is_none());
    }

    fn settlement(id: &str, name: &str, country: &str) -> Place {
        geocoder::tests::place(id, name, crate::model::PlaceKind::Settlement, country, &[])
    }

    /// A misspelling is told the name it is near and to fix it; a name nothing is near gets
    /// the advice to add it.
    #[test]
    fn an_unresolved_name_says_what_it_is_near_only_when_something_is() {
        let gazetteer = Gazetteer::new(vec![settlement("dushanbe", "Dushanbe", "TJ")]);
        let g = Geocoder::new(&gazetteer, None);
        let cache = GeocodeCache::default();
        let err = resolve_one(&g, &cache, "Dishanbi", "TJ", OnlineAdvice::Offer).unwrap_err();
        assert_eq!(
            err,
            "unresolved: no place in TJ in the gazetteer matches; did you mean Dushanbe (dushanbe, settlement, TJ, 0.68)? fix the spelling, or add the name as an alias or a new row, or geocode it with --online"
        );
        let err = resolve_one(&g, &cache, "Atlantis", "TJ", OnlineAdvice::Offer).unwrap_err();
        assert_eq!(
            err,
            "unresolved: no place in TJ in the gazetteer matches; add the name as an alias or a new row, or geocode it with --online"
        );
        // Outside the country asked for, nothing is near.
        let err = resolve_one(&g, &cache, "Dishanbi", "UZ", OnlineAdvice::Offer).unwrap_err();
        assert!(!err.contains("did you mean"), "{err}");
        // Tester finding (session 38, 5): a run that cannot ask, or asked and failed, is not
        // told to ask with --online.
        let err = resolve_one(&g, &cache, "Atlantis", "TJ", OnlineAdvice::AskFirst).unwrap_err();
        assert_eq!(
            err,
            "unresolved: no place in TJ in the gazetteer matches; add the name as an alias or a new row, or ask for it online first with `drillmap geocode --online`"
        );
        let err = resolve_one(&g, &cache, "Dishanbi", "TJ", OnlineAdvice::Asked).unwrap_err();
        assert_eq!(
            err,
            "unresolved: no place in TJ in the gazetteer matches; did you mean Dushanbe (dushanbe, settlement, TJ, 0.68)? fix the spelling, or add the name as an alias or a new row"
        );
    }

    /// An online run's advice told every name it left unresolved that it was asked, also
    /// a name its `--online-max` cap left unasked, which was then told nothing of the cap.
    #[test]
    fn a_name_the_cap_left_unasked_is_told_so_and_how_to_raise_it() {
        let outcome = |query: &str, result| online::LookupOutcome {
            query: query.into(),
            countries: vec!["TJ".into()],
            result,
        };
        let outcomes = [
            outcome("Atlantis", Ok(online::Lookup::NotFound)),
            outcome(
                "Dishanbi",
                Err(online::OnlineError::NotAsked {
                    query: "Dishanbi".into(),
                    cap: 1,
                }),
            ),
        ];
        let advice = RunAdvice::online(&outcomes);
        let tj = ["TJ".to_owned()];
        assert_eq!(advice.of("Atlantis", &tj), OnlineAdvice::Asked);
        // The cache's key: folded, the countries normalised.
        assert_eq!(
            advice.of(" dishanbi", &["tj".into()]),
            OnlineAdvice::OverCap(1)
        );
        assert_eq!(advice.of("Dishanbi", &["UZ".into()]), OnlineAdvice::Asked);
        assert_eq!(
            RunAdvice::every(OnlineAdvice::Offer).of("Dishanbi", &tj),
            OnlineAdvice::Offer
        );
        let gazetteer = Gazetteer::new(vec![settlement("dushanbe", "Dushanbe", "TJ")]);
        let g = Geocoder::new(&gazetteer, None);
        let cache = GeocodeCache::default();
        let err =
            resolve_one(&g, &cache, "Dishanbi", "TJ", advice.of("Dishanbi", &tj)).unwrap_err();
        assert_eq!(
            err,
            "unresolved: no place in TJ in the gazetteer matches; did you mean Dushanbe (dushanbe, settlement, TJ, 0.68)? fix the spelling, or add the name as an alias or a new row; not asked online: this run already made 1 lookup, its cap (raise it with --online-max)"
        );
        // One wording: the lookup's outcome says the same.
        assert_eq!(
            outcomes[1].result.as_ref().unwrap_err().to_string(),
            format!("\"Dishanbi\": {}", online::over_cap(1))
        );
    }

    /// An online run's advice told a name it left unasked, because the service stopped
    /// answering or asked to wait longer than the run waits, that it was asked (nothing
    /// online to offer, as if its lookup had failed). It is told it was not asked, and when
    /// to run again, in the words of its lookup's outcome.
    #[test]
    fn a_name_a_stopped_run_left_unasked_is_told_so_and_when_to_run_again() {
        let outcome = |query: &str, result| online::LookupOutcome {
            query: query.into(),
            countries: vec!["TJ".into()],
            result,
        };
        let url = "http://127.0.0.1:9/search".to_owned();
        let outcomes = [
            outcome("Atlantis", Ok(online::Lookup::NotFound)),
            outcome(
                "Dishanbi",
                Err(online::OnlineError::Unreachable {
                    query: "Dishanbi".into(),
                    url: url.clone(),
                    attempts: 3,
                    not_asked: 2,
                }),
            ),
            outcome(
                "Lemuria",
                Err(online::OnlineError::HeldOff {
                    query: "Lemuria".into(),
                    url: url.clone(),
                    retry_after: "86400 s".into(),
                    not_asked: 1,
                }),
            ),
        ];
        let advice = RunAdvice::online(&outcomes);
        let tj = ["TJ".to_owned()];
        assert_eq!(advice.of("Atlantis", &tj), OnlineAdvice::Asked);
        let stopped = online::stopped_answering(&url, 3, 2);
        assert_eq!(
            advice.of("dishanbi", &tj),
            OnlineAdvice::Stopped(stopped.clone())
        );
        let held_off = online::held_off(&url, "86400 s", 1);
        assert_eq!(
            advice.of("Lemuria", &tj),
            OnlineAdvice::Stopped(held_off.clone())
        );
        let gazetteer = Gazetteer::new(vec![settlement("dushanbe", "Dushanbe", "TJ")]);
        let g = Geocoder::new(&gazetteer, None);
        let cache = GeocodeCache::default();
        let err =
            resolve_one(&g, &cache, "Dishanbi", "TJ", advice.of("Dishanbi", &tj)).unwrap_err();
        assert_eq!(
            err,
            "unresolved: no place in TJ in the gazetteer matches; did you mean Dushanbe (dushanbe, settlement, TJ, 0.68)? fix the spelling, or add the name as an alias or a new row; not asked online: http://127.0.0.1:9/search stopped answering (3 attempts in a row timed out or could not connect), so this run asked none of the 2 remaining name(s); run again when it is back"
        );
        let err = resolve_one(&g, &cache, "Lemuria", "TJ", advice.of("Lemuria", &tj)).unwrap_err();
        assert!(
            err.ends_with("; not asked online: http://127.0.0.1:9/search asked to wait 86400 s (Retry-After), longer than this run waits, so it asked none of the 1 remaining name(s); run again after that"),
            "{err}"
        );
        // One wording: the lookups' outcomes say the same.
        let said = |i: usize| outcomes[i].result.as_ref().unwrap_err().to_string();
        assert_eq!(said(1), format!("\"Dishanbi\": {stopped}"));
        assert_eq!(said(2), format!("\"Lemuria\": {held_off}"));
    }

    /// Near names come from every table, ranked together.
    #[test]
    fn near_names_of_both_tables_are_ranked_together() {
        let gazetteer = Gazetteer::new(vec![settlement("dushanbe", "Dushanbe", "TJ")]);
        let geonames = Gazetteer::named(
            "geonames",
            geocoder::ALTERNATE_NAME,
            vec![
                settlement("geonames:1", "Dashanbu", "TJ"),
                settlement("geonames:2", "Dushanzi", "CN"),
            ],
        );
        let g = Geocoder::new(&gazetteer, Some(&geonames));
        // Two edits from each: 0.675 all, ties by place id.
        let r = g.lookup("Dishanbi", &Filter::default());
        assert_eq!(r.status, Status::Unresolved, "{r:?}");
        let near: Vec<(&str, &str)> = r
            .near
            .iter()
            .map(|c| (c.table, c.place.id.as_str()))
            .collect();
        assert_eq!(
            near,
            [
                ("gazetteer", "dushanbe"),
                ("geonames", "geonames:1"),
                ("geonames", "geonames:2")
            ]
        );
        assert!(r.near.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn lookup_keys_is_lookup_without_the_fuzzy_stage() {
        let gazetteer = Gazetteer::new(vec![geocoder::tests::place(
            "qizilqala",
            "Qizilqala",
            crate::model::PlaceKind::Settlement,
            "TJ",
            &[],
        )]);
        let g = Geocoder::new(&gazetteer, None);
        let any = Filter::default();
        assert_eq!(g.lookup_keys("Qizilqala", &any).status, Status::Resolved);
        assert_eq!(g.lookup("Qizilqaxa", &any).status, Status::Resolved);
        assert_eq!(g.lookup_keys("Qizilqaxa", &any).status, Status::Unresolved);
    }
}
