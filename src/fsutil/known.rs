//! Which version of a file is which ([`Identity`]), and the digests of an output folder's
//! files known from an earlier run ([`KNOWN`]), so that a file no one has touched since is
//! not read whole again to be hashed.
//!
//! An output folder's files are hashed for its manifest. A large layer that does not change
//! (a rebuild of the same export, or a hand-kept build beside a bulk layer it carries over)
//! would be hashed again on every run: hundreds of megabytes for a digest already known.
//! [`remember`] writes, after a publish, each file's [`Identity`] and digest to the hidden
//! file [`KNOWN`]; [`known`] gives the digest back while the file still has that identity.
//! Every write to a file changes its status change time (ctime), which no one can set back,
//! and an atomic rewrite changes its inode, so a file with the same identity holds the same
//! bytes, as for git's index and rsync's quick check.
//!
//! One case needs care (git calls it "racily clean"): file times have a coarse clock (a
//! kernel tick), so a write in the same tick as the one a file's identity was taken in may
//! leave it unchanged. [`remember`] therefore keeps only files whose ctime is strictly older
//! than `since`, the time (on the folder's own clock) at which this run began: their bytes
//! were read, compared or hashed by this run after `since`, and any write after that read
//! sets a ctime of `since` or later, which no remembered identity has. A file renamed into
//! place by this very run is not remembered; the next run verifies it and remembers it.
//!
//! The same file records what a derived output was made from ([`made`]): a bulk
//! build's tile archive is a function of its GeoJSON layer, the tile options and the
//! program, so a rebuild whose layer, options and program are those an archive's digest was
//! recorded with keeps that archive rather than tiling the layer again. These records name
//! the output by its SHA-256, not by its identity, so they need no care about clocks: the
//! output's present digest is verified (known as above, or hashed) before its record is
//! believed.
//!
//! The file is a cache: unreadable, absent or stale, the files are hashed (and tiled) as
//! before. Only where the status change time exists (Unix).

use std::fs::{File, Metadata};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::digest::Digest;

/// The hidden file in an output folder that holds the digests known there.
pub const KNOWN: &str = ".drillmap-digests.json";

/// What identifies one version of a file: device, inode, length, modification and status
/// change times (ns since the epoch; 0 where unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identity {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Length, bytes.
    pub len: u64,
    /// Modification time, ns since the epoch.
    pub modified: i128,
    /// Status change time, ns since the epoch: set by every write, rename and `touch`.
    pub changed: i128,
}

impl Identity {
    /// The identity of the file `meta` describes.
    pub fn of(meta: &Metadata) -> Identity {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
            Identity {
                dev: meta.dev(),
                ino: meta.ino(),
                len: meta.len(),
                modified: ns(meta.mtime(), meta.mtime_nsec()),
                changed: ns(meta.ctime(), meta.ctime_nsec()),
            }
        }
        #[cfg(not(unix))]
        {
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i128);
            Identity {
                dev: 0,
                ino: 0,
                len: meta.len(),
                modified,
                changed: 0,
            }
        }
    }

    /// The identity of an open file.
    pub fn of_file(file: &File) -> std::io::Result<Identity> {
        file.metadata().map(|m| Identity::of(&m))
    }
}

/// One file of [`KNOWN`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    name: String,
    identity: Identity,
    sha256: String,
}

/// What an output with this SHA-256 was made from (an opaque key, as
/// `write::tiles::layer_file::made_from` makes it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Made {
    /// The output's SHA-256.
    pub sha256: String,
    /// What it was made from.
    pub from: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Known {
    files: Vec<Entry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    made: Vec<Made>,
}

/// Whether identities can tell every write (a status change time exists).
const TRUSTED: bool = cfg!(unix);

fn read(dir: &Path) -> Option<Known> {
    let bytes = std::fs::read(dir.join(KNOWN)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The digest of `file`, opened as `path`, when [`KNOWN`] beside it holds it for the file's
/// present identity.
pub fn known(path: &Path, file: &File) -> Option<Digest> {
    if !TRUSTED {
        return None;
    }
    let name = path.file_name()?.to_str()?;
    let entry = read(super::atomic::folder_of(path))?
        .files
        .into_iter()
        .find(|e| e.name == name)?;
    let identity = Identity::of_file(file).ok()?;
    (entry.identity == identity && identity.changed != 0).then_some((identity.len, entry.sha256))
}

/// What `dir`'s [`KNOWN`] records the outputs of its generation as made from.
pub fn made(dir: &Path) -> Vec<Made> {
    match read(dir).filter(|_| TRUSTED) {
        Some(known) => known.made,
        None => Vec::new(),
    }
}

/// Remember the digests of `files` (name, SHA-256) in `dir`'s [`KNOWN`]: those whose status
/// change time is strictly before `since` (see the module documentation), with their
/// present identity; and what the outputs among them were made from: `made`, then the
/// records already there (a run that made no archive keeps the record of the one it
/// carries over). Written only when it changes; a file that cannot be read is left out.
pub fn remember<'a>(
    dir: &Path,
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
    since: i128,
    made: &[Made],
) -> crate::error::Result<()> {
    if !TRUSTED {
        return Ok(());
    }
    let earlier = read(dir).map(|k| k.made).unwrap_or_default();
    let mut known = Known::default();
    let mut present = Vec::new();
    for (name, sha256) in files {
        present.push(sha256);
        let Ok(meta) = std::fs::metadata(dir.join(name)) else {
            continue;
        };
        let identity = Identity::of(&meta);
        if meta.is_file() && identity.changed != 0 && identity.changed < since {
            known.files.push(Entry {
                name: name.to_owned(),
                identity,
                sha256: sha256.to_owned(),
            });
        }
    }
    for m in made.iter().chain(&earlier) {
        let new = !known.made.iter().any(|k| k.sha256 == m.sha256);
        if new && present.contains(&m.sha256.as_str()) {
            known.made.push(m.clone());
        }
    }
    let path = dir.join(KNOWN);
    if known.files.is_empty() && known.made.is_empty() {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(crate::error::Error::io(path, e))
            }
            _ => Ok(()),
        };
    }
    let mut bytes = serde_json::to_vec_pretty(&known)
        .map_err(|e| crate::error::Error::Internal(format!("{KNOWN}: {e}")))?;
    bytes.push(b'\n');
    super::atomic::write(&path, &bytes).map(|_| ())
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ctime(path: &Path) -> i128 {
        Identity::of(&std::fs::metadata(path).unwrap()).changed
    }

    #[test]
    fn a_file_is_known_while_it_is_untouched_and_only_if_older_than_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.geojson"), dir.path().join("b.geojson"));
        std::fs::write(&a, b"{}").unwrap();
        std::fs::write(&b, b"[]").unwrap();
        let open = |p: &Path| File::open(p).unwrap();
        // A run that began when both were written: neither is older than it.
        remember(
            dir.path(),
            [("a.geojson", "aa"), ("b.geojson", "bb")],
            ctime(&a),
            &[],
        )
        .unwrap();
        assert_eq!(known(&a, &open(&a)), None);
        assert!(!dir.path().join(KNOWN).exists());
        // A run that began after both: both remembered, with their identities.
        let later = ctime(&a).max(ctime(&b)) + 1;
        remember(
            dir.path(),
            [("a.geojson", "aa"), ("b.geojson", "bb"), ("gone", "cc")],
            later,
            &[],
        )
        .unwrap();
        assert_eq!(known(&a, &open(&a)), Some((2, "aa".into())));
        assert_eq!(known(&b, &open(&b)), Some((2, "bb".into())));
        assert_eq!(known(&dir.path().join("gone"), &open(&a)), None);
        // Written in place (the same length, the modification time set back): its status
        // change time moved, so it is not known any more; an atomic rewrite changes its
        // inode.
        let before = std::fs::metadata(&a).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::fs::write(&a, b"[]").unwrap();
        let w = std::fs::OpenOptions::new().write(true).open(&a).unwrap();
        w.set_modified(before).unwrap();
        assert_eq!(known(&a, &open(&a)), None);
        let tmp = dir.path().join("b.tmp");
        std::fs::write(&tmp, b"[]").unwrap();
        std::fs::rename(&tmp, &b).unwrap();
        assert_eq!(known(&b, &open(&b)), None);
        // Unreadable: nothing known.
        std::fs::write(dir.path().join(KNOWN), b"not json").unwrap();
        assert_eq!(known(&a, &open(&a)), None);
    }

    fn made_from(dir: &Path, sha256: &str) -> Option<String> {
        made(dir)
            .into_iter()
            .find(|m| m.sha256 == sha256)
            .map(|m| m.from)
    }

    #[test]
    fn what_an_output_was_made_from_is_kept_while_the_generation_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.pmtiles"), b"x").unwrap();
        let made = |sha: &str, from: &str| Made {
            sha256: sha.into(),
            from: from.into(),
        };
        // Recorded by content, whatever the clock: the archive was written by this run.
        let since = ctime(&dir.path().join("a.pmtiles"));
        remember(
            dir.path(),
            [("a.pmtiles", "aa")],
            since,
            &[made("aa", "layer 1"), made("gone", "layer 0")],
        )
        .unwrap();
        // Only for outputs in the generation.
        assert_eq!(made_from(dir.path(), "aa").as_deref(), Some("layer 1"));
        assert_eq!(made_from(dir.path(), "gone"), None);
        // A later run that made nothing keeps the record while the archive is listed...
        remember(dir.path(), [("a.pmtiles", "aa")], since, &[]).unwrap();
        assert_eq!(made_from(dir.path(), "aa").as_deref(), Some("layer 1"));
        // ... a new record of the same output replaces it ...
        remember(
            dir.path(),
            [("a.pmtiles", "aa")],
            since,
            &[made("aa", "layer 2")],
        )
        .unwrap();
        assert_eq!(made_from(dir.path(), "aa").as_deref(), Some("layer 2"));
        // ... and a generation without it forgets it.
        remember(dir.path(), [("b.geojson", "bb")], since, &[]).unwrap();
        assert_eq!(made_from(dir.path(), "aa"), None);
        assert!(!dir.path().join(KNOWN).exists());
    }
}
