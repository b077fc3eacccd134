//! Derive: turn resolved records into layer features with the properties analysts filter by,
//! the Afghan border layer from the Natural Earth boundaries, and the areas of uncertainty
//! around the points.

pub mod border;
pub mod containment;
pub mod features;
mod layer;
pub mod uncertainty;

pub use border::{AfghanBorder, BorderSegment};
pub use features::layers;
pub use layer::{round6, Feature, Layer};
