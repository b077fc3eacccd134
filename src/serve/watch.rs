//! Noticing that the data folder changed, by polling: no dependency, no platform quirks.
//!
//! A [`Snapshot`] is the sorted list of every file under the folder with its length and
//! modification time, and of every sub-folder by its name. The [`Watcher`] compares
//! snapshots and reports a change only once the folder has stopped changing for one poll (a
//! debounce), so an editor's save in several writes, or a `git checkout` of several files,
//! gives one rebuild, not a burst.
//!
//! A symlinked file (a `places.csv` shared between folders, which `places promote
//! --append` writes through the link) counts by what it points to: a change at the
//! target is a change of the folder, though the link itself stays as it was.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// How deep the watcher looks into sub-folders (`places/boundaries/` is one level).
const MAX_DEPTH: usize = 4;

/// The length a folder is listed with: no file has it.
const FOLDER: u64 = u64::MAX;

/// Every file under a folder, with its length and modification time, and every
/// sub-folder, sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot(Vec<(PathBuf, u64, Option<SystemTime>)>);

impl Snapshot {
    /// Take a snapshot of `dir`. Unreadable entries, hidden files and editor backups
    /// (`.name`, `name~`) are left out; a folder that does not exist gives an empty snapshot.
    /// A symlink gives the length and time of what it points to (its own when dangling).
    pub fn of(dir: &Path) -> Snapshot {
        let mut files = Vec::new();
        walk(dir, 0, &mut files);
        files.sort();
        Snapshot(files)
    }

    /// Number of files and sub-folders.
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
        let Ok(mut meta) = entry.metadata() else {
            continue;
        };
        if meta.file_type().is_symlink() {
            // What the link points to: a change there is a change here (probe 7 M5). A
            // link is never walked into (`DirEntry::metadata` does not follow it), so it
            // cannot loop us.
            if let Ok(target) = fs::metadata(entry.path()) {
                meta = target;
            }
        } else if meta.is_dir() {
            // The folder itself counts, by its name alone (its time changes with every
            // hidden file an editor makes in it): a folder put where a deleted input was
            // is a change (probe, session 31: `places.csv/` kept the stale error).
            files.push((entry.path(), FOLDER, None));
            if depth < MAX_DEPTH {
                walk(&entry.path(), depth + 1, files);
            }
            continue;
        }
        files.push((entry.path(), meta.len(), meta.modified().ok()));
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
        assert_eq!(Snapshot::of(dir.path()).len(), 2, "the folder and its file");
    }

    /// Probe (session 31): a folder put where a deleted input was (`places.csv/`) was
    /// not seen, and `serve --watch` kept the error of the missing file.
    #[test]
    fn a_folder_where_a_file_was_is_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let places = dir.path().join("places.csv");
        fs::write(&places, "id,name\n").unwrap();
        let mut w = Watcher::new(dir.path());
        fs::remove_file(&places).unwrap();
        assert!(!w.poll());
        assert!(w.poll(), "the file's removal");
        fs::create_dir(&places).unwrap();
        assert!(!w.poll());
        assert!(w.poll(), "a folder in its place");
        fs::write(dir.path().join(".hidden"), "x").unwrap();
        fs::write(places.join(".swap"), "x").unwrap();
        assert!(!w.poll() && !w.poll(), "hidden files change nothing");
    }

    /// Probe 7 M5: a symlinked `places.csv` changed at its target (as `places promote
    /// --append` writes it, atomically, through the link) was never seen.
    #[test]
    fn a_change_at_a_symlinks_target_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let (common, places) = (dir.path().join("common"), dir.path().join("places"));
        fs::create_dir(&common).unwrap();
        fs::create_dir(&places).unwrap();
        fs::write(common.join("places.csv"), "id,name\n").unwrap();
        std::os::unix::fs::symlink("../common/places.csv", places.join("places.csv")).unwrap();
        let mut w = Watcher::new(&places);
        assert!(!w.poll() && !w.poll());
        // Replaced atomically at the target, as every hand-kept file is written.
        fs::write(common.join(".new"), "id,name\n1,Termez\n").unwrap();
        fs::rename(common.join(".new"), common.join("places.csv")).unwrap();
        assert!(!w.poll());
        assert!(w.poll(), "a change at the target is a change");
        // Edited in place, the same length.
        fs::write(common.join("places.csv"), "id,name\n2,Termez\n").unwrap();
        let t = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
        fs::File::options()
            .write(true)
            .open(common.join("places.csv"))
            .unwrap()
            .set_modified(t)
            .unwrap();
        assert!(!w.poll());
        assert!(w.poll(), "an edit in place at the target is a change");
        // A dangling link is a change too, and still listed.
        fs::remove_file(common.join("places.csv")).unwrap();
        assert!(!w.poll());
        assert!(w.poll());
        assert_eq!(Snapshot::of(&places).len(), 1);
    }

    #[test]
    fn a_missing_folder_is_empty() {
        assert!(Snapshot::of(Path::new("/no/such/folder/here")).is_empty());
    }
}
