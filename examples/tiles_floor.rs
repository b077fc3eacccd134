//! The CPU floor of a tile archive under the rules (`bash benches/tiles/floor.sh`
//! runs it beside `drillmap tiles` and tippecanoe).
//!
//! `tiles_floor ARCHIVE.pmtiles [INPUT.geojson]`
//!
//! Two steps every run that writes this archive must take, timed alone on one thread:
//! - **gzip**: every tile of the archive, decompressed, is gzipped again with the tiler's own
//!   [`Gzip`] at its level ([`TileOptions::gzip_level`], 1): the CPU of compressing exactly
//!   the MVT bytes the archive holds, nothing else (tiles of a run of equal ids, which the
//!   archive stores once, are gzipped once per id, as the tiler does). The member must
//!   come out byte for byte as stored, which checks that the level is the one used.
//! - **read** (with `INPUT`): the input read into the tiler's compact form by
//!   [`read_built`], as `drillmap tiles INPUT` does first (the parse and the records
//!   encoded, runs sorted and spilled beside the archive; not their final merge).
//!
//! Prints one JSON line: tiles, raw and gzipped bytes per zoom, and CPU seconds of each
//! step (user + system time of the process, from `/proc/self/stat`).

use std::path::Path;
use std::time::Instant;

use drillmap::bulk::Columns;
use drillmap::write::tiles::input::read_built;
use drillmap::write::tiles::pmtiles::Gzip;
use drillmap::write::tiles::TileOptions;
use flate2::read::GzDecoder;
use serde_json::json;
use std::io::Read;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// User + system CPU seconds of this process so far.
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; in
    // clock ticks of 1/100 s on Linux.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    ticks as f64 / 100.0
}

fn read_varint(b: &[u8], at: &mut usize) -> Res<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*at).ok_or("directory ends inside a varint")?;
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("varint too long".into())
}

fn u64_at(b: &[u8], at: usize) -> Res<u64> {
    let bytes: [u8; 8] = b
        .get(at..at + 8)
        .ok_or("archive shorter than its header")?
        .try_into()?;
    Ok(u64::from_le_bytes(bytes))
}

fn gunzip(b: &[u8]) -> Res<Vec<u8>> {
    let mut out = Vec::new();
    GzDecoder::new(b).read_to_end(&mut out)?;
    Ok(out)
}

/// A PMTiles v3 directory entry: (tile id, run length, offset, length).
type Entry = (u64, u64, u64, u64);

fn directory(bytes: &[u8]) -> Res<Vec<Entry>> {
    let b = gunzip(bytes)?;
    let mut at = 0;
    let n = usize::try_from(read_varint(&b, &mut at)?)?;
    let mut e = vec![(0u64, 0u64, 0u64, 0u64); n];
    let mut id = 0;
    for x in &mut e {
        id += read_varint(&b, &mut at)?;
        x.0 = id;
    }
    for x in &mut e {
        x.1 = read_varint(&b, &mut at)?;
    }
    for x in &mut e {
        x.3 = read_varint(&b, &mut at)?;
    }
    for i in 0..n {
        let v = read_varint(&b, &mut at)?;
        e[i].2 = if v == 0 && i > 0 {
            e[i - 1].2 + e[i - 1].3
        } else {
            v.saturating_sub(1)
        };
    }
    Ok(e)
}

/// Every tile entry of the archive (leaf directories followed), in id order.
fn entries(archive: &[u8]) -> Res<Vec<Entry>> {
    let slice = |off: u64, len: u64| -> Res<&[u8]> {
        let (o, l) = (usize::try_from(off)?, usize::try_from(len)?);
        Ok(archive.get(o..o + l).ok_or("section outside the archive")?)
    };
    let root = directory(slice(u64_at(archive, 8)?, u64_at(archive, 16)?)?)?;
    let leaves = u64_at(archive, 40)?;
    let mut out = Vec::new();
    for e in root {
        if e.1 == 0 {
            out.extend(directory(slice(leaves + e.2, e.3)?)?);
        } else {
            out.push(e);
        }
    }
    Ok(out)
}

/// The zoom of a Hilbert tile id.
fn zoom_of(id: u64) -> usize {
    let mut z = 0;
    let mut first = 0u64;
    while z < 32 {
        let next = first + (1u64 << (2 * z));
        if id < next {
            return z;
        }
        first = next;
        z += 1;
    }
    z
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let (archive_path, input) = match args.as_slice() {
        [_, a] => (a, None),
        [_, a, i] => (a, Some(i)),
        _ => return Err("usage: tiles_floor ARCHIVE.pmtiles [INPUT.geojson]".into()),
    };
    let archive = std::fs::read(archive_path)?;
    let data = usize::try_from(u64_at(&archive, 56)?)?;
    // Each tile: its zoom, its MVT bytes and where its stored member lies in the archive.
    let mut raw: Vec<(usize, Vec<u8>, std::ops::Range<usize>)> = Vec::new();
    for (id, run, off, len) in entries(&archive)? {
        let o = data + usize::try_from(off)?;
        let at = o..o + usize::try_from(len)?;
        let stored = archive.get(at.clone()).ok_or("tile outside the archive")?;
        let tile = gunzip(stored)?;
        for k in 0..run {
            raw.push((zoom_of(id + k), tile.clone(), at.clone()));
        }
    }
    // The stored members, to check the level: the same bytes must come out.
    let level = TileOptions::default().gzip_level;
    let mut gz = Gzip::new(level);
    let mut out = Vec::new();
    let mut zooms = vec![(0usize, 0u64, 0u64); 33];
    let mut differ = 0usize;
    let (cpu0, t0) = (cpu_s(), Instant::now());
    for (z, tile, at) in &raw {
        out.clear();
        gz.compress_into(tile, &mut out);
        differ += usize::from(archive.get(at.clone()) != Some(out.as_slice()));
        let zs = &mut zooms[*z];
        zs.0 += 1;
        zs.1 += tile.len() as u64;
        zs.2 += out.len() as u64;
    }
    let gzip_cpu = cpu_s() - cpu0;
    let gzip_wall = t0.elapsed().as_secs_f64();
    let per_zoom: Vec<_> = zooms
        .iter()
        .enumerate()
        .filter(|(_, z)| z.0 > 0)
        .map(|(i, z)| json!({"zoom": i, "tiles": z.0, "raw_bytes": z.1, "gzip_bytes": z.2}))
        .collect();
    let mut report = json!({
        "archive": archive_path,
        "archive_bytes": archive.len(),
        "tiles": raw.len(),
        "raw_bytes": raw.iter().map(|t| t.1.len() as u64).sum::<u64>(),
        "gzip_level": level,
        "gzip_cpu_s": (gzip_cpu * 100.0).round() / 100.0,
        "gzip_wall_s": (gzip_wall * 100.0).round() / 100.0,
        "members_not_as_stored": differ,
        "zooms": per_zoom,
    });
    drop(raw);
    drop(archive);
    if let Some(input) = input {
        let spill = TileOptions::default().spill_beside(Path::new(archive_path));
        let (cpu0, t0) = (cpu_s(), Instant::now());
        let layer = read_built(
            Path::new(input),
            (&Columns::default(), &mut []),
            Some(&spill),
            1,
        )?;
        drop(layer);
        report["read_cpu_s"] = json!(((cpu_s() - cpu0) * 100.0).round() / 100.0);
        report["read_wall_s"] = json!((t0.elapsed().as_secs_f64() * 100.0).round() / 100.0);
    }
    println!("{report}");
    Ok(())
}
