//! Fuzz target `udp`: the UDP view and [`UdpRepr`] on arbitrary bytes.
//!
//! Nothing may panic. A parsed repr emitted with its payload into a fresh
//! buffer parses to the same repr, gives back the input's first 6 bytes, and
//! its checksum verifies over IPv4 and IPv6 pseudo headers taken from the input.

use alloc::vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::udp::{UdpPacket, UdpRepr};

/// Runs the codec over `data` and checks the invariants above.
pub fn udp(data: &[u8]) {
    let Ok(packet) = UdpPacket::new_checked(data) else {
        return;
    };
    let repr = UdpRepr::parse(&packet).expect("only the length can fail");
    let payload = packet.payload();
    assert_eq!(payload.len(), repr.payload_len);
    let mut a = [0u8; 16];
    let n = data.len().min(16);
    a[..n].copy_from_slice(&data[..n]);
    let v4 = (
        IpAddr::V4(Ipv4Addr::new(a[0], a[1], a[2], a[3])),
        IpAddr::V4(Ipv4Addr::new(a[4], a[5], a[6], a[7])),
    );
    let v6 = (
        IpAddr::V6(Ipv6Addr::from(a)),
        IpAddr::V6(Ipv6Addr::from(u128::from_be_bytes(a).rotate_left(8))),
    );
    let _ = packet.verify_checksum(v4.0, v4.1);
    for (src, dst) in [v4, v6] {
        let mut out = vec![0xa5u8; repr.buffer_len()];
        let mut p = UdpPacket::new_unchecked(&mut out[..]);
        repr.emit_with_payload(&mut p, payload, src, dst);
        assert!(p.verify_checksum(src, dst));
        assert_ne!(p.checksum(), 0, "a computed zero is sent as 0xffff");
        assert_eq!(out[..6], data[..6]);
        let again = UdpPacket::new_checked(&out[..]).expect("emitted datagram is whole");
        assert_eq!(UdpRepr::parse(&again), Ok(repr));
    }
}
