//! ARP (RFC 826) frames the adapter sends: requests, replies and
//! announcements (gratuitous ARP in the RFC 5227 §2.3 form). Receiving is in
//! the adapter itself, which owns the cache the answers go into.

use std::net::Ipv4Addr;

use pktkit_wire::arp::{ArpOperation, ArpPacket, ArpRepr};
use pktkit_wire::{EtherType, MacAddr};

use super::ethernet_frame;

/// An ARP request for `tpa` from `sha`/`spa`.
pub(crate) fn request(sha: MacAddr, spa: Ipv4Addr, tpa: Ipv4Addr) -> ArpRepr {
    ArpRepr {
        op: ArpOperation::Request,
        sha,
        spa,
        tha: MacAddr::ZERO,
        tpa,
    }
}

/// A gratuitous ARP announcing that `ip` is at `mac` (sender = target = `ip`).
pub(crate) fn announcement(mac: MacAddr, ip: Ipv4Addr) -> ArpRepr {
    request(mac, ip, ip)
}

/// `repr` in an Ethernet frame to `dst` (from `repr.sha`), padded to 60 bytes.
pub(crate) fn frame(dst: MacAddr, repr: &ArpRepr) -> Vec<u8> {
    let mut body = [0u8; 28];
    repr.emit(&mut ArpPacket::new_unchecked(&mut body[..]));
    ethernet_frame(dst, repr.sha, EtherType::ARP, &body)
}
