//! The size and SHA-256 of a file's bytes, as the output manifest lists them: computed
//! while the bytes are written ([`Hasher`], on the writer's thread) or by reading them
//! once ([`digest_of`]).

use std::io::Read;

use sha2::{Digest as _, Sha256};

/// A file's size in bytes and its SHA-256, lower-case hex (as `sha256sum` prints it).
pub type Digest = (u64, String);

/// A [`Digest`] computed piece by piece.
#[derive(Debug, Clone, Default)]
pub struct Hasher {
    sha: Sha256,
    len: u64,
}

impl Hasher {
    /// Take in the next bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.sha.update(bytes);
        self.len += bytes.len() as u64;
    }

    /// The digest of everything taken in.
    pub fn finish(self) -> Digest {
        (self.len, hex(&self.sha.finalize()))
    }
}

/// The digest of `bytes`.
pub fn of_bytes(bytes: &[u8]) -> Digest {
    let mut h = Hasher::default();
    h.update(bytes);
    h.finish()
}

/// The digest of what `r` gives until its end.
pub fn digest_of(mut r: impl Read) -> std::io::Result<Digest> {
    let mut hasher = Hasher::default();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hasher.finish())
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
