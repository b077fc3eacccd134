//! Building the on-disk index from a GeoNames table: parse and key every row (on two
//! threads), give the distinct keys sorted ids, bucket their hashes, file the deletion
//! variants, and write the file atomically beside the table.

use std::io::{Seek, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{
    char_mask, checksum, fingerprint, hash, hash_feed, hash_finish, index_path, map, IndexError,
    Record, BLOCK, HASH_START, HEADER, MAGIC, PREFIX, SECTIONS, SECTION_ENTRY, VERSION,
};
use crate::error::Problem;
use crate::fsutil::atomic::temp_path;
use crate::read::geonames;
use crate::resolve::normalize::NameKey;

/// `v` as an index (saturating: a value beyond the address space finds no slot).
fn to_usize(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

/// What a build wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildStats {
    /// Rows indexed.
    pub places: usize,
    /// Names (main and alternate) indexed.
    pub names: usize,
    /// Distinct exact keys.
    pub exact_keys: usize,
    /// Distinct loose keys.
    pub loose_keys: usize,
    /// Entries in the deletion index.
    pub deletions: usize,
    /// Bytes of the index file.
    pub bytes: u64,
}

/// Threads the build keys rows and files deletion variants on. The output does not depend on
/// it: each thread takes a contiguous range and the ranges are joined in order.
const THREADS: usize = 2;

/// The hashes of every string made by deleting at most two characters from `chars`, sorted
/// and without repeats. Each variant's hash is fed from the hash state of the characters
/// before its first deletion, without making the variant's text.
pub(crate) fn deletion_hashes(chars: &[char], out: &mut Vec<u64>) {
    fn feed(h: u64, c: &char) -> u64 {
        let mut b = [0u8; 4];
        hash_feed(h, c.encode_utf8(&mut b).as_bytes())
    }
    fn feed_all(h: u64, cs: &[char]) -> u64 {
        cs.iter().fold(h, feed)
    }
    out.clear();
    out.push(hash_finish(feed_all(HASH_START, chars)));
    // `before`: the state after `chars[..i]`; `mid`: after `chars[..i]` and `chars[i + 1..j]`.
    let mut before = HASH_START;
    for (i, c) in chars.iter().enumerate() {
        out.push(hash_finish(feed_all(
            before,
            chars.get(i + 1..).unwrap_or(&[]),
        )));
        let mut mid = before;
        for j in i + 1..chars.len() {
            out.push(hash_finish(feed_all(
                mid,
                chars.get(j + 1..).unwrap_or(&[]),
            )));
            mid = chars.get(j).map_or(mid, |d| feed(mid, d));
        }
        before = feed(before, c);
    }
    out.sort_unstable();
    out.dedup();
}

/// One row parsed and keyed.
struct Keyed {
    record: Record,
    /// Each name's key with the [`hash`] of its exact and its loose key.
    names: Vec<(NameKey, u64, u64)>,
}

/// Parse and key the lines of `text`, which starts at byte `base` and line `first_line` of
/// the table at `path`; its malformed lines are counted, the first listed, in the words of
/// every reader of the table ([`geonames::parse_bytes`]).
fn key_lines(
    text: &[u8],
    base: usize,
    first_line: usize,
    path: &Path,
) -> (Vec<Keyed>, geonames::Stats) {
    let mut out = Vec::new();
    let mut stats = geonames::Stats::default();
    let mut start = 0;
    let mut line_no = first_line;
    while start < text.len() {
        let end = text
            .get(start..)
            .and_then(|t| t.iter().position(|b| *b == b'\n'))
            .map_or(text.len(), |p| start + p);
        let mut stop = end;
        while stop > start && matches!(text.get(stop - 1), Some(b'\r' | b'\n')) {
            stop -= 1;
        }
        let mut from = start;
        if base + start == 0 && text.starts_with(crate::read::lines::BOM) {
            from += crate::read::lines::BOM.len(); // as every reader of the table skips it
        }
        let line = text.get(from..stop).unwrap_or(&[]);
        if !line.is_empty() && line.first() != Some(&b'#') {
            let parsed = geonames::parse_bytes(line, line_no).map_err(|(value, message)| {
                stats.note_malformed(|| Problem::new(path, Some(line_no), value, message));
            });
            if let Ok((_, Some(row))) = parsed {
                let country = row.country.as_bytes();
                let record = Record {
                    geonameid: row.id,
                    offset: (base + from) as u64,
                    len: u32::try_from(line.len()).unwrap_or(u32::MAX),
                    line: u32::try_from(line_no).unwrap_or(u32::MAX),
                    lat: row.lat,
                    lon: row.lon,
                    kind: row.kind,
                    country: [
                        country.first().copied().unwrap_or(0),
                        country.get(1).copied().unwrap_or(0),
                    ],
                    prominence: geonames::prominence_byte(row.prominence()),
                };
                // The names in the order `Place::names` gives them: the name, then
                // the alternates.
                let names = std::iter::once(row.name.as_str())
                    .chain(row.alternates.iter().map(String::as_str))
                    .map(|name| {
                        let key = NameKey::new(name);
                        let (e, l) = (hash(key.exact.as_bytes()), hash(key.loose.as_bytes()));
                        (key, e, l)
                    })
                    .collect();
                out.push(Keyed { record, names });
            }
        }
        line_no += 1;
        start = end + 1;
    }
    (out, stats)
}

/// A key table being built: the distinct keys in one arena, in the order first met, each
/// with its [`hash`], found again through an open-addressing table of key ids; and the
/// (key id, entry) postings.
struct Table {
    arena: Vec<u8>,
    /// Key `i` is `arena[ends[i - 1]..ends[i]]` (from 0 for the first).
    ends: Vec<u64>,
    hashes: Vec<u64>,
    /// Key ids by hash, linear probing; [`Table::EMPTY`] is a free slot.
    slots: Vec<u32>,
    post_ids: Vec<u32>,
    post_entries: Vec<u64>,
}

impl Default for Table {
    fn default() -> Table {
        Table {
            arena: Vec::new(),
            ends: Vec::new(),
            hashes: Vec::new(),
            slots: vec![Table::EMPTY; 1 << 10],
            post_ids: Vec::new(),
            post_entries: Vec::new(),
        }
    }
}

impl Table {
    const EMPTY: u32 = u32::MAX;

    fn key(&self, id: usize) -> &[u8] {
        let start = id
            .checked_sub(1)
            .and_then(|p| self.ends.get(p))
            .map_or(0, |e| to_usize(*e));
        let end = self.ends.get(id).map_or(start, |e| to_usize(*e));
        self.arena.get(start..end).unwrap_or(&[])
    }

    /// File `entry` under `key`, whose [`hash`] is `h`.
    fn add(&mut self, key: &str, h: u64, entry: u64) {
        let mask = self.slots.len() - 1;
        let mut i = to_usize(h & mask as u64);
        let id = loop {
            match self.slots.get(i).copied() {
                Some(Table::EMPTY) | None => {
                    let id = u32::try_from(self.ends.len()).unwrap_or(Table::EMPTY - 1);
                    self.arena.extend_from_slice(key.as_bytes());
                    self.ends.push(self.arena.len() as u64);
                    self.hashes.push(h);
                    if let Some(slot) = self.slots.get_mut(i) {
                        *slot = id;
                    }
                    if 2 * self.ends.len() > self.slots.len() {
                        self.grow();
                    }
                    break id;
                }
                Some(id) => {
                    let at = id as usize;
                    if self.hashes.get(at) == Some(&h) && self.key(at) == key.as_bytes() {
                        break id;
                    }
                }
            }
            i = (i + 1) & mask;
        };
        self.post_ids.push(id);
        self.post_entries.push(entry);
    }

    /// Double the slots and file every key id again by its hash.
    fn grow(&mut self) {
        let n = 2 * self.slots.len();
        let mut slots = vec![Table::EMPTY; n];
        for (id, h) in self.hashes.iter().enumerate() {
            let mut i = to_usize(*h & (n - 1) as u64);
            while slots.get(i).is_some_and(|s| *s != Table::EMPTY) {
                i = (i + 1) & (n - 1);
            }
            if let Some(slot) = slots.get_mut(i) {
                *slot = u32::try_from(id).unwrap_or(Table::EMPTY - 1);
            }
        }
        self.slots = slots;
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    /// The sections: arena, offsets, posting offsets, postings, directory, hashes. The keys
    /// get ids in bytewise order; each key's postings are in entry order.
    fn finish(self) -> [Vec<u8>; 6] {
        let Table {
            arena: old_arena,
            ends,
            hashes,
            slots,
            post_ids,
            post_entries,
        } = self;
        drop(slots);
        let n = ends.len();
        let start = |id: usize| {
            id.checked_sub(1)
                .and_then(|p| ends.get(p))
                .map_or(0, |e| to_usize(*e))
        };
        let key = |id: usize| {
            old_arena
                .get(start(id)..ends.get(id).map_or(0, |e| to_usize(*e)))
                .unwrap_or(&[])
        };
        // Sorted by the first eight bytes as a big-endian number (zero-padded, which orders
        // as the bytes do), then, among equal ones, by the whole key: most comparisons are
        // of two integers rather than two strings.
        let mut order: Vec<(u64, u32)> = (0..n)
            .map(|id| {
                let mut head = [0u8; 8];
                for (d, s) in head.iter_mut().zip(key(id)) {
                    *d = *s;
                }
                (
                    u64::from_be_bytes(head),
                    u32::try_from(id).unwrap_or(u32::MAX),
                )
            })
            .collect();
        order.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| key(a.1 as usize).cmp(key(b.1 as usize)))
        });
        let mut remap = vec![0u32; n];
        let mut arena = Vec::with_capacity(old_arena.len());
        let mut offsets = Vec::with_capacity(8 * (n + 1));
        let mut sorted_hashes = Vec::with_capacity(n);
        for (new, (_, old)) in order.iter().enumerate() {
            let old = *old as usize;
            if let Some(r) = remap.get_mut(old) {
                *r = u32::try_from(new).unwrap_or(u32::MAX);
            }
            offsets.extend_from_slice(&(arena.len() as u64).to_le_bytes());
            arena.extend_from_slice(key(old));
            sorted_hashes.push(hashes.get(old).copied().unwrap_or(0));
        }
        offsets.extend_from_slice(&(arena.len() as u64).to_le_bytes());
        drop((order, old_arena, hashes));
        // Postings by key: a counting sort (stable, so each key's entries stay in the order
        // filed), then each key's run sorted by entry (a row's generic name filed before
        // one of its plain names has the larger entry).
        let mut counts = vec![0u64; n + 1];
        for id in &post_ids {
            if let Some(c) = remap
                .get(*id as usize)
                .and_then(|r| counts.get_mut(*r as usize + 1))
            {
                *c += 1;
            }
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let mut post_offsets = Vec::with_capacity(8 * (n + 1));
        for c in &counts {
            post_offsets.extend_from_slice(&c.to_le_bytes());
        }
        let mut sorted = vec![0u64; post_entries.len()];
        let mut next = counts;
        for (id, e) in post_ids.iter().zip(&post_entries) {
            let r = remap.get(*id as usize).copied().unwrap_or(0) as usize;
            if let Some(at) = next.get_mut(r) {
                if let Some(slot) = sorted.get_mut(to_usize(*at)) {
                    *slot = *e;
                }
                *at += 1;
            }
        }
        drop((post_ids, post_entries, remap));
        let mut a = 0usize;
        for end in post_offsets.chunks_exact(8).skip(1) {
            let b = to_usize(u64::from_le_bytes(end.try_into().unwrap_or([0; 8])));
            if b > a + 1 {
                if let Some(run) = sorted.get_mut(a..b) {
                    run.sort_unstable();
                }
            }
            a = b;
        }
        let mut entries = Vec::with_capacity(8 * sorted.len());
        for e in &sorted {
            entries.extend_from_slice(&e.to_le_bytes());
        }
        drop(sorted);
        let (dir, hashes) = bucket(bits_for(n), n, |f| {
            for (id, h) in sorted_hashes.iter().enumerate() {
                f(*h, (h & 0xffff_ffff) << 32 | id as u64);
            }
        });
        [arena, offsets, post_offsets, entries, dir, hashes]
    }
}

/// Bucket bits for `n` entries: about four entries a bucket.
fn bits_for(n: usize) -> u32 {
    let mut bits = 4;
    while bits < 30 && (1usize << bits) * 4 < n {
        bits += 1;
    }
    bits
}

/// Counting sort of `(hash, entry)` pairs into `2^bits` buckets by the hash's top bits: the
/// directory (bucket starts, u32) and the entries (u64). `each` is called twice with a sink.
fn bucket(bits: u32, n: usize, each: impl Fn(&mut dyn FnMut(u64, u64))) -> (Vec<u8>, Vec<u8>) {
    let buckets = 1usize << bits;
    let mut counts = vec![0u32; buckets + 1];
    each(&mut |h, _| {
        let b = usize::try_from(h >> (64 - bits)).unwrap_or(0);
        counts[b + 1] = counts[b + 1].saturating_add(1);
    });
    for i in 1..=buckets {
        counts[i] = counts[i].saturating_add(counts[i - 1]);
    }
    let mut dir = Vec::with_capacity(4 * (buckets + 1));
    for c in &counts {
        dir.extend_from_slice(&c.to_le_bytes());
    }
    let mut next = counts;
    let mut bytes = vec![0u8; 8 * n];
    each(&mut |h, e| {
        let b = usize::try_from(h >> (64 - bits)).unwrap_or(0);
        let at = next[b] as usize * 8;
        if let Some(slot) = bytes.get_mut(at..at + 8) {
            slot.copy_from_slice(&e.to_le_bytes());
        }
        next[b] = next[b].saturating_add(1);
    });
    (dir, bytes)
}

/// Split `text` into `parts` pieces at line ends: (start, end) byte ranges.
fn split_lines(text: &[u8], parts: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=parts {
        let mut end = if i == parts {
            text.len()
        } else {
            (text.len() / parts * i).max(start)
        };
        while end < text.len() && text.get(end.wrapping_sub(1)) != Some(&b'\n') && end > 0 {
            end += 1;
        }
        out.push((start, end));
        start = end;
    }
    out
}

/// Write `text` as the GeoNames table `table` together with its index: the table is staged
/// under a temporary name and synced, its index built from it under another, and only then
/// are both renamed into place (the index first: a stop between the two renames leaves a
/// new index beside the old table, which [`super::open_or_rebuild`] finds stale and
/// rebuilds). Any failure before that removes the temporaries and leaves the old pair.
/// `text` is dropped once written, before the index is built from the file.
pub fn import(table: &Path, text: Vec<u8>) -> Result<BuildStats, IndexError> {
    let dest = index_path(table);
    let tmp_table = temp_path(table);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| IndexError::Io { path, source }
    };
    if let Some(dir) = table.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let result = (|| {
        let creating = crate::fsutil::interrupt::creating();
        let mut file = std::fs::File::create(&tmp_table).map_err(io(&tmp_table))?;
        drop(creating);
        file.write_all(&text).map_err(io(&tmp_table))?;
        file.sync_all().map_err(io(&tmp_table))?;
        drop((file, text));
        crate::fsutil::test_point("import-staged");
        // The index is written under its own temporary name and renamed into place by
        // its writer (once: a temporary of a temporary left `..x.idx.drillmap-N.tmp.drillmap-N.tmp`
        // when killed, probe session 43), then the table.
        let stats = build_into(&tmp_table, &dest)?;
        std::fs::rename(&tmp_table, table).map_err(io(table))?;
        Ok(stats)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp_table);
    }
    result
}

/// Build the index of the GeoNames table at `table` and write it, atomically, to
/// [`index_path`]`(table)`.
pub fn build(table: &Path) -> Result<BuildStats, IndexError> {
    build_into(table, &index_path(table))
}

/// Build the index of the GeoNames table at `table` and write it, atomically, to `dest` (the
/// index of a table staged under a temporary name goes where the table will be renamed to).
pub fn build_into(table: &Path, dest: &Path) -> Result<BuildStats, IndexError> {
    let text = map(table)?;
    let too_large = |what: &str| IndexError::TooLarge {
        path: table.to_path_buf(),
        what: what.to_owned(),
    };
    let mut exact = Table::default();
    let mut loose = Table::default();
    let mut records: Vec<u8> = Vec::new();
    let mut places: u64 = 0;
    let mut names = 0usize;
    const CHUNK: usize = 32 << 20;
    let mut line_base = 1usize;
    let mut malformed = geonames::Stats::default();
    for (start, end) in split_lines(&text, text.len().div_ceil(CHUNK).max(1)) {
        let chunk = text.get(start..end).unwrap_or(&[]);
        let halves = split_lines(chunk, 2);
        let first_lines = bytecount(chunk.get(..halves[0].1).unwrap_or(&[]));
        let keyed: Vec<(Vec<Keyed>, geonames::Stats)> = std::thread::scope(|s| {
            let handles: Vec<_> = halves
                .iter()
                .enumerate()
                .map(|(i, (a, b))| {
                    let part = chunk.get(*a..*b).unwrap_or(&[]);
                    let first = line_base + if i == 0 { 0 } else { first_lines };
                    s.spawn(move || key_lines(part, start + a, first, table))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        line_base += bytecount(chunk);
        let mut rows = Vec::with_capacity(keyed.len());
        for (part, part_stats) in keyed {
            // In line order: each part's listed lines, then those it counted only.
            let unlisted = part_stats.malformed - part_stats.problems.len();
            for problem in part_stats.problems {
                malformed.note_malformed(|| problem);
            }
            malformed.malformed += unlisted;
            rows.push(part);
        }
        for k in rows.into_iter().flatten() {
            if places >= u64::from(u32::MAX) {
                return Err(too_large("more than 2^32 rows"));
            }
            records.extend_from_slice(&k.record.to_bytes());
            for (n, (key, he, hl)) in k.names.iter().enumerate() {
                let generic = if key.hint.is_some() { 1u64 << 31 } else { 0 };
                let entry = places << 32 | generic | (n as u64 & 0x7fff_ffff);
                exact.add(&key.exact, *he, entry);
                loose.add(&key.loose, *hl, entry);
                names += 1;
            }
            places += 1;
        }
    }
    if malformed.malformed > 0 {
        // A table changed by hand since it was imported: refused as a read of it is, never
        // indexed without its bad lines (probe, session 41: the index answered, and `check`
        // passed, a table that fails both without it).
        return Err(IndexError::Malformed(malformed));
    }
    if exact.len() >= u32::MAX as usize || loose.len() >= u32::MAX as usize {
        return Err(too_large("more than 2^32 distinct keys"));
    }
    // The table is not read again: what the header needs of it is taken now, and its pages
    // leave the build's memory.
    let (text_len, text_fingerprint) = (text.len() as u64, fingerprint(&text));
    drop(text);
    // Each section is written as soon as it is made and then dropped, so the build never
    // holds the whole index in memory.
    let mut out = Writer::create(dest)?;
    out.section(&records)?;
    drop(records);
    let exact_keys = exact.len();
    for s in exact.finish() {
        out.section(&s)?;
    }
    let loose_keys = loose.len();
    let [arena, offsets, rest @ ..] = loose.finish();
    out.section(&arena)?;
    out.section(&offsets)?;
    for s in rest {
        out.section(&s)?;
    }
    let offsets: Vec<u64> = offsets
        .chunks_exact(8)
        .map(|w| u64::from_le_bytes(w.try_into().unwrap_or([0; 8])))
        .collect();
    let deletions = deletions(&arena, &offsets, &mut out, too_large)?;
    drop((arena, offsets));
    let bytes = out.finish(text_len, text_fingerprint)?;
    Ok(BuildStats {
        places: usize::try_from(places).unwrap_or(usize::MAX),
        names,
        exact_keys,
        loose_keys,
        deletions,
        bytes,
    })
}

fn bytecount(text: &[u8]) -> usize {
    text.iter().filter(|b| **b == b'\n').count()
}

/// The deletion index over the sorted loose keys (key `i` is `arena[offsets[i]..offsets[i +
/// 1]]`), written to `out` as its directory and entries sections; the number of entries
/// (fewer than 2^32).
///
/// A counting sort by bucket, in two passes over the keys (count, then place), each on
/// [`THREADS`] threads over contiguous ranges of keys: a thread places its entries of a
/// bucket after those of the threads before it, so every bucket holds its entries in key
/// order, as one thread would place them. The first pass counts at the finest bucket bits
/// the number of entries could need (from the keys' lengths, before repeats are merged),
/// and the counts are summed to the bits the actual number needs.
fn deletions(
    arena: &[u8],
    offsets: &[u64],
    out: &mut Writer,
    too_large: impl Fn(&str) -> IndexError,
) -> Result<usize, IndexError> {
    let n_keys = offsets.len().saturating_sub(1);
    let key = |id: usize| -> &str {
        let (a, b) = (offsets.get(id).copied(), offsets.get(id + 1).copied());
        let (a, b) = (to_usize(a.unwrap_or(0)), to_usize(b.unwrap_or(0)));
        arena
            .get(a..b)
            .and_then(|k| std::str::from_utf8(k).ok())
            .unwrap_or("")
    };
    // Every (hash, entry) of keys `ids`, in key order.
    let each = |ids: std::ops::Range<usize>, f: &mut dyn FnMut(u64, u64)| {
        let mut chars: Vec<char> = Vec::new();
        let mut hashes = Vec::with_capacity(64);
        for id in ids {
            chars.clear();
            chars.extend(key(id).chars());
            if chars.len() < 2 {
                continue; // no query of four or more characters is within 2 of it
            }
            let len = chars.len().min(255) as u64;
            let mask = u64::from(char_mask(&chars));
            deletion_hashes(&chars[..chars.len().min(PREFIX)], &mut hashes);
            for h in &hashes {
                f(*h, (h & 0xff) << 56 | mask << 40 | len << 32 | id as u64);
            }
        }
    };
    let most: usize = (0..n_keys)
        .map(|id| match key(id).chars().take(PREFIX).count() {
            0 | 1 => 0,
            m => 1 + m + m * (m - 1) / 2,
        })
        .sum();
    let fine = bits_for(most);
    let ranges: Vec<std::ops::Range<usize>> = (0..THREADS)
        .map(|t| n_keys * t / THREADS..n_keys * (t + 1) / THREADS)
        .collect();
    // Pass 1: each thread's count of entries per fine bucket.
    let fine_counts: Vec<Vec<u32>> = std::thread::scope(|s| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|r| {
                let r = r.clone();
                s.spawn(move || {
                    let mut counts = vec![0u32; 1 << fine];
                    each(r, &mut |h, _| {
                        if let Some(c) = counts.get_mut(to_usize(h >> (64 - fine))) {
                            *c = c.saturating_add(1);
                        }
                    });
                    counts
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let n: u64 = fine_counts.iter().flatten().map(|c| u64::from(*c)).sum();
    if n >= u64::from(u32::MAX) {
        return Err(too_large("more than 2^32 deletion variants"));
    }
    let n = to_usize(n);
    let bits = bits_for(n).min(fine);
    let buckets = 1usize << bits;
    // Each thread's counts at `bits`, then where its entries of each bucket start.
    let mut starts: Vec<Vec<u32>> = fine_counts
        .into_iter()
        .map(|f| {
            f.chunks(1 << (fine - bits))
                .map(|c| c.iter().fold(0u32, |a, b| a.saturating_add(*b)))
                .collect()
        })
        .collect();
    let mut dir = Vec::with_capacity(4 * (buckets + 1));
    let mut at = 0u32;
    for b in 0..buckets {
        dir.extend_from_slice(&at.to_le_bytes());
        for t in &mut starts {
            if let Some(c) = t.get_mut(b) {
                let count = *c;
                *c = at;
                at = at.saturating_add(count);
            }
        }
    }
    dir.extend_from_slice(&at.to_le_bytes());
    out.section(&dir)?;
    drop(dir);
    // Pass 2: each thread places its entries at its own starts. The slots are atomics so
    // two threads can write into one array; no two writes go to the same slot.
    let entries: Vec<AtomicU64> = (0..n).map(|_| AtomicU64::new(0)).collect();
    std::thread::scope(|s| {
        for (r, mut next) in ranges.iter().cloned().zip(starts) {
            let entries = &entries;
            s.spawn(move || {
                each(r, &mut |h, e| {
                    if let Some(at) = next.get_mut(to_usize(h >> (64 - bits))) {
                        if let Some(slot) = entries.get(*at as usize) {
                            slot.store(e, Ordering::Relaxed);
                        }
                        *at = at.saturating_add(1);
                    }
                });
            });
        }
    });
    out.section_words(entries.iter().map(|e| e.load(Ordering::Relaxed)))?;
    Ok(n)
}

/// The index file being written: a placeholder header, then each section as it is made
/// (with the checksums of the blocks it fills), then the block table, then the header.
/// Written under a temporary name and renamed into place by [`Writer::finish`]; dropped
/// unfinished, the temporary file is removed.
struct Writer {
    dest: std::path::PathBuf,
    tmp: std::path::PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
    /// (offset, length) of each section written.
    sections: Vec<(u64, u64)>,
    offset: u64,
    /// The block table so far, and the bytes of the block being filled.
    blocks: Vec<u8>,
    pending: Vec<u8>,
}

impl Writer {
    fn create(dest: &Path) -> Result<Writer, IndexError> {
        let tmp = temp_path(dest);
        let creating = crate::fsutil::interrupt::creating();
        let file = std::fs::File::create(&tmp).map_err(|source| IndexError::Io {
            path: tmp.clone(),
            source,
        })?;
        drop(creating);
        let mut w = Writer {
            dest: dest.to_path_buf(),
            tmp,
            file: Some(std::io::BufWriter::with_capacity(1 << 20, file)),
            sections: Vec::with_capacity(SECTIONS),
            offset: 0,
            blocks: Vec::new(),
            pending: Vec::with_capacity(BLOCK),
        };
        w.raw(&[0u8; HEADER + SECTION_ENTRY * SECTIONS])?;
        Ok(w)
    }

    fn io(&self) -> impl Fn(std::io::Error) -> IndexError + '_ {
        |source| IndexError::Io {
            path: self.tmp.clone(),
            source,
        }
    }

    fn raw(&mut self, bytes: &[u8]) -> Result<(), IndexError> {
        let io = |source| IndexError::Io {
            path: self.tmp.clone(),
            source,
        };
        match self.file.as_mut() {
            Some(f) => f.write_all(bytes).map_err(io)?,
            None => return Err(io(std::io::ErrorKind::BrokenPipe.into())),
        }
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// Append a section and its padding, and checksum the blocks they fill.
    fn section(&mut self, bytes: &[u8]) -> Result<(), IndexError> {
        self.sections.push((self.offset, bytes.len() as u64));
        self.blocked(bytes)?;
        self.blocked(padding(bytes.len()))
    }

    /// Append a section of u64 words (little-endian), made as they are written.
    fn section_words(&mut self, words: impl Iterator<Item = u64>) -> Result<(), IndexError> {
        let start = self.offset;
        let mut buf = Vec::with_capacity(1 << 20);
        for w in words {
            buf.extend_from_slice(&w.to_le_bytes());
            if buf.len() >= 1 << 20 {
                self.blocked(&buf)?;
                buf.clear();
            }
        }
        self.blocked(&buf)?;
        self.sections.push((start, self.offset - start));
        Ok(())
    }

    /// Append bytes and checksum the blocks they fill.
    fn blocked(&mut self, mut piece: &[u8]) -> Result<(), IndexError> {
        self.raw(piece)?;
        while !piece.is_empty() {
            if self.pending.is_empty() && piece.len() >= BLOCK {
                let (block, rest) = piece.split_at(BLOCK);
                self.blocks
                    .extend_from_slice(&checksum(block).to_le_bytes());
                piece = rest;
                continue;
            }
            let take = (BLOCK - self.pending.len()).min(piece.len());
            let (head, rest) = piece.split_at(take);
            self.pending.extend_from_slice(head);
            piece = rest;
            if self.pending.len() == BLOCK {
                self.blocks
                    .extend_from_slice(&checksum(&self.pending).to_le_bytes());
                self.pending.clear();
            }
        }
        Ok(())
    }

    /// Write the block table and the header for a table of `text_len` bytes and
    /// [`fingerprint`] `text_fingerprint`, sync, and rename the file into place. Returns the
    /// file's length.
    fn finish(mut self, text_len: u64, text_fingerprint: u64) -> Result<u64, IndexError> {
        if !self.pending.is_empty() {
            self.blocks
                .extend_from_slice(&checksum(&self.pending).to_le_bytes());
        }
        let blocks = std::mem::take(&mut self.blocks);
        self.section(&blocks)?;
        debug_assert_eq!(self.sections.len(), SECTIONS);
        let mut head = Vec::with_capacity(HEADER + SECTION_ENTRY * SECTIONS);
        head.extend_from_slice(MAGIC);
        head.extend_from_slice(&VERSION.to_le_bytes());
        head.extend_from_slice(&u32::try_from(PREFIX).unwrap_or(0).to_le_bytes());
        head.extend_from_slice(&text_len.to_le_bytes());
        head.extend_from_slice(&text_fingerprint.to_le_bytes());
        head.extend_from_slice(&0u64.to_le_bytes()); // header checksum, filled below
        head.extend_from_slice(&(BLOCK as u64).to_le_bytes());
        head.extend_from_slice(&checksum(&blocks).to_le_bytes());
        head.resize(HEADER, 0);
        for (offset, len) in &self.sections {
            head.extend_from_slice(&offset.to_le_bytes());
            head.extend_from_slice(&len.to_le_bytes());
        }
        let checksum = hash(&head);
        head[32..40].copy_from_slice(&checksum.to_le_bytes());
        let w = self
            .file
            .take()
            .ok_or_else(|| self.io()(std::io::ErrorKind::BrokenPipe.into()))?;
        let mut file = w.into_inner().map_err(|e| self.io()(e.into_error()))?;
        file.seek(std::io::SeekFrom::Start(0)).map_err(self.io())?;
        file.write_all(&head).map_err(self.io())?;
        file.sync_all().map_err(self.io())?;
        drop(file);
        crate::fsutil::test_point("index-written");
        std::fs::rename(&self.tmp, &self.dest).map_err(|source| IndexError::Io {
            path: self.dest.clone(),
            source,
        })?;
        Ok(self.offset)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Unfinished (an error on the way): leave no temporary file behind. Once renamed,
        // the temporary name is gone and this does nothing.
        drop(self.file.take());
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// The zeros after a section of `len` bytes up to the next multiple of 8 bytes.
fn padding(len: usize) -> &'static [u8] {
    &[0u8; 8][..len.next_multiple_of(8) - len]
}
