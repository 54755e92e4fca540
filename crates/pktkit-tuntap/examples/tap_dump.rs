//! Creates a TAP, gives the kernel side an address, brings it up and prints
//! every frame the kernel sends into it, until Ctrl-C or N frames.
//!
//! ```text
//! sudo cargo run -p pktkit-tuntap --example tap_dump -- pkdemo0 10.123.0.1/24 5
//! # in another shell: ping -c 3 10.123.0.2   (ARP requests show up here)
//! ```
//!
//! Arguments: interface name (default `pkdemo0`), kernel-side address (default
//! `10.123.0.1/24`), number of frames to print before exiting (default: forever).

use std::sync::Arc;
use std::sync::mpsc;

use pktkit_core::L2Device;
use pktkit_tuntap::{Netlink, TapBuilder};
use pktkit_wire::{Frame, IpPrefix};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "pkdemo0".into());
    let addr: IpPrefix = args
        .next()
        .unwrap_or_else(|| "10.123.0.1/24".into())
        .parse()
        .map_err(|e| format!("bad address: {e}"))?;
    let count: Option<usize> = args.next().map(|n| n.parse()).transpose()?;

    let tap = TapBuilder::new(&name).open()?;
    let mut nl = Netlink::new()?;
    let idx = nl.link_index(tap.name())?;
    nl.add_address(idx, addr)?;
    nl.set_link_up(idx)?;
    println!(
        "{} is up with {addr}; our side is {}",
        tap.name(),
        tap.hw_addr()
    );

    let (tx, rx) = mpsc::sync_channel::<String>(64);
    tap.set_handler(Arc::new(move |f: &Frame| {
        let line = format!(
            "{} -> {} {:?} vlan {:?} {} bytes",
            f.src(),
            f.dst(),
            f.ethertype(),
            f.vlan_id(),
            f.len()
        );
        let _ = tx.try_send(line); // the printer fell behind: drop the line, not the frame
        Ok(())
    }));
    for (i, line) in rx.iter().enumerate() {
        println!("{line}");
        if count.is_some_and(|n| i + 1 >= n) {
            break;
        }
    }
    println!(
        "{}",
        tap.counters()
            .map(|c| c.snapshot().to_string())
            .unwrap_or_default()
    );
    Ok(())
}
