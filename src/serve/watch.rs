//! Noticing that the data folder changed, by polling: no dependency, no platform quirks.
//!
//! A [`Snapshot`] is the sorted list of every file under the folder with its length and
//! modification time. The [`Watcher`] compares snapshots and reports a change only once the
//! folder has stopped changing for one poll (a debounce), so an editor's save in several
//! writes, or a `git checkout` of several files, gives one rebuild, not a burst.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// How deep the watcher looks into sub-folders (`places/boundaries/` is one level).
const MAX_DEPTH: usize = 4;

/// Every file under a folder, with its length and modification time, sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot(Vec<(PathBuf, u64, Option<SystemTime>)>);

impl Snapshot {
    /// Take a snapshot of `dir`. Unreadable entries, hidden files and editor backups
    /// (`.name`, `name~`) are left out; a folder that does not exist gives an empty snapshot.
    pub fn of(dir: &Path) -> Snapshot {
        let mut files = Vec::new();
        walk(dir, 0, &mut files);
        files.sort();
        Snapshot(files)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no file.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn walk(dir: &Path, depth: usize, files: &mut Vec<(PathBuf, u64, Option<SystemTime>)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if meta.is_dir() {
            // `DirEntry::metadata` does not follow symlinks, so a link cannot loop us.
            if depth < MAX_DEPTH {
                walk(&entry.path(), depth + 1, files);
            }
        } else {
            files.push((entry.path(), meta.len(), meta.modified().ok()));
        }
    }
}

/// Polls a folder and says when it changed and then settled.
#[derive(Debug, Clone)]
pub struct Watcher {
    dir: PathBuf,
    last: Snapshot,
    pending: Option<Snapshot>,
}

impl Watcher {
    /// Start watching `dir` from its current state.
    pub fn new(dir: impl Into<PathBuf>) -> Watcher {
        let dir = dir.into();
        let last = Snapshot::of(&dir);
        Watcher {
            dir,
            last,
            pending: None,
        }
    }

    /// Look again. True when the folder differs from the last reported state and has not
    /// changed since the previous poll; call it every few hundred milliseconds.
    pub fn poll(&mut self) -> bool {
        let now = Snapshot::of(&self.dir);
        if now == self.last {
            self.pending = None;
            return false;
        }
        if self.pending.as_ref() == Some(&now) {
            self.last = now;
            self.pending = None;
            return true;
        }
        self.pending = Some(now);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_reported_once_it_settles() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("exercises.toml"), "a").unwrap();
        let mut w = Watcher::new(dir.path());
        assert!(!w.poll());
        fs::write(dir.path().join("exercises.toml"), "ab").unwrap();
        assert!(!w.poll(), "a change is not reported before it settles");
        assert!(w.poll(), "a settled change is reported");
        assert!(!w.poll(), "and only once");
    }

    #[test]
    fn new_files_in_sub_folders_count_and_hidden_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Watcher::new(dir.path());
        fs::write(dir.path().join(".exercises.toml.swp"), "x").unwrap();
        fs::write(dir.path().join("bases.toml~"), "x").unwrap();
        assert!(!w.poll() && !w.poll());
        fs::create_dir(dir.path().join("boundaries")).unwrap();
        fs::write(dir.path().join("boundaries/countries-10m.json"), "{}").unwrap();
        assert!(!w.poll());
        assert!(w.poll());
        assert_eq!(Snapshot::of(dir.path()).len(), 1);
    }

    #[test]
    fn a_missing_folder_is_empty() {
        assert!(Snapshot::of(Path::new("/no/such/folder/here")).is_empty());
    }
}
