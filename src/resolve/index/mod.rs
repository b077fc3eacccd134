//! The on-disk GeoNames index: the second table at full-dump scale, opened in milliseconds
//! instead of re-read and re-keyed on every run.
//!
//! `places import-geonames` writes `geonames.idx` beside `geonames.txt` ([`build`]); later
//! runs memory-map both files ([`GeonamesIndex::open`]) and answer lookups with the same
//! keys ([`NameKey`]), scores, filters and statuses as the in-memory [`super::Gazetteer`].
//! Only the few candidate rows a query returns are parsed back into [`Place`]s, from their
//! line in the table.
//!
//! Lookups go through the one scorer of [`super::geocoder`] ([`geocoder::Table`]): this
//! module only says which postings a key has and what a row is.
//!
//! # Format (version 4, little-endian, sections 8-byte aligned)
//!
//! A 64-byte header (magic `DRMAPIDX`, format version, prefix length of the deletion index,
//! the table's length and fingerprint, a checksum of the header and section table, the
//! block size and the checksum of the block table), then a table of [`SECTIONS`]
//! `(offset, length)` pairs, then the sections:
//!
//! - **places**: one 48-byte record per row in table order: geonameid, byte offset and length
//!   of its line, line number, latitude and longitude (f64), kind, country, prominence;
//! - for the **exact** keys and again for the **loose** keys, a key table: the keys sorted
//!   bytewise in one string arena, their offsets, each key's posting list (entries packed as
//!   `place << 32 | generic << 31 | name number`, in table order), and a hash directory
//!   (`2^b + 1` bucket starts over `(hash, key id)` entries) so a lookup costs one bucket
//!   probe and one key comparison rather than a binary search;
//! - the **deletion index** for the fuzzy stage: a hash directory over entries packed as
//!   `hash tag (8) | character-class mask (16) | length in characters (8) | loose key id`;
//! - last, the **block table**: one checksum per [`BLOCK`]-byte block of everything between
//!   the section table and itself (sections and their padding).
//!
//! # Fuzzy stage: a prefix deletion neighbourhood (SymSpell)
//!
//! Two strings within optimal-string-alignment distance 2 become equal after deleting at most
//! two characters from each (each edit, a transposition included, costs at most one deletion
//! on each side), and this survives truncating both to their first [`PREFIX`] characters
//! (the shorter prefix of the common string is reached with no more deletions than before).
//! So every loose key files the hashes of all its prefix's ≤2-deletion variants (at most
//! 1 + 8 + 28), and a query probes the same variants of its own prefix: every key within
//! distance 2 is found, and the candidates — filtered by stored length and a character-class
//! mask, then verified with [`osa_distance`] — are exactly those the in-memory scan over all
//! keys finds. The prefix length trades index size for candidates: at 6 M keys a 7-character
//! prefix left ~4,500 keys to verify per query (~400 queries/s); 8 cuts that several-fold for
//! a third more entries (figures in BENCHMARKS.md). An FST Levenshtein automaton was the
//! alternative; its distance-2 automaton alone takes milliseconds to build per query.
//!
//! # Staleness and corruption
//!
//! The header records the table's length and a fingerprint: a hash of the whole table up to
//! 64 MiB, and above that of its first, last and 62 evenly spaced 4 KiB blocks (hashing a
//! gigabyte-sized table in full would cost more than the 1 s open budget; an edit to a big
//! table that keeps its length and misses every sampled block goes unseen, so re-import
//! rather than edit a big table in place). A table that no longer matches is
//! [`IndexError::Stale`]: the pipeline rebuilds the index.
//!
//! Opening checks the header, the section table and the block table (a few megabytes at
//! 13M rows), not the body: reading the whole 3 GB file on every run would cost seconds from
//! a cold disk. Each block of the body is checked against its checksum the first time a
//! lookup reads from it (one 4 KiB page, the unit the disk reads anyway); a damaged block
//! reads as nothing, so a lookup finds fewer candidates, never wrong ones, and the damage is
//! remembered: [`GeonamesIndex::places_for`] (what the pipeline asks) then fails with
//! [`IndexError::Corrupt`], or, on an index from [`open_or_rebuild`], rebuilds it, says so,
//! and answers from the rebuilt one. [`GeonamesIndex::verify`] checks every block at once.
//! Every read inside a section is bounds-checked, so a corrupt or truncated file yields an
//! error or fewer candidates, never a panic.

pub mod build;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use memmap2::Mmap;

use super::geocoder::{
    self, osa_distance, Filter, MatchKind, Posting, Row, Scored, Status, ALTERNATE_NAME, MAX_EDITS,
    MIN_FUZZY_CHARS,
};
use super::normalize::NameKey;
use crate::model::{Place, PlaceKind};
use crate::read::geonames::{self, RankedPlaces};

pub use build::{build, build_into, import};

/// First bytes of an index file.
pub const MAGIC: &[u8; 8] = b"DRMAPIDX";
/// Format version; an index of another version is rebuilt (version 3 had one checksum per
/// section, checked in full at every open; version 4's keys made an invisible character
/// inside a name, a soft hyphen or a zero-width joiner, a gap between two words).
pub const VERSION: u32 = 5;
/// Characters of a loose key whose deletion variants the fuzzy index files.
pub const PREFIX: usize = 8;
/// Number of sections.
pub const SECTIONS: usize = 16;
/// Bytes of the fixed header before the section table.
pub const HEADER: usize = 64;
/// Bytes of one entry of the section table: offset, length.
pub const SECTION_ENTRY: usize = 16;
/// Bytes of a checked block: a page, what a read from disk costs anyway.
pub const BLOCK: usize = 4096;
/// Bytes of one place record.
pub const RECORD: usize = 48;

/// Section numbers.
pub(crate) mod sec {
    pub const PLACES: usize = 0;
    /// Exact key table starts here (arena, offsets, posting offsets, postings, dir, hash).
    pub const EXACT: usize = 1;
    /// Loose key table starts here.
    pub const LOOSE: usize = 7;
    pub const DEL_DIR: usize = 13;
    pub const DEL_ENTRIES: usize = 14;
    /// The block checksums; always last.
    pub const BLOCKS: usize = 15;
}

/// The index file beside a table: `geonames.txt` → `geonames.idx`.
pub fn index_path(table: &Path) -> PathBuf {
    table.with_extension("idx")
}

/// Open the index of `table`; when it is out of date, damaged, truncated or not an index at
/// all, rebuild it first and say so on stderr, with why and how long the rebuild took (a
/// rebuild of a full dump takes minutes: a user should know what the wait is). The body is
/// checked block by block as lookups read it: damage found later makes
/// [`GeonamesIndex::places_for`] rebuild the same way. Other errors (I/O) are returned.
pub fn open_or_rebuild(table: &Path) -> Result<GeonamesIndex, IndexError> {
    let index = match GeonamesIndex::open(table) {
        Ok(index) => index,
        Err(why @ (IndexError::Stale { .. } | IndexError::Corrupt { .. })) => rebuild(table, &why)?,
        Err(e) => return Err(e),
    };
    Ok(GeonamesIndex {
        rebuild: true,
        ..index
    })
}

/// Rebuild the index of `table` because of `why`, say so, and open the new one.
fn rebuild(table: &Path, why: &IndexError) -> Result<GeonamesIndex, IndexError> {
    let started = std::time::Instant::now();
    let stats = build(table)?;
    let index = GeonamesIndex::open(table)?;
    // A notice, like the progress bars: the library has no other channel to the user in
    // the middle of a command, and a silent multi-minute wait is worse.
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "notice: {why}; rebuilt it ({} places) in {:.1} s",
            stats.places,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(index)
}

/// Why an index cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not an index of this format version, or is damaged.
    #[error("{path}: not a usable drillmap index ({what}); rebuild it with `drillmap places import-geonames`")]
    Corrupt {
        /// The index file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// The table changed since the index was built.
    #[error("{path}: out of date with {table} (the table changed since the index was built)")]
    Stale {
        /// The index file.
        path: PathBuf,
        /// The table.
        table: PathBuf,
    },
    /// The table is too large for the format (more than 2^32 rows or keys).
    #[error("{path}: too large for the index format ({what})")]
    TooLarge {
        /// The table.
        path: PathBuf,
        /// What overflowed.
        what: String,
    },
    /// The table has malformed lines (changed by hand since it was imported): listed, with
    /// their number, as a read of the table lists them.
    #[error("{} malformed lines in the GeoNames table", .0.malformed)]
    Malformed(crate::read::geonames::Stats),
}

impl From<IndexError> for crate::Error {
    fn from(e: IndexError) -> Self {
        match e {
            IndexError::Io { path, source } => crate::Error::Io { path, source },
            IndexError::Malformed(stats) => stats.into_error(),
            other => {
                let path = match &other {
                    IndexError::Corrupt { path, .. }
                    | IndexError::Stale { path, .. }
                    | IndexError::TooLarge { path, .. } => path.clone(),
                    IndexError::Io { path, .. } => path.clone(),
                    IndexError::Malformed(_) => PathBuf::new(),
                };
                crate::Error::Syntax {
                    path,
                    line: None,
                    message: other.to_string(),
                }
            }
        }
    }
}

/// 64-bit hash of bytes (FNV-1a, then a murmur3 finaliser so the top bits spread): fixed
/// across runs and platforms, unlike std's `RandomState`.
pub(crate) fn hash(bytes: &[u8]) -> u64 {
    hash_finish(hash_feed(HASH_START, bytes))
}

/// The state [`hash`] starts from.
pub(crate) const HASH_START: u64 = 0xcbf2_9ce4_8422_2325;

/// [`hash`]'s state after `bytes` more: hashing a string in pieces, `hash_finish(hash_feed(
/// hash_feed(HASH_START, a), b))` is `hash` of `a` and `b` joined.
pub(crate) fn hash_feed(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// [`hash`] of the bytes fed into state `h`.
pub(crate) fn hash_finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Checksum of a section: a multiply-xor hash over 8-byte words in four independent lanes
/// (several GB/s, so checking a 3 GB index costs a fraction of a second), then the tail
/// bytes and the length. Any changed word changes it with overwhelming likelihood.
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut lanes = [
        0x243f_6a88_85a3_08d3u64,
        0x1319_8a2e_0370_7344,
        0xa409_3822_299f_31d0,
        0x082e_fa98_ec4e_6c89,
    ];
    let mut chunks = bytes.chunks_exact(32);
    for c in &mut chunks {
        for (lane, w) in lanes.iter_mut().zip(c.chunks_exact(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            *lane = (*lane ^ u64::from_le_bytes(word))
                .wrapping_mul(K)
                .rotate_left(29);
        }
    }
    let mut h = hash(chunks.remainder()) ^ (bytes.len() as u64);
    for lane in lanes {
        h = (h ^ lane).wrapping_mul(K).rotate_left(31);
    }
    h ^ (h >> 29)
}

/// Tables up to this size are fingerprinted whole.
pub const FULL_FINGERPRINT: usize = 64 << 20;

/// Fingerprint of a table: a hash of the whole table up to [`FULL_FINGERPRINT`] bytes, else
/// of its length and 64 sampled 4 KiB blocks.
pub(crate) fn fingerprint(table: &[u8]) -> u64 {
    const BLOCK: usize = 4096;
    const SAMPLES: usize = 64;
    let n = table.len();
    if n <= FULL_FINGERPRINT {
        return hash(table);
    }
    let mut h = hash(&(n as u64).to_le_bytes());
    for i in 0..SAMPLES {
        let start = if n <= BLOCK {
            0
        } else {
            (n - BLOCK) / (SAMPLES - 1) * i
        };
        let block = table.get(start..(start + BLOCK).min(n)).unwrap_or(&[]);
        h = hash(&[h.to_le_bytes().as_slice(), &hash(block).to_le_bytes()].concat());
        if n <= BLOCK {
            break;
        }
    }
    h
}

/// Which of 16 classes of characters a string has (a character's class is its code point
/// mod 16). One edit changes at most two bits, so strings within [`MAX_EDITS`] differ in at
/// most `2 × MAX_EDITS` bits: a filter that needs no look at the key itself.
pub(crate) fn char_mask(chars: &[char]) -> u16 {
    chars
        .iter()
        .fold(0u16, |m, c| m | 1 << (u32::from(*c) % 16))
}

/// Kind code in a place record.
pub(crate) fn kind_code(kind: PlaceKind) -> u8 {
    match kind {
        PlaceKind::TrainingGround => 0,
        PlaceKind::Base => 1,
        PlaceKind::Airfield => 2,
        PlaceKind::Facility => 3,
        PlaceKind::Settlement => 4,
        PlaceKind::Region => 5,
        PlaceKind::Country => 6,
    }
}

fn kind_from(code: u8) -> Option<PlaceKind> {
    PlaceKind::ALL.into_iter().find(|k| kind_code(*k) == code)
}

fn u32_at(bytes: &[u8], i: usize) -> Option<u32> {
    let b = bytes.get(i.checked_mul(4)?..i.checked_mul(4)?.checked_add(4)?)?;
    Some(u32::from_le_bytes(b.try_into().ok()?))
}

fn u64_at(bytes: &[u8], i: usize) -> Option<u64> {
    let b = bytes.get(i.checked_mul(8)?..i.checked_mul(8)?.checked_add(8)?)?;
    Some(u64::from_le_bytes(b.try_into().ok()?))
}

fn usize_of(v: u64) -> Option<usize> {
    usize::try_from(v).ok()
}

/// One row as the index keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Record {
    /// The geonameid.
    pub geonameid: u64,
    /// Byte offset of the row's line in the table.
    pub offset: u64,
    /// Length of the line in bytes (without its newline).
    pub len: u32,
    /// 1-based line number.
    pub line: u32,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Our kind.
    pub kind: PlaceKind,
    /// ISO alpha-2 country (upper case; may be empty).
    pub country: [u8; 2],
    /// Prominence for the ranking prior, in 1/255 steps
    /// ([`crate::read::geonames::prominence`]).
    pub prominence: u8,
}

impl Record {
    fn from_bytes(b: &[u8]) -> Option<Record> {
        let f = |i: usize| u64_at(b, i);
        Some(Record {
            geonameid: f(0)?,
            offset: f(1)?,
            len: u32_at(b, 4)?,
            line: u32_at(b, 5)?,
            lat: f64::from_bits(f(3)?),
            lon: f64::from_bits(f(4)?),
            kind: kind_from(*b.get(40)?)?,
            country: [*b.get(41)?, *b.get(42)?],
            prominence: *b.get(43)?,
        })
    }

    pub(crate) fn to_bytes(self) -> [u8; RECORD] {
        let mut b = [0u8; RECORD];
        b[0..8].copy_from_slice(&self.geonameid.to_le_bytes());
        b[8..16].copy_from_slice(&self.offset.to_le_bytes());
        b[16..20].copy_from_slice(&self.len.to_le_bytes());
        b[20..24].copy_from_slice(&self.line.to_le_bytes());
        b[24..32].copy_from_slice(&self.lat.to_bits().to_le_bytes());
        b[32..40].copy_from_slice(&self.lon.to_bits().to_le_bytes());
        b[40] = kind_code(self.kind);
        b[41] = self.country[0];
        b[42] = self.country[1];
        b[43] = self.prominence;
        b
    }
}

/// A place a query may mean, as the index scores it (no [`Place`] made yet).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexCandidate {
    /// The row's number in the index (table order).
    pub record: u32,
    /// The geonameid.
    pub geonameid: u64,
    /// Score in [0, 1], as the in-memory geocoder scores it.
    pub score: f64,
    /// What candidates are ranked by (the score with the ranking prior).
    pub rank: f64,
    /// Exact, loose or fuzzy.
    pub how: MatchKind,
    /// Which of the row's names matched (0 the name, then the alternates in order).
    pub name: u32,
}

impl IndexCandidate {
    /// The place id the in-memory table gives this row (`geonames:ID`).
    pub fn place_id(&self) -> String {
        format!("geonames:{}", self.geonameid)
    }
}

/// The index's answer to one query, ranked as [`super::Resolution`] ranks.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexResolution {
    /// Resolved, ambiguous or unresolved.
    pub status: Status,
    /// Candidates at or above [`MIN_SCORE`], best first (ties by place id).
    pub candidates: Vec<IndexCandidate>,
    /// For an unresolved name, the rows it nearly matched, as [`super::Resolution::near`].
    pub near: Vec<IndexCandidate>,
}

impl IndexResolution {
    fn from_candidates(mut candidates: Vec<IndexCandidate>) -> IndexResolution {
        let (status, near) = geocoder::rank(
            &mut candidates,
            |c| (c.score, c.rank),
            |c| c.how,
            |a, b| cmp_as_text(a.geonameid, b.geonameid),
        );
        IndexResolution {
            status,
            candidates,
            near,
        }
    }

    /// The chosen candidate, when resolved.
    pub fn best(&self) -> Option<&IndexCandidate> {
        match self.status {
            Status::Resolved => self.candidates.first(),
            _ => None,
        }
    }
}

/// Compare two numbers as their decimal text compares (place ids are `geonames:ID` strings:
/// `geonames:10` sorts before `geonames:9`), without making the text.
fn cmp_as_text(a: u64, b: u64) -> std::cmp::Ordering {
    fn digits(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 || i == 0 {
                break;
            }
        }
        &buf[i..]
    }
    let (mut x, mut y) = ([0u8; 20], [0u8; 20]);
    digits(a, &mut x).cmp(digits(b, &mut y))
}

/// A key table inside the index (exact or loose keys): sections `first` (arena), `+ 1`
/// (offsets), `+ 2` (posting offsets), `+ 3` (postings), `+ 4` (directory), `+ 5` (hashes).
#[derive(Debug, Clone, Copy)]
struct Keys<'a> {
    ix: &'a GeonamesIndex,
    first: usize,
    bits: u32,
}

impl<'a> Keys<'a> {
    fn len(&self) -> usize {
        (self.ix.section_len(self.first + 1) / 8).saturating_sub(1)
    }

    /// Entries `a..b` of the u64 array in section `first + k`, checked.
    fn words(&self, k: usize, a: usize, b: usize) -> impl Iterator<Item = u64> + 'a {
        self.ix.words(self.first + k, a, b)
    }

    /// The u64 pair at `id` and `id + 1` of section `first + k` (a range of a packed array).
    fn range(&self, k: usize, id: usize) -> Option<(usize, usize)> {
        let mut w = self.words(k, id, id.checked_add(2)?);
        let a = usize_of(w.next()?)?;
        let b = usize_of(w.next()?)?;
        (a <= b).then_some((a, b))
    }

    fn key(&self, id: usize) -> Option<&'a [u8]> {
        let (a, b) = self.range(1, id)?;
        self.ix.read(self.first, a, b - a)
    }

    fn find(&self, key: &str) -> Option<usize> {
        let h = hash(key.as_bytes());
        let bucket = usize_of(h >> (64 - self.bits))?;
        let dir = self.ix.read(self.first + 4, bucket.checked_mul(4)?, 8)?;
        let lo = usize_of(u64::from(u32_at(dir, 0)?))?;
        let hi = usize_of(u64::from(u32_at(dir, 1)?))?;
        let tag = h & 0xffff_ffff;
        self.words(5, lo, hi)
            .filter(|e| e >> 32 == tag)
            .filter_map(|e| usize_of(e & 0xffff_ffff))
            .find(|id| self.key(*id) == Some(key.as_bytes()))
    }

    fn postings(&self, id: usize) -> impl Iterator<Item = u64> + 'a {
        let (a, b) = self.range(2, id).unwrap_or((0, 0));
        self.words(3, a, b)
    }
}

/// Number of bucket bits of a hash directory section of `len` bytes, if it is one.
fn dir_bits(len: usize) -> Option<u32> {
    let buckets = (len / 4).checked_sub(1)?;
    (buckets.is_power_of_two()
        && len.is_multiple_of(4)
        && (1..=32).contains(&buckets.trailing_zeros()))
    .then_some(buckets.trailing_zeros())
}

/// An opened index with its table, both memory-mapped.
#[derive(Debug)]
pub struct GeonamesIndex {
    path: PathBuf,
    table_path: PathBuf,
    index: Mmap,
    table: Mmap,
    /// (offset, length) of each section (boxed: the index is held in enums beside small
    /// tables).
    sections: Box<[(usize, usize); SECTIONS]>,
    /// Where the checked blocks start (after the section table) and end (at the block table).
    body: (usize, usize),
    /// One bit per block: checked and found sound.
    checked: Vec<AtomicU64>,
    /// What the first damaged block found was.
    damage: OnceLock<String>,
    exact_bits: u32,
    loose_bits: u32,
    del_bits: u32,
    exclude: Vec<u64>,
    /// Whether damage found by a lookup rebuilds the index ([`open_or_rebuild`]).
    rebuild: bool,
    /// The rebuilt index, once damage was found, which answers from then on.
    rebuilt: OnceLock<Box<GeonamesIndex>>,
}

/// Map a file read-only.
fn map(path: &Path) -> Result<Mmap, IndexError> {
    let io = |source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Only a regular file (a folder would fail the map with "No such device").
    let file = crate::read::input::open(path).map_err(|e| match e {
        crate::Error::Io { source, .. } => io(source),
        other => io(std::io::Error::other(other.to_string())),
    })?;
    // SAFETY: the map is read-only and every read through it is bounds-checked. drillmap
    // replaces its tables and indexes by renaming a new file into place, never by writing
    // into the mapped one; a file truncated under us by another program could still fault
    // (SIGBUS), which is the documented limit of memory-mapping.
    #[allow(unsafe_code)]
    let map = unsafe { Mmap::map(&file) }.map_err(io)?;
    Ok(map)
}

impl GeonamesIndex {
    /// Open the index of `table` (at [`index_path`]), checking that it was built from this
    /// table and that its header, section table and block table are sound. Costs a few page
    /// faults, a sampled fingerprint of the table and a checksum of the block table (one
    /// 8-byte entry per 4 KiB of index), not a read of the index.
    pub fn open(table: &Path) -> Result<GeonamesIndex, IndexError> {
        let path = index_path(table);
        let index = map(&path)?;
        let table_map = map(table)?;
        let corrupt = |what: &str| IndexError::Corrupt {
            path: path.clone(),
            what: what.to_owned(),
        };
        let start = HEADER + SECTIONS * SECTION_ENTRY;
        let header = index
            .get(..start)
            .ok_or_else(|| corrupt("shorter than its header"))?;
        if header.get(..8) != Some(MAGIC.as_slice()) {
            return Err(corrupt("wrong magic number"));
        }
        let version = u32_at(header, 2).unwrap_or(0);
        if version != VERSION {
            return Err(corrupt(&format!(
                "format version {version}, this drillmap reads {VERSION}"
            )));
        }
        let prefix = u32_at(header, 3).unwrap_or(0);
        if usize_of(u64::from(prefix)) != Some(PREFIX) {
            return Err(corrupt("built with another fuzzy prefix length"));
        }
        // u64 slots: 0 magic, 1 version and prefix, 2 table length, 3 fingerprint,
        // 4 header checksum, 5 block size, 6 block table checksum.
        let checksum_slot = u64_at(header, 4).unwrap_or(0);
        let mut without = header.to_vec();
        if let Some(c) = without.get_mut(32..40) {
            c.fill(0);
        }
        if hash(&without) != checksum_slot {
            return Err(corrupt("header checksum mismatch"));
        }
        let stored_len = u64_at(header, 2).unwrap_or(u64::MAX);
        let stored_fp = u64_at(header, 3).unwrap_or(0);
        if stored_len != table_map.len() as u64 || stored_fp != fingerprint(&table_map) {
            return Err(IndexError::Stale {
                path,
                table: table.to_path_buf(),
            });
        }
        if u64_at(header, 5).and_then(usize_of) != Some(BLOCK) {
            return Err(corrupt("built with another block size"));
        }
        let mut sections = [(0usize, 0usize); SECTIONS];
        for (i, s) in sections.iter_mut().enumerate() {
            let off = u64_at(&header[HEADER..], 2 * i).and_then(usize_of);
            let len = u64_at(&header[HEADER..], 2 * i + 1).and_then(usize_of);
            match (off, len) {
                (Some(o), Some(l))
                    if o >= start && o.checked_add(l).is_some_and(|end| end <= index.len()) =>
                {
                    *s = (o, l)
                }
                _ => return Err(corrupt(&format!("section {i} lies outside the file"))),
            }
        }
        // Every section but the block table lies in the checked body before it.
        let end = sections[sec::BLOCKS].0;
        if sections[..sec::BLOCKS].iter().any(|(o, l)| o + l > end) {
            return Err(corrupt("a section overlaps the block table"));
        }
        let blocks = (end - start).div_ceil(BLOCK);
        let table_bytes = index
            .get(sections[sec::BLOCKS].0..sections[sec::BLOCKS].0 + sections[sec::BLOCKS].1)
            .unwrap_or(&[]);
        if table_bytes.len() != 8 * blocks || Some(checksum(table_bytes)) != u64_at(header, 6) {
            return Err(corrupt("the block table does not match its checksum"));
        }
        let bits = |i: usize| {
            dir_bits(sections[i].1).ok_or_else(|| corrupt(&format!("section {i} is no directory")))
        };
        let exact_bits = bits(sec::EXACT + 4)?;
        let loose_bits = bits(sec::LOOSE + 4)?;
        let del_bits = bits(sec::DEL_DIR)?;
        if sections[sec::PLACES].1 % RECORD != 0 {
            return Err(corrupt("place records are cut short"));
        }
        Ok(GeonamesIndex {
            path,
            table_path: table.to_path_buf(),
            index,
            table: table_map,
            sections: Box::new(sections),
            body: (start, end),
            checked: (0..blocks.div_ceil(64))
                .map(|_| AtomicU64::new(0))
                .collect(),
            damage: OnceLock::new(),
            exact_bits,
            loose_bits,
            del_bits,
            exclude: Vec::new(),
            rebuild: false,
            rebuilt: OnceLock::new(),
        })
    }

    /// Check every block of the body against its checksum now, rather than as lookups
    /// read them: a damaged body (a block overwritten, bits flipped) is
    /// [`IndexError::Corrupt`]. Reads the whole file once (about a second for the 3 GB
    /// index of a 13M-row dump, warm).
    pub fn verify(&self) -> Result<(), IndexError> {
        self.check(self.body.0, self.body.1);
        self.damage()
    }

    /// [`IndexError::Corrupt`] if a block read so far did not match its checksum.
    pub fn damage(&self) -> Result<(), IndexError> {
        match self.damage.get() {
            Some(what) => Err(IndexError::Corrupt {
                path: self.path.clone(),
                what: what.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Open the index of `table` and [`verify`](GeonamesIndex::verify) it.
    pub fn open_verified(table: &Path) -> Result<GeonamesIndex, IndexError> {
        let index = GeonamesIndex::open(table)?;
        index.verify()?;
        Ok(index)
    }

    /// Leave these geonameids out of every answer (rows the hand-kept table has).
    pub fn exclude(mut self, mut ids: Vec<u64>) -> GeonamesIndex {
        ids.sort_unstable();
        ids.dedup();
        // A rebuild made before (a damaged block met while the ids were looked up) answers
        // from then on: it leaves them out too.
        if let Some(fresh) = self.rebuilt.get_mut() {
            fresh.exclude.clone_from(&ids);
        }
        self.exclude = ids;
        self
    }

    /// The index file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Check the blocks that file bytes `a..b` lie in, those not checked before: whether
    /// all are sound. The first damaged one is remembered ([`GeonamesIndex::damage`]).
    fn check(&self, a: usize, b: usize) -> bool {
        let (start, end) = self.body;
        if a >= b {
            return true;
        }
        if a < start || b > end {
            return false;
        }
        let blocks = self.section(sec::BLOCKS);
        for k in (a - start) / BLOCK..=(b - 1 - start) / BLOCK {
            let (word, bit) = (k / 64, 1u64 << (k % 64));
            let Some(seen) = self.checked.get(word) else {
                return false;
            };
            if seen.load(Ordering::Relaxed) & bit != 0 {
                continue;
            }
            let from = start + k * BLOCK;
            let bytes = self.index.get(from..(from + BLOCK).min(end)).unwrap_or(&[]);
            if Some(checksum(bytes)) != u64_at(blocks, k) {
                let _ = self.damage.set(format!(
                    "block {k} (bytes {from}..{}) does not match its checksum",
                    from + bytes.len()
                ));
                return false;
            }
            seen.fetch_or(bit, Ordering::Relaxed);
        }
        true
    }

    /// Bytes `at..at + len` of section `i`, once the blocks they lie in are checked; `None`
    /// outside the section or in a damaged block.
    fn read(&self, i: usize, at: usize, len: usize) -> Option<&[u8]> {
        let (o, l) = *self.sections.get(i)?;
        let end = at.checked_add(len)?;
        if end > l {
            return None;
        }
        (i == sec::BLOCKS || self.check(o + at, o + end)).then_some(())?;
        self.index.get(o + at..o + end)
    }

    /// Entries `a..b` of the u64 array in section `i`, checked; none in a damaged block.
    fn words(&self, i: usize, a: usize, b: usize) -> impl Iterator<Item = u64> + '_ {
        let bytes = (|| self.read(i, a.checked_mul(8)?, b.checked_sub(a)?.checked_mul(8)?))()
            .unwrap_or(&[]);
        bytes
            .chunks_exact(8)
            .map(|w| u64::from_le_bytes(w.try_into().unwrap_or([0; 8])))
    }

    /// Section `i` whole, unchecked (the block table, checked at open).
    fn section(&self, i: usize) -> &[u8] {
        let (o, l) = self.sections.get(i).copied().unwrap_or((0, 0));
        self.index.get(o..o.saturating_add(l)).unwrap_or(&[])
    }

    fn section_len(&self, i: usize) -> usize {
        self.sections.get(i).map_or(0, |s| s.1)
    }

    fn keys(&self, first: usize, bits: u32) -> Keys<'_> {
        Keys {
            ix: self,
            first,
            bits,
        }
    }

    /// Rows in the index.
    pub fn len(&self) -> usize {
        self.section_len(sec::PLACES) / RECORD
    }

    /// Whether the index has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Distinct exact and loose keys.
    pub fn key_counts(&self) -> (usize, usize) {
        (
            self.keys(sec::EXACT, self.exact_bits).len(),
            self.keys(sec::LOOSE, self.loose_bits).len(),
        )
    }

    /// Row number `i` as the index keeps it.
    pub fn record(&self, i: u32) -> Option<Record> {
        let i = usize_of(u64::from(i))?;
        Record::from_bytes(self.read(sec::PLACES, i.checked_mul(RECORD)?, RECORD)?)
    }

    /// Row number `i` as the place the in-memory table makes of it, parsed from its line.
    pub fn place(&self, i: u32) -> Result<Place, IndexError> {
        let corrupt = |what: String| IndexError::Corrupt {
            path: self.path.clone(),
            what,
        };
        let r = self.record(i).ok_or_else(|| {
            self.damage()
                .err()
                .unwrap_or_else(|| corrupt(format!("no place record {i}")))
        })?;
        let start = usize_of(r.offset).ok_or_else(|| corrupt("offset".into()))?;
        let end = start.saturating_add(usize_of(u64::from(r.len)).unwrap_or(0));
        let line = self
            .table
            .get(start..end)
            .and_then(|b| std::str::from_utf8(b).ok())
            .ok_or_else(|| corrupt(format!("record {i} points outside the table")))?;
        match geonames::parse_line(line, usize_of(u64::from(r.line)).unwrap_or(0)) {
            Ok(Some(row)) if row.id == r.geonameid => Ok(row.into_place()),
            _ => Err(IndexError::Stale {
                path: self.path.clone(),
                table: self.table_path.clone(),
            }),
        }
    }

    /// Look `query` up: exact and loose keys, then, if nothing matched, the fuzzy stage.
    /// A damaged block reads as nothing (fewer candidates); [`GeonamesIndex::damage`] says
    /// whether one was met.
    pub fn lookup(&self, query: &str, filter: &Filter) -> IndexResolution {
        let key = NameKey::new(query);
        let r = self.resolution(geocoder::keys_stage(self, &key, filter));
        if r.status == Status::Unresolved {
            return self.resolution(geocoder::fuzzy_stage(self, &key, filter));
        }
        r
    }

    /// Look `query` up on the exact and loose keys only.
    pub fn lookup_keys(&self, query: &str, filter: &Filter) -> IndexResolution {
        self.resolution(geocoder::keys_stage(self, &NameKey::new(query), filter))
    }

    /// Look `query` up in the fuzzy stage only.
    pub fn lookup_fuzzy(&self, query: &str, filter: &Filter) -> IndexResolution {
        self.resolution(geocoder::fuzzy_stage(self, &NameKey::new(query), filter))
    }

    fn resolution(&self, scored: Vec<Scored>) -> IndexResolution {
        let candidates = scored
            .into_iter()
            .filter_map(|s| {
                Some(IndexCandidate {
                    record: s.posting.row,
                    geonameid: self.record(s.posting.row)?.geonameid,
                    score: s.score,
                    rank: s.rank,
                    how: s.how,
                    name: s.posting.name,
                })
            })
            .collect();
        IndexResolution::from_candidates(candidates)
    }

    /// Loose key ids within [`MAX_EDITS`] of `loose`, with their distance and length in
    /// characters, in the order the
    /// in-memory scan meets them (by length in characters, then bytewise).
    fn fuzzy_keys(&self, q: &[char]) -> Vec<(usize, usize, usize)> {
        if q.len() < MIN_FUZZY_CHARS {
            return Vec::new();
        }
        let keys = self.keys(sec::LOOSE, self.loose_bits);
        let mut found: Vec<(usize, usize)> = Vec::new(); // (length, key id)
        let qmask = char_mask(q);
        let mut variants = Vec::with_capacity(32);
        build::deletion_hashes(&q[..q.len().min(PREFIX)], &mut variants);
        for h in variants {
            let Some(bucket) = usize_of(h >> (64 - self.del_bits)) else {
                continue;
            };
            let Some(dir) = bucket
                .checked_mul(4)
                .and_then(|at| self.read(sec::DEL_DIR, at, 8))
            else {
                continue;
            };
            let (Some(lo), Some(hi)) = (u32_at(dir, 0), u32_at(dir, 1)) else {
                continue;
            };
            let (lo, hi) = (
                usize_of(u64::from(lo)).unwrap_or(0),
                usize_of(u64::from(hi)).unwrap_or(0),
            );
            let tag = h & 0xff;
            for e in self.words(sec::DEL_ENTRIES, lo, hi) {
                let len = usize_of((e >> 32) & 0xff).unwrap_or(0);
                let mask = u16::try_from((e >> 40) & 0xffff).unwrap_or(0);
                if e >> 56 == tag
                    && (len == 255 || len.abs_diff(q.len()) <= MAX_EDITS)
                    && (mask ^ qmask).count_ones() <= 2 * u32::try_from(MAX_EDITS).unwrap_or(2)
                {
                    found.extend(usize_of(e & 0xffff_ffff).map(|id| (len, id)));
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        let mut out = Vec::with_capacity(found.len());
        let mut buf: Vec<char> = Vec::new();
        for (_, id) in found {
            let Some(k) = keys.key(id).and_then(|b| std::str::from_utf8(b).ok()) else {
                continue;
            };
            buf.clear();
            buf.extend(k.chars());
            if let Some(d) = osa_distance(q, &buf, MAX_EDITS) {
                out.push((id, d, buf.len()));
            }
        }
        out
    }

    /// Every row that any of `queries` matches on a key or within the fuzzy distance, made
    /// into places: a small table on which the in-memory geocoder answers those queries
    /// exactly as it would on the whole table. A damaged block met on the way is
    /// [`IndexError::Corrupt`]; on an index from [`open_or_rebuild`], the index is rebuilt
    /// (once, with a notice) and the rebuilt one answers, now and from then on.
    pub fn places_for<'q>(
        &self,
        queries: impl IntoIterator<Item = &'q str>,
    ) -> Result<RankedPlaces, IndexError> {
        let queries: Vec<&str> = queries.into_iter().collect();
        self.answer(|ix| ix.places_here(&queries))
    }

    /// `ask` answered by this index, or by its rebuild once a damaged block is met (on an
    /// index from [`open_or_rebuild`]: once, with a notice; the rebuilt one answers from
    /// then on).
    fn answer<T>(
        &self,
        ask: impl Fn(&GeonamesIndex) -> Result<T, IndexError>,
    ) -> Result<T, IndexError> {
        if let Some(fresh) = self.rebuilt.get() {
            return fresh.answer(ask);
        }
        match ask(self) {
            Err(why @ IndexError::Corrupt { .. }) if self.rebuild => {
                let fresh = GeonamesIndex {
                    exclude: self.exclude.clone(),
                    ..rebuild(&self.table_path, &why)?
                };
                let fresh = self.rebuilt.get_or_init(|| Box::new(fresh));
                fresh.answer(ask)
            }
            other => other,
        }
    }

    /// The geonameids of the rows with a name whose loose key is `name`'s (no fuzzy
    /// match), excluded rows among them: what [`crate::pipeline::Cited`] compares a
    /// citing row's names with.
    pub fn ids_named(&self, name: &str) -> Result<Vec<u64>, IndexError> {
        self.answer(|ix| ix.ids_here(name))
    }

    fn ids_here(&self, name: &str) -> Result<Vec<u64>, IndexError> {
        let loose = self.keys(sec::LOOSE, self.loose_bits);
        let mut ids: Vec<u64> = Vec::new();
        if let Some(id) = loose.find(&NameKey::new(name).loose) {
            for e in loose.postings(id) {
                let row = u32::try_from(e >> 32).ok();
                ids.extend(row.and_then(|i| self.record(i)).map(|r| r.geonameid));
            }
        }
        self.damage()?;
        Ok(ids)
    }

    fn places_here(&self, queries: &[&str]) -> Result<RankedPlaces, IndexError> {
        let exact = self.keys(sec::EXACT, self.exact_bits);
        let loose = self.keys(sec::LOOSE, self.loose_bits);
        let mut rows: Vec<u32> = Vec::new();
        let mut add = |entries: &mut dyn Iterator<Item = u64>| {
            rows.extend(entries.filter_map(|e| u32::try_from(e >> 32).ok()));
        };
        for q in queries {
            let key = NameKey::new(q);
            if let Some(id) = exact.find(&key.exact) {
                add(&mut exact.postings(id));
            }
            if let Some(id) = loose.find(&key.loose) {
                add(&mut loose.postings(id));
            }
            let q: Vec<char> = key.loose.chars().collect();
            for (id, _, _) in self.fuzzy_keys(&q) {
                add(&mut loose.postings(id));
            }
        }
        rows.sort_unstable();
        rows.dedup();
        let mut places = RankedPlaces::default();
        for i in rows {
            match self.record(i) {
                Some(r) if self.exclude.binary_search(&r.geonameid).is_err() => {
                    places.push(self.place(i)?, f64::from(r.prominence) / 255.0);
                }
                _ => {}
            }
        }
        self.damage()?;
        Ok(places)
    }
}

impl geocoder::Table for GeonamesIndex {
    fn alternate_factor(&self) -> f64 {
        ALTERNATE_NAME
    }

    fn postings(&self, loose: bool, key: &str, each: &mut dyn FnMut(Posting)) {
        let keys = if loose {
            self.keys(sec::LOOSE, self.loose_bits)
        } else {
            self.keys(sec::EXACT, self.exact_bits)
        };
        if let Some(id) = keys.find(key) {
            keys.postings(id).for_each(|e| each(posting(e)));
        }
    }

    fn near(&self, loose: &[char], each: &mut dyn FnMut(Posting, usize, usize)) {
        let keys = self.keys(sec::LOOSE, self.loose_bits);
        for (id, d, len) in self.fuzzy_keys(loose) {
            keys.postings(id).for_each(|e| each(posting(e), d, len));
        }
    }

    fn row(&self, row: u32) -> Option<Row<'_>> {
        let start = usize_of(u64::from(row))?.checked_mul(RECORD)?;
        let b = self.read(sec::PLACES, start, RECORD)?;
        let r = Record::from_bytes(b)?;
        if self.exclude.binary_search(&r.geonameid).is_ok() {
            return None;
        }
        let country = b.get(41..43)?;
        let n = country.iter().position(|b| *b == 0).unwrap_or(2);
        Some(Row {
            country: std::str::from_utf8(country.get(..n)?).ok()?,
            kind: r.kind,
            lon: r.lon,
            lat: r.lat,
            prominence: f64::from(r.prominence) / 255.0,
            valid: crate::model::Validity::ALWAYS,
        })
    }
}

/// A posting as the index packs it: `place << 32 | generic << 31 | name number`.
fn posting(entry: u64) -> Posting {
    Posting {
        row: u32::try_from(entry >> 32).unwrap_or(u32::MAX),
        name: u32::try_from(entry & 0x7fff_ffff).unwrap_or(0),
        generic: entry & (1 << 31) != 0,
    }
}

#[cfg(test)]
mod tests;
