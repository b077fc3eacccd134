//! PMTiles v3 archives: header, directories, leaf directories and gzip, byte for byte.
//!
//! Layout: the 127-byte header, the root directory, the JSON metadata, the leaf
//! directories, then the tile data, all in that order. Tiles are written in tile-id order
//! (`clustered`), identical tiles are stored once and addressed from every entry that
//! needs them, and runs of consecutive ids with identical contents share one entry
//! (`run_length`). A directory is serialised column by column (count, id deltas, run
//! lengths, lengths, offsets written as 0 when contiguous and `offset + 1` otherwise) and
//! gzipped. When the root does not fit in the first 16 KiB beside the header, entries go to
//! leaf directories of equal size, one level deep, and the root points to the leaves.
//!
//! Gzip is raw deflate (flate2 with the pure-Rust `zlib-rs` backend) from one reused
//! [`flate2::Compress`] with a fixed 10-byte header
//! (no file name, mtime 0, OS "unknown"), so output is identical on every machine and run.

use std::collections::HashMap;

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

use std::hash::Hasher;

use super::mvt::varint;
use rustc_hash::{FxBuildHasher, FxHasher};

/// The size of a PMTiles v3 header.
pub const HEADER_LEN: usize = 127;
/// The header and root directory must fit in this many bytes.
pub const ROOT_LIMIT: usize = 16_384;

/// Compression enum values of the header.
pub const COMPRESSION_NONE: u8 = 1;
/// Gzip, the compression of our tiles and directories.
pub const COMPRESSION_GZIP: u8 = 2;
/// Tile type: Mapbox Vector Tile.
pub const TILE_TYPE_MVT: u8 = 1;

/// Tiles shorter than this are gzipped as stored (uncompressed) deflate blocks. Resetting
/// a deflate stream costs about 3.5 µs (it clears a 128 KiB hash table), more than
/// deflating a small tile, and such tiles (one or two features) shrink by only a few
/// bytes. 100k points to zoom 14 (350k tiles, most with one point): 2.2 s → 0.95 s for
/// 2 % more bytes.
pub const STORE_BELOW: usize = 128;

/// A reusable gzip compressor producing deterministic members.
pub struct Gzip {
    deflate: Compress,
    level: Compression,
}

impl std::fmt::Debug for Gzip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gzip")
    }
}

impl Gzip {
    /// A compressor at `level` (0–9; 1 is fastest).
    pub fn new(level: u32) -> Self {
        let level = Compression::new(level.min(9));
        Gzip {
            deflate: Compress::new(level, false),
            level,
        }
    }

    /// Gzip `data` into a new vector.
    pub fn compress(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.compress_into(data, &mut out);
        out
    }

    /// Gzip `data`, appending the member to `out`. Inputs shorter than [`STORE_BELOW`]
    /// bytes are stored, not deflated (see there).
    pub fn compress_into(&mut self, data: &[u8], out: &mut Vec<u8>) {
        let _ = self.compress_within(data, out, usize::MAX);
    }

    /// [`Gzip::compress_into`], giving up as soon as the member is known to be longer
    /// than `limit` bytes (what it has written only grows): then `out` is left as it was
    /// and the member's length is estimated, from the share of `data` deflated so far
    /// (always more than `limit`). A member it finishes has the same bytes as
    /// [`Gzip::compress_into`]'s (deflate's output does not depend on how much room each
    /// call is given).
    pub fn compress_within(
        &mut self,
        data: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> std::result::Result<(), usize> {
        /// Most output deflated per call, between two checks of the limit.
        const STEP: usize = 64 << 10;
        let start = out.len();
        let over = |out: &mut Vec<u8>, estimate: usize| {
            out.truncate(start);
            Err(estimate.max(limit.saturating_add(1)))
        };
        if data.len() < STORE_BELOW {
            out.extend_from_slice(&stored_gzip(data));
            let len = out.len() - start;
            return if len > limit { over(out, len) } else { Ok(()) };
        }
        out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
        self.deflate.reset();
        loop {
            let consumed = usize::try_from(self.deflate.total_in()).unwrap_or(usize::MAX);
            let input = data.get(consumed..).unwrap_or(&[]);
            // Room for all of a small input's member (zeroed first: at most about what
            // deflate reads).
            let step = STEP.min(data.len() + 64);
            let len = out.len();
            out.resize(len + step, 0);
            let before = self.deflate.total_out();
            let status = self
                .deflate
                .compress(input, &mut out[len..], FlushCompress::Finish);
            let wrote = usize::try_from(self.deflate.total_out() - before).unwrap_or(0);
            out.truncate(len + wrote.min(step));
            match status {
                Ok(Status::StreamEnd) => break,
                Ok(_) => {
                    // The member ends with 8 more bytes (CRC and length).
                    let written = out.len() - start + 8;
                    if written > limit {
                        let done = usize::try_from(self.deflate.total_in()).unwrap_or(1).max(1);
                        // Estimates of sizes far below 2^52 bytes: exact enough.
                        #[allow(
                            clippy::cast_precision_loss,
                            clippy::cast_possible_truncation,
                            clippy::cast_sign_loss
                        )]
                        let estimate = (written as f64 * data.len() as f64 / done as f64) as usize;
                        // A fresh stream: zlib-rs 0.6.8 resets a stream left mid-member
                        // with its pending output misplaced (a later member then panics).
                        self.deflate = Compress::new(self.level, false);
                        return over(out, estimate);
                    }
                }
                // Deflate into a buffer cannot fail except on a misuse of the stream; a
                // stored (uncompressed) member is still valid gzip.
                Err(_) => {
                    out.truncate(start);
                    out.extend_from_slice(&stored_gzip(data));
                    let len = out.len() - start;
                    return if len > limit { over(out, len) } else { Ok(()) };
                }
            }
        }
        if out.len() - start + 8 > limit {
            let len = out.len() - start + 8;
            return over(out, len);
        }
        let mut crc = Crc::new();
        crc.update(data);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&isize_mod32(data.len()).to_le_bytes());
        Ok(())
    }
}

/// Gzip's ISIZE: the input length modulo 2^32.
fn isize_mod32(len: usize) -> u32 {
    u32::try_from(len as u64 & 0xffff_ffff).unwrap_or(0)
}

/// A gzip member with the data in stored (uncompressed) deflate blocks.
fn stored_gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut chunks = data.chunks(65_535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    let mut crc = Crc::new();
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&isize_mod32(data.len()).to_le_bytes());
    out
}

/// One directory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// First tile id.
    pub tile_id: u64,
    /// Offset in the tile data section (or leaf section, for a leaf pointer).
    pub offset: u64,
    /// Length of the tile (or leaf directory) in bytes.
    pub length: u32,
    /// How many consecutive ids share this content; 0 marks a leaf directory pointer.
    pub run_length: u32,
}

/// Serialise a directory (uncompressed).
pub fn serialize_directory(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * 8 + 8);
    varint(&mut out, entries.len() as u64);
    let mut last = 0u64;
    for e in entries {
        varint(&mut out, e.tile_id - last);
        last = e.tile_id;
    }
    for e in entries {
        varint(&mut out, u64::from(e.run_length));
    }
    for e in entries {
        varint(&mut out, u64::from(e.length));
    }
    for (i, e) in entries.iter().enumerate() {
        let contiguous = i > 0 && {
            let p = &entries[i - 1];
            e.offset == p.offset + u64::from(p.length)
        };
        varint(&mut out, if contiguous { 0 } else { e.offset + 1 });
    }
    out
}

/// The directory of the tile data section being laid out: tiles addressed in id order,
/// identical contents stored once, runs merged. It holds no tile bytes: whoever stores them
/// ([`TileData`] in memory, the pyramid's spill files on disk) appends a tile's bytes
/// when [`TileIndex::add`] says its content is new, and answers whether an earlier stored
/// tile holds the same bytes.
#[derive(Debug, Default)]
pub struct TileIndex {
    /// Directory entries, ascending by tile id.
    pub entries: Vec<Entry>,
    /// Number of tiles added (addressed tiles).
    pub addressed: u64,
    /// Number of distinct contents stored.
    pub contents: u64,
    /// Length of the tile data section so far.
    pub len: u64,
    /// (content hash, length) → (offset in the data section, the caller's source position)
    /// of the first tile with that content.
    seen: HashMap<(u64, u32), (u64, u64), FxBuildHasher>,
}

/// The hash a tile's content is found again by ([`TileIndex::add_hashed`]).
pub fn content_hash(bytes: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(bytes);
    h.finish()
}

impl TileIndex {
    /// Address a tile; ids must come in ascending order. `source` is where the caller keeps
    /// these bytes; `same(source)` says whether the tile stored from an earlier `source`
    /// holds exactly these bytes (asked only when hash and length match). Returns whether
    /// the content is new: the caller then appends the bytes to the data section.
    pub fn add(
        &mut self,
        tile_id: u64,
        tile: &[u8],
        source: u64,
        same: impl FnOnce(u64) -> bool,
    ) -> bool {
        self.add_hashed(tile_id, content_hash(tile), tile.len() as u64, source, same)
    }

    /// [`TileIndex::add`] of a tile of `len` bytes whose [`content_hash`] is `hash`, taken
    /// when the tile was made: its bytes need not be at hand.
    pub fn add_hashed(
        &mut self,
        tile_id: u64,
        hash: u64,
        len: u64,
        source: u64,
        same: impl FnOnce(u64) -> bool,
    ) -> bool {
        self.addressed += 1;
        let length = u32::try_from(len).unwrap_or(u32::MAX);
        let key = (hash, length);
        let existing = self
            .seen
            .get(&key)
            .copied()
            .filter(|&(_, src)| same(src))
            .map(|(o, _)| o);
        let (offset, new) = match existing {
            Some(o) => (o, false),
            None => {
                let o = self.len;
                self.len += len;
                // On a (vanishingly rare) hash collision the first content keeps the slot
                // and this one is simply stored again.
                self.seen.entry(key).or_insert((o, source));
                self.contents += 1;
                (o, true)
            }
        };
        if let Some(last) = self.entries.last_mut() {
            if last.offset == offset
                && last.length == length
                && last.tile_id + u64::from(last.run_length) == tile_id
            {
                last.run_length += 1;
                return new;
            }
        }
        self.entries.push(Entry {
            tile_id,
            offset,
            length,
            run_length: 1,
        });
        new
    }
}

/// The tile data section assembled in memory: a [`TileIndex`] and the bytes it lays out.
#[derive(Debug, Default)]
pub struct TileData {
    /// The concatenated unique tiles.
    pub data: Vec<u8>,
    /// Their directory.
    pub index: TileIndex,
}

impl TileData {
    /// Add a tile. Ids must be added in ascending order.
    pub fn push(&mut self, tile_id: u64, tile: &[u8]) {
        let data = &self.data;
        let at = data.len() as u64;
        let same = |o: u64| {
            usize::try_from(o)
                .ok()
                .and_then(|o| data.get(o..o + tile.len()))
                == Some(tile)
        };
        if self.index.add(tile_id, tile, at, same) {
            self.data.extend_from_slice(tile);
        }
    }
}

/// The root directory and the concatenated leaf directories, both ready to write.
#[derive(Debug)]
pub struct Directories {
    /// Gzipped root directory.
    pub root: Vec<u8>,
    /// Concatenated gzipped leaf directories (empty when everything fits in the root).
    pub leaves: Vec<u8>,
}

/// Lay out directories: everything in the root if it fits beside the header in 16 KiB,
/// otherwise leaves of `leaf_size` entries, growing the leaf size until the root fits.
pub fn build_directories(entries: &[Entry], gzip: &mut Gzip) -> Directories {
    let root = gzip.compress(&serialize_directory(entries));
    if HEADER_LEN + root.len() <= ROOT_LIMIT {
        return Directories {
            root,
            leaves: Vec::new(),
        };
    }
    let mut leaf_size = 4096usize.max(entries.len() / 4000);
    loop {
        let mut leaves = Vec::new();
        let mut root_entries = Vec::new();
        for chunk in entries.chunks(leaf_size) {
            let leaf = gzip.compress(&serialize_directory(chunk));
            root_entries.push(Entry {
                tile_id: chunk.first().map_or(0, |e| e.tile_id),
                offset: leaves.len() as u64,
                length: u32::try_from(leaf.len()).unwrap_or(u32::MAX),
                run_length: 0,
            });
            leaves.extend_from_slice(&leaf);
        }
        let root = gzip.compress(&serialize_directory(&root_entries));
        if HEADER_LEN + root.len() <= ROOT_LIMIT {
            return Directories { root, leaves };
        }
        leaf_size += leaf_size / 5 + 1;
    }
}

/// The header's fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Header {
    /// Root directory offset and length.
    pub root: (u64, u64),
    /// Metadata offset and length.
    pub metadata: (u64, u64),
    /// Leaf directories offset and length.
    pub leaves: (u64, u64),
    /// Tile data offset and length.
    pub data: (u64, u64),
    /// Addressed tiles, tile entries, tile contents.
    pub counts: (u64, u64, u64),
    /// Whether tiles are in id order.
    pub clustered: bool,
    /// Compression of directories and metadata.
    pub internal_compression: u8,
    /// Compression of tiles.
    pub tile_compression: u8,
    /// Tile type.
    pub tile_type: u8,
    /// Min and max zoom.
    pub zooms: (u8, u8),
    /// Bounds in degrees × 10^7: min lon, min lat, max lon, max lat.
    pub bounds_e7: [i32; 4],
    /// Centre zoom, lon and lat (degrees × 10^7).
    pub center: (u8, i32, i32),
}

impl Header {
    /// The 127 header bytes (little-endian).
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = Vec::with_capacity(HEADER_LEN);
        b.extend_from_slice(b"PMTiles");
        b.push(3);
        for v in [
            self.root.0,
            self.root.1,
            self.metadata.0,
            self.metadata.1,
            self.leaves.0,
            self.leaves.1,
            self.data.0,
            self.data.1,
            self.counts.0,
            self.counts.1,
            self.counts.2,
        ] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.push(u8::from(self.clustered));
        b.push(self.internal_compression);
        b.push(self.tile_compression);
        b.push(self.tile_type);
        b.push(self.zooms.0);
        b.push(self.zooms.1);
        for v in self.bounds_e7 {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.push(self.center.0);
        b.extend_from_slice(&self.center.1.to_le_bytes());
        b.extend_from_slice(&self.center.2.to_le_bytes());
        let mut out = [0u8; HEADER_LEN];
        out.copy_from_slice(&b[..HEADER_LEN]);
        out
    }

    /// The header of a PMTiles v3 archive of `file_len` bytes that begins with `bytes`, the
    /// inverse of [`Header::to_bytes`]; `None` unless a reader would take it for one: the
    /// magic `PMTiles` and version 3, a whole header, enumerations of the specification
    /// (clustered 0 or 1, compression 0-4, tile type 0-5), zooms in order, the root
    /// directory after the header and within [`ROOT_LIMIT`], and every section inside the
    /// file.
    pub fn parse(bytes: &[u8], file_len: u64) -> Option<Header> {
        let b = bytes.get(..HEADER_LEN)?;
        if &b[..8] != b"PMTiles\x03" {
            return None;
        }
        let u64_at =
            |k: usize| u64::from_le_bytes(b[8 + 8 * k..16 + 8 * k].try_into().unwrap_or_default());
        let i32_at = |at: usize| i32::from_le_bytes(b[at..at + 4].try_into().unwrap_or_default());
        let pair = |k: usize| (u64_at(k), u64_at(k + 1));
        let h = Header {
            root: pair(0),
            metadata: pair(2),
            leaves: pair(4),
            data: pair(6),
            counts: (u64_at(8), u64_at(9), u64_at(10)),
            clustered: b[96] == 1,
            internal_compression: b[97],
            tile_compression: b[98],
            tile_type: b[99],
            zooms: (b[100], b[101]),
            bounds_e7: [i32_at(102), i32_at(106), i32_at(110), i32_at(114)],
            center: (b[118], i32_at(119), i32_at(123)),
        };
        let inside =
            |(offset, len): (u64, u64)| offset.checked_add(len).is_some_and(|end| end <= file_len);
        let root_end = h.root.0.saturating_add(h.root.1);
        (b[96] <= 1
            && h.internal_compression <= 4
            && h.tile_compression <= 4
            && h.tile_type <= 5
            && h.zooms.0 <= h.zooms.1
            && h.root.0 >= HEADER_LEN as u64
            && root_end <= ROOT_LIMIT as u64
            && [h.root, h.metadata, h.leaves, h.data]
                .into_iter()
                .all(inside))
        .then_some(h)
    }
}

/// The archive's bytes before the tile data: header, root, metadata, leaves, for a tile
/// data section of `data_len` bytes that follows them.
pub fn prefix(mut header: Header, dirs: &Directories, metadata: &[u8], data_len: u64) -> Vec<u8> {
    let root_off = HEADER_LEN as u64;
    let meta_off = root_off + dirs.root.len() as u64;
    let leaf_off = meta_off + metadata.len() as u64;
    let data_off = leaf_off + dirs.leaves.len() as u64;
    header.root = (root_off, dirs.root.len() as u64);
    header.metadata = (meta_off, metadata.len() as u64);
    header.leaves = (leaf_off, dirs.leaves.len() as u64);
    header.data = (data_off, data_len);
    let mut prefix =
        Vec::with_capacity(HEADER_LEN + dirs.root.len() + metadata.len() + dirs.leaves.len());
    prefix.extend_from_slice(&header.to_bytes());
    prefix.extend_from_slice(&dirs.root);
    prefix.extend_from_slice(metadata);
    prefix.extend_from_slice(&dirs.leaves);
    prefix
}

/// Assemble the archive in memory: [`prefix`], then the tile data. The tile data buffer
/// becomes the archive (the other sections are spliced in front of it), so the archive
/// never needs a second copy of the tiles in memory.
pub fn assemble(header: Header, dirs: &Directories, metadata: &[u8], mut data: Vec<u8>) -> Vec<u8> {
    let prefix = prefix(header, dirs, metadata, data.len() as u64);
    data.splice(0..0, prefix);
    data
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(b)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn gzip_within_a_limit_gives_the_same_member_or_gives_up_above_it() {
        // About 1.4 MB of numbered lines that deflate shrinks to about a third: several
        // steps of output.
        let data: Vec<u8> = (0..60_000u64)
            .flat_map(|i| format!("feature {i} at {}\n", i * 7919 % 100_003).into_bytes())
            .collect();
        let mut gz = Gzip::new(1);
        let whole = gz.compress(&data);
        assert!(whole.len() > 3 * (64 << 10), "{}", whole.len());
        assert_eq!(gunzip(&whole), data);
        let mut out = b"kept".to_vec();
        assert_eq!(gz.compress_within(&data, &mut out, whole.len()), Ok(()));
        assert_eq!(&out[4..], &whole[..]);
        for limit in [whole.len() - 1, whole.len() / 2, 1000] {
            let mut out = b"kept".to_vec();
            let estimate = gz.compress_within(&data, &mut out, limit).unwrap_err();
            assert!(estimate > limit, "{estimate} for {limit}");
            assert_eq!(out, b"kept");
        }
        // The estimate from the share of the input read is near the member's size once a
        // few steps are written (deflate holds some input it has not written out yet).
        let half = gz.compress_within(&data, &mut Vec::new(), whole.len() / 2);
        let estimate = half.unwrap_err();
        assert!(
            estimate.abs_diff(whole.len()) < whole.len() / 4,
            "{estimate} {}",
            whole.len()
        );
        // And the compressor is whole again after giving up.
        assert_eq!(gz.compress(&data), whole);
        // Tiny inputs are stored: the limit holds for them too.
        assert!(gz.compress_within(b"ab", &mut Vec::new(), 5).is_err());
        assert_eq!(gz.compress_within(b"ab", &mut Vec::new(), 100), Ok(()));
    }

    #[test]
    fn gzip_round_trips_and_is_deterministic() {
        let mut gz = Gzip::new(1);
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let a = gz.compress(&data);
        let b = gz.compress(&data);
        assert_eq!(a, b);
        assert_eq!(&a[..2], [0x1f, 0x8b]);
        assert_eq!(gunzip(&a), data);
        assert_eq!(gunzip(&gz.compress(b"")), b"");
        assert_eq!(gunzip(&stored_gzip(&data)), data);
        assert_eq!(gunzip(&stored_gzip(b"")), b"");
    }

    #[test]
    fn directory_columns() {
        let entries = [
            Entry {
                tile_id: 0,
                offset: 0,
                length: 10,
                run_length: 1,
            },
            Entry {
                tile_id: 1,
                offset: 10,
                length: 5,
                run_length: 2,
            },
            Entry {
                tile_id: 5,
                offset: 0,
                length: 10,
                run_length: 1,
            },
        ];
        assert_eq!(
            serialize_directory(&entries),
            [3, 0, 1, 4, 1, 2, 1, 10, 5, 10, 1, 0, 1]
        );
    }

    #[test]
    fn tile_data_dedupes_and_runs() {
        let mut t = TileData::default();
        t.push(0, b"aaa");
        t.push(1, b"bbb");
        t.push(2, b"bbb");
        t.push(3, b"aaa");
        t.push(7, b"aaa");
        assert_eq!(t.data, b"aaabbb");
        assert_eq!(
            (t.index.addressed, t.index.contents, t.index.len),
            (5, 2, 6)
        );
        assert_eq!(
            t.index.entries,
            [
                Entry {
                    tile_id: 0,
                    offset: 0,
                    length: 3,
                    run_length: 1
                },
                Entry {
                    tile_id: 1,
                    offset: 3,
                    length: 3,
                    run_length: 2
                },
                Entry {
                    tile_id: 3,
                    offset: 0,
                    length: 3,
                    run_length: 1
                },
                Entry {
                    tile_id: 7,
                    offset: 0,
                    length: 3,
                    run_length: 1
                },
            ]
        );
    }

    #[test]
    fn large_directories_get_leaves_and_a_small_root() {
        // Irregular ids and lengths, as real tiles have, so the directory does not compress away.
        let mut state = 1u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            state >> 33
        };
        let mut entries = Vec::new();
        let (mut id, mut offset) = (0u64, 0u64);
        for _ in 0..200_000 {
            id += 1 + next() % 7;
            let length = 20 + u32::try_from(next() % 5000).unwrap();
            entries.push(Entry {
                tile_id: id,
                offset,
                length,
                run_length: 1,
            });
            offset += u64::from(length);
        }
        let mut gz = Gzip::new(1);
        let dirs = build_directories(&entries, &mut gz);
        assert!(HEADER_LEN + dirs.root.len() <= ROOT_LIMIT);
        assert!(!dirs.leaves.is_empty());
        let small = build_directories(&entries[..10], &mut gz);
        assert!(small.leaves.is_empty());
    }

    #[test]
    fn header_layout() {
        let h = Header {
            root: (127, 20),
            counts: (1, 2, 3),
            clustered: true,
            internal_compression: COMPRESSION_GZIP,
            tile_compression: COMPRESSION_GZIP,
            tile_type: TILE_TYPE_MVT,
            zooms: (0, 10),
            bounds_e7: [1, 2, 3, 4],
            center: (5, 6, 7),
            ..Header::default()
        };
        let b = h.to_bytes();
        assert_eq!(&b[..8], b"PMTiles\x03");
        assert_eq!(u64::from_le_bytes(b[8..16].try_into().unwrap()), 127);
        assert_eq!(b[96..102], [1, 2, 2, 1, 0, 10]);
        assert_eq!(i32::from_le_bytes(b[102..106].try_into().unwrap()), 1);
        assert_eq!(b[118], 5);
        assert_eq!(i32::from_le_bytes(b[123..127].try_into().unwrap()), 7);
        assert_eq!(Header::parse(&b, 127 + 20), Some(h.clone()));
        // What a reader refuses is no header: a short file, another version, a section past
        // the end, an enumeration out of the specification.
        assert_eq!(Header::parse(&b[..126], 147), None);
        assert_eq!(Header::parse(&b, 146), None);
        for (at, value) in [(7, 2), (96, 2), (97, 5), (99, 6), (100, 11)] {
            let mut c = b;
            c[at] = value;
            assert_eq!(Header::parse(&c, 147), None, "byte {at} = {value}");
        }
    }

    proptest::proptest! {
        #[test]
        fn gzip_round_trips_any_bytes(data in proptest::collection::vec(0u8..8, 0..3000)) {
            let mut gz = Gzip::new(1);
            let member = gz.compress(&data);
            proptest::prop_assert_eq!(&member[..2], &[0x1f, 0x8b]);
            proptest::prop_assert_eq!(gunzip(&member), data);
        }
    }
}
