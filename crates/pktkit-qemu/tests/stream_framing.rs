//! The stream reader against a model of QEMU's framing, on random streams:
//! sequences of well-formed frames (of any length 1..=1600, some too short
//! for Ethernet) followed by arbitrary bytes. `fuzzing::qemu_stream` asserts
//! that exactly the model's frames are delivered and the reader stops for the
//! model's reason.

use proptest::prelude::*;

fn stream() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(prop::collection::vec(any::<u8>(), 1..1600), 0..8),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(frames, tail)| {
            let mut s = Vec::new();
            for f in frames {
                s.extend_from_slice(&(f.len() as u32).to_be_bytes());
                s.extend_from_slice(&f);
            }
            s.extend_from_slice(&tail);
            s
        })
}

proptest! {
    #[test]
    fn reader_matches_the_model(s in stream()) {
        pktkit_qemu::fuzzing::qemu_stream(&s);
    }

    #[test]
    fn reader_matches_the_model_on_any_bytes(s in prop::collection::vec(any::<u8>(), 0..4096)) {
        pktkit_qemu::fuzzing::qemu_stream(&s);
    }
}
