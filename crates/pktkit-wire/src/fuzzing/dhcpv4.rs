//! Fuzz target `dhcpv4`: [`DhcpPacket`] and [`DhcpRepr`] on arbitrary bytes.
//!
//! Nothing may panic. The single pass of [`DhcpRepr::parse`] agrees with its
//! general path whenever it takes a message. A repr that parsed can be walked completely (options,
//! routes, search names), emits without error into a junk-filled buffer of
//! exactly `buffer_len()` bytes, and that parses back to an equal repr.

use alloc::vec;
use core::fmt::Write;

use crate::dhcpv4::{DhcpPacket, DhcpRepr};

/// Runs the codec over `data` and checks the invariants above.
pub fn dhcpv4(data: &[u8]) {
    let Ok(packet) = DhcpPacket::new_checked(data) else {
        return;
    };
    for o in packet.options() {
        let _ = o;
    }
    // The single pass, when it takes a message, reads it as the general path does.
    let general = DhcpRepr::parse_general(&packet);
    if let Ok(fast) = DhcpRepr::parse_single_pass(data) {
        assert_eq!(Ok(fast), general, "single pass and general path differ");
    }
    assert_eq!(DhcpRepr::parse(&packet), general);
    let Ok(repr) = DhcpRepr::parse(&packet) else {
        return;
    };
    if let Some(routes) = repr.classless_route_list() {
        for r in routes {
            r.expect("validated by parse");
        }
    }
    if let Some(names) = repr.domain_search_list() {
        let mut s = alloc::string::String::new();
        for n in names {
            write!(s, "{}", n.expect("validated by parse")).expect("String write");
        }
    }
    for o in repr.other.iter() {
        assert!(o.data.len() <= 255);
    }
    let mut out = vec![0xa5u8; repr.buffer_len()];
    repr.emit(&mut DhcpPacket::new_unchecked(&mut out[..]))
        .expect("a parsed repr emits");
    let again = DhcpPacket::new_checked(&out[..]).expect("emitted message is whole");
    assert_eq!(DhcpRepr::parse(&again), Ok(repr));
}
