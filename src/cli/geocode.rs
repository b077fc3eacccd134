//! `drillmap geocode`: what a lookup prints, as text or JSON.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use drillmap::derive::location::round_km;
use drillmap::derive::AfghanBorder;
use drillmap::model::{round_to, Place};
use drillmap::pipeline;
use drillmap::resolve::online::{self, GeocodeCache};
use drillmap::resolve::{self, Candidate, Resolution, Resolved, Status};
use drillmap::resolve::{Geocoder, Status as LookupStatus};
use drillmap::Error;
use serde::Serialize;

use super::args::OnlineArgs;

#[derive(Serialize)]
struct JsonCandidate<'a> {
    place_id: &'a str,
    name: &'a str,
    kind: &'a str,
    country: &'a str,
    lat: f64,
    lon: f64,
    precision: &'a str,
    uncertainty_km: f64,
    point_note: &'a str,
    score: f64,
    rank: f64,
    matched: &'a str,
    r#match: drillmap::resolve::MatchKind,
    source: &'a str,
    table_line: usize,
    afghan_border_km: f64,
    nearest_border: &'a str,
    table: &'a str,
}

#[derive(Serialize)]
struct JsonAnswer<'a> {
    query: &'a str,
    status: Status,
    best: Option<JsonCandidate<'a>>,
    candidates: Vec<JsonCandidate<'a>>,
    /// An unresolved name's near names ([`Resolution::near`]), best first.
    near: Vec<JsonCandidate<'a>>,
    /// Why a name has no answer and what to do ([`resolve::explain`]); absent when resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    advice: Option<String>,
}

fn json_candidate<'a>(c: &Candidate<'a>, border: &'a AfghanBorder) -> JsonCandidate<'a> {
    let p: &Place = c.place;
    let d = border.distance(p.lon, p.lat);
    JsonCandidate {
        place_id: &p.id,
        name: &p.name,
        kind: p.kind.as_str(),
        country: &p.country,
        lat: p.lat,
        lon: p.lon,
        precision: p.precision.as_str(),
        uncertainty_km: p.uncertainty_km,
        point_note: &p.point_note,
        score: c.score,
        rank: round_to(c.rank, 3),
        matched: c.matched,
        r#match: c.how,
        source: &p.source,
        table_line: p.line,
        afghan_border_km: round_km(d.km),
        nearest_border: d.segment,
        table: c.table,
    }
}

/// A name looked up: the name, its answer, and why it has none
/// ([`resolve::explain_asked`]; `None` when resolved).
pub type Answered<'a> = (String, Resolution<'a>, Option<String>);

/// Print the answers as one JSON array.
pub fn print_json(
    out: &mut impl Write,
    answers: &[Answered<'_>],
    border: &AfghanBorder,
) -> std::io::Result<()> {
    let list: Vec<JsonAnswer<'_>> = answers
        .iter()
        .map(|(q, r, advice)| JsonAnswer {
            query: q,
            status: r.status,
            best: r.best().map(|c| json_candidate(c, border)),
            candidates: r
                .candidates
                .iter()
                .map(|c| json_candidate(c, border))
                .collect(),
            near: r.near.iter().map(|c| json_candidate(c, border)).collect(),
            advice: advice.clone(),
        })
        .collect();
    // `From` keeps an I/O error's kind (a closed pipe ends quietly, as the text output does).
    serde_json::to_writer_pretty(&mut *out, &list).map_err(std::io::Error::from)?;
    writeln!(out)
}

fn describe(c: &Candidate<'_>) -> String {
    let p = c.place;
    format!(
        "{} \"{}\" ({}, {}) at {},{} score {:.2} ({} match on \"{}\", ranked {:.2}), precision {} ±{} km",
        p.id,
        p.name,
        p.kind,
        p.country,
        p.lat,
        p.lon,
        c.score,
        c.how.as_str(),
        c.matched,
        c.rank,
        p.precision,
        p.uncertainty_km,
    )
}

/// Print the answers as text, one block per name.
pub fn print_text(
    out: &mut impl Write,
    answers: &[Answered<'_>],
    border: &AfghanBorder,
    table: &str,
) -> std::io::Result<()> {
    for (query, r, advice) in answers {
        match r.status {
            Status::Resolved => {
                let best = &r.candidates[0];
                writeln!(out, "{query}: resolved {}", describe(best))?;
                if !best.place.point_note.is_empty() {
                    writeln!(out, "  point: {}", best.place.point_note)?;
                }
                let d = border.distance(best.place.lon, best.place.lat);
                writeln!(out, "  afghan border: {:.1} km ({})", d.km, d.segment)?;
                match best.table {
                    "online" => writeln!(
                        out,
                        "  provenance: online cache {} ({})",
                        online::CACHE_FILE_NAME,
                        best.place.source
                    )?,
                    t => writeln!(
                        out,
                        "  provenance: {} line {} ({})",
                        if t == "gazetteer" { table } else { t },
                        best.place.line,
                        best.place.source
                    )?,
                }
                for other in &r.candidates[1..] {
                    writeln!(out, "  other candidate: {}", describe(other))?;
                }
            }
            Status::Ambiguous => {
                writeln!(
                    out,
                    "{query}: ambiguous between {} places",
                    r.candidates.len()
                )?;
                for c in &r.candidates {
                    writeln!(out, "  candidate: {}", describe(c))?;
                }
            }
            Status::Unresolved => {
                let why = advice.as_deref().unwrap_or_default();
                writeln!(out, "{query}: {why}")?;
            }
        }
    }
    Ok(())
}

/// A data error (problems, or a file that does not parse) in what `geocode` reads, as a
/// file that cannot be read (exit 2, the problems listed first): exit 1 means a name was
/// not resolved. Any other error as it is.
/// `what` names one problem ("malformed line").
fn unreadable(e: Error, path: &Path, what: &str, why: &str) -> Error {
    let problems = match &e {
        Error::Data(_) | Error::Listed { .. } => {
            let mut err = io::stderr().lock();
            for line in e.problem_lines().unwrap_or_default() {
                let _ = writeln!(err, "{line}");
            }
            e.problems().map_or(0, |(_, total)| total)
        }
        Error::Syntax { .. } => {
            let _ = writeln!(io::stderr().lock(), "{e}");
            1
        }
        _ => return e,
    };
    Error::io(
        path,
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}: {why}; nothing was looked up",
                super::counted(problems as u64, what)
            ),
        ),
    )
}

/// One row of `geocode --batch` output; its fields are the CSV's columns. Where a point
/// came from is said as a layer says it (`geocoder`, `point_source`), so a batch fed to
/// `build --events` keeps what its points owe (GeoNames, OpenStreetMap).
#[derive(Serialize, Default)]
struct BatchRow<'a> {
    name: &'a str,
    country: &'a str,
    status: &'a str,
    place_id: Option<&'a str>,
    place_name: Option<&'a str>,
    lat: Option<f64>,
    lon: Option<f64>,
    precision: Option<&'a str>,
    uncertainty_km: Option<f64>,
    score: Option<f64>,
    r#match: Option<&'a str>,
    geocoder: Option<&'a str>,
    point_source: Option<&'a str>,
    afghan_border_km: Option<f64>,
    candidates: usize,
    note: String,
}

/// A batch file: its rows, where the `name` column is, and the country each row's
/// `country` cell names.
pub struct BatchInput {
    records: Vec<csv::StringRecord>,
    name_col: usize,
    countries: Vec<Option<&'static drillmap::country::Country>>,
}

impl BatchInput {
    /// Read the CSV at `input` (columns `name` and, optionally, `country`).
    pub fn read(input: &std::path::Path) -> Result<BatchInput, drillmap::Error> {
        let syntax = |line: Option<usize>, message: String| drillmap::Error::Syntax {
            path: input.into(),
            line,
            message,
        };
        use drillmap::read::table;
        // Read as the bulk reader reads a CSV (one line count, one rule for a row's width).
        let mut reader = table::reader(drillmap::read::input::open_csv(input)?);
        // A read error (a line over the cap, a quoted field the file ends in) names its line.
        let (header_line, headers) = match table::header(&mut reader) {
            Ok(h) => h,
            Err(e) => return Err(table::stop(input, &mut reader, e)),
        };
        let headers = headers.map_err(|m| syntax(usize::try_from(header_line).ok(), m))?;
        let at_header = |m: String| syntax(usize::try_from(header_line).ok(), m);
        let names: Vec<&str> = headers.iter().map(String::as_str).collect();
        if let Some(why) = table::repeated_column(&names) {
            return Err(at_header(why));
        }
        // A column is found in any case; two spelling it in different cases are refused,
        // as `build --events` refuses them.
        let col = |name: &str| table::column_in_any_case(&names, name, name).map_err(at_header);
        let name_col = col("name")?.ok_or_else(|| {
            at_header("no `name` column (columns: name, and optionally country)".into())
        })?;
        let country_col = col("country")?;
        let mut problems = Vec::new();
        let mut records = Vec::new();
        let mut lines = Vec::new();
        let mut slot = None;
        loop {
            let record = match table::read_text(&mut reader, &mut slot, &headers) {
                Ok(Ok(Some(record))) => record,
                Ok(Ok(None)) => break,
                Ok(Err(bad)) => {
                    problems.push(bad.problem(input, &mut reader));
                    continue;
                }
                Err(e) => return Err(table::stop(input, &mut reader, e)),
            };
            let line = table::first_line(&mut reader, record.position());
            match table::row_width(input, line, record, headers.len()) {
                Ok(()) => {
                    records.push(record.clone());
                    lines.push(usize::try_from(line).ok());
                }
                Err(p) => problems.push(p),
            }
        }
        // A control character (an ESC, say) would go into the output as it is: refused as
        // in every name drillmap reads.
        // A country cell is read by `build --events`' rule ([`drillmap::country::from_cell`]):
        // an unknown one is a problem at its line, not a lookup without a filter.
        let mut countries = Vec::with_capacity(records.len());
        for (record, &line) in records.iter().zip(&lines) {
            for (what, col) in [("name", Some(name_col)), ("country", country_col)] {
                let value = col.and_then(|c| record.get(c)).unwrap_or("");
                let problem = if let Some(m) = drillmap::read::lines::control_character(value) {
                    Some(format!("{what} {m}"))
                } else if what == "name" && value.trim().is_empty() {
                    Some("empty name: there is nothing to look up".to_owned())
                } else if what == "name"
                    && drillmap::names::normalize::NameKey::nothing_to_match(value)
                {
                    Some(format!(
                        "name {}",
                        drillmap::names::normalize::NOTHING_TO_MATCH
                    ))
                } else if what == "country" {
                    match drillmap::country::from_cell(value) {
                        Ok(country) => {
                            countries.push(country);
                            None
                        }
                        Err(m) => Some(m),
                    }
                } else {
                    None
                };
                if let Some(m) = problem {
                    problems.push(drillmap::Problem::new(input, line, value, m));
                }
            }
        }
        if !problems.is_empty() {
            // In file order: a row of the wrong width among the others (a stable sort).
            problems.sort_by_key(|p| p.line);
            return Err(drillmap::Error::Data(problems));
        }
        countries.resize(records.len(), None);
        Ok(BatchInput {
            records,
            name_col,
            countries,
        })
    }

    /// Every name to look up.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.records
            .iter()
            .map(|r| r.get(self.name_col).unwrap_or("").trim())
    }
}

/// A batch's answer to one (name, country): the lookup, the cached online answer for a name
/// the tables do not know (a place, or the provider's answer that found nothing), the
/// best place's distance to the border, km, and for a name `--kind` or `--bbox` leaves
/// unresolved, the place it has outside them ([`resolve::outside_filter`]).
type Answer<'g> = (
    Resolution<'g>,
    Option<Resolved<'g>>,
    Option<&'g online::CacheEntry>,
    Option<f64>,
    Option<String>,
);

/// Geocode every row of `input`, writing one result per row as CSV (or a JSON array).
/// Returns whether all resolved.
#[allow(clippy::too_many_arguments)]
pub fn batch<'g>(
    out: &mut impl Write,
    geocoder: &drillmap::resolve::Geocoder<'g>,
    cache: &'g GeocodeCache,
    filter: &drillmap::resolve::Filter,
    border: &AfghanBorder,
    input: &BatchInput,
    json: bool,
    progress: bool,
) -> Result<bool, drillmap::Error> {
    use std::io::IsTerminal;
    let io_err = |e: std::io::Error| drillmap::Error::io("<stdout>", e);
    let (records, name_col) = (&input.records, input.name_col);
    let bar = indicatif::ProgressBar::new(records.len() as u64);
    if !progress || !std::io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut csv_out = (!json).then(|| csv::Writer::from_writer(Vec::new()));
    let mut json_rows = Vec::new();
    let mut all = true;
    // Each distinct (name, country) is looked up, and its distance to the border measured,
    // once: a batch often repeats its names. One border index serves the whole batch.
    let mut memo: HashMap<(&str, Option<&str>), Answer<'g>> = HashMap::new();
    let mut border_index = drillmap::derive::border_index::BorderIndex::new(border);
    for (record, &hint) in records.iter().zip(&input.countries) {
        bar.inc(1);
        // Looked up trimmed, written as given (so a row of the output matches its input).
        let as_given = record.get(name_col).unwrap_or("");
        let name = as_given.trim();
        let mut f = filter.clone();
        let mut note = String::new();
        // A row's country narrows --country, never widens it (probe, session 45: the row's
        // took its place): a row in none of them is not looked up.
        let mut excluded = None;
        let country = match hint {
            Some(c) => {
                if !f.countries.is_empty() && !f.countries.iter().any(|k| k == c.alpha2) {
                    excluded = Some(format!(
                        "its country {} is not one of --country {}",
                        c.alpha2,
                        f.countries.join(",")
                    ));
                }
                f.countries = vec![c.alpha2.to_owned()];
                c.alpha2
            }
            None => "",
        };
        let (r, online, asked, border_km, outside) = memo
            .entry((name, hint.map(|c| c.alpha2)))
            .or_insert_with(|| {
                if let Some(why) = excluded {
                    let none = Resolution {
                        status: Status::Unresolved,
                        candidates: Vec::new(),
                        near: Vec::new(),
                        refused: None,
                    };
                    return (none, None, None, None, Some(why));
                }
                let (r, online) = resolve::lookup_or_cached(geocoder, cache, name, &f);
                let asked = online.as_ref().and_then(|o| o.as_ref().err().copied());
                let online = online.and_then(Result::ok);
                let km = (online.as_ref().map(|o| &*o.place))
                    .or(r.best().map(|c| c.place))
                    .map(|p| border_index.distance(p.lon, p.lat).km);
                let outside = (r.status == Status::Unresolved && online.is_none())
                    .then(|| {
                        let from = match hint {
                            Some(_) => "its row's country",
                            None => "--country",
                        };
                        resolve::outside_filter(geocoder, name, &f, from)
                    })
                    .flatten();
                (r, online, asked, km, outside)
            });
        // The geocoder a layer would name for the point: the provider of an online answer.
        let provider = online.as_ref().map(Resolved::geocoder);
        // A name the cache answers, as `geocode NAME` and `build` answer it (probe 6 M4).
        let online = online.as_ref().map(online_answer);
        let r = online.as_ref().unwrap_or(r);
        let best = r.best();
        all &= best.is_some();
        let status = match r.status {
            Status::Resolved => "resolved",
            Status::Ambiguous => "ambiguous",
            Status::Unresolved => "unresolved",
        };
        if r.status == Status::Ambiguous {
            let ids: Vec<&str> = r.candidates.iter().map(|c| c.place.id.as_str()).collect();
            note = format!(
                "{}{}candidates: {}",
                note,
                if note.is_empty() { "" } else { "; " },
                ids.join(" ")
            );
        }
        // An unresolved name says what it is near, in the words `check` uses, and what the
        // online provider answered when it was asked (`resolve::explain_asked`'s words).
        if let Some(near) = resolve::did_you_mean(&r.near) {
            note = near;
        }
        if let (None, Some(entry)) = (best, asked) {
            let answered = entry.nothing_found();
            note = if note.is_empty() {
                answered
            } else {
                format!("{note}; {answered}")
            };
        }
        if let (Status::Unresolved, Some(outside)) = (r.status, outside.as_deref()) {
            note = if note.is_empty() {
                outside.to_owned()
            } else {
                format!("{note}; {outside}")
            };
        }
        // A spreadsheet must not run a name as a formula (the JSON is left as it is).
        let cell = |s: &'_ str| -> String {
            match json {
                true => s.to_owned(),
                false => drillmap::write::cell::neutralise(s).into_owned(),
            }
        };
        let (name, country, note) = (cell(as_given), cell(country), cell(&note));
        let place_id = best.map(|c| cell(&c.place.id));
        let place_name = best.map(|c| cell(&c.place.name));
        let point_source = best.map(|c| cell(&c.place.source));
        let row = BatchRow {
            name: &name,
            country: &country,
            status,
            place_id: place_id.as_deref(),
            place_name: place_name.as_deref(),
            lat: best.map(|c| c.place.lat),
            lon: best.map(|c| c.place.lon),
            precision: best.map(|c| c.place.precision.as_str()),
            uncertainty_km: best.map(|c| c.place.uncertainty_km),
            score: best.map(|c| round_to(c.score, 3)),
            r#match: best.map(|c| c.how.as_str()),
            geocoder: best.map(|c| provider.unwrap_or(c.table)),
            point_source: point_source.as_deref(),
            afghan_border_km: border_km.map(round_km),
            candidates: r.candidates.len(),
            note,
        };
        match &mut csv_out {
            Some(w) => w
                .serialize(&row)
                .map_err(|e| io_err(std::io::Error::other(e)))?,
            None => json_rows
                .push(serde_json::to_value(&row).map_err(|e| io_err(std::io::Error::other(e)))?),
        }
    }
    bar.finish_and_clear();
    match csv_out {
        Some(mut w) => {
            // A batch of no rows still says its columns, as a table with no rows does.
            if records.is_empty() {
                w.serialize(BatchRow::default())
                    .map_err(|e| io_err(std::io::Error::other(e)))?;
            }
            let mut bytes = w
                .into_inner()
                .map_err(|e| io_err(std::io::Error::other(e.to_string())))?;
            if records.is_empty() {
                let header = bytes.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
                bytes.truncate(header);
            }
            out.write_all(&bytes).map_err(io_err)?;
        }
        None => {
            serde_json::to_writer_pretty(&mut *out, &json_rows)
                .map_err(|e| io_err(std::io::Error::from(e)))?;
            writeln!(out).map_err(io_err)?;
        }
    }
    Ok(all)
}

/// `drillmap geocode`: look `names` (or the names of the `batch` file) up with the
/// filters, and print the answers. A name the local tables do not know at all is answered
/// from the online cache, as `build` does; with `--online`, the cache's gaps are asked first
/// through the same client as `build --online`.
#[allow(clippy::too_many_arguments)]
pub fn run(
    data: &Path,
    countries: &[String],
    kinds: &[drillmap::model::PlaceKind],
    bbox: Option<[f64; 4]>,
    json: bool,
    batch: Option<PathBuf>,
    online_args: &OnlineArgs,
    names: &[String],
) -> Result<ExitCode, Error> {
    let filter = super::args::filter("--country", countries, kinds, bbox)?;
    for n in names {
        super::args::name_to_look_up("NAME", n)?;
    }
    if let (Some(_), Some(flag)) = (&batch, online_args.first_given()) {
        return Err(Error::Usage(format!(
            "{flag} does not apply to --batch (online lookups ask about names given on the command line)"
        )));
    }
    let online = super::args::online(online_args)?;
    let table = data.join(pipeline::PLACES);
    // The same checks as `check` and `build` (one input assembly). A gazetteer they refuse
    // cannot be read (exit 2): exit 1 means a name was not resolved (probe, session 45).
    let tables = pipeline::Tables::read(data)
        .and_then(pipeline::Tables::checked)
        .map_err(|e| {
            unreadable(
                e,
                data,
                "data problem",
                "the data does not pass `drillmap check`",
            )
        })?;
    let gazetteer = &tables.gazetteer;
    // Only the GeoNames rows these names can match are loaded (through the on-disk
    // index, when there is one).
    let batch = batch.as_deref().map(BatchInput::read).transpose()?;
    let queries: Vec<&str> = match &batch {
        Some(b) => b.names().collect(),
        None => names.iter().map(String::as_str).collect(),
    };
    // A GeoNames table with malformed lines (cut short, say) is a file that cannot be read
    // (exit 2): exit 1 means a name was not resolved.
    let geonames = pipeline::load_geonames_for(data, gazetteer, queries).map_err(|e| {
        unreadable(
            e,
            &data.join(pipeline::GEONAMES),
            "malformed line",
            "the table cannot be read (is it cut short?)",
        )
    })?;
    let geocoder = Geocoder::new(gazetteer, geonames.as_ref());
    let border = &tables.border;
    // A cache that does not parse is a file that cannot be read (exit 2, as the GeoNames
    // table above): exit 1 means a name was not resolved. The message keeps its line.
    let mut cache = tables.geocode_cache(data).map_err(|e| match e {
        Error::Syntax { .. } => Error::Usage(e.to_string()),
        other => other,
    })?;
    let mut out = io::stdout().lock();
    if let Some(input) = batch {
        let all = self::batch(
            &mut out,
            &geocoder,
            &cache,
            &filter,
            border,
            &input,
            json,
            !online_args.quiet,
        )?;
        out.flush().map_err(stdout_error)?;
        return Ok(if all {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(super::DATA_PROBLEMS)
        });
    }
    let local: Vec<Resolution<'_>> = names.iter().map(|n| geocoder.lookup(n, &filter)).collect();
    let unknown = |i: usize| local[i].status == LookupStatus::Unresolved;
    let mut err = io::stderr().lock();
    // Without --online, every name may be asked with it; with it, a name still unanswered
    // was asked and its failure said below, or left unasked at the run's cap
    // ([`resolve::RunAdvice`], as `build` decides it).
    let mut advice = resolve::RunAdvice::every(resolve::OnlineAdvice::Offer);
    if let Some(online) = &online {
        let countries = resolve::online_countries_in(&filter.countries);
        let queries: Vec<online::Query> = (0..names.len())
            .filter(|&i| unknown(i))
            .map(|i| online::Query::new(names[i].as_str(), &countries))
            .collect();
        let mut outcomes = Vec::new();
        let asked = pipeline::ask_online(data, &mut cache, &queries, online, &mut outcomes);
        // Said as `build` says it: a failed refresh of a name the cache answers is a
        // warning, and the cached answer stands; the warnings are said also before the
        // error that stops the run (an answer that cannot be saved).
        for o in &outcomes {
            let kept = pipeline::kept_answer(&cache, o);
            if asked.is_err() && kept.is_none() {
                continue;
            }
            if let Some(message) = pipeline::failed_lookup(o, kept) {
                let warning = if kept.is_some() { "warning: " } else { "" };
                let _ = writeln!(err, "{warning}{}: {message}", o.query);
            }
        }
        asked?;
        advice = resolve::RunAdvice::online(&outcomes);
    }
    // Looked up again, now that the cache holds what was asked: the one path of `build`
    // and `--batch` ([`resolve::lookup_or_cached`]).
    let looked_up: Vec<_> = names
        .iter()
        .map(|n| {
            let (r, online) = resolve::lookup_or_cached(&geocoder, &cache, n, &filter);
            if let Some(Err(entry)) = &online {
                let _ = writeln!(err, "{n}: {}", entry.nothing_found());
            }
            let asked = online.as_ref().and_then(|o| o.as_ref().err().copied());
            (r, asked, online.and_then(Result::ok))
        })
        .collect();
    let answers: Vec<Answered<'_>> = names
        .iter()
        .zip(&looked_up)
        .map(|(n, (r, asked, c))| match c {
            Some(c) => (n.clone(), online_answer(c), None),
            None => {
                let why = (r.status != Status::Resolved).then(|| {
                    let online = advice.of(n, &filter.countries);
                    let why = resolve::explain_asked(r, &filter, *asked, online);
                    // Probe 9: a place --kind or --bbox left out was told to be added.
                    match resolve::outside_filter(&geocoder, n, &filter, "--country") {
                        Some(outside) if r.status == Status::Unresolved => {
                            format!("{why}; {outside}")
                        }
                        _ => why,
                    }
                });
                (n.clone(), r.clone(), why)
            }
        })
        .collect();
    if json {
        print_json(&mut out, &answers, border).map_err(stdout_error)?;
    } else {
        let table = table.display().to_string();
        print_text(&mut out, &answers, border, &table).map_err(stdout_error)?;
    }
    out.flush().map_err(stdout_error)?;
    let all = answers
        .iter()
        .all(|(_, r, _)| r.status == LookupStatus::Resolved);
    Ok(if all {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::DATA_PROBLEMS)
    })
}

/// A cached online answer as a lookup's answer: one place, resolved.
fn online_answer<'a>(r: &'a Resolved<'_>) -> Resolution<'a> {
    Resolution {
        status: LookupStatus::Resolved,
        near: Vec::new(),
        refused: None,
        candidates: vec![Candidate {
            place: &r.place,
            score: r.score,
            rank: r.score,
            matched: &r.matched,
            how: r.how,
            table: r.table,
            named_after: false,
        }],
    }
}

fn stdout_error(e: io::Error) -> Error {
    Error::io("<stdout>", e)
}
