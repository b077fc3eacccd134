//! Files from disk for `drillmap serve`: which may be opened, and how they are sent.
//!
//! - A file is served only when it is a regular file whose canonical path (every symlink
//!   followed) lies inside the folder it is served from; anything else is "not found", so a
//!   link `out/x.geojson -> /etc/shadow` gives nothing away.
//! - A body is streamed from the open file in chunks of [`CHUNK`] bytes as the client reads
//!   it: memory stays flat whatever the file's size, and a `HEAD` sends no body.
//! - Every file carries validators, an `ETag` (its inode, length, modification and status
//!   change times) and a `Last-Modified`, and conditional requests are answered (RFC 9110
//!   section 13):
//!   `If-Match` or `If-Unmodified-Since` that fails gives `412 Precondition Failed`,
//!   `If-None-Match` and `If-Modified-Since` give `304 Not Modified` (a date later than the
//!   server's clock is ignored, section 13.1.3), and `If-Range` that no longer matches gives
//!   the whole file instead of a stale range (a date never matches: it is a weak
//!   validator).

use std::fs::{File, Metadata};
use std::io::{self, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use hyper::body::{Body as HttpBody, Bytes, Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};

/// Bytes read from disk at a time.
pub const CHUNK: usize = 64 * 1024;

/// A response body: bytes in memory, or a range of an open file read as it is sent.
#[derive(Debug)]
pub enum Body {
    /// In memory (the embedded page, messages, the status); `None` once sent.
    Bytes(Option<Bytes>),
    /// From disk.
    File(FileBody),
}

impl Body {
    /// An in-memory body.
    pub fn bytes(b: impl Into<Bytes>) -> Body {
        let b = b.into();
        Body::Bytes((!b.is_empty()).then_some(b))
    }
}

/// `remaining` bytes of an open file, read [`CHUNK`] at a time.
#[derive(Debug)]
pub struct FileBody {
    file: tokio::fs::File,
    remaining: u64,
    buf: Box<[u8]>,
}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Body::Bytes(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Body::File(f) => {
                if f.remaining == 0 {
                    return Poll::Ready(None);
                }
                let want = usize::try_from(f.remaining).map_or(CHUNK, |r| r.min(CHUNK));
                let mut read = ReadBuf::new(&mut f.buf[..want]);
                match Pin::new(&mut f.file).poll_read(cx, &mut read) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
                    Poll::Ready(Ok(())) if read.filled().is_empty() => {
                        Poll::Ready(Some(Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the file became shorter while it was sent",
                        ))))
                    }
                    Poll::Ready(Ok(())) => {
                        let chunk = Bytes::copy_from_slice(read.filled());
                        f.remaining -= chunk.len() as u64;
                        Poll::Ready(Some(Ok(Frame::data(chunk))))
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Bytes(b) => b.is_none(),
            Body::File(f) => f.remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Bytes(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            Body::File(f) => SizeHint::with_exact(f.remaining),
        }
    }
}

pub use crate::fsutil::known::Identity;

/// A regular file opened inside its folder, with what the validators are made of.
#[derive(Debug)]
pub struct Opened {
    file: File,
    /// Its length, bytes.
    pub len: u64,
    modified: Option<SystemTime>,
    /// What identifies this version of the file while it exists: device, inode, length,
    /// modification time and status change time. Every atomic rewrite changes the inode;
    /// an edit in place that keeps the size and sets the modification time back (`touch
    /// -r`) still changes the status change time, which no one can set back.
    pub identity: Identity,
    /// Its canonical path.
    path: PathBuf,
}

/// Open `name` inside `folder` if it is a regular file whose canonical path lies inside
/// the folder's; `None` for anything else (missing, a folder, a device, a FIFO, a link
/// that leads out). A FIFO is never opened (opening one would wait for a writer).
pub fn open_inside(folder: &Path, name: &str) -> io::Result<Option<Opened>> {
    let not_found = |e: &io::Error| e.kind() == io::ErrorKind::NotFound;
    let root = match folder.canonicalize() {
        Ok(r) => r,
        Err(e) if not_found(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    let path = match root.join(name).canonicalize() {
        Ok(p) => p,
        Err(e) if not_found(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    if !path.starts_with(&root) || !std::fs::metadata(&path)?.is_file() {
        return Ok(None);
    }
    let file = File::open(&path)?;
    let meta: Metadata = file.metadata()?;
    if !meta.is_file() {
        return Ok(None);
    }
    Ok(Some(Opened {
        file,
        len: meta.len(),
        modified: meta.modified().ok(),
        identity: Identity::of(&meta),
        path,
    }))
}

impl Opened {
    /// The strong validator, `"INODE-LENGTH-MTIME-CTIME"` (hexadecimal, times in ns), which
    /// changes whenever the content does (RFC 9110 section 8.8.1): every atomic rewrite
    /// gives a new inode, and every write in place a new status change time, even one that
    /// keeps the length and sets the modification time back (`touch -r`), as the length and
    /// modification time alone did not see (session 38).
    pub fn etag(&self) -> String {
        let Identity {
            ino,
            len,
            modified,
            changed,
            ..
        } = self.identity;
        format!("\"{ino:x}-{len:x}-{modified:x}-{changed:x}\"")
    }

    /// `Last-Modified`, when the file system keeps modification times.
    pub fn last_modified(&self) -> Option<String> {
        self.modified.map(httpdate::fmt_http_date)
    }

    /// Whether a request with these preconditions must be refused with `412` (RFC 9110
    /// sections 13.1.1 and 13.1.4, evaluated as 13.2.2 orders them): `If-Match` naming no
    /// version of this file by its strong ETag (`*` matches any), or else
    /// `If-Unmodified-Since` before its modification time. An unparsable date is ignored.
    pub fn precondition_failed(
        &self,
        if_match: Option<&str>,
        if_unmodified_since: Option<&str>,
    ) -> bool {
        if let Some(tags) = if_match {
            let etag = self.etag();
            return !tags
                .split(',')
                .map(str::trim)
                .any(|t| t == "*" || t == etag);
        }
        match (
            if_unmodified_since.and_then(|d| httpdate::parse_http_date(d).ok()),
            self.modified,
        ) {
            (Some(since), Some(modified)) => whole_seconds(modified) > whole_seconds(since),
            _ => false,
        }
    }

    /// Whether a request with these conditional headers already holds this version
    /// (RFC 9110 section 13.2.2: `If-None-Match` wins over `If-Modified-Since`; a date
    /// later than the server's clock is not a valid date, section 13.1.3, and is ignored).
    pub fn not_modified(
        &self,
        if_none_match: Option<&str>,
        if_modified_since: Option<&str>,
    ) -> bool {
        if let Some(tags) = if_none_match {
            let etag = self.etag();
            return tags
                .split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == "*" || t == etag);
        }
        match (
            if_modified_since
                .and_then(|d| httpdate::parse_http_date(d).ok())
                .filter(|since| *since <= SystemTime::now()),
            self.modified,
        ) {
            (Some(since), Some(modified)) => whole_seconds(modified) <= whole_seconds(since),
            _ => false,
        }
    }

    /// Whether a `Range` may be honoured under this `If-Range`: absent, or naming this
    /// version by its strong ETag. A date never does (the whole file is sent): RFC 9110
    /// section 13.1.5 honours only a strong validator, and a `Last-Modified` of whole
    /// seconds is a weak one here, where `serve --watch` may write two versions of a layer
    /// in one second (probe, session 45: a date not before the modification time gave a
    /// range, which could join bytes of two versions).
    pub fn range_applies(&self, if_range: Option<&str>) -> bool {
        match if_range.map(str::trim) {
            None => true,
            Some(cond) => cond.starts_with('"') && cond == self.etag(),
        }
    }

    /// The SHA-256 of the open file's content: known from the build that wrote its folder
    /// ([`crate::fsutil::known`]), or read whole (then back to its start).
    pub fn sha256(&mut self) -> io::Result<String> {
        if let Some((_, sha256)) = crate::fsutil::known::known(&self.path, &self.file) {
            return Ok(sha256);
        }
        crate::fsutil::test_point("serve-digest");
        self.file.seek(SeekFrom::Start(0))?;
        let (_, sha256) = crate::write::generation::digest_of(&mut self.file)?;
        self.file.seek(SeekFrom::Start(0))?;
        Ok(sha256)
    }

    /// The body for bytes `start..start + len` of the file.
    pub fn body(mut self, start: u64, len: u64) -> io::Result<Body> {
        if start > 0 {
            self.file.seek(SeekFrom::Start(start))?;
        }
        Ok(Body::File(FileBody {
            file: tokio::fs::File::from_std(self.file),
            remaining: len,
            buf: vec![0; CHUNK].into_boxed_slice(),
        }))
    }
}

fn whole_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_inside_the_folder_open() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("a.geojson"), b"{}").unwrap();
        std::fs::write(dir.path().join("secret.txt"), b"secret").unwrap();
        assert_eq!(open_inside(&out, "a.geojson").unwrap().unwrap().len, 2);
        assert!(open_inside(&out, "b.geojson").unwrap().is_none());
        assert!(open_inside(&dir.path().join("nowhere"), "a.geojson")
            .unwrap()
            .is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink(dir.path().join("secret.txt"), out.join("s.geojson")).unwrap();
            symlink("/dev/zero", out.join("z.pmtiles")).unwrap();
            symlink(out.join("a.geojson"), out.join("inside.geojson")).unwrap();
            assert!(open_inside(&out, "s.geojson").unwrap().is_none());
            assert!(open_inside(&out, "z.pmtiles").unwrap().is_none());
            assert!(open_inside(&out, "inside.geojson").unwrap().is_some());
        }
        std::fs::create_dir(out.join("d.geojson")).unwrap();
        assert!(open_inside(&out, "d.geojson").unwrap().is_none());
    }

    /// Session 38: the ETag of a file the manifest does not name was its length and
    /// modification time, so an edit that kept the length and set the time back (`touch
    /// -r`) kept it: `304` to `If-None-Match`, and new bytes as a range of the old version
    /// under `If-Range`. The status change time, which no one sets back, changes it.
    #[test]
    fn a_same_size_edit_with_its_time_set_back_has_a_new_etag() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.geojson");
        std::fs::write(&path, b"{\"a\":1}").unwrap();
        let before = open_inside(dir.path(), "x.geojson").unwrap().unwrap();
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50)); // past the clock's tick
        let f = File::options().write(true).open(&path).unwrap();
        std::io::Write::write_all(&mut &f, b"{\"a\":2}").unwrap();
        f.set_modified(modified).unwrap();
        drop(f);
        let after = open_inside(dir.path(), "x.geojson").unwrap().unwrap();
        assert_eq!((after.len, after.modified), (before.len, before.modified));
        let old = before.etag();
        assert_ne!(after.etag(), old);
        assert!(!after.not_modified(Some(&old), None));
        assert!(!after.range_applies(Some(&old)));
        assert!(after.precondition_failed(Some(&old), None));
        // A file renamed over it, with the same length and times, is another file too.
        let other = dir.path().join("y.geojson");
        std::fs::copy(&path, &other).unwrap();
        let o = File::options().write(true).open(&other).unwrap();
        o.set_modified(modified).unwrap();
        drop(o);
        let replaced = after.etag();
        std::fs::rename(&other, &path).unwrap();
        let renamed = open_inside(dir.path(), "x.geojson").unwrap().unwrap();
        assert_ne!(renamed.etag(), replaced);
    }

    #[test]
    fn validators_and_conditions() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.geojson"), b"{}").unwrap();
        let f = open_inside(dir.path(), "a.geojson").unwrap().unwrap();
        let etag = f.etag();
        assert!(etag.contains("-2-") && etag.ends_with('"'), "{etag}");
        let date = f.last_modified().unwrap();
        assert!(f.not_modified(Some(&etag), None));
        assert!(f.not_modified(Some(&format!("\"x\", W/{etag}")), None));
        assert!(f.not_modified(Some("*"), None));
        assert!(!f.not_modified(Some("\"other\""), Some(&date)));
        assert!(f.not_modified(None, Some(&date)));
        assert!(!f.not_modified(None, Some("Thu, 01 Jan 1970 00:00:00 GMT")));
        assert!(!f.not_modified(None, Some("yesterday")));
        // Probe s11 #10: a date later than the server's clock is ignored.
        assert!(!f.not_modified(None, Some("Mon, 30 Nov 2099 16:50:08 GMT")));
        assert!(!f.precondition_failed(None, None));
        assert!(!f.precondition_failed(Some(&etag), None));
        assert!(!f.precondition_failed(Some("*"), None));
        assert!(f.precondition_failed(Some("\"nope\""), None));
        assert!(f.precondition_failed(Some(&format!("W/{etag}")), None));
        assert!(!f.precondition_failed(None, Some(&date)));
        assert!(f.precondition_failed(None, Some("Thu, 01 Jan 1970 00:00:00 GMT")));
        assert!(!f.precondition_failed(None, Some("yesterday")));
        assert!(!f.not_modified(None, None));
        assert!(f.range_applies(None));
        assert!(f.range_applies(Some(&etag)));
        // A date is a weak validator: never a range (session 45).
        assert!(!f.range_applies(Some(&date)));
        assert!(!f.range_applies(Some("\"old\"")));
        assert!(!f.range_applies(Some("Thu, 01 Jan 1970 00:00:00 GMT")));
    }
}
