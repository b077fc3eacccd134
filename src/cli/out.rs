//! `--out FILE`: the one check every command that writes a file of its own (`tiles`,
//! `places import-geonames`, `extract`) runs before it writes anything.
//!
//! The rule, as a user of tippecanoe (`--force`) or ogr2ogr (`-overwrite`) expects it
//! (README, "What `--out` may replace"):
//!
//! - an output never replaces one of the run's inputs: the same file however named (a
//!   symlink, a hard link, `./a`), compared by device and inode ([`same_file`]), nor lies
//!   inside a folder the run reads (`--data`), not even with `--force`;
//! - an existing file is replaced only when it is what the command writes (a PMTiles
//!   archive, a GeoNames table, an extract draft: [`Kind`]) or is empty; any other file (a
//!   GeoJSON layer, the gazetteer, a README) only with `--force`.

use std::io::Read;
use std::path::{Path, PathBuf};

use drillmap::Error;

/// What a command writes to `--out`, recognised by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A PMTiles archive (`tiles`).
    Archive,
    /// A GeoNames table (`places import-geonames`): 19 tab-separated columns.
    GeonamesTable,
    /// The index `places import-geonames` writes beside its table.
    GeonamesIndex,
    /// A draft of `extract`, TOML or JSON.
    Draft,
}

impl Kind {
    /// What it is called in a message.
    fn name(self) -> &'static str {
        match self {
            Kind::Archive => "a PMTiles archive",
            Kind::GeonamesTable => "a GeoNames table",
            Kind::GeonamesIndex => "a GeoNames index",
            Kind::Draft => "a draft of `drillmap extract`",
        }
    }

    /// Whether a file beginning with `head` is of this kind.
    fn is(self, head: &[u8]) -> bool {
        match self {
            Kind::Archive => head.starts_with(b"PMTiles"),
            Kind::GeonamesTable => {
                let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
                std::str::from_utf8(line).is_ok_and(|l| {
                    drillmap::read::geonames::parse_line(l.trim_end_matches('\r'), 1).is_ok()
                })
            }
            Kind::GeonamesIndex => head.starts_with(drillmap::resolve::index::MAGIC),
            Kind::Draft => [
                drillmap::extract::output::TOML_HEADER,
                drillmap::extract::output::JSON_OPEN,
            ]
            .iter()
            .any(|h| head.starts_with(h.as_bytes())),
        }
    }
}

/// The inputs of a run, which its `--out` must not replace.
#[derive(Debug, Default)]
pub struct Inputs<'a> {
    /// Files the run reads (`tiles FILE`, the articles of `extract`, the GeoNames dump).
    pub files: Vec<&'a Path>,
    /// A folder the run reads and never changes (`--data`), and the command's name.
    pub folder: Option<(&'a Path, &'static str)>,
}

/// Refuse (exit 2, before anything is written) an `--out` that would replace one of
/// `inputs`, or an existing file that is not of `kind` unless `force`. `more` are files
/// written beside the output (the GeoNames index), held to the same rule.
pub fn check(
    out: &Path,
    kind: Kind,
    inputs: &Inputs<'_>,
    more: &[(PathBuf, Kind)],
    force: bool,
) -> Result<(), Error> {
    let target = super::canonical_target(out);
    for input in &inputs.files {
        if input.canonicalize().is_ok_and(|c| same_file(&c, &target)) {
            return Err(Error::Usage(format!(
                "--out {}: that is the input {}, which the output would replace: write it \
                 elsewhere",
                out.display(),
                input.display()
            )));
        }
    }
    if let Some((data, command)) = inputs.folder {
        if data.canonicalize().is_ok_and(|d| target.starts_with(d)) {
            return Err(Error::Usage(format!(
                "--out {}: inside the data folder {}, which {command} reads and never \
                 changes: write it elsewhere",
                out.display(),
                data.display()
            )));
        }
    }
    if force {
        return Ok(());
    }
    for (path, kind) in std::iter::once((out.to_path_buf(), kind)).chain(more.iter().cloned()) {
        let Ok(mut file) = std::fs::File::open(&path) else {
            continue;
        };
        if !file.metadata().is_ok_and(|m| m.is_file()) {
            continue;
        }
        let mut head = Vec::new();
        if let Err(e) = file.by_ref().take(4096).read_to_end(&mut head) {
            return Err(Error::io(&path, e));
        }
        if !head.is_empty() && !kind.is(&head) {
            return Err(Error::Usage(format!(
                "--out {}: {} exists and is not {}, so it was not written by this command: \
                 nothing written; give another name, or add --force to replace it",
                out.display(),
                path.display(),
                kind.name()
            )));
        }
    }
    Ok(())
}

/// Whether the canonical paths `a` and `b` name one file: one device and inode where
/// there are such (a hard link), else one path.
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return (x.dev(), x.ino()) == (y.dev(), y.ino());
        }
    }
    a == b
}
