//! Project automation (placeholder replaced by the xtask work).
fn main() {}
