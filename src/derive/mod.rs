//! Derive: turn resolved records into layer features with the properties analysts filter by.

mod layer;

pub use layer::{round6, Feature, Layer};
