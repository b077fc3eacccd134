//! One output generation: the files of a build, published together, one build at a time.
//!
//! A command that writes into an output folder holds a [`Folder`] for its whole run: an
//! advisory lock on `OUT/.drillmap.lock` (which holds the process id of its holder). A
//! second build into the same folder waits for the first to end, told who holds it. Every
//! build holds the lock, but a `drillmap tiles` or `extract --out` writing a file of its own
//! there may not (a folder with no manifest yet); so a temporary file the holder finds
//! ([`atomic::is_temp_name`]) is removed when the lock is taken only when its writer has
//! ended ([`atomic::writer_gone`]), and the holder is told what and how many bytes. A folder that cannot be written (so its lock
//! cannot be taken) is only read: a run that would change nothing there succeeds, and one
//! that would is refused as soon as it knows, the folder as it was.
//!
//! A build stages every file first (complete and synced under its temporary name), then
//! [`Folder::publish`]es them:
//!
//! 1. the journal `OUT/.drillmap-publish.json` is written (atomically): the renames to do,
//!    in order, the files to remove, and the new manifest;
//! 2. the files are renamed into place in that order (by name), then the folders staged
//!    whole (an XYZ tile folder, [`atomic::StagedDir`]) are swapped in, then the removed
//!    files go;
//! 3. `OUT/manifest.json` is written (atomically): the generation's id and each file's name,
//!    size and SHA-256 ([`Manifest`]);
//! 4. the journal is removed;
//! 5. the digests of the files this run verified and did not rename are remembered in
//!    `OUT/.drillmap-digests.json` ([`known`]), a cache the next run takes a file's digest
//!    from while the file is untouched, instead of reading it whole.
//!
//! A run killed between 1 and 4 leaves the journal: the next holder of the lock completes
//! the publish from it before anything else (a staged file is still there under its
//! temporary name, or already in place; other commands' sweeps leave the files a journal
//! names), so the manifest ends up naming a complete generation. Only a staged file removed
//! by hand is missing: its name is then left out of the manifest ([`Folder::apply`]). `drillmap serve` reads the manifest and serves only the files it names, each
//! as the manifest describes it. A file this build does not write is carried into the new
//! manifest only when it still matches the old one; one that does not is reported and left
//! out. A file whose bytes do not change is not rewritten ("untouched when unchanged").

use std::fs::{self, File};
use std::io::{Read, Seek as _, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::atomic::{self, Staged, StagedDir};
use crate::error::{Error, Result};
use crate::fsutil::{known, test_point};
use crate::read::lines::counted;

/// File name of the manifest in an output folder.
pub const MANIFEST: &str = "manifest.json";
/// File name of the lock in an output folder.
pub const LOCK: &str = ".drillmap.lock";
/// File name of the publish journal in an output folder (present only while a publish is
/// under way, or after one was killed).
pub const JOURNAL: &str = atomic::PUBLISH_JOURNAL;

/// One file of a generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Its name in the output folder.
    pub name: String,
    /// Its size, bytes.
    pub bytes: u64,
    /// SHA-256 of its content, lower-case hex (as `sha256sum` prints it).
    pub sha256: String,
}

/// What `OUT/manifest.json` says: the files of the current generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The generation's id: the first 16 hex digits of the SHA-256 of its file list
    /// (`NAME SIZE SHA256` lines), so the same files always give the same id.
    pub generation: String,
    /// Its files, by name.
    pub files: Vec<FileEntry>,
}

impl Manifest {
    /// The manifest of these files (sorted by name).
    pub fn new(mut files: Vec<FileEntry>) -> Manifest {
        files.sort_by(|a, b| a.name.cmp(&b.name));
        files.dedup_by(|a, b| a.name == b.name);
        let mut list = Sha256::new();
        for f in &files {
            list.update(format!("{} {} {}\n", f.name, f.bytes, f.sha256).as_bytes());
        }
        let mut generation = crate::fsutil::digest::hex(&list.finalize());
        generation.truncate(16);
        Manifest { generation, files }
    }

    /// Read `OUT/manifest.json`; `None` when there is none. One whose entry names no file
    /// of the folder itself (`../places.csv`, `a/b`, `..`) is not drillmap's (probe 10: a
    /// tampered entry outside OUT was hashed and carried into the next generation).
    pub fn read(out: &Path) -> Result<Option<Manifest>> {
        let path = out.join(MANIFEST);
        match fs::read(&path) {
            Ok(bytes) => {
                let manifest: Manifest =
                    serde_json::from_slice(&bytes).map_err(|e| Error::Syntax {
                        path: path.clone(),
                        line: Some(e.line()),
                        message: format!("not a drillmap manifest: {e}"),
                    })?;
                let outside = |name: &str| {
                    let mut parts = Path::new(name).components();
                    let one = matches!(
                        (parts.next(), parts.next()),
                        (Some(std::path::Component::Normal(_)), None)
                    );
                    !one || name.contains('\\')
                };
                match manifest.files.iter().find(|f| outside(&f.name)) {
                    Some(f) => Err(Error::Syntax {
                        path,
                        line: None,
                        message: format!(
                            "not a drillmap manifest: {:?} names no file of this folder",
                            f.name
                        ),
                    }),
                    None => Ok(Some(manifest)),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// The entry for `name`.
    pub fn file(&self, name: &str) -> Option<&FileEntry> {
        self.files.iter().find(|f| f.name == name)
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

pub use crate::fsutil::digest::{digest_of, Digest};

/// The SHA-256 and size of a file, read once.
pub fn digest(path: &Path) -> Result<Digest> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    digest_of(file).map_err(|e| Error::io(path, e))
}

/// The SHA-256 and size of the file at `path` in an output folder: known from an earlier
/// run while the file is untouched ([`known`]), else read once.
fn present_digest(path: &Path) -> Result<Digest> {
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    match known::known(path, &file) {
        Some(d) => Ok(d),
        None => digest_of(&mut file).map_err(|e| Error::io(path, e)),
    }
}

/// Another process holds the folder: who, for the message a waiting build prints.
#[derive(Debug, Clone)]
pub struct Busy {
    /// The output folder.
    pub folder: PathBuf,
    /// The holder's process id, as it wrote it in the lock file (when it could be read).
    pub pid: Option<u32>,
}

impl std::fmt::Display for Busy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let who = match self.pid {
            Some(pid) => format!("another drillmap (process {pid})"),
            None => "another drillmap".to_owned(),
        };
        write!(
            f,
            "{} is being written by {who}; waiting for it to finish (lock: {})",
            self.folder.display(),
            self.folder.join(LOCK).display()
        )
    }
}

/// The process id the lock's holder wrote in `file`. A holder writes it just after taking
/// the lock, so an empty file is read again for a little while before giving up.
fn holder_pid(file: &mut File) -> Option<u32> {
    for _ in 0..20 {
        let mut text = String::new();
        if file
            .rewind()
            .and_then(|()| file.read_to_string(&mut text))
            .is_ok()
        {
            if let Ok(pid) = text.trim().parse() {
                return Some(pid);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    None
}

impl Drop for Folder {
    fn drop(&mut self) {
        // Released now: the next waiter must not read this process's id as its holder's.
        if let Some(file) = &self.lock_file {
            crate::fsutil::interrupt::release_held(file);
        }
        // A folder this run made and left holding nothing but its lock (a build that
        // failed before it wrote anything) is removed, with the parents it made: no litter.
        // A waiter for this lock takes it again on a new file ([`Folder::lock`]).
        if let Some(top) = &self.created {
            crate::fsutil::interrupt::release_made(&self.out, top, LOCK);
        }
    }
}

/// What [`Folder::apply`] did.
struct Applied {
    /// The manifest written.
    manifest: Manifest,
    /// How many staged files it renamed into place.
    renamed: usize,
    /// The names whose staged file was gone and whose place did not hold it, not in the
    /// manifest; whether the previous generation's file there was removed.
    lost: Vec<(String, bool)>,
}

/// What a publish does, written before it starts so a killed one can be completed.
#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    /// (temporary name, name) pairs, in the order they are renamed.
    renames: Vec<(String, String)>,
    /// Folders swapped in after the renames ([`atomic::swap_dir`]): (temporary, folder,
    /// where the old folder goes), each a name in the output folder or an absolute path.
    #[serde(default)]
    dirs: Vec<(PathBuf, PathBuf, PathBuf)>,
    /// Names removed after the renames.
    remove: Vec<String>,
    /// The manifest written last.
    manifest: Manifest,
}

/// Whether `file` is the file `path` names now (not one removed, or replaced, since it was
/// opened).
fn is_named(file: &File, path: &Path) -> std::io::Result<bool> {
    let held = known::Identity::of_file(file)?;
    let named = fs::metadata(path).map(|m| known::Identity::of(&m));
    Ok(named.is_ok_and(|n| (n.dev, n.ino) == (held.dev, held.ino)))
}

/// An output folder, locked for one build; see the module documentation.
#[derive(Debug)]
pub struct Folder {
    out: PathBuf,
    /// Held until dropped (closing the file releases the lock); `None` in a folder that
    /// cannot be written.
    lock_file: Option<File>,
    /// Why the folder cannot be written, when it cannot: nothing is written, and a publish
    /// that would change anything is refused.
    unwritable: Option<std::io::Error>,
    /// The topmost folder this run created to make the output folder (itself or a parent),
    /// removed again when the run leaves nothing in it (see `Drop`).
    created: Option<PathBuf>,
    /// When this run took the folder, on the folder's own clock (the lock file's status
    /// change time, ns): the files older than this whose bytes this run verified have their
    /// digests remembered ([`known::remember`]).
    since: Option<i128>,
    /// What this run's outputs were made from, remembered with the digests.
    made: Vec<known::Made>,
    notes: Vec<String>,
}

/// A file of a build, for [`Folder::publish`]: where it goes, the staged file when its bytes
/// change, and its digest when known (computed as it was written; else the file is read).
pub type Publishable = (PathBuf, Option<Staged>, Option<Digest>);

impl Folder {
    /// Lock `out` (creating it), waiting when another process holds it (`on_wait` is told
    /// first); then complete an interrupted publish and remove stale temporary files.
    ///
    /// An output folder that cannot be written (a read-only mount, no permission: its lock
    /// cannot be taken) is read only: a run whose files are all unchanged succeeds, writing
    /// nothing; one that would change a file fails with [`atomic::unwritable`]'s error, as
    /// soon as it knows.
    pub fn lock(out: &Path, on_wait: &mut dyn FnMut(&Busy)) -> Result<Folder> {
        Folder::lock_sweeping(out, on_wait, true)
    }

    /// [`Folder::lock`] for a run that staged its files in `out` before it took the lock
    /// (`drillmap tiles` into a folder a build began to publish into while it tiled): the
    /// temporary files named with this process's id are its own, kept by the sweep.
    pub fn lock_after_staging(out: &Path, on_wait: &mut dyn FnMut(&Busy)) -> Result<Folder> {
        Folder::lock_sweeping(out, on_wait, false)
    }

    fn lock_sweeping(
        out: &Path,
        on_wait: &mut dyn FnMut(&Busy),
        own_is_stale: bool,
    ) -> Result<Folder> {
        loop {
            // The parents made are read from the path as written, so only where no `..`
            // makes them differ from its ancestors (`new/../out` makes `new`, no ancestor
            // of `out`, and names `out` only once `new` is there): past a `..` the parents
            // are made first and only the folder itself can count as made.
            let created = match out
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
            {
                true => {
                    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
                        crate::fsutil::atomic::create_dir(parent)?;
                    }
                    fs::symlink_metadata(out)
                        .is_err()
                        .then(|| out.to_path_buf())
                }
                false => atomic::first_missing(out),
            };
            let Some(mut folder) = Folder::lock_once(out, on_wait)? else {
                // The holder removed the folder it had made and not used: make it again.
                continue;
            };
            if let Some(top) = &created {
                // A signal from here on removes the folder as `Drop` does.
                crate::fsutil::interrupt::note_made(out, top, LOCK);
            }
            folder.created = created;
            folder.complete_journal()?;
            folder.sweep(own_is_stale)?;
            test_point("locked");
            return Ok(folder);
        }
    }

    /// [`Folder::lock`] once: `None` when the lock file waited for was removed meanwhile
    /// (its holder made the folder and left it unused), so the lock taken is on no file.
    fn lock_once(out: &Path, on_wait: &mut dyn FnMut(&Busy)) -> Result<Option<Folder>> {
        crate::fsutil::atomic::create_dir(out)?;
        let path = out.join(LOCK);
        let opened = atomic::open_lock_file(&path);
        let mut file = match opened {
            Ok(file) => file,
            Err(e) if atomic::is_unwritable(&e) => {
                // Nobody can be publishing here who is not already done, as far as this run
                // sees: a killed run's publish would have to be completed, which writes.
                if out.join(JOURNAL).exists() {
                    return Err(atomic::unwritable(&out.join(MANIFEST), &e));
                }
                return Ok(Some(Folder {
                    out: out.to_path_buf(),
                    lock_file: None,
                    created: None,
                    unwritable: Some(e),
                    since: None,
                    made: Vec::new(),
                    notes: Vec::new(),
                }));
            }
            // The folder was removed between making it and opening its lock (its holder
            // left it unused): make it again. Only then: a folder that is there and where
            // no file can be made (`/proc/self`) looped here for ever (probe, session 42).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if fs::symlink_metadata(out).is_err() {
                    return Ok(None);
                }
                return Err(Error::io(
                    &path,
                    std::io::Error::new(
                        e.kind(),
                        format!(
                            "{e}: no file can be made in {}, though it is there: not a folder \
                             to write output into",
                            out.display()
                        ),
                    ),
                ));
            }
            Err(e) => return Err(atomic::lock_error(&path, e)),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                on_wait(&Busy {
                    folder: out.to_path_buf(),
                    pid: holder_pid(&mut file),
                });
                file.lock().map_err(|e| Error::io(&path, e))?;
            }
            Err(fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        // Whether waited for or not, the lock file may have been removed between opening
        // and locking it (a holder leaving the folder unused): a lock on it guards nothing.
        if !is_named(&file, &path).map_err(|e| Error::io(&path, e))? {
            return Ok(None);
        }
        // The holder's process id, for a waiter's message; emptied again when the lock is
        // released (see `Drop`), so a waiter never reads an earlier holder's.
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(format!("{}\n", std::process::id()).as_bytes()))
            .map_err(|e| Error::io(&path, e))?;
        crate::fsutil::interrupt::note_held(&file);
        let since = known::Identity::of_file(&file).ok().map(|i| i.changed);
        Ok(Some(Folder {
            out: out.to_path_buf(),
            lock_file: Some(file),
            created: None,
            unwritable: None,
            since,
            made: Vec::new(),
            notes: Vec::new(),
        }))
    }

    /// The output folder.
    pub fn path(&self) -> &Path {
        &self.out
    }

    /// The digest of the output at `path` in this folder when an earlier run recorded it
    /// as made from `from` ([`Folder::made`]): its present digest (known while untouched,
    /// else read once) is the one the record names. `None` when there is no such file or
    /// record, or the file cannot be read: the output is then made again.
    pub fn made_from(&self, path: &Path, from: &str) -> Option<Digest> {
        let made = known::made(&self.out);
        if !made.iter().any(|m| m.from == from) {
            return None; // nothing to hash the file for
        }
        let digest = present_digest(path).ok()?;
        made.iter()
            .any(|m| m.sha256 == digest.1 && m.from == from)
            .then_some(digest)
    }

    /// Record that the output whose SHA-256 is `sha256` was made from `from`, remembered
    /// with the generation's digests when it is published ([`known::remember`]).
    pub fn made(&mut self, sha256: &str, from: String) {
        self.made.push(known::Made {
            sha256: sha256.to_owned(),
            from,
        });
    }

    /// What was found and done in the folder so far (a publish completed, temporary files
    /// removed, files that do not match the manifest), one line each; taken.
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// Publish `files` (every one in this folder) and remove `remove` as one generation;
    /// see the module documentation. Only files the previous generation lists are removed:
    /// a file drillmap did not write (an input, a user's file of the same name) stays.
    /// Returns the new manifest.
    pub fn publish(&mut self, files: Vec<Publishable>, remove: &[PathBuf]) -> Result<Manifest> {
        self.publish_with_dirs(files, Vec::new(), remove, &[])
    }

    /// [`Folder::publish`], with folders staged whole swapped in as part of the same
    /// generation (after the files, before the manifest). A folder is not named in the
    /// manifest (`serve` serves the output folder's own files); it may be outside the output
    /// folder. The files in `left` (an input of this run that an earlier generation wrote)
    /// stay on disk as they are, out of the new generation.
    pub fn publish_with_dirs(
        &mut self,
        files: Vec<Publishable>,
        dirs: Vec<StagedDir>,
        remove: &[PathBuf],
        left: &[PathBuf],
    ) -> Result<Manifest> {
        test_point("staged");
        let name_of = |p: &Path| -> Result<String> {
            match (p.parent(), p.file_name()) {
                (Some(dir), Some(name)) if same_dir(dir, &self.out) => {
                    Ok(name.to_string_lossy().into_owned())
                }
                _ => Err(Error::Internal(format!(
                    "{} is not in the output folder {}",
                    p.display(),
                    self.out.display()
                ))),
            }
        };
        let mut entries = Vec::new();
        let mut renames = Vec::new();
        let mut staged = Vec::new();
        for (dest, s, known) in files {
            let name = name_of(&dest)?;
            let (bytes, sha256) = match (known, s.as_ref().and_then(Staged::temp)) {
                (Some(d), _) => d,
                (None, Some(tmp)) => digest(tmp)?,
                // Unchanged: its digest may be known from an earlier run.
                (None, None) => present_digest(&dest)?,
            };
            entries.push(FileEntry {
                name: name.clone(),
                bytes,
                sha256,
            });
            if let Some(s) = s {
                if let Some(tmp) = s.temp() {
                    renames.push((name_of(tmp)?, name));
                }
                staged.push(s);
            }
        }
        let mut gone = Vec::new();
        for p in remove {
            gone.push(name_of(p)?);
        }
        let mut left_names = Vec::new();
        for p in left {
            left_names.push(name_of(p)?);
        }
        let old = self.read_manifest()?;
        gone.retain(|n| {
            old.as_ref()
                .is_some_and(|m| m.files.iter().any(|f| f.name == *n))
                && self.out.join(n).exists()
        });
        // Files this build leaves as they are stay in the generation when they still match.
        if let Some(old) = old {
            for f in old.files {
                let written = entries.iter().any(|e| e.name == f.name);
                if written || gone.contains(&f.name) {
                    continue;
                }
                if left_names.contains(&f.name) {
                    self.notes.push(format!(
                        "{} is this run's input: left as it is, and out of the new generation \
                         (it is generation {}'s, which this run replaces)",
                        self.out.join(&f.name).display(),
                        old.generation
                    ));
                    continue;
                }
                match self.matches(&f)? {
                    Ok(()) => entries.push(f),
                    Err(why) => self.notes.push(format!(
                        "{} does not match {MANIFEST} (generation {}): {why}; left out of the new generation (run the command that wrote it again to restore it)",
                        self.out.join(&f.name).display(),
                        old.generation
                    )),
                }
            }
        }
        renames.sort_by(|a, b| a.1.cmp(&b.1));
        // A folder in the output folder by name (the journal stays valid if the folder is
        // moved), elsewhere by its absolute path.
        let place = |p: &Path| -> Result<PathBuf> {
            match (p.parent(), p.file_name()) {
                (Some(dir), Some(name)) if same_dir(dir, &self.out) => Ok(PathBuf::from(name)),
                _ => std::path::absolute(p).map_err(|e| Error::io(p, e)),
            }
        };
        let mut swaps = Vec::new();
        for d in &dirs {
            if let Some(tmp) = d.temp() {
                swaps.push((
                    place(tmp)?,
                    place(d.dest())?,
                    place(&atomic::old_dir_path(d.dest()))?,
                ));
            }
        }
        let manifest = Manifest::new(entries);
        if let Some(e) = &self.unwritable {
            // Nothing may be written: only a generation that is already the folder's passes.
            let path = self.out.join(MANIFEST);
            let changed = renames
                .first()
                .map(|(_, name)| (self.out.join(name), "write"))
                .or_else(|| {
                    swaps
                        .first()
                        .map(|(_, dest, _)| (self.out.join(dest), "write"))
                })
                .or_else(|| gone.first().map(|name| (self.out.join(name), "remove")))
                .or_else(|| {
                    (fs::read(&path).ok() != Some(manifest.to_bytes())).then_some((path, "write"))
                });
            return match changed {
                Some((file, change)) => Err(atomic::unwritable_to(&file, e, change)),
                None => Ok(manifest),
            };
        }
        // A rename cannot replace a folder, nor a file's removal remove one: a folder where
        // the generation puts or removes a file is refused before the journal commits to
        // it, so that it is never published by halves (a probe put a folder where a layer
        // goes: the other layers were replaced, the manifest was not, and the run said only
        // "Is a directory").
        let files = journal_names(&renames, &gone);
        if let Some(dest) = files.map(|n| self.out.join(n)).find(|p| p.is_dir()) {
            return Err(Error::io(
                &dest,
                std::io::Error::new(
                    std::io::ErrorKind::IsADirectory,
                    "a folder is where drillmap writes a file of its output: move it away \
                     (nothing was written)",
                ),
            ));
        }
        // A signal waits until the generation is published: its journal names staged files.
        let _publishing = crate::fsutil::interrupt::hold();
        let journal = Journal {
            renames,
            dirs: swaps,
            remove: gone,
            manifest,
        };
        if journal.renames.is_empty() && journal.dirs.is_empty() && journal.remove.is_empty() {
            atomic::write(&self.out.join(MANIFEST), &journal.manifest.to_bytes())?;
            crate::fsutil::interrupt::published();
            self.remember(&journal.manifest);
            return Ok(journal.manifest);
        }
        let text = serde_json::to_vec(&journal)
            .map_err(|e| Error::Internal(format!("the publish journal: {e}")))?;
        atomic::write(&self.out.join(JOURNAL), &text)?;
        // From here on the staged files belong to the journal: they are renamed below or,
        // if this run dies, by the next one; dropping them must not remove them.
        staged.into_iter().for_each(Staged::keep);
        dirs.into_iter().for_each(StagedDir::keep);
        test_point("journal");
        let applied = self.apply(&journal).map_err(|e| self.part_way(e))?;
        crate::fsutil::interrupt::published();
        if !applied.lost.is_empty() {
            // Its own staged files, removed under it while it published.
            return Err(Error::io(
                self.out.join(&applied.lost[0].0),
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "its staged file was removed while this run published it; the \
                     manifest lists the files that are in place",
                ),
            ));
        }
        // The manifest's rename and the journal's removal reach the disk too.
        atomic::sync_folder(&self.out)?;
        self.remember(&applied.manifest);
        Ok(applied.manifest)
    }

    /// An error of a publish past its journal (a rename failing with EIO): the folder then
    /// holds part of the new generation, which no rollback can undo (the renames replaced
    /// the files), so the error says so and that the next run into the folder completes
    /// it from the journal, as it completes a killed run's (probe, session 42: "Input/output
    /// error" alone, the folder left mixed).
    fn part_way(&self, e: Error) -> Error {
        match e {
            Error::Io { path, source } => Error::Io {
                path,
                source: std::io::Error::new(
                    source.kind(),
                    format!(
                        "{source}; the publish stopped part way: {} may hold part of the new \
                         generation, and the next run into it completes the rest from {JOURNAL}",
                        self.out.display()
                    ),
                ),
            },
            other => other,
        }
    }

    /// Remember the digests of the generation's files that this run verified and did not
    /// rename into place ([`known::remember`]), for the next run. A cache: when it cannot be
    /// written, the next run hashes them again.
    fn remember(&mut self, manifest: &Manifest) {
        let Some(since) = self.since else { return };
        let files = manifest
            .files
            .iter()
            .map(|f| (f.name.as_str(), f.sha256.as_str()));
        if let Err(e) = known::remember(&self.out, files, since, &self.made) {
            self.notes
                .push(format!("the digests are hashed again next run: {e}"));
        }
    }

    /// Do what `journal` says: rename, remove, write the manifest, remove the journal.
    ///
    /// A staged file that is gone (someone removed a killed publish's temporary files) was
    /// either renamed already, by the run that left the journal, or lost: then its place
    /// holds no file of this generation, which the manifest must not claim. The file there
    /// is removed when it is the previous generation's (its manifest, still on disk, says
    /// so), else left as it is (written or edited since); either way it is left out of the
    /// manifest ([`Applied::lost`]), so the manifest names only what is on disk as it says,
    /// and the next build writes it again.
    fn apply(&mut self, journal: &Journal) -> Result<Applied> {
        // The journal reaches the disk before the renames it names.
        atomic::sync_folder(&self.out)?;
        let mut renamed = 0;
        let mut lost = Vec::new();
        let mut previous = None;
        for (tmp, name) in &journal.renames {
            let (from, to) = (self.out.join(tmp), self.out.join(name));
            match fs::rename(&from, &to) {
                Ok(()) => renamed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if self.placed(journal, name)? {
                        continue;
                    }
                    if previous.is_none() {
                        previous = Some(self.read_manifest()?);
                    }
                    let older = previous.as_ref().and_then(|m| m.as_ref()?.file(name));
                    let removed = match older {
                        Some(entry) if self.matches(entry)?.is_ok() => {
                            remove_if_there(&to)?;
                            true
                        }
                        _ => false,
                    };
                    lost.push((name.clone(), removed));
                    continue;
                }
                Err(e) => return Err(Error::io(&to, e)),
            }
            test_point("renamed");
        }
        for (tmp, dest, old) in &journal.dirs {
            let (tmp, dest, old) = (self.out.join(tmp), self.out.join(dest), self.out.join(old));
            if fs::symlink_metadata(&tmp).is_ok() {
                renamed += 1;
            }
            atomic::swap_dir(&tmp, &dest, &old)?;
            test_point("renamed");
        }
        for name in &journal.remove {
            remove_if_there(&self.out.join(name))?;
        }
        // The renames reach the disk before the manifest that names them.
        atomic::sync_folder(&self.out)?;
        test_point("manifest");
        let manifest = if lost.is_empty() {
            journal.manifest.clone()
        } else {
            Manifest::new(
                journal
                    .manifest
                    .files
                    .iter()
                    .filter(|f| !lost.iter().any(|(name, _)| *name == f.name))
                    .cloned()
                    .collect(),
            )
        };
        atomic::write(&self.out.join(MANIFEST), &manifest.to_bytes())?;
        let path = self.out.join(JOURNAL);
        fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        Ok(Applied {
            manifest,
            renamed,
            lost,
        })
    }

    /// Whether the file `name` of `journal` is in place: the bytes its manifest names
    /// (or, named by none, there at all).
    fn placed(&self, journal: &Journal, name: &str) -> Result<bool> {
        Ok(match journal.manifest.file(name) {
            Some(entry) => self.matches(entry)?.is_ok(),
            None => self.out.join(name).exists(),
        })
    }

    /// Whether nothing of `journal`'s publish happened and nothing of it is left: every
    /// staged file and folder gone (removed by hand) and none in place. Its renames go in
    /// order, before anything is removed, so the previous generation is then whole.
    fn never_began(&self, journal: &Journal) -> Result<bool> {
        if journal.renames.is_empty()
            || journal
                .dirs
                .iter()
                .any(|(tmp, ..)| fs::symlink_metadata(self.out.join(tmp)).is_ok())
        {
            return Ok(false);
        }
        for (tmp, name) in &journal.renames {
            if fs::symlink_metadata(self.out.join(tmp)).is_ok() || self.placed(journal, name)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Complete the publish a killed run left (its journal), before anything else.
    fn complete_journal(&mut self) -> Result<()> {
        let path = self.out.join(JOURNAL);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let Ok(journal) = serde_json::from_slice::<Journal>(&bytes) else {
            // Written atomically, so this is not one of ours half-written: say so and go on.
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            self.notes.push(format!(
                "{}: not a publish journal drillmap can read; removed",
                path.display()
            ));
            return Ok(());
        };
        if self.never_began(&journal)? {
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            self.notes.push(format!(
                "{}: the publish a killed run left never began and cannot be completed: none \
                 of its staged files is there (removed by hand?) nor in place; the previous \
                 generation stays",
                self.out.display()
            ));
            return Ok(());
        }
        let applied = self.apply(&journal)?;
        self.notes.push(format!(
            "completed the publish a killed or failed run left in {} (generation {}, {} renamed)",
            self.out.display(),
            applied.manifest.generation,
            counted(applied.renamed as u64, "file")
        ));
        if !applied.lost.is_empty() {
            let list = |removed: bool| {
                let names: Vec<&str> = applied
                    .lost
                    .iter()
                    .filter(|(_, r)| *r == removed)
                    .map(|(n, _)| n.as_str())
                    .collect();
                names.join(", ")
            };
            let (removed, kept) = (list(true), list(false));
            let mut said = format!(
                "{}: the killed run's staged files were gone (removed by hand?), so these \
                 are not listed as this generation's:",
                self.out.display()
            );
            if !removed.is_empty() {
                said.push_str(&format!(" {removed} (the previous generation's, removed)"));
            }
            if !kept.is_empty() {
                said.push_str(&format!(" {kept} (left as they are: no generation's)"));
            }
            self.notes.push(said);
        }
        Ok(())
    }

    /// Remove the temporary files killed runs left. A build's writers hold this lock, but a
    /// `drillmap tiles` or `extract --out` writing beside them may not (a folder with no
    /// manifest yet), so a file whose writer still runs is left ([`atomic::writer_gone`]);
    /// this process's id at lock time can only be a killed run's (unless `own_is_stale` is
    /// false: a run that staged before it locked), as can any where the machine cannot tell.
    fn sweep(&mut self, own_is_stale: bool) -> Result<()> {
        let own = std::process::id();
        let (count, bytes) = atomic::remove_temps(&self.out, |pid| {
            if pid == own {
                own_is_stale
            } else {
                atomic::writer_gone(pid) != Some(false)
            }
        })?;
        if count > 0 {
            self.notes.push(format!(
                "removed {} ({bytes} bytes) that killed runs left in {}",
                counted(count, "temporary file"),
                self.out.display()
            ));
        }
        Ok(())
    }

    fn read_manifest(&mut self) -> Result<Option<Manifest>> {
        match Manifest::read(&self.out) {
            Ok(m) => Ok(m),
            Err(Error::Syntax { path, message, .. }) => {
                self.notes.push(format!(
                    "{}: {message}; a new one is written",
                    path.display()
                ));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Whether the file `f` names holds what `f` says (`Err` says how it differs).
    fn matches(&self, f: &FileEntry) -> Result<Result<(), String>> {
        let path = self.out.join(&f.name);
        match fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Err("missing".into())),
            Err(e) => return Err(Error::io(&path, e)),
            Ok(m) if m.len() != f.bytes => {
                return Ok(Err(format!("{} bytes, not {}", m.len(), f.bytes)))
            }
            Ok(_) => {}
        }
        let (_, sha256) = present_digest(&path)?;
        Ok(if sha256 == f.sha256 {
            Ok(())
        } else {
            Err("other bytes (its SHA-256 differs)".into())
        })
    }
}

/// Remove the file at `path`, if there is one.
fn remove_if_there(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(path, e)),
        _ => Ok(()),
    }
}

/// The names a publish writes or removes in the output folder: the files renamed into
/// place, the files removed, the manifest and the journal.
fn journal_names<'a>(
    renames: &'a [(String, String)],
    gone: &'a [String],
) -> impl Iterator<Item = &'a str> {
    renames
        .iter()
        .map(|(_, name)| name.as_str())
        .chain(gone.iter().map(String::as_str))
        .chain([MANIFEST, JOURNAL])
}

fn same_dir(a: &Path, b: &Path) -> bool {
    let a = if a.as_os_str().is_empty() {
        Path::new(".")
    } else {
        a
    };
    let b = if b.as_os_str().is_empty() {
        Path::new(".")
    } else {
        b
    };
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generation_id_depends_on_the_files_only() {
        let f = |name: &str, sha: &str| FileEntry {
            name: name.into(),
            bytes: 3,
            sha256: sha.into(),
        };
        let a = Manifest::new(vec![f("b", "1"), f("a", "2")]);
        let b = Manifest::new(vec![f("a", "2"), f("b", "1")]);
        assert_eq!(a, b);
        assert_eq!(a.files[0].name, "a");
        assert_eq!(a.generation.len(), 16);
        assert_ne!(a.generation, Manifest::new(vec![f("a", "2")]).generation);
    }

    /// Probe, session 42: a lock file that is a symbolic link was opened through it, and
    /// the file it points to emptied for the holder's id; a folder where no file can be
    /// made though it is there (`/proc/self`) was taken for one removed meanwhile, and
    /// the lock tried again for ever.
    #[test]
    fn a_lock_is_never_taken_through_a_link_nor_waited_for_where_none_can_be_made() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "DATA\n").unwrap();
        std::os::unix::fs::symlink(&victim, out.join(LOCK)).unwrap();
        let Err(e) = Folder::lock(&out, &mut |_| {}) else {
            panic!("a link refused")
        };
        assert!(
            e.to_string()
                .contains("a symbolic link where drillmap keeps its lock"),
            "{e}"
        );
        assert_eq!(fs::read_to_string(&victim).unwrap(), "DATA\n");
        // A link to nothing makes no file either.
        fs::remove_file(&victim).unwrap();
        assert!(Folder::lock(&out, &mut |_| {}).is_err());
        assert!(!victim.exists());
        let edited = dir.path().join("t.csv");
        std::os::unix::fs::symlink(dir.path().join("v2"), dir.path().join(".t.lock")).unwrap();
        assert!(atomic::lock_for_edit(&edited).is_err());
        assert!(!dir.path().join("v2").exists());
        if Path::new("/proc/self").is_dir() {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = tx.send(Folder::lock(Path::new("/proc/self"), &mut |_| {}).is_err());
            });
            let refused = rx.recv_timeout(std::time::Duration::from_secs(60));
            assert_eq!(refused, Ok(true), "/proc/self: not refused within a minute");
        }
    }

    #[test]
    fn a_waiter_reads_the_holders_id_even_when_it_is_written_late_and_never_a_released_ones() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder::lock(dir.path(), &mut |_| {}).unwrap();
        let lock = dir.path().join(LOCK);
        assert_eq!(
            fs::read_to_string(&lock).unwrap(),
            format!("{}\n", std::process::id())
        );
        drop(folder);
        assert_eq!(fs::read_to_string(&lock).unwrap(), "");
        // A holder that has the lock but has not written its id yet.
        let mut waiter = File::open(&lock).unwrap();
        let writer = {
            let lock = lock.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(40));
                fs::write(lock, "4242\n").unwrap();
            })
        };
        assert_eq!(holder_pid(&mut waiter), Some(4242));
        writer.join().unwrap();
    }

    /// Probe (session 33): a build that failed before it wrote anything left the output
    /// folder it had made, holding its lock file. The folder (and the parents it made) go;
    /// a waiter for the lock takes it again on a folder made anew.
    #[test]
    fn a_folder_made_and_left_unused_is_removed_and_its_waiter_locks_it_anew() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a/b");
        drop(Folder::lock(&out, &mut |_| {}).unwrap());
        assert!(!dir.path().join("a").exists(), "no litter");
        // A folder that was there, or one that holds anything else, stays.
        fs::create_dir(dir.path().join("kept")).unwrap();
        drop(Folder::lock(&dir.path().join("kept"), &mut |_| {}).unwrap());
        assert!(dir.path().join("kept").join(LOCK).exists());
        let used = Folder::lock(&out, &mut |_| {}).unwrap();
        fs::write(out.join(MANIFEST), b"{}").unwrap();
        drop(used);
        assert!(out.join(MANIFEST).exists());
        fs::remove_dir_all(dir.path().join("a")).unwrap();

        let holder = Folder::lock(&out, &mut |_| {}).unwrap();
        let (told, waiting) = std::sync::mpsc::channel();
        let waiter = {
            let out = out.clone();
            std::thread::spawn(move || {
                let _held = Folder::lock(&out, &mut |_| told.send(()).unwrap()).unwrap();
                let held = out.join(LOCK);
                (held.exists(), fs::read_to_string(held).unwrap())
            })
        };
        waiting.recv().unwrap();
        drop(holder);
        let (exists, id) = waiter.join().unwrap();
        assert!(exists, "the waiter holds a lock on a file in the folder");
        assert_eq!(id, format!("{}\n", std::process::id()));
    }

    /// Review (session 34): the parents a run made were read from the path as written, so
    /// with `made/../was`, where `made` was not there, the empty folder `was` counted as made
    /// and was removed. Past a `..` only the folder itself counts, checked once its parents
    /// are there; a folder that was there stays.
    #[test]
    fn past_a_parent_component_only_the_folder_itself_counts_as_made() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("new/../out");
        drop(Folder::lock(&out, &mut |_| {}).unwrap());
        assert!(!dir.path().join("out").exists(), "the folder made goes");
        assert!(dir.path().join("new").is_dir(), "a parent made stays");
        // `made/..` is not there until `made` is: `was` would have counted as made.
        fs::create_dir(dir.path().join("was")).unwrap();
        let there = dir.path().join("made/../was");
        drop(Folder::lock(&there, &mut |_| {}).unwrap());
        assert!(
            dir.path().join("was").join(LOCK).exists(),
            "a folder that was there stays"
        );
    }

    /// Review (session 34): a lock taken at once was not checked against the file's name,
    /// so a lock file removed between opening and locking it (its holder leaving the folder
    /// unused) was a lock on nothing. Every lock taken is checked so ([`Folder::lock_once`]).
    #[test]
    fn a_lock_file_removed_or_replaced_since_it_was_opened_is_not_the_folders() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK);
        fs::write(&path, b"").unwrap();
        let opened = File::open(&path).unwrap();
        assert!(is_named(&opened, &path).unwrap());
        fs::remove_file(&path).unwrap();
        assert!(!is_named(&opened, &path).unwrap(), "removed");
        fs::write(&path, b"").unwrap();
        assert!(!is_named(&opened, &path).unwrap(), "replaced by a new file");
    }

    #[test]
    fn a_digest_is_what_sha256sum_prints() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc");
        fs::write(&path, b"abc").unwrap();
        assert_eq!(
            digest(&path).unwrap(),
            (
                3,
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into()
            )
        );
    }

    #[test]
    fn publish_renames_writes_the_manifest_and_sweeps_what_a_killed_run_left() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let dead = crate::fsutil::atomic::tests::ended_process();
        let stale = out.join(format!(".x.geojson.drillmap-{dead}.tmp"));
        fs::write(&stale, b"12345").unwrap();
        // A `drillmap tiles` writing here while no manifest is (it takes no lock then).
        let live = out.join(format!(
            ".y.pmtiles.drillmap-{}.tmp",
            std::os::unix::process::parent_id()
        ));
        fs::write(&live, b"tiles").unwrap();
        let mut folder = Folder::lock(out, &mut |_| panic!("nobody else holds it")).unwrap();
        assert!(!stale.exists());
        assert!(live.exists(), "a live writer's temporary file stays");
        let notes = folder.take_notes();
        assert!(
            notes[0].contains("removed 1 temporary file (5 bytes)"),
            "{notes:?}"
        );
        let a = out.join("a.geojson");
        let m = folder
            .publish(
                vec![(a.clone(), atomic::stage(&a, b"abc").unwrap(), None)],
                &[],
            )
            .unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"abc");
        assert_eq!(Manifest::read(out).unwrap().unwrap(), m);
        assert_eq!(m.files[0].bytes, 3);
        assert!(!out.join(JOURNAL).exists());
    }
}
