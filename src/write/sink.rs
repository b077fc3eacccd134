//! One pass, many outputs: every layer, hand-kept or bulk, is written by handing its
//! features, in id order, to [`Sink`]s, each of which writes one file from the same pass.
//!
//! The call order, for every sink (as geozero's `FeatureProcessor` and ripgrep's `Sink`):
//!
//! 1. the sink is created for one layer, with the layer's name and its destination;
//! 2. [`Sink::feature`] once per feature, in strictly increasing (byte) order of id;
//! 3. [`Sink::finish`] once, with the layer's attribution: the output is flushed, synced and
//!    staged beside its destination, or dropped when the destination already holds exactly
//!    these bytes ("untouched when unchanged");
//! 4. the caller commits every staged output once all of them have finished (so either all
//!    the files of a run appear, or none).
//!
//! Dropping a sink before `finish`, or a staged output before `commit`, removes its
//! temporary file and leaves the destination as it was.
//!
//! Only the [`Sorter`](super::sort::Sorter) calls [`Sink::rewind`], when input it was
//! streaming turns out not to be in id order: see there.
//!
//! [`GeoJson`] writes an RFC 7946 FeatureCollection, [`GeoJsonSeq`] RFC 8142 text (each
//! feature preceded by RS). A bulk build's archive is tiled from the finished GeoJSON layer
//! ([`crate::write::tiles::layer_file`]), so that an unchanged layer's archive is kept.

use std::path::{Path, PathBuf};

use super::atomic::{Staged, Streaming};
use super::generation::Digest;
use super::geojson::{collection_head, collection_tail, Bounds};
use crate::error::{Error, Result};
use crate::read::seq::RS;

/// One feature as every sink receives it: its id, the bounds of its rounded positions
/// (`None` when it has none, or when they were given to this sink before a
/// [`Sink::rewind`]), and its GeoJSON Feature text in pieces, written one after the other.
#[derive(Debug, Clone, Copy)]
pub struct Encoded<'a> {
    /// The feature's id (its text is also in `text`).
    pub id: &'a str,
    /// [west, south, east, north] of its rounded positions.
    pub bounds: Option<[f64; 4]>,
    /// The Feature object's JSON text, one line, in pieces.
    pub text: &'a [&'a [u8]],
}

/// What separates a feature of a GeoJSON layer from the one before it (one feature per
/// line); the first feature follows the newline alone.
pub const SEPARATOR: &[u8] = b",\n";

/// One feature of a [`Block`]: its id, the bounds of its rounded positions (as
/// [`Encoded::bounds`]), where its text ends in [`Block::text`], and what the
/// [`Sorter`](super::sort::Sorter) keeps of it: its line and its mark.
#[derive(Debug, Clone, Copy)]
pub struct Placed<'a> {
    /// The feature's id.
    pub id: &'a str,
    /// [west, south, east, north] of its rounded positions.
    pub bounds: Option<[f64; 4]>,
    /// The end of its text (which starts where the previous feature's ends).
    pub end: usize,
    /// The line (or record number) it came from.
    pub line: u64,
    /// Whether it is marked ([`super::sort::Sorted::marked`]).
    pub marked: bool,
}

/// Features in strictly increasing order of id, their texts back to back in one buffer,
/// each after [`SEPARATOR`]: the GeoJSON layer's bytes as they are, so its sink hands the
/// buffer to its writer whole rather than copying it a feature at a time (a bulk build's
/// chunk of rows, derived on a build thread).
#[derive(Debug)]
pub struct Block<'a> {
    /// The texts; a sink may take the buffer ([`Sink::block`]).
    pub text: &'a mut Vec<u8>,
    /// The features, in order.
    pub features: &'a [Placed<'a>],
}

impl Block<'_> {
    /// Call `f` with each feature, in order, as [`Sink::feature`] takes it.
    pub fn each(&self, mut f: impl FnMut(&Encoded<'_>) -> Result<()>) -> Result<()> {
        let mut start = 0;
        for p in self.features {
            let text = self
                .text
                .get(start + SEPARATOR.len()..p.end)
                .ok_or_else(|| Error::Internal("a feature outside its block".into()))?;
            start = p.end;
            f(&Encoded {
                id: p.id,
                bounds: p.bounds,
                text: &[text],
            })?;
        }
        Ok(())
    }
}

/// A file written from a layer's features; see the module documentation for the call order.
pub trait Sink {
    /// Write one feature; ids come in strictly increasing byte order.
    fn feature(&mut self, f: &Encoded<'_>) -> Result<()>;

    /// Write the features of `block`, whose ids come after those written so far: as
    /// [`Sink::feature`] one at a time (the default), or at once. The sink may take the
    /// block's text (leaving [`Block::text`] an empty buffer to reuse).
    fn block(&mut self, block: &mut Block<'_>) -> Result<()> {
        block.each(|f| self.feature(f))
    }

    /// Forget the features written so far (keeping what they add to the layer, such as its
    /// bbox): they will be fed again, in order, with the later ones. Returns where the
    /// features written so far can be read back, one per line after one header line, when
    /// this sink keeps them in that form.
    fn rewind(&mut self) -> Result<Option<PathBuf>>;

    /// Close the layer: write what follows the features (the bbox, the attribution) and
    /// stage the file.
    fn finish(self: Box<Self>, attribution: &str) -> Result<Output>;
}

/// A finished output.
#[derive(Debug)]
pub struct Output {
    /// Where the file goes.
    pub path: PathBuf,
    /// The file, staged; `None` when the destination already holds exactly these bytes.
    pub staged: Option<Staged>,
    /// Features written.
    pub features: u64,
    /// Whether any feature written has a position (a layer of only unlocated features,
    /// `geometry: null`, draws nothing and has nothing to tile).
    pub located: bool,
    /// Its size and SHA-256, when taken as it was written (else the publish reads it).
    pub digest: Option<Digest>,
}

impl Output {
    /// Whether the destination's content changes when this output is committed.
    pub fn changed(&self) -> bool {
        self.staged.is_some()
    }

    /// Rename the file into place (nothing to do when unchanged).
    pub fn commit(self) -> Result<()> {
        match self.staged {
            Some(s) => s.commit(),
            None => Ok(()),
        }
    }
}

fn write_parts(file: &mut Streaming, parts: &[&[u8]]) -> Result<()> {
    use std::io::Write;
    let w = file.writer();
    let written = parts.iter().try_for_each(|p| w.write_all(p));
    written.map_err(|e| Error::io(file.temp(), e))
}

/// A layer's file while its features are written: an error once it is finished.
fn open(file: &mut Option<Streaming>) -> Result<&mut Streaming> {
    file.as_mut()
        .ok_or_else(|| Error::Internal("a finished layer was written to".into()))
}

/// Finish a layer's file (`None`: finished already, an error): write `tail` after its
/// `written` features, then stage it for `dest` with its digest.
fn staged(
    dest: &Path,
    file: Option<Streaming>,
    (written, located): (u64, bool),
    tail: &[&[u8]],
) -> Result<Output> {
    let mut file = file.ok_or_else(|| Error::Internal("a layer was finished twice".into()))?;
    write_parts(&mut file, tail)?;
    let (staged, digest) = file.finish_digest()?;
    Ok(Output {
        path: dest.to_path_buf(),
        staged,
        features: written,
        located,
        digest: Some(digest),
    })
}

/// `text`, which starts with [`SEPARATOR`], as it goes after `written` features of a
/// layer: after none, from the separator's newline alone.
fn first_or_not(text: &[u8], written: u64) -> &[u8] {
    match written {
        0 => text.get(SEPARATOR.len() - 1..).unwrap_or_default(),
        _ => text,
    }
}

/// A GeoJSON FeatureCollection, one feature per line: `{"type":"FeatureCollection",
/// "name":…,"features":[` and the features, then `],"bbox":[…],"attribution":…}`. The bbox
/// and the attribution come after the features because a streamed layer knows them only
/// then; every layer is written this way.
#[derive(Debug)]
pub struct GeoJson {
    dest: PathBuf,
    layer: String,
    file: Option<Streaming>,
    written: u64,
    bounds: Bounds,
}

impl GeoJson {
    /// Stage `dest` for the layer named `layer`.
    pub fn create(dest: &Path, layer: &str) -> Result<GeoJson> {
        let mut file = Streaming::create(dest)?;
        write_parts(&mut file, &[&collection_head(layer)])?;
        Ok(GeoJson {
            dest: dest.to_path_buf(),
            layer: layer.to_owned(),
            file: Some(file),
            written: 0,
            bounds: Bounds::default(),
        })
    }
}

impl Sink for GeoJson {
    fn feature(&mut self, f: &Encoded<'_>) -> Result<()> {
        let sep = first_or_not(SEPARATOR, self.written);
        let file = open(&mut self.file)?;
        write_parts(file, &[sep])?;
        write_parts(file, f.text)?;
        self.written += 1;
        if let Some(b) = f.bounds {
            self.bounds.extend(b);
        }
        Ok(())
    }

    /// The block's text is the layer's bytes: its buffer goes to the writer as it is
    /// (copied only for the layer's first features, which follow no comma).
    fn block(&mut self, block: &mut Block<'_>) -> Result<()> {
        let Some(last) = block.features.last() else {
            return Ok(());
        };
        if block.text.len() != last.end {
            return Err(Error::Internal(
                "a block's text is not its features'".into(),
            ));
        }
        let first = self.written == 0;
        let file = open(&mut self.file)?;
        if first {
            write_parts(file, &[first_or_not(block.text, 0)])?;
        } else {
            file.writer()
                .write_vec(block.text)
                .map_err(|e| Error::io(file.temp(), e))?;
        }
        self.written += block.features.len() as u64;
        for b in block.features.iter().filter_map(|p| p.bounds) {
            self.bounds.extend(b);
        }
        Ok(())
    }

    fn rewind(&mut self) -> Result<Option<PathBuf>> {
        let old = self
            .file
            .take()
            .ok_or_else(|| Error::Internal("a finished layer was rewound".into()))?;
        let back = super::atomic::temp_path(&self.dest.with_file_name(format!(
            "{}.rewound",
            self.dest
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        )));
        let creating = crate::fsutil::interrupt::creating();
        let back = old.move_to(&back)?;
        drop(creating);
        let mut file = Streaming::create(&self.dest)?;
        write_parts(&mut file, &[&collection_head(&self.layer)])?;
        self.file = Some(file);
        self.written = 0;
        Ok(Some(back))
    }

    fn finish(mut self: Box<Self>, attribution: &str) -> Result<Output> {
        let bounds = self.bounds.get();
        let tail = collection_tail(bounds, attribution);
        let counts = (self.written, bounds.is_some());
        staged(&self.dest, self.file.take(), counts, &[&tail])
    }
}

/// GeoJSONSeq (RFC 8142): each feature on its own line, preceded by RS; nothing else.
#[derive(Debug)]
pub struct GeoJsonSeq {
    dest: PathBuf,
    file: Option<Streaming>,
    written: u64,
    located: bool,
}

impl GeoJsonSeq {
    /// Stage `dest`.
    pub fn create(dest: &Path) -> Result<GeoJsonSeq> {
        Ok(GeoJsonSeq {
            dest: dest.to_path_buf(),
            file: Some(Streaming::create(dest)?),
            written: 0,
            located: false,
        })
    }
}

impl Sink for GeoJsonSeq {
    fn feature(&mut self, f: &Encoded<'_>) -> Result<()> {
        let file = open(&mut self.file)?;
        write_parts(file, &[&[RS]])?;
        write_parts(file, f.text)?;
        write_parts(file, &[b"\n"])?;
        self.written += 1;
        self.located |= f.bounds.is_some();
        Ok(())
    }

    fn rewind(&mut self) -> Result<Option<PathBuf>> {
        // Start over: remove the old temporary (dropping it) before making the new one,
        // which has the same name.
        drop(self.file.take());
        self.file = Some(Streaming::create(&self.dest)?);
        self.written = 0;
        Ok(None)
    }

    fn finish(mut self: Box<Self>, _attribution: &str) -> Result<Output> {
        staged(
            &self.dest,
            self.file.take(),
            (self.written, self.located),
            &[],
        )
    }
}

/// Several sinks fed from the same pass (geozero's `Multiplexer`): each gets every call, in
/// the order they were given.
#[derive(Default)]
pub struct Sinks(pub Vec<Box<dyn Sink>>);

impl std::fmt::Debug for Sinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sinks({})", self.0.len())
    }
}

impl Sinks {
    /// Feed one feature to every sink.
    pub fn feature(&mut self, f: &Encoded<'_>) -> Result<()> {
        self.0.iter_mut().try_for_each(|s| s.feature(f))
    }

    /// Feed a block of features to every sink: a feature at a time to all but the first,
    /// then the block to the first, which may take its text ([`Sink::block`]).
    pub fn block(&mut self, block: &mut Block<'_>) -> Result<()> {
        if let Some((first, rest)) = self.0.split_first_mut() {
            for s in rest {
                block.each(|f| s.feature(f))?;
            }
            first.block(block)?;
        }
        Ok(())
    }

    /// Rewind every sink; where the first one that keeps its features can give them back.
    pub fn rewind(&mut self) -> Result<Option<PathBuf>> {
        let mut back = None;
        for s in &mut self.0 {
            let b = s.rewind()?;
            if back.is_none() {
                back = b;
            } else if let Some(extra) = b {
                let _ = std::fs::remove_file(extra);
            }
        }
        Ok(back)
    }

    /// Finish every sink, in order.
    pub fn finish(self, attribution: &str) -> Result<Vec<Output>> {
        self.0.into_iter().map(|s| s.finish(attribution)).collect()
    }
}
