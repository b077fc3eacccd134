//! `build --events`: the pipeline for a bulk event export, streamed.
//!
//! The same stages as the hand-kept layers, one row at a time: the tables are read and
//! checked by [`super::read_tables`] (as `check` does), a [`crate::bulk`] reader yields
//! rows, [`crate::derive::event`] checks each row and derives its feature (the location
//! properties through [`crate::derive::location`]), and the [`Sorter`] hands the features in
//! id order to the GeoJSON and GeoJSONSeq [`crate::write::sink`]s. The archive is tiled from
//! the finished GeoJSON layer ([`layer_file`]), or kept when an earlier run made it from the
//! same layer. Bad rows are counted and listed; they are written to `<layer>.errors.csv`
//! when skipped.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use super::parallel::{Derived, Ordered, Outcome};
use super::Tables;
use crate::bulk::chunk::{Chunk, Item};
use crate::bulk::csv::CsvReader;
use crate::bulk::seq::SeqReader;
use crate::bulk::{Columns, EventReader, Format};
use crate::derive::event::{Builder, Geonames};
use crate::derive::BorderIndex;
use crate::error::{Error, Problem, Result};
use crate::model::{without_any_credentials, Credits};
use crate::write::atomic::Streaming;
use crate::write::generation::{Folder, Publishable};
use crate::write::sink::{Block, GeoJson, GeoJsonSeq, Output, Placed, Sink, Sinks, SEPARATOR};
use crate::write::sort::{temp_file, Duplicate, Sorter, TempFile};
use crate::write::tiles::{layer_file, TileOptions};

/// Default layer name (and output file stem).
pub const DEFAULT_LAYER: &str = "events";

/// How many problems a failed or skipping run lists; the rest are counted (and, when rows are
/// skipped, all written to the errors file).
pub const LISTED_PROBLEMS: usize = 50;

/// What `build --events` is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// The folder with `places.csv` and `boundaries/`.
    pub data: PathBuf,
    /// The events file.
    pub events: PathBuf,
    /// Its format.
    pub format: Format,
    /// Column mapping.
    pub columns: Columns,
    /// Output folder.
    pub out: PathBuf,
    /// Layer name: the output is `<out>/<layer>.geojson`.
    pub layer: String,
    /// Also write `<out>/<layer>.geojsons` (RFC 8142, RS-prefixed records).
    pub seq: bool,
    /// Write `<out>/<layer>.pmtiles` with these options (vector tiles, with the tile budget
    /// and clusters); when `None`, an archive an earlier run wrote is removed with the new
    /// generation.
    pub tiles: Option<crate::write::tiles::TileOptions>,
    /// Bad rows that may be skipped (and listed) before the run fails.
    pub max_errors: usize,
    /// A place resolved by a weak match ([`crate::resolve::Resolved::is_weak`]: loose,
    /// fuzzy, an alternate name, online) makes its row a bad row, as `build --strict` makes
    /// such a match in the dataset a problem.
    pub strict: bool,
    /// Write the layer even when no row makes a feature (otherwise nothing is written).
    pub allow_empty: bool,
    /// Bytes of features sorted in memory before spilling a run to disk.
    pub sort_buffer: usize,
    /// Threads deriving features; `None` uses the machine's parallelism. The output does
    /// not depend on it.
    pub threads: Option<usize>,
}

impl Options {
    /// Check the layer name: it becomes a file name. Names are compared without regard to
    /// case, as a case-insensitive file system (macOS, Windows) compares them, where
    /// `Exercises.geojson` is `exercises.geojson` (probe 8 #6).
    pub fn validate(&self) -> Result<()> {
        let ok = crate::model::is_layer_name(&self.layer);
        let archive = super::PMTILES.strip_suffix(TILES).unwrap_or_default();
        if crate::derive::features::LAYERS
            .iter()
            .chain([&archive])
            .any(|n| n.eq_ignore_ascii_case(&self.layer))
        {
            return Err(Error::Usage(format!(
                "--layer {}: the name of a layer or of the archive `drillmap build` writes from the dataset (in any case); choose another",
                self.layer
            )));
        }
        if !ok {
            return Err(Error::Usage(format!(
                "--layer {:?}: use {} (it names the output files)",
                self.layer,
                crate::model::LAYER_NAME_RULE
            )));
        }
        if let Some(tiles) = &self.tiles {
            tiles.validate()?;
        }
        if let Some(twin) = self.case_twin() {
            return Err(Error::Usage(format!(
                "--layer {}: {} holds the layer {twin:?}, whose name differs from this one only \
                 in case: a case-insensitive file system (macOS, Windows) takes their files for \
                 the same files; use {twin:?}, or another name",
                self.layer,
                self.out.display()
            )));
        }
        Ok(())
    }

    /// The first (by name) layer of the output folder whose name differs from this one's
    /// only in case, by the files a bulk layer writes.
    fn case_twin(&self) -> Option<String> {
        let entries = std::fs::read_dir(&self.out).ok()?;
        entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let stem = LAYER_FILES.iter().find_map(|s| name.strip_suffix(s))?;
                (stem != self.layer && stem.eq_ignore_ascii_case(&self.layer))
                    .then(|| stem.to_owned())
            })
            .min()
    }

    /// `<out>/<layer>.geojson`.
    pub fn geojson_path(&self) -> PathBuf {
        self.file(GEOJSON)
    }

    /// `<out>/<layer>.geojsons`.
    pub fn seq_path(&self) -> PathBuf {
        self.file(SEQ)
    }

    /// `<out>/<layer>.pmtiles`.
    pub fn tiles_path(&self) -> PathBuf {
        self.file(TILES)
    }

    /// `<out>/<layer>.errors.csv`.
    pub fn errors_path(&self) -> PathBuf {
        self.file(ERRORS)
    }

    /// `<out>/<layer><suffix>`, `suffix` one of [`LAYER_FILES`].
    fn file(&self, suffix: &str) -> PathBuf {
        self.out.join(format!("{}{suffix}", self.layer))
    }
}

/// What follows a bulk layer's name in the names of the files it writes: the GeoJSON
/// layer, the GeoJSONSeq layer, the PMTiles archive, the bad rows.
const GEOJSON: &str = ".geojson";
const SEQ: &str = ".geojsons";
const TILES: &str = ".pmtiles";
const ERRORS: &str = ".errors.csv";
/// Every file a bulk layer writes, by what follows its name.
const LAYER_FILES: [&str; 4] = [GEOJSON, SEQ, TILES, ERRORS];

/// What a bulk build did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The GeoJSON layer.
    pub geojson: PathBuf,
    /// The GeoJSONSeq layer, when asked for.
    pub seq: Option<PathBuf>,
    /// The PMTiles archive, unless tiles were turned off or the layer is empty.
    pub tiles: Option<PathBuf>,
    /// Rows read (good and bad).
    pub rows: u64,
    /// Features written.
    pub features: u64,
    /// Distinct (place, country hint) pairs looked up (found or not).
    pub places: usize,
    /// Features written located by their rows' own coordinates.
    pub source_coordinates: u64,
    /// Bad rows (each skipped, or the reason nothing was written).
    pub bad_rows: u64,
    /// The first [`LISTED_PROBLEMS`] problems.
    pub listed: Vec<Problem>,
    /// Whether the layer was written (false: too many bad rows, or no feature without
    /// `allow_empty`: nothing written).
    pub written: bool,
    /// Whether the GeoJSON layer's bytes changed (false: left untouched).
    pub changed: bool,
    /// Whether the archive was kept as it was, made from the same layer, options and
    /// program by an earlier run (nothing tiled).
    pub tiles_kept: bool,
    /// Where every skipped row is listed, when rows were skipped.
    pub errors_file: Option<PathBuf>,
    /// Whether the layer has features but none with a position (it draws nothing).
    pub unlocated: bool,
    /// The `--max-errors` the run had.
    pub max_errors: usize,
    /// What the reader dropped without a bad row ([`EventReader::notices`]).
    pub notices: Vec<String>,
}

/// Build the layer `opts` describes into `folder` (`opts.out`, locked) and publish its files
/// as one generation. Returns `Ok` with `written == false` when there are more bad rows
/// than `opts.max_errors`; an `Err` when a file cannot be read or written or the gazetteer
/// has problems (the same checks as `check`).
pub fn build(opts: &Options, folder: &mut Folder) -> Result<Report> {
    opts.validate()?;
    if opts.tiles.is_some() {
        // Who makes the archive, taken before the work (see `layer_file::program`).
        let _ = layer_file::program();
    }
    // The tables, indexes and memos that derive the rows are dropped once every row is
    // derived, before the outputs are finished (the tiles' finish is the run's peak).
    let gathered = derive_rows(opts)?;
    publish(gathered, opts, folder)
}

/// Read and derive every row into the layer's sinks.
fn derive_rows(opts: &Options) -> Result<Gathered<'_>> {
    let tables = Tables::read(&opts.data)?.checked()?;
    // A GeoNames table with an on-disk index (the full dump) is asked per distinct place;
    // a small one without an index is read whole.
    let geonames = match super::open_geonames_index(&opts.data, &tables.gazetteer)? {
        Some(index) => Geonames::Index(index),
        None => match super::load_geonames(&opts.data, &tables.gazetteer)? {
            Some(table) => Geonames::Table(table),
            None => Geonames::None,
        },
    };
    // Names resolved online earlier (`build --online`, `geocode --online`), read offline.
    let cache = tables.geocode_cache(&opts.data)?;
    let mut builder = Builder::new(
        &opts.events,
        &tables.gazetteer,
        &geonames,
        &cache,
        BorderIndex::new(&tables.border),
    );
    builder.strict = opts.strict;
    builder.swap = Some(crate::derive::swap::SwapRule::new(&tables.boundaries));
    match opts.format {
        Format::Csv => run(
            &mut CsvReader::open(&opts.events, &opts.columns)?,
            builder,
            opts,
            &tables.provenance.attribution,
        ),
        Format::GeoJsonSeq => run(
            &mut SeqReader::open(&opts.events, &opts.columns)?,
            builder,
            opts,
            &tables.provenance.attribution,
        ),
    }
}

/// Bad rows, in file order: counted, the first few kept for the report, and every one
/// written to the errors file when rows may be skipped. They come in file order as the rows
/// are taken back, but for the repeated ids the sort finds as its runs merge, at the end:
/// [`Problems::finish`] puts those in their places.
struct Problems {
    count: u64,
    listed: Vec<Problem>,
    /// The problems so far as CSV records (no header), in a temporary file.
    file: Option<(TempFile, BufWriter<File>)>,
    path: PathBuf,
    keep_file: bool,
}

/// `p` without the credentials of any address its message quotes
/// ([`without_any_credentials`]; its value lost them as it was made,
/// [`crate::read::lines::shown`]): stderr shows it and the errors file publishes it beside
/// the layer (probe, session 45: "https://user:secret@…" of a row with one column too many
/// was in both).
fn without_addresses_credentials(mut p: Problem) -> Problem {
    if let Cow::Owned(m) = without_any_credentials(&p.message) {
        p.message = m;
    }
    p
}

impl Problems {
    fn add(&mut self, p: Problem) -> Result<()> {
        let p = without_addresses_credentials(p);
        self.count += 1;
        if self.keep_file {
            if self.file.is_none() {
                let (temp, file) = temp_file(&self.path, "rows")?;
                self.file = Some((temp, BufWriter::new(file)));
            }
            if let Some((temp, f)) = &mut self.file {
                let mut w = csv::Writer::from_writer(Vec::new());
                write_problem(&mut w, &p).map_err(|e| Error::io(temp.path(), e.into()))?;
                let text = w
                    .into_inner()
                    .map_err(|e| Error::io(temp.path(), e.into_error()))?;
                f.write_all(&text).map_err(|e| Error::io(temp.path(), e))?;
            }
        }
        if self.listed.len() < LISTED_PROBLEMS {
            self.listed.push(p);
        }
        Ok(())
    }

    /// Add the problems `late` (in any order) in their places by line; the errors file
    /// (`line,value,problem`), when rows may be skipped and some were bad.
    fn finish(&mut self, late: Vec<Problem>) -> Result<Option<Streaming>> {
        let mut late: Vec<Problem> = late
            .into_iter()
            .map(without_addresses_credentials)
            .collect();
        late.sort_by_key(|p| p.line);
        self.count += late.len() as u64;
        let listed = std::mem::take(&mut self.listed);
        self.listed = merge_by_line(listed.into_iter(), late.iter().cloned())
            .take(LISTED_PROBLEMS)
            .collect();
        let first = self.file.take();
        if !self.keep_file || (first.is_none() && late.is_empty()) {
            return Ok(None);
        }
        let mut out = Streaming::create(&self.path)?;
        let path = out.temp().to_path_buf();
        let csv_error = |e: csv::Error| Error::io(&path, e.into());
        let mut w = csv::Writer::from_writer(out.writer());
        w.write_record(["line", "value", "problem"])
            .map_err(csv_error)?;
        let mut late = late.into_iter().peekable();
        if let Some((temp, f)) = first {
            f.into_inner()
                .map_err(|e| Error::io(temp.path(), e.into_error()))?;
            let mut rows = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_path(temp.path())
                .map_err(|e| Error::io(temp.path(), e.into()))?;
            let mut record = csv::ByteRecord::new();
            while rows
                .read_byte_record(&mut record)
                .map_err(|e| Error::io(temp.path(), e.into()))?
            {
                let line = std::str::from_utf8(record.get(0).unwrap_or_default())
                    .ok()
                    .and_then(|l| l.parse::<usize>().ok());
                while let Some(p) = late.next_if(|p| p.line < line) {
                    write_problem(&mut w, &p).map_err(csv_error)?;
                }
                w.write_byte_record(&record).map_err(csv_error)?;
            }
        }
        for p in late {
            write_problem(&mut w, &p).map_err(csv_error)?;
        }
        w.flush().map_err(|e| Error::io(&path, e))?;
        drop(w);
        Ok(Some(out))
    }
}

/// One problem as a record of the errors file: `line,value,problem`.
fn write_problem<W: std::io::Write>(w: &mut csv::Writer<W>, p: &Problem) -> csv::Result<()> {
    let line = p.line.map(|l| l.to_string()).unwrap_or_default();
    let cell = crate::write::cell::neutralise;
    w.write_record([line.as_str(), &cell(&p.value), &cell(&p.message)])
}

/// Two lists of problems, each in line order, as one (`a`'s first on equal lines).
fn merge_by_line(
    a: impl Iterator<Item = Problem>,
    b: impl Iterator<Item = Problem>,
) -> impl Iterator<Item = Problem> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) if y.line < x.line => b.next(),
        (Some(_), _) => a.next(),
        (None, _) => b.next(),
    })
}

/// What the rows taken back so far came to.
struct Tally<'o> {
    opts: &'o Options,
    sorter: Sorter,
    problems: Problems,
    rows: u64,
}

/// The problem of a row whose id repeats an earlier row's.
fn duplicate(events: &std::path::Path, d: &Duplicate) -> Problem {
    Problem::new(
        events,
        usize::try_from(d.line).ok(),
        &d.id,
        format!(
            "duplicate id: the row on line {} has the same id (ids must be unique)",
            d.first
        ),
    )
}

impl Tally<'_> {
    /// Write a derived chunk's features and count its problems, row by row in input
    /// order; its failure, if any, after the rows before it.
    fn take(&mut self, chunk: &Chunk, derived: &mut Derived) -> Result<()> {
        if self.take_block(chunk, derived)? {
            return Ok(());
        }
        let mut start = 0;
        for (item, outcome) in chunk.items.iter().zip(derived.outcomes.drain(..)) {
            self.rows += 1;
            match (outcome, item) {
                (Outcome::Problem(p), Item::Row(spans)) => {
                    // Its id is taken: a later row's repeat of it is a duplicate.
                    let (id, line) = chunk.id_and_line(spans);
                    if !id.is_empty() {
                        self.sorter.push_bad(id, line)?;
                    }
                    self.problems.add(p)?;
                }
                (Outcome::Problem(p), Item::Bad(_)) => self.problems.add(p)?,
                (Outcome::Feature { end, point, own }, Item::Row(spans)) => {
                    let (id, line) = chunk.id_and_line(spans);
                    let bounds = point.map(|[x, y]| [x, y, x, y]);
                    let text = derived
                        .text
                        .get(start + SEPARATOR.len()..end)
                        .unwrap_or_default();
                    start = end;
                    // Marked: the features written with their own coordinates are counted
                    // by the sorter, not the rows it drops as repeated ids (probe 8 #11).
                    if let Some(d) = self.sorter.push(id, line, bounds, &[text], own)? {
                        let p = duplicate(&self.opts.events, &d);
                        self.problems.add(p)?;
                    }
                }
                (Outcome::Feature { .. }, Item::Bad(_)) => {
                    return Err(Error::Internal("a feature for a row not read".into()))
                }
            }
            if self.problems.count > self.opts.max_errors as u64 && !self.sorter.abandoned() {
                // The run fails: no errors file, and no layer or tiles to make. Reading goes
                // on to count and list every bad row, repeated ids included (the sorter
                // keeps the ids, and finds repeats when its sorted runs merge).
                self.problems.file = None;
                self.problems.keep_file = false;
                self.sorter.abandon()?;
            }
        }
        match derived.fatal.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// [`Tally::take`] of a chunk whose features go to the sinks as one [`Block`], its
    /// text handed to the GeoJSON layer's writer without a copy: a chunk without a failure
    /// that stops the run, whose problems leave the run within `--max-errors`, and whose
    /// ids come in order after those written (so none repeats). Whether it was taken
    /// (else nothing was done); its problems are counted in order, as one at a time.
    fn take_block(&mut self, chunk: &Chunk, derived: &mut Derived) -> Result<bool> {
        if derived.fatal.is_some() || derived.outcomes.len() != chunk.items.len() {
            return Ok(false);
        }
        let problems = derived
            .outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Problem(_)))
            .count();
        // A bad row with an id is taken one row at a time ([`Sorter::push_bad`]).
        let bad_with_id = problems > 0
            && chunk.items.iter().zip(&derived.outcomes).any(|(item, o)| {
            matches!((o, item), (Outcome::Problem(_), Item::Row(spans)) if !chunk.id_and_line(spans).0.is_empty())
        });
        if bad_with_id {
            return Ok(false);
        }
        if self.problems.count + problems as u64 > self.opts.max_errors as u64 {
            return Ok(false);
        }
        let mut features = Vec::with_capacity(derived.outcomes.len() - problems);
        for (item, outcome) in chunk.items.iter().zip(&derived.outcomes) {
            match (outcome, item) {
                (Outcome::Problem(_), _) => {}
                (&Outcome::Feature { end, point, own }, Item::Row(spans)) => {
                    let (id, line) = chunk.id_and_line(spans);
                    features.push(Placed {
                        id,
                        bounds: point.map(|[x, y]| [x, y, x, y]),
                        end,
                        line,
                        marked: own,
                    });
                }
                (Outcome::Feature { .. }, Item::Bad(_)) => return Ok(false),
            }
        }
        let mut block = Block {
            text: &mut derived.text,
            features: &features,
        };
        if !self.sorter.push_block(&mut block)? {
            return Ok(false);
        }
        self.rows += derived.outcomes.len() as u64;
        for outcome in derived.outcomes.drain(..) {
            if let Outcome::Problem(p) = outcome {
                self.problems.add(p)?;
            }
        }
        Ok(true)
    }
}

/// Read every row, derive them on the build threads and take them back in order.
fn feed<R: EventReader>(
    reader: &mut R,
    ordered: &mut Ordered<'_>,
    tally: &mut Tally<'_>,
) -> Result<()> {
    let mut more = true;
    let mut read_error = None;
    loop {
        if more && ordered.has_room() {
            match ordered.read(|chunk: &mut Chunk| reader.fill(chunk)) {
                Ok(m) => more = m,
                Err(e) => {
                    // After the rows before it, as one thread would meet it.
                    read_error = Some(e);
                    more = false;
                }
            }
            while let Some((chunk, mut derived)) = ordered.next(false)? {
                tally.take(&chunk, &mut derived)?;
                ordered.recycle(chunk, derived);
            }
            continue;
        }
        match ordered.next(true)? {
            Some((chunk, mut derived)) => {
                tally.take(&chunk, &mut derived)?;
                ordered.recycle(chunk, derived);
            }
            None => break,
        }
    }
    match read_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Every row read and derived: the sorted features not yet written out.
struct Gathered<'o> {
    tally: Tally<'o>,
    seq_path: Option<PathBuf>,
    attribution: String,
    places: usize,
    notices: Vec<String>,
}

/// `natural_earth` is the boundaries' credit, owed by every feature (its border distance).
fn run<'o, R: EventReader>(
    reader: &mut R,
    b: Builder<'_>,
    opts: &'o Options,
    natural_earth: &str,
) -> Result<Gathered<'o>> {
    let seq_path = opts.seq.then(|| opts.seq_path());
    let mut sinks: Vec<Box<dyn Sink>> = vec![Box::new(GeoJson::create(
        &opts.geojson_path(),
        &opts.layer,
    )?)];
    if let Some(p) = &seq_path {
        sinks.push(Box::new(GeoJsonSeq::create(p)?));
    }
    let mut tally = Tally {
        opts,
        sorter: Sorter::new(Sinks(sinks), &opts.out.join(&opts.layer), opts.sort_buffer),
        problems: Problems {
            count: 0,
            listed: Vec::new(),
            file: None,
            path: opts.errors_path(),
            keep_file: opts.max_errors > 0,
        },
        rows: 0,
    };
    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .clamp(1, 64);
    let mut builders: Vec<Builder<'_>> = (1..threads).map(|_| b.clone()).collect();
    builders.push(b);
    let (fed, builders) = std::thread::scope(|scope| {
        let (mut ordered, handles) = Ordered::start(scope, builders);
        let fed = feed(reader, &mut ordered, &mut tally);
        ordered.close();
        drop(ordered);
        let joined: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
        (fed, joined)
    });
    fed?;
    // A panic is caught in the build thread and met as its chunk's failure above.
    let builders = builders
        .into_iter()
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| Error::Internal("a build thread panicked".into()))?;
    let attribution = builders
        .iter()
        .map(Builder::credits)
        .fold(Credits::NONE, Credits::and)
        .attribution(natural_earth);
    Ok(Gathered {
        tally,
        seq_path,
        attribution,
        places: Builder::places_of(&builders),
        notices: reader.notices(),
    })
}

/// The archive of the GeoJSON `layer` just finished (staged, or unchanged in place): the
/// present archive when it was made from this layer with these options by this program
/// (`true`: kept, nothing read), else the layer file tiled ([`layer_file`]). The
/// archive's digest and what it was made from are noted in `folder` for the next run.
fn tiles_of(
    layer: &Output,
    opts: &Options,
    tile_opts: &TileOptions,
    folder: &mut Folder,
) -> Result<(Publishable, bool)> {
    let file = match &layer.staged {
        Some(staged) => staged
            .temp()
            .ok_or_else(|| Error::Internal("a staged layer has no temporary file".into()))?,
        None => &layer.path,
    };
    let digest = match &layer.digest {
        Some(d) => d.clone(),
        None => crate::write::generation::digest(file)?,
    };
    let dest = opts.tiles_path();
    let from = layer_file::made_from(&digest, &opts.layer, tile_opts);
    if let Some(from) = from.as_deref() {
        if let Some(kept) = folder.made_from(&dest, from) {
            folder.made(&kept.1, from.to_owned());
            return Ok(((dest, None, Some(kept)), true));
        }
    }
    let (staged, stats) = layer_file::stage_layer_pmtiles(file, &layer.path, &dest, tile_opts)
        .map_err(|e| match e {
            // A tile over budget: the flags of the message, or no tiles at all.
            Error::Usage(m) => Error::Usage(format!("{m}, or build without tiles (--no-tiles)")),
            e => e,
        })?;
    if let (Some(from), Some(d)) = (from, &stats.digest) {
        folder.made(&d.1, from);
    }
    Ok(((dest, staged, stats.digest), false))
}

/// Finish the outputs of the derived rows and publish them as one generation.
fn publish(gathered: Gathered<'_>, opts: &Options, folder: &mut Folder) -> Result<Report> {
    let Gathered {
        tally,
        seq_path,
        attribution,
        places,
        notices,
    } = gathered;
    let Tally {
        sorter,
        mut problems,
        rows,
        ..
    } = tally;
    let sorted = sorter.finish(&attribution)?;
    let late = sorted
        .duplicates
        .iter()
        .map(|d| duplicate(&opts.events, d))
        .collect();
    let errors_file = problems.finish(late)?;
    let mut report = Report {
        geojson: opts.geojson_path(),
        seq: seq_path,
        tiles: None,
        rows,
        features: sorted.features,
        places,
        source_coordinates: sorted.marked,
        bad_rows: problems.count,
        listed: std::mem::take(&mut problems.listed),
        written: false,
        changed: sorted.outputs.first().is_some_and(|o| o.changed()),
        tiles_kept: false,
        errors_file: None,
        unlocated: false,
        max_errors: opts.max_errors,
        notices,
    };
    if problems.count > opts.max_errors as u64 || (report.features == 0 && !opts.allow_empty) {
        return Ok(report); // dropping the staged outputs removes them
    }
    let mut remove = Vec::new();
    // An empty layer has no archive, nor, with `--allow-empty`, one whose every feature is
    // unlocated (probe, session 31: a GeoJSONSeq export of `geometry: null` features
    // failed with "nothing to tile" whatever the flag; without it, that is still the error).
    report.unlocated = report.features > 0 && !sorted.outputs.first().is_some_and(|o| o.located);
    if report.unlocated && opts.tiles.is_some() && !opts.allow_empty {
        return Err(Error::Data(vec![Problem::new(
            &opts.events,
            None,
            "",
            "no feature is located (every geometry null), so there is nothing to tile: build \
             with --allow-empty (the layer, without an archive) or --no-tiles",
        )]));
    }
    let archive = match (&opts.tiles, sorted.outputs.first()) {
        (Some(tile_opts), Some(layer))
            if report.features > 0 && !(report.unlocated && opts.allow_empty) =>
        {
            let (archive, kept) = tiles_of(layer, opts, tile_opts, folder)?;
            report.tiles = Some(opts.tiles_path());
            report.tiles_kept = kept;
            Some(archive)
        }
        // An archive of an earlier run would not match the new layer.
        _ => {
            remove.push(opts.tiles_path());
            None
        }
    };
    let mut files: Vec<_> = sorted
        .outputs
        .into_iter()
        .map(|o| (o.path, o.staged, o.digest))
        .chain(archive)
        .collect();
    if !opts.seq {
        // A GeoJSONSeq layer of an earlier run would not match the new layer.
        remove.push(opts.seq_path());
    }
    match errors_file {
        Some(f) => {
            let (staged, digest) = f.finish_digest()?;
            files.push((problems.path.clone(), staged, Some(digest)));
            report.errors_file = Some(problems.path.clone());
        }
        // A stale list from an earlier run would mislead.
        None => remove.push(problems.path.clone()),
    }
    // Never the input itself (a layer of an earlier run read back): it stays on disk, out
    // of the new generation.
    let input = std::fs::canonicalize(&opts.events).ok();
    let (left, remove): (Vec<_>, Vec<_>) = remove.into_iter().partition(|p| {
        // However named: a hard link too (probe, session 30), as `--out`'s rule compares.
        input.as_ref().is_some_and(|i| {
            std::fs::canonicalize(p).is_ok_and(|c| crate::fsutil::same_file(i, &c))
        })
    });
    folder.publish_with_dirs(files, Vec::new(), &remove, &left)?;
    report.written = true;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::event::tests::fail_index_at;

    /// A GeoNames index that fails in the middle of a run stops it: an error (not a bad row
    /// counted against `--max-errors`), nothing written, the previous output untouched and
    /// no temporary file left behind.
    #[test]
    fn an_index_failure_mid_run_is_an_error_not_a_bad_row() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path().join("events.csv");
        let mut text = String::from("id,place,country\n");
        for i in 0..5000 {
            let place = if i == 4000 { "Termez" } else { "Kulob" };
            text.push_str(&format!("ev-{i:05},{place},\n"));
        }
        std::fs::write(&events, text).unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("events.geojson"), "previous").unwrap();
        let opts = Options {
            data: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("places"),
            events,
            format: Format::Csv,
            columns: Columns::default(),
            out: out.clone(),
            layer: DEFAULT_LAYER.into(),
            seq: true,
            tiles: None,
            max_errors: 10_000,
            strict: false,
            allow_empty: false,
            sort_buffer: 1 << 20,
            threads: Some(2),
        };
        let lock = |out: &std::path::Path| {
            crate::write::generation::Folder::lock(out, &mut |_| panic!("nobody else holds it"))
                .unwrap()
        };
        fail_index_at(Some("Termez"));
        let result = build(&opts, &mut lock(&out));
        fail_index_at(None);
        match result {
            Err(Error::Io { path, source }) => {
                assert_eq!(path, std::path::Path::new("geonames.idx"));
                assert!(source.to_string().contains("injected"), "{source}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            std::fs::read_to_string(out.join("events.geojson")).unwrap(),
            "previous"
        );
        let mut left: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name != crate::write::generation::LOCK)
            .collect();
        left.sort();
        assert_eq!(left, ["events.geojson"]);
        // Without the failure the same run writes the layer.
        let report = build(&opts, &mut lock(&out)).unwrap();
        assert!(report.written && report.bad_rows == 0, "{report:?}");
        // Tile options are checked before any row is read (the library's callers too).
        let bad = Options {
            tiles: Some(crate::write::tiles::TileOptions {
                min_zoom: 5,
                max_zoom: 4,
                ..Default::default()
            }),
            events: dir.path().join("no such file.csv"),
            ..opts
        };
        match bad.validate() {
            Err(Error::Usage(m)) => assert!(m.contains("min zoom 5 is above max zoom 4"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
