//! `drillmap tiles`: its flags, their conversion to [`TileOptions`], and what it prints.
//! Reading the inputs and writing the archive are the library's
//! ([`drillmap::write::tiles`]).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use drillmap::bulk::{Columns, Field, Format};
use drillmap::fsutil::{atomic, interrupt};
use drillmap::pipeline;
use drillmap::write::generation::{Folder, Manifest, LOCK};
use drillmap::write::tiles::{self, input, TileOptions, TileStats};
use drillmap::{Error, Result};

/// Refuse a `--columns` mapping no input reads, rather than drop it unsaid: a GeoJSON
/// feature's id property is the only field it names (`id=NAME`); the other fields are a CSV
/// FILE's columns; the layers built from --data have neither.
fn columns_used(columns: &Columns, inputs: &[PathBuf]) -> Result<()> {
    let unread = |field: Field| {
        let name = columns.mapped(field)?;
        match inputs.first() {
            None => Some(format!(
                "--columns {field}={name}: no FILE is given to read it from (the layers \
                 built from --data are read as they are written)"
            )),
            Some(_) if field == Field::Id => None,
            Some(_)
                if inputs
                    .iter()
                    .any(|p| Format::from_path(p) == Some(Format::Csv)) =>
            {
                None
            }
            Some(_) => Some(format!(
                "--columns {field}={name}: only a CSV FILE has columns; a GeoJSON feature's \
                 geometry and properties are read as they are named (`id=NAME` names its id \
                 property)"
            )),
        }
    };
    match Field::ALL.into_iter().find_map(unread) {
        Some(why) => Err(Error::Usage(why)),
        None => Ok(()),
    }
}

/// The flags of `drillmap tiles`.
#[derive(Debug, Args)]
pub struct TilesArgs {
    /// Layers to tile: GeoJSON (.geojson, .json), GeoJSONSeq (.geojsonl, .geojsons,
    /// .geojsonseq, .ndjson, .jsonl) or CSV (.csv) with lat/lon columns, one layer each; a
    /// file under another name is told by its first bytes. Without any, the layers built
    /// from --data.
    #[arg(value_name = "FILE")]
    inputs: Vec<PathBuf>,
    /// Which CSV column holds which field, as for `build --events`: FIELD=COLUMN,...
    /// (e.g. `lat=y,lon=x,id=event_id`); for GeoJSON, `id=NAME` names the id property
    /// (else `id`, `event_id_cnty` or `event_id`, in any case).
    #[arg(long, value_name = "MAPPING")]
    columns: Option<String>,
    /// Folder with the data (when no FILE is given).
    #[arg(long, default_value = "places")]
    data: PathBuf,
    /// The archive to write. An existing file is replaced only when it is a PMTiles
    /// archive, or with --force; never a FILE, nor a file inside --data.
    #[arg(long, default_value = "output/drillmap.pmtiles")]
    out: PathBuf,
    /// Replace an existing --out file that is not a PMTiles archive.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    budget: TileBudget,
    /// Also write an XYZ folder of uncompressed z/x/y.mvt files, replaced whole by each
    /// run. Not inside a folder `build` publishes into (one with drillmap's manifest.json),
    /// nor holding the archive; a symlink is followed.
    #[arg(long, value_name = "DIR")]
    xyz: Option<PathBuf>,
    /// Credit the data tiled with TEXT in the archive's `attribution`, after each layer's
    /// own (drillmap's GeoJSON layers carry theirs; a GeoJSONSeq or CSV file carries
    /// none), as the licence of the data asks (GeoNames: CC BY 4.0).
    #[arg(long, value_name = "TEXT")]
    attribution: Option<String>,
    /// Threads parsing the inputs and cutting the tiles (default: one per core; 1 reads
    /// on the main thread); the archive does not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: Option<u16>,
}

/// The zooms and the tile budget: flags of `drillmap tiles` and of `build --events`.
#[derive(Debug, Args)]
pub struct TileBudget {
    /// First zoom level of the tiles.
    #[arg(long, default_value_t = 0)]
    min_zoom: u8,
    /// Last zoom level of the tiles (at most 16).
    #[arg(long, default_value_t = tiles::DEFAULT_MAX_ZOOM)]
    max_zoom: u8,
    /// Zoom from which every point stands on its own in the tiles (default: the last zoom);
    /// below it, points of tiles over budget are clustered.
    #[arg(long)]
    base_zoom: Option<u8>,
    /// Largest tile stored, in bytes (compressed).
    #[arg(long, default_value_t = tiles::DEFAULT_MAX_TILE_BYTES)]
    max_tile_bytes: usize,
    /// Most features in one tile.
    #[arg(long, default_value_t = tiles::DEFAULT_MAX_TILE_FEATURES)]
    max_tile_features: usize,
    /// Numeric column summed into clusters (repeat, or separate with commas).
    #[arg(long, value_name = "COLUMN", value_delimiter = ',', value_parser = column_name)]
    accumulate: Vec<String>,
}

/// A column or property named on the command line: not empty (probe, session 41:
/// `--accumulate ''` was looked for in the header, exit 1, as a data problem).
fn column_name(name: &str) -> std::result::Result<String, String> {
    match name.trim().is_empty() {
        true => Err("an empty name names no column".to_owned()),
        false => Ok(name.to_owned()),
    }
}

impl TileBudget {
    /// The checked tile options these flags give.
    pub fn options(&self) -> Result<TileOptions> {
        let opts = TileOptions {
            min_zoom: self.min_zoom,
            max_zoom: self.max_zoom,
            base_zoom: self.base_zoom,
            max_tile_bytes: self.max_tile_bytes,
            max_tile_features: self.max_tile_features,
            accumulate: self.accumulate.clone(),
            // Described by the layers tiled: the dataset's description is `tiles`' without FILE.
            description: String::new(),
            ..pipeline::tile_options()
        };
        opts.validate()?;
        Ok(opts)
    }

    /// The columns summed into clusters.
    pub fn accumulated(&self) -> &[String] {
        &self.accumulate
    }

    /// Whether any flag differs from its default (they apply to tiles a run writes).
    pub fn given(&self) -> bool {
        self.min_zoom != 0
            || self.max_zoom != tiles::DEFAULT_MAX_ZOOM
            || self.base_zoom.is_some()
            || self.max_tile_bytes != tiles::DEFAULT_MAX_TILE_BYTES
            || self.max_tile_features != tiles::DEFAULT_MAX_TILE_FEATURES
            || !self.accumulate.is_empty()
    }
}

/// Refuse an archive whose name `serve` could not serve: its stem (the file name less
/// `.pmtiles`) follows the layer-name rule `build --events --layer` keeps
/// ([`drillmap::model::is_layer_name`]).
fn check_archive_name(out: &Path) -> Result<()> {
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let stem = name.strip_suffix(".pmtiles").unwrap_or(name);
    if drillmap::model::is_layer_name(stem) {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "--out {:?}: name the archive with {} (then `.pmtiles`): `drillmap serve` serves \
         only such names",
        out.display().to_string(),
        drillmap::model::LAYER_NAME_RULE
    )))
}

/// The XYZ folder `--xyz DIR` names, checked before anything is written:
///
/// - a symlink is followed, so the tiles land where it points (a folder on a bigger disk),
///   and the link stays;
/// - a folder inside one `build` publishes into (one with drillmap's `manifest.json`) is
///   refused: the manifest names files, not an XYZ folder, so the next `build` would leave
///   it stale beside layers of another generation.
fn xyz_folder(dir: &Path) -> Result<PathBuf> {
    let is_link = std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink());
    let dir = if is_link {
        std::fs::canonicalize(dir).map_err(|e| Error::io(dir, e))?
    } else {
        dir.to_path_buf()
    };
    // The nearest folder above DIR that exists (the rest is created with it).
    let Some(parent) = dir.ancestors().skip(1).find_map(|a| {
        let a = if a.as_os_str().is_empty() {
            Path::new(".")
        } else {
            a
        };
        std::fs::canonicalize(a).ok()
    }) else {
        return Ok(dir);
    };
    if let Some(published) = parent
        .ancestors()
        .find(|a| matches!(Manifest::read(a), Ok(Some(_))))
    {
        return Err(Error::Usage(format!(
            "--xyz {}: inside {}, a folder `drillmap build` publishes into: its manifest names files, not an XYZ folder, so the next build would leave the tiles stale; write them elsewhere (e.g. --xyz tiles)",
            dir.display(),
            published.display()
        )));
    }
    Ok(dir)
}

/// Refuse an archive that is the XYZ folder or lies inside it (compared canonical, symlinks
/// followed as [`xyz_folder`] follows them): the folder is replaced whole by each run, so the archive
/// would go with it.
fn archive_outside_xyz(out: &Path, xyz: &Path) -> Result<()> {
    let (archive, folder) = (super::canonical_target(out), super::canonical_target(xyz));
    if archive == folder {
        return Err(Error::Usage(format!(
            "--out {} and --xyz {} name the same path: the archive is a file, the XYZ folder a \
             folder of its own (e.g. --xyz tiles)",
            out.display(),
            xyz.display()
        )));
    }
    if archive.starts_with(&folder) {
        return Err(Error::Usage(format!(
            "--out {}: inside the XYZ folder {}, which each run replaces whole, so the archive \
             would be deleted with it: write it beside the folder (e.g. --out drillmap.pmtiles \
             --xyz tiles)",
            out.display(),
            xyz.display()
        )));
    }
    Ok(())
}

/// Read the layers, write the archive (and the XYZ folder), print what was written.
pub fn run(args: TilesArgs) -> Result<ExitCode> {
    let mut opts = args.budget.options()?;
    opts.threads = args.threads.map(usize::from);
    check_archive_name(&args.out)?;
    // Never over one of its inputs, nor over a file that is no archive unless --force
    // (probe 6 H2: a layer, the gazetteer, its own FILE).
    let inputs = super::out::Inputs {
        files: args.inputs.iter().map(PathBuf::as_path).collect(),
        folder: args
            .inputs
            .is_empty()
            .then_some((args.data.as_path(), "tiles")),
    };
    super::out::check(
        &args.out,
        super::out::Kind::Archive,
        &inputs,
        &[],
        args.force,
    )?;
    if args.inputs.is_empty() {
        opts.description = pipeline::tile_options().description;
    }
    let xyz = args.xyz.as_deref().map(xyz_folder).transpose()?;
    // Refused before anything is written: the folder is replaced whole.
    if let (Some(dir), Some(given)) = (&xyz, &args.xyz) {
        archive_outside_xyz(&args.out, given)?;
        if let Some((data, command)) = inputs.folder {
            if let Some(why) = pipeline::outside_data(dir, data, command) {
                return Err(Error::Usage(format!("--xyz {}: {why}", given.display())));
            }
        }
        tiles::xyz::check(dir)?;
    }
    let mut columns = match &args.columns {
        Some(spec) => Columns::parse(spec).map_err(|m| Error::Usage(format!("--columns: {m}")))?,
        None => Columns::default(),
    };
    columns_used(&columns, &args.inputs)?;
    // A column summed into clusters is numeric, checked as `build --events` checks it.
    columns.numeric = args.budget.accumulated().to_vec();
    columns.accumulated = args.budget.accumulated().to_vec();
    // Of several inputs, one may lack a column another has (events beside bases); one no
    // input has is refused once all are read (`input::unread_numeric`).
    columns.numeric_optional = args.inputs.len() > 1;
    // A CSV's columns are checked at its header, by the columns read; a GeoJSON feature's
    // properties by what the tiler reads them as (its id, its dates).
    for input in args
        .inputs
        .iter()
        .filter(|p| Format::from_path(p) != Some(Format::Csv))
    {
        columns.check_numeric(input, None, |name| input::property_field(&columns, name))?;
    }
    // Files are read straight into the tiler's compact form, never held whole; read again
    // for the XYZ folder. The inputs that credit no data are named once, after.
    let uncredited = std::cell::RefCell::new(std::collections::BTreeSet::new());
    let read = || -> Result<Vec<tiles::LayerBuilder>> {
        let mut layers = if args.inputs.is_empty() {
            let built = pipeline::layers(&args.data)?;
            let from = format!("the layers built from {}", args.data.display());
            input::check_accumulated(&built, &columns, &from)?;
            tiles::builders(&built)?
        } else {
            let mut given = vec![false; columns.numeric.len()];
            let layers = args
                .inputs
                .iter()
                .map(|p| {
                    let spill = opts.spill_beside(&args.out);
                    let read = (&columns, &mut given[..]);
                    input::read_built(p, read, Some(&spill), opts.thread_count())
                })
                .collect::<Result<Vec<_>>>()?;
            let inputs: Vec<&Path> = args.inputs.iter().map(PathBuf::as_path).collect();
            input::unread_numeric(&inputs, &columns, &given)?;
            layers
        };
        for (i, layer) in layers.iter_mut().enumerate() {
            if let Some(given) = &args.attribution {
                let credits = [layer.attribution(), given.as_str()];
                layer.set_attribution(&drillmap::model::credits::union(credits));
            }
            if let (true, Some(p)) = (layer.attribution().is_empty(), args.inputs.get(i)) {
                uncredited.borrow_mut().insert(p.clone());
            }
        }
        Ok(layers)
    };
    // The archive, then the XYZ folder, both staged; published together.
    let stage = || -> Result<_> {
        let (archive, mut stats) = tiles::stage_built_pmtiles(&args.out, read()?, &opts)?;
        stats.changed = archive.is_some();
        let xyz = match &xyz {
            Some(dir) => Some(tiles::xyz::stage_built_xyz(dir, read()?, &opts)?),
            None => None,
        };
        Ok((archive, stats, xyz))
    };
    let dir = args
        .out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // A folder `build` publishes into (`drillmap tiles --out output/drillmap.pmtiles`): the
    // archive (and the XYZ folder) join its generation, under its lock, so `serve` keeps
    // serving it. Only a drillmap manifest makes it one: a web app's `manifest.json` is
    // left alone.
    let built = || matches!(Manifest::read(dir), Ok(Some(_)));
    let lock = |staged: bool| {
        let on_wait = &mut |busy: &_| {
            let _ = writeln!(io::stderr(), "{busy}");
        };
        match staged {
            false => Folder::lock(dir, on_wait),
            true => Folder::lock_after_staging(dir, on_wait),
        }
    };
    // The staged archive joins the folder's generation, with the XYZ folder.
    type Staged = (
        Option<atomic::Staged>,
        TileStats,
        Option<(Option<atomic::StagedDir>, TileStats)>,
    );
    let in_generation = |folder: &mut Folder, (archive, stats, xyz): Staged| -> Result<_> {
        let (staged_dir, xyz_stats) = xyz.unzip();
        let written = folder.publish_with_dirs(
            vec![(args.out.clone(), archive, stats.digest.clone())],
            staged_dir.flatten().into_iter().collect(),
            &[],
            &[],
        );
        for note in folder.take_notes() {
            let _ = writeln!(io::stderr(), "note: {note}");
        }
        written?;
        Ok((stats, xyz_stats))
    };
    let (stats, xyz_stats) = if built() {
        let mut folder = lock(false)?;
        stage().and_then(|staged| in_generation(&mut folder, staged))?
    } else {
        // The folders made for the archive and the XYZ folder go again when the run fails
        // or is interrupted, as `build`'s output folder does: no litter.
        let made: Vec<(PathBuf, PathBuf)> = [Some(dir), args.xyz.as_deref().map(atomic::folder_of)]
            .into_iter()
            .flatten()
            .filter_map(|d| Some((d.to_path_buf(), atomic::first_missing(d)?)))
            .collect();
        for (d, top) in &made {
            interrupt::note_made(d, top, "");
        }
        let written = stage().and_then(|staged| {
            drillmap::fsutil::test_point("tiles-staged");
            // A build may have begun in the folder while this run tiled (probe, session
            // 40: the archive replaced the build's first one outside its generation, and
            // the next build left it out of the manifest). Where a build's lock file is,
            // the archive is published under that lock, after any build holding it: into
            // the generation when there is one by then, else as it is. (A folder with no
            // lock file yet gets none: a build that takes it after this look must read,
            // derive and stage its layers before it can publish, not the instant this
            // rename takes.)
            let mut held = match dir.join(LOCK).exists() || built() {
                true => Some(lock(true)?),
                false => None,
            };
            if let (Some(folder), true) = (held.as_mut(), built()) {
                return in_generation(folder, staged);
            }
            let (archive, stats, xyz) = staged;
            let (staged_dir, xyz_stats) = xyz.unzip();
            tiles::publish_staged(archive, staged_dir.flatten())?;
            drop(held);
            Ok((stats, xyz_stats))
        });
        // Those left empty (a failed run) are removed; a written one holds its output.
        for (d, top) in &made {
            interrupt::release_made(d, top, "");
        }
        written?
    };
    let mut err = io::stderr().lock();
    let _ = writeln!(
        err,
        "{}: {} ({} distinct), {}, largest tile {}, {}{}{}, {}",
        args.out.display(),
        super::counted(stats.tiles as u64, "tile"),
        stats.contents,
        super::counted(stats.bytes as u64, "byte"),
        super::counted(stats.max_tile_bytes as u64, "byte"),
        super::counted(stats.features as u64, "feature"),
        if stats.clustered_tiles > 0 {
            format!(" ({} tiles clustered)", stats.clustered_tiles)
        } else {
            String::new()
        },
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
    for p in uncredited.borrow().iter() {
        // Probe, session 31: an archive of drillmap's own `.geojsons` layer lost the
        // GeoNames credit its `.geojson` twin carries, without a word.
        let _ = writeln!(
            err,
            "note: {}: its data is credited with nothing (a GeoJSONSeq or CSV file \
             carries no attribution, nor does a GeoJSON file without an `attribution` \
             member): give --attribution TEXT, or tile drillmap's GeoJSON layer, which \
             carries its credits",
            p.display()
        );
    }
    if let (Some(dir), Some(stats)) = (&args.xyz, xyz_stats) {
        let state = if stats.changed {
            "written"
        } else {
            "unchanged"
        };
        let _ = writeln!(err, "{}: {} tiles, {state}", dir.display(), stats.tiles);
    }
    Ok(ExitCode::SUCCESS)
}
