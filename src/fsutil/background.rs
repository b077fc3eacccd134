//! A file writer whose system calls run on their own thread.
//!
//! Writing a large layer spends as much time in the kernel (copying into the page cache) as
//! formatting it; with the write on another thread the two overlap. Bytes are collected in
//! 1 MiB buffers and handed over in order through a bounded channel (at most a few MiB in
//! flight), so the file's content is exactly what was written, in the same order.
//! [`Background::finish`] is the real flush: it waits for every buffer and returns the file,
//! or the first error the thread met. Every 64 MiB the thread also syncs what it has
//! written, so a large file's writeback overlaps the formatting instead of all waiting in
//! the caller's final `sync_all`. The thread also takes the size and SHA-256 of the bytes
//! as it writes them (the output manifest lists them), so the file is never read back to
//! hash it, and, given the file it would replace, compares the bytes with that file's as it
//! goes, so an unchanged output is recognised without reading back either file. While
//! every byte so far matches that file's, none is written: an unchanged output costs no
//! write (nor its page cache, writeback and removal); at the first difference the bytes
//! held back are copied from the old file (within the kernel), and the copy is refused
//! if that file changed since it was opened.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use super::digest::{Digest, Hasher};
use super::known::Identity;

/// Bytes per buffer handed to the thread.
const BUFFER: usize = 1 << 20;
/// Buffers in flight.
const IN_FLIGHT: usize = 4;
/// Buffers handed over whole ([`Background::write_vec`]) that may be out before the next
/// waits for one to come back: they are as large as the caller makes them, so memory is
/// bounded by their number.
const LENT: usize = 2;
/// Bytes the thread hashes, compares and writes in one go: well within a core's L2 cache.
const PIECE: usize = 128 << 10;
/// Bytes written between two `sync_data` calls on the thread.
const SYNC_EVERY: u64 = 64 << 20;

/// A writer to a file, written on a background thread.
#[derive(Debug)]
pub struct Background {
    buf: Vec<u8>,
    full: Option<SyncSender<Vec<u8>>>,
    empty: Receiver<Vec<u8>>,
    /// Buffers handed to the thread and not yet taken back from `empty`.
    lent: usize,
    thread: Option<JoinHandle<io::Result<Ended>>>,
}

/// What [`Background::finish`] returns.
#[derive(Debug)]
pub struct Written {
    /// The file written.
    pub file: File,
    /// The size and SHA-256 of its bytes.
    pub digest: Digest,
    /// Whether the file given to compare with ([`Background::comparing`]) holds exactly
    /// these bytes (`false` when none was given).
    pub same: bool,
}

/// What the writer thread ends with: the [`Written`], and, when the bytes are the old
/// file's, the comparison still holding them back (the file is empty until it is released).
#[derive(Debug)]
struct Ended {
    written: Written,
    held: Option<Compare>,
}

/// Compares the bytes written with an existing file's, buffer by buffer, and holds back
/// the bytes that match (they are that file's first `held` bytes).
#[derive(Debug)]
struct Compare {
    /// The old file, while every byte written so far matches its bytes.
    old: Option<File>,
    /// The old file's [`Identity`] when it was opened.
    opened: Option<Identity>,
    buf: Vec<u8>,
    /// Bytes written and not yet in the file: the old file's first `held` bytes.
    held: u64,
}

impl Compare {
    fn new(old: Option<File>) -> Compare {
        // A file whose metadata cannot be read is not compared with (its bytes differ).
        let opened = old.as_ref().and_then(|f| Identity::of_file(f).ok());
        Compare {
            old: old.filter(|_| opened.is_some()),
            opened,
            buf: Vec::new(),
            held: 0,
        }
    }

    /// Take in the next bytes written: whether they match the old file's next bytes, and
    /// are held back. A difference (or a read error: then the files are taken to differ)
    /// ends the comparison; then [`Compare::release`] must write what was held.
    fn hold(&mut self, bytes: &[u8]) -> bool {
        let Some(old) = &mut self.old else {
            return false;
        };
        self.buf.resize(bytes.len(), 0);
        let same =
            matches!(read_full(old, &mut self.buf), Ok(n) if n == bytes.len() && self.buf == bytes);
        if same {
            self.held += bytes.len() as u64;
        }
        same
    }

    /// Whether the old file has the identity it had when it was opened.
    fn untouched(&self) -> bool {
        self.old
            .as_ref()
            .is_some_and(|old| Identity::of_file(old).ok() == self.opened)
    }

    /// The digest of the bytes held (the old file's first `held` bytes), read again.
    fn digest_held(&mut self) -> io::Result<Digest> {
        let old = self
            .old
            .as_mut()
            .ok_or_else(|| io::Error::other("the compared file was closed"))?;
        old.seek(SeekFrom::Start(0))?;
        super::digest::digest_of(old.take(self.held))
    }

    /// Whether every byte written matched and the old file has no more.
    fn same(&mut self) -> bool {
        let mut one = [0u8; 1];
        self.old
            .as_mut()
            .is_some_and(|old| matches!(read_full(old, &mut one), Ok(0)))
    }

    /// Write the bytes held back into `file` (at its current end), copied from the old
    /// file, and stop comparing; the bytes copied. With `hasher` (the bytes held were not
    /// hashed as they came), they are hashed as they are copied. An error if the old file
    /// changed since it was opened: the bytes copied may not be the ones written.
    fn release(&mut self, file: &mut File, hasher: Option<&mut Hasher>) -> io::Result<u64> {
        let held = std::mem::take(&mut self.held);
        let Some(mut old) = self.old.take() else {
            return Ok(0);
        };
        if held == 0 {
            return Ok(0);
        }
        old.seek(SeekFrom::Start(0))?;
        let copied = match hasher {
            // Within the kernel.
            None => io::copy(&mut (&mut old).take(held), file)?,
            Some(hasher) => {
                let mut buf = std::mem::take(&mut self.buf);
                buf.resize(PIECE, 0);
                let mut copied = 0;
                while copied < held {
                    let want = usize::try_from(held - copied).map_or(PIECE, |n| n.min(PIECE));
                    let n = read_full(&mut old, &mut buf[..want])?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                    file.write_all(&buf[..n])?;
                    copied += n as u64;
                }
                copied
            }
        };
        if copied != held || Identity::of_file(&old).ok() != self.opened {
            return Err(io::Error::other(
                "the file being replaced changed while the new one was written",
            ));
        }
        Ok(held)
    }
}

/// Read until `buf` is full or the input ends; the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl Background {
    /// Start writing to `file`.
    pub fn new(file: File) -> Background {
        Background::comparing(file, None, None)
    }

    /// Start writing to `file`, comparing what is written with `old`'s bytes. `known`, the
    /// digest of `old` when it is known ([`super::known`]), spares hashing the bytes while
    /// they are `old`'s: the same bytes have its digest, and the bytes held when they
    /// differ are hashed as they are copied.
    pub fn comparing(mut file: File, old: Option<File>, known: Option<Digest>) -> Background {
        let (full, work) = sync_channel::<Vec<u8>>(IN_FLIGHT);
        let (recycle, empty) = channel::<Vec<u8>>();
        let thread = std::thread::spawn(move || {
            let mut unsynced = 0;
            let mut hasher = Hasher::default();
            let mut compare = Compare::new(old);
            // Hashing waits while the bytes are the old file's and its digest is known.
            let mut waits = known.is_some() && compare.old.is_some();
            for mut buf in work {
                // Piece by piece, so that the hash's reading of a piece (cold: a build
                // thread on another core wrote it) leaves it in this core's cache for
                // the comparison and the kernel's copy.
                for piece in buf.chunks(PIECE) {
                    if !waits {
                        hasher.update(piece);
                    }
                    if !compare.hold(piece) {
                        unsynced += compare.release(&mut file, waits.then_some(&mut hasher))?;
                        if waits {
                            hasher.update(piece);
                            waits = false;
                        }
                        file.write_all(piece)?;
                        unsynced += piece.len() as u64;
                    }
                }
                if unsynced >= SYNC_EVERY {
                    // Start the writeback now, while the main thread formats, rather than
                    // all of it in the final sync.
                    file.sync_data()?;
                    unsynced = 0;
                }
                buf.clear();
                let _ = recycle.send(buf);
            }
            let same = compare.same();
            let digest = if !same {
                compare.release(&mut file, waits.then_some(&mut hasher))?;
                hasher.finish()
            } else if !waits {
                hasher.finish()
            } else {
                match known {
                    // Unless the old file changed while it was compared.
                    Some(known) if known.0 == compare.held && compare.untouched() => known,
                    // Not to be (the known length is the old file's, every byte of
                    // which matched): hash the old file's bytes.
                    _ => compare.digest_held()?,
                }
            };
            Ok(Ended {
                written: Written { file, digest, same },
                held: same.then_some(compare),
            })
        });
        Background {
            buf: Vec::with_capacity(BUFFER),
            full: Some(full),
            empty,
            lent: 0,
            thread: Some(thread),
        }
    }

    /// A buffer the thread has written and handed back, if one is there.
    fn take_back(&mut self) -> Option<Vec<u8>> {
        let buf = self.empty.try_recv().ok()?;
        self.lent -= 1;
        Some(buf)
    }

    /// The error that stopped the thread.
    fn failure(&mut self) -> io::Error {
        self.full = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => e,
            Some(Err(_)) => io::Error::other("the writer thread panicked"),
            _ => io::Error::other("the writer thread stopped"),
        }
    }

    fn hand_over(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let next = self
            .take_back()
            .unwrap_or_else(|| Vec::with_capacity(BUFFER));
        let buf = std::mem::replace(&mut self.buf, next);
        self.send(buf)
    }

    /// Hand `buf` to the thread, to be written after what was handed before.
    fn send(&mut self, buf: Vec<u8>) -> io::Result<()> {
        let sent = match &self.full {
            Some(tx) => tx.send(buf).is_ok(),
            None => false,
        };
        if sent {
            self.lent += 1;
            Ok(())
        } else {
            Err(self.failure())
        }
    }

    /// Write `bytes` after everything written so far, handing the buffer itself to the
    /// thread rather than copying its bytes (for large buffers: each is one write). `bytes`
    /// is left empty, with the memory of a buffer written before to refill, or a new
    /// one's; at most [`LENT`] such buffers are out at once.
    pub fn write_vec(&mut self, bytes: &mut Vec<u8>) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.hand_over()?;
        let len = bytes.len();
        let next = std::mem::take(bytes);
        self.send(next)?;
        *bytes = match self.take_back() {
            Some(buf) => buf,
            None if self.lent > LENT => match self.empty.recv() {
                Ok(buf) => {
                    self.lent -= 1;
                    buf
                }
                Err(_) => return Err(self.failure()),
            },
            None => Vec::with_capacity(len),
        };
        Ok(())
    }

    /// Write out everything and return the file, with the size and SHA-256 of its bytes and
    /// whether they are the compared file's.
    pub fn finish(self) -> io::Result<Written> {
        let Ended { mut written, held } = self.end()?;
        if let Some(mut held) = held {
            held.release(&mut written.file, None)?;
        }
        Ok(written)
    }

    /// [`Background::finish`], except that when the bytes are the compared file's
    /// ([`Written::same`]) the file is left without them (it is to be thrown away).
    pub fn finish_unless_same(self) -> io::Result<Written> {
        self.end().map(|ended| ended.written)
    }

    fn end(mut self) -> io::Result<Ended> {
        self.hand_over()?;
        self.full = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the writer thread panicked")),
            None => Err(io::Error::other("the writer thread stopped")),
        }
    }
}

impl Write for Background {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= BUFFER {
            self.hand_over()?;
        }
        Ok(bytes.len())
    }

    /// Hands the buffer to the thread; only [`Background::finish`] waits for the disk.
    fn flush(&mut self) -> io::Result<()> {
        self.hand_over()
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        // Stop the thread and wait for it, so no write outlives the writer.
        self.full = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_everything_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let mut w = Background::new(File::create(&path).unwrap());
        let mut want = Vec::new();
        for i in 0..300_000u32 {
            let line = format!("{i}\n");
            w.write_all(line.as_bytes()).unwrap();
            want.extend_from_slice(line.as_bytes());
        }
        let done = w.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), want);
        assert_eq!(done.digest, super::super::digest::of_bytes(&want));
        assert!(!done.same);
    }

    /// Buffers handed over whole and bytes copied in, mixed, come out in order, and the
    /// buffer given back is empty.
    #[test]
    fn buffers_handed_over_whole_keep_their_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let mut w = Background::new(File::create(&path).unwrap());
        let mut want = Vec::new();
        let mut block = Vec::new();
        for i in 0..2000u32 {
            let line = format!("{i}\n");
            if i % 3 == 0 {
                w.write_all(line.as_bytes()).unwrap();
            } else {
                block.extend_from_slice(line.as_bytes());
                if i % 3 == 2 || i % 7 == 0 {
                    w.write_vec(&mut block).unwrap();
                    assert!(block.is_empty());
                }
            }
            want.extend_from_slice(line.as_bytes());
        }
        w.write_vec(&mut block).unwrap();
        let done = w.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), want);
        assert_eq!(done.digest, super::super::digest::of_bytes(&want));
    }

    #[test]
    fn tells_whether_the_bytes_are_the_old_file_s() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old");
        // Longer than a buffer, so the comparison spans several.
        let big: Vec<u8> = (0..3 * BUFFER + 17)
            .map(|i| u8::try_from(i % 251).unwrap())
            .collect();
        std::fs::write(&old, &big).unwrap();
        // Whether the bytes are found the old file's; either way the file written holds
        // them all (bytes held back are copied from the old file), and without them only
        // when they are the old file's and thrown away. The digest is the bytes' whether
        // the old file's is known (hashing waits while the bytes match) or not.
        let old_digest = super::super::digest::of_bytes(&big);
        let same = |bytes: &[u8], pieces: usize| {
            let mut results = [false; 4];
            for (run, result) in results.iter_mut().enumerate() {
                let (keep, known) = (run % 2, (run >= 2).then(|| old_digest.clone()));
                let path = dir.path().join("new");
                let mut w = Background::comparing(
                    File::create(&path).unwrap(),
                    Some(File::open(&old).unwrap()),
                    known,
                );
                for (i, piece) in bytes
                    .chunks(bytes.len().div_ceil(pieces).max(1))
                    .enumerate()
                {
                    if i % 2 == 0 {
                        w.write_all(piece).unwrap();
                    } else {
                        w.write_vec(&mut piece.to_vec()).unwrap();
                    }
                }
                let done = match keep {
                    1 => w.finish().unwrap(),
                    _ => w.finish_unless_same().unwrap(),
                };
                assert_eq!(done.digest, super::super::digest::of_bytes(bytes));
                let file = std::fs::read(&path).unwrap();
                match keep == 0 && done.same {
                    true => assert!(file.is_empty(), "nothing written when unchanged"),
                    false => assert!(file == bytes, "every byte in the file"),
                }
                *result = done.same;
            }
            assert!(results.iter().all(|&r| r == results[0]), "{results:?}");
            results[0]
        };
        assert!(same(&big, 1));
        assert!(same(&big, 7));
        assert!(!same(&big[..big.len() - 1], 3), "shorter");
        let mut longer = big.clone();
        longer.push(0);
        assert!(!same(&longer, 3), "longer");
        let mut changed = big.clone();
        changed[2 * BUFFER + 5] ^= 1;
        assert!(!same(&changed, 5), "one byte changed");
        assert!(!same(b"", 1), "empty");
        let mut at_start = big.clone();
        at_start[0] ^= 1;
        assert!(!same(&at_start, 4), "the first byte changed");
    }

    /// Bytes held back while they matched the old file are not copied from it once it has
    /// changed: the copy could differ from what was written. (Should the thread compare
    /// after the change, it finds a difference and holds nothing: the file is whole.)
    #[cfg(unix)]
    #[test]
    fn a_file_changed_while_compared_is_not_copied_from() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old");
        let big = vec![7u8; 2 * BUFFER];
        std::fs::write(&old, &big).unwrap();
        let mut w = Background::comparing(
            File::create(dir.path().join("new")).unwrap(),
            Some(File::open(&old).unwrap()),
            None,
        );
        w.write_all(&big[..BUFFER]).unwrap();
        w.flush().unwrap();
        // Another process rewrites the old file's start and puts its times back.
        std::thread::sleep(std::time::Duration::from_millis(20));
        let mtime = std::fs::metadata(&old).unwrap().modified().unwrap();
        let f = std::fs::OpenOptions::new().write(true).open(&old).unwrap();
        std::os::unix::fs::FileExt::write_at(&f, b"changed", 0).unwrap();
        f.set_modified(mtime).unwrap();
        w.write_all(&[8u8; 10]).unwrap();
        match w.finish() {
            Err(e) => assert!(e.to_string().contains("changed"), "{e}"),
            Ok(done) => {
                let mut want = big[..BUFFER].to_vec();
                want.extend_from_slice(&[8u8; 10]);
                assert_eq!(std::fs::read(dir.path().join("new")).unwrap(), want);
                assert!(!done.same);
            }
        }
    }
}
