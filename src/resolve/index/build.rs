//! Building the on-disk index from a GeoNames table: parse and key every row (on two
//! threads), give the distinct keys sorted ids, bucket their hashes, file the deletion
//! variants, and write the file atomically beside the table.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{Seek, Write};
use std::path::Path;

use super::{
    char_mask, checksum, fingerprint, hash, index_path, map, IndexError, Record, BLOCK, HEADER,
    MAGIC, PREFIX, SECTIONS, SECTION_ENTRY, VERSION,
};
use crate::read::geonames;
use crate::resolve::normalize::NameKey;

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

/// A fast hasher for the build's key maps (FNV-style multiply; keys are short).
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash(bytes) ^ self.0.rotate_left(5);
    }
}

type KeyMap = HashMap<Box<str>, u32, BuildHasherDefault<KeyHasher>>;

/// The hashes of every string made by deleting at most two characters from `chars`, sorted
/// and without repeats.
pub(crate) fn deletion_hashes(chars: &[char], out: &mut Vec<u64>) {
    out.clear();
    let n = chars.len();
    let mut buf = String::with_capacity(4 * n);
    let mut push = |skip1: usize, skip2: usize, out: &mut Vec<u64>| {
        buf.clear();
        for (i, c) in chars.iter().enumerate() {
            if i != skip1 && i != skip2 {
                buf.push(*c);
            }
        }
        out.push(hash(buf.as_bytes()));
    };
    let none = usize::MAX;
    push(none, none, out);
    for i in 0..n {
        push(i, none, out);
        for j in i + 1..n {
            push(i, j, out);
        }
    }
    out.sort_unstable();
    out.dedup();
}

/// One row parsed and keyed.
struct Keyed {
    record: Record,
    names: Vec<NameKey>,
}

/// Parse and key the lines of `text`, which starts at byte `base` and line `first_line`.
fn key_lines(text: &[u8], base: usize, first_line: usize) -> Vec<Keyed> {
    let mut out = Vec::new();
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
        let line = text.get(start..stop).unwrap_or(&[]);
        if !line.is_empty() && line.first() != Some(&b'#') {
            if let Ok(s) = std::str::from_utf8(line) {
                if let Ok(Some(row)) = geonames::parse_line(s, line_no) {
                    let country = row.country.as_bytes();
                    let record = Record {
                        geonameid: row.id,
                        offset: (base + start) as u64,
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
                    let place = row.into_place();
                    let names = place.names().map(NameKey::new).collect();
                    out.push(Keyed { record, names });
                }
            }
        }
        line_no += 1;
        start = end + 1;
    }
    out
}

/// A key table being built: distinct keys (each stored once, as the map's key) and
/// (key id, entry) postings.
#[derive(Default)]
struct Table {
    ids: KeyMap,
    postings: Vec<(u32, u64)>,
}

impl Table {
    fn add(&mut self, key: &str, entry: u64) {
        let id = match self.ids.get(key) {
            Some(id) => *id,
            None => {
                let id = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
                self.ids.insert(key.into(), id);
                id
            }
        };
        self.postings.push((id, entry));
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    /// The sections: arena, offsets, posting offsets, postings, directory, hashes.
    fn finish(self) -> (Vec<Box<str>>, [Vec<u8>; 6]) {
        let Table { ids, mut postings } = self;
        let mut keys: Vec<Box<str>> = vec![Box::from(""); ids.len()];
        for (k, id) in ids {
            if let Some(slot) = keys.get_mut(id as usize) {
                *slot = k;
            }
        }
        let mut order: Vec<u32> = (0..u32::try_from(keys.len()).unwrap_or(u32::MAX)).collect();
        order.sort_unstable_by(|a, b| keys[*a as usize].cmp(&keys[*b as usize]));
        let mut remap = vec![0u32; keys.len()];
        for (new, old) in order.iter().enumerate() {
            remap[*old as usize] = u32::try_from(new).unwrap_or(u32::MAX);
        }
        for p in &mut postings {
            p.0 = remap[p.0 as usize];
        }
        drop(remap);
        postings.sort_unstable();
        let mut slots: Vec<Option<Box<str>>> = keys.into_iter().map(Some).collect();
        let sorted: Vec<Box<str>> = order
            .iter()
            .filter_map(|i| slots.get_mut(*i as usize).and_then(Option::take))
            .collect();
        drop(slots);
        let n = sorted.len();
        let mut arena = Vec::with_capacity(sorted.iter().map(|k| k.len()).sum());
        let mut offsets = Vec::with_capacity(8 * (n + 1));
        for k in &sorted {
            offsets.extend_from_slice(&(arena.len() as u64).to_le_bytes());
            arena.extend_from_slice(k.as_bytes());
        }
        offsets.extend_from_slice(&(arena.len() as u64).to_le_bytes());
        let mut post_offsets = Vec::with_capacity(8 * (n + 1));
        let mut entries = Vec::with_capacity(8 * postings.len());
        let mut i = 0;
        for id in 0..n {
            post_offsets.extend_from_slice(&(i as u64).to_le_bytes());
            while postings.get(i).is_some_and(|p| p.0 as usize == id) {
                entries.extend_from_slice(&postings[i].1.to_le_bytes());
                i += 1;
            }
        }
        post_offsets.extend_from_slice(&(i as u64).to_le_bytes());
        drop(postings);
        let hashed: Vec<(u64, u64)> = sorted
            .iter()
            .enumerate()
            .map(|(id, k)| {
                let h = hash(k.as_bytes());
                (h, (h & 0xffff_ffff) << 32 | id as u64)
            })
            .collect();
        let (dir, hashes) = bucket(bits_for(n), hashed.len(), |f| {
            for (h, e) in &hashed {
                f(*h, *e);
            }
        });
        (sorted, [arena, offsets, post_offsets, entries, dir, hashes])
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
    let tmp_table = temp_beside(table);
    let tmp_index = temp_beside(&dest);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| IndexError::Io { path, source }
    };
    if let Some(dir) = table.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let result = (|| {
        let mut file = std::fs::File::create(&tmp_table).map_err(io(&tmp_table))?;
        file.write_all(&text).map_err(io(&tmp_table))?;
        file.sync_all().map_err(io(&tmp_table))?;
        drop((file, text));
        let stats = build_into(&tmp_table, &tmp_index)?;
        std::fs::rename(&tmp_index, &dest).map_err(io(&dest))?;
        std::fs::rename(&tmp_table, table).map_err(io(table))?;
        Ok(stats)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp_table);
        let _ = std::fs::remove_file(&tmp_index);
    }
    result
}

/// A hidden temporary name beside `dest`, in the same folder (so a rename is atomic).
fn temp_beside(dest: &Path) -> std::path::PathBuf {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(".{name}.{}.tmp", std::process::id()))
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
    for (start, end) in split_lines(&text, text.len().div_ceil(CHUNK).max(1)) {
        let chunk = text.get(start..end).unwrap_or(&[]);
        let halves = split_lines(chunk, 2);
        let first_lines = bytecount(chunk.get(..halves[0].1).unwrap_or(&[]));
        let keyed: Vec<Vec<Keyed>> = std::thread::scope(|s| {
            let handles: Vec<_> = halves
                .iter()
                .enumerate()
                .map(|(i, (a, b))| {
                    let part = chunk.get(*a..*b).unwrap_or(&[]);
                    let first = line_base + if i == 0 { 0 } else { first_lines };
                    s.spawn(move || key_lines(part, start + a, first))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        line_base += bytecount(chunk);
        for k in keyed.into_iter().flatten() {
            if places >= u64::from(u32::MAX) {
                return Err(too_large("more than 2^32 rows"));
            }
            records.extend_from_slice(&k.record.to_bytes());
            for (n, key) in k.names.iter().enumerate() {
                let generic = if key.hint.is_some() { 1u64 << 31 } else { 0 };
                let entry = places << 32 | generic | (n as u64 & 0x7fff_ffff);
                exact.add(&key.exact, entry);
                loose.add(&key.loose, entry);
                names += 1;
            }
            places += 1;
        }
    }
    if exact.len() >= u32::MAX as usize || loose.len() >= u32::MAX as usize {
        return Err(too_large("more than 2^32 distinct keys"));
    }
    // Each section is written as soon as it is made and then dropped, so the build never
    // holds the whole index in memory.
    let mut out = Writer::create(dest)?;
    out.section(&records)?;
    drop(records);
    let (_, exact_sections) = exact.finish();
    let exact_keys = exact_sections[1].len() / 8 - 1;
    for s in exact_sections {
        out.section(&s)?;
    }
    let (loose_keys, loose_sections) = loose.finish();
    for s in loose_sections {
        out.section(&s)?;
    }
    let (del_dir, del_entries, deletions) = deletions(&loose_keys);
    if deletions >= u32::MAX as usize {
        return Err(too_large("more than 2^32 deletion variants"));
    }
    let loose_keys = loose_keys.len();
    out.section(&del_dir)?;
    out.section(&del_entries)?;
    drop(del_entries);
    let bytes = out.finish(&text)?;
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

/// The deletion index over the sorted loose keys: directory, entries, and entry count.
fn deletions(keys: &[Box<str>]) -> (Vec<u8>, Vec<u8>, usize) {
    let each = |f: &mut dyn FnMut(u64, u64)| {
        let mut chars: Vec<char> = Vec::new();
        let mut hashes = Vec::with_capacity(32);
        for (id, k) in keys.iter().enumerate() {
            chars.clear();
            chars.extend(k.chars());
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
    let mut n = 0usize;
    each(&mut |_, _| n += 1);
    let (dir, entries) = bucket(bits_for(n), n, each);
    (dir, entries, n)
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
        let tmp = temp_beside(dest);
        let file = std::fs::File::create(&tmp).map_err(|source| IndexError::Io {
            path: tmp.clone(),
            source,
        })?;
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
        for mut piece in [bytes, padding(bytes)] {
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
        }
        Ok(())
    }

    /// Write the block table and the header for the table `text`, sync, and rename the file
    /// into place. Returns the file's length.
    fn finish(mut self, text: &[u8]) -> Result<u64, IndexError> {
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
        head.extend_from_slice(&(text.len() as u64).to_le_bytes());
        head.extend_from_slice(&fingerprint(text).to_le_bytes());
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

/// The zeros after section `s` up to the next multiple of 8 bytes.
fn padding(s: &[u8]) -> &'static [u8] {
    &[0u8; 8][..s.len().next_multiple_of(8) - s.len()]
}
