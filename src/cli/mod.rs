//! The command line: flags, commands and what they print. Only the binary uses this.

pub mod args;
pub mod bulk;
pub mod extract;
pub mod geocode;
pub mod promote;
pub mod serve;
