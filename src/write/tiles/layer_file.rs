//! The archive of a bulk build's layer: `build --events` writes `OUT/<layer>.pmtiles` by
//! tiling the GeoJSON layer file the same run wrote, read back as `drillmap tiles` reads
//! any layer ([`input::read_built`]: the one feature parser, on worker threads), so the two
//! give the same archive by construction.
//!
//! An archive is a function of that layer's bytes, the tile options and the program that
//! tiled it (the output is deterministic; the program is its file and, where it is linked
//! to glibc, glibc's version, whose `ln`, `sinh` and `atan` the projection calls), so
//! [`made_from`] names the three in one key. The output folder remembers the key with the
//! archive's digest ([`crate::write::generation::Folder::made`]), and a rebuild whose key
//! is the one the present archive was made from keeps it without reading or tiling
//! anything: a rebuild of an unchanged export is as quick with tiles as without.

use std::path::Path;
use std::sync::OnceLock;

use super::{input, stage_built_pmtiles, TileOptions, TileStats};
use crate::bulk::Columns;
use crate::error::{Error, Problem, Result};
use crate::fsutil::digest::{of_bytes, Digest};
use crate::write::atomic::Staged;

/// Tile the GeoJSON layer drillmap wrote to `file` (its staged temporary file, or the
/// destination `layer` when it did not change) into an archive staged beside `dest`.
/// Errors about the tiled features (a tile over budget, a repeated id) name `layer`, and so
/// does one in reading it back ([`read_back`]).
pub fn stage_layer_pmtiles(
    file: &Path,
    layer: &Path,
    dest: &Path,
    opts: &TileOptions,
) -> Result<(Option<Staged>, TileStats)> {
    let spill = opts.spill_beside(dest);
    let mut built = input::read_built(
        file,
        (&Columns::default(), &mut []),
        Some(&spill),
        opts.thread_count(),
    )
    .map_err(|e| read_back(e, file, layer))?;
    built.set_source(layer);
    stage_built_pmtiles(dest, vec![built], opts)
}

/// An error reading back the layer drillmap wrote to `file` (to be `layer`): a fault of the
/// disk (an I/O error) as it is; text the reader refuses, a fault of the program (every
/// value a bulk build writes is one the reader reads), as an internal error naming the
/// layer, not its temporary file.
fn read_back(e: Error, file: &Path, layer: &Path) -> Error {
    let said = match e {
        Error::Io { .. } => return e,
        Error::Data(problems) => problems
            .into_iter()
            .next()
            .map(|p| {
                Problem {
                    path: layer.to_path_buf(),
                    ..p
                }
                .to_string()
            })
            .unwrap_or_default(),
        other => other
            .to_string()
            .replace(&file.display().to_string(), &layer.display().to_string()),
    };
    Error::Internal(format!(
        "{said}: the layer drillmap wrote does not read back, so no archive is made (a bug: \
         please report it)"
    ))
}

/// What an archive of the GeoJSON layer `layer` (its digest), tiled as the layer `name`
/// with `opts`, is made from: the SHA-256 of the program that tiles it, of the layer, and
/// of every option the archive depends on (not the threads or sort buffer, which it does
/// not), as one hex SHA-256. `None` when the program cannot be read: nothing is then kept.
pub fn made_from(layer: &Digest, name: &str, opts: &TileOptions) -> Option<String> {
    Some(key(program()?, layer, name, opts))
}

/// [`made_from`] for the program `program`.
fn key(program: &str, layer: &Digest, name: &str, opts: &TileOptions) -> String {
    let TileOptions {
        min_zoom,
        max_zoom,
        extent,
        buffer,
        name: tileset,
        description,
        gzip_level,
        threads: _,
        max_tile_bytes,
        max_tile_features,
        base_zoom: _,
        accumulate,
        sort_buffer: _,
    } = opts;
    let text = format!(
        "drillmap {version} tiles\nprogram {program}\nlayer {name:?} {len} {sha}\n\
         zooms {min_zoom}-{max_zoom} base {base}\nextent {extent} buffer {buffer}\n\
         tileset {tileset:?} {description:?}\ngzip {gzip_level}\n\
         budget {max_tile_bytes} bytes {max_tile_features} features\naccumulate {accumulate:?}\n",
        version = env!("CARGO_PKG_VERSION"),
        len = layer.0,
        sha = layer.1,
        base = opts.base_zoom(),
    );
    of_bytes(text.as_bytes()).1
}

/// The running program as [`made_from`] names it: the SHA-256 of its file and the C
/// library's version, taken once. On Linux the file is read through `/proc/self/exe`, the
/// file this process runs even if a new build has replaced it since; elsewhere by its path,
/// so a run that may keep an archive takes it before its work (`build --events` does),
/// leaving no time for the file to be replaced unseen. `None` when it cannot be read.
pub fn program() -> Option<&'static str> {
    static PROGRAM: OnceLock<Option<String>> = OnceLock::new();
    PROGRAM
        .get_or_init(|| {
            let path = if cfg!(target_os = "linux") {
                std::path::PathBuf::from("/proc/self/exe")
            } else {
                std::env::current_exe().ok()?
            };
            let file = std::fs::File::open(path).ok()?;
            let digest = crate::fsutil::digest::digest_of(file).ok()?.1;
            Some(format!("{digest} libc {}", c_library()))
        })
        .as_deref()
}

/// glibc's version where the program is linked to it; else the target's C library.
#[allow(unsafe_code)]
fn c_library() -> String {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: gnu_get_libc_version has no preconditions and returns a pointer to a
        // static NUL-terminated string, valid for the whole run.
        let version = unsafe { std::ffi::CStr::from_ptr(libc::gnu_get_libc_version()) };
        format!("glibc {}", version.to_string_lossy())
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        format!("{} {}", std::env::consts::OS, std::env::consts::ARCH)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Probe (session 24): a layer the reader refused was told as a data problem in the
    /// staged file's name (`.events.geojson.drillmap-PID.tmp:2`): now an internal error
    /// naming the layer, with the reader's words, and nothing staged.
    #[test]
    fn a_layer_that_does_not_read_back_is_an_internal_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(".events.geojson.drillmap-1.tmp");
        let layer = dir.path().join("events.geojson");
        let dest = dir.path().join("events.pmtiles");
        std::fs::write(
            &file,
            "{\"type\":\"FeatureCollection\",\"features\":[\n{\"type\":\"Feature\",\"id\":\"a\",\
             \"geometry\":{\"type\":\"Point\",\"coordinates\":[68.7,38.5]},\
             \"properties\":{\"a\":1e400}}\n]}\n",
        )
        .unwrap();
        let err = stage_layer_pmtiles(&file, &layer, &dest, &TileOptions::default())
            .err()
            .unwrap();
        let text = err.to_string();
        assert!(matches!(err, Error::Internal(_)), "{text}");
        assert!(text.contains(&format!("{}:2", layer.display())), "{text}");
        assert!(text.contains("number out of range"), "{text}");
        assert!(!text.contains("drillmap-1.tmp"), "{text}");
        assert!(!dest.exists());
    }

    #[test]
    fn the_key_changes_with_the_layer_and_every_option_the_archive_depends_on() {
        let layer: Digest = (10, "ab".repeat(32));
        let opts = TileOptions::default();
        let key = made_from(&layer, "events", &opts).unwrap();
        assert_eq!(key.len(), 64);
        // Options the archive does not depend on.
        let same = TileOptions {
            threads: Some(1),
            sort_buffer: 1 << 20,
            base_zoom: Some(opts.max_zoom),
            ..opts.clone()
        };
        assert_eq!(made_from(&layer, "events", &same).unwrap(), key);
        let other_layer: Digest = (10, "cd".repeat(32));
        let changed = [
            made_from(&other_layer, "events", &opts),
            made_from(&(11, layer.1.clone()), "events", &opts),
            made_from(&layer, "drills", &opts),
            made_from(
                &layer,
                "events",
                &TileOptions {
                    min_zoom: 1,
                    ..opts.clone()
                },
            ),
            made_from(
                &layer,
                "events",
                &TileOptions {
                    max_zoom: 9,
                    ..opts.clone()
                },
            ),
            made_from(
                &layer,
                "events",
                &TileOptions {
                    base_zoom: Some(8),
                    ..opts.clone()
                },
            ),
            made_from(
                &layer,
                "events",
                &TileOptions {
                    extent: 512,
                    ..opts.clone()
                },
            ),
            made_from(
                &layer,
                "events",
                &TileOptions {
                    buffer: 8,
                    ..opts.clone()
                },
            ),
            made_from(
                &layer,
                "events",
                &TileOptions {
                    name: "x".into(),
                    ..opts.clone()
                },
            ),
            made_from(
                &layer,
                "events",
                &TileOptions {
                    description: "x".into(),
                    ..opts.clone()
                },
            ),
            made_from(
                &layer,
                "events",
                &TileOptions {
                    gzip_level: 6,
                    ..opts.clone()
                },
            ),
            made_from(
                &layer,
                "events",
                &TileOptions {
                    max_tile_bytes: 4096,
                    ..opts.clone()
                },
            ),
            made_from(
                &layer,
                "events",
                &TileOptions {
                    max_tile_features: 9,
                    ..opts.clone()
                },
            ),
            made_from(
                &layer,
                "events",
                &TileOptions {
                    accumulate: vec!["troops".into()],
                    ..opts.clone()
                },
            ),
        ];
        for (i, k) in changed.iter().enumerate() {
            assert_ne!(k.as_deref(), Some(key.as_str()), "case {i}");
        }
        // Another program, or the same file with another C library.
        let here = program().unwrap();
        assert!(here.contains(" libc "), "{here}");
        assert_eq!(super::key(here, &layer, "events", &opts), key);
        assert_ne!(super::key("other", &layer, "events", &opts), key);
        let other_libc = here.replace(" libc ", " libc other ");
        assert_ne!(super::key(&other_libc, &layer, "events", &opts), key);
    }
}
