//! Connections made from SYN cookies keep window scaling and SACK (and use
//! timestamps) when the SYN carried timestamps, as Linux does; without
//! timestamps they keep only the MSS. Every SYN here gets a cookie: the
//! listener's SYN queue holds nothing. What is checked is what the wire
//! shows: the SYN-ACK's options, windows above 65 535 bytes honoured, SACK
//! blocks sent and used under loss.

mod common;

use std::time::Duration;

use common::{DropRule, LinkSpec, Seen, Sim};
use pktkit_tcp::{Config, ListenerConfig};
use pktkit_wire::tcp::TcpFlags;

const MB: u64 = 1024 * 1024;

fn cfg() -> Config {
    Config {
        send_buffer: 2 << 20,
        recv_buffer: 1 << 20,
        time_wait: Duration::from_secs(1),
        ..Config::default()
    }
}

fn cookies_only(connection: Config) -> ListenerConfig {
    ListenerConfig {
        syn_queue: 0,
        syn_cookies: true,
        connection,
        ..ListenerConfig::default()
    }
}

/// Drops the first transmission of each direction's `nth` data segment.
fn drop_nth_data_each_way(nth: usize) -> DropRule {
    Box::new(move |s: &Seen, log: &[Seen]| {
        s.len > 0 && log.iter().filter(|o| o.dir == s.dir && o.len > 0).count() == nth
    })
}

fn syn_and_syn_ack(sim: &Sim) -> (Seen, Seen) {
    let syn = sim
        .log
        .iter()
        .find(|s| s.dir == 0 && s.flags.contains(TcpFlags::SYN))
        .unwrap()
        .clone();
    let syn_ack = sim
        .log
        .iter()
        .find(|s| s.dir == 1 && s.flags.contains(TcpFlags::SYN))
        .unwrap()
        .clone();
    (syn, syn_ack)
}

#[test]
fn cookie_connection_keeps_window_scaling_sack_and_timestamps() {
    let link = LinkSpec {
        delay: Duration::from_millis(20),
        ..LinkSpec::default()
    };
    let mut sim = Sim::new(
        cfg(),
        cookies_only(cfg()),
        link,
        drop_nth_data_each_way(200),
    );
    let ls = *sim.listener.stats();
    assert_eq!(
        (ls.syns_queued, ls.cookies_sent, ls.cookies_accepted),
        (0, 1, 1)
    );
    // The SYN-ACK answers the SYN's options, and its TSval carries the peer's
    // window scale and SACK-permitted in the low bits (Linux's encoding).
    let (syn, syn_ack) = syn_and_syn_ack(&sim);
    let client_shift = syn.wscale.expect("the client offers window scaling");
    assert!(syn.sack_permitted && syn.timestamp.is_some());
    assert_eq!(syn_ack.wscale, Some(5), "1 MiB buffer: shift 5");
    assert!(syn_ack.sack_permitted);
    let ts = syn_ack.timestamp.expect("timestamps on the SYN-ACK");
    assert_eq!(ts.tsecr, syn.timestamp.unwrap().tsval);
    assert_eq!(ts.tsval & 0xf, u32::from(client_shift));
    assert_eq!(ts.tsval & 0x10, 0x10, "SACK bit");
    assert_eq!(sim.client.negotiated(), (true, true, true));
    assert_eq!(sim.server().negotiated(), (true, true, true));

    sim.transfer(
        6 * MB,
        6 * MB,
        Duration::from_secs(300),
        Duration::from_millis(500),
    );

    // Windows above 65 535 bytes, scaled both ways, were used: more than that
    // was in flight beyond what the receiver had acknowledged.
    assert!(
        sim.max_flight(0) > 65_535,
        "client flight {}",
        sim.max_flight(0)
    );
    assert!(
        sim.max_flight(1) > 65_535,
        "server flight {}",
        sim.max_flight(1)
    );
    let big_window = |dir: usize, shift: u8| {
        sim.log
            .iter()
            .filter(|s| s.dir == dir && !s.flags.contains(TcpFlags::SYN))
            .map(|s| u32::from(s.window) << shift)
            .max()
            .unwrap()
    };
    assert!(
        big_window(1, 5) > 65_535,
        "server advertises a scaled window"
    );
    assert!(big_window(0, client_shift) > 65_535);
    // SACK under loss: each side lost one data segment, the other side
    // reported the hole with SACK blocks, and the sender repaired just that
    // (RACK over the SACK scoreboard), without a timeout.
    for dir in 0..2 {
        assert!(
            sim.log
                .iter()
                .any(|s| s.dir == 1 - dir && !s.sack.is_empty()),
            "SACK blocks towards direction {dir}"
        );
        let dropped = sim
            .log
            .iter()
            .filter(|s| s.dir == dir && s.dropped)
            .collect::<Vec<_>>();
        assert_eq!(dropped.len(), 1);
        let copies = sim
            .log
            .iter()
            .filter(|s| s.dir == dir && s.len > 0 && s.seq == dropped[0].seq)
            .count();
        assert_eq!(
            copies, 2,
            "direction {dir}: the lost segment, sent again once"
        );
    }
    for c in [sim.client.stats(), sim.server.as_ref().unwrap().stats()] {
        assert_eq!(c.rto_expirations, 0, "{c:?}");
        assert!(c.fast_retransmits >= 1, "{c:?}");
        assert!(c.bytes_retransmitted <= 3 * 1448, "selective: {c:?}");
    }
}

#[test]
fn cookie_without_timestamps_keeps_only_the_mss() {
    let client = Config {
        timestamps: false,
        mss: 1200,
        ..cfg()
    };
    let mut sim = Sim::new(
        client,
        cookies_only(cfg()),
        LinkSpec::default(),
        common::no_drops(),
    );
    assert_eq!(sim.listener.stats().cookies_accepted, 1);
    let (syn, syn_ack) = syn_and_syn_ack(&sim);
    assert!(syn.wscale.is_some() && syn.sack_permitted && syn.timestamp.is_none());
    // Nowhere to keep window scaling or SACK: the SYN-ACK offers neither, and
    // its MSS is the cookie table's value at or below the client's 1200.
    assert_eq!(
        (syn_ack.wscale, syn_ack.sack_permitted, syn_ack.timestamp),
        (None, false, None)
    );
    assert_eq!(syn_ack.mss, Some(536));
    assert_eq!(sim.client.negotiated(), (false, false, false));
    assert_eq!(sim.server().negotiated(), (false, false, false));
    assert_eq!(sim.server().mss(), 536);
    sim.transfer(MB, MB, Duration::from_secs(300), Duration::from_millis(300));
    assert!(sim.max_flight(0) <= 65_535);
    assert!(sim.max_flight(1) <= 65_535);
    assert!(sim.log.iter().all(|s| s.sack.is_empty() && s.len <= 536));
}
