//! Fuzz target `icmpv4`: the ICMPv4 view and [`Icmpv4Repr`] on arbitrary bytes.
//!
//! Nothing may panic. A parsed repr emitted into a fresh buffer gives back the
//! input bytes except the checksum, verifies, and parses to the same repr. The
//! lenient quote reader never panics on an error's data.

use alloc::vec;

use crate::icmpv4::{Icmpv4Packet, Icmpv4Repr, quoted_ipv4};

/// Runs the codec over `data` and checks the invariants above.
pub fn icmpv4(data: &[u8]) {
    let Ok(packet) = Icmpv4Packet::new_checked(data) else {
        return;
    };
    let _ = packet.verify_checksum();
    let repr = Icmpv4Repr::parse(&packet).expect("only the length can fail");
    let _ = quoted_ipv4(repr.data());
    assert_eq!(repr.buffer_len(), data.len());
    let mut out = vec![0xa5u8; repr.buffer_len()];
    let mut p = Icmpv4Packet::new_unchecked(&mut out[..]);
    repr.emit(&mut p);
    assert!(p.verify_checksum());
    assert_eq!(out[..2], data[..2]);
    assert_eq!(out[4..], data[4..]);
    let again = Icmpv4Packet::new_checked(&out[..]).expect("same length");
    assert_eq!(Icmpv4Repr::parse(&again), Ok(repr));
}
