//! TSO through our code: a kernel TCP sender in namespace A, a kernel receiver
//! in namespace B, and our forwarder between TAP A (virtio-net header, offloads
//! on, so the kernel hands us 64 KiB segments) and TAP B.
//!
//! * `software_segmentation`: TAP B has no offloads, so each large segment is
//!   cut in software at A's edge (`gso.rs`); B's kernel checks every checksum
//!   and the receiver compares the stream byte for byte.
//! * `passthrough`: TAP B has offloads too, so segments cross whole
//!   (`send_gso`) and B's kernel takes them as they are.

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use pktkit_core::L2Device;
use pktkit_testkit::{Netns, require_root};
use pktkit_tuntap::{Offloads, Tap, TapBuilder};
use pktkit_wire::Frame;
use pktkit_wire::virtio_net::{GsoType, VirtioNetRepr};

const A: Ipv4Addr = Ipv4Addr::new(10, 79, 0, 1);
const B: Ipv4Addr = Ipv4Addr::new(10, 79, 0, 2);
const BYTES: usize = 16 << 20;

fn forward(from: &Tap, to: &Arc<Tap>) {
    let to: Weak<Tap> = Arc::downgrade(to);
    from.set_handler(Arc::new(move |f: &Frame| match to.upgrade() {
        Some(t) => t.send(f),
        None => Ok(()),
    }));
}

/// Sends `BYTES` from A to B over TCP and returns what B received.
fn transfer(nsa: &Netns, nsb: &Netns) -> Vec<u8> {
    let listener = nsb
        .enter_on_thread(|| TcpListener::bind((B, 0)).unwrap())
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut got = Vec::with_capacity(BYTES);
        s.read_to_end(&mut got).unwrap();
        got
    });
    let client = nsa
        .enter_on_thread(move || TcpStream::connect((B, port)).unwrap())
        .unwrap();
    let data = common::pattern(BYTES);
    let mut c = client;
    c.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
    c.write_all(&data).unwrap();
    c.shutdown(std::net::Shutdown::Write).unwrap();
    server.join().unwrap()
}

struct Lab {
    nsa: Netns,
    nsb: Netns,
    a: Arc<Tap>,
    b: Arc<Tap>,
}

fn lab(b_offloads: bool) -> Lab {
    let nsa = Netns::new("tsoa").unwrap();
    let nsb = Netns::new("tsob").unwrap();
    let offloads = Offloads::CSUM | Offloads::TSO4 | Offloads::TSO6;
    let a = Arc::new(
        TapBuilder::new(&common::ifname("a"))
            .vnet_hdr(true)
            .offloads(offloads)
            .open()
            .unwrap(),
    );
    let b = if b_offloads {
        TapBuilder::new(&common::ifname("b"))
            .vnet_hdr(true)
            .offloads(offloads)
    } else {
        TapBuilder::new(&common::ifname("b"))
    };
    let b = Arc::new(b.open().unwrap());
    assert_eq!(a.offloads(), offloads);
    forward(&a, &b);
    forward(&b, &a);
    Lab { nsa, nsb, a, b }
}

fn configure(l: &Lab) {
    common::move_and_configure(l.a.name(), &l.nsa, &format!("{A}/24"));
    common::move_and_configure(l.b.name(), &l.nsb, &format!("{B}/24"));
}

#[test]
fn software_segmentation() {
    if !require_root() {
        return;
    }
    let l = lab(false);
    configure(&l);
    let got = transfer(&l.nsa, &l.nsb);
    assert!(
        got == common::pattern(BYTES),
        "stream differs ({} bytes)",
        got.len()
    );

    let s = l.a.offload_stats();
    eprintln!("A offload stats: {s:?}");
    assert!(s.gso_frames > 0, "the kernel sent no GSO frames: {s:?}");
    assert!(s.largest_frame > 1514, "no frame above the MTU: {s:?}");
    assert!(s.segments > s.gso_frames, "{s:?}");
    assert_eq!(s.passed_whole, 0);
    let ca = l.a.counters().unwrap().snapshot();
    let cb = l.b.counters().unwrap().snapshot();
    assert_eq!(ca.rx_dropped, 0, "{ca}");
    // Every frame handed up from A was written to B (nothing lost on our side;
    // a frame arriving before B was up would show as a B tx drop).
    assert_eq!(
        ca.rx_packets,
        cb.tx_packets + cb.tx_dropped,
        "A {ca} / B {cb}"
    );
    assert!(cb.tx_dropped <= 4, "B {cb}");
}

#[test]
fn passthrough() {
    if !require_root() {
        return;
    }
    let l = lab(true);
    let whole = Arc::new(AtomicU64::new(0));
    let first: Arc<Mutex<Option<VirtioNetRepr>>> = Arc::default();
    for (from, to) in [(&l.a, &l.b), (&l.b, &l.a)] {
        let to = Arc::downgrade(to);
        let (w, f0) = (Arc::clone(&whole), Arc::clone(&first));
        from.set_gso_handler(Arc::new(move |h: &VirtioNetRepr, f: &Frame| {
            if h.is_gso() {
                w.fetch_add(1, Ordering::Relaxed);
                f0.lock().unwrap().get_or_insert(*h);
            }
            match to.upgrade() {
                Some(t) => t.send_gso(h, f),
                None => Ok(()),
            }
        }));
    }
    configure(&l);
    let got = transfer(&l.nsa, &l.nsb);
    assert!(
        got == common::pattern(BYTES),
        "stream differs ({} bytes)",
        got.len()
    );
    let s = l.a.offload_stats();
    eprintln!(
        "A offload stats: {s:?}, first GSO header: {:?}",
        first.lock().unwrap()
    );
    assert!(whole.load(Ordering::Relaxed) > 0);
    assert_eq!(s.passed_whole, s.gso_frames);
    assert_eq!(s.segments, 0, "nothing was cut in software");
    let h = first.lock().unwrap().unwrap();
    assert_eq!(h.gso_type, GsoType::TcpV4);
    assert!(h.needs_csum());
    assert_eq!((h.csum_start, h.csum_offset), (14 + 20, 16));
}
