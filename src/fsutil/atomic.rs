//! Atomic, change-aware file writes.
//!
//! A layer is written to a temporary file in the same folder, flushed to disk and renamed
//! over the old one, so a web map never reads a half-written layer and a failed run leaves
//! the last good file in place. A file whose bytes would not change is not touched at all,
//! so a rebuild with unchanged input keeps every mtime (and every watcher) quiet.
//!
//! Every temporary file drillmap makes, here or elsewhere (sort runs, tile spills), is named
//! by [`temp_path`] (`.NAME.drillmap-PID.tmp`), so a later run recognises a killed run's
//! leftovers ([`is_temp_name`]) and removes them ([`crate::write::generation`]). A group of staged
//! files is published together by [`crate::write::generation::Folder::publish`].

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::background::Background;
use super::digest::Digest;
use crate::error::{Error, Result};

/// Create the output folder `dir` and its parents; when it, or a folder above it, is a
/// file, the error says so plainly (not "File exists" or "Not a directory").
pub fn create_dir(dir: &Path) -> Result<()> {
    let Err(e) = fs::create_dir_all(dir) else {
        return Ok(());
    };
    // A symbolic link to nothing, the folder or one of its parents: "File exists" alone
    // (probe, session 42) did not say the link's target is missing.
    let dangling = dir.ancestors().find_map(|a| {
        let is_link = fs::symlink_metadata(a).is_ok_and(|m| m.file_type().is_symlink());
        is_link
            .then(|| fs::metadata(a).err())
            .flatten()
            .map(|why| (a, why))
    });
    if let Some((link, why)) = dangling {
        let target = fs::read_link(link).map_or_else(|_| "?".into(), |t| t.display().to_string());
        let said = match why.kind() {
            std::io::ErrorKind::NotFound => format!(
                "a symbolic link to {target}, which does not exist: make that folder, or \
                 remove the link"
            ),
            // A loop of links, say (review, session 42: it was said not to exist).
            _ => format!("a symbolic link to {target}, which cannot be followed: {why}"),
        };
        return Err(Error::io(link, std::io::Error::new(e.kind(), said)));
    }
    let file = dir
        .ancestors()
        .find(|a| fs::metadata(a).is_ok_and(|m| !m.is_dir()));
    Err(match file {
        Some(f) => Error::io(
            f,
            std::io::Error::new(
                e.kind(),
                match f == dir {
                    true => "a file, not a folder: cannot write output into it".to_owned(),
                    false => format!(
                        "a file, not a folder: cannot make {} inside it",
                        dir.display()
                    ),
                },
            ),
        ),
        None => Error::io(dir, e),
    })
}

/// Whether `e` says a folder cannot be written: a read-only mount, or no permission.
pub fn is_unwritable(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
    )
}

/// The error of a run that would write `file` (a changed output, or a temporary file) in
/// its output folder, which cannot be written (`e`, [`is_unwritable`]): the one message
/// for every file that meets it.
pub fn unwritable(file: &Path, e: &std::io::Error) -> Error {
    unwritable_to(file, e, "write")
}

/// [`unwritable`] for a run that would `change` `file` ("write" it, "remove" it).
pub fn unwritable_to(file: &Path, e: &std::io::Error, change: &str) -> Error {
    let (dir, name) = match (file.parent(), file.file_name()) {
        (Some(dir), Some(name)) => (dir, name.to_string_lossy()),
        _ => (file, file.to_string_lossy()),
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    Error::io(
        dir,
        std::io::Error::new(
            e.kind(),
            format!(
                "the output folder cannot be written ({e}), and this run would {change} \
                 {name} there; make the folder writable, or give another --out"
            ),
        ),
    )
}

/// A file written to its temporary name and waiting to be renamed into place.
#[derive(Debug)]
pub struct Staged {
    /// The temporary file; `None` once renamed.
    tmp: Option<PathBuf>,
    dest: PathBuf,
}

impl Staged {
    /// The temporary file, before it is renamed.
    pub fn temp(&self) -> Option<&Path> {
        self.tmp.as_deref()
    }

    /// Where it goes.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Leave the temporary file where it is: someone else renames it (a publish journal).
    pub fn keep(mut self) {
        self.tmp = None;
    }

    /// Rename into place. After this the new content is visible.
    pub fn commit(mut self) -> Result<()> {
        if let Some(tmp) = self.tmp.take() {
            if let Err(e) = fs::rename(&tmp, &self.dest) {
                let _ = fs::remove_file(&tmp);
                return Err(Error::io(&self.dest, e));
            }
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = fs::remove_file(tmp);
        }
    }
}

/// Sync the folder `dir` to disk, so the renames and removals in it are durable: an error
/// of the disk is an error, and a folder whose file system cannot sync a folder (EINVAL or
/// ENOTSUP, as some network and FUSE file systems answer) is taken as synced, there being
/// nothing more to do (probe, session 44: an EIO on this sync was ignored, exit 0).
pub fn sync_folder(dir: &Path) -> Result<()> {
    // A folder that cannot be opened (no read permission, or a system that does not open
    // folders as files) cannot be synced: as before, nothing more to do.
    let Ok(folder) = fs::File::open(dir) else {
        return Ok(());
    };
    folder_synced(folder.sync_all()).map_err(|e| Error::io(dir, e))
}

fn folder_synced(synced: std::io::Result<()>) -> std::io::Result<()> {
    match synced {
        Err(e)
            if e.kind() == std::io::ErrorKind::InvalidInput
                || e.kind() == std::io::ErrorKind::Unsupported
                || e.raw_os_error() == Some(22)
                || e.raw_os_error() == Some(95) =>
        {
            Ok(())
        }
        other => other,
    }
}

/// Write `bytes` to a temporary file beside `dest`, synced to disk. Returns `None` when
/// `dest` already holds exactly these bytes (nothing to do).
pub fn stage(dest: &Path, bytes: &[u8]) -> Result<Option<Staged>> {
    if fs::read(dest).is_ok_and(|old| old == bytes) {
        return Ok(None);
    }
    let (staged, created) = create_temp(dest)?;
    let tmp = staged.temp().unwrap_or(dest);
    let mut file = created.map_err(|e| match is_unwritable(&e) {
        true => unwritable(dest, &e),
        false => Error::io(tmp, e),
    })?;
    file.write_all(bytes).map_err(|e| Error::io(tmp, e))?;
    file.sync_all().map_err(|e| Error::io(tmp, e))?;
    Ok(Some(staged))
}

/// The temporary file beside `dest` ([`temp_path`], its folder made first), with the
/// permissions of the file it replaces ([`keep_mode`]), and the [`Staged`] that removes
/// it unless it is committed: how [`stage`] and [`Streaming::create`] make it. The
/// inner `Err` is the creation's, for the caller to judge ([`is_unwritable`]).
fn create_temp(dest: &Path) -> Result<(Staged, std::io::Result<fs::File>)> {
    let tmp = temp_path(dest);
    if let Some(dir) = tmp.parent() {
        create_dir(dir)?;
    }
    let staged = Staged {
        tmp: Some(tmp.clone()),
        dest: dest.to_path_buf(),
    };
    let creating = super::interrupt::creating();
    let created = fs::File::create(&tmp);
    drop(creating);
    if let Ok(file) = &created {
        keep_mode(file, dest).map_err(|e| Error::io(&tmp, e))?;
    }
    Ok((staged, created))
}

/// A file being written incrementally under its temporary name, for output too large to
/// hold in memory. Nothing appears under `dest` until [`Streaming::finish`] has flushed and
/// synced it and the returned [`Staged`] is committed; dropping it removes the temporary.
///
/// Beside a `dest` in a folder that cannot be written ([`is_unwritable`]), the temporary
/// file is made in the system's temporary folder, only to compare the bytes with `dest`'s
/// (and to read them back, [`Streaming::move_to`]): the same bytes finish as unchanged,
/// others are the [`unwritable`] error.
#[derive(Debug)]
pub struct Streaming {
    writer: Background,
    staged: Staged,
    /// Why `dest`'s folder cannot be written, when it cannot.
    unwritable: Option<std::io::Error>,
}

impl Streaming {
    /// Create the temporary file beside `dest` (creating the folder).
    pub fn create(dest: &Path) -> Result<Streaming> {
        let (mut staged, created) = create_temp(dest)?;
        // The bytes are compared with the file they would replace as they are written
        // (unreadable or absent: they differ), so neither file is read back at the end.
        let old = fs::File::open(dest).ok();
        let (file, unwritable) = match created {
            Ok(file) => (file, None),
            // Only an unchanged file can be "written" into an unwritable folder.
            Err(e) if is_unwritable(&e) && old.is_some() => {
                let scratch = scratch_path(dest);
                let creating = super::interrupt::creating();
                let file = create_scratch(&scratch).map_err(|e| Error::io(&scratch, e))?;
                drop(creating);
                staged.tmp = Some(scratch);
                (file, Some(e))
            }
            Err(e) if is_unwritable(&e) => return Err(self::unwritable(dest, &e)),
            Err(e) => return Err(Error::io(staged.temp().unwrap_or(dest), e)),
        };
        // Its digest, when known from an earlier run: not hashed again while the bytes match.
        let known = old.as_ref().and_then(|f| super::known::known(dest, f));
        Ok(Streaming {
            writer: Background::comparing(file, old, known),
            staged,
            unwritable,
        })
    }

    /// The error of a file that cannot be written, when this one cannot.
    fn refused(&self) -> Result<()> {
        match &self.unwritable {
            Some(e) => Err(unwritable(&self.staged.dest, e)),
            None => Ok(()),
        }
    }

    /// Where the bytes go (written on a background thread); wrap its errors with
    /// [`Streaming::temp`].
    pub fn writer(&mut self) -> &mut Background {
        &mut self.writer
    }

    /// The temporary file's path.
    pub fn temp(&self) -> &Path {
        self.staged.tmp.as_deref().unwrap_or(&self.staged.dest)
    }

    /// Flush and move the temporary file to `path` instead of its destination (to read it
    /// back, say); the destination is not touched. Returns where it went: `path`, or, for
    /// a destination whose folder cannot be written, the file of that name beside the
    /// temporary file.
    pub fn move_to(mut self, path: &Path) -> Result<PathBuf> {
        let tmp = self.temp().to_path_buf();
        let path = match (&self.unwritable, path.file_name()) {
            (Some(_), Some(name)) => tmp.with_file_name(name),
            _ => path.to_path_buf(),
        };
        self.writer.finish().map_err(|e| Error::io(&tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        self.staged.tmp = None;
        Ok(path)
    }

    /// Flush and sync; the file is then ready to be renamed into place.
    pub fn finish(self) -> Result<Staged> {
        self.refused()?;
        let tmp = self.temp().to_path_buf();
        let written = self.writer.finish().map_err(|e| Error::io(&tmp, e))?;
        written.file.sync_all().map_err(|e| Error::io(&tmp, e))?;
        Ok(self.staged)
    }
}

impl Streaming {
    /// Flush, then: when `dest` already holds exactly these bytes, remove the temporary file
    /// and return `None` (the destination is left untouched); otherwise sync and return the
    /// staged file, ready to be renamed into place.
    pub fn finish_if_changed(self) -> Result<Option<Staged>> {
        self.finish_digest().map(|(staged, _)| staged)
    }

    /// [`Streaming::finish_if_changed`], and the size and SHA-256 of the bytes written
    /// (taken as they were written, and compared with the destination's the same way:
    /// neither file is read back).
    pub fn finish_digest(self) -> Result<(Option<Staged>, Digest)> {
        let tmp = self.temp().to_path_buf();
        let Streaming {
            writer,
            staged,
            unwritable,
        } = self;
        let written = writer
            .finish_unless_same()
            .map_err(|e| Error::io(&tmp, e))?;
        if written.same {
            return Ok((None, written.digest)); // dropping `staged` removes the temporary
        }
        if let Some(e) = unwritable {
            return Err(self::unwritable(&staged.dest, &e));
        }
        written.file.sync_all().map_err(|e| Error::io(&tmp, e))?;
        Ok((Some(staged), written.digest))
    }
}

/// Give the temporary file `file` the permissions of the regular file it replaces
/// (`dest`, if there is one), so an atomic replacement keeps them: a private gazetteer
/// stays 0600, a shared group-writable one 0664 (probe 7 L1), whatever the umask. Only the
/// permission bits are copied, never set-id or sticky bits.
fn keep_mode(file: &fs::File, dest: &Path) -> std::io::Result<()> {
    let Ok(old) = fs::metadata(dest) else {
        return Ok(());
    };
    if !old.is_file() {
        return Ok(());
    }
    #[cfg(unix)]
    let permissions = {
        use std::os::unix::fs::PermissionsExt;
        fs::Permissions::from_mode(old.permissions().mode() & 0o777)
    };
    #[cfg(not(unix))]
    let permissions = old.permissions();
    file.set_permissions(permissions)
}

/// The marker between a temporary file's name and the process id that made it.
const TEMP_MARK: &str = ".drillmap-";
/// File name of the publish journal in an output folder ([`crate::write::generation`]):
/// present only while a publish is under way, or after one was killed.
pub const PUBLISH_JOURNAL: &str = ".drillmap-publish.json";

/// The temporary name for `dest`, the one naming rule of every temporary file drillmap
/// writes: hidden, in the same folder, `.NAME.drillmap-PID.tmp`.
pub fn temp_path(dest: &Path) -> PathBuf {
    let dir = folder_of(dest).to_path_buf();
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    super::interrupt::note_dir(&dir);
    dir.join(format!(".{name}{TEMP_MARK}{}.tmp", std::process::id()))
}

/// The temporary name for `dest` in the system's temporary folder: where a run keeps the
/// temporary files of an output folder that cannot be written ([`is_unwritable`]), which
/// only compare bytes with the folder's files or sort them, never to be published.
pub fn scratch_path(dest: &Path) -> PathBuf {
    temp_path(&std::env::temp_dir().join(dest.file_name().unwrap_or_default()))
}

/// Create the scratch file `path` ([`scratch_path`]), readable and writable. The system's
/// temporary folder is shared, so the name is created anew, never opened through what is
/// there (a link another user left would point the bytes elsewhere): what a killed run of
/// the same process id left is removed first; what cannot be removed stops the run.
pub fn create_scratch(path: &Path) -> std::io::Result<fs::File> {
    let create = || {
        fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
    };
    match create() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            fs::remove_file(path)?;
            create()
        }
        other => other,
    }
}

/// Whether `name` (a file name) is one [`temp_path`] gives, by any process.
pub fn is_temp_name(name: &str) -> bool {
    temp_owner(name).is_some()
}

/// The id of the process that made the temporary file `name` ([`temp_path`]), or `None`
/// when `name` is not one of drillmap's temporary names.
pub fn temp_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let at = rest.rfind(TEMP_MARK).filter(|&at| at > 0)?;
    let pid = &rest[at + TEMP_MARK.len()..];
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// The topmost folder that making `dir` ([`create_dir`]) would create: the outermost of its
/// missing ancestors, `dir` itself included; `None` when it is there, and when the path
/// holds a `..` (past which a folder named is no ancestor of the path as written).
pub fn first_missing(dir: &Path) -> Option<PathBuf> {
    if dir
        .components()
        .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return None;
    }
    dir.ancestors()
        .take_while(|a| !a.as_os_str().is_empty() && fs::symlink_metadata(a).is_err())
        .last()
        .map(Path::to_path_buf)
}

/// Remove `dir` and its parents up to `top` (made by this run: [`first_missing`]) while
/// they are empty, the first one that is not ending it: what a failed run made and left
/// unused goes again.
pub fn remove_empty(dir: &Path, top: &Path) {
    for d in dir.ancestors() {
        if fs::remove_dir(d).is_err() || d == top {
            break;
        }
    }
}

/// The folder the file `path` is written in: its parent, or the current folder for a bare
/// name (`x.pmtiles`).
pub fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Remove the temporary files in `dir` whose writer is gone: what killed runs left in a
/// folder that no output lock guards (the place tables a GeoNames import writes). A file is
/// removed only when its writer has ended ([`writer_gone`]): no process with its id runs on
/// this machine, or the one that does has exited and waits to be reaped (read from
/// `/proc`; where there is no `/proc`, nothing is removed), so a live run's temporaries
/// are never touched.
/// Returns how many files and bytes were removed.
///
/// A folder holding a publish journal ([`PUBLISH_JOURNAL`]) is left as it is: the files a
/// killed publish staged are renamed into place by the next build, which completes it.
pub fn sweep_orphans(dir: &Path) -> Result<(u64, u64)> {
    if !dir.is_dir() || dir.join(PUBLISH_JOURNAL).exists() {
        return Ok((0, 0)); // no folder yet, or a killed publish's files still to place
    }
    remove_temps(dir, |pid| {
        pid != std::process::id() && writer_gone(pid) == Some(true)
    })
}

/// Whether the process `pid` that named a temporary file has ended: `None` where this
/// machine cannot tell (no `/proc`). A process that has exited but not been reaped (a
/// zombie: a run killed with SIGKILL under `timeout`, whose parent died with it, waits for
/// init to reap it) has ended: it writes nothing more. A process id a live process has
/// taken again counts as running: its files are left for a later sweep, never a live
/// run's removed.
pub fn writer_gone(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return None;
    }
    let dir = proc.join(pid.to_string());
    // Bytes, not text: the command name is the program's file name cut to 15 bytes, which
    // may cut a character of a Cyrillic name in two; read as text, that line was an error,
    // and the zombie a live writer.
    match fs::read(dir.join("stat")) {
        Ok(stat) => Some(matches!(process_state(&stat), Some(b'Z' | b'X'))),
        Err(_) => Some(!dir.exists()),
    }
}

/// The state letter of a `/proc/PID/stat` line: the field after the command name, which is
/// in parentheses and may itself hold spaces, parentheses and any bytes (`proc(5)`).
fn process_state(stat: &[u8]) -> Option<u8> {
    let after = stat.iter().rposition(|&b| b == b')')? + 1;
    stat[after..]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .copied()
}

/// Remove the regular files in `dir` with a temporary name ([`temp_path`]) whose writer's
/// process id `stale` accepts. Returns how many files and bytes were removed.
pub fn remove_temps(dir: &Path, stale: impl Fn(u32) -> bool) -> Result<(u64, u64)> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let (mut count, mut bytes) = (0, 0);
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(temp_owner) else {
            continue;
        };
        if !stale(pid) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let path = entry.path();
        if meta.is_dir() {
            // A folder staged whole ([`StagedDir`]): its files counted, then removed.
            let (n, b) = tree_size(&path);
            fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
            count += n;
            bytes += b;
            continue;
        }
        if !meta.is_file() {
            continue;
        }
        fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        count += 1;
        bytes += meta.len();
    }
    Ok((count, bytes))
}

/// How many files are in the folder `dir` (at any depth) and their bytes; what cannot be
/// read is not counted.
fn tree_size(dir: &Path) -> (u64, u64) {
    let (mut count, mut bytes) = (0, 0);
    let mut folders = vec![dir.to_path_buf()];
    while let Some(d) = folders.pop() {
        for entry in fs::read_dir(&d).into_iter().flatten().flatten() {
            match entry.metadata() {
                Ok(m) if m.is_dir() => folders.push(entry.path()),
                Ok(m) => {
                    count += 1;
                    bytes += m.len();
                }
                Err(_) => {}
            }
        }
    }
    (count, bytes)
}

/// A folder written whole under its temporary name beside `dest` ([`temp_path`]), then
/// swapped in ([`StagedDir::commit`], or a publish journal: [`swap_dir`]), so `dest` is
/// always one run's folder, never a mix. Dropped before, it is removed; a killed run's is
/// removed by the next run, as every temporary file is ([`remove_temps`]).
#[derive(Debug)]
pub struct StagedDir {
    /// The temporary folder; `None` once swapped in or handed to a journal.
    tmp: Option<PathBuf>,
    dest: PathBuf,
}

impl StagedDir {
    /// Create the empty temporary folder beside `dest` (creating its parent).
    pub fn create(dest: &Path) -> Result<StagedDir> {
        let tmp = temp_path(dest);
        if let Some(dir) = tmp.parent() {
            create_dir(dir)?;
        }
        let creating = super::interrupt::creating();
        // This process's own, from an earlier call: not a file of anyone else's.
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir(&tmp).map_err(|e| match is_unwritable(&e) {
            true => unwritable(dest, &e),
            false => Error::io(&tmp, e),
        })?;
        drop(creating);
        Ok(StagedDir {
            tmp: Some(tmp),
            dest: dest.to_path_buf(),
        })
    }

    /// The temporary folder, before it is swapped in.
    pub fn temp(&self) -> Option<&Path> {
        self.tmp.as_deref()
    }

    /// Where it goes.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Write `bytes` to `rel` (a relative path) inside the folder, creating the folders on
    /// the way, synced to disk.
    pub fn write(&self, rel: &Path, bytes: &[u8]) -> Result<()> {
        let Some(tmp) = &self.tmp else {
            return Err(Error::Internal(format!(
                "{}: written after it was swapped in",
                self.dest.display()
            )));
        };
        let path = tmp.join(rel);
        // Under `creating`: after a signal the handler's sweep removes the folder whole,
        // and nothing is written into it after.
        let _creating = super::interrupt::creating();
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let mut file = fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        file.write_all(bytes).map_err(|e| Error::io(&path, e))?;
        file.sync_all().map_err(|e| Error::io(&path, e))
    }

    /// Leave the temporary folder where it is: a publish journal swaps it in.
    pub fn keep(mut self) {
        self.tmp = None;
    }

    /// Swap it in now ([`swap_dir`]).
    pub fn commit(mut self) -> Result<()> {
        match self.tmp.take() {
            Some(tmp) => swap_dir(&tmp, &self.dest, &old_dir_path(&self.dest)),
            None => Ok(()),
        }
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = fs::remove_dir_all(tmp);
        }
    }
}

/// Where this process moves the folder `dest` while a staged one takes its place:
/// `.NAME.old.drillmap-PID.tmp` beside it, a temporary name.
pub fn old_dir_path(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    temp_path(&dest.with_file_name(format!("{name}.old")))
}

/// Swap the folder `tmp` in as `dest`: `dest` (when there is one) is renamed to `old`,
/// `tmp` to `dest`, then `old` is removed. Done again after a kill at any step, it
/// completes the swap (what is done already is skipped), so a publish journal can name it.
pub fn swap_dir(tmp: &Path, dest: &Path, old: &Path) -> Result<()> {
    if fs::symlink_metadata(tmp).is_ok() {
        match fs::rename(dest, old) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(dest, e)),
        }
        fs::rename(tmp, dest).map_err(|e| Error::io(dest, e))?;
    }
    match fs::remove_dir_all(old) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(old, e)),
    }
}

/// A run killed between the two renames of [`StagedDir::commit`] left no `dest`, and the
/// previous folder under [`old_dir_path`]: move it back (the staged one is then removed
/// as any killed run's temporary). Returns whether it did. Only folders of processes that
/// are gone (see [`sweep_orphans`]) are moved.
pub fn restore_dir(dest: &Path) -> Result<bool> {
    if fs::symlink_metadata(dest).is_ok() || !Path::new("/proc/self").exists() {
        return Ok(false);
    }
    let Some(name) = dest.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Ok(false);
    };
    let parent = folder_of(dest);
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(false);
    };
    let prefix = format!(".{name}.old{TEMP_MARK}");
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let gone = temp_owner(&file)
            .is_some_and(|pid| pid != std::process::id() && writer_gone(pid) == Some(true));
        if gone && file.starts_with(&prefix) && entry.path().is_dir() {
            fs::rename(entry.path(), dest).map_err(|e| Error::io(dest, e))?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// Write one file atomically. Returns whether its content changed.
pub fn write(dest: &Path, bytes: &[u8]) -> Result<bool> {
    match stage(dest, bytes)? {
        Some(staged) => staged.commit().map(|()| true),
        None => Ok(false),
    }
}

/// The file `path` names through symlinks (each link followed, to a target that may not
/// exist yet), or `path` itself when it is no link: where a file kept by hand and read as
/// input (the gazetteer, the geocode cache) is written, so that a link to a shared copy
/// stays a link and the copy takes the change ([`write_through`]).
pub fn link_target(path: &Path) -> Result<PathBuf> {
    let mut at = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = fs::read_link(&at).map_err(|e| Error::io(&at, e))?;
                at = match at.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(at),
        }
    }
    Err(Error::io(
        path,
        std::io::Error::other("too many levels of symbolic links: not written through them"),
    ))
}

/// A file kept by hand and edited by drillmap (the gazetteer, the geocode cache), locked for
/// one edit: the file `path` names through symlinks ([`link_target`]) and an advisory lock
/// held on `.STEM.lock` beside it (`places/.geocode-cache.lock`, `places/.places.lock`),
/// waiting while another run holds it. Read the file again once this returns, change it,
/// write it with [`write`] to the path returned, then drop the lock: two runs editing at
/// once each keep the other's change. The lock file is left, as an output folder's is.
pub fn lock_for_edit(path: &Path) -> Result<(PathBuf, fs::File)> {
    let target = link_target(path)?;
    let lock_path = target.with_file_name(edit_lock_name(&target));
    if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dir(dir)?;
    }
    let lock = open_lock_file(&lock_path).map_err(|e| lock_error(&lock_path, e))?;
    lock.lock().map_err(|e| Error::io(&lock_path, e))?;
    Ok((target, lock))
}

/// Open the lock file `path`, made if missing, never through a symbolic link (`O_NOFOLLOW`):
/// its holder writes its process id into it, so a link planted there would have drillmap
/// empty and overwrite the file it points to (probe, session 42: `OUT/.drillmap.lock`
/// linked to a user's file left that file empty).
pub fn open_lock_file(path: &Path) -> std::io::Result<fs::File> {
    // Everywhere: a link already there is refused before opening ([`lock_error`] names it).
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(std::io::Error::other("a symbolic link"));
    }
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    // Where libc is a dependency, a link made between that look and the open too.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    options.open(path)
}

/// The error for a lock file that [`open_lock_file`] could not open: one that is a
/// symbolic link says so.
pub fn lock_error(path: &Path, e: std::io::Error) -> Error {
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    match is_link {
        true => Error::io(
            path,
            std::io::Error::other(
                "a symbolic link where drillmap keeps its lock file, which it writes: remove \
                 the link (drillmap makes the file again)",
            ),
        ),
        false => Error::io(path, e),
    }
}

/// The name of the lock file [`lock_for_edit`] holds beside `path`: `.STEM.lock`.
pub fn edit_lock_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    format!(".{stem}.lock")
}

/// [`write`] to the file `dest` names through symlinks ([`link_target`]): the temporary
/// file is made beside the target and renamed over it, and the links stay.
pub fn write_through(dest: &Path, bytes: &[u8]) -> Result<bool> {
    write(&link_target(dest)?, bytes)
}

/// Write several files so that either all of them are staged and then renamed, or none is
/// touched (a failure while staging removes the temporaries). Returns how many changed.
pub fn write_all(files: &[(PathBuf, Vec<u8>)]) -> Result<usize> {
    let mut staged = Vec::new();
    for (dest, bytes) in files {
        if let Some(s) = stage(dest, bytes)? {
            staged.push(s);
        }
    }
    let changed = staged.len();
    for s in staged {
        s.commit()?;
    }
    Ok(changed)
}

#[cfg(test)]
pub(crate) mod tests {
    /// Probe, session 44: a failed sync of the output folder was ignored. A disk error is
    /// an error; a folder the file system cannot sync is not.
    #[test]
    fn a_folder_sync_fails_on_a_disk_error_only() {
        use std::io::{Error as IoError, ErrorKind};
        assert!(folder_synced(Ok(())).is_ok());
        assert!(folder_synced(Err(IoError::from_raw_os_error(5))).is_err());
        assert!(folder_synced(Err(IoError::from_raw_os_error(28))).is_err());
        assert!(folder_synced(Err(IoError::from_raw_os_error(22))).is_ok());
        assert!(folder_synced(Err(IoError::from_raw_os_error(95))).is_ok());
        assert!(folder_synced(Err(IoError::from(ErrorKind::Unsupported))).is_ok());
        assert!(sync_folder(&std::env::temp_dir()).is_ok());
        assert!(sync_folder(Path::new("/no/such/folder")).is_ok());
    }

    use super::*;

    /// Probe, session 42: `--out` a symbolic link to nothing was "File exists" alone.
    #[test]
    fn a_folder_that_is_a_link_to_nothing_is_said_to_be_one() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("out");
        std::os::unix::fs::symlink(dir.path().join("gone"), &link).unwrap();
        for at in [link.clone(), link.join("deeper")] {
            let e = create_dir(&at).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("{}: a symbolic link to ", link.display()))
                    && e.contains("gone, which does not exist"),
                "{e}"
            );
        }
        // A loop is not said to be missing (review).
        let a = dir.path().join("a");
        std::os::unix::fs::symlink(dir.path().join("b"), &a).unwrap();
        std::os::unix::fs::symlink(&a, dir.path().join("b")).unwrap();
        let e = create_dir(&a).unwrap_err().to_string();
        assert!(
            e.contains("which cannot be followed") && !e.contains("does not exist"),
            "{e}"
        );
    }

    /// Probe (session 30): a run killed with SIGKILL under `timeout` stays a zombie until
    /// init reaps it; its temporary files survived the next build, which took the process
    /// for a live writer. A zombie's files are a dead run's; a live process's are not.
    #[test]
    fn a_writer_that_exited_unreaped_is_gone_and_a_running_one_is_not() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        assert_eq!(writer_gone(pid), Some(false));
        assert_eq!(writer_gone(std::process::id()), Some(false));
        child.kill().unwrap();
        // Not waited for: once it has died it is a zombie, until `wait` reaps it.
        assert_eq!(state_once_dead(pid), Some(b'Z'));
        assert_eq!(writer_gone(pid), Some(true));
        child.wait().unwrap();
        assert_eq!(writer_gone(pid), Some(true));
        // A command name with spaces and parentheses.
        assert_eq!(process_state(b"42 (a) b (c)) Z 1 42"), Some(b'Z'));
        assert_eq!(process_state(b"42 (drillmap) S 1 42"), Some(b'S'));
    }

    /// The state of the killed, unreaped process `pid` once it is a zombie (the last one
    /// read after 5 s otherwise).
    fn state_once_dead(pid: u32) -> Option<u8> {
        let stat = Path::new("/proc").join(pid.to_string()).join("stat");
        let mut state = None;
        for _ in 0..500 {
            state = process_state(&fs::read(&stat).unwrap());
            if state == Some(b'Z') {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        state
    }

    /// Independent probe: a zombie whose program's name is cut inside a character (Linux
    /// keeps 15 bytes of it: `дддддддд` is 16) was taken for a live writer, its `stat` line
    /// not being UTF-8; its temporary files stayed.
    #[test]
    fn a_zombie_whose_name_is_cut_inside_a_character_is_gone() {
        assert_eq!(
            process_state(b"123 (\xd0\xb4\xd0\xb4\xd0) Z 1 123 123 0 -1"),
            Some(b'Z')
        );
        let Some(sleep) = ["/bin/sleep", "/usr/bin/sleep"]
            .into_iter()
            .map(Path::new)
            .find(|p| p.exists())
        else {
            return; // no `sleep` to run under another name
        };
        // The name is the file run's, a link's too (`exec` takes the path's last part).
        let dir = tempfile::tempdir().unwrap();
        let name = dir.path().join("дддддддд");
        std::os::unix::fs::symlink(sleep, &name).unwrap();
        let mut child = std::process::Command::new(&name).arg("30").spawn().unwrap();
        let pid = child.id();
        let stat = Path::new("/proc").join(pid.to_string()).join("stat");
        assert!(fs::read_to_string(stat).is_err(), "the name is not cut");
        assert_eq!(writer_gone(pid), Some(false));
        child.kill().unwrap();
        assert_eq!(state_once_dead(pid), Some(b'Z'));
        assert_eq!(writer_gone(pid), Some(true));
        child.wait().unwrap();
    }

    /// Probe 6 M3: a hand-kept file reached through a symlink (or a chain of them, one
    /// dangling) is written to the file the links name, and every link stays.
    #[test]
    fn write_through_changes_the_target_and_keeps_the_links() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir(d.join("common")).unwrap();
        fs::create_dir(d.join("places")).unwrap();
        fs::write(d.join("common/t.csv"), "old\n").unwrap();
        std::os::unix::fs::symlink("../common/t.csv", d.join("places/mid.csv")).unwrap();
        std::os::unix::fs::symlink("mid.csv", d.join("places/t.csv")).unwrap();
        assert!(write_through(&d.join("places/t.csv"), b"new\n").unwrap());
        assert_eq!(fs::read(d.join("common/t.csv")).unwrap(), b"new\n");
        for link in ["places/t.csv", "places/mid.csv"] {
            assert!(fs::symlink_metadata(d.join(link)).unwrap().is_symlink());
        }
        std::os::unix::fs::symlink("../common/new.toml", d.join("places/c.toml")).unwrap();
        assert!(write_through(&d.join("places/c.toml"), b"x").unwrap());
        assert_eq!(fs::read(d.join("common/new.toml")).unwrap(), b"x");
        // No link: the file itself.
        assert_eq!(
            link_target(&d.join("common/t.csv")).unwrap(),
            d.join("common/t.csv")
        );
        std::os::unix::fs::symlink("loop", d.join("loop")).unwrap();
        assert!(link_target(&d.join("loop")).is_err());
    }

    /// Probe 7 L1: `places promote --append` reset a 0600 or 0664 `places.csv` to 0644. An
    /// atomic replacement, whole or streamed, through a link or not, keeps the mode of the
    /// file it replaces; a new file gets the umask's.
    #[test]
    fn a_replaced_file_keeps_its_permissions() {
        use std::io::Write as _;
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        for (n, want) in [0o600, 0o664, 0o640, 0o444].into_iter().enumerate() {
            let path = d.join(format!("t{n}.csv"));
            fs::write(&path, "old\n").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(want)).unwrap();
            assert!(write(&path, b"new\n").unwrap());
            assert_eq!(mode(&path), want, "{}", path.display());
            let mut s = Streaming::create(&path).unwrap();
            s.writer().write_all(b"streamed\n").unwrap();
            s.finish_if_changed().unwrap().unwrap().commit().unwrap();
            assert_eq!(mode(&path), want, "{} streamed", path.display());
            assert_eq!(fs::read(&path).unwrap(), b"streamed\n");
        }
        fs::create_dir(d.join("common")).unwrap();
        fs::write(d.join("common/p.csv"), "old\n").unwrap();
        fs::set_permissions(d.join("common/p.csv"), fs::Permissions::from_mode(0o664)).unwrap();
        std::os::unix::fs::symlink("common/p.csv", d.join("p.csv")).unwrap();
        assert!(write_through(&d.join("p.csv"), b"new\n").unwrap());
        assert_eq!(mode(&d.join("common/p.csv")), 0o664);
        assert!(fs::symlink_metadata(d.join("p.csv")).unwrap().is_symlink());
    }

    #[test]
    fn a_scratch_file_is_created_anew_not_through_a_link_left_there() {
        use std::io::Write as _;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        fs::write(&target, b"keep").unwrap();
        let scratch = dir.path().join(".x.drillmap-1.tmp");
        std::os::unix::fs::symlink(&target, &scratch).unwrap();
        let mut file = create_scratch(&scratch).unwrap();
        file.write_all(b"scratch").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"keep");
        assert!(!fs::symlink_metadata(&scratch).unwrap().is_symlink());
        assert_eq!(fs::read(&scratch).unwrap(), b"scratch");
    }

    #[test]
    fn writes_then_leaves_identical_content_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.geojson");
        assert!(write(&path, b"one").unwrap());
        let before = fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(!write(&path, b"one").unwrap());
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);
        assert!(write(&path, b"two").unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"two");
    }

    #[test]
    fn a_streamed_file_with_the_same_bytes_is_left_untouched() {
        use std::io::Write as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.geojson");
        let stream = |bytes: &[u8]| {
            let mut s = Streaming::create(&path).unwrap();
            s.writer().write_all(bytes).unwrap();
            s.finish_if_changed().unwrap()
        };
        stream(b"one").unwrap().commit().unwrap();
        assert!(stream(b"one").is_none());
        assert!(stream(b"two").is_some()); // dropped: not committed
        assert_eq!(fs::read(&path).unwrap(), b"one");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn temporary_names_are_recognised_and_nothing_else_is() {
        let tmp = temp_path(Path::new("out/events.geojson"));
        let name = tmp.file_name().unwrap().to_str().unwrap();
        assert_eq!(
            name,
            format!(".events.geojson.drillmap-{}.tmp", std::process::id())
        );
        assert!(is_temp_name(name));
        assert_eq!(temp_owner(name), Some(std::process::id()));
        assert_eq!(temp_owner(".events.run3.drillmap-17.tmp"), Some(17));
        for other in [
            "events.geojson",
            ".drillmap.lock",
            ".drillmap-publish.json",
            ".drillmap-digests.json",
            ".x.drillmap-.tmp",
            ".x.drillmap-12a.tmp",
            "x.drillmap-12.tmp",
            ".drillmap-12.tmp",
            ".notes.tmp",
            ".x.drillmap-99999999999.tmp", // not a process id
        ] {
            assert!(!is_temp_name(other), "{other}");
        }
    }

    #[test]
    fn dropped_stage_leaves_no_temporary_and_old_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.geojson");
        write(&path, b"old").unwrap();
        drop(stage(&path, b"new").unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn orphans_of_ended_processes_are_swept_and_a_live_one_stays() {
        let dir = tempfile::tempdir().unwrap();
        let dead = ended_process();
        let orphan = dir.path().join(format!(".t.txt.drillmap-{dead}.tmp"));
        fs::write(&orphan, b"12345").unwrap();
        let live = temp_path(&dir.path().join("t.txt"));
        fs::write(&live, b"mine").unwrap();
        fs::write(dir.path().join("t.txt"), b"table").unwrap();
        // A killed publish's staged files wait for the build that completes its journal.
        fs::write(dir.path().join(PUBLISH_JOURNAL), b"{}").unwrap();
        assert_eq!(sweep_orphans(dir.path()).unwrap(), (0, 0));
        assert!(orphan.exists());
        fs::remove_file(dir.path().join(PUBLISH_JOURNAL)).unwrap();
        assert_eq!(sweep_orphans(dir.path()).unwrap(), (1, 5));
        assert!(!orphan.exists() && live.exists() && dir.path().join("t.txt").exists());
    }

    /// The id of a process that has ended, as a killed run's has.
    pub(crate) fn ended_process() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let id = child.id();
        child.wait().unwrap();
        id
    }
}
