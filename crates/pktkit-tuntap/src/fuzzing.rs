//! Fuzz entry points (unstable; for `cargo fuzz` and the property tests only).
//!
//! Each function must not panic on any input and `assert!`s the invariants of
//! what it drives.

use pktkit_wire::checksum;
use pktkit_wire::virtio_net::{MRG_RXBUF_HEADER_LEN, VirtioNetHeader, VirtioNetRepr};

use crate::gso::{self, Link};

/// `data` = a 12-byte virtio-net header + a frame (read both as Ethernet and
/// as bare IP). Checks that [`gso::segment`] never panics, emits as many
/// segments as it reports, never exceeds the MSS, conserves the payload, and
/// that each segment, cut again, comes back unchanged (lengths and checksums
/// are a fixed point); and that a completed checksum verifies together with
/// the pseudo-header sum it replaced.
pub fn gso_segment(data: &[u8]) {
    let Some((hdr, frame)) = data.split_at_checked(MRG_RXBUF_HEADER_LEN) else {
        return;
    };
    let Ok(repr) = VirtioNetHeader::new_checked(hdr).and_then(|h| VirtioNetRepr::parse(&h)) else {
        return;
    };
    for link in [Link::Ethernet, Link::Ip] {
        let mut segs: Vec<Vec<u8>> = Vec::new();
        let mut scratch = Vec::new();
        let r = gso::segment(frame, link, &repr, &mut scratch, |s| {
            segs.push(s.to_vec());
            Ok::<(), ()>(())
        });
        if let Ok(n) = r {
            assert_eq!(n, segs.len());
            let mss = repr.gso_size as usize;
            let payload = gso::payload_range(frame, link, &repr).expect("segment succeeded");
            let headers = payload.start;
            let mut total = 0;
            for s in &segs {
                assert!(s.len() >= headers);
                assert!(s.len() - headers <= mss);
                total += s.len() - headers;
                let mut again = Vec::new();
                let n2 = gso::segment(s, link, &repr, &mut Vec::new(), |x| {
                    again.push(x.to_vec());
                    Ok::<(), ()>(())
                });
                assert!(matches!(n2, Ok(1)), "{n2:?}");
                assert_eq!(&again[0], s, "a segment is a fixed point");
            }
            assert_eq!(total, payload.len(), "payload conserved");
        }
    }
    // The field held the pseudo-header sum; with it added back, the completed
    // range must verify.
    let mut buf = frame.to_vec();
    let (start, off) = (repr.csum_start as usize, repr.csum_offset as usize);
    let at = start + off;
    // (Only for a field at an even offset from `csum_start`, as in every real
    // header; at an odd one the field straddles two summed words.)
    if gso::complete_checksum(&mut buf, start, off).is_ok() && off % 2 == 0 {
        let old = u16::from_be_bytes([frame[at], frame[at + 1]]);
        assert_eq!(
            checksum::fold(checksum::sum(&buf[start..], old as u32)),
            0xffff
        );
    }
}
