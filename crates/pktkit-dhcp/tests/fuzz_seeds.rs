//! Replays the committed seeds of the engine fuzz targets
//! (`fuzz/seeds/dhcp_server/`, `fuzz/seeds/dhcp_client/`).

#[test]
fn engine_targets_replay_their_seeds() {
    assert!(pktkit_testkit::replay_seeds("dhcp_server", pktkit_dhcp::fuzzing::dhcp_server) > 0);
    assert!(pktkit_testkit::replay_seeds("dhcp_client", pktkit_dhcp::fuzzing::dhcp_client) > 0);
}
