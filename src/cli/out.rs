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
//!   GeoJSON layer, the gazetteer, a README) only with `--force`;
//! - what is not a regular file (a device, a FIFO, a socket, a pipe named as `/dev/stdout`,
//!   a folder, followed through symlinks) is refused as inputs are ([`kind_of`]), even with
//!   `--force`, before it is opened: a device would be replaced by a file, a FIFO would hang
//!   the run, and the temporary files would be made beside it (in `/dev/`);
//! - every file the command writes (the GeoNames index beside its table too) is held to
//!   these rules, and no two of them may be one file (`--out X.idx` for a table whose index
//!   is `X.idx`).

use std::io::Read;
use std::path::{Path, PathBuf};

use drillmap::read::input::kind_of;
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

    /// Whether a file of `len` bytes beginning with `head` (its first 4,096 bytes at most) is
    /// of this kind: it begins as the command's writer always begins it.
    fn is(self, head: &[u8], len: u64) -> bool {
        match self {
            Kind::Archive => drillmap::write::tiles::pmtiles::Header::parse(head, len).is_some(),
            Kind::GeonamesTable => {
                let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
                std::str::from_utf8(line).is_ok_and(|l| {
                    drillmap::read::geonames::parse_line(l.trim_end_matches('\r'), 1).is_ok()
                })
            }
            Kind::GeonamesIndex => head.starts_with(drillmap::resolve::index::MAGIC),
            Kind::Draft => drillmap::extract::output::is_draft(head),
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

/// Refuse (exit 2, before anything is written or opened) an `--out` that would replace one
/// of `inputs`, that is not a regular file, or an existing file that is not of `kind` unless
/// `force`. `more` are files written beside the output (the GeoNames index), held to the
/// same rules.
pub fn check(
    out: &Path,
    kind: Kind,
    inputs: &Inputs<'_>,
    more: &[(PathBuf, Kind)],
    force: bool,
) -> Result<(), Error> {
    let written: Vec<(PathBuf, Kind)> = std::iter::once((out.to_path_buf(), kind))
        .chain(more.iter().cloned())
        .collect();
    // How a message names a written file: the output is `--out` itself.
    let which = |path: &Path| {
        if path == out {
            String::new()
        } else {
            format!("{} (written beside it): ", path.display())
        }
    };
    let refuse = |path: &Path, why: String| {
        Error::Usage(format!("--out {}: {}{why}", out.display(), which(path)))
    };
    // As inputs are refused (`read::input::open`), before it is opened: a FIFO would hang
    // the run, a device be replaced by a file.
    let not_regular = |path: &Path, meta: &std::fs::Metadata| {
        refuse(
            path,
            format!(
                "{}, not a regular file: refused as output, nothing written",
                kind_of(meta)
            ),
        )
    };
    for (k, (path, kind)) in written.iter().enumerate() {
        if let Some((_, first)) = written[..k].iter().find(|(p, _)| p == path) {
            return Err(Error::Usage(format!(
                "--out {}: {} and {} would both be written to {}: give --out another \
                 extension",
                out.display(),
                first.name(),
                kind.name(),
                path.display()
            )));
        }
    }
    for (path, _) in &written {
        if let Some(fd) = descriptor(path) {
            return Err(refuse(
                path,
                format!(
                    "a file descriptor of the process ({}), not a file: refused as output, \
                     nothing written",
                    fd.display()
                ),
            ));
        }
        if let Ok(meta) = std::fs::metadata(path) {
            if !meta.is_file() {
                return Err(not_regular(path, &meta));
            }
        }
    }
    for (path, _) in &written {
        let target = super::canonical_target(path);
        for input in &inputs.files {
            if input.canonicalize().is_ok_and(|c| same_file(&c, &target)) {
                return Err(refuse(
                    path,
                    format!(
                        "that is the input {}, which the output would replace: write it \
                         elsewhere",
                        input.display()
                    ),
                ));
            }
        }
        if let Some((data, command)) = inputs.folder {
            if let Some(why) = drillmap::pipeline::outside_data(path, data, command) {
                return Err(refuse(path, why));
            }
        }
    }
    if force {
        return Ok(());
    }
    for (path, kind) in &written {
        let Ok(mut file) = std::fs::File::open(path) else {
            continue;
        };
        let Ok(meta) = file.metadata() else { continue };
        if !meta.is_file() {
            // Swapped for something else since it was looked at.
            return Err(not_regular(path, &meta));
        }
        let mut head = Vec::new();
        if let Err(e) = file.by_ref().take(4096).read_to_end(&mut head) {
            return Err(Error::io(path, e));
        }
        if !head.is_empty() && !kind.is(&head, meta.len()) {
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

/// Where `path`, its folder or a link it leads through lies under `/proc`: a file
/// descriptor of the process (`/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`), which the
/// writer's rename would replace by a file (`/dev/stdout` itself) or which is a pipe.
fn descriptor(path: &Path) -> Option<PathBuf> {
    let mut at = path.to_path_buf();
    for _ in 0..40 {
        let folder = match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let here = folder.canonicalize().ok()?.join(at.file_name()?);
        if here.starts_with("/proc") {
            return Some(here);
        }
        let next = std::fs::read_link(&here).ok()?;
        at = here.parent()?.join(next);
    }
    None
}

pub use drillmap::fsutil::{file_key, same_file, FileKey};

#[cfg(test)]
mod tests {
    use super::*;
    use drillmap::extract::output::{JSON_FIRST, JSON_OPEN, TOML_HEADER};
    use drillmap::write::tiles::pmtiles::Header;

    #[test]
    fn an_archive_is_known_by_its_whole_header_not_its_first_word() {
        let header = Header {
            root: (127, 10),
            zooms: (0, 2),
            ..Header::default()
        }
        .to_bytes();
        assert!(Kind::Archive.is(&header, 137));
        // Near misses: text that starts with the word, a header cut short, another
        // version, a root directory past the end of the file.
        assert!(!Kind::Archive.is(b"PMTiles notes: my thesis\n", 25));
        assert!(!Kind::Archive.is(b"PMTiles\x03", 8));
        assert!(!Kind::Archive.is(&header[..126], 126));
        let mut v2 = header;
        v2[7] = 2;
        assert!(!Kind::Archive.is(&v2, 137));
        assert!(!Kind::Archive.is(&header, 136));
    }

    #[test]
    fn a_draft_is_known_by_the_whole_head_its_writer_emits() {
        assert!(Kind::Draft.is(TOML_HEADER.as_bytes(), 0));
        let json = format!("{JSON_OPEN}{JSON_FIRST}004_a.txt\",\n");
        assert!(Kind::Draft.is(json.as_bytes(), 0));
        // Near misses: the TOML comment's first line alone, and any pretty JSON whose first
        // key is `articles` (a scraper's output).
        let first_line = TOML_HEADER.lines().next().unwrap();
        assert!(!Kind::Draft.is(format!("{first_line}\n[x]\n").as_bytes(), 0));
        let scraped =
            "{\n  \"articles\": [\n    {\"url\": \"https://example.com/a\", \"text\": \"x\"}\n  ]\n}\n";
        assert!(!Kind::Draft.is(scraped.as_bytes(), 0));
        let other = format!("{JSON_OPEN}    {{\n      \"url\": \"a\"\n");
        assert!(!Kind::Draft.is(other.as_bytes(), 0));
    }

    #[test]
    fn file_descriptors_are_found_through_links_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.pmtiles");
        assert_eq!(descriptor(&file), None);
        std::fs::write(&file, "").unwrap();
        assert_eq!(descriptor(&file), None);
        #[cfg(target_os = "linux")]
        {
            let link = dir.path().join("so");
            std::os::unix::fs::symlink("/proc/self/fd/1", &link).unwrap();
            assert!(descriptor(&link).is_some_and(|p| p.starts_with("/proc")));
            let fds = dir.path().join("fds");
            std::os::unix::fs::symlink("/proc/self/fd", &fds).unwrap();
            assert!(descriptor(&fds.join("1")).is_some());
            assert!(descriptor(Path::new("/dev/stdout")).is_some());
        }
    }
}
