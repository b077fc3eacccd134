//! The pipeline: read → resolve → derive → write, for every command.
//!
//! Every command that reads the gazetteer (`check`, `build`, `build --events`, `geocode`,
//! `serve --watch`) reads it through [`Tables::read`], which runs the same checks
//! (containment in the country's polygons, every spelling leading back to its row).
//! `check` runs the first three stages and reports every problem; `build` does the same and,
//! only if there is none, writes all layers at once (each staged to a temporary file, then
//! all published as one generation, [`crate::write::generation`]), so bad data never
//! replaces good output. [`bulk`] is the same road for a
//! bulk event export, streamed.

pub mod bulk;
mod parallel;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::derive::{self, containment, AfghanBorder, Layer};
use crate::error::{Error, Problem, Result};
use crate::model::{Dataset, Place};
use crate::names::normalize::NameKey;
use crate::read::dataset::EmptyFile;
use crate::read::topojson::{self, Provenance};
use crate::read::{dataset, geonames, places};
use crate::resolve::online::{self, GeocodeCache, OnlineOptions};
use crate::resolve::{self, Filter, Gazetteer, Geocoder, Resolutions};
use crate::write::generation::Folder;
use crate::write::{atomic, geojson, tiles};

/// File name of the GeoNames table (the second table) inside the data folder.
pub const GEONAMES: &str = "geonames.txt";

/// File name of the gazetteer inside the data folder.
pub const PLACES: &str = "places.csv";

/// Where the pipeline reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The data folder (`places/`).
    pub data: PathBuf,
    /// The output folder (`output/`).
    pub out: PathBuf,
}

impl Paths {
    /// Refuse (a usage error) an output folder that is the data folder or lies inside it:
    /// the data folder is read and never changed by a run, and `serve --watch` would take
    /// each build's own writes for a change to build again.
    /// `command` names the command in the message.
    pub fn check_apart(&self, command: &str) -> Result<()> {
        match outside_data(&self.out, &self.data, command) {
            Some(why) => Err(Error::Usage(format!("--out {}: {why}", self.out.display()))),
            None => Ok(()),
        }
    }
}

/// Why `path` may not be written by `command`: it is the `data` folder the command reads
/// or lies inside it (compared canonical, [`crate::fsutil::lies_in`]). The one rule of
/// every output and the data folder (`build`, `serve --watch`, `tiles`'s archive and XYZ
/// folder, `extract`; `places import-geonames` writes into `places/` by design).
pub fn outside_data(path: &Path, data: &Path, command: &str) -> Option<String> {
    crate::fsutil::lies_in(path, data).then(|| {
        format!(
            "inside the data folder {}, which {command} reads and never changes: write it \
             elsewhere",
            data.display()
        )
    })
}

/// The validated inputs, and the problems found reading them.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The gazetteer, indexed.
    pub gazetteer: Gazetteer,
    /// The GeoNames table behind it, loaded only when the gazetteer leaves a name unknown
    /// or knows it only through places named after it, and `geonames.txt` exists.
    pub geonames: Option<Gazetteer>,
    /// The dataset.
    pub dataset: Dataset,
    /// The Afghan border from the Natural Earth boundaries.
    pub border: AfghanBorder,
    /// Where the boundaries come from.
    pub provenance: Provenance,
    /// Cached online geocoder answers (`geocode-cache.toml`; empty when there is none).
    pub cache: GeocodeCache,
    /// Problems found so far.
    pub problems: Vec<Problem>,
}

/// Read the boundaries and derive the Afghan border from them. A missing boundary file (or
/// its provenance record) is named and said to be what it is: a data folder holding only
/// `places.csv` was refused with a bare "No such file or directory" (probe, session 39).
pub fn read_border(data: &Path) -> Result<(AfghanBorder, topojson::Boundaries, Provenance)> {
    let path = data.join(topojson::COUNTRIES);
    let boundaries = topojson::read(&path).map_err(|e| missing_boundaries(e, &path))?;
    let provenance_path = data.join(topojson::PROVENANCE);
    let provenance =
        Provenance::read(&provenance_path).map_err(|e| missing_boundaries(e, &provenance_path))?;
    let border = AfghanBorder::from_boundaries(&boundaries).map_err(|message| Error::Syntax {
        path,
        line: None,
        message,
    })?;
    Ok((border, boundaries, provenance))
}

/// `e`, or, when it is that the boundary file at `path` (or its provenance record) does
/// not exist, a usage error (exit 2, as for any file that cannot be read) naming it and
/// saying what it is and where it comes from.
fn missing_boundaries(e: Error, path: &Path) -> Error {
    if !e.is_not_found() {
        return e;
    }
    Error::Usage(format!(
        "{}: no such file: the data folder needs the Natural Earth country boundaries \
         ({} and {}, as in the repository's places/), which every place is checked against",
        path.display(),
        topojson::COUNTRIES,
        topojson::PROVENANCE
    ))
}

/// The gazetteer and the boundaries, read and checked: what every command that geocodes
/// starts from.
#[derive(Debug, Clone)]
pub struct Tables {
    /// The gazetteer, indexed.
    pub gazetteer: Gazetteer,
    /// The Afghan border from the Natural Earth boundaries.
    pub border: AfghanBorder,
    /// Where the boundaries come from.
    pub provenance: Provenance,
    /// The Natural Earth boundaries (the bulk swap check asks them).
    pub boundaries: topojson::Boundaries,
    /// Problems found in the gazetteer: bad values, places outside their country,
    /// spellings that do not lead back to their own row.
    pub problems: Vec<Problem>,
}

impl Tables {
    /// Read `places.csv` and the boundaries from `data`, and check every place against the
    /// country it is filed under and every spelling against its row. The one input
    /// assembly: every command goes through here.
    pub fn read(data: &Path) -> Result<Tables> {
        // A data folder that is not there is named as such, not by the first file looked
        // for in it (probe, session 44: `--data nosuch` said "nosuch/places.csv: No such
        // file or directory").
        match std::fs::metadata(data) {
            Ok(m) if !m.is_dir() => {
                return Err(Error::Usage(format!(
                    "{}: a file, not a folder: --data names the folder that holds {PLACES}",
                    data.display()
                )))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Usage(format!(
                    "{}: no such folder: --data names the folder that holds {PLACES}",
                    data.display()
                )))
            }
            _ => {}
        }
        let places_path = data.join(PLACES);
        let bytes = crate::read::input::read_lines(&places_path)?;
        let (places, problems) = places::parse(&places_path, &bytes)?;
        let (border, boundaries, provenance) = read_border(data)?;
        let (gazetteer, problems) =
            check_places(places, problems, &boundaries, &places_path, &bytes);
        Ok(Tables {
            gazetteer,
            border,
            provenance,
            boundaries,
            problems,
        })
    }

    /// The gazetteer `text` would be, read as `places.csv` at `path` is and checked as
    /// [`Tables::read`] checks it: what an edit of the file (`places promote --append`) would
    /// leave, so that no command writes a gazetteer the others refuse.
    pub fn places_as(&self, path: &Path, text: &[u8]) -> Result<(Gazetteer, Vec<Problem>)> {
        let (places, problems) = places::parse(path, text)?;
        Ok(check_places(places, problems, &self.boundaries, path, text))
    }

    /// The online cache in `data` (`geocode-cache.toml`; empty when there is none), every
    /// chosen point checked against the country it is filed under, as the gazetteer's rows
    /// are: a hand edit that moves one out is an error naming the file and the entry (probe,
    /// session 30: a point 464 km inside Kazakhstan filed under TJ was used, and `places
    /// promote --append` wrote a row `check` then refused).
    pub fn geocode_cache(&self, data: &Path) -> Result<GeocodeCache> {
        GeocodeCache::load_within(
            &online::cache_path(data),
            &mut containment::CountryIndex::new(&self.boundaries),
        )
    }

    /// The tables, or every problem found in them as an error (for commands that geocode
    /// without reporting problems themselves).
    pub fn checked(mut self) -> Result<Tables> {
        if self.problems.is_empty() {
            Ok(self)
        } else {
            sort_problems(&mut self.problems);
            Err(Error::Data(self.problems))
        }
    }
}

/// The gazetteer of `places` as read from `path` (`text`, with the `problems` found reading
/// it), every place checked against the country it is filed under and every spelling
/// against its row: the one check of a gazetteer, whether read from disk or about to be
/// written. The rows refused for a problem are kept by their names, so a name only such a
/// row answers is told so, not advised to add a row ([`Gazetteer::refuse`]).
fn check_places(
    places: Vec<Place>,
    mut problems: Vec<Problem>,
    boundaries: &topojson::Boundaries,
    path: &Path,
    text: &[u8],
) -> (Gazetteer, Vec<Problem>) {
    problems.extend(containment::check(&places, boundaries, path));
    let kept: std::collections::BTreeSet<usize> = places.iter().map(|p| p.line).collect();
    let flagged: std::collections::BTreeSet<usize> =
        problems.iter().filter_map(|p| p.line).collect();
    let refused: Vec<resolve::geocoder::Refused> = if flagged.is_empty() {
        Vec::new()
    } else {
        places::names_by_line(text)
            .into_iter()
            .filter(|(line, _)| flagged.contains(line) && !kept.contains(line))
            .map(|(line, names)| resolve::geocoder::Refused::new(path, line, &names))
            .collect()
    };
    let mut gazetteer = Gazetteer::new(places);
    gazetteer.refuse(refused);
    problems.extend(alias_problems(&gazetteer, path));
    (gazetteer, problems)
}

/// Read the gazetteer, the dataset and the boundaries from `data` ([`Tables::read`], with
/// its checks), and the online cache.
pub fn read(data: &Path) -> Result<Inputs> {
    let tables = Tables::read(data)?;
    let cache = tables.geocode_cache(data)?;
    let Tables {
        gazetteer,
        border,
        provenance,
        mut problems,
        ..
    } = tables;
    let (dataset, more) = dataset::read(data)?;
    problems.extend(more);
    problems.extend(crate::evidence::check(
        data,
        &dataset,
        gazetteer.places(),
        &data.join(PLACES),
    )?);
    let mut inputs = Inputs {
        geonames: None,
        gazetteer,
        dataset,
        border,
        provenance,
        cache,
        problems,
    };
    if resolve::asks_next_table(&inputs.geocoder(), &inputs.dataset) {
        let queries = inputs.dataset.place_refs().map(|p| p.query.as_str());
        inputs.geonames = load_geonames_for(data, &inputs.gazetteer, queries)?;
    }
    Ok(inputs)
}

impl Inputs {
    /// The local tables: the gazetteer, and GeoNames behind it when loaded.
    pub fn geocoder(&self) -> Geocoder<'_> {
        Geocoder::new(&self.gazetteer, self.geonames.as_ref())
    }
}

/// The GeoNames places the gazetteer's rows stand for. A row that cites `GeoNames N` in its
/// source and shares a name with that place (a loose key: `Termez`, `Tirmiz`'s alternate) is
/// that place in the hand-kept table, which always wins: GeoNames leaves it out. A place a
/// row cites for another reason (its fallback point, its radius's reference: Priozersk for
/// the Sary-Shagan test range, Bokhtar for Kharbmaidon) stays in, found by its own names,
/// and so does a town whose name a row shares only with generic words added ("Narynkol
/// training ground" is not the town of Narynkol).
#[derive(Debug, Default)]
pub struct Cited {
    /// Each cited geonameid, with the loose keys of the names of the rows citing it.
    by_id: BTreeMap<u64, Vec<String>>,
}

impl Cited {
    /// The citations of `gazetteer`'s rows.
    pub fn of(gazetteer: &Gazetteer) -> Cited {
        let mut by_id: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for p in gazetteer.places() {
            let ids = crate::model::credits::source_items(&p.source)
                .filter_map(crate::model::credits::geonames_id);
            for id in ids {
                let keys = by_id.entry(id).or_default();
                // A name with generic words ("Termez training ground") is the row's own
                // kind of place, not the town its key shares: only a bare name ("Mulino",
                // "Tirmiz") says the row is the cited place.
                let bare = p.names().map(NameKey::new).filter(|k| k.hint.is_none());
                keys.extend(bare.map(|k| k.loose));
            }
        }
        // Sorted once, not per row: rows citing one GeoNames row made this quadratic
        // (probe, session 44: 32,000 such rows took `check` 28 s).
        for keys in by_id.values_mut() {
            keys.sort_unstable();
            keys.dedup();
        }
        Cited { by_id }
    }

    /// Whether the GeoNames row `id`, named `names`, is a citing row's place.
    pub fn stands_for<'n>(&self, id: u64, mut names: impl Iterator<Item = &'n str>) -> bool {
        self.by_id
            .get(&id)
            .is_some_and(|keys| names.any(|n| keys.binary_search(&NameKey::new(n).loose).is_ok()))
    }

    /// The geonameids of the on-disk `index` that citing rows stand for (looked up by the
    /// rows' names, not read whole).
    pub fn in_index(&self, index: &resolve::index::GeonamesIndex) -> Result<Vec<u64>> {
        let mut ids = Vec::new();
        for (&id, keys) in &self.by_id {
            for key in keys {
                if index.ids_named(key)?.contains(&id) {
                    ids.push(id);
                    break;
                }
            }
        }
        Ok(ids)
    }
}

/// The GeoNames table in `data`, if there is one; malformed lines in it are problems.
pub fn load_geonames(data: &Path, gazetteer: &Gazetteer) -> Result<Option<Gazetteer>> {
    let path = data.join(GEONAMES);
    if !path.exists() {
        return Ok(None);
    }
    let cited = Cited::of(gazetteer);
    let stands_for = |row: &geonames::Row| {
        let names =
            std::iter::once(row.name.as_str()).chain(row.alternates.iter().map(String::as_str));
        cited.stands_for(row.id, names)
    };
    let (places, stats) = geonames::read_places(&path, &stands_for)?;
    if stats.malformed > 0 {
        return Err(stats.into_error());
    }
    Ok(Some(Gazetteer::named(
        "geonames",
        resolve::geocoder::ALTERNATE_NAME,
        places,
    )))
}

/// The GeoNames rows that `queries` can match, from the on-disk index beside
/// `geonames.txt` (built, or rebuilt when out of date, as needed): a small table on which the
/// geocoder answers those queries exactly as on the whole table, without reading it. Without
/// an index this is [`load_geonames`].
pub fn load_geonames_for<'q>(
    data: &Path,
    gazetteer: &Gazetteer,
    queries: impl IntoIterator<Item = &'q str>,
) -> Result<Option<Gazetteer>> {
    let Some(index) = open_geonames_index(data, gazetteer)? else {
        return load_geonames(data, gazetteer);
    };
    let places = index.places_for(queries)?;
    Ok(Some(Gazetteer::named(
        "geonames",
        resolve::geocoder::ALTERNATE_NAME,
        places,
    )))
}

/// The on-disk index beside `geonames.txt`, rebuilt first when out of date or damaged, with
/// the rows the gazetteer cites left out; `None` when there is no table or no index.
pub fn open_geonames_index(
    data: &Path,
    gazetteer: &Gazetteer,
) -> Result<Option<resolve::index::GeonamesIndex>> {
    let path = data.join(GEONAMES);
    if !path.exists() || !resolve::index::index_path(&path).exists() {
        return Ok(None);
    }
    let index = resolve::index::open_or_rebuild(&path)?;
    let cited = Cited::of(gazetteer).in_index(&index)?;
    Ok(Some(index.exclude(cited)))
}

/// Every name and alias of a row must resolve to that row within its country; a spelling
/// that leads elsewhere (or nowhere) is a problem on the row's line.
fn alias_problems(gazetteer: &Gazetteer, path: &Path) -> Vec<Problem> {
    let mut problems = Vec::new();
    for place in gazetteer.places() {
        for name in place.names() {
            if crate::names::normalize::NameKey::nothing_to_match(name) {
                let message = format!(
                    "this spelling of `{}` {}",
                    place.id,
                    crate::names::normalize::NOTHING_TO_MATCH
                );
                problems.push(Problem::new(path, Some(place.line), name, message));
                continue;
            }
            // On a day the row holds: a name it shares with the place before or after a
            // reform is its own on its dates.
            let filter = Filter {
                date: place.valid.a_day(),
                ..Filter::country(&place.country)
            };
            let r = gazetteer.lookup(name, &filter);
            if r.best().map(|c| c.place.id.as_str()) != Some(place.id.as_str()) {
                let why = resolve::explain(&r, &filter);
                let message = format!(
                    "this spelling of `{}` does not resolve to its own row: {why}",
                    place.id
                );
                problems.push(Problem::new(path, Some(place.line), name, message));
            }
        }
    }
    problems
}

/// Put `problems` in the order every command lists them: those of the gazetteer
/// (`places.csv`) first, then by file and line. A row the gazetteer refuses leaves the names
/// it answers unresolved in the dataset: the cause is listed before its effects (probe,
/// session 39: a `NaN` latitude came last, after the names it left unresolved).
pub fn sort_problems(problems: &mut [Problem]) {
    let later = |p: &Problem| p.path.file_name() != Some(std::ffi::OsStr::new(PLACES));
    problems.sort_by(|a, b| later(a).cmp(&later(b)).then_with(|| a.cmp(b)));
}

/// What `check` found.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// Rows in the gazetteer.
    pub places: usize,
    /// Exercise records.
    pub exercises: usize,
    /// Base records.
    pub bases: usize,
    /// Every problem, the gazetteer's first, then by file and line ([`sort_problems`]).
    pub problems: Vec<Problem>,
    /// Places resolved only by the online geocoder (from its cache), one line each, for an
    /// analyst to review and promote into the gazetteer.
    pub online_only: Vec<String>,
    /// Places resolved by a match weaker than an exact key, for a reviewer
    /// ([`resolve::weak_matches`]).
    pub weak: Vec<Problem>,
}

/// Resolve every place reference; returns the resolutions and all problems, sorted.
/// `advice`: what the unresolved names' advice may offer online ([`resolve::RunAdvice`]).
fn resolve_all<'i>(
    inputs: &'i Inputs,
    advice: &resolve::RunAdvice,
) -> (Resolutions<'i>, Vec<Problem>) {
    let (resolutions, more) =
        resolve::resolve_dataset(&inputs.geocoder(), &inputs.cache, &inputs.dataset, advice);
    let mut problems: Vec<Problem> = inputs.problems.iter().cloned().chain(more).collect();
    sort_problems(&mut problems);
    problems.dedup();
    (resolutions, problems)
}

/// Validate the data in `data` without writing anything.
pub fn check(data: &Path) -> Result<CheckReport> {
    let inputs = read(data)?;
    if inputs.geonames.is_none() {
        // Read only when a name needs it, the GeoNames table is still checked here, as every
        // input is: one that a build would refuse once a record needs it must not pass
        // `check --strict` (probe, session 41).
        load_geonames_for(data, &inputs.gazetteer, std::iter::empty())?;
    }
    let (resolutions, problems) = resolve_all(
        &inputs,
        &resolve::RunAdvice::every(resolve::OnlineAdvice::Offer),
    );
    let mut online_only: Vec<String> = resolutions
        .iter()
        .filter_map(|((query, country, _), r)| {
            let e = r.online?;
            Some(format!(
                "{query:?} resolved only online: {} ({}, {}, retrieved {}); review it and run `{}`",
                r.place.name,
                r.place.id,
                e.provider,
                e.retrieved_date(),
                online::promote_command(data, query, country)
            ))
        })
        .collect();
    online_only.dedup(); // one line per query, whatever the records' days
    Ok(CheckReport {
        places: inputs.gazetteer.places().len(),
        exercises: inputs.dataset.exercises.len(),
        bases: inputs.dataset.bases.len(),
        weak: resolve::weak_matches(&inputs.dataset, &resolutions),
        problems,
        online_only,
    })
}

/// How `build` may use an online geocoder.
#[derive(Debug, Clone)]
pub struct Online {
    /// Provider, URL, User-Agent, limits.
    pub options: OnlineOptions,
    /// Show a progress bar on stderr (it hides itself when stderr is not a terminal).
    pub progress: bool,
}

/// Ask the online geocoder about every query `cache` does not answer (or every found one,
/// with `refresh`), through one client and its rate limiter, saving each answer to the
/// cache in `data` as it comes: what `build --online` and `geocode --online` share. Adds
/// to `outcomes` one outcome per distinct query; a failed one leaves the cache as it was.
/// When an error stops the run (an answer that cannot be saved), `outcomes` holds those
/// that ended before it, so a failed refresh among them can still be warned of.
#[cfg(feature = "online")]
pub fn ask_online(
    data: &Path,
    cache: &mut GeocodeCache,
    queries: &[online::Query],
    online: &Online,
    outcomes: &mut Vec<online::LookupOutcome>,
) -> Result<()> {
    if queries.is_empty() {
        return Ok(());
    }
    let mut client = online::NominatimClient::new(online.options.clone())
        .map_err(|e| Error::Usage(e.to_string()))?;
    client.share_rate_with(&online::rate_path(data))?;
    let boundaries = topojson::read(&data.join(topojson::COUNTRIES))?;
    online::lookup_missing(
        queries,
        cache,
        &online::cache_path(data),
        &mut client,
        &mut containment::CountryIndex::new(&boundaries),
        online.progress,
        outcomes,
    )
}

/// Without the `online` feature: a usage error.
#[cfg(not(feature = "online"))]
pub fn ask_online(
    _: &Path,
    _: &mut GeocodeCache,
    _: &[online::Query],
    _: &Online,
    _: &mut Vec<online::LookupOutcome>,
) -> Result<()> {
    Err(Error::Usage(
        "this drillmap was built without the `online` feature".into(),
    ))
}

/// The cached answer a failed lookup leaves standing: a found entry for the same question
/// (a `--refresh` that failed). `None` when nothing answers the name, so the failure is
/// what the run has to say about it.
pub fn kept_answer<'c>(
    cache: &'c GeocodeCache,
    outcome: &online::LookupOutcome,
) -> Option<&'c online::CacheEntry> {
    match &outcome.result {
        Ok(_) => None,
        Err(_) => cache
            .get(&outcome.query, &outcome.countries)
            .filter(|entry| entry.status == online::Status::Found),
    }
}

/// What a failed lookup of `outcome` says: that the cached answer `kept` was used (a
/// warning: the refresh failed, or the run left it untried), or that the lookup failed (a
/// problem when nothing else answers the name). `None` when it did not fail, or when the
/// run left it unasked (its `--online-max` cap, a service that stopped answering or held
/// it off: [`online::OnlineError::not_asked`]) and nothing answers it: the name's advice
/// says so ([`resolve::RunAdvice`]), and it was no lookup that failed. `build` and
/// `geocode` say it in the same words.
pub fn failed_lookup(
    outcome: &online::LookupOutcome,
    kept: Option<&online::CacheEntry>,
) -> Option<String> {
    let Err(e) = &outcome.result else {
        return None;
    };
    match (kept, e.not_asked()) {
        // The run left the refresh untried: nothing failed (session 38's notes: it was
        // warned as "online refresh failed").
        (Some(entry), Some(why)) => Some(format!(
            "not refreshed: {why}; the cached answer (retrieved {}) was used",
            entry.retrieved_date()
        )),
        (Some(entry), None) => Some(format!(
            "online refresh failed: {e}; the cached answer (retrieved {}) was used",
            entry.retrieved_date()
        )),
        (None, Some(_)) => None,
        (None, None) => Some(format!("online lookup failed: {e}")),
    }
}

/// The places of `dataset` that asked the question of `outcome` (every spelling the cache's
/// key folds together).
fn asked_by<'d>(
    dataset: &'d Dataset,
    outcome: &online::LookupOutcome,
) -> impl Iterator<Item = &'d crate::model::PlaceRef> + 'd {
    let asked = online::query_key(&outcome.query);
    dataset
        .place_refs()
        .filter(move |p| online::query_key(&p.query) == asked)
}

/// Ask the online geocoder ([`ask_online`]) about every name the local tables do not know.
/// A name whose lookup fails is reported at each line naming it, as a problem, unless the
/// cache still answers it (a failed `--refresh`): then the cached answer is used and the
/// failure is a warning, noted in `warnings`, as an offline build of the same data would
/// use it: also when asking stops the run (an answer that cannot be saved), so the build
/// still says them before its error. The others are kept. Returns the problems and the
/// advice to the names left unresolved.
fn geocode_online(
    data: &Path,
    inputs: &mut Inputs,
    online: &Online,
    warnings: &mut Vec<Problem>,
) -> Result<(Vec<Problem>, resolve::RunAdvice)> {
    let queries: Vec<online::Query> =
        resolve::unknown_to_gazetteer(&inputs.geocoder(), &inputs.dataset)
            .into_iter()
            .map(|(q, countries)| online::Query::new(q, &countries))
            .collect();
    let mut outcomes = Vec::new();
    let asked = ask_online(data, &mut inputs.cache, &queries, online, &mut outcomes);
    let mut problems = Vec::new();
    for o in &outcomes {
        let kept = kept_answer(&inputs.cache, o);
        let Some(message) = failed_lookup(o, kept) else {
            continue;
        };
        let list = if kept.is_some() {
            &mut *warnings
        } else {
            &mut problems
        };
        for place in asked_by(&inputs.dataset, o) {
            list.push(Problem::new(
                &place.path,
                Some(place.line),
                &place.query,
                message.clone(),
            ));
        }
    }
    asked?;
    Ok((problems, resolve::RunAdvice::online(&outcomes)))
}

/// The layers of the data in `data`, or every problem that stops them.
pub fn layers(data: &Path) -> Result<Vec<Layer>> {
    layers_with(data, None)
}

/// [`layers`], asking an online geocoder first about names nothing else knows.
pub fn layers_with(data: &Path, online: Option<&Online>) -> Result<Vec<Layer>> {
    layers_noticed(data, online, false, true, &mut Notices::default())
}

/// What a build has to say besides its layers: nothing stops it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Notices {
    /// The places resolved by a weak match ([`resolve::weak_matches`]) of a build that
    /// succeeded; empty with `strict`, which makes them problems.
    pub weak: Vec<Problem>,
    /// Names whose online refresh failed (or was left untried), answered from the cache
    /// as before (warnings). Noted as soon as the lookups are done, so a build that then
    /// fails for another reason, or that asking online stops (an answer that cannot be
    /// saved), still has them to say.
    pub refresh_failed: Vec<Problem>,
    /// The dataset files with no record, whose layers were built empty because that was
    /// allowed (`--allow-empty`); refused otherwise ([`EmptyFile::refused`]).
    pub empty: Vec<EmptyFile>,
}

/// [`layers_with`], noting in `notices` what it noticed ([`Notices`]): the weak matches are
/// notices, or problems (nothing derived) with `strict`; the failed refreshes are noted
/// whether or not the layers are made.
pub fn layers_noticed(
    data: &Path,
    online: Option<&Online>,
    strict: bool,
    allow_empty: bool,
    notices: &mut Notices,
) -> Result<Vec<Layer>> {
    let mut inputs = read(data)?;
    // A file with no record would empty its layer: refused unless asked, judged on the
    // dataset as read, before anything is asked online (probe, session 43: `serve --watch`
    // published the empty layer of a file an editor had just emptied).
    notices.empty = dataset::empty_in(&inputs.dataset, data);
    if !allow_empty && !notices.empty.is_empty() {
        return Err(Error::Data(
            notices.empty.iter().map(EmptyFile::refused).collect(),
        ));
    }
    // A name an online run leaves unresolved was asked, and its failure is reported, or
    // was left unasked at the run's cap, and its advice says so.
    let mut advice = resolve::RunAdvice::every(resolve::OnlineAdvice::Offer);
    if let Some(online) = online {
        let (failed, asked) =
            geocode_online(data, &mut inputs, online, &mut notices.refresh_failed)?;
        inputs.problems.extend(failed);
        advice = asked;
    }
    let (resolutions, mut problems) = resolve_all(&inputs, &advice);
    let mut weak = resolve::weak_matches(&inputs.dataset, &resolutions);
    if strict {
        problems.append(&mut weak);
        sort_problems(&mut problems);
    }
    if !problems.is_empty() {
        return Err(Error::Data(problems));
    }
    let layers = derive::layers(
        &inputs.dataset,
        &resolutions,
        &inputs.border,
        &inputs.provenance,
    );
    notices.weak = weak;
    Ok(layers.into())
}

/// One written layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSummary {
    /// Layer name.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Features written.
    pub features: usize,
    /// Of which without a location.
    pub unlocated: usize,
    /// Whether the file's content changed.
    pub changed: bool,
}

/// Check, derive and write every layer. Nothing is written when there is any problem.
/// With `online`, names nothing else knows are asked first (and their answers cached).
/// Locks the output folder, waiting quietly while another build holds it.
pub fn build(paths: &Paths, online: Option<&Online>) -> Result<Vec<LayerSummary>> {
    let mut folder = Folder::lock(&paths.out, &mut |_| {})?;
    build_noticed(
        paths,
        online,
        false,
        false,
        &mut folder,
        &mut Notices::default(),
    )
}

/// [`build`] into `folder` (`paths.out`, locked), noting in `notices` what
/// [`layers_noticed`] notices (the weak matches are problems with `strict`; the failed
/// refreshes are noted also when the build fails). Every file is staged, then all are
/// published as one generation.
pub fn build_noticed(
    paths: &Paths,
    online: Option<&Online>,
    strict: bool,
    allow_empty: bool,
    folder: &mut Folder,
    notices: &mut Notices,
) -> Result<Vec<LayerSummary>> {
    let layers = layers_noticed(&paths.data, online, strict, allow_empty, notices)?;
    let mut summaries = Vec::new();
    let mut files = Vec::new();
    for l in &layers {
        let output = geojson::write_layer(&paths.out.join(format!("{}.geojson", l.name)), l)?;
        summaries.push(LayerSummary {
            name: l.name.clone(),
            path: output.path.clone(),
            features: l.features.len(),
            unlocated: l.features.iter().filter(|f| f.geometry.is_none()).count(),
            changed: output.changed(),
        });
        files.push((output.path, output.staged, output.digest));
    }
    let (archive, stats) = tiles::encode_pmtiles(&layers, &tile_options())?;
    let path = paths.out.join(PMTILES);
    let staged = atomic::stage(&path, &archive)?;
    summaries.push(LayerSummary {
        name: "tiles".into(),
        path: path.clone(),
        features: stats.features,
        unlocated: stats.skipped,
        changed: staged.is_some(),
    });
    files.push((path, staged, None));
    folder.publish(files, &[])?;
    Ok(summaries)
}

/// What `places import-geonames` did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// Lines read, rows kept (written), left out, and malformed lines (a row repeating an
    /// earlier row's geonameid among them).
    pub stats: geonames::Stats,
    /// Whether the table file changed.
    pub written: bool,
    /// What the on-disk index beside the table holds.
    pub index: resolve::index::build::BuildStats,
    /// Temporary files (and their bytes) that killed imports had left beside the table,
    /// removed before this one started.
    pub swept: (u64, u64),
}

/// Import a GeoNames dump: keep the usable rows in `selection`, and write them, sorted by
/// geonameid, as GeoNames lines to `out`, with its on-disk index beside it (`out` with the
/// extension `.idx`): the table is staged under a temporary name, its index built from it,
/// and only then are both renamed into place, so a failure leaves the old pair. With
/// `strict`, any malformed line stops the import and nothing is written; a dump that yields
/// no rows is refused unless `allow_empty`.
pub fn import_geonames(
    input: &Path,
    selection: &geonames::Selection,
    out: &Path,
    strict: bool,
    allow_empty: bool,
) -> Result<ImportReport> {
    let file = crate::read::input::open_lines(input)?;
    let folder = crate::fsutil::atomic::folder_of(out);
    let swept = crate::fsutil::atomic::sweep_orphans(folder)?;
    let mut rows: Vec<(u64, usize, String)> = Vec::new();
    let mut stats = geonames::read(
        std::io::BufReader::with_capacity(1 << 20, file),
        input,
        selection,
        |row, line| {
            rows.push((row.id, row.line, line.to_owned()));
        },
    )?;
    // A stable sort: of rows repeating a geonameid, the first in the dump is kept, and each
    // other is a malformed line, named (probe, session 31: only a count was said, and
    // `--strict` let them through).
    rows.sort_by_key(|(id, _, _)| *id);
    let mut repeats: Vec<(usize, u64, usize)> = Vec::new();
    rows.dedup_by(|(id, line, _), (kept, first, _)| {
        let same = id == kept;
        if same {
            repeats.push((*line, *id, *first));
        }
        same
    });
    if !repeats.is_empty() {
        // Listed with the malformed lines, the first in the file first.
        repeats.sort_unstable();
        stats.malformed += repeats.len();
        stats.problems.extend(
            repeats
                .iter()
                .take(geonames::LISTED)
                .map(|&(line, id, first)| {
                    Problem::new(
                        input,
                        Some(line),
                        id.to_string(),
                        format!(
                            "geonameid {id} repeats the row on line {first}; the first is kept"
                        ),
                    )
                }),
        );
        stats.problems.sort();
        stats.problems.truncate(geonames::LISTED);
    }
    stats.kept = rows.len();
    if strict && stats.malformed > 0 {
        return Err(stats.into_error());
    }
    if rows.is_empty() && !allow_empty {
        let total = stats.malformed + 1;
        let mut problems = stats.problems;
        // First: the malformed lines follow, then how many more are not listed.
        // A table that is there is kept; one that is not was not made (probe, session 40:
        // "was left as it is" of a file that never existed).
        let kept = match out.exists() {
            true => format!("{} was left as it is", out.display()),
            false => format!("nothing was written to {}", out.display()),
        };
        let why = format!(
            "no usable rows ({} lines read); {kept} (pass --allow-empty to write an empty \
             table)",
            stats.lines,
        );
        problems.insert(0, Problem::new(input, None, "", why));
        return Err(Error::data(problems, total));
    }
    let mut text = String::with_capacity(rows.iter().map(|(_, _, l)| l.len() + 1).sum());
    for (_, _, line) in &rows {
        text.push_str(line);
        text.push('\n');
    }
    drop(rows);
    // Made here, so a file where a folder should be is said plainly (probe, session 40:
    // `--out afile/t.txt` said only "File exists").
    crate::fsutil::atomic::create_dir(folder)?;
    // Two imports into one table take turns from here (probe, session 41: the one that
    // said "written" could be the one replaced, its rows gone), so each compares with,
    // and replaces, what the other left; the dumps are read at once.
    let _turn = crate::fsutil::atomic::lock_for_edit(out)?;
    let written = std::fs::read(out).ok().as_deref() != Some(text.as_bytes());
    let index = resolve::index::import(out, text.into_bytes())?;
    Ok(ImportReport {
        stats,
        written,
        index,
        swept,
    })
}

/// File name of the vector-tile archive `build` writes into the output folder.
pub const PMTILES: &str = "drillmap.pmtiles";

/// The tile options `build` uses: zooms 0 to [`tiles::DEFAULT_MAX_ZOOM`], named and
/// described for the archive's metadata.
pub fn tile_options() -> tiles::TileOptions {
    tiles::TileOptions {
        name: "drillmap".into(),
        description:
            "Military exercises and bases reported in the news, and the Afghan border (drillmap)"
                .into(),
        ..tiles::TileOptions::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "id,name,kind,country,admin1,lat,lon,precision,uncertainty_km,\
                          point_note,aliases,source,valid_from,valid_to\n";

    fn cited(rows: &str) -> Cited {
        let csv = format!("{HEADER}{rows}");
        let (places, problems) =
            crate::read::places::parse(Path::new("places.csv"), csv.as_bytes()).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        Cited::of(&Gazetteer::new(places))
    }

    /// Review (session 34): generic words leave a name's loose key, so a training ground
    /// named after a town and citing it for its fallback point shared the town's key and
    /// the town was left out of GeoNames: a query for the town found only the ground.
    #[test]
    fn a_ground_named_after_a_town_does_not_stand_for_the_town() {
        let ground = "narynkol-training-ground,Narynkol training ground,training_ground,KZ,,\
                      42.72,80.17,settlement,20,fallback: Narynkol (GeoNames 1520747),\
                      Narynkol polygon|Нарынкол полигон,GeoNames 1520747,,\n";
        let c = cited(ground);
        assert!(!c.stands_for(1520747, ["Narynkol", "Нарынкол"].into_iter()));
    }

    #[test]
    fn a_bare_name_or_alias_stands_for_the_cited_place() {
        let rows = "mulino-training-ground,Mulino training ground,training_ground,RU,,\
                    56.29,42.92,settlement,10,Mulino settlement (GeoNames 524504),\
                    Mulino|Мулино,GeoNames 524504,,\n\
                    termez,Termez,settlement,UZ,,37.22,67.28,settlement,5,city centre,\
                    Termiz|Tirmiz,GeoNames 1215957,,\n";
        let c = cited(rows);
        assert!(c.stands_for(524504, ["Mulino"].into_iter()));
        assert!(c.stands_for(1215957, ["Tirmiz"].into_iter()));
        // Cited, but by another row's names only.
        assert!(!c.stands_for(524504, ["Termez"].into_iter()));
        assert!(!c.stands_for(1, ["Mulino"].into_iter()));
    }
}
