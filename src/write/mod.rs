//! Write: layers to files, atomically and deterministically.

pub mod atomic;
pub mod background;
pub mod cell;
pub mod generation;
pub mod geojson;
pub mod sink;
pub mod sort;
pub mod tiles;
