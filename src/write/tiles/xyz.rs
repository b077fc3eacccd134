//! The XYZ folder of `drillmap tiles --xyz DIR`: `DIR/{z}/{x}/{y}.mvt` (uncompressed MVT)
//! and `DIR/metadata.json` (the MBTiles-style metadata GDAL's MVT driver reads, with the
//! archive's `vector_layers`).
//!
//! The folder is one run's whole: it is written under a temporary name beside `DIR`
//! ([`StagedDir`]) and swapped in, with the archive it goes with (`drillmap tiles`
//! publishes both together), so a failed, interrupted or killed run leaves the previous
//! folder as it was, and a smaller `--max-zoom` leaves no emptied zoom folders. Since the
//! folder is replaced whole, a `DIR` holding anything drillmap does not write there is
//! refused ([`check`]) rather than lost. A folder identical to the one in place is not
//! swapped (its files keep their times).

use std::fs;
use std::path::{Path, PathBuf};

use super::{hilbert, tile_pyramid, LayerBuilder, TileOptions, TileStats};
use crate::error::{Error, Result};
use crate::fsutil::atomic::{self, StagedDir};
use crate::fsutil::test_point;

/// What an existing XYZ folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Existing {
    /// Tiles and `metadata.json`.
    pub files: usize,
    /// Temporary files killed runs of the previous design left inside it.
    pub temporaries: usize,
}

/// Check that `dir`, when it exists, is an XYZ folder drillmap wrote: `metadata.json`,
/// numeric `z/x/` folders of `y.mvt` files (and temporary files); anything else is an
/// error naming it, since the folder is replaced whole. `None`: no folder there.
pub fn check(dir: &Path) -> Result<Option<Existing>> {
    let meta = match fs::metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(dir, e)),
    };
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "--xyz {}: a file, not a folder",
            dir.display()
        )));
    }
    let numeric = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
    let foreign = |p: &Path| {
        Error::Usage(format!(
            "--xyz {}: {} is not a file drillmap writes there; the folder is replaced whole by each run: move it, or choose another folder",
            dir.display(),
            p.display()
        ))
    };
    let list = |p: &Path| -> Result<Vec<(PathBuf, String, bool)>> {
        let mut v = Vec::new();
        for entry in fs::read_dir(p).map_err(|e| Error::io(p, e))? {
            let entry = entry.map_err(|e| Error::io(p, e))?;
            let is_dir = entry
                .file_type()
                .map_err(|e| Error::io(entry.path(), e))?
                .is_dir();
            let name = entry.file_name().to_string_lossy().into_owned();
            v.push((entry.path(), name, is_dir));
        }
        Ok(v)
    };
    let mut found = Existing {
        files: 0,
        temporaries: 0,
    };
    for (zdir, z, is_dir) in list(dir)? {
        match (is_dir, z.as_str()) {
            (false, "metadata.json") => found.files += 1,
            (false, n) if atomic::is_temp_name(n) => found.temporaries += 1,
            (true, n) if numeric(n) => {
                for (xdir, x, is_dir) in list(&zdir)? {
                    if !is_dir || !numeric(&x) {
                        return Err(foreign(&xdir));
                    }
                    for (file, y, is_dir) in list(&xdir)? {
                        let tile = y.strip_suffix(".mvt").is_some_and(numeric);
                        match (is_dir, tile) {
                            (false, true) => found.files += 1,
                            (false, false) if atomic::is_temp_name(&y) => found.temporaries += 1,
                            _ => return Err(foreign(&file)),
                        }
                    }
                }
            }
            _ => return Err(foreign(&zdir)),
        }
    }
    Ok(Some(found))
}

/// Tile the layers and write the XYZ folder for `dir` under its temporary name; `None`
/// when `dir` already holds exactly these files (nothing to do). First, a folder a killed
/// run left moved aside is moved back ([`atomic::restore_dir`]) and the temporaries of
/// killed runs beside `dir` are removed.
pub fn stage_built_xyz(
    dir: &Path,
    layers: Vec<LayerBuilder>,
    opts: &TileOptions,
) -> Result<(Option<StagedDir>, TileStats)> {
    atomic::restore_dir(dir)?;
    let existing = check(dir)?;
    super::make_room_beside(dir)?;
    let pyramid = tile_pyramid(layers, opts, false)?;
    let mut stats = pyramid.stats();
    let staged = StagedDir::create(dir)?;
    let mut same = existing.is_some_and(|e| e.temporaries == 0);
    let mut files = 0;
    for (id, tile) in pyramid.tiles() {
        let (z, x, y) = hilbert::zxy(id);
        let rel = Path::new(&z.to_string())
            .join(x.to_string())
            .join(format!("{y}.mvt"));
        same = same && fs::read(dir.join(&rel)).is_ok_and(|old| old == tile);
        staged.write(&rel, tile)?;
        stats.bytes += tile.len();
        files += 1;
        if files == 1 {
            test_point("xyz");
        }
    }
    let meta = pyramid.xyz_metadata(opts)?;
    let rel = Path::new("metadata.json");
    same = same && fs::read(dir.join(rel)).is_ok_and(|old| old == meta.as_bytes());
    staged.write(rel, meta.as_bytes())?;
    files += 1;
    same = same && existing.is_some_and(|e| e.files == files);
    stats.changed = !same;
    // The same files: the staged folder is dropped (removed), the one in place stays.
    Ok((if same { None } else { Some(staged) }, stats))
}
