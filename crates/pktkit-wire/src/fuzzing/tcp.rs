//! Fuzz target `tcp`: the TCP segment codec on arbitrary bytes.
//!
//! The first byte picks the IP version for the checksum; the rest is a TCP
//! segment. Nothing may panic; the option iterator ends after at most one error;
//! a parsed [`TcpRepr`] re-emits into a segment that parses to the same repr
//! (SACK blocks that do not fit beside the other options are dropped, as
//! documented) and whose filled checksum verifies:
//! `parse(emit(parse(x))) == parse(x)`.

use alloc::vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::tcp::{TcpPacket, TcpRepr};

/// Runs the codec over `data` and checks the invariants above.
pub fn tcp(data: &[u8]) {
    let Some((&selector, segment)) = data.split_first() else {
        return;
    };
    let (src, dst) = if selector & 1 == 0 {
        (
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
        )
    } else {
        (
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        )
    };
    let Ok(packet) = TcpPacket::new_checked(segment) else {
        return;
    };
    // Every getter is in bounds once check_len passed.
    let _ = (
        packet.src_port(),
        packet.flags(),
        packet.urgent_at(),
        packet.segment_len(),
    );
    let _ = packet.verify_checksum(src, dst);
    let mut errors = 0;
    for opt in packet.options_iter() {
        if opt.is_err() {
            errors += 1;
        }
    }
    assert!(errors <= 1, "the option iterator must stop after an error");

    let Ok(repr) = TcpRepr::parse(&packet) else {
        assert_eq!(errors, 1, "parse may only fail on a bad option here");
        return;
    };
    assert_eq!(errors, 0);
    assert_eq!(repr.payload, packet.payload());
    let mut out = vec![0u8; repr.buffer_len()];
    let mut emitted = TcpPacket::new_unchecked(&mut out[..]);
    repr.emit(&mut emitted);
    emitted.fill_checksum(src, dst);
    let emitted = TcpPacket::new_checked(&out[..]).expect("our own emit must pass check_len");
    assert!(emitted.verify_checksum(src, dst));
    let again = TcpRepr::parse(&emitted).expect("our own emit must parse");
    let mut expected = repr;
    expected.sack_blocks.truncate(repr.emitted_sack_blocks());
    assert_eq!(again, expected);
}
