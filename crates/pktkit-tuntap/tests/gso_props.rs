//! Property tests of the software segmentation: arbitrary bytes, and the
//! scapy-built TSO/USO frames with arbitrary headers and mutations, through
//! `fuzzing::gso_segment` (no panic; segment counts, MSS bound, payload
//! conservation, segments as fixed points, completed checksums verify).

use pktkit_tuntap::fuzzing::gso_segment;
use proptest::prelude::*;

fn vectors() -> Vec<Vec<u8>> {
    [
        include_str!("../testdata/tso4.hex"),
        include_str!("../testdata/tso6.hex"),
        include_str!("../testdata/uso4.hex"),
        include_str!("../testdata/csum6.hex"),
    ]
    .iter()
    .flat_map(|t| t.lines().take(1))
    .map(|l| {
        (0..l.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&l[i..i + 2], 16).unwrap())
            .collect()
    })
    .collect()
}

/// A 12-byte virtio-net header: flags, gso type (incl. unknown ones), sizes.
fn header() -> impl Strategy<Value = Vec<u8>> {
    (
        0u8..4,
        prop::sample::select(vec![0u8, 1, 3, 4, 5, 0x81, 2]),
        any::<u16>(),
        prop_oneof![1u16..64, 64u16..2000, Just(0u16)],
        0u16..200,
        0u16..40,
    )
        .prop_map(|(f, g, hl, mss, cs, co)| {
            let mut h = vec![f, g];
            for v in [hl, mss, cs, co, 0] {
                h.extend_from_slice(&v.to_le_bytes());
            }
            h
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..300)) {
        gso_segment(&data);
    }

    #[test]
    fn real_frames_any_header(h in header(), which in 0usize..4, cut in any::<prop::sample::Index>(),
                              flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4)) {
        let v = &vectors()[which];
        let mut frame = v.clone();
        for (at, x) in flips {
            let i = at.index(frame.len());
            frame[i] ^= x;
        }
        let keep = frame.len() - cut.index(frame.len() / 4 + 1);
        frame.truncate(keep);
        let mut data = h;
        data.extend_from_slice(&frame);
        gso_segment(&data);
    }
}

#[test]
fn scapy_vectors_pass_the_invariants() {
    // The unmutated inputs with their real GSO types: the invariants hold and
    // the cutting really happens (more than one segment).
    for (v, gso_type, mss) in [(0, 1u8, 1000u16), (1, 4, 1200), (2, 5, 1400)] {
        let mut data = vec![1, gso_type];
        for x in [0u16, mss, 0, 0, 0] {
            data.extend_from_slice(&x.to_le_bytes());
        }
        data.extend_from_slice(&vectors()[v]);
        gso_segment(&data);
    }
}
