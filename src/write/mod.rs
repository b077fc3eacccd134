//! Write: layers to files, atomically and deterministically.

// The atomic file primitives live below every layer (the geocode cache uses them too).
pub use crate::fsutil::{atomic, background};
pub mod cell;
pub mod generation;
pub mod geojson;
pub mod sink;
pub mod sort;
pub mod tiles;
