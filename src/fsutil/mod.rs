//! File-system primitives under every layer: atomic, change-aware file writes
//! ([`atomic`]), the background thread that streams a large file to disk
//! ([`background`]), the size and SHA-256 of what is written ([`digest`]), those known from an earlier run ([`known`]) and the removal
//! of a run's temporary files when it is interrupted ([`interrupt`]). The writers of layers ([`crate::write`]) and the online geocode cache
//! ([`crate::resolve::online`]) both write through them, so there is one way to replace a
//! file safely, and no layer imports one above it to do so. Whether two paths name one file
//! (a hard link too) is [`same_file`]'s to say, for every command's inputs and outputs.

pub mod atomic;
pub mod background;
pub mod digest;
pub mod interrupt;
pub mod known;

use std::path::{Path, PathBuf};

/// The canonical form of a path that may not exist yet: its deepest existing folder,
/// canonical, with the rest of the path after it.
pub fn canonical_target(path: &Path) -> PathBuf {
    if let Ok(c) = path.canonicalize() {
        return c;
    }
    let abs = std::env::current_dir().map_or_else(|_| path.to_path_buf(), |d| d.join(path));
    let mut tail = Vec::new();
    let mut at = abs.as_path();
    while let (Some(parent), Some(name)) = (at.parent(), at.file_name()) {
        tail.push(name);
        at = parent;
        if let Ok(c) = at.canonicalize() {
            return tail.iter().rev().fold(c, |p, n| p.join(n));
        }
    }
    abs
}

/// Whether `path` (which may not exist yet) is the folder `folder` or lies inside it,
/// compared canonical (symlinks followed, `..` resolved); false when `folder` does not exist.
pub fn lies_in(path: &Path, folder: &Path) -> bool {
    folder
        .canonicalize()
        .is_ok_and(|f| canonical_target(path).starts_with(f))
}

/// Whether the canonical paths `a` and `b` name one file: one device and inode where
/// there are such (a hard link), else one path.
pub fn same_file(a: &Path, b: &Path) -> bool {
    file_key(a) == file_key(b)
}

/// What tells the file at the canonical path `path` from others: its device and inode
/// where there are such (so a hard link is the same file), else the path. Files compare
/// as [`same_file`] does; a key is looked up in a map, where many files are compared.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FileKey {
    /// Device and inode.
    Inode(u64, u64),
    /// The path, where the file has no inode to read.
    Path(PathBuf),
}

/// The [`FileKey`] of the file at the canonical path `path`.
pub fn file_key(path: &Path) -> FileKey {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(m) = std::fs::metadata(path) {
            return FileKey::Inode(m.dev(), m.ino());
        }
    }
    FileKey::Path(path.to_path_buf())
}

/// A point where the tests stop a run, in test (debug) builds only; release builds ignore
/// it. When `DRILLMAP_TEST_KILL_AT` names `stage`, the process ends at once (SIGKILL: no
/// destructor runs, as when a user kills it). When `DRILLMAP_TEST_HOLD_AT` names it, the
/// process writes `PATH.reached` and waits until `PATH` (`DRILLMAP_TEST_HOLD_UNTIL`)
/// exists, so a test can start a second run while this one is there, without timing.
pub fn test_point(stage: &str) {
    #[cfg(all(debug_assertions, unix))]
    {
        let is = |var: &str| std::env::var(var).is_ok_and(|v| v == stage);
        if is("DRILLMAP_TEST_KILL_AT") {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &std::process::id().to_string()])
                .status();
            loop {
                std::thread::park();
            }
        }
        if is("DRILLMAP_TEST_HOLD_AT") {
            if let Some(until) = std::env::var_os("DRILLMAP_TEST_HOLD_UNTIL").map(PathBuf::from) {
                let mut reached = until.clone().into_os_string();
                reached.push(".reached");
                let _ = std::fs::write(reached, std::process::id().to_string());
                while !until.exists() {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
            }
        }
    }
    let _ = stage;
}
