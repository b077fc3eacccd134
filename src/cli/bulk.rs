//! `drillmap build --events FILE`: the bulk dataset flags, their validation into
//! [`drillmap::bulk::Options`], and the summary printed on stderr.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use drillmap::bulk::{Columns, Field, Format};
use drillmap::pipeline::bulk;
use drillmap::write::generation::Folder;
use drillmap::write::tiles::TileOptions;
use drillmap::Error;

/// Flags of a bulk build (an events file instead of the hand-kept dataset).
#[derive(Debug, Args)]
pub struct BulkArgs {
    /// Build one point layer from an events file (CSV or GeoJSONSeq) instead of the dataset;
    /// places.csv and boundaries/ still come from --data.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// Input format (default: from the extension, .csv or .geojsons/.geojsonl/.ndjson for
    /// GeoJSONSeq, else from the first bytes: `{` is GeoJSONSeq). A GeoJSON FeatureCollection
    /// is not read: write its features one per line.
    #[arg(long, value_name = "csv|geojsonseq", requires = "events", value_parser = parse_format)]
    pub format: Option<Format>,
    /// Which column holds each field: FIELD=COLUMN,... with FIELD one of id, name, start_date,
    /// end_date, place, country, lat, lon, date_precision, source, date_bound, sources
    /// (default: columns named like the fields, or ACLED's).
    #[arg(long, value_name = "MAP", requires = "events")]
    pub columns: Option<String>,
    /// Free columns to write as JSON numbers (comma-separated); all others are strings.
    #[arg(long, value_name = "COLS", requires = "events")]
    pub numeric: Option<String>,
    /// Layer name: writes OUT/NAME.geojson.
    #[arg(long, value_name = "NAME", default_value = bulk::DEFAULT_LAYER, requires = "events")]
    pub layer: String,
    /// Also write OUT/NAME.geojsons: GeoJSONSeq, each feature preceded by RS (RFC 8142).
    #[arg(long, requires = "events")]
    pub seq: bool,
    /// Do not write OUT/NAME.pmtiles (by default the layer's vector tiles, within the tile
    /// budget, points clustered below the last zoom); an archive an earlier run wrote is
    /// removed (OUT holds one generation).
    #[arg(long, requires = "events")]
    pub no_tiles: bool,
    /// The tiles' zooms and budget (with --events; as for `drillmap tiles`).
    #[command(flatten)]
    pub budget: super::tiles::TileBudget,
    /// Skip at most N bad rows (listed in OUT/NAME.errors.csv); one more and nothing is written.
    #[arg(long, value_name = "N", default_value_t = 0, requires = "events")]
    pub max_errors: usize,
    /// Memory for sorting out-of-order input, MiB, at least 1 (more spills to temporary
    /// files in OUT); the tiles' two sorts (features, ids) take an eighth of it each.
    #[arg(long, value_name = "MIB", default_value_t = 64, requires = "events",
          value_parser = parse_sort_buffer)]
    pub sort_buffer_mib: usize,
    /// Threads deriving features (default: one per core); the output does not depend on it.
    #[arg(long, value_name = "N", requires = "events", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: Option<u16>,
}

/// Bytes each of the tiler's two sorts holds before spilling a run: an eighth of
/// `--sort-buffer-mib` (8 MiB by default), at least 1 MiB. The tiles are sorted after the
/// rows, as the layer is read back, and spilling more runs costs little: the same records
/// are written and merged once.
fn tile_sort_buffer(mib: usize) -> usize {
    (mib.saturating_mul(1 << 20) / 8).max(1 << 20)
}

/// `--sort-buffer-mib`: 1 or more. 0 spilled a file per row (a run of 200,000 rows took
/// 8 minutes and left tens of thousands of files in OUT while it ran: probe, session 27).
fn parse_sort_buffer(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("at least 1 MiB".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

/// The validated options for a bulk build from `data`, `out` and the flags.
pub fn options(
    data: PathBuf,
    out: PathBuf,
    events: &Path,
    a: &BulkArgs,
    strict: bool,
    allow_empty: bool,
) -> Result<bulk::Options, Error> {
    let mut columns = match &a.columns {
        Some(spec) => Columns::parse(spec).map_err(|m| Error::Usage(format!("--columns: {m}")))?,
        None => Columns::default(),
    };
    if let Some(n) = &a.numeric {
        columns.numeric = n
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
    }
    // A column summed into clusters is numeric, its bad values reported as --numeric's
    // (without tiles nothing is summed, and the column stays as it is).
    if !a.no_tiles {
        for col in a.budget.accumulated() {
            if !columns.numeric.contains(col) {
                columns.numeric.push(col.clone());
            }
        }
        columns.accumulated = a.budget.accumulated().to_vec();
    }
    let format = match a.format {
        Some(format) => format,
        None => Format::of_file(events)?,
    };
    // A GeoJSONSeq feature's position is its geometry: a mapped lat or lon column was
    // read by nothing, and the features came out unlocated (probe, session 27).
    if format == Format::GeoJsonSeq {
        if let Some(field) = [Field::Lat, Field::Lon]
            .into_iter()
            .find(|&f| columns.mapped(f).is_some())
        {
            return Err(Error::Usage(format!(
                "--columns {field}=...: {} is GeoJSONSeq, where a feature's position is its \
                 geometry (null to geocode its place); lat and lon columns are a CSV's",
                events.display()
            )));
        }
    }
    let options = bulk::Options {
        data,
        events: events.to_path_buf(),
        format,
        columns,
        out,
        layer: a.layer.clone(),
        seq: a.seq,
        tiles: if a.no_tiles {
            None
        } else {
            Some(TileOptions {
                sort_buffer: tile_sort_buffer(a.sort_buffer_mib),
                ..a.budget.options()?
            })
        },
        max_errors: a.max_errors,
        strict,
        allow_empty,
        sort_buffer: a.sort_buffer_mib.saturating_mul(1 << 20),
        threads: a.threads.map(usize::from),
    };
    // After the tile options, which refuse the clusters' own keys first, as `tiles` does.
    // A CSV's columns are checked at its header, by the columns read.
    if options.format == Format::GeoJsonSeq {
        options.columns.check_numeric_properties(events)?;
    }
    options.validate()?;
    own_input(&options)?;
    Ok(options)
}

/// Refuse a build whose output files include its events file (`--events OUT/NAME.geojsons
/// --out OUT --seq`): the input would be replaced by its own rebuild, as `--out`'s rule
/// refuses for every command that writes a file ([`super::out`]).
fn own_input(options: &bulk::Options) -> Result<(), Error> {
    let Ok(input) = options.events.canonicalize() else {
        return Ok(()); // not there: the read says so
    };
    // What this run may write (a file it does not write, it never removes: the layer read
    // back without --seq keeps its GeoJSONSeq).
    let written = [
        Some(options.geojson_path()),
        options.seq.then(|| options.seq_path()),
        options.tiles.as_ref().map(|_| options.tiles_path()),
        Some(options.errors_path()),
    ];
    match written
        .iter()
        .flatten()
        .find(|p| super::out::same_file(&input, &super::canonical_target(p)))
    {
        Some(path) => Err(Error::Usage(format!(
            "--events {}: that is {}, which this build writes: the input would be replaced by \
             its own rebuild; copy it elsewhere first, or give another --out or --layer",
            options.events.display(),
            path.display()
        ))),
        None => Ok(()),
    }
}

/// Run the bulk build and print its summary; exit 1 when rows were bad beyond --max-errors.
pub fn run(options: &bulk::Options) -> Result<ExitCode, Error> {
    let mut folder = Folder::lock(&options.out, &mut |busy| {
        let _ = writeln!(io::stderr(), "{busy}");
    })?;
    let built = bulk::build(options, &mut folder);
    let mut err = io::stderr().lock();
    for note in folder.take_notes() {
        let _ = writeln!(err, "note: {note}");
    }
    let r = built?;
    for n in &r.notices {
        let _ = writeln!(err, "notice: {n}");
    }
    for p in &r.listed {
        let _ = writeln!(err, "{p}");
    }
    let more = r.bad_rows.saturating_sub(r.listed.len() as u64);
    if more > 0 {
        let _ = writeln!(err, "… and {more} more bad rows");
    }
    if !r.written && r.bad_rows <= r.max_errors as u64 {
        let _ = writeln!(
            err,
            "{}: {}: the {} layer would be empty; nothing was written (pass --allow-empty to build it empty)",
            options.events.display(),
            if r.rows == 0 { "no rows" } else { "no usable rows" },
            options.layer
        );
        return Ok(ExitCode::from(super::DATA_PROBLEMS));
    }
    if !r.written {
        let _ = writeln!(
            err,
            "error: {} of {} (--max-errors {}); nothing was written",
            super::counted(r.bad_rows, "bad row"),
            r.rows,
            r.max_errors
        );
        return Ok(ExitCode::from(1));
    }
    let mut line = format!(
        "{}: {} ({} looked up, {} with their own coordinates)",
        r.geojson.display(),
        super::counted(r.features, "feature"),
        super::counted(r.places as u64, "distinct place"),
        r.source_coordinates
    );
    for extra in [&r.seq, &r.tiles].into_iter().flatten() {
        line.push_str(&format!(", and {}", extra.display()));
    }
    if r.tiles_kept {
        line.push_str(" (kept: tiled from the same layer before)");
    }
    let _ = writeln!(err, "{line}");
    if r.features == 0 {
        let _ = writeln!(
            err,
            "warning: {}: the {} layer is empty (--allow-empty)",
            options.events.display(),
            options.layer
        );
    }
    if r.unlocated && options.tiles.is_some() {
        let _ = writeln!(
            err,
            "warning: {}: no feature of the {} layer is located, so it has no archive \
             (--allow-empty)",
            options.events.display(),
            options.layer
        );
    }
    if let Some(f) = &r.errors_file {
        let _ = writeln!(
            err,
            "skipped {}, listed in {}",
            super::counted(r.bad_rows, "bad row"),
            f.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
