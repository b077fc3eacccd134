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

pub use drillmap::fsutil::canonical_target;
