//! `drillmap places promote`: a place resolved only online becomes a gazetteer row.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use drillmap::pipeline::{self, PLACES};
use drillmap::resolve::online::{self, GeocodeCache};
use drillmap::resolve::{Filter, Geocoder, Status};
use drillmap::write::atomic;
use drillmap::Error;

/// Print (or append to places.csv) the row for the cached answer to `query`.
pub fn run(
    data: &Path,
    country: Option<&str>,
    append: bool,
    query: &str,
) -> Result<ExitCode, Error> {
    // Probe 10: a blank QUERY was told to ask `geocode ""` first, itself refused.
    super::args::name_to_look_up("QUERY", query)?;
    let cache_path = online::cache_path(data);
    // A row is printed whatever else the gazetteer holds (the command `check` suggests
    // beside its other problems); it is appended only to a gazetteer the others accept,
    // checked with the row, below.
    let tables = pipeline::Tables::read(data)?;
    let cache = tables.geocode_cache(data)?;
    // Checked as every country flag is (probe, session 27: `--country Tajikistan` was
    // looked for as a country and told "asked within other countries").
    let country = country
        .map(|c| super::args::country_code("--country", c).map(str::to_owned))
        .transpose()?;
    let countries: Vec<String> = match &country {
        Some(c) => vec![c.clone()],
        None => online::AREA_COUNTRIES
            .iter()
            .map(|c| (*c).to_owned())
            .collect(),
    };
    let entry = cache.get(query, &countries);
    let Some(row) = entry.and_then(online::promote_row) else {
        let why = match entry {
            Some(e) => format!("the cached answer is not a place: {}", e.nothing_found()),
            None => match resolved_locally(&tables, data, query, country.as_deref())? {
                Some(known) => known,
                None => {
                    no_answer_advice(&cache, data, query, country.as_deref().unwrap_or_default())
                }
            },
        };
        let _ = writeln!(
            std::io::stderr(),
            "error: no found answer for {query:?} in {} {countries:?}: {why}",
            cache_path.display()
        );
        return Ok(ExitCode::from(1));
    };
    if !append {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{row}").map_err(|e| Error::io("<stdout>", e))?;
        return Ok(ExitCode::SUCCESS);
    }
    // Under the gazetteer's edit lock the file is read again, so two runs appending at once
    // each keep the other's row (probe, session 31: rows were lost, both runs said
    // "appended"). The file is written through a symlink to the gazetteer it names, as the
    // geocode cache is.
    let path = data.join(PLACES);
    let (target, _lock) = atomic::lock_for_edit(&path)?;
    let text = drillmap::read::input::read_text(&path)?;
    // The row ends as the file's lines do (probe 8 #15: LF after CR LF lines mixed them).
    let eol = drillmap::read::lines::line_end(&text);
    let mut with_row = text.clone();
    if !with_row.ends_with(['\n', '\r']) && !with_row.is_empty() {
        with_row.push_str(eol);
    }
    with_row.push_str(&row);
    with_row.push_str(eol);
    // The table's own checks say whether the row's id is taken (`duplicate id`), and
    // whether the gazetteer with it is one every command reads (probe, session 31: a row
    // was appended beside one at latitude 95, which every other command refused).
    let line = drillmap::read::lines::line_starts(with_row.as_bytes()).count();
    let (places, mut problems) = tables.places_as(&path, with_row.as_bytes())?;
    if let Some(dup) = problems
        .iter()
        .find(|p| p.line == Some(line) && p.message.starts_with("duplicate id"))
    {
        let id = row.split(',').next().unwrap_or_default();
        let there = places.places().iter().find(|p| p.id == id && p.line < line);
        let same = there.is_some_and(|p| {
            drillmap::read::lines::text_lines(&text).nth(p.line.saturating_sub(1)) == Some(&row)
        });
        let mut err = std::io::stderr().lock();
        return Ok(match there.filter(|_| same) {
            Some(p) => {
                let _ = writeln!(
                    err,
                    "{}:{}: already there, nothing appended: {row}",
                    path.display(),
                    p.line
                );
                ExitCode::SUCCESS
            }
            None => {
                let _ = writeln!(
                    err,
                    "error: {}: id {id:?} is already taken: {}; nothing appended (edit that \
                     row, or print this one without --append and give it another id)",
                    path.display(),
                    dup.message
                );
                ExitCode::from(1)
            }
        });
    }
    if !problems.is_empty() {
        problems.sort();
        return Err(Error::Data(problems));
    }
    atomic::write(&target, with_row.as_bytes())?;
    let _ = writeln!(std::io::stderr(), "{}: appended {row}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// Where the local tables already resolve `query` (within `country`, if given), which is why
/// no online answer exists and `geocode --online` asks nothing (probe 5 L2: the advice to
/// ask online first looped).
fn resolved_locally(
    tables: &pipeline::Tables,
    data: &Path,
    query: &str,
    country: Option<&str>,
) -> Result<Option<String>, Error> {
    let geonames = pipeline::load_geonames_for(data, &tables.gazetteer, [query])?;
    let filter = country.map_or_else(Filter::default, Filter::country);
    let found = Geocoder::new(&tables.gazetteer, geonames.as_ref()).lookup(query, &filter);
    Ok(match (found.status, found.best()) {
        (Status::Resolved, Some(c)) => Some(format!(
            "already in the {}: {} ({}), which `drillmap geocode` answers without asking online",
            match c.table {
                "geonames" => "GeoNames table",
                other => other,
            },
            c.place.name,
            c.place.id
        )),
        _ => None,
    })
}

/// What to do when the cache has no answer to `query` under the countries asked: the
/// `promote` commands of the answers it has under others, or how to ask for one.
fn no_answer_advice(cache: &GeocodeCache, data: &Path, query: &str, country: &str) -> String {
    let area = online::normalise_countries(&online::AREA_COUNTRIES);
    let others: Vec<String> = cache
        .found()
        .filter(|e| online::query_key(&e.query) == online::query_key(query))
        .filter_map(|e| match e.countries.as_slice() {
            [cc] => Some(format!("`{}`", online::promote_command(data, query, cc))),
            all if all == area.as_slice() => {
                Some(format!("`{}`", online::promote_command(data, query, "")))
            }
            _ => None,
        })
        .collect();
    if !others.is_empty() {
        return format!(
            "it has one asked within other countries: run {}",
            others.join(" or ")
        );
    }
    let within = match country {
        "" => String::new(),
        cc => format!(" --country {cc}"),
    };
    format!(
        "ask for it first with `drillmap geocode --data {:?} --online{within} {query:?}` (or \
         `drillmap build --online` for a dataset that names it)",
        data.display().to_string()
    )
}
