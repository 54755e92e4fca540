//! L3Hub behaviour: longest-prefix routing, TTL, drops, detaching. Packets are
//! built and checked with etherparse, an independent implementation.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex};

use etherparse::{IpHeaders, PacketBuilder};
use pktkit_core::{DropReason, L3Device, L3Hub, PipeL3};
use pktkit_wire::{IpPrefix, Packet};

fn pfx(s: &str) -> IpPrefix {
    s.parse().unwrap()
}

fn v4(src: [u8; 4], dst: [u8; 4], ttl: u8) -> Vec<u8> {
    let b = PacketBuilder::ipv4(src, dst, ttl).udp(1000, 2000);
    let mut out = Vec::new();
    b.write(&mut out, b"hello router").unwrap();
    out
}

fn v6(src: Ipv6Addr, dst: Ipv6Addr, hops: u8) -> Vec<u8> {
    let b = PacketBuilder::ipv6(src.octets(), dst.octets(), hops).udp(1000, 2000);
    let mut out = Vec::new();
    b.write(&mut out, b"hello v6").unwrap();
    out
}

type Got = Arc<Mutex<Vec<Vec<u8>>>>;

/// A network: the outer end records what the router sends it.
fn net(addrs: &[IpPrefix]) -> (PipeL3, Arc<PipeL3>, Got) {
    let (outer, inner) = PipeL3::pair(&[], addrs);
    let got: Got = Arc::default();
    let g = got.clone();
    outer.set_handler(Arc::new(move |p: &Packet| {
        g.lock().unwrap().push(p.as_bytes().to_vec());
        Ok(())
    }));
    (outer, Arc::new(inner), got)
}

fn send(dev: &PipeL3, bytes: &[u8]) {
    dev.send(Packet::parse(bytes).unwrap()).unwrap();
}

#[test]
fn routes_by_longest_prefix_and_decrements_ttl() {
    let hub = L3Hub::new();
    let (a, pa, _ga) = net(&[pfx("10.0.0.1/8")]);
    let (_b, pb, gb) = net(&[pfx("10.1.0.1/16")]);
    let (_c, pc, gc) = net(&[]);
    let ha = hub.attach(pa).unwrap();
    let hb = hub.attach(pb).unwrap();
    let hc = hub.attach(pc).unwrap();
    hub.set_default_route(hc.id()).unwrap();
    assert_eq!(hub.route("10.1.2.3".parse().unwrap()), Some(hb.id()));
    assert_eq!(hub.route("10.2.2.3".parse().unwrap()), Some(ha.id()));
    assert_eq!(hub.route("192.0.2.1".parse().unwrap()), Some(hc.id()));
    assert_eq!(hub.route("2001:db8::1".parse().unwrap()), Some(hc.id()));

    send(&a, &v4([10, 0, 0, 5], [10, 1, 9, 9], 64));
    let out = gb.lock().unwrap().pop().expect("routed to the /16");
    let (ip, _) = IpHeaders::from_slice(&out).unwrap();
    let IpHeaders::Ipv4(h, _) = ip else { panic!() };
    assert_eq!(h.time_to_live, 63);
    assert_eq!(
        h.header_checksum,
        h.calc_header_checksum(),
        "checksum kept valid"
    );
    let mut expect = v4([10, 0, 0, 5], [10, 1, 9, 9], 63);
    assert_eq!(out, std::mem::take(&mut expect));

    send(&a, &v4([10, 0, 0, 5], [8, 8, 8, 8], 2));
    assert_eq!(gc.lock().unwrap().len(), 1);
    let c = hub.port_counters(hc.id()).unwrap();
    assert_eq!(c.tx_packets, 1);
    println!("{}", hub.snapshot());
}

#[test]
fn ipv6_routes_and_hop_limit() {
    let hub = L3Hub::new();
    let (a, pa, _) = net(&[pfx("2001:db8:a::1/48")]);
    let (_b, pb, gb) = net(&[pfx("2001:db8:b::1/48")]);
    let _ha = hub.attach(pa).unwrap();
    let hb = hub.attach(pb).unwrap();
    hub.add_route(pfx("2001:db8:b:1::/64"), hb.id()).unwrap();
    let s: Ipv6Addr = "2001:db8:a::5".parse().unwrap();
    let d: Ipv6Addr = "2001:db8:b:1::9".parse().unwrap();
    send(&a, &v6(s, d, 10));
    assert_eq!(gb.lock().unwrap().pop().unwrap(), v6(s, d, 9));
    send(&a, &v6(s, d, 1));
    assert!(gb.lock().unwrap().is_empty());
    assert_eq!(hub.drops().get(DropReason::TtlExpired), 1);
}

#[test]
fn no_route_and_expired_ttl_are_dropped_and_counted() {
    let hub = L3Hub::new();
    let (a, pa, ga) = net(&[pfx("10.0.0.1/24")]);
    let ha = hub.attach(pa).unwrap();
    send(&a, &v4([10, 0, 0, 1], [192, 0, 2, 1], 64));
    send(&a, &v4([10, 0, 0, 1], [10, 0, 0, 9], 1));
    send(&a, &v4([10, 0, 0, 1], [10, 0, 0, 9], 0));
    let d = hub.drops();
    assert_eq!(d.get(DropReason::NoRoute), 1);
    assert_eq!(d.get(DropReason::TtlExpired), 2);
    assert!(ga.lock().unwrap().is_empty());
    let c = hub.port_counters(ha.id()).unwrap();
    assert_eq!((c.rx_packets, c.rx_dropped), (3, 3));
}

#[test]
fn thousands_of_routes_agree_with_a_linear_scan() {
    let hub = L3Hub::new();
    let ports: Vec<_> = (0..8).map(|_| net(&[])).collect();
    let handles: Vec<_> = ports
        .iter()
        .map(|(_, p, _)| hub.attach(p.clone()).unwrap())
        .collect();
    let mut x = 0x1234_5678u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut routes = Vec::new();
    for _ in 0..5000 {
        let a = Ipv4Addr::from(0x0a00_0000 | (next() as u32 & 0x00ff_ffff));
        let len = 8 + (next() % 25) as u8;
        let via = handles[(next() % 8) as usize].id();
        routes.push((IpPrefix::v4(a, len).unwrap(), via));
    }
    hub.add_routes(&routes).unwrap();
    let table = hub.routes();
    for _ in 0..20_000 {
        let ip = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | (next() as u32 & 0x00ff_ffff)));
        let want = table
            .iter()
            .filter(|(p, _)| p.contains(ip))
            .max_by_key(|(p, _)| p.len())
            .map(|(_, v)| *v);
        assert_eq!(hub.route(ip), want, "{ip}");
    }
    assert!(hub.remove_route(table[0].0));
    assert!(!hub.remove_route(table[0].0));
}

#[test]
fn detaching_removes_the_ports_routes() {
    let hub = L3Hub::new();
    let (_a, pa, _) = net(&[pfx("10.0.0.1/24")]);
    let weak = Arc::downgrade(&pa);
    let ha = hub.attach(pa).unwrap();
    assert!(hub.route("10.0.0.9".parse().unwrap()).is_some());
    drop(ha);
    assert_eq!(hub.route("10.0.0.9".parse().unwrap()), None);
    assert_eq!(hub.port_count(), 0);
    assert!(weak.upgrade().is_none());
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn wide(&mut self) -> u128 {
        ((self.next() as u128) << 64) | self.next() as u128
    }
}

/// The naive longest-prefix match over the configured routes.
fn linear(table: &[(IpPrefix, pktkit_core::PortId)], ip: IpAddr) -> Option<pktkit_core::PortId> {
    table
        .iter()
        .filter(|(p, _)| p.contains(ip))
        .max_by_key(|(p, _)| p.len())
        .map(|(_, v)| *v)
}

/// An address of family `v6` sharing `keep` leading bits with `base`.
fn near(r: &mut Rng, v6: bool, base: u128, keep: u32) -> IpAddr {
    let width = if v6 { 128 } else { 32 };
    let keep = keep.min(width);
    let host = if keep == width {
        0
    } else {
        u128::MAX >> (128 - width + keep)
    };
    let mut bits = (base & !host) | (r.wide() & host);
    if !v6 {
        bits &= 0xffff_ffff;
    }
    if v6 {
        IpAddr::V6(Ipv6Addr::from(bits))
    } else {
        IpAddr::V4(Ipv4Addr::from(bits as u32))
    }
}

/// Differential property over 30 random route sets, IPv4 and IPv6: nested
/// prefixes of every length (including /0 and host routes), replaced and
/// removed routes. Both the lookup (`route`) and the data path (a packet sent
/// in, seen leaving by the port the naive scan names, or dropped as no route)
/// agree with a linear longest-prefix scan of `routes()`.
#[test]
fn random_route_sets_agree_with_a_linear_scan() {
    for seed in 1..=30u64 {
        let is_v6 = seed.is_multiple_of(2);
        let width = if is_v6 { 128u32 } else { 32 };
        let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let hub = L3Hub::new();
        let (ing, ping, _) = net(&[]);
        let _hi = hub.attach_with_routes(ping, &[]).unwrap();
        let outs: Vec<_> = (0..6).map(|_| net(&[])).collect();
        let handles: Vec<_> = outs
            .iter()
            .map(|(_, p, _)| hub.attach_with_routes(p.clone(), &[]).unwrap())
            .collect();
        let roots: Vec<u128> = (0..3).map(|_| r.wide()).collect();
        let n = 1 + r.next() % 400;
        let mut routes = Vec::new();
        for _ in 0..n {
            let root = roots[(r.next() % 3) as usize];
            let keep = (r.next() % (width as u64 + 1)) as u32;
            let a = near(&mut r, is_v6, root, keep);
            let len = if r.next().is_multiple_of(5) {
                (r.next() % (width as u64 + 1)) as u8
            } else {
                (width / 2) as u8 + (r.next() % (width as u64 / 2 + 1)) as u8
            };
            let via = handles[(r.next() % 6) as usize].id();
            routes.push((IpPrefix::new(a, len).unwrap(), via));
        }
        hub.add_routes(&routes).unwrap();
        for _ in 0..(n / 10).min(4) {
            let (p, _) = routes[(r.next() % n) as usize];
            hub.remove_route(p);
        }
        let table = hub.routes();
        for i in 0..300u32 {
            let ip = if table.is_empty() || i.is_multiple_of(3) {
                let base = r.wide();
                near(&mut r, is_v6, base, 0)
            } else {
                let (p, _) = table[(r.next() % table.len() as u64) as usize];
                let base = match p.addr() {
                    IpAddr::V4(a) => u32::from(a) as u128,
                    IpAddr::V6(a) => u128::from(a),
                };
                let keep = p.len() as u32 + (r.next() % 3) as u32; // inside, or just past
                near(&mut r, is_v6, base, keep.saturating_sub(1))
            };
            let want = linear(&table, ip);
            assert_eq!(hub.route(ip), want, "seed {seed} {ip}");
            if !i.is_multiple_of(4) {
                continue;
            }
            // The data path reads the destination from the header itself.
            let bytes = match ip {
                IpAddr::V4(d) => v4([192, 0, 2, 1], d.octets(), 9),
                IpAddr::V6(d) => v6("2001:db8::1".parse().unwrap(), d, 9),
            };
            let no_route = hub.drops().get(DropReason::NoRoute);
            send(&ing, &bytes);
            let got: Vec<_> = outs
                .iter()
                .zip(&handles)
                .filter_map(|((_, _, g), h)| g.lock().unwrap().pop().map(|_| h.id()))
                .collect();
            match want {
                Some(port) => assert_eq!(got, [port], "seed {seed} {ip}"),
                None => {
                    assert!(got.is_empty(), "seed {seed} {ip}");
                    assert_eq!(hub.drops().get(DropReason::NoRoute), no_route + 1);
                }
            }
        }
    }
}

/// 100 000 random IPv4 routes (mixed lengths), and as many IPv6 routes,
/// compile into tables of bounded size, and lookups still agree with the scan.
#[test]
fn hundred_thousand_routes_stay_bounded() {
    for is_v6 in [false, true] {
        let hub = L3Hub::new();
        let (_o, p, _) = net(&[]);
        let h = hub.attach_with_routes(p, &[]).unwrap();
        let mut r = Rng(42);
        let routes: Vec<_> = (0..100_000)
            .map(|_| {
                let p = if is_v6 {
                    let len = [32u8, 40, 48, 48, 56, 64][(r.next() % 6) as usize];
                    IpPrefix::new(IpAddr::V6(Ipv6Addr::from(r.wide())), len)
                } else {
                    let len = [16u8, 20, 22, 24, 24, 24, 28, 32][(r.next() % 8) as usize];
                    IpPrefix::v4(Ipv4Addr::from(r.next() as u32), len)
                };
                (p.unwrap(), h.id())
            })
            .collect();
        hub.add_routes(&routes).unwrap();
        let bytes = hub.snapshot().table_bytes;
        println!(
            "100 000 routes (v6: {is_v6}): {} KiB, {} bytes/route",
            bytes >> 10,
            bytes / 100_000
        );
        assert!(bytes < LIMIT, "table of {} MiB", bytes >> 20);
        let table = hub.routes();
        for i in 0..12u32 {
            let (p, _) = table[(r.next() % table.len() as u64) as usize];
            let ip = match p.addr() {
                IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) ^ i)),
                IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) ^ i as u128)),
            };
            assert_eq!(hub.route(ip), linear(&table, ip), "{ip}");
        }
    }
}

/// Bound on the compiled table of 100 000 routes of one family (measured:
/// about 7 MiB for IPv4, 31 MiB for IPv6; a plain 256-way trie took 72 and
/// 343 MiB).
const LIMIT: usize = 64 << 20;

/// No thread keeps a detached port alive: not the detaching thread, and not
/// another thread that forwarded through it and now idles (a TUN's reader
/// thread holding its own device would keep it open for good).
#[test]
fn detached_ports_are_released_at_once() {
    let hub = Arc::new(L3Hub::new());
    let (a, pa, _) = net(&[pfx("10.0.0.1/24")]);
    let (_b, pb, gb) = net(&[pfx("10.1.0.1/24")]);
    let _ha = hub.attach(pa).unwrap();
    let hb = hub.attach(pb.clone()).unwrap();
    let (_c, pc, _) = net(&[pfx("10.2.0.1/24")]);
    let hc = hub.attach(pc.clone()).unwrap();
    let pkt = v4([10, 0, 0, 5], [10, 1, 0, 9], 64);

    // This thread forwards, then detaches `c`.
    send(&a, &pkt);
    assert_eq!(gb.lock().unwrap().len(), 1);
    drop(hc);
    assert_eq!(
        Arc::strong_count(&pc),
        1,
        "the detaching thread keeps nothing"
    );

    // Another thread forwards to `b`, then idles while `b` is detached.
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let a = Arc::new(a);
    let t = {
        let (a, pkt) = (a.clone(), pkt.clone());
        std::thread::spawn(move || {
            send(&a, &pkt);
            done.send(()).unwrap();
            wait.recv().unwrap();
        })
    };
    finished.recv().unwrap();
    assert_eq!(gb.lock().unwrap().len(), 2);
    drop(hb);
    assert_eq!(Arc::strong_count(&pb), 1, "the idle thread keeps nothing");
    go.send(()).unwrap();
    t.join().unwrap();
}

/// Two routers joined by a pipe: the second forwards inside the first's
/// `send` on the same thread (its per-thread buffer is in use), and the packet
/// arrives with two hops taken off its TTL and a valid checksum.
#[test]
fn chained_hubs_forward_on_one_thread() {
    let (r1, r2) = (L3Hub::new(), L3Hub::new());
    let (a, pa, _) = net(&[pfx("10.0.0.1/24")]);
    let (link1, link2) = PipeL3::pair(&[], &[]);
    let (_c, pc, gc) = net(&[pfx("10.2.0.1/24")]);
    let _h1 = r1.attach(pa).unwrap();
    let l1 = r1.attach_with_routes(Arc::new(link1), &[]).unwrap();
    r1.set_default_route(l1.id()).unwrap();
    let _l2 = r2.attach_with_routes(Arc::new(link2), &[]).unwrap();
    let _h3 = r2.attach(pc).unwrap();
    for ttl in [64u8, 3, 2] {
        send(&a, &v4([10, 0, 0, 5], [10, 2, 0, 9], ttl));
    }
    let got = gc.lock().unwrap().clone();
    assert_eq!(
        got,
        [
            v4([10, 0, 0, 5], [10, 2, 0, 9], 62),
            v4([10, 0, 0, 5], [10, 2, 0, 9], 1)
        ]
    );
    assert_eq!(r2.drops().get(DropReason::TtlExpired), 1);
}

/// A packet routed, and the hub dropped, from a thread-local destructor (when
/// the hub's own per-thread state may already be gone): delivered, no panic.
#[test]
fn forwarding_from_a_thread_local_destructor() {
    struct AtExit {
        hub: Option<L3Hub>,
        a: PipeL3,
        pkt: Vec<u8>,
    }
    impl Drop for AtExit {
        fn drop(&mut self) {
            send(&self.a, &self.pkt);
            drop(self.hub.take());
        }
    }
    thread_local! {
        static AT_EXIT: std::cell::RefCell<Option<AtExit>> = const { std::cell::RefCell::new(None) };
    }
    let (_b, pb, gb) = net(&[pfx("10.1.0.1/24")]);
    std::thread::spawn(move || {
        let hub = L3Hub::new();
        let (a, pa, _) = net(&[pfx("10.0.0.1/24")]);
        hub.attach(pa).unwrap().keep();
        hub.attach(pb).unwrap().keep();
        let pkt = v4([10, 0, 0, 5], [10, 1, 0, 9], 64);
        // Registered before the hub's per-thread state, so destroyed after it.
        AT_EXIT.with(|k| {
            *k.borrow_mut() = Some(AtExit {
                hub: Some(hub),
                a,
                pkt: pkt.clone(),
            })
        });
        AT_EXIT.with(|k| send(&k.borrow().as_ref().unwrap().a, &pkt));
    })
    .join()
    .unwrap();
    assert_eq!(gb.lock().unwrap().len(), 2);
}

/// Each thread remembers the last route it looked up per ingress port: a
/// route change, a detach or a packet of the other family with the same
/// low address bits must still take the table's current answer.
#[test]
fn a_flow_follows_route_changes_and_families_stay_apart() {
    let hub = L3Hub::new();
    let (a, pa, ga) = net(&[pfx("10.0.0.1/8")]);
    let (_b, pb, gb) = net(&[pfx("10.1.0.1/16")]);
    let (_c, pc, gc) = net(&[]);
    let _ha = hub.attach(pa).unwrap();
    let hb = hub.attach(pb).unwrap();
    let hc = hub.attach(pc).unwrap();
    let count = |g: &Got| g.lock().unwrap().len();
    let flow = v4([10, 0, 0, 5], [10, 1, 9, 9], 64);
    // ::10.1.9.9: the IPv4 destination's bits, in the IPv6 family.
    let twin = v6(
        "2001:db8::5".parse().unwrap(),
        "::a01:909".parse().unwrap(),
        64,
    );

    for _ in 0..3 {
        send(&a, &flow);
    }
    assert_eq!((count(&gb), count(&gc)), (3, 0), "the /16");

    hub.add_route(pfx("10.1.9.0/24"), hc.id()).unwrap();
    send(&a, &flow);
    assert_eq!((count(&gb), count(&gc)), (3, 1), "a more specific route");

    // No IPv6 route yet: the twin is dropped, not sent where the IPv4 flow goes.
    send(&a, &twin);
    assert_eq!((count(&gb), count(&gc)), (3, 1));
    assert_eq!(hub.drops().get(DropReason::NoRoute), 1);
    hub.add_route(pfx("::/96"), hb.id()).unwrap();
    for _ in 0..2 {
        send(&a, &twin);
        send(&a, &flow);
    }
    assert_eq!(
        (count(&gb), count(&gc)),
        (5, 3),
        "each family its own route"
    );

    assert!(hub.remove_route(pfx("10.1.9.0/24")));
    send(&a, &flow);
    assert_eq!((count(&gb), count(&gc)), (6, 3), "back to the /16");

    assert!(hub.detach(hb.id()));
    send(&a, &flow);
    send(&a, &twin);
    assert_eq!(
        (count(&gb), count(&gc)),
        (6, 3),
        "nothing to a detached port"
    );
    // The IPv4 flow falls back to the /8 (back out of the port it came in
    // by), the twin has no route left.
    assert_eq!(count(&ga), 1);
    assert_eq!(hub.drops().get(DropReason::NoRoute), 2);
}

/// Every packet size is routed whole with its TTL / hop limit decremented:
/// either side of the per-thread copy buffers' size boundary, jumbo frames
/// and the largest IPv4 and IPv6 packets. The expected bytes are etherparse's.
#[test]
fn packets_of_every_size_are_routed() {
    let hub = L3Hub::new();
    let (a, pa, _ga) = net(&[pfx("10.0.0.1/24"), pfx("2001:db8:a::1/64")]);
    let (_b, pb, gb) = net(&[pfx("10.1.0.1/24"), pfx("2001:db8:b::1/64")]);
    let _ha = hub.attach(pa).unwrap();
    let _hb = hub.attach(pb).unwrap();
    let (s6, d6): (Ipv6Addr, Ipv6Addr) = (
        "2001:db8:a::5".parse().unwrap(),
        "2001:db8:b::9".parse().unwrap(),
    );
    let build = |v6: bool, ttl: u8, payload: &[u8]| {
        let b = match v6 {
            false => PacketBuilder::ipv4([10, 0, 0, 5], [10, 1, 0, 9], ttl),
            true => PacketBuilder::ipv6(s6.octets(), d6.octets(), ttl),
        };
        let mut out = Vec::new();
        b.udp(1000, 2000).write(&mut out, payload).unwrap();
        out
    };
    for v6 in [false, true] {
        let head = if v6 { 48 } else { 28 };
        for total in [head + 1, 2047, 2048, 2049, 9000, 65_535] {
            let payload: Vec<u8> = (0..total - head).map(|i| (i * 7) as u8).collect();
            send(&a, &build(v6, 9, &payload));
            let out = gb.lock().unwrap().pop().expect("routed");
            assert_eq!(out, build(v6, 8, &payload), "v6 {v6}, {total} bytes");
        }
    }
}

/// Dropping the router detaches every port: the handlers it installed (which
/// hold it and its table) are gone and no device is kept alive.
#[test]
fn dropping_the_hub_frees_everything() {
    let (a, pa, _) = net(&[pfx("10.0.0.1/24")]);
    let (_b, pb, gb) = net(&[pfx("10.1.0.1/24")]);
    let (wa, wb) = (Arc::downgrade(&pa), Arc::downgrade(&pb));
    {
        let hub = L3Hub::new();
        hub.attach(pa).unwrap().keep();
        hub.attach(pb).unwrap().keep();
        send(&a, &v4([10, 0, 0, 5], [10, 1, 0, 9], 64));
        assert_eq!(gb.lock().unwrap().len(), 1);
    }
    assert!(
        wa.upgrade().is_none() && wb.upgrade().is_none(),
        "hub <-> device cycles broken on drop"
    );
    send(&a, &v4([10, 0, 0, 5], [10, 1, 0, 9], 64));
    assert_eq!(gb.lock().unwrap().len(), 1, "nothing routed after the drop");
}

/// Threads forward while the router's table and ports change under them:
/// each change installs new handlers in every port while packets are in
/// flight. Every packet is accounted for exactly once (delivered to the
/// port its destination routes to at some instant, or dropped for no
/// route), and nothing is kept alive afterwards.
#[test]
fn forwarding_while_routes_and_ports_change_is_safe() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let hub = Arc::new(L3Hub::new());
    let delivered = Arc::new(AtomicU64::new(0));
    let counting = |addrs: &[IpPrefix]| {
        let (outer, inner) = PipeL3::pair(&[], addrs);
        let d = delivered.clone();
        outer.set_handler(Arc::new(move |p: &Packet| {
            assert_eq!(p.ttl(), 63, "decremented once");
            d.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }));
        (outer, Arc::new(inner))
    };
    let (_sink, psink) = counting(&[pfx("10.1.0.1/16")]);
    let weak_sink = Arc::downgrade(&psink);
    let _hs = hub.attach(psink).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..2u8)
        .map(|t| {
            let (hub, stop) = (hub.clone(), stop.clone());
            std::thread::spawn(move || {
                let (outer, inner) = PipeL3::pair(&[], &[]);
                let _h = hub.attach_with_routes(Arc::new(inner), &[]).unwrap();
                let mut sent = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    // 10.1.5.x may route to a port being churned; 10.9.x never routes.
                    let dst = match sent % 4 {
                        0 => [10, 9, 0, 1],
                        1 => [10, 1, 5, 7],
                        _ => [10, 1, 200, t],
                    };
                    send(&outer, &v4([10, 0, t, 1], dst, 64));
                    sent += 1;
                }
                sent
            })
        })
        .collect();
    let mut churned = Vec::new();
    for i in 0..300u32 {
        let (outer, port) = counting(&[]);
        churned.push(Arc::downgrade(&port));
        let h = hub.attach_with_routes(port, &[]).unwrap();
        hub.add_route(pfx("10.1.5.0/24"), h.id()).unwrap();
        if i % 3 == 0 {
            assert!(hub.remove_route(pfx("10.1.5.0/24")));
        }
        drop(h);
        drop(outer);
    }
    stop.store(true, Ordering::Relaxed);
    let sent: u64 = senders.into_iter().map(|s| s.join().unwrap()).sum();
    assert!(sent > 0);
    assert_eq!(hub.port_count(), 1, "only the sink is left");
    let no_route = hub.drops().get(DropReason::NoRoute);
    assert_eq!(
        delivered.load(Ordering::Relaxed) + no_route,
        sent,
        "every packet once"
    );
    assert!(no_route >= sent / 4, "10.9.0.1 never routes");
    assert!(
        churned.iter().all(|w| w.upgrade().is_none()),
        "churned ports released"
    );
    drop(hub);
    assert!(
        weak_sink.upgrade().is_none(),
        "the sink released with the hub"
    );
}

/// More threads than there are counter shards (8) forward at once, so some
/// take the path for threads without one: every packet is routed once, TTL
/// decremented, and every one is counted, rx on its port and tx on the sink's.
#[test]
fn threads_beyond_the_counter_shards_route_and_count() {
    use std::sync::Barrier;
    use std::sync::atomic::{AtomicU64, Ordering};
    const THREADS: usize = 12;
    const PER_THREAD: u64 = 2000;
    let hub = Arc::new(L3Hub::new());
    let delivered = Arc::new(AtomicU64::new(0));
    let (sink, psink) = PipeL3::pair(&[], &[pfx("10.1.0.1/16")]);
    let d = delivered.clone();
    sink.set_handler(Arc::new(move |p: &Packet| {
        assert_eq!(p.ttl(), 63, "decremented once");
        assert!(p.ipv4_checksum_ok(), "checksum updated");
        d.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }));
    let hs = hub.attach(Arc::new(psink)).unwrap();
    // Every sender is attached and alive before any sends: all hold or
    // want a shard at once.
    let barrier = Arc::new(Barrier::new(THREADS));
    let ports: Vec<_> = (0..THREADS)
        .map(|t| {
            let (outer, inner) = PipeL3::pair(&[], &[]);
            let h = hub.attach_with_routes(Arc::new(inner), &[]).unwrap();
            let (id, barrier) = (h.id(), barrier.clone());
            let thread = std::thread::spawn(move || {
                barrier.wait();
                for i in 0..PER_THREAD {
                    send(
                        &outer,
                        &v4([10, 0, t as u8, 1], [10, 1, (i % 250) as u8, 9], 64),
                    );
                }
                barrier.wait();
            });
            (h, id, thread)
        })
        .collect();
    let mut rx = 0;
    for (h, id, thread) in ports {
        thread.join().unwrap();
        let c = hub.port_counters(id).unwrap();
        assert_eq!((c.rx_packets, c.rx_dropped), (PER_THREAD, 0), "port {id}");
        rx += c.rx_packets;
        drop(h);
    }
    let total = THREADS as u64 * PER_THREAD;
    assert_eq!(rx, total);
    assert_eq!(delivered.load(Ordering::Relaxed), total, "each packet once");
    assert_eq!(hub.port_counters(hs.id()).unwrap().tx_packets, total);
    assert_eq!(hub.drops().total(), 0);
}
