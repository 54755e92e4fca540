//! Fuzz target `ipv4`: the IPv4 view, [`Ipv4Repr`] and [`Packet`] on arbitrary bytes.
//!
//! Nothing may panic. [`Packet::parse`] accepts exactly what the view plus a
//! version check accepts; a parsed repr emitted into a fresh buffer parses to
//! the same repr with a verifying checksum, and gives back the input header
//! except for the checksum and the reserved flag bit (which the repr drops).

use alloc::vec;

use crate::ipv4::{Ipv4Packet, Ipv4Repr};
use crate::{IpVersion, Packet};

/// Runs the codec over `data` and checks the invariants above.
pub fn ipv4(data: &[u8]) {
    let view = Ipv4Packet::new_checked(data);
    let repr = view.as_ref().ok().map(Ipv4Repr::parse);
    if let Ok(p) = Packet::parse(data) {
        if p.version() == IpVersion::V4 {
            assert!(matches!(repr, Some(Ok(_))), "Packet accepted, ipv4 did not");
        }
    } else {
        assert!(
            !matches!(repr, Some(Ok(_))),
            "ipv4 accepted, Packet did not"
        );
    }
    let (Ok(view), Some(Ok(repr))) = (view, repr) else {
        return;
    };
    let _ = (view.verify_checksum(), view.is_fragment(), view.payload());
    let h = repr.header_len();
    assert_eq!(h, view.header_len());
    let mut out = vec![0xa5u8; h + repr.payload_len];
    let mut p = Ipv4Packet::new_unchecked(&mut out[..]);
    repr.emit(&mut p);
    assert!(p.verify_checksum());
    let mut expect = data[..h].to_vec();
    expect[6] &= 0x7f; // reserved flag
    expect[10..12].copy_from_slice(&out[10..12]);
    assert_eq!(out[..h], expect[..]);
    let again = Ipv4Packet::new_checked(&out[..]).expect("emitted packet is whole");
    assert_eq!(Ipv4Repr::parse(&again), Ok(repr));
}
