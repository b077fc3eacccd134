//! The `drillmap` command line: parse flags, call the library, print, exit.
//!
//! Exit codes: 0 success; 1 data problems (`check`, `build`: a bad value, or a file that
//! does not parse) or a name not resolved (`geocode`); 2 a usage error or a file that could
//! not be read or written.

mod cli;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use cli::args::{Cli, Command, PlacesCommand};
use drillmap::pipeline::{self, Paths};
use drillmap::resolve::{Gazetteer, Geocoder, Status};
use drillmap::Error;

const DATA_PROBLEMS: u8 = 1;
const FAILURE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Error::Data(problems)) => {
            let mut err = io::stderr().lock();
            for p in &problems {
                let _ = writeln!(err, "{p}");
            }
            let n = problems.len();
            let _ = writeln!(
                err,
                "error: {n} data problem{}; nothing was written",
                if n == 1 { "" } else { "s" }
            );
            ExitCode::from(DATA_PROBLEMS)
        }
        Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e @ Error::Syntax { .. }) => {
            let _ = writeln!(
                io::stderr(),
                "error: {e}\nerror: the file does not parse; nothing was written"
            );
            ExitCode::from(DATA_PROBLEMS)
        }
        Err(e) => {
            let _ = writeln!(io::stderr(), "error: {e}");
            ExitCode::from(FAILURE)
        }
    }
}

fn stdout_error(e: io::Error) -> Error {
    Error::io("<stdout>", e)
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Serve(args) => Ok(cli::serve::run(args)),
        Command::Extract(args) => cli::extract::run(&args),
        Command::Build {
            data,
            out,
            online,
            bulk,
        } => {
            if let Some(events) = &bulk.events {
                if online.online {
                    return Err(Error::Usage(
                        "--online does not apply to --events (bulk builds use the local tables: the gazetteer and GeoNames)"
                            .into(),
                    ));
                }
                return cli::bulk::run(&cli::bulk::options(data, out, events, &bulk)?);
            }
            let online = cli::args::online(&online)?;
            let summaries = pipeline::build(&Paths { data, out }, online.as_ref())?;
            let mut err = io::stderr().lock();
            for s in &summaries {
                let state = if s.changed { "written" } else { "unchanged" };
                let unlocated = if s.unlocated > 0 {
                    format!(" ({} unlocated)", s.unlocated)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    err,
                    "{}: {} features{unlocated}, {state}",
                    s.path.display(),
                    s.features
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { data } => {
            let report = pipeline::check(&data)?;
            let mut err = io::stderr().lock();
            for p in &report.problems {
                let _ = writeln!(err, "{p}");
            }
            for line in &report.online_only {
                let _ = writeln!(err, "note: {line}");
            }
            let n = report.problems.len();
            let _ = writeln!(
                err,
                "{} places, {} exercises, {} bases: {}",
                report.places,
                report.exercises,
                report.bases,
                if n == 0 {
                    "no problems".to_owned()
                } else {
                    format!("{n} problem{}", if n == 1 { "" } else { "s" })
                }
            );
            Ok(if n == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(DATA_PROBLEMS)
            })
        }
        Command::Places(PlacesCommand::Promote {
            data,
            country,
            append,
            query,
        }) => cli::promote::run(&data, country.as_deref(), append, &query),
        Command::Tiles {
            data,
            out,
            min_zoom,
            max_zoom,
            xyz,
        } => {
            let opts = drillmap::write::tiles::TileOptions {
                min_zoom,
                max_zoom,
                ..pipeline::tile_options()
            };
            let layers = pipeline::layers(&data)?;
            let stats = drillmap::write::tiles::write_pmtiles(&out, &layers, &opts)?;
            let mut err = io::stderr().lock();
            let _ = writeln!(
                err,
                "{}: {} tiles ({} distinct), {} bytes, {} features{}, {}",
                out.display(),
                stats.tiles,
                stats.contents,
                stats.bytes,
                stats.features,
                if stats.skipped > 0 {
                    format!(" ({} unlocated, not tiled)", stats.skipped)
                } else {
                    String::new()
                },
                if stats.changed {
                    "written"
                } else {
                    "unchanged"
                }
            );
            if let Some(dir) = xyz {
                let stats = drillmap::write::tiles::write_xyz(&dir, &layers, &opts)?;
                let _ = writeln!(err, "{}: {} tiles", dir.display(), stats.tiles);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Places(PlacesCommand::ImportGeonames {
            out,
            countries,
            bbox,
            strict,
            file,
        }) => {
            let filter = cli::args::filter(&countries, &[], bbox)?;
            let selection = drillmap::read::geonames::Selection {
                countries: filter.countries,
                bbox,
            };
            let report = pipeline::import_geonames(&file, &selection, &out, strict)?;
            let mut err = io::stderr().lock();
            let s = &report.stats;
            for p in s.problems.iter().take(50) {
                let _ = writeln!(err, "{p}");
            }
            if s.problems.len() > 50 {
                let _ = writeln!(err, "… and {} more malformed lines", s.problems.len() - 50);
            }
            let _ = writeln!(
                err,
                "{}: {} lines read, {} places kept, {} of other feature classes, {} outside the selection, {} malformed; {}",
                file.display(),
                s.lines,
                s.kept,
                s.other_features,
                s.outside,
                s.problems.len(),
                if report.written { format!("{} written", out.display()) } else { format!("{} unchanged", out.display()) }
            );
            let _ = writeln!(
                err,
                "{}: {} places, {} names, {} exact and {} loose keys, {} bytes",
                drillmap::resolve::index::index_path(&out).display(),
                report.index.places,
                report.index.names,
                report.index.exact_keys,
                report.index.loose_keys,
                report.index.bytes
            );
            Ok(if s.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(DATA_PROBLEMS)
            })
        }
        Command::Geocode {
            data,
            countries,
            kinds,
            bbox,
            json,
            batch,
            quiet,
            names,
        } => {
            let filter = cli::args::filter(&countries, &kinds, bbox)?;
            let table = data.join(pipeline::PLACES);
            let (places, problems) = drillmap::read::places::read(&table)?;
            if !problems.is_empty() {
                return Err(Error::Data(problems));
            }
            let gazetteer = Gazetteer::new(places);
            // Only the GeoNames rows these names can match are loaded (through the on-disk
            // index, when there is one).
            let batch = batch
                .as_deref()
                .map(cli::geocode::BatchInput::read)
                .transpose()?;
            let queries: Vec<&str> = match &batch {
                Some(b) => b.names().collect(),
                None => names.iter().map(String::as_str).collect(),
            };
            let geonames = pipeline::load_geonames_for(&data, &gazetteer, queries)?;
            let geocoder = Geocoder::new(&gazetteer, geonames.as_ref());
            let (border, _, _) = pipeline::read_border(&data)?;
            let mut out = io::stdout().lock();
            if let Some(batch) = batch {
                let all = cli::geocode::batch(
                    &mut out, &geocoder, &filter, &border, &batch, json, !quiet,
                )?;
                out.flush().map_err(stdout_error)?;
                return Ok(if all {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(DATA_PROBLEMS)
                });
            }
            let answers: Vec<_> = names
                .iter()
                .map(|n| (n.clone(), geocoder.lookup(n, &filter)))
                .collect();
            if json {
                cli::geocode::print_json(&mut out, &answers, &border).map_err(stdout_error)?;
            } else {
                cli::geocode::print_text(&mut out, &answers, &border, &table.display().to_string())
                    .map_err(stdout_error)?;
            }
            out.flush().map_err(stdout_error)?;
            let all = answers.iter().all(|(_, r)| r.status == Status::Resolved);
            Ok(if all {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(DATA_PROBLEMS)
            })
        }
    }
}
