//! Replays the committed seeds of the `qemu_stream` fuzz target.

#[test]
fn qemu_stream_seeds() {
    let n = pktkit_testkit::replay_seeds("qemu_stream", pktkit_qemu::fuzzing::qemu_stream);
    assert!(n >= 10, "expected the committed seeds, ran {n}");
}
