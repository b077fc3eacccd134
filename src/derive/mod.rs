//! Derive: turn resolved records into layer features with the properties analysts filter by,
//! and the Afghan border layer from the Natural Earth boundaries.

pub mod border;
pub mod containment;
pub mod features;
mod layer;
pub mod swap;

pub use border::{AfghanBorder, BorderSegment};
pub use features::layers;
pub use layer::{round6, Feature, Layer};
