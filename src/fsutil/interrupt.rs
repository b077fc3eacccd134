//! An interrupted run leaves no litter: every folder this process makes a temporary file in
//! is noted ([`note_dir`], called by [`super::atomic::temp_path`], the one naming rule of
//! temporary files), and on SIGINT or SIGTERM the handler [`install`] sets up removes this
//! process's temporary files from those folders and exits 130 or 143 (128 + the signal, as
//! a shell reports a process the signal ended).
//!
//! A generation being published ([`crate::write::generation::Folder::publish`]) holds
//! [`hold`] from its journal to its manifest: the handler waits for it, so a signal never
//! removes a staged file the journal still names. Every temporary file is created under
//! [`creating`]: the handler waits for the ones being created and keeps any later one from
//! being made, so none appears after its sweep. An output folder the run made and locked
//! ([`note_made`]) is removed again when it holds nothing but its lock, with the parents
//! made for it, as the run does when it fails. SIGKILL cannot be caught: what a killed
//! run leaves is removed by the next run into the folder, as before.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::error::{Error, Result};

/// The folders this process made temporary files in.
static DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// The output folders this process made and holds the lock of: (folder, the topmost folder
/// made for it, the lock file's name).
static MADE: Mutex<Vec<(PathBuf, PathBuf, String)>> = Mutex::new(Vec::new());
/// The lock files this process holds, each a handle on the file itself: a signal empties
/// them, as releasing a lock does, so none is left naming a process that is gone.
static HELD: Mutex<Vec<std::fs::File>> = Mutex::new(Vec::new());
/// Held while a generation is published; the signal handler takes it before it cleans up.
static PUBLISHING: Mutex<()> = Mutex::new(());
/// Taken by the signal handler before anything else, and by a run that has finished and
/// is about to exit ([`exiting`]), for good: one of the two decides how the process ends.
static EXIT: Mutex<()> = Mutex::new(());
/// Whether this process has put new output in place ([`published`]).
static PUBLISHED: AtomicBool = AtomicBool::new(false);

/// Held (shared) while a temporary file is created; the signal handler takes it (alone)
/// before it sweeps and never gives it back.
static CREATING: RwLock<()> = RwLock::new(());

/// Hold while creating a temporary file (or renaming a file to a temporary name): after a
/// signal it blocks until the process exits, so no temporary outlives the handler's sweep.
pub fn creating() -> RwLockReadGuard<'static, ()> {
    CREATING.read().unwrap_or_else(PoisonError::into_inner)
}

/// Note that this process makes temporary files in `dir`.
pub fn note_dir(dir: &Path) {
    let mut dirs = DIRS.lock().unwrap_or_else(PoisonError::into_inner);
    if !dirs.iter().any(|d| d == dir) {
        dirs.push(dir.to_path_buf());
    }
}

/// Note that this process made `folder` (with its parents up to `top`) and holds its lock,
/// the file `lock` in it (`""`: a folder no lock guards, made for `drillmap tiles --out`):
/// a signal removes what of them is still unused ([`remove_unused`]).
pub fn note_made(folder: &Path, top: &Path, lock: &str) {
    let mut made = MADE.lock().unwrap_or_else(PoisonError::into_inner);
    made.push((folder.to_path_buf(), top.to_path_buf(), lock.to_owned()));
}

/// Note that this process holds the lock of `file` (a handle on the lock file, which it has
/// written its process id into): a signal empties it, as [`release_held`] does.
pub fn note_held(file: &std::fs::File) {
    if let Ok(file) = file.try_clone() {
        HELD.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(file);
    }
}

/// Empty the lock file `file` ([`note_held`]) as its lock is released, and forget it: under
/// the list's lock, so a signal empties it or finds it gone, never half-way.
pub fn release_held(file: &std::fs::File) {
    let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
    let _ = file.set_len(0);
    let inode = |f: &std::fs::File| {
        crate::fsutil::known::Identity::of_file(f)
            .ok()
            .map(|i| (i.dev, i.ino))
    };
    let this = inode(file);
    held.retain(|h| this.is_none() || inode(h) != this);
}

/// The run has finished and its exit status is decided: a signal from now on waits for the
/// process to exit with it. A signal already being handled keeps this waiting until it has
/// exited 130 or 143, so a run never says it was interrupted and exits 0.
pub fn exiting() {
    std::mem::forget(EXIT.lock().unwrap_or_else(PoisonError::into_inner));
}

/// Note that this process is releasing the lock of `folder` ([`note_made`]), and remove the
/// folder as [`remove_unused`] does (`top`, `lock` as noted), both under the list's lock: a
/// signal then finds the folder noted and still locked by this process, or not at all, and
/// never removes a folder released since (whose lock another run may hold by then).
pub fn release_made(folder: &Path, top: &Path, lock: &str) {
    let mut made = MADE.lock().unwrap_or_else(PoisonError::into_inner);
    made.retain(|(f, _, _)| f != folder);
    remove_unused(folder, top, lock);
}

/// Remove `folder`, made by this run with its parents up to `top`, when it holds nothing but
/// its lock file `lock` (a run that ended before it wrote anything; nothing at all when
/// `lock` is `""`): the lock file, then the folder and the parents made, the first one not
/// empty ending it.
fn remove_unused(folder: &Path, top: &Path, lock: &str) {
    let only_lock = std::fs::read_dir(folder).is_ok_and(|entries| {
        entries
            .map(|e| e.map(|e| e.file_name()))
            .all(|name| name.is_ok_and(|n| n == lock))
    });
    if !only_lock || (!lock.is_empty() && std::fs::remove_file(folder.join(lock)).is_err()) {
        return;
    }
    super::atomic::remove_empty(folder, top);
}

/// Keep a signal from cleaning up (and ending the process) until the guard is dropped.
pub fn hold() -> MutexGuard<'static, ()> {
    PUBLISHING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Note that this process has put new output in place (a publish under [`hold`] done): a
/// signal from now on says so as it exits, since the previous output is no longer there.
pub fn published() {
    PUBLISHED.store(true, Ordering::SeqCst);
}

/// Note that the run that published ([`published`]) has reported what it did: a signal
/// from now on has nothing to say about it (`serve --watch` rebuilds, then waits for the
/// next edit, where a signal only stops it).
pub fn reported() {
    PUBLISHED.store(false, Ordering::SeqCst);
}

/// Remove this process's temporary files from every folder it made them in. Returns how
/// many files were removed.
pub fn clean_up() -> u64 {
    let dirs = DIRS.lock().unwrap_or_else(PoisonError::into_inner).clone();
    remove_own_temps(&dirs)
}

/// Remove this process's temporary files from `dirs`; how many were removed.
fn remove_own_temps(dirs: &[PathBuf]) -> u64 {
    let me = std::process::id();
    dirs.iter()
        .filter_map(|d| super::atomic::remove_temps(d, |pid| pid == me).ok())
        .map(|(count, _)| count)
        .sum()
}

/// Wait for the temporaries being created under `creating` and keep any more from being
/// made for as long as the guard is held (the handler holds it until the process exits).
fn seal(creating: &RwLock<()>) -> RwLockWriteGuard<'_, ()> {
    creating.write().unwrap_or_else(PoisonError::into_inner)
}

/// Handle SIGINT and SIGTERM for the rest of the process: wait for a publish under way,
/// remove this process's temporary files, say so when new output was published (the
/// signal came during or after the publish), and exit with 128 + the signal.
pub fn install() -> Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .map_err(|e| Error::Internal(format!("cannot handle SIGINT and SIGTERM: {e}")))?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // The exit is this handler's (a run that finished first keeps it, and
                // this waits for the process to end with the run's status).
                let _exit = EXIT.lock().unwrap_or_else(PoisonError::into_inner);
                // A publish first (it creates its manifest's temporary under `creating`),
                // then no temporary in creation, then none ever again.
                let _publishing = hold();
                let _sealed = seal(&CREATING);
                clean_up();
                // Every lock file this process holds is emptied, as releasing it does.
                for file in HELD.lock().unwrap_or_else(PoisonError::into_inner).iter() {
                    let _ = file.set_len(0);
                }
                // Held until the process exits: a lock released meanwhile
                // ([`release_made`]) waits, so every folder listed is still this run's.
                let made = MADE.lock().unwrap_or_else(PoisonError::into_inner);
                for (folder, top, lock) in made.iter() {
                    remove_unused(folder, top, lock);
                }
                if PUBLISHED.load(Ordering::SeqCst) {
                    // On a line of its own: the run may have been printing its report.
                    use std::io::Write as _;
                    let _ = writeln!(
                        std::io::stderr(),
                        "\ninterrupted after the new output was published: it is in place, \
                         and the rest of the report was not printed"
                    );
                }
                std::process::exit(128 + signal);
            }
        })
        .map_err(|e| Error::Internal(format!("cannot start the signal thread: {e}")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporaries_are_noted_by_folder_and_only_this_process_ones_removed() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = super::super::atomic::temp_path(&dir.path().join("a.geojson"));
        std::fs::write(&tmp, "x").unwrap();
        let other = dir.path().join(".b.geojson.drillmap-1.tmp");
        std::fs::write(&other, "y").unwrap();
        let kept = dir.path().join("a.geojson");
        std::fs::write(&kept, "z").unwrap();
        // temp_path noted the folder (cleaning every noted folder here would touch the
        // other tests' files: they run in this process).
        assert!(DIRS.lock().unwrap().iter().any(|d| d == dir.path()));
        assert_eq!(remove_own_temps(&[dir.path().to_path_buf()]), 1);
        assert!(!tmp.exists());
        assert!(other.exists(), "another process's temporary stays");
        assert!(kept.exists());
    }

    /// Review (session 35): the handler removed the folders of a copy of the list, so one
    /// released meanwhile (and locked again by another run) was removed under that run. A
    /// folder released leaves the list, under the list's lock, before it is removed.
    #[test]
    fn a_released_folder_leaves_the_list_and_only_an_unused_one_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path().join("made");
        let out = top.join("out");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(".lock"), "").unwrap();
        note_made(&out, &top, ".lock");
        release_made(&out, &top, ".lock");
        assert!(!top.exists(), "made and unused: removed with its parent");
        let listed = |f: &Path| MADE.lock().unwrap().iter().any(|(d, _, _)| d == f);
        assert!(!listed(&out));
        // (Another run's folder made again at that path is no longer this run's: a
        // signal's sweep of the list does not reach it.) One that holds more than its
        // lock stays, with its lock.
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(".lock"), "").unwrap();
        note_made(&out, &top, ".lock");
        std::fs::write(out.join("layer.geojson"), "{}").unwrap();
        release_made(&out, &top, ".lock");
        assert!(out.join(".lock").exists() && out.join("layer.geojson").exists());
    }

    /// Review finding: the sweep raced threads still creating temporaries, and a run file
    /// made just after it outlived the process. Sealed, the sweep waits for a creation under
    /// way, and nothing more can be created.
    #[test]
    fn a_sealed_sweep_waits_for_a_temporary_in_creation_and_blocks_later_ones() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = super::super::atomic::temp_path(&dir.path().join("run.geojson"));
        let lock = RwLock::new(());
        let (held, holding) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                let _creating = lock.read().unwrap();
                held.send(()).unwrap();
                // The signal lands while this file is being made.
                std::thread::sleep(std::time::Duration::from_millis(50));
                std::fs::write(&tmp, "run").unwrap();
            });
            holding.recv().unwrap();
            let _sealed = seal(&lock);
            assert_eq!(remove_own_temps(&[dir.path().to_path_buf()]), 1);
            assert!(!tmp.exists());
            assert!(lock.try_read().is_err(), "a later temporary would be made");
        });
    }
}
