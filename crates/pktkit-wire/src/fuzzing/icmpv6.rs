//! Fuzz target `icmpv6`: the ICMPv6 and NDP codecs on arbitrary bytes.
//!
//! Nothing may panic. The NDP option iterator ends after at most one error, and
//! every option it yields re-emits to the same bytes and parses back to itself.
//! A parsed [`Icmpv6Repr`] is exactly as long as the input, re-emits into a
//! message whose filled checksum verifies and which parses to the same repr:
//! `parse(emit(parse(x))) == parse(x)`.

use alloc::vec;
use core::net::Ipv6Addr;

use crate::icmpv6::{Icmpv6Packet, Icmpv6Repr};
use crate::ndp::{NdpOption, NdpOptionIter};

/// Runs the codec over `data` and checks the invariants above.
pub fn icmpv6(data: &[u8]) {
    let (src, dst) = (
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1),
        Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1),
    );
    let Ok(packet) = Icmpv6Packet::new_checked(data) else {
        return;
    };
    let _ = (
        packet.msg_code(),
        packet.checksum(),
        packet.verify_checksum(src, dst),
    );
    let t = packet.msg_type();
    if t.is_ndp() {
        let mut errors = 0;
        for o in NdpOptionIter::new(packet.payload()) {
            match o {
                Ok(o) => check_option(&o),
                Err(_) => errors += 1,
            }
        }
        assert!(errors <= 1, "the option iterator must stop after an error");
    }

    let Ok(repr) = Icmpv6Repr::parse(&packet) else {
        return;
    };
    assert_eq!(repr.msg_type(), t);
    assert_eq!(
        repr.buffer_len(),
        data.len(),
        "a repr covers the whole message"
    );
    let mut out = vec![0xa5u8; repr.buffer_len()];
    assert_eq!(repr.emit_with_checksum(src, dst, &mut out), Ok(data.len()));
    let again = Icmpv6Packet::new_checked(&out[..]).expect("our own emit must pass check_len");
    assert!(again.verify_checksum(src, dst));
    assert_eq!(Icmpv6Repr::parse(&again), Ok(repr));
}

fn check_option(o: &NdpOption<'_>) {
    let mut out = vec![0xa5u8; o.buffer_len()];
    assert_eq!(o.emit(&mut out), Ok(out.len()));
    assert_eq!(NdpOption::parse(&out), Ok((*o, out.len())));
}
