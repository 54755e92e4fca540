//! Replays the committed seeds of the `tcp_engine` fuzz target.

#[test]
fn tcp_engine_seeds() {
    let n = pktkit_testkit::replay_seeds("tcp_engine", pktkit_tcp::fuzzing::tcp_engine);
    assert!(n >= 10, "expected the committed seeds, ran {n}");
}
