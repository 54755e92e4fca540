//! Criterion benches of pktkit beside peer crates.
