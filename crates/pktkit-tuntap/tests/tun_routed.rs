//! TCP over IPv4 and IPv6 routed between two namespaces through two TUNs and
//! our forwarder, with routes set by our `Netlink`. TUN A has offloads (the
//! kernel hands us TSO4/TSO6 packets of up to 64 KiB); TUN B has none, so
//! each is cut in software at A's edge (`gso.rs`, `Link::Ip`). B's kernel
//! checks every checksum and the receiver compares the stream byte for byte.

mod common;

use std::io::{Read, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::sync::{Arc, Weak};
use std::time::Duration;

use pktkit_core::L3Device;
use pktkit_testkit::{Netns, require_root};
use pktkit_tuntap::{Netlink, Offloads, Route, Tun, TunBuilder};
use pktkit_wire::Packet;

const BYTES: usize = 8 << 20;

fn forward(from: &Tun, to: &Arc<Tun>) {
    let to: Weak<Tun> = Arc::downgrade(to);
    from.set_handler(Arc::new(move |p: &Packet| match to.upgrade() {
        Some(t) => t.send(p),
        None => Ok(()),
    }));
}

/// Gives the TUN `name` (in our namespace) to `ns` with `addrs`, and routes
/// `routes` out of it; IPv6 stays on. All through our Netlink.
fn place(name: &str, ns: &Netns, addrs: &[&str], routes: &[&str]) {
    let path = format!("/run/netns/{}", ns.name());
    let mut nl = Netlink::new().unwrap();
    let idx = nl.link_index(name).unwrap();
    nl.move_to_netns(idx, &path).unwrap();
    let mut nl = Netlink::in_netns(&path).unwrap();
    let idx = nl.link_index(name).unwrap();
    for a in addrs {
        nl.add_address_no_dad(idx, a.parse().unwrap()).unwrap();
    }
    nl.set_link_up(idx).unwrap();
    for r in routes {
        nl.add_route(&Route::via_interface(r.parse().unwrap(), idx))
            .unwrap();
    }
    // What we added reads back (the kernel adds an fe80:: link-local of its own).
    let got = nl.addresses(idx).unwrap();
    for a in addrs {
        assert!(got.contains(&a.parse().unwrap()), "{a} not in {got:?}");
    }
}

fn transfer(nsa: &Netns, nsb: &Netns, to: IpAddr) {
    let listener = nsb
        .enter_on_thread(move || TcpListener::bind((to, 0)).unwrap())
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut got = Vec::with_capacity(BYTES);
        s.read_to_end(&mut got).unwrap();
        got
    });
    let mut c = nsa
        .enter_on_thread(move || TcpStream::connect((to, port)).unwrap())
        .unwrap();
    c.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
    c.write_all(&common::pattern(BYTES)).unwrap();
    c.shutdown(std::net::Shutdown::Write).unwrap();
    let got = server.join().unwrap();
    assert!(
        got == common::pattern(BYTES),
        "{to}: stream differs ({} bytes)",
        got.len()
    );
}

const OFFLOADS: Offloads = Offloads::CSUM.union(Offloads::TSO4).union(Offloads::TSO6);

/// Two namespaces, routed to each other through TUN A and TUN B.
fn lab(b_offloads: bool) -> (Netns, Netns, Arc<Tun>, Arc<Tun>) {
    let (nsa, nsb) = (Netns::new("trta").unwrap(), Netns::new("trtb").unwrap());
    let a = TunBuilder::new(&common::ifname("ra"))
        .vnet_hdr(true)
        .offloads(OFFLOADS);
    let b = TunBuilder::new(&common::ifname("rb"));
    let b = if b_offloads {
        b.vnet_hdr(true).offloads(OFFLOADS)
    } else {
        b
    };
    let (a, b) = (Arc::new(a.open().unwrap()), Arc::new(b.open().unwrap()));
    forward(&a, &b);
    forward(&b, &a);
    place(
        a.name(),
        &nsa,
        &["10.82.0.1/24", "fd82::1/64"],
        &["10.82.1.0/24", "fd82:1::/64"],
    );
    place(
        b.name(),
        &nsb,
        &["10.82.1.2/24", "fd82:1::2/64"],
        &["10.82.0.0/24", "fd82::/64"],
    );
    (nsa, nsb, a, b)
}

#[test]
fn tso_over_tun_is_cut_in_software_v4_and_v6() {
    if !require_root() {
        return;
    }
    let (nsa, nsb, a, b) = lab(false);
    transfer(&nsa, &nsb, "10.82.1.2".parse().unwrap());
    let v4 = a.offload_stats();
    assert!(v4.gso_frames > 0, "no TSO4 packets: {v4:?}");
    transfer(&nsa, &nsb, "fd82:1::2".parse().unwrap());
    let v6 = a.offload_stats();
    eprintln!("after v4: {v4:?}\nafter v6: {v6:?}");
    assert!(v6.gso_frames > v4.gso_frames, "no TSO6 packets: {v6:?}");
    assert!(v6.largest_frame > 1500, "{v6:?}");
    assert!(v6.segments > v6.gso_frames);
    let (ca, cb) = (
        a.counters().unwrap().snapshot(),
        b.counters().unwrap().snapshot(),
    );
    assert_eq!(ca.rx_dropped, 0, "{ca}");
    // Every packet handed up from A was written to B; a few early ones (IPv6
    // neighbour discovery while B was not up yet) may have been refused.
    assert_eq!(
        ca.rx_packets,
        cb.tx_packets + cb.tx_dropped,
        "A {ca} / B {cb}"
    );
    assert!(cb.tx_dropped <= 4, "B {cb}");
}

/// Both TUNs with offloads and GSO handlers: the large packets cross whole
/// (`Tun::send_gso`) and B's kernel takes them as they are.
#[test]
fn tso_over_tun_passes_through_whole() {
    if !require_root() {
        return;
    }
    let (nsa, nsb, a, b) = lab(true);
    for (from, to) in [(&a, &b), (&b, &a)] {
        let to = Arc::downgrade(to);
        from.set_gso_handler(Arc::new(move |h, p: &Packet| match to.upgrade() {
            Some(t) => t.send_gso(h, p),
            None => Ok(()),
        }));
    }
    transfer(&nsa, &nsb, "10.82.1.2".parse().unwrap());
    transfer(&nsa, &nsb, "fd82:1::2".parse().unwrap());
    let s = a.offload_stats();
    assert!(s.gso_frames > 0, "{s:?}");
    assert_eq!(s.passed_whole, s.gso_frames, "{s:?}");
    assert_eq!(s.segments, 0, "{s:?}");
}
