//! Derive: turn resolved records into layer features with the properties analysts filter by.

pub mod features;
mod layer;

pub use features::layers;
pub use layer::{round6, Feature, Layer};
