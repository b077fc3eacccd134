//! Noticing that the data folder changed, by polling: no dependency, no platform quirks.
//!
//! A [`Snapshot`] is the sorted list of every file under the folder with its identity
//! (device, inode, length, modification and status change times: a same-size edit whose
//! modification time was set back, `touch -r`, still changes the last), and of every
//! sub-folder by its name. The [`Watcher`] compares
//! snapshots and reports a change only once the folder has stopped changing for one poll (a
//! debounce), so an editor's save in several writes, or a `git checkout` of several files,
//! gives one rebuild, not a burst.
//!
//! A symlinked file (a `places.csv` shared between folders, which `places promote
//! --append` writes through the link) counts by what it points to: a change at the
//! target is a change of the folder, though the link itself stays as it was. A symlinked
//! sub-folder (an `articles/` shared between data folders) counts by what it holds: it is
//! walked into like a folder of its own, within the same depth ([`MAX_DEPTH`] levels), and
//! never into a folder it is already inside, so a link to `..` or to itself cannot loop the
//! walk. What links lead to (a link to `/`, to a home folder) is also bounded in number
//! ([`MAX_ENTRIES`] entries in all): a walk that reaches the bound says where
//! ([`Snapshot::bounded`]), and the [`Watcher`] tells its caller once
//! ([`Watcher::take_bounded`]), so changes past it are not missed without a word. The data
//! folder's own files and folders are never bounded in number.

use std::fs;
use std::path::{Path, PathBuf};

use crate::fsutil::known::Identity;

/// How deep the watcher looks into sub-folders (`places/boundaries/` is one level), through
/// symlinked ones too.
const MAX_DEPTH: usize = 4;

/// How many files and sub-folders reached through symlinked folders the watcher lists at
/// most, all links together: a link to a large tree (`/`, a home folder) costs one bounded
/// walk per poll, not a walk of the whole tree. Folders are read in name order, so the
/// entries past the bound are the same ones every poll. The data folder's own entries
/// (not through a link) do not count: its files are always watched.
pub const MAX_ENTRIES: usize = 10_000;

/// Every file under a folder, with its identity ([`Identity`]: the file, its length, its
/// modification and status change times), and every sub-folder (by its name alone: `None`),
/// sorted by path; and the symlinked folder whose walk first reached [`MAX_ENTRIES`], if
/// one did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    files: Vec<(PathBuf, Option<Identity>)>,
    bounded: Option<PathBuf>,
}

/// What a walk has listed so far.
#[derive(Default)]
struct Listing {
    files: Vec<(PathBuf, Option<Identity>)>,
    /// Entries listed through symlinked folders, counted against [`MAX_ENTRIES`].
    linked: usize,
    /// The symlinked folder whose walk first reached the bound.
    bounded: Option<PathBuf>,
}

impl Snapshot {
    /// Take a snapshot of `dir`. Unreadable entries, hidden files and editor backups
    /// (`.name`, `name~`) are left out; a folder that does not exist gives an empty snapshot.
    /// A symlink gives the identity of what it points to (its own when dangling).
    pub fn of(dir: &Path) -> Snapshot {
        let Ok(meta) = fs::metadata(dir) else {
            return Snapshot::default();
        };
        let mut listing = Listing::default();
        walk(dir, &mut vec![folder_id(&meta)], None, &mut listing);
        listing.files.sort_by(|a, b| a.0.cmp(&b.0));
        Snapshot {
            files: listing.files,
            bounded: listing.bounded,
        }
    }

    /// Number of files and sub-folders.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// The symlinked folder (as reached from the watched one) whose walk reached
    /// [`MAX_ENTRIES`], so that what lies past the bound is not watched; `None` when
    /// every entry was listed.
    pub fn bounded(&self) -> Option<&Path> {
        self.bounded.as_deref()
    }

    /// Whether there is no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// A folder's device and inode, which tell it apart whatever path (or link) leads to it;
/// `None` where there are none (then only the bounds end a loop of links).
fn folder_id(meta: &fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// List `dir` into `listing`, and its sub-folders below it; `within` holds the identities
/// of the folders the walk is inside, from the watched one to `dir`; `link`, the symlinked
/// folder the walk went through to reach `dir` (the first one), if any: then what `dir`
/// holds counts against [`MAX_ENTRIES`].
fn walk(
    dir: &Path,
    within: &mut Vec<Option<(u64, u64)>>,
    link: Option<&Path>,
    listing: &mut Listing,
) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<fs::DirEntry> = entries.flatten().collect();
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        if let Some(link) = link {
            if listing.linked >= MAX_ENTRIES {
                listing.bounded.get_or_insert_with(|| link.to_path_buf());
                return;
            }
        }
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        let Ok(mut meta) = entry.metadata() else {
            continue;
        };
        let linked = meta.file_type().is_symlink();
        if linked {
            // What the link points to: a change there is a change here (probe 7 M5), and a
            // linked folder is walked into as a folder of its own (session 38: an article
            // edited in a shared `articles/` was not seen). `DirEntry::metadata` does not
            // follow the link; its own length and time stand for a dangling one.
            if let Ok(target) = fs::metadata(entry.path()) {
                meta = target;
            }
        }
        if meta.is_dir() {
            // The folder itself counts, by its name alone (its time changes with every
            // hidden file an editor makes in it): a folder put where a deleted input was
            // is a change (probe, session 31: `places.csv/` kept the stale error). One the
            // walk is already inside (a link to `..`, or to itself) is listed, not walked.
            let path = entry.path();
            listing.push(link, (path.clone(), None));
            let id = folder_id(&meta);
            if within.len() <= MAX_DEPTH && (id.is_none() || !within.contains(&id)) {
                // What a link leads to counts against the bound, from the first link on.
                let link = link.or(linked.then_some(path.as_path()));
                within.push(id);
                walk(&path, within, link, listing);
                within.pop();
            }
            continue;
        }
        listing.push(link, (entry.path(), Some(Identity::of(&meta))));
    }
}

impl Listing {
    /// List `file`, reached through the symlinked folder `link` if any (it counts against
    /// the bound).
    fn push(&mut self, link: Option<&Path>, file: (PathBuf, Option<Identity>)) {
        if link.is_some() {
            self.linked += 1;
        }
        self.files.push(file);
    }
}

/// Polls a folder and says when it changed and then settled.
#[derive(Debug, Clone)]
pub struct Watcher {
    dir: PathBuf,
    last: Snapshot,
    pending: Option<Snapshot>,
    /// The symlinked folder whose walk reached [`MAX_ENTRIES`], not yet taken by
    /// [`Watcher::take_bounded`]; `told` once it was.
    bounded: Option<PathBuf>,
    told: bool,
}

impl Watcher {
    /// Start watching `dir` from its current state.
    pub fn new(dir: impl Into<PathBuf>) -> Watcher {
        let dir = dir.into();
        let last = Snapshot::of(&dir);
        Watcher {
            dir,
            bounded: last.bounded.clone(),
            last,
            pending: None,
            told: false,
        }
    }

    /// The symlinked folder (under the watched one) whose walk first reached
    /// [`MAX_ENTRIES`], so that changes past the bound are not seen: given once, the first
    /// time a snapshot reaches it, for the caller to tell the user; `None` otherwise.
    pub fn take_bounded(&mut self) -> Option<PathBuf> {
        if self.told {
            return None;
        }
        let bounded = self.bounded.take();
        self.told = bounded.is_some();
        bounded
    }

    /// Look again. True when the folder differs from the last reported state and has not
    /// changed since the previous poll; call it every few hundred milliseconds.
    pub fn poll(&mut self) -> bool {
        let now = Snapshot::of(&self.dir);
        if !self.told && self.bounded.is_none() {
            self.bounded = now.bounded.clone();
        }
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

    /// Session 38: a same-size edit whose modification time was set back (`touch -r`, a
    /// restore that keeps times) left length and time as they were, so no rebuild came; the
    /// status change time, which no one sets, tells it.
    #[test]
    fn a_same_size_edit_with_its_time_set_back_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("places.csv");
        fs::write(&file, "id,name\n1,Termez\n").unwrap();
        let modified = fs::metadata(&file).unwrap().modified().unwrap();
        let mut w = Watcher::new(dir.path());
        assert!(!w.poll() && !w.poll());
        // The status change time moves on by the clock's tick at most: wait for it.
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&file, "id,name\n2,Termez\n").unwrap();
        let f = fs::File::options().write(true).open(&file).unwrap();
        f.set_modified(modified).unwrap();
        drop(f);
        assert_eq!(fs::metadata(&file).unwrap().modified().unwrap(), modified);
        assert!(!w.poll());
        assert!(
            w.poll(),
            "a same-size edit with its time set back is a change"
        );
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

    /// Session 38: `serve --watch --data w`, `w/articles` a link to a shared
    /// `articles/`, missed an article edited in place there: the link was listed by the
    /// folder's own length and time, which an edit inside it does not change.
    #[test]
    fn an_edit_inside_a_symlinked_folder_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let (common, data) = (dir.path().join("common"), dir.path().join("w"));
        fs::create_dir_all(common.join("articles/2024")).unwrap();
        fs::create_dir(&data).unwrap();
        let article = common.join("articles/000.txt");
        fs::write(&article, "Drill One at Termez.\n").unwrap();
        std::os::unix::fs::symlink("../common/articles", data.join("articles")).unwrap();
        let mut w = Watcher::new(&data);
        assert!(!w.poll() && !w.poll());
        assert_eq!(
            Snapshot::of(&data).len(),
            3,
            "the link, its sub-folder and its file"
        );
        // Edited in place, the same length: the folder's own length and time stay as
        // they were.
        let modified = fs::metadata(&article).unwrap().modified().unwrap();
        let folder = fs::metadata(common.join("articles")).unwrap();
        fs::write(&article, "Drill Two at Termez.\n").unwrap();
        let t = modified + std::time::Duration::from_secs(5);
        let f = fs::File::options().write(true).open(&article).unwrap();
        f.set_modified(t).unwrap();
        drop(f);
        assert_eq!(
            fs::metadata(common.join("articles"))
                .unwrap()
                .modified()
                .unwrap(),
            folder.modified().unwrap()
        );
        assert!(!w.poll());
        assert!(w.poll(), "an edit inside the linked folder is a change");
        // A new file a level further down, too.
        fs::write(common.join("articles/2024/001.txt"), "x").unwrap();
        assert!(!w.poll());
        assert!(w.poll(), "a new file in a sub-folder of the linked folder");
    }

    /// Links that lead back up (to the watched folder, to their own folder) are listed but
    /// not walked again, and a walk through links stops at the same depth as one through
    /// folders: a snapshot of a looped tree ends, and is the same every time.
    #[test]
    fn symlinked_folders_cannot_loop_the_walk() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("places");
        fs::create_dir_all(data.join("a")).unwrap();
        fs::write(data.join("a/f.txt"), "x").unwrap();
        std::os::unix::fs::symlink("..", data.join("a/up")).unwrap();
        std::os::unix::fs::symlink(".", data.join("a/here")).unwrap();
        std::os::unix::fs::symlink(&data, data.join("root")).unwrap();
        let snapshot = Snapshot::of(&data);
        let names: Vec<String> = snapshot
            .files
            .iter()
            .map(|(p, _)| p.strip_prefix(&data).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a", "a/f.txt", "a/here", "a/up", "root"]);
        assert_eq!(snapshot, Snapshot::of(&data));
        // A chain of links, each to a new folder, is walked MAX_DEPTH deep and no further.
        let chain = dir.path().join("chain");
        fs::create_dir(&chain).unwrap();
        let mut at = chain.clone();
        for i in 0..MAX_DEPTH + 2 {
            let next = dir.path().join(format!("level{i}"));
            fs::create_dir(&next).unwrap();
            fs::write(next.join("f.txt"), "x").unwrap();
            std::os::unix::fs::symlink(&next, at.join("next")).unwrap();
            at = next;
        }
        let deepest = Snapshot::of(&chain)
            .files
            .iter()
            .map(|(p, _)| p.strip_prefix(&chain).unwrap().components().count())
            .max();
        assert_eq!(
            deepest,
            Some(MAX_DEPTH + 1),
            "entries of the last folder walked"
        );
    }

    /// Review (session 38): the bound on entries, meant for what symlinked folders lead to,
    /// applied to the data folder's own files too, so in a folder of more than 10,000 the
    /// ones past it (in name order) were never watched, and no one was told.
    #[test]
    fn a_folder_of_more_files_than_the_bound_is_watched_whole_and_a_link_past_it_is_told() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        fs::create_dir(&data).unwrap();
        for i in 0..=MAX_ENTRIES {
            fs::write(data.join(format!("{i:05}.txt")), "x").unwrap();
        }
        let last = data.join(format!("{MAX_ENTRIES:05}.txt"));
        let mut w = Watcher::new(&data);
        assert_eq!(Snapshot::of(&data).len(), MAX_ENTRIES + 1);
        assert_eq!(w.take_bounded(), None, "no link: nothing is bounded");
        assert!(!w.poll() && !w.poll());
        fs::write(&last, "xy").unwrap();
        assert!(!w.poll());
        assert!(w.poll(), "a change to the file past the bound is seen");
        assert_eq!(w.take_bounded(), None);

        // Through a link, the same tree is bounded, and the watcher says so, once.
        let other = dir.path().join("other");
        fs::create_dir(&other).unwrap();
        fs::write(other.join("exercises.toml"), "x").unwrap();
        std::os::unix::fs::symlink(&data, other.join("linked")).unwrap();
        let snapshot = Snapshot::of(&other);
        assert_eq!(snapshot.bounded(), Some(other.join("linked").as_path()));
        assert_eq!(
            snapshot.len(),
            MAX_ENTRIES + 2,
            "the link and the file count freely"
        );
        let mut w = Watcher::new(&other);
        assert_eq!(w.take_bounded(), Some(other.join("linked")));
        assert!(!w.poll() && !w.poll());
        assert_eq!(w.take_bounded(), None, "said once");
        // A tree of exactly the bound is not cut.
        fs::remove_file(&last).unwrap();
        assert_eq!(Snapshot::of(&other).bounded(), None);
    }

    #[test]
    fn a_missing_folder_is_empty() {
        assert!(Snapshot::of(Path::new("/no/such/folder/here")).is_empty());
    }
}
