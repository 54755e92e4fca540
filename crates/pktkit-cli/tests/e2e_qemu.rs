//! End to end: real Linux guests (QEMU under TCG, the testkit's busybox
//! guest) on one `pktkit up` switch, one guest over `-netdev stream` (unix
//! socket), one over `-netdev dgram` (unix datagram sockets).
//!
//! What the guests' own tools report is the truth here: busybox `udhcpc`
//! leases an address from our DHCP server (the dynamic range, or the static
//! lease for its MAC), busybox `ping` gets answers from our gateway and from
//! the other guest across the switch. Then the stream guest is killed (its
//! port must be detached: `pktkit up` logs the disconnect), a new guest takes
//! an address that is not the old guest's, and the old guest, back with the
//! same MAC, gets its lease back.
//!
//! As root, the same switch also has a TAP port on the host side: `pktkit up`
//! runs inside a network namespace the test made (`ip netns exec`), so its
//! TAP is created there; the unix sockets the guests use are reached through
//! the filesystem, which the namespace shares. The Linux kernel behind the TAP
//! is the peer: busybox `udhcpc` in the namespace leases an address for it
//! from our server, the kernel pings guest A, and guest A pings the kernel.
//! Nothing leaves the namespace and the switch.
//!
//! Needs `qemu-system-x86_64`, `apt-get`/`dpkg-deb` (first build of the
//! guest) and busybox-static: without them the test says SKIPPED, and fails
//! under CI. Without root the TAP part says SKIPPED and the guests still run.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use pktkit_testkit::{
    ChildGuard, Guest, GuestImage, GuestParams, Netns, require_root, require_tool,
};

/// A TCG guest boots in about 20 s on two cores; allow for a loaded machine.
const LEASE_TIMEOUT: Duration = Duration::from_secs(120);
const STEP_TIMEOUT: Duration = Duration::from_secs(90);

const MAC_A: &str = "52:54:00:e2:e0:01";
const MAC_B: &str = "52:54:00:e2:e0:02";
const MAC_C: &str = "52:54:00:e2:e0:03";
const STATIC_B: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 50);
const GATEWAY: &str = "10.0.2.2";
/// The TAP port's name inside the test's namespace.
const TAP: &str = "pk0";

struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `pktkit up` with its log (stdout and stderr).
struct Up(ChildGuard);

impl Up {
    fn wait_log(&self, pred: impl Fn(&str) -> bool, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(l) = self.0.log().lines().find(|l| pred(l)) {
                return Some(l.to_string());
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The `-netdev` argument `pktkit up` prints for its listener of `mode`.
    fn netdev(&self, mode: &str) -> String {
        let prefix = format!("-netdev {mode},");
        let line = self
            .wait_log(|l| l.contains(&prefix), Duration::from_secs(30))
            .unwrap_or_else(|| panic!("no {mode} listener announced:\n{}", self.0.log()));
        let at = line.find(&prefix).expect("found above") + "-netdev ".len();
        line[at..]
            .split_whitespace()
            .next()
            .expect("non-empty after the prefix")
            .to_string()
    }
}

/// `-netdev NETDEV -device virtio-net-pci,netdev=ID,mac=MAC`.
fn net_args(netdev: &str, mac: &str) -> Vec<String> {
    let id = netdev
        .split(',')
        .find_map(|kv| kv.strip_prefix("id="))
        .unwrap_or_else(|| panic!("no id= in {netdev}"));
    vec![
        "-netdev".into(),
        netdev.into(),
        "-device".into(),
        format!("virtio-net-pci,netdev={id},mac={mac}"),
    ]
}

fn boot(img: &GuestImage, netdev: &str, mac: &str, params: GuestParams) -> Guest {
    let args = net_args(netdev, mac);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Guest::boot(img, &args, &params).expect("starting qemu-system-x86_64")
}

/// Waits for the guest's `PKTKIT-LEASE` line and returns the address, after
/// checking the mask and router the lease carried.
fn lease(g: &mut Guest, up: &Up, who: &str) -> Ipv4Addr {
    let line = g
        .wait_for("PKTKIT-LEASE ", LEASE_TIMEOUT)
        .unwrap_or_else(|| {
            panic!(
                "{who} got no lease.\nconsole:\n{}\npktkit up:\n{}",
                g.console(),
                up.0.log()
            )
        });
    let field = |k: &str| {
        line.split_whitespace()
            .find_map(|f| f.strip_prefix(k))
            .unwrap_or_else(|| panic!("{who}: no {k} in `{line}`"))
            .to_string()
    };
    assert_eq!(field("mask="), "24", "{who}: {line}");
    assert_eq!(field("router="), GATEWAY, "{who}: {line}");
    field("ip=")
        .parse()
        .unwrap_or_else(|_| panic!("{who}: bad address in `{line}`"))
}

fn assert_pinged(g: &mut Guest, up: &Up, who: &str, target: &str) {
    let needle = format!("PKTKIT-PING {target} ");
    let line = g.wait_for(&needle, STEP_TIMEOUT);
    assert!(
        line.as_deref().is_some_and(|l| l.ends_with(" ok")),
        "{who} could not ping {target} ({line:?}).\nconsole:\n{}\npktkit up:\n{}",
        g.console(),
        up.0.log()
    );
}

fn in_range(ip: Ipv4Addr) -> bool {
    (Ipv4Addr::new(10, 0, 2, 100)..=Ipv4Addr::new(10, 0, 2, 199)).contains(&ip)
}

/// The host side of the TAP port: `pktkit up` runs in this namespace.
struct TapHost {
    ns: Netns,
}

impl TapHost {
    /// Leases an address for the TAP with busybox `udhcpc` (one shot), which
    /// sets it with `script`; checks the lease's mask and router and that the
    /// kernel holds the address.
    fn lease(&self, script: &std::path::Path, up: &Up) -> Ipv4Addr {
        let out = self
            .ns
            .command("busybox")
            .args(["udhcpc", "-i", TAP, "-n", "-q", "-t", "10", "-T", "1", "-s"])
            .arg(script)
            .output()
            .expect("running busybox udhcpc in the namespace");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .find(|l| l.starts_with("PKTKIT-TAP-LEASE "))
            .unwrap_or_else(|| {
                panic!(
                    "udhcpc on the TAP got no lease ({}):\n{stdout}{}\npktkit up:\n{}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr),
                    up.0.log()
                )
            });
        let field = |k: &str| {
            line.split_whitespace()
                .find_map(|f| f.strip_prefix(k))
                .unwrap_or_else(|| panic!("TAP: no {k} in `{line}`"))
                .to_string()
        };
        assert_eq!(field("mask="), "24", "TAP: {line}");
        assert_eq!(field("router="), GATEWAY, "TAP: {line}");
        let ip: Ipv4Addr = field("ip=")
            .parse()
            .unwrap_or_else(|_| panic!("TAP: bad address in `{line}`"));
        let addrs = self
            .ns
            .run(&["ip", "-4", "-o", "addr", "show", "dev", TAP])
            .expect("ip addr show in the namespace");
        let addrs = String::from_utf8_lossy(&addrs.stdout);
        assert!(
            addrs.contains(&format!(" {ip}/24 ")),
            "the kernel does not hold the TAP's lease {ip}/24: {addrs}"
        );
        ip
    }

    /// The kernel behind the TAP pings `target` (retrying for up to `timeout`).
    fn ping(&self, target: Ipv4Addr, timeout: Duration) -> Result<(), String> {
        let target = target.to_string();
        let deadline = Instant::now() + timeout;
        loop {
            match self.ns.run(&["ping", "-c", "1", "-W", "2", &target]) {
                Ok(_) => return Ok(()),
                Err(e) if Instant::now() >= deadline => return Err(e.to_string()),
                Err(_) => std::thread::sleep(Duration::from_millis(500)),
            }
        }
    }
}

/// The `udhcpc -s` script for the TAP: sets the leased address and reports it.
fn write_udhcpc_script(dir: &std::path::Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("udhcpc-tap.sh");
    std::fs::write(
        &path,
        r#"#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    echo "PKTKIT-TAP-LEASE ip=$ip mask=$mask router=$router" ;;
  deconfig) ip addr flush dev "$interface" ;;
esac
"#,
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn guests_on_stream_and_dgram_lease_ping_and_reconnect() {
    if !require_tool("qemu-system-x86_64") {
        return;
    }
    let Some(img) = GuestImage::require() else {
        return;
    };
    let dir = TempDir(std::env::temp_dir().join(format!("pktkit-e2e-qemu-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).unwrap();
    // The TAP part needs root (a namespace, a TAP) and busybox's udhcpc;
    // without them it says SKIPPED and the guests still run.
    let tap_host =
        (require_root() && require_tool("busybox") && require_tool("ping")).then(|| TapHost {
            ns: Netns::new("e2etap").expect("creating the TAP's network namespace"),
        });
    if tap_host.is_none() {
        eprintln!("*** the SKIPPED above is the TAP port only: the guests run without it ***");
    }
    let tap_section = if tap_host.is_some() {
        format!("\n[[switch.tap]]\nname = \"{TAP}\"\n")
    } else {
        String::new()
    };
    let cfg = dir.0.join("net.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"
[[switch]]
name = "lan"
subnet = "10.0.2.0/24"
gateway = "{GATEWAY}"

[switch.dhcp]
range = ["10.0.2.100", "10.0.2.199"]
lease_time = "1h"

[[switch.dhcp.static]]
mac = "{MAC_B}"
ip = "{STATIC_B}"

[[switch.qemu]]
listen = "unix:{d}/stream.sock"
mode = "stream"

[[switch.qemu]]
listen = "unix:{d}/dgram.sock"
mode = "dgram"
{tap_section}"#,
            d = dir.0.display()
        ),
    )
    .unwrap();
    // In the namespace when there is a TAP: `ip netns exec` execs pktkit
    // itself (so the guard kills pktkit), and the TAP is created there.
    let mut cmd = match &tap_host {
        Some(t) => t.ns.command(env!("CARGO_BIN_EXE_pktkit")),
        None => Command::new(env!("CARGO_BIN_EXE_pktkit")),
    };
    cmd.args(["up", "--stats", "--exit-after", "600", "--config"])
        .arg(&cfg)
        .env("RUST_LOG", "info");
    let up = Up(ChildGuard::spawn(cmd).expect("starting pktkit up"));
    let stream = up.netdev("stream");
    let dgram = up.netdev("dgram");

    // The host behind the TAP leases first (the TAP is up once the listeners
    // are announced: `up` opens TAPs before listeners).
    let tap_ip = tap_host.as_ref().map(|t| {
        let script = write_udhcpc_script(&dir.0);
        let started = Instant::now();
        let ip = t.lease(&script, &up);
        assert!(in_range(ip), "the TAP leased {ip}, outside the range");
        eprintln!(
            "TAP {TAP} in netns {}: leased {ip} with udhcpc in {:?}",
            t.ns.name(),
            started.elapsed()
        );
        ip
    });

    // Guest A (stream, dynamic) stays up until killed, so B can ping it;
    // it also pings the host behind the TAP.
    let mut ping_a = vec![GATEWAY.into(), STATIC_B.to_string()];
    ping_a.extend(tap_ip.map(|ip| ip.to_string()));
    let mut a = boot(
        &img,
        &stream,
        MAC_A,
        GuestParams {
            ping: ping_a,
            wait_secs: Some(150),
            hold_secs: 600,
        },
    );
    let ip_a = lease(&mut a, &up, "guest A (stream)");
    assert!(in_range(ip_a), "guest A leased {ip_a}, outside the range");
    if let (Some(t), Some(tap_ip)) = (&tap_host, tap_ip) {
        assert_ne!(ip_a, tap_ip, "guest A got the TAP's leased address");
        if let Err(e) = t.ping(ip_a, STEP_TIMEOUT) {
            panic!(
                "the kernel behind the TAP could not ping guest A at {ip_a}: {e}\nconsole:\n{}\npktkit up:\n{}",
                a.console(),
                up.0.log()
            );
        }
        eprintln!("TAP host {tap_ip} pinged guest A {ip_a}");
    }

    // Guest B (dgram, static lease) pings the gateway and A, and stays up.
    let mut b = boot(
        &img,
        &dgram,
        MAC_B,
        GuestParams {
            ping: vec![GATEWAY.into(), ip_a.to_string()],
            wait_secs: Some(60),
            // Up until killed, so A can ping it.
            hold_secs: 600,
        },
    );
    let ip_b = lease(&mut b, &up, "guest B (dgram)");
    assert_eq!(ip_b, STATIC_B, "guest B did not get its static lease");
    assert_pinged(&mut a, &up, "guest A", GATEWAY);
    assert_pinged(&mut b, &up, "guest B", GATEWAY);
    assert_pinged(&mut b, &up, "guest B", &ip_a.to_string());
    assert_pinged(&mut a, &up, "guest A", &STATIC_B.to_string());
    if let Some(tap_ip) = tap_ip {
        assert_pinged(&mut a, &up, "guest A", &tap_ip.to_string());
        eprintln!("guest A {ip_a} pinged the TAP host {tap_ip}");
    }
    eprintln!(
        "guest A (stream) {ip_a}, guest B (dgram) {ip_b}: leased, pinged gateway and each other"
    );
    drop(b);

    // A goes away: its stream port is detached.
    let disconnects = |log: &str| log.matches("qemu: guest disconnected").count();
    let before = disconnects(&up.0.log());
    drop(a);
    assert!(
        wait_until(Duration::from_secs(15), || disconnects(&up.0.log())
            > before),
        "pktkit up did not notice guest A leaving:\n{}",
        up.0.log()
    );

    // A newcomer must not get A's address (A's lease is still valid)...
    let mut c = boot(
        &img,
        &stream,
        MAC_C,
        GuestParams {
            ping: vec![GATEWAY.into()],
            wait_secs: Some(60),
            hold_secs: 600,
        },
    );
    let ip_c = lease(&mut c, &up, "guest C (stream)");
    assert!(in_range(ip_c), "guest C leased {ip_c}, outside the range");
    assert_ne!(ip_c, ip_a, "guest C got guest A's leased address");

    // ...and A, back with the same MAC, gets its lease back and can talk.
    let mut a2 = boot(
        &img,
        &stream,
        MAC_A,
        GuestParams {
            ping: vec![GATEWAY.into(), ip_c.to_string()],
            wait_secs: Some(60),
            hold_secs: 0,
        },
    );
    let ip_a2 = lease(&mut a2, &up, "guest A (reconnected)");
    assert_eq!(ip_a2, ip_a, "guest A did not get its lease back");
    assert_pinged(&mut c, &up, "guest C", GATEWAY);
    assert_pinged(&mut a2, &up, "guest A (reconnected)", GATEWAY);
    assert_pinged(&mut a2, &up, "guest A (reconnected)", &ip_c.to_string());
    eprintln!("guest A reconnected and got {ip_a2} back; newcomer C got {ip_c}");
}

fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    f()
}

/// The guest on its own, without `pktkit up`: on a raw unix stream socket
/// QEMU sends 4-byte big-endian length-prefixed frames, and the first DHCP
/// frame the guest's `udhcpc` sends is a broadcast DHCPDISCOVER from its MAC.
#[test]
fn guest_broadcasts_dhcpdiscover_over_a_raw_stream_socket() {
    use std::io::Read;
    use std::os::unix::net::UnixListener;

    use pktkit_wire::dhcpv4::{DhcpPacket, DhcpRepr, MessageType, OpCode};
    use pktkit_wire::ethernet::EthernetFrame;
    use pktkit_wire::ipv4::Ipv4Packet;
    use pktkit_wire::udp::UdpPacket;
    use pktkit_wire::{EtherType, IpProtocol, MacAddr};

    if !require_tool("qemu-system-x86_64") {
        return;
    }
    let Some(img) = GuestImage::require() else {
        return;
    };
    let dir = TempDir(std::env::temp_dir().join(format!("pktkit-e2e-raw-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).unwrap();
    let path = dir.0.join("raw.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let mac = "52:54:00:e2:e0:0d";
    let netdev = format!(
        "stream,id=n0,server=off,addr.type=unix,addr.path={}",
        path.display()
    );
    let guest = boot(&img, &netdev, mac, GuestParams::default());

    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut conn = loop {
        match listener.accept() {
            Ok((c, _)) => break c,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(
                    Instant::now() < deadline,
                    "QEMU did not connect:\n{}",
                    guest.console()
                );
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("accept: {e}"),
        }
    };
    conn.set_nonblocking(false).unwrap();
    conn.set_read_timeout(Some(LEASE_TIMEOUT)).unwrap();

    let want: MacAddr = mac.parse().unwrap();
    let mut frames = 0;
    let discover = loop {
        let mut len = [0u8; 4];
        conn.read_exact(&mut len).unwrap_or_else(|e| {
            panic!(
                "reading a frame length after {frames} frames: {e}\n{}",
                guest.console()
            )
        });
        let mut frame = vec![0u8; u32::from_be_bytes(len) as usize];
        conn.read_exact(&mut frame).unwrap();
        frames += 1;
        let Ok(eth) = EthernetFrame::new_checked(&frame[..]) else {
            continue;
        };
        if eth.ethertype() != EtherType::IPV4 {
            continue;
        }
        assert_eq!(
            eth.src_addr(),
            want,
            "frame {frames} not from the guest's MAC"
        );
        let ip = Ipv4Packet::new_checked(eth.payload()).unwrap();
        if ip.protocol() != IpProtocol::UDP {
            continue;
        }
        let udp = UdpPacket::new_checked(ip.payload()).unwrap();
        if udp.dst_port() != 67 {
            continue;
        }
        assert_eq!(ip.src_addr(), Ipv4Addr::UNSPECIFIED);
        assert_eq!(ip.dst_addr(), Ipv4Addr::BROADCAST);
        break udp.payload().to_vec();
    };
    let packet = DhcpPacket::new_checked(&discover[..]).unwrap();
    let repr = DhcpRepr::parse(&packet).unwrap();
    assert_eq!(repr.op, OpCode::Request);
    assert_eq!(repr.message_type, MessageType::Discover);
    assert_eq!(repr.chaddr[..6], want.octets());
    drop(guest);
    eprintln!(
        "guest sent DHCPDISCOVER (xid {:#x}) as frame {frames}",
        repr.xid
    );
}
