//! `drillmap tiles`: the layers as a PMTiles archive, and optionally an XYZ folder.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use drillmap::pipeline;
use drillmap::Error;

/// Write the archive `out` (zooms `min_zoom`..=`max_zoom`) from the layers of `data`, and
/// the XYZ folder `xyz` when asked.
pub fn run(
    data: &Path,
    out: &Path,
    min_zoom: u8,
    max_zoom: u8,
    xyz: Option<PathBuf>,
) -> Result<ExitCode, Error> {
    let opts = drillmap::write::tiles::TileOptions {
        min_zoom,
        max_zoom,
        ..pipeline::tile_options()
    };
    let layers = pipeline::layers(data)?;
    let stats = drillmap::write::tiles::write_pmtiles(out, &layers, &opts)?;
    let mut err = io::stderr().lock();
    let _ = writeln!(
        err,
        "{}: {} tiles ({} distinct), {} bytes, {} features{}, {}",
        out.display(),
        stats.tiles,
        stats.contents,
        stats.bytes,
        stats.features,
        if stats.skipped > 0 {
            format!(" ({} unlocated, not tiled)", stats.skipped)
        } else {
            String::new()
        },
        if stats.changed {
            "written"
        } else {
            "unchanged"
        }
    );
    if let Some(dir) = xyz {
        let stats = drillmap::write::tiles::write_xyz(&dir, &layers, &opts)?;
        let _ = writeln!(err, "{}: {} tiles", dir.display(), stats.tiles);
    }
    Ok(ExitCode::SUCCESS)
}
