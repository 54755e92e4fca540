//! Replays the committed seed corpus of every pktkit-wire fuzz target
//! (`fuzz/seeds/<target>/`) through the same function `cargo fuzz` runs.

#[test]
fn every_target_replays_its_seeds() {
    for (name, target) in pktkit_wire::fuzzing::TARGETS {
        let n = pktkit_testkit::replay_seeds(name, *target);
        assert!(n > 0, "fuzz target {name} has no seeds");
    }
}
