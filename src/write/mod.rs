//! Write: layers to files, atomically and deterministically.

pub mod atomic;
pub mod background;
pub mod geojson;
pub mod tiles;
