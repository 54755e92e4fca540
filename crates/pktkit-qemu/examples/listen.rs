//! Binds a QEMU stream listener on a unix socket, prints the `-netdev`
//! argument a guest would use, connects a stand-in guest and echoes one frame.
//!
//! `cargo run -p pktkit-qemu --example listen`

use std::sync::{Arc, mpsc};

use pktkit_core::{L2Acceptor, L2Device};
use pktkit_qemu::{Endpoint, Listener, Mode, QemuConfig, StreamDevice};
use pktkit_wire::Frame;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("pktkit-qemu-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let ep = Endpoint::Unix(dir.join("lan.sock"));
    let ln = Listener::bind(&ep, Mode::Stream, QemuConfig::default().with_pin_mac(true))?;
    println!(
        "qemu-system-x86_64 ... -netdev {} -device virtio-net-pci,netdev=n0",
        ln.qemu_netdev("n0")
    );

    // A stand-in for QEMU.
    let guest = StreamDevice::connect(&ep, &QemuConfig::default())?;
    let (tx, rx) = mpsc::channel();
    guest.set_handler(Arc::new(move |f: &Frame| {
        tx.send(f.as_bytes().to_vec()).ok();
        Ok(())
    }));

    let port = ln.accept_l2()?;
    let weak = Arc::downgrade(&port);
    port.set_handler(Arc::new(move |f: &Frame| match weak.upgrade() {
        Some(p) => p.send(f),
        None => Ok(()),
    }));

    let mut bytes = [0u8; 60];
    bytes[..6].copy_from_slice(&[0xff; 6]);
    bytes[6..12].copy_from_slice(&[0x52, 0x54, 0, 0x12, 0x34, 0x56]);
    guest.send(Frame::parse(&bytes)?)?;
    let back = rx.recv_timeout(std::time::Duration::from_secs(5))?;
    println!(
        "echoed {} bytes; port counters: {}",
        back.len(),
        port.counters().map(|c| c.snapshot()).unwrap_or_default()
    );
    guest.close()?;
    port.done()
        .map(|d| d.wait_timeout(std::time::Duration::from_secs(5)));
    L2Acceptor::close(&ln)?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
