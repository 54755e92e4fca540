//! Fuzz target `ethernet`: the Ethernet view, [`EthernetRepr`], [`Frame`] and
//! the in-place VLAN tag push/pop on arbitrary bytes.
//!
//! Nothing may panic. [`Frame::parse`] and [`EthernetFrame::new_checked`]
//! agree; a parsed repr emitted into a fresh buffer parses to the same repr
//! (`parse(emit(parse(x))) == parse(x)`); pushing a tag and popping it again
//! gives back the original bytes, both with tailroom and with headroom.

use alloc::vec;

use crate::ethernet::{
    EthernetFrame, EthernetRepr, pop_vlan_tag, pop_vlan_tag_front, push_vlan_tag,
    push_vlan_tag_front,
};
use crate::{EtherType, Frame, VLAN_TAG_LEN, VlanTag};

/// Runs the codec over `data` and checks the invariants above.
pub fn ethernet(data: &[u8]) {
    let checked = EthernetFrame::new_checked(data);
    assert_eq!(checked.is_ok(), Frame::parse(data).is_ok());
    let Ok(frame) = checked else {
        return;
    };
    let f = Frame::parse(data).expect("agrees with new_checked above");
    assert_eq!(f.header_len(), frame.header_len());
    assert_eq!(f.ethertype(), frame.ethertype());
    assert!(f.vlan_tags().eq(frame.vlan_tags()));
    assert_eq!(frame.payload().len(), data.len() - frame.header_len());

    if let Ok(repr) = EthernetRepr::parse(&frame) {
        assert_eq!(repr.buffer_len(), frame.header_len());
        let mut out = vec![0xa5u8; repr.buffer_len()];
        repr.emit(&mut EthernetFrame::new_unchecked(&mut out[..]));
        assert_eq!(out, data[..repr.buffer_len()]);
        let again = EthernetFrame::new_checked(&out[..]).expect("emitted header is whole");
        assert_eq!(EthernetRepr::parse(&again), Ok(repr));
    } else {
        assert!(frame.vlan_tag_count() > 2);
    }

    // Push then pop a tag, through the tail and through the head.
    let tag = VlanTag::from_tci(EtherType::QINQ, u16::from_be_bytes([data[0], data[1]]));
    let mut buf = vec![0u8; data.len() + VLAN_TAG_LEN];
    buf[..data.len()].copy_from_slice(data);
    match push_vlan_tag(&mut buf, data.len(), tag) {
        Ok(len) => {
            assert_eq!(len, data.len() + VLAN_TAG_LEN);
            let back = EthernetFrame::new_checked(&buf[..len]).expect("push keeps it whole");
            assert_eq!(back.vlan_tag(0), Some(tag));
            assert_eq!(pop_vlan_tag(&mut buf, len), Ok(Some((tag, data.len()))));
            assert_eq!(&buf[..data.len()], data);
        }
        Err(e) => assert_eq!(e, crate::WireError::Unsupported),
    }
    let mut buf = vec![0u8; data.len() + VLAN_TAG_LEN];
    buf[VLAN_TAG_LEN..].copy_from_slice(data);
    let end = buf.len();
    if let Ok(start) = push_vlan_tag_front(&mut buf, VLAN_TAG_LEN, end, tag) {
        assert_eq!(start, 0);
        assert_eq!(
            pop_vlan_tag_front(&mut buf, 0, end),
            Ok(Some((tag, VLAN_TAG_LEN)))
        );
        assert_eq!(&buf[VLAN_TAG_LEN..], data);
    }
}
