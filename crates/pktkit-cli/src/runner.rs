//! `pktkit up`: runs a [`Config`] until told to stop.
//!
//! Each switch is an [`L2Hub`] with, as ports: a [`Gateway`] (pktkit-core's
//! `L2Adapter` in gateway mode answering ARP and ping for the gateway
//! address, beside the DHCP server from pktkit-dhcp),
//! the TAPs (set link up, given no address: the host side configures
//! them, e.g. with a DHCP client), and every QEMU guest accepted by the switch's pktkit-qemu
//! listeners (each served with [`serve_with_done`], so a guest that goes away
//! leaves the switch). A status line is printed periodically; when `stop`
//! fires, the listeners close (their socket files are removed), every port
//! detaches, the leases are saved and a `pcap` capture
//! ([`SwitchCapture`]) is completed. Not here: signal handling (the binary
//! fires `stop`).

use std::io::Write;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use pktkit_core::{Done, L2Acceptor, L2Connector, L2Device, L2Hub, PortHandle, serve_with_done};
use pktkit_dhcp::device::ServerDevice;
use pktkit_dhcp::{LeaseStore, ServerConfig, StaticLease};
use pktkit_qemu::{Endpoint, Listener, QemuConfig};
use pktkit_wire::MacAddr;

use crate::config::{Config, SwitchConfig};
use crate::gateway::Gateway;
use crate::switch_capture::SwitchCapture;

/// How `pktkit up` reports.
#[derive(Debug, Clone, Copy)]
pub struct UpOptions {
    /// Print a status line this often.
    pub status_every: Duration,
}

/// One running switch.
struct RunningSwitch {
    name: String,
    hub: Arc<L2Hub>,
    dhcp: Option<(Arc<ServerDevice>, Option<LeaseStore>)>,
    gateway: Option<Arc<Gateway>>,
    listeners: Vec<Arc<Listener>>,
    serving: Vec<JoinHandle<()>>,
    ports: Vec<PortHandle>,
    capture: Option<SwitchCapture>,
}

impl RunningSwitch {
    fn status(&self) -> String {
        let snap = self.hub.snapshot();
        let frames: u64 = snap.ports.iter().map(|(_, c)| c.rx_packets).sum();
        let port_drops: u64 = snap
            .ports
            .iter()
            .map(|(_, c)| c.rx_dropped + c.tx_dropped)
            .sum();
        let guests: u64 = self.listeners.iter().map(|l| l.stats().active).sum();
        let bad: u64 = self
            .listeners
            .iter()
            .map(|l| {
                let s = l.stats();
                s.bad_input + s.unknown_sender + s.refused
            })
            .sum();
        let leases = self
            .dhcp
            .as_ref()
            .map(|(d, _)| d.with_server(|s| s.binding_count()));
        let mut line = format!(
            "{}: {} ports ({} guests), {} frames, {} drops",
            self.name,
            snap.ports.len(),
            guests,
            frames,
            snap.drops.total() + port_drops + bad
        );
        if let Some(n) = leases {
            line.push_str(&format!(", {n} leases"));
        }
        if let Some(c) = &self.capture {
            let (n, lost) = c.counts();
            line.push_str(&format!(", {n} captured ({lost} not)"));
        }
        if let Some(g) = &self.gateway {
            let (arp, ping) = g.replies();
            line.push_str(&format!(", gateway answered {arp} ARP / {ping} ping"));
        }
        line
    }

    fn save_leases(&self) {
        if let Some((d, Some(store))) = &self.dhcp {
            let leases = d.with_server(|s| s.persisted_leases(Instant::now(), SystemTime::now()));
            match store.save(&leases) {
                Ok(()) => {
                    tracing::info!(switch = %self.name, leases = leases.len(), file = %store.path().display(), "leases saved")
                }
                Err(e) => tracing::warn!(switch = %self.name, error = %e, "saving leases failed"),
            }
        }
    }
}

/// Refuses a runtime directory someone else owns or others can write to
/// (`/tmp/pktkit-$UID` could have been made by another user first).
fn check_private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(dir).with_context(|| format!("reading {}", dir.display()))?;
    let me = nix::unistd::getuid().as_raw();
    anyhow::ensure!(
        m.is_dir() && m.uid() == me && m.mode() & 0o022 == 0,
        "{} is not a private directory of user {me} (owner {}, mode {:o})",
        dir.display(),
        m.uid(),
        m.mode() & 0o7777
    );
    Ok(())
}

/// The MAC of a switch's gateway: locally administered, from the switch's index.
fn gateway_mac(index: usize) -> MacAddr {
    MacAddr::new(0x02, 0x50, 0x4b, 0x00, (index >> 8) as u8, index as u8 + 1)
}

fn start_switch(
    index: usize,
    s: &SwitchConfig,
    stop: &Done,
    out: &mut dyn Write,
) -> anyhow::Result<RunningSwitch> {
    let hub = Arc::new(L2Hub::new());
    let mut ports = Vec::new();
    let mut running = RunningSwitch {
        name: s.name.clone(),
        hub: hub.clone(),
        dhcp: None,
        gateway: None,
        listeners: Vec::new(),
        serving: Vec::new(),
        ports: Vec::new(),
        capture: None,
    };
    if let Some(p) = &s.pcap {
        let f = std::fs::File::create(p)
            .with_context(|| format!("switch {}: creating {}", s.name, p.display()))?;
        running.capture = Some(SwitchCapture::new(std::io::BufWriter::new(f))?);
    }
    let port = |dev: Arc<dyn L2Device>, capture: &Option<SwitchCapture>| match capture {
        Some(c) => c.port(dev),
        None => dev,
    };
    let mac = gateway_mac(index);
    if let Some(d) = &s.dhcp {
        let gw = s.gateway.context("DHCP needs a gateway")?;
        let mut cfg = ServerConfig::new(gw, s.subnet.1, d.range.0, d.range.1);
        cfg.lease_time = d.lease_time;
        cfg.dns_servers = d.dns.clone();
        cfg.static_leases = d
            .statics
            .iter()
            .map(|(mac, ip)| StaticLease {
                mac: Some(*mac),
                client_id: None,
                address: *ip,
            })
            .collect();
        let store = d.lease_file.as_ref().map(LeaseStore::new);
        let dev = ServerDevice::new(cfg, mac, store.clone())
            .with_context(|| format!("switch {}: DHCP server", s.name))?;
        running.dhcp = Some((dev, store));
    }
    if let Some(ip) = s.gateway {
        let dhcp = running
            .dhcp
            .as_ref()
            .map(|(d, _)| d.clone() as Arc<dyn L2Device>);
        let gw = Gateway::new(mac, ip, s.subnet.1, dhcp)?;
        ports.push(hub.attach(port(gw.clone(), &running.capture))?);
        running.gateway = Some(gw);
    }
    for name in &s.taps {
        let tap = pktkit_tuntap::TapBuilder::new(name)
            .open()
            .with_context(|| format!("switch {}: opening TAP {name}", s.name))?;
        // Up, but without an address: the host side configures it (by hand
        // or with a DHCP client talking to this switch's server).
        tap.ifindex()
            .and_then(|idx| pktkit_tuntap::Netlink::new()?.set_link_up(idx))
            .with_context(|| format!("switch {}: setting TAP {name} up", s.name))?;
        writeln!(
            out,
            "switch {}: TAP {} is up (no address; the host configures it)",
            s.name,
            tap.name()
        )?;
        ports.push(hub.attach(port(Arc::new(tap), &running.capture))?);
    }
    for (j, q) in s.qemu.iter().enumerate() {
        if let Endpoint::Unix(p) = &q.listen
            && let Some(dir) = p.parent()
        {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("creating {}", dir.display()))?;
            if dir == crate::config::runtime_dir() {
                check_private_dir(dir)?;
            }
        }
        let mut qcfg = QemuConfig::default().with_pin_mac(q.pin_mac);
        if let Some(n) = q.max_guests {
            qcfg = qcfg.with_max_guests(n);
        }
        let ln = Arc::new(
            Listener::bind(&q.listen, q.mode, qcfg)
                .with_context(|| format!("switch {}: listening on {}", s.name, q.listen))?,
        );
        let id = format!("{}{j}", s.name);
        writeln!(
            out,
            "switch {}: QEMU guests connect with: -netdev {} -device virtio-net-pci,netdev={id}",
            s.name,
            ln.qemu_netdev(&id)
        )?;
        let connector: Arc<dyn L2Connector> = match &running.capture {
            Some(c) => Arc::new(c.connector(hub.clone())),
            None => hub.clone(),
        };
        let (acc, stop2, name) = (ln.clone(), stop.clone(), s.name.clone());
        running.serving.push(
            std::thread::Builder::new()
                .name(format!("pktkit-serve-{id}"))
                .spawn(move || {
                    let acceptor: Arc<dyn L2Acceptor> = acc;
                    if let Err(e) = serve_with_done(acceptor, &*connector, &stop2) {
                        tracing::error!(switch = %name, error = %e, "QEMU listener failed");
                    }
                })?,
        );
        running.listeners.push(ln);
    }
    running.ports = ports;
    Ok(running)
}

/// Runs `cfg` until `stop` fires, printing the QEMU arguments and status
/// lines to `out`.
pub fn up(cfg: &Config, opts: UpOptions, stop: &Done, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut switches = Vec::new();
    for (i, s) in cfg.switches.iter().enumerate() {
        let r = start_switch(i, s, stop, out);
        match r {
            Ok(r) => {
                let mut line = format!("switch {}: subnet {}/{}", s.name, s.subnet.0, s.subnet.1);
                if let Some(g) = s.gateway {
                    line.push_str(&format!(", gateway {g}"));
                }
                if let Some(d) = &s.dhcp {
                    line.push_str(&format!(", DHCP {}-{}", d.range.0, d.range.1));
                }
                writeln!(out, "{line}")?;
                switches.push(r);
            }
            Err(e) => {
                stop.fire();
                shut_down(switches);
                return Err(e);
            }
        }
    }
    writeln!(out, "pktkit up: running; Ctrl-C stops")?;
    out.flush()?;
    while !stop.wait_timeout(opts.status_every) {
        for s in &switches {
            writeln!(out, "{}", s.status())?;
        }
        out.flush()?;
    }
    for s in &switches {
        writeln!(out, "{}", s.status())?;
    }
    shut_down(switches);
    writeln!(out, "pktkit up: stopped")?;
    out.flush()?;
    Ok(())
}

fn shut_down(switches: Vec<RunningSwitch>) {
    for mut s in switches {
        for l in &s.listeners {
            let _ = L2Acceptor::close(&**l);
        }
        for t in std::mem::take(&mut s.serving) {
            let _ = t.join();
        }
        s.save_leases();
        for p in std::mem::take(&mut s.ports) {
            p.detach();
        }
        if let Some(g) = &s.gateway {
            let _ = g.close();
        }
        if let Some(c) = &s.capture {
            match c.finish() {
                Ok(()) => tracing::info!(switch = %s.name, "capture written"),
                Err(e) => tracing::warn!(switch = %s.name, error = %e, "capture incomplete"),
            }
        }
    }
}
