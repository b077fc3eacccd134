//! The `drillmap` command line.
fn main() {}
