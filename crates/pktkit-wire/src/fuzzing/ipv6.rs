//! Fuzz target `ipv6`: the IPv6 fixed header and the extension-header walker on
//! arbitrary bytes.
//!
//! Nothing may panic. The walker and every options iterator end after at most
//! one error, visit at most [`MAX_EXT_HEADERS`] headers and agree with
//! [`ipv6_ext::walk`]. A parsed [`Ipv6Repr`] re-emitted in front of the same
//! payload parses to the same repr and the same chain
//! (`parse(emit(parse(x))) == parse(x)`), and every hop-by-hop / destination
//! options, routing and fragment header rebuilt from its typed view re-parses to
//! the same view.

use alloc::vec;
use alloc::vec::Vec;

use crate::ipv6::{self, Ipv6Packet, Ipv6Repr};
use crate::ipv6_ext::{
    self, ExtHeader, ExtHeaderKind, ExtHeaders, FragmentHeader, Ipv6Option, MAX_EXT_HEADERS,
    OptionsHeaderRepr, RoutingHeader,
};

/// Runs the codec over `data` and checks the invariants above.
pub fn ipv6(data: &[u8]) {
    let Ok(packet) = Ipv6Packet::new_checked(data) else {
        return;
    };
    let _ = (
        packet.traffic_class(),
        packet.flow_label(),
        packet.hop_limit(),
    );
    let Ok(repr) = Ipv6Repr::parse(&packet) else {
        assert_ne!(
            packet.version(),
            6,
            "a checked view only fails on the version"
        );
        return;
    };
    let payload = packet.payload();
    assert_eq!(payload.len(), repr.payload_len as usize);

    let chain = walk_checked(repr.next_header, payload);

    // Re-emit the fixed header in front of the same payload.
    let mut out = vec![0xa5u8; ipv6::HEADER_LEN + payload.len()];
    repr.emit(&mut Ipv6Packet::new_unchecked(&mut out[..]))
        .expect("buffer holds the header");
    out[ipv6::HEADER_LEN..].copy_from_slice(payload);
    let again = Ipv6Packet::new_checked(&out[..]).expect("our own emit must pass check_len");
    assert_eq!(Ipv6Repr::parse(&again), Ok(repr));
    assert_eq!(ipv6_ext::walk(repr.next_header, again.payload()), chain);
}

/// Walks the chain by hand, checking each header, and returns what `walk` says.
fn walk_checked(next: crate::IpProtocol, payload: &[u8]) -> crate::Result<ipv6_ext::ExtChain> {
    let chain = ipv6_ext::walk(next, payload);
    let mut it = ExtHeaders::new(next, payload);
    let (mut count, mut errors) = (0usize, 0usize);
    for h in &mut it {
        match h {
            Ok(h) => {
                count += 1;
                check_header(&h);
            }
            Err(_) => errors += 1,
        }
    }
    assert!(errors <= 1, "the walker must stop after an error");
    assert!(count <= MAX_EXT_HEADERS);
    assert!(it.offset() <= payload.len());
    match &chain {
        Ok(c) => {
            assert_eq!(errors, 0);
            assert_eq!(
                (c.count, c.offset, c.protocol),
                (count, it.offset(), it.next_header())
            );
            assert_eq!(
                ipv6_ext::upper_layer(next, payload).is_err(),
                c.is_non_first_fragment()
            );
            if !c.is_non_first_fragment() {
                assert!(ExtHeaderKind::from_protocol(c.protocol).is_none());
            }
        }
        Err(_) => assert_eq!(errors, 1),
    }
    chain
}

fn check_header(h: &ExtHeader<'_>) {
    assert_eq!(h.bytes[0], h.next_header.0);
    match h.kind {
        ExtHeaderKind::HopByHop | ExtHeaderKind::DestinationOptions => {
            let mut opts = Vec::new();
            let mut errors = 0;
            for o in h.options().expect("options header") {
                match o {
                    Ok(o) => opts.push(o),
                    Err(_) => errors += 1,
                }
            }
            assert!(errors <= 1, "the options iterator must stop after an error");
            if errors == 0 {
                // Re-emit every option (padding included): same length, same options.
                let r = OptionsHeaderRepr {
                    next_header: h.next_header,
                    options: &opts,
                };
                assert_eq!(r.buffer_len(), h.len());
                let mut out = vec![0xa5u8; h.len()];
                assert_eq!(r.emit(&mut out), Ok(h.len()));
                let back = ExtHeader::parse(h.kind, &out).expect("our own emit must parse");
                let again: Vec<Ipv6Option<'_>> = back
                    .options()
                    .expect("options header")
                    .collect::<crate::Result<_>>()
                    .expect("our own options must parse");
                assert_eq!(again, opts);
            }
        }
        ExtHeaderKind::Routing => {
            let r = h.routing().expect("checked length");
            let mut out = vec![0xa5u8; r.buffer_len()];
            assert_eq!(r.emit(&mut out), Ok(h.len()));
            assert_eq!(&out[..], h.bytes);
            assert_eq!(RoutingHeader::parse(&out), Ok(r));
        }
        ExtHeaderKind::Fragment => {
            let f = h.fragment().expect("checked length");
            let mut out = [0xa5u8; FragmentHeader::LEN];
            assert_eq!(f.emit(&mut out), Ok(FragmentHeader::LEN));
            assert_eq!(FragmentHeader::parse(&out), Ok(f));
        }
        ExtHeaderKind::Authentication => {
            let a = h.auth().expect("checked length");
            assert_eq!(12 + a.icv.len(), h.len());
        }
    }
}
