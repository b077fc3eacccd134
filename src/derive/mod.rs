//! Derive: turn resolved records into layer features with the properties analysts filter by,
//! the Afghan border layer from the Natural Earth boundaries, and the areas of uncertainty
//! around the points.

pub mod border;
pub mod border_index;
pub mod containment;
pub mod event;
pub mod features;
pub mod location;
pub mod polygon_index;
pub mod sphere;
pub mod swap;
pub mod uncertainty;

pub use border::{AfghanBorder, BorderSegment};
pub use border_index::BorderIndex;
pub use features::layers;
// The tile writer still imports these from here.
pub use crate::model::{round6, Feature, Layer};
