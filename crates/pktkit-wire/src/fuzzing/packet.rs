//! Fuzz target `packet`: [`Packet::parse`] on arbitrary bytes.
//!
//! Nothing may panic. A parsed packet's accessors agree with the bytes read
//! by hand, `header_len ≤ total_len ≤ len` and the payload is
//! `bytes[header_len..total_len]`. `decrement_ttl` forwards only a TTL above
//! 1, lowers it by exactly one and, over IPv4, keeps a valid header checksum
//! valid (RFC 1624) and changes no other byte.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::{IpVersion, Packet, checksum};

/// Runs [`Packet::parse`] over `data` and checks the invariants above.
pub fn packet(data: &[u8]) {
    let Ok(packet) = Packet::parse(data) else {
        return;
    };
    let v4 = data[0] >> 4 == 4;
    assert!(v4 || data[0] >> 4 == 6, "only IPv4 and IPv6 parse");
    assert_eq!(packet.is_ipv4(), v4);
    assert_eq!(packet.as_bytes(), data);

    let header_len = packet.header_len();
    let total_len = packet.total_len();
    assert!(header_len <= total_len && total_len <= data.len());
    assert_eq!(packet.payload(), &data[header_len..total_len]);

    let be16 = |at: usize| usize::from(u16::from_be_bytes([data[at], data[at + 1]]));
    let octets4 = |at: usize| Ipv4Addr::new(data[at], data[at + 1], data[at + 2], data[at + 3]);
    let octets16 = |at: usize| {
        let mut o = [0u8; 16];
        o.copy_from_slice(&data[at..at + 16]);
        Ipv6Addr::from(o)
    };
    let ttl_at = if v4 {
        assert_eq!(packet.version(), IpVersion::V4);
        assert_eq!(header_len, usize::from(data[0] & 0x0f) * 4);
        assert!(header_len >= 20);
        assert_eq!(total_len, be16(2));
        assert_eq!(packet.src(), IpAddr::V4(octets4(12)));
        assert_eq!(packet.dst(), IpAddr::V4(octets4(16)));
        assert_eq!(packet.protocol().0, data[9]);
        8
    } else {
        assert_eq!(packet.version(), IpVersion::V6);
        assert_eq!(header_len, 40);
        assert_eq!(total_len, 40 + be16(4));
        assert_eq!(packet.src(), IpAddr::V6(octets16(8)));
        assert_eq!(packet.dst(), IpAddr::V6(octets16(24)));
        assert_eq!(packet.protocol().0, data[6]);
        7
    };
    let ttl = data[ttl_at];
    assert_eq!(packet.ttl(), ttl);
    let checksum_ok = packet.ipv4_checksum_ok();
    if v4 {
        assert_eq!(checksum_ok, checksum::verify(&data[..header_len]));
    } else {
        assert!(checksum_ok, "IPv6 has no header checksum");
    }

    let mut copy = data.to_vec();
    let mutable = Packet::parse_mut(&mut copy).expect("same bytes parse again");
    let forwarded = mutable.decrement_ttl();
    assert_eq!(forwarded, ttl > 1);
    if !forwarded {
        assert_eq!(copy, data, "a packet that is not forwarded is not changed");
        return;
    }
    assert_eq!(mutable.ttl(), ttl - 1);
    if checksum_ok {
        assert!(
            mutable.ipv4_checksum_ok(),
            "decrement_ttl broke a valid checksum"
        );
    }
    // Only the TTL and (IPv4) the checksum bytes may differ.
    for (i, (after, before)) in copy.iter().zip(data).enumerate() {
        if i != ttl_at && !(v4 && (i == 10 || i == 11)) {
            assert_eq!(after, before, "byte {i} changed");
        }
    }
}
