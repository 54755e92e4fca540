//! Fuzz target `arp`: the ARP view and [`ArpRepr`] on arbitrary bytes.
//!
//! Nothing may panic. A parsed repr emitted into a fresh buffer gives back the
//! first 28 input bytes and parses to the same repr.

use crate::arp::{ArpPacket, ArpRepr, ETHERNET_IPV4_LEN};

/// Runs the codec over `data` and checks the invariants above.
pub fn arp(data: &[u8]) {
    let Ok(packet) = ArpPacket::new_checked(data) else {
        return;
    };
    let _ = (packet.sha(), packet.spa(), packet.tha(), packet.tpa());
    let Ok(repr) = ArpRepr::parse(&packet) else {
        return;
    };
    let mut out = [0xa5u8; ETHERNET_IPV4_LEN];
    repr.emit(&mut ArpPacket::new_unchecked(&mut out[..]));
    assert_eq!(out, data[..ETHERNET_IPV4_LEN]);
    let again = ArpPacket::new_checked(&out[..]).expect("28 bytes are whole");
    assert_eq!(ArpRepr::parse(&again), Ok(repr));
}
