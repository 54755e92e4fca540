//! Replays the committed seeds of the `gso_segment` fuzz target.

#[test]
fn gso_segment_seeds() {
    let n = pktkit_testkit::replay_seeds("gso_segment", pktkit_tuntap::fuzzing::gso_segment);
    assert!(n >= 4, "expected the committed seeds, ran {n}");
}
