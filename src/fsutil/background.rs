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
//! hash it.

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use super::digest::{Digest, Hasher};

/// Bytes per buffer handed to the thread.
const BUFFER: usize = 1 << 20;
/// Buffers in flight.
const IN_FLIGHT: usize = 4;
/// Bytes written between two `sync_data` calls on the thread.
const SYNC_EVERY: usize = 64 << 20;

/// A writer to a file, written on a background thread.
#[derive(Debug)]
pub struct Background {
    buf: Vec<u8>,
    full: Option<SyncSender<Vec<u8>>>,
    empty: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<io::Result<(File, Digest)>>>,
}

impl Background {
    /// Start writing to `file`.
    pub fn new(mut file: File) -> Background {
        let (full, work) = sync_channel::<Vec<u8>>(IN_FLIGHT);
        let (recycle, empty) = channel::<Vec<u8>>();
        let thread = std::thread::spawn(move || {
            let mut unsynced = 0;
            let mut hasher = Hasher::default();
            for mut buf in work {
                file.write_all(&buf)?;
                hasher.update(&buf);
                unsynced += buf.len();
                if unsynced >= SYNC_EVERY {
                    // Start the writeback now, while the main thread formats, rather than
                    // all of it in the final sync.
                    file.sync_data()?;
                    unsynced = 0;
                }
                buf.clear();
                let _ = recycle.send(buf);
            }
            Ok((file, hasher.finish()))
        });
        Background {
            buf: Vec::with_capacity(BUFFER),
            full: Some(full),
            empty,
            thread: Some(thread),
        }
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
            .empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BUFFER));
        let buf = std::mem::replace(&mut self.buf, next);
        let sent = match &self.full {
            Some(tx) => tx.send(buf).is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            Err(self.failure())
        }
    }

    /// Write out everything and return the file, with the size and SHA-256 of its bytes.
    pub fn finish(mut self) -> io::Result<(File, Digest)> {
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
        let (_, digest) = w.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), want);
        assert_eq!(digest, super::super::digest::of_bytes(&want));
    }
}
