//! The command line: flags, commands and what they print. Only the binary uses this.

pub mod args;
pub mod build;
pub mod bulk;
pub mod extract;
pub mod geocode;
pub mod import;
pub mod out;
pub mod promote;
pub mod serve;
pub mod tiles;

/// Exit code for data problems (`check`, `build`) or a name not resolved (`geocode`).
pub const DATA_PROBLEMS: u8 = 1;
/// Exit code for a usage error, or a file (or the GeoNames index) that cannot be read or
/// written.
pub const FAILURE: u8 = 2;
/// Exit code for an internal error: a bug (a panic, a worker thread that failed), not a
/// problem with the input or the files.
pub const INTERNAL: u8 = 3;

pub use drillmap::read::lines::counted;

/// The canonical form of a path that may not exist yet: its deepest existing folder,
/// canonical, with the rest of the path after it.
pub fn canonical_target(path: &std::path::Path) -> std::path::PathBuf {
    if let Ok(c) = path.canonicalize() {
        return c;
    }
    let abs = std::env::current_dir().map_or_else(|_| path.to_path_buf(), |d| d.join(path));
    let mut tail = Vec::new();
    let mut at = abs.as_path();
    while let (Some(parent), Some(name)) = (at.parent(), at.file_name()) {
        tail.push(name);
        at = parent;
        if let Ok(c) = at.canonicalize() {
            return tail.iter().rev().fold(c, |p, n| p.join(n));
        }
    }
    abs
}
