//! `drillmap places import-geonames`: a GeoNames dump into the second table and its index.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use drillmap::fsutil::{atomic, interrupt};
use drillmap::pipeline;
use drillmap::Error;

/// Import `file` into `out`, keeping `countries` and `bbox`; print what was kept. An
/// existing `out` that is no GeoNames table is replaced only with `force`.
pub fn run(
    file: &Path,
    out: &Path,
    countries: &[String],
    bbox: Option<[f64; 4]>,
    strict: bool,
    allow_empty: bool,
    force: bool,
) -> Result<ExitCode, Error> {
    let filter = super::args::filter("--countries", countries, &[], bbox)?;
    // Never over the dump, nor over a file (the gazetteer, say) that is no GeoNames table,
    // or beside it over one that is no index, unless --force (probe 6 H2).
    let inputs = super::out::Inputs {
        files: vec![file],
        folder: None,
    };
    let index = drillmap::resolve::index::index_path(out);
    super::out::check(
        out,
        super::out::Kind::GeonamesTable,
        &inputs,
        &[(index, super::out::Kind::GeonamesIndex)],
        force,
    )?;
    let selection = drillmap::read::geonames::Selection {
        countries: filter.countries,
        bbox,
    };
    // The folders made for the table go again when the import fails or is interrupted,
    // as `tiles`' and `build`'s do: no litter (probe, session 40).
    // The lock two imports take turns by is made in the folder too, and goes with it.
    let dir = atomic::folder_of(out);
    let made = atomic::first_missing(dir);
    let lock = atomic::edit_lock_name(out);
    if let Some(top) = &made {
        interrupt::note_made(dir, top, &lock);
    }
    let report = pipeline::import_geonames(file, &selection, out, strict, allow_empty);
    if let Some(top) = &made {
        interrupt::release_made(dir, top, &lock);
    }
    let report = report?;
    let mut err = io::stderr().lock();
    if let (count @ 1.., bytes) = report.swept {
        let folder = out.parent().unwrap_or(Path::new("."));
        let _ = writeln!(
            err,
            "removed {} ({bytes} bytes) that killed imports left in {}",
            super::counted(count, "temporary file"),
            folder.display()
        );
    }
    let s = &report.stats;
    for p in &s.problems {
        let _ = writeln!(err, "{p}");
    }
    if s.malformed > s.problems.len() {
        let _ = writeln!(
            err,
            "… and {} more malformed lines",
            s.malformed - s.problems.len()
        );
    }
    let _ = writeln!(
        err,
        "{}: {} lines read, {} places kept, {} of other feature classes, {} outside the selection, {} malformed; {}",
        file.display(),
        s.lines,
        s.kept,
        s.other_features,
        s.outside,
        s.malformed,
        if report.written { format!("{} written", out.display()) } else { format!("{} unchanged", out.display()) }
    );
    let _ = writeln!(
        err,
        "{}: {} places, {} names, {} exact and {} loose keys, {} bytes",
        drillmap::resolve::index::index_path(out).display(),
        report.index.places,
        report.index.names,
        report.index.exact_keys,
        report.index.loose_keys,
        report.index.bytes
    );
    Ok(if s.malformed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::DATA_PROBLEMS)
    })
}
