//! TAP throughput with real kernel traffic, in network namespaces this bench
//! makes and removes (needs root; prints SKIPPED otherwise).
//!
//! * `tap/rx-udp-1400/{1-queue,2-queues}`: kernel UDP sockets in a namespace send
//!   1400-byte datagrams (1442-byte frames) to an address behind our TAP; the
//!   time is until our handler has seen them all (a window of 128 in flight per
//!   sender keeps the TAP's ring from overflowing). Elements = frames.
//! * `tap/tcp-bulk/{offloads-off,offloads-segmented,offloads-passthrough}`: a
//!   kernel TCP stream from namespace A to namespace B through two TAPs and our
//!   forwarder between them; without offloads, with offloads on A and software
//!   segmentation at the edge (B has none), and with offloads on both so
//!   segments cross whole. `kernel-veth` is the same transfer over a veth
//!   pair, the kernel's own path. Bytes = TCP payload.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pktkit_core::L2Device;
use pktkit_tuntap::{Netlink, Offloads, Tap, TapBuilder};
use pktkit_wire::Frame;
use pktkit_wire::virtio_net::VirtioNetRepr;

/// A namespace made with `ip netns add`, deleted on drop.
struct Ns(String);

impl Ns {
    fn new(tag: &str) -> Ns {
        let name = format!("pkb{tag}{:x}", std::process::id());
        let _ = Command::new("ip")
            .args(["netns", "del", &name])
            .stderr(std::process::Stdio::null())
            .status();
        run(&["ip", "netns", "add", &name]);
        let ns = Ns(name);
        ns.run(&["ip", "link", "set", "lo", "up"]);
        ns.run(&["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"]);
        ns
    }
    fn path(&self) -> String {
        format!("/run/netns/{}", self.0)
    }
    fn run(&self, args: &[&str]) {
        let mut a = vec!["ip", "netns", "exec", &self.0];
        a.extend_from_slice(args);
        run(&a);
    }
    /// Runs `f` on a thread inside the namespace (sockets made there stay there).
    fn enter<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        let file = std::fs::File::open(self.path()).unwrap();
        std::thread::scope(|s| {
            s.spawn(move || {
                nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
                f()
            })
            .join()
            .unwrap()
        })
    }
}

impl Drop for Ns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn run(args: &[&str]) {
    let st = Command::new(args[0]).args(&args[1..]).status().unwrap();
    assert!(st.success(), "{args:?}");
}

/// Moves `name` into `ns`, gives it `addr`, sets it up: all through our Netlink.
fn place(name: &str, ns: &Ns, addr: &str) {
    let mut nl = Netlink::new().unwrap();
    let idx = nl.link_index(name).unwrap();
    nl.move_to_netns(idx, ns.path()).unwrap();
    let mut nl = Netlink::in_netns(ns.path()).unwrap();
    let idx = nl.link_index(name).unwrap();
    nl.add_address(idx, addr.parse().unwrap()).unwrap();
    nl.set_link_up(idx).unwrap();
}

const PAYLOAD: usize = 1400;
const WINDOW: u64 = 128;

fn rx_udp(c: &mut Criterion) {
    for queues in [1usize, 2] {
        let label = if queues == 1 { "1-queue" } else { "2-queues" };
        let mut g = c.benchmark_group(format!("tap/rx-udp-1400/{label}"));
        g.sample_size(10).measurement_time(Duration::from_secs(3));
        g.throughput(Throughput::Elements(1));
        let ns = Ns::new(&format!("u{queues}"));
        let name = format!("pkbu{queues}{:x}", std::process::id());
        let tap = TapBuilder::new(&name).queues(queues).open().unwrap();
        let got = Arc::new(AtomicU64::new(0));
        let g2 = Arc::clone(&got);
        tap.set_handler(Arc::new(move |f: &Frame| {
            if f.len() == 14 + 20 + 8 + PAYLOAD {
                g2.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        }));
        place(&name, &ns, "10.80.0.1/24");
        let mut nl = Netlink::in_netns(ns.path()).unwrap();
        let idx = nl.link_index(&name).unwrap();
        let mac = pktkit_wire::MacAddr::new(2, 0, 0, 0, 0, 2);
        nl.add_neighbour(idx, Ipv4Addr::new(10, 80, 0, 2).into(), mac)
            .unwrap();
        // One sender per queue, each with 8 flows (sockets) the kernel hashes to queues.
        let senders: Vec<Vec<UdpSocket>> = ns.enter(|| {
            (0..queues)
                .map(|_| {
                    (0..8)
                        .map(|_| UdpSocket::bind((Ipv4Addr::new(10, 80, 0, 1), 0)).unwrap())
                        .collect()
                })
                .collect()
        });
        let senders = Arc::new(senders);
        g.bench_function("pktkit", |b| {
            b.iter_custom(|iters| {
                let start_count = got.load(Ordering::Relaxed);
                let per = iters.div_ceil(queues as u64);
                let target = start_count + per * queues as u64;
                let sent_total = Arc::new(AtomicU64::new(0));
                let t0 = Instant::now();
                std::thread::scope(|s| {
                    for socks in senders.iter() {
                        let (got, sent_total) = (&got, &sent_total);
                        s.spawn(move || {
                            let buf = [0x5au8; PAYLOAD];
                            let to = SocketAddr::from((Ipv4Addr::new(10, 80, 0, 2), 9000));
                            for i in 0..per {
                                while sent_total.load(Ordering::Relaxed)
                                    - (got.load(Ordering::Relaxed) - start_count)
                                    >= WINDOW * queues as u64
                                {
                                    std::hint::spin_loop();
                                }
                                socks[i as usize % socks.len()].send_to(&buf, to).unwrap();
                                sent_total.fetch_add(1, Ordering::Relaxed);
                            }
                        });
                    }
                });
                let deadline = Instant::now() + Duration::from_secs(5);
                while got.load(Ordering::Relaxed) < target && Instant::now() < deadline {
                    std::hint::spin_loop();
                }
                t0.elapsed()
            })
        });
        tap.close().unwrap();
        g.finish();
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Off,
    Segmented,
    Passthrough,
    Veth,
}

const CHUNK: usize = 256 * 1024;

fn forward(from: &Tap, to: &Arc<Tap>, gso: bool) {
    let t: Weak<Tap> = Arc::downgrade(to);
    from.set_handler(Arc::new(move |f: &Frame| match t.upgrade() {
        Some(t) => t.send(f),
        None => Ok(()),
    }));
    if gso {
        let t: Weak<Tap> = Arc::downgrade(to);
        from.set_gso_handler(Arc::new(move |h: &VirtioNetRepr, f: &Frame| {
            match t.upgrade() {
                Some(t) => t.send_gso(h, f),
                None => Ok(()),
            }
        }));
    }
}

fn tcp_bulk(c: &mut Criterion) {
    // (case, implementation): the kernel's veth path is the peer of the
    // like-for-like case, offloads on end to end.
    let modes = [
        (Mode::Off, "offloads-off", "pktkit"),
        (Mode::Segmented, "offloads-segmented", "pktkit"),
        (Mode::Passthrough, "offloads-passthrough", "pktkit"),
        (Mode::Veth, "offloads-passthrough", "kernel-veth"),
    ];
    for (mode, case, id) in modes {
        let mut g = c.benchmark_group(format!("tap/tcp-bulk/{case}"));
        g.sample_size(10).measurement_time(Duration::from_secs(4));
        g.throughput(Throughput::Bytes(CHUNK as u64));
        let (nsa, nsb) = (Ns::new("a"), Ns::new("b"));
        let pid = std::process::id();
        let (na, nb) = (format!("pkba{pid:x}"), format!("pkbb{pid:x}"));
        let mut taps = Vec::new();
        if mode == Mode::Veth {
            run(&[
                "ip", "link", "add", &na, "netns", &nsa.0, "type", "veth", "peer", "name", &nb,
                "netns", &nsb.0,
            ]);
            nsa.run(&["ip", "addr", "add", "10.81.0.1/24", "dev", &na]);
            nsb.run(&["ip", "addr", "add", "10.81.0.2/24", "dev", &nb]);
            nsa.run(&["ip", "link", "set", &na, "up"]);
            nsb.run(&["ip", "link", "set", &nb, "up"]);
        } else {
            let on = Offloads::CSUM | Offloads::TSO4 | Offloads::TSO6;
            let mk = |n: &str, off: bool| {
                let b = TapBuilder::new(n);
                let b = if off {
                    b.vnet_hdr(true).offloads(on)
                } else {
                    b
                };
                Arc::new(b.open().unwrap())
            };
            let a = mk(&na, mode != Mode::Off);
            let b = mk(&nb, mode == Mode::Passthrough);
            forward(&a, &b, mode == Mode::Passthrough);
            forward(&b, &a, mode == Mode::Passthrough);
            place(&na, &nsa, "10.81.0.1/24");
            place(&nb, &nsb, "10.81.0.2/24");
            taps.push(a);
            taps.push(b);
        }
        let listener =
            nsb.enter(|| TcpListener::bind((Ipv4Addr::new(10, 81, 0, 2), 5201)).unwrap());
        let received = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, st) = (Arc::clone(&received), Arc::clone(&stop));
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = vec![0u8; 1 << 20];
            while !st.load(Ordering::Relaxed) {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        r.fetch_add(n as u64, Ordering::Relaxed);
                    }
                }
            }
        });
        let mut client =
            nsa.enter(|| TcpStream::connect((Ipv4Addr::new(10, 81, 0, 2), 5201)).unwrap());
        let chunk = vec![0xa5u8; CHUNK];
        g.bench_function(id, |b| {
            b.iter_custom(|iters| {
                let target = received.load(Ordering::Relaxed) + iters * CHUNK as u64;
                let t0 = Instant::now();
                for _ in 0..iters {
                    client.write_all(&chunk).unwrap();
                }
                while received.load(Ordering::Relaxed) < target {
                    std::hint::spin_loop();
                }
                t0.elapsed()
            })
        });
        stop.store(true, Ordering::Relaxed);
        drop(client);
        server.join().unwrap();
        for t in &taps {
            let s = t.offload_stats();
            eprintln!("{case}/{id}: {} {s:?}", t.name());
            t.close().unwrap();
        }
        g.finish();
    }
}

fn benches(c: &mut Criterion) {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("SKIPPED tuntap benches (need root for TAP devices and network namespaces)");
        return;
    }
    rx_udp(c);
    tcp_bulk(c);
}

criterion_group!(tuntap, benches);
criterion_main!(tuntap);
