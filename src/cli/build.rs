//! `drillmap build` and `drillmap check`: run the pipeline and print a summary per file on
//! stderr (a bulk `--events` build goes to [`super::bulk`]).

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use drillmap::pipeline::{self, Paths};
use drillmap::read::dataset;
use drillmap::write::generation::Folder;
use drillmap::Error;

use super::args::OnlineArgs;
use super::bulk::BulkArgs;

/// `drillmap build`: every layer of the dataset, or one from an events file.
pub fn run(
    data: PathBuf,
    out: PathBuf,
    online: &OnlineArgs,
    bulk: &BulkArgs,
    strict: bool,
    allow_empty: bool,
) -> Result<ExitCode, Error> {
    if bulk.events.is_none() && bulk.budget.given() {
        return Err(Error::Usage(
            "the tile budget flags apply to build --events; tile the hand-kept layers with `drillmap tiles`".into(),
        ));
    }
    if bulk.events.is_some() && bulk.no_tiles && bulk.budget.given() {
        // The over-budget error suggests --no-tiles: appended to the same command, the
        // budget flags it carries have nothing to do.
        let _ = writeln!(
            io::stderr(),
            "warning: --no-tiles: the tile budget flags (--max-zoom, --accumulate, ...) are not used"
        );
    }
    // Refused before anything is read or written: the data folder is never changed.
    Paths {
        data: data.clone(),
        out: out.clone(),
    }
    .check_apart("build")?;
    if let Some(events) = &bulk.events {
        if let Some(flag) = online.first_given() {
            return Err(Error::Usage(format!(
                "{flag} does not apply to --events (bulk builds use the gazetteer, GeoNames and the online cache: ask first with `build --online` or `geocode --online NAME`)"
            )));
        }
        // Its settings unused, a config is still checked, as `build` checks it.
        super::args::config(online)?;
        return super::bulk::run(&super::bulk::options(
            data,
            out,
            events,
            bulk,
            strict,
            allow_empty,
        )?);
    }
    let online = super::args::online(online)?;
    let mut folder = Folder::lock(&out, &mut |busy| {
        let _ = writeln!(io::stderr(), "{busy}");
    })?;
    let mut notices = pipeline::Notices::default();
    let built = pipeline::build_noticed(
        &Paths { data, out },
        online.as_ref(),
        strict,
        allow_empty,
        &mut folder,
        &mut notices,
    );
    let mut err = io::stderr().lock();
    for note in folder.take_notes() {
        let _ = writeln!(err, "note: {note}");
    }
    // Said whether or not the build succeeds: a refresh that failed is news either way.
    for p in &notices.refresh_failed {
        let _ = writeln!(err, "warning: {p}");
    }
    let summaries = built?;
    for e in &notices.empty {
        let _ = writeln!(
            err,
            "warning: {e}: the {} layer is empty (--allow-empty)",
            e.layer
        );
    }
    for p in &notices.weak {
        let _ = writeln!(err, "notice: {p}");
    }
    for s in &summaries {
        let state = if s.changed { "written" } else { "unchanged" };
        let unlocated = if s.unlocated > 0 {
            format!(" ({} unlocated)", s.unlocated)
        } else {
            String::new()
        };
        let _ = writeln!(
            err,
            "{}: {}{unlocated}, {state}",
            s.path.display(),
            super::counted(s.features as u64, "feature")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `drillmap check`: every problem, and the weak matches and empty dataset files as
/// notices and warnings (as problems with `strict`: what passes `check --strict` builds);
/// nothing written.
pub fn check(data: &std::path::Path, strict: bool) -> Result<ExitCode, Error> {
    let mut report = pipeline::check(data)?;
    let mut err = io::stderr().lock();
    let empty = dataset::empty_files(data)?;
    for e in &empty {
        let warning = if strict { "" } else { "warning: " };
        let _ = writeln!(err, "{warning}{e}: `build` refuses it unless --allow-empty");
    }
    if strict {
        report.problems.append(&mut report.weak);
        pipeline::sort_problems(&mut report.problems);
    }
    for p in &report.problems {
        let _ = writeln!(err, "{p}");
    }
    for p in &report.weak {
        let _ = writeln!(err, "notice: {p}");
    }
    for line in &report.online_only {
        let _ = writeln!(err, "note: {line}");
    }
    // Probe 10: a gate of `check --strict` passed a dataset `build` refuses.
    let n = report.problems.len() + if strict { empty.len() } else { 0 };
    let _ = writeln!(
        err,
        "{}, {}, {}: {}",
        super::counted(report.places as u64, "place"),
        super::counted(report.exercises as u64, "exercise"),
        super::counted(report.bases as u64, "base"),
        if n == 0 {
            "no problems".to_owned()
        } else {
            super::counted(n as u64, "problem")
        }
    );
    Ok(if n == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::DATA_PROBLEMS)
    })
}
