//! Fuzz target `frame`: [`Frame::parse`] on arbitrary bytes.
//!
//! Nothing may panic. A parsed frame's accessors agree with the bytes read by
//! hand (MACs, tag walk, EtherType), `header_len ≤ len` and the payload is
//! exactly `bytes[header_len..]`; the MAC setters change only their six bytes.
//! Every input shorter than 14 bytes is rejected.

use alloc::vec::Vec;

use crate::{ETHERNET_HEADER_LEN, EtherType, Frame, MAX_VLAN_TAGS, MacAddr, VLAN_TAG_LEN};

/// Runs [`Frame::parse`] over `data` and checks the invariants above.
pub fn frame(data: &[u8]) {
    let Ok(frame) = Frame::parse(data) else {
        return;
    };
    assert!(data.len() >= ETHERNET_HEADER_LEN);
    assert_eq!(frame.len(), data.len());
    assert_eq!(frame.as_bytes(), data);

    // The tag walk, redone independently: 802.1Q, 802.1ad and the old 0x9100 QinQ.
    let be16 = |at: usize| u16::from_be_bytes([data[at], data[at + 1]]);
    let mut tags = 0;
    while matches!(be16(12 + tags * VLAN_TAG_LEN), 0x8100 | 0x88a8 | 0x9100) {
        tags += 1;
    }
    assert!(tags <= MAX_VLAN_TAGS);
    let header_len = ETHERNET_HEADER_LEN + tags * VLAN_TAG_LEN;
    assert_eq!(frame.vlan_tag_count(), tags);
    assert_eq!(frame.header_len(), header_len);
    assert!(frame.header_len() <= frame.len());
    assert_eq!(frame.payload(), &data[header_len..]);
    assert_eq!(frame.ethertype(), EtherType(be16(header_len - 2)));
    assert_eq!(frame.dst().0, data[..6]);
    assert_eq!(frame.src().0, data[6..12]);

    let parsed: Vec<_> = frame.vlan_tags().collect();
    assert_eq!(parsed.len(), tags);
    for (i, tag) in parsed.iter().enumerate() {
        let at = 12 + i * VLAN_TAG_LEN;
        assert_eq!(tag.tpid, EtherType(be16(at)));
        assert_eq!(tag.tci(), be16(at + 2));
        assert_eq!(tag.vid, be16(at + 2) & 0x0fff);
    }
    assert_eq!(frame.vlan_id(), parsed.first().map(|t| t.vid));

    // Setters touch only the MACs; the rest of the view is unchanged.
    let mut copy = data.to_vec();
    let mutable = Frame::parse_mut(&mut copy).expect("same bytes parse again");
    let (dst, src) = (MacAddr([0xa5; 6]), MacAddr([0x5a; 6]));
    mutable.set_dst(dst);
    mutable.set_src(src);
    assert_eq!((mutable.dst(), mutable.src()), (dst, src));
    assert_eq!(mutable.header_len(), header_len);
    assert_eq!(mutable.payload_mut().len(), data.len() - header_len);
    assert_eq!(copy[12..], data[12..]);
}
