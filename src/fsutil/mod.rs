//! File-system primitives under every layer: atomic, change-aware file writes
//! ([`atomic`]), the background thread that streams a large file to disk
//! ([`background`]), the size and SHA-256 of what is written ([`digest`]), those known from an earlier run ([`known`]) and the removal
//! of a run's temporary files when it is interrupted ([`interrupt`]). The writers of layers ([`crate::write`]) and the online geocode cache
//! ([`crate::resolve::online`]) both write through them, so there is one way to replace a
//! file safely, and no layer imports one above it to do so.

pub mod atomic;
pub mod background;
pub mod digest;
pub mod interrupt;
pub mod known;
