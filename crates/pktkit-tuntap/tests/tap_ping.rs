//! The kernel in a network namespace pings an address behind our TAP, and a
//! small responder on our side (ARP reply + ICMP echo reply) answers.

mod common;

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};

use pktkit_core::L2Device;
use pktkit_testkit::{Netns, require_root, require_tool};
use pktkit_tuntap::{Error, OpenMode, Tap, TapBuilder};
use pktkit_wire::{EtherType, Frame, MacAddr, Packet, checksum};

const OURS: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 2);

#[derive(Default)]
struct Seen {
    frames: AtomicU64,
    arp_replies: AtomicU64,
    echo_replies: AtomicU64,
}

/// Answers ARP requests for `OURS` and ICMP echo requests to it; `None` otherwise.
fn respond(f: &Frame, mac: MacAddr) -> Option<Vec<u8>> {
    let p = f.payload();
    if f.ethertype() == EtherType::ARP {
        // htype 1, ptype 0x0800, hlen 6, plen 4, op 1 (request), target IP = ours
        if p.len() < 28 || p[..8] != [0, 1, 8, 0, 6, 4, 0, 1] || p[24..28] != OURS.octets() {
            return None;
        }
        let mut out = vec![0u8; 14 + 28];
        out[..6].copy_from_slice(&p[8..14]);
        out[6..12].copy_from_slice(&mac.0);
        out[12..14].copy_from_slice(&[0x08, 0x06]);
        let a = &mut out[14..];
        a[..8].copy_from_slice(&[0, 1, 8, 0, 6, 4, 0, 2]);
        a[8..14].copy_from_slice(&mac.0);
        a[14..18].copy_from_slice(&OURS.octets());
        a[18..28].copy_from_slice(&p[8..18]); // requester's MAC + IP
        return Some(out);
    }
    if f.ethertype() != EtherType::IPV4 {
        return None;
    }
    let ip = Packet::parse(p).ok()?;
    if ip.dst() != OURS || ip.protocol() != pktkit_wire::IpProtocol::ICMP {
        return None;
    }
    let icmp = ip.payload();
    if icmp.len() < 8 || icmp[0] != 8 || !checksum::verify(icmp) {
        return None;
    }
    let hl = ip.header_len();
    let len = ip.total_len();
    let mut out = Vec::with_capacity(14 + len);
    out.extend_from_slice(&f.src().0);
    out.extend_from_slice(&mac.0);
    out.extend_from_slice(&[0x08, 0x00]);
    out.extend_from_slice(&p[..len]);
    let r = &mut out[14..];
    let (src, dst) = (r[12..16].to_vec(), r[16..20].to_vec());
    r[12..16].copy_from_slice(&dst);
    r[16..20].copy_from_slice(&src);
    r[8] = 64;
    common::fill_ipv4_checksum(r);
    let icmp = &mut r[hl..];
    icmp[0] = 0; // echo reply
    icmp[2..4].fill(0);
    let c = checksum::checksum(icmp);
    icmp[2..4].copy_from_slice(&c.to_be_bytes());
    Some(out)
}

#[test]
fn kernel_pings_through_our_tap() {
    if !require_root() || !require_tool("ping") {
        return;
    }
    let ns = Netns::new("tping").unwrap();
    let name = common::ifname("p");
    let tap = Arc::new(
        TapBuilder::new(&name)
            .mode(OpenMode::Create)
            .open()
            .unwrap(),
    );
    assert_eq!(tap.name(), name);
    let seen = Arc::new(Seen::default());
    let me: Arc<OnceLock<Weak<Tap>>> = Arc::new(OnceLock::new());
    me.set(Arc::downgrade(&tap)).unwrap();
    let (s, m) = (Arc::clone(&seen), Arc::clone(&me));
    tap.set_handler(Arc::new(move |f: &Frame| {
        s.frames.fetch_add(1, Ordering::Relaxed);
        let Some(tap) = m.get().and_then(Weak::upgrade) else {
            return Ok(());
        };
        if let Some(reply) = respond(f, tap.hw_addr()) {
            let counter = if f.ethertype() == EtherType::ARP {
                &s.arp_replies
            } else {
                &s.echo_replies
            };
            tap.send(Frame::parse(&reply).unwrap())?;
            counter.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }));
    common::move_and_configure(&name, &ns, "10.77.0.1/24");

    let out = ns
        .run(&["ping", "-c", "3", "-i", "0.2", "-W", "2", "10.77.0.2"])
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("3 packets transmitted, 3 received"), "{text}");

    let echo = seen.echo_replies.load(Ordering::Relaxed);
    let arp = seen.arp_replies.load(Ordering::Relaxed);
    assert_eq!(echo, 3);
    assert!(arp >= 1, "the kernel must have resolved us");
    let c = tap.counters().unwrap().snapshot();
    // Every frame the kernel sent reached the handler, and everything we sent went out.
    assert_eq!(c.rx_packets, seen.frames.load(Ordering::Relaxed), "{c}");
    assert_eq!(c.tx_packets, echo + arp, "{c}");
    assert_eq!((c.rx_dropped, c.tx_dropped, c.errors), (0, 0, 0), "{c}");
    // The kernel's own counters agree with ours (its tx is our rx).
    let stats = ns
        .run(&[
            "cat",
            &format!("/sys/class/net/{name}/statistics/rx_packets"),
        ])
        .unwrap();
    let kernel_rx: u64 = String::from_utf8_lossy(&stats.stdout)
        .trim()
        .parse()
        .unwrap();
    assert_eq!(kernel_rx, c.tx_packets);

    tap.close().unwrap();
    assert!(
        tap.send(Frame::parse(&[0u8; 60]).unwrap()).is_err(),
        "send after close"
    );
    tap.close().unwrap(); // twice is fine
}

#[test]
fn errors_say_what_to_do() {
    if !require_root() {
        return;
    }
    let e = TapBuilder::new("this-name-is-too-long").open().unwrap_err();
    assert!(matches!(e, Error::InvalidName { .. }), "{e}");
    assert!(e.to_string().contains("1 to 15 bytes"), "{e}");

    // A name in use by a TAP, asked for again with Create, or as a TUN.
    let name = common::ifname("e");
    let tap = TapBuilder::new(&name).open().unwrap();
    let e = TapBuilder::new(&name)
        .mode(OpenMode::Create)
        .open()
        .unwrap_err();
    assert!(matches!(e, Error::NameInUse { .. }), "{e}");
    let e = pktkit_tuntap::TunBuilder::new(&name).open().unwrap_err();
    assert!(matches!(e, Error::NameInUse { .. }), "{e}");
    assert!(e.to_string().contains("pick another name"), "{e}");
    drop(tap);
    let e = TapBuilder::new(&name)
        .mode(OpenMode::Existing)
        .open()
        .unwrap_err();
    assert!(e.to_string().contains("no interface named"), "{e}");

    // Without CAP_NET_ADMIN (a thread that dropped it): a permission error that says how to fix it.
    let e = std::thread::spawn(move || {
        drop_cap_net_admin();
        TapBuilder::new(&common::ifname("c")).open().unwrap_err()
    })
    .join()
    .unwrap();
    assert!(matches!(e, Error::PermissionDenied { .. }), "{e}");
    assert!(e.to_string().contains("CAP_NET_ADMIN"), "{e}");
}

/// Drops CAP_NET_ADMIN from the calling thread's effective set (capabilities are per thread).
fn drop_cap_net_admin() {
    // capget/capset have no nix wrapper; `prctl(PR_CAPBSET_DROP)` would not touch the
    // effective set, so use the raw syscalls on version-3 structures.
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    const CAP_NET_ADMIN: u32 = 12;
    let mut h = Header {
        version: 0x2008_0522,
        pid: 0,
    };
    let mut d = [Data::default(); 2];
    // SAFETY: capget writes two Data structs for a version-3 header; both are valid.
    let r = unsafe { libc::syscall(libc::SYS_capget, &mut h, d.as_mut_ptr()) };
    assert_eq!(r, 0);
    d[0].effective &= !(1 << CAP_NET_ADMIN);
    // SAFETY: capset reads the header and two Data structs, all valid.
    let r = unsafe { libc::syscall(libc::SYS_capset, &mut h, d.as_ptr()) };
    assert_eq!(r, 0);
}
