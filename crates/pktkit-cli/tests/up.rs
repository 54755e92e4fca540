//! `pktkit check` and `pktkit up` as a user runs them: the binary, a
//! configuration file, a QEMU-style guest (a pktkit-qemu dialer) that gets an
//! address from the DHCP server with pktkit-dhcp's client, resolves the
//! gateway with ARP and pings it (replies checked with etherparse), then
//! SIGTERM and a clean stop.

use std::io::{BufRead, BufReader};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use pktkit_core::L2Device;
use pktkit_dhcp::device::ClientDevice;
use pktkit_dhcp::{ClientConfig, Event};
use pktkit_qemu::{Endpoint, QemuConfig, StreamDevice};
use pktkit_wire::{Frame, MacAddr};

const WAIT: Duration = Duration::from_secs(20);

struct TempDir(PathBuf);
impl TempDir {
    fn new(tag: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!("pktkit-cli-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Kills the child on drop (a failing test leaves no `pktkit up` behind).
struct Running(Child);
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn pktkit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pktkit"))
}

fn check(dir: &Path, name: &str, text: &str) -> (bool, String, String) {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    let out = pktkit().arg("check").arg(&p).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_accepts_good_configs() {
    let dir = TempDir::new("check-good");
    let full = r#"
[[switch]]
name = "lan"
subnet = "10.0.2.0/24"
gateway = "10.0.2.2"
[switch.dhcp]
range = ["10.0.2.15", "10.0.2.254"]
lease_time = "1h"
lease_file = "lan.leases"
dns = ["10.0.2.3"]
static = [{ mac = "52:54:00:00:00:10", ip = "10.0.2.10" }]
[[switch.qemu]]
listen = "unix:/tmp/lan.sock"
mode = "stream"
[[switch.qemu]]
listen = "udp:127.0.0.1:5555"
mode = "dgram"
[[switch.tap]]
name = "pk0"

[[switch]]
name = "dmz"
subnet = "192.168.7.0/24"
"#;
    let (ok, out, err) = check(&dir.0, "full.toml", full);
    assert!(ok, "{err}");
    assert!(out.contains("ok (2 switches)"), "{out}");
    let (ok, _, err) = check(&dir.0, "default.toml", include_str!("../src/default.toml"));
    assert!(ok, "{err}");
}

#[test]
fn check_errors_name_line_and_key() {
    let dir = TempDir::new("check-bad");
    let cases: &[(&str, &str, &str)] = &[
        (
            "[[switch]]\nname = \"lan\"\nsubnet = \"10.0.2.0/24\"\ncolour = \"blue\"\n",
            "line 4",
            "colour",
        ),
        (
            "[[switch]]\nname = \"lan\"\nsubnet = \"10.0.2.0/24\"\ngateway = \"10.0.3.2\"\n",
            "line 4",
            "switch[0].gateway",
        ),
        (
            "[[switch]]\nname = \"lan\"\nsubnet = \"10.0.2.0/24\"\ngateway = \"10.0.2.2\"\n[switch.dhcp]\nrange = [\"10.0.2.15\", \"10.0.2.254\"]\nlease_time = \"soon\"\n",
            "line 7",
            "switch[0].dhcp.lease_time",
        ),
        (
            "[[switch]]\nname = \"lan\"\nsubnet = \"10.0.2.0/24\"\n[[switch.qemu]]\nlisten = \"unix:/x.sock\"\nmode = \"pipe\"\n",
            "line 6",
            "switch[0].qemu[0].mode",
        ),
        (
            "[[switch]]\nname = \"lan\"\nsubnet = \"10.0.2.0/24\"\ngateway = \"10.0.2.2\"\n[switch.dhcp]\nrange = [\"10.0.2.15\", \"10.0.2.254\"]\nstatic = [{ mac = \"52:54:00:00:00:1\", ip = \"10.0.2.10\" }]\n",
            "line 7",
            "switch[0].dhcp.static[0].mac",
        ),
        (
            "[[switch]]\nname = \"lan\"\nsubnet = [1, 2]\n",
            "line 3",
            "subnet",
        ),
    ];
    for (i, (text, line, key)) in cases.iter().enumerate() {
        let (ok, _, err) = check(&dir.0, &format!("bad{i}.toml"), text);
        assert!(!ok, "case {i} accepted");
        assert!(err.contains(line), "case {i}: {err}");
        assert!(err.contains(&format!("key `{key}`")), "case {i}: {err}");
    }
}

fn arp_request(mac: MacAddr, ip: Ipv4Addr, target: Ipv4Addr) -> Vec<u8> {
    let mut b = vec![0xff; 6];
    b.extend_from_slice(mac.as_bytes());
    b.extend_from_slice(&[0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1]);
    b.extend_from_slice(mac.as_bytes());
    b.extend_from_slice(&ip.octets());
    b.extend_from_slice(&[0; 6]);
    b.extend_from_slice(&target.octets());
    b
}

fn echo_request(src_mac: MacAddr, dst_mac: &[u8], src: Ipv4Addr, dst: Ipv4Addr) -> Vec<u8> {
    let mut b = dst_mac.to_vec();
    b.extend_from_slice(src_mac.as_bytes());
    b.extend_from_slice(&[0x08, 0x00]);
    let payload = b"pktkit up ping!!";
    let total = (20 + 8 + payload.len()) as u16;
    let mut ip = vec![0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 1, 0, 0];
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&src.octets());
    ip.extend_from_slice(&dst.octets());
    let s = pktkit_wire::checksum::checksum(&ip);
    ip[10..12].copy_from_slice(&s.to_be_bytes());
    let mut icmp = vec![8, 0, 0, 0, 0xbe, 0xef, 0, 1];
    icmp.extend_from_slice(payload);
    let s = pktkit_wire::checksum::checksum(&icmp);
    icmp[2..4].copy_from_slice(&s.to_be_bytes());
    b.extend_from_slice(&ip);
    b.extend_from_slice(&icmp);
    b
}

#[test]
fn up_default_serves_a_guest_dhcp_arp_ping_and_stops_on_sigterm() {
    let dir = TempDir::new("up");
    let mut child = Running(
        pktkit()
            .args(["up", "--stats", "--exit-after", "120"])
            .env("XDG_RUNTIME_DIR", &dir.0)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (line_tx, line_rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line_tx.send(l).is_err() {
                break;
            }
        }
    });
    let mut printed = Vec::new();
    let netdev = loop {
        let l = line_rx
            .recv_timeout(WAIT)
            .expect("pktkit up printed no -netdev line");
        printed.push(l.clone());
        if let Some(i) = l.find("-netdev ") {
            break l[i + 8..].split_whitespace().next().unwrap().to_string();
        }
    };
    let sock = dir.0.join("pktkit/lan.sock");
    assert_eq!(
        netdev,
        format!(
            "stream,id=lan0,server=off,addr.type=unix,addr.path={}",
            sock.display()
        )
    );
    // Wait for "running" so the listener is serving.
    while !printed.iter().any(|l| l.contains("running")) {
        printed.push(line_rx.recv_timeout(WAIT).expect("never running"));
    }

    let guest =
        StreamDevice::connect(&Endpoint::Unix(sock.clone()), &QemuConfig::default()).unwrap();
    let mac = MacAddr::new(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);
    let client = ClientDevice::start(ClientConfig::new(mac)).unwrap();
    let (frames_tx, frames_rx) = mpsc::channel::<Vec<u8>>();
    {
        let c = client.clone();
        let frames_tx = std::sync::Mutex::new(frames_tx);
        guest.set_handler(Arc::new(move |f: &Frame| {
            let _ = frames_tx.lock().unwrap().send(f.as_bytes().to_vec());
            c.send(f)
        }));
        let g = Arc::downgrade(&guest);
        client.set_handler(Arc::new(move |f: &Frame| match g.upgrade() {
            Some(g) => g.send(f),
            None => Ok(()),
        }));
    }
    let lease = loop {
        match client.recv_event(WAIT) {
            Some(Event::LeaseAcquired(l)) => break l,
            Some(_) => continue,
            None => panic!("no DHCP lease"),
        }
    };
    let gw = Ipv4Addr::new(10, 0, 2, 2);
    assert!((15..=254).contains(&lease.address.octets()[3]), "{lease:?}");
    assert_eq!(&lease.address.octets()[..3], &[10, 0, 2]);
    assert_eq!(lease.prefix_len, 24);
    assert_eq!(lease.router, Some(gw));
    assert_eq!(lease.dns_servers, vec![Ipv4Addr::new(10, 0, 2, 3)]);

    // ARP for the gateway, read with etherparse.
    guest
        .send(Frame::parse(&arp_request(mac, lease.address, gw)).unwrap())
        .unwrap();
    let gw_mac = loop {
        let f = frames_rx.recv_timeout(WAIT).expect("no ARP reply");
        let Ok(p) = etherparse::SlicedPacket::from_ethernet(&f) else {
            continue;
        };
        if let Some(etherparse::NetSlice::Arp(a)) = p.net
            && a.operation() == etherparse::ArpOperation::REPLY
            && a.sender_protocol_addr() == gw.octets()
        {
            assert_eq!(a.target_hw_addr(), mac.as_bytes());
            break a.sender_hw_addr().to_vec();
        }
    };
    // Ping it.
    guest
        .send(Frame::parse(&echo_request(mac, &gw_mac, lease.address, gw)).unwrap())
        .unwrap();
    loop {
        let f = frames_rx.recv_timeout(WAIT).expect("no echo reply");
        let Ok(p) = etherparse::SlicedPacket::from_ethernet(&f) else {
            continue;
        };
        let Some(etherparse::NetSlice::Ipv4(ip)) = &p.net else {
            continue;
        };
        let Some(etherparse::TransportSlice::Icmpv4(icmp)) = &p.transport else {
            continue;
        };
        if let etherparse::Icmpv4Type::EchoReply(e) = icmp.icmp_type() {
            assert_eq!((e.id, e.seq), (0xbeef, 1));
            assert_eq!(icmp.payload(), b"pktkit up ping!!");
            assert_eq!(ip.header().source_addr(), gw);
            assert_eq!(ip.header().destination_addr(), lease.address);
            let sum = etherparse::Icmpv4Header::from_slice(icmp.slice())
                .unwrap()
                .0;
            assert_eq!(sum.checksum, sum.icmp_type.calc_checksum(icmp.payload()));
            break;
        }
    }

    // A status line counts the guest and the lease.
    let status = loop {
        let l = line_rx.recv_timeout(WAIT).expect("no status line");
        if l.starts_with("lan:") && l.contains("1 leases") && l.contains("(1 guests)") {
            break l;
        }
    };
    assert!(status.contains("1 ARP / 1 ping"), "{status}");

    // SIGTERM: a clean stop, the socket removed, the guest told.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.0.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let mut rest = Vec::new();
    while let Ok(l) = line_rx.recv_timeout(WAIT) {
        rest.push(l);
    }
    let status = child.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(rest.iter().any(|l| l == "pktkit up: stopped"), "{rest:?}");
    assert!(!sock.exists(), "socket left behind");
    assert!(
        guest.done().unwrap().wait_timeout(WAIT),
        "guest not disconnected"
    );
}

/// A configuration file with a capture and a lease file: the guest's DHCP
/// exchange and ARP are in the pcapng (read by tshark), the lease is in the
/// lease file after the stop.
#[test]
fn up_config_file_captures_the_switch_and_saves_leases() {
    if !pktkit_testkit::require_tool("tshark") {
        return;
    }
    let dir = TempDir::new("up-pcap");
    let sock = dir.0.join("g.sock");
    let pcap = dir.0.join("lan.pcapng");
    let leases = dir.0.join("lan.leases");
    let cfg = dir.0.join("net.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[switch]]\nname = \"lan\"\nsubnet = \"192.168.50.0/24\"\ngateway = \"192.168.50.1\"\npcap = \"{}\"\n\
             [switch.dhcp]\nrange = [\"192.168.50.100\", \"192.168.50.110\"]\nlease_file = \"{}\"\nlease_time = \"10m\"\n\
             [[switch.qemu]]\nlisten = \"unix:{}\"\npin_mac = true\n",
            pcap.display(),
            leases.display(),
            sock.display()
        ),
    )
    .unwrap();
    let mut child = Running(
        pktkit()
            .args(["up", "--exit-after", "120", "--config"])
            .arg(&cfg)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    loop {
        let l = lines.next().expect("pktkit up ended early").unwrap();
        if l.contains("running") {
            break;
        }
    }
    let guest =
        StreamDevice::connect(&Endpoint::Unix(sock.clone()), &QemuConfig::default()).unwrap();
    let mac = MacAddr::new(0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc);
    let client = ClientDevice::start(ClientConfig::new(mac)).unwrap();
    let c = client.clone();
    guest.set_handler(Arc::new(move |f: &Frame| c.send(f)));
    let g = Arc::downgrade(&guest);
    client.set_handler(Arc::new(move |f: &Frame| match g.upgrade() {
        Some(g) => g.send(f),
        None => Ok(()),
    }));
    let lease = loop {
        match client.recv_event(WAIT) {
            Some(Event::LeaseAcquired(l)) => break l,
            Some(_) => continue,
            None => panic!("no DHCP lease"),
        }
    };
    assert_eq!(lease.lease_time, Duration::from_secs(600));
    let gw = Ipv4Addr::new(192, 168, 50, 1);
    guest
        .send(Frame::parse(&arp_request(mac, lease.address, gw)).unwrap())
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.0.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    for _ in lines.by_ref() {}
    assert!(child.0.wait().unwrap().success());
    assert!(!sock.exists());

    let out = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args([
            "-T",
            "fields",
            "-e",
            "eth.src",
            "-e",
            "dhcp.option.dhcp",
            "-e",
            "arp.opcode",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    let dhcp: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.get(1).copied())
        .filter(|s| !s.is_empty())
        .collect();
    // DISCOVER, OFFER, REQUEST, ACK (option 53 values), each captured once.
    assert_eq!(dhcp, ["1", "2", "3", "5"], "{text}");
    let arp: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.get(2).copied())
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(arp, ["1", "2"], "{text}");
    assert!(rows.iter().any(|r| r[0] == "52:54:00:aa:bb:cc"), "{text}");

    let saved = std::fs::read_to_string(&leases).expect("lease file");
    assert!(saved.contains(&lease.address.to_string()), "{saved}");
    assert!(
        saved.to_lowercase().contains("52:54:00:aa:bb:cc"),
        "{saved}"
    );
}

/// A runtime directory others can write to is refused (someone could swap
/// the socket under the user).
#[test]
fn up_refuses_a_shared_runtime_dir() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("up-shared");
    let rt = dir.0.join("pktkit");
    std::fs::create_dir(&rt).unwrap();
    std::fs::set_permissions(&rt, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = pktkit()
        .args(["up", "--exit-after", "5"])
        .env("XDG_RUNTIME_DIR", &dir.0)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a private directory"), "{err}");
    assert!(!rt.join("lan.sock").exists());
}
