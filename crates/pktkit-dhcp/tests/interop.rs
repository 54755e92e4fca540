//! Real peers over a TAP inside a network namespace made by the test:
//! `udhcpc` (busybox) and `dhclient` against our [`ServerDevice`], and our
//! [`ClientDevice`] against `dnsmasq`. Needs root; skipped loudly without
//! it (and fails under CI=true).

use std::fs;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pktkit_core::connect_l2;
use pktkit_dhcp::client::{ClientConfig, Event};
use pktkit_dhcp::device::{ClientDevice, ServerDevice};
use pktkit_dhcp::server::{ServerConfig, StaticLease};
use pktkit_dhcp::store::LeaseStore;
use pktkit_testkit::{ChildGuard, Netns, require_root, require_tool};
use pktkit_tuntap::{Tap, TapBuilder};
use pktkit_wire::MacAddr;

const SERVER_MAC: MacAddr = MacAddr::new(0x02, 0x5e, 0, 0, 0, 1);
const STATIC_MAC: &str = "02:00:00:00:00:50";

fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Addr {
    Ipv4Addr::new(a, b, c, d)
}

/// A namespace with a TAP `dh0` (up) whose device side we hold, and a temp dir.
struct Lab {
    tap: Arc<Tap>,
    dir: PathBuf,
    ns: Netns,
}

impl Lab {
    fn new(prefix: &str) -> Lab {
        let ns = Netns::new(prefix).expect("netns");
        let tap = ns
            .enter_on_thread(|| TapBuilder::new("dh0").open())
            .expect("enter netns")
            .expect("open tap");
        ns.run(&["ip", "link", "set", "lo", "up"]).unwrap();
        ns.run(&["ip", "link", "set", "dh0", "up"]).unwrap();
        let dir = std::env::temp_dir().join(format!("pktkit-dhcp-{prefix}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Lab {
            tap: Arc::new(tap),
            dir,
            ns,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn server_config(lease_secs: u64) -> ServerConfig {
    let mut c = ServerConfig::new(ip(10, 77, 0, 1), 24, ip(10, 77, 0, 100), ip(10, 77, 0, 150));
    c.lease_time = Duration::from_secs(lease_secs);
    c.dns_servers = vec![ip(10, 77, 0, 1)];
    c.domain_name = Some("lab.test".into());
    c.mtu = Some(1400);
    c.static_leases = vec![StaticLease {
        mac: Some(STATIC_MAC.parse().unwrap()),
        client_id: None,
        address: ip(10, 77, 0, 50),
    }];
    c
}

/// Waits (up to `limit`) until `file` has a line for which `pred` holds; returns it.
fn wait_line(file: &Path, limit: Duration, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let end = Instant::now() + limit;
    loop {
        if let Ok(text) = fs::read_to_string(file)
            && let Some(l) = text.lines().find(|l| pred(l))
        {
            return l.to_string();
        }
        assert!(
            Instant::now() < end,
            "timed out waiting for {what}; {file:?} has:\n{}",
            fs::read_to_string(file).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn count_lines(file: &Path, prefix: &str) -> usize {
    fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with(prefix))
        .count()
}

fn signal(child: &ChildGuard, sig: &str) {
    let st = std::process::Command::new("kill")
        .args([&format!("-{sig}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
}

/// A udhcpc script: logs `EVENT IP MASK ROUTER DNS DOMAIN MTU` and configures the address.
fn udhcpc_script(lab: &Lab, log: &Path) -> PathBuf {
    let p = lab.path("udhcpc.sh");
    fs::write(
        &p,
        format!(
            "#!/bin/sh\n\
             echo \"$1 $ip $subnet $router $dns $domain $mtu $serverid\" >> {log}\n\
             case \"$1\" in\n\
             bound|renew) ip addr flush dev $interface; ip addr add $ip/$mask dev $interface ;;\n\
             deconfig) ip addr flush dev $interface ;;\n\
             esac\n",
            log = log.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .args(["+x"])
        .arg(&p)
        .status()
        .unwrap();
    p
}

#[test]
fn udhcpc_leases_renews_releases_survives_restart_and_gets_static() {
    if !require_root() || !require_tool("busybox") {
        return;
    }
    let lab = Lab::new("dhcp-udhcpc");
    let store = LeaseStore::new(lab.path("leases"));
    let server = ServerDevice::new(server_config(600), SERVER_MAC, Some(store.clone())).unwrap();
    let link = connect_l2(&lab.tap, &server);
    let log = lab.path("udhcpc.log");
    let script = udhcpc_script(&lab, &log);
    let run = |extra: &[&str]| {
        let mut args = vec![
            "busybox",
            "udhcpc",
            "-f",
            "-i",
            "dh0",
            "-s",
            script.to_str().unwrap(),
            "-t",
            "20",
            "-T",
            "1",
        ];
        args.extend_from_slice(extra);
        lab.ns.spawn(&args).unwrap()
    };

    // Lease.
    let child = run(&[]);
    let bound = wait_line(&log, Duration::from_secs(30), "udhcpc bound", |l| {
        l.starts_with("bound ")
    });
    let f: Vec<&str> = bound.split(' ').collect();
    let addr: Ipv4Addr = f[1].parse().unwrap();
    assert!(
        (ip(10, 77, 0, 100)..=ip(10, 77, 0, 150)).contains(&addr),
        "{bound}"
    );
    assert_eq!(
        &f[2..8],
        [
            "255.255.255.0",
            "10.77.0.1",
            "10.77.0.1",
            "lab.test",
            "1400",
            "10.77.0.1"
        ]
    );
    assert!(
        store.load().unwrap().iter().any(|l| l.address == addr),
        "lease saved"
    );

    // Renew (SIGUSR1: unicast REQUEST, after ARP for the server).
    signal(&child, "USR1");
    wait_line(&log, Duration::from_secs(20), "udhcpc renew", |l| {
        l.starts_with(&format!("renew {addr} "))
    });

    // Server restart from the lease file: the renewal is still ACKed.
    drop(link);
    drop(server);
    let server = ServerDevice::new(server_config(600), SERVER_MAC, Some(store.clone())).unwrap();
    assert_eq!(
        server.with_server(|s| s.binding_count()),
        1,
        "lease reloaded"
    );
    let link = connect_l2(&lab.tap, &server);
    signal(&child, "USR1");
    let end = Instant::now() + Duration::from_secs(20);
    while count_lines(&log, &format!("renew {addr} ")) < 2 {
        assert!(
            Instant::now() < end,
            "no renewal after restart: {}",
            fs::read_to_string(&log).unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(server.stats().acks, 1);
    assert_eq!(server.stats().naks, 0);

    // Release (SIGUSR2).
    signal(&child, "USR2");
    let end = Instant::now() + Duration::from_secs(10);
    while server.stats().releases == 0 {
        assert!(Instant::now() < end, "no RELEASE reached the server");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(child);

    // A fresh udhcpc with the same MAC after another restart: same address.
    drop(link);
    drop(server);
    let server = ServerDevice::new(server_config(600), SERVER_MAC, Some(store.clone())).unwrap();
    let link = connect_l2(&lab.tap, &server);
    fs::write(&log, "").unwrap();
    let child = run(&["-q", "-n"]);
    let bound = wait_line(&log, Duration::from_secs(30), "udhcpc bound again", |l| {
        l.starts_with("bound ")
    });
    assert!(
        bound.starts_with(&format!("bound {addr} ")),
        "{bound} (wanted {addr})"
    );
    drop(child);

    // The static lease for another MAC.
    lab.ns
        .run(&["ip", "link", "set", "dh0", "address", STATIC_MAC])
        .unwrap();
    fs::write(&log, "").unwrap();
    let child = run(&["-q", "-n"]);
    let bound = wait_line(&log, Duration::from_secs(30), "udhcpc static", |l| {
        l.starts_with("bound ")
    });
    assert!(bound.starts_with("bound 10.77.0.50 "), "{bound}");
    drop(child);
    drop(link);
    assert_eq!(server.save_errors(), 0);
}

#[test]
fn dhclient_leases_renews_and_releases() {
    if !require_root() || !require_tool("dhclient") {
        return;
    }
    let lab = Lab::new("dhcp-dhclient");
    // A 20 s lease: dhclient renews by itself at T1 = 10 s.
    let server = ServerDevice::new(
        server_config(20),
        SERVER_MAC,
        Some(LeaseStore::new(lab.path("leases"))),
    )
    .unwrap();
    let _link = connect_l2(&lab.tap, &server);
    let log = lab.path("dhclient.log");
    let script = lab.path("dhclient.sh");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\n\
             echo \"$reason $new_ip_address $new_subnet_mask $new_routers $new_domain_name_servers $new_domain_name $new_interface_mtu\" >> {log}\n\
             case \"$reason\" in\n\
             BOUND|RENEW|REBIND|REBOOT) ip addr flush dev $interface; ip addr add $new_ip_address/$new_subnet_mask dev $interface ;;\n\
             RELEASE|EXPIRE|STOP) ip addr flush dev $interface ;;\n\
             esac\n",
            log = log.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .args(["+x"])
        .arg(&script)
        .status()
        .unwrap();
    let lf = lab.path("dhclient.leases");
    let pf = lab.path("dhclient.pid");
    let common = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "dhclient",
            "-lf",
            lf.to_str().unwrap(),
            "-pf",
            pf.to_str().unwrap(),
            "-sf",
            script.to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v.push("dh0".into());
        v
    };
    let args = common(&["-d", "-v"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let child = lab.ns.spawn(&args).unwrap();
    let bound = wait_line(&log, Duration::from_secs(30), "dhclient BOUND", |l| {
        l.starts_with("BOUND ")
    });
    let f: Vec<&str> = bound.split(' ').collect();
    let addr: Ipv4Addr = f[1].parse().unwrap();
    assert!(
        (ip(10, 77, 0, 100)..=ip(10, 77, 0, 150)).contains(&addr),
        "{bound}"
    );
    assert_eq!(
        &f[2..7],
        [
            "255.255.255.0",
            "10.77.0.1",
            "10.77.0.1",
            "lab.test",
            "1400"
        ]
    );
    let renew = wait_line(&log, Duration::from_secs(30), "dhclient RENEW", |l| {
        l.starts_with("RENEW ")
    });
    assert!(renew.starts_with(&format!("RENEW {addr} ")), "{renew}");
    // Release: `dhclient -r` stops the running one and sends DHCPRELEASE
    // (unicast, from the leased address). Seen once on a loaded machine: no
    // RELEASE arrived (the dying client and the releasing one race on the
    // interface), so a second `dhclient -r` is allowed before failing; a
    // server that does not take a valid RELEASE fails both.
    let args = common(&["-r", "-v"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut outs = Vec::new();
    for attempt in 0..2 {
        let out = lab.ns.run(&args);
        assert!(out.is_ok(), "{out:?}\n{}", child.log());
        outs.push(out);
        let end = Instant::now() + Duration::from_secs(10);
        while server.stats().releases == 0 && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(50));
        }
        if server.stats().releases > 0 {
            break;
        }
        eprintln!(
            "dhclient -r attempt {attempt}: no RELEASE yet: {:?}",
            server.stats()
        );
    }
    assert!(
        server.stats().releases > 0,
        "no RELEASE reached the server: {:?}\ndhclient -r: {outs:?}\nscript log:\n{}\nclient:\n{}",
        server.stats(),
        fs::read_to_string(&log).unwrap_or_default(),
        child.log()
    );
    drop(child);
}

#[test]
fn our_client_against_dnsmasq() {
    if !require_root() || !require_tool("dnsmasq") {
        return;
    }
    let lab = Lab::new("dhcp-dnsmasq");
    lab.ns
        .run(&["ip", "addr", "add", "10.77.0.1/24", "dev", "dh0"])
        .unwrap();
    let lf = lab.path("dnsmasq.leases");
    let pf = lab.path("dnsmasq.pid");
    let args = [
        "dnsmasq".to_string(),
        "--keep-in-foreground".into(),
        "--log-facility=-".into(),
        "--log-dhcp".into(),
        "--user=root".into(),
        "--port=0".into(),
        "--interface=dh0".into(),
        "--bind-interfaces".into(),
        "--no-resolv".into(),
        "--no-hosts".into(),
        format!("--dhcp-leasefile={}", lf.display()),
        format!("--pid-file={}", pf.display()),
        "--dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,120".into(),
        "--dhcp-option=option:router,10.77.0.1".into(),
        "--dhcp-option=option:dns-server,10.77.0.53".into(),
        "--dhcp-option=option:domain-name,lab.test".into(),
        "--dhcp-option=option:domain-search,lab.test,svc.lab.test".into(),
        "--dhcp-option=option:mtu,1400".into(),
        "--dhcp-option=121,192.168.50.0/24,10.77.0.2,0.0.0.0/0,10.77.0.1".into(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let dnsmasq = lab.ns.spawn(&args).unwrap();
    std::thread::sleep(Duration::from_millis(300)); // let it bind before our DISCOVER
    let mut cfg = ClientConfig::new(MacAddr::new(0x02, 0, 0, 0, 0x77, 1));
    cfg.seed = 77;
    let client = ClientDevice::start(cfg).unwrap();
    let _link = connect_l2(&lab.tap, &client);
    let lease = match client.recv_event(Duration::from_secs(30)) {
        Some(Event::LeaseAcquired(l)) => l,
        other => panic!("no lease ({other:?}); dnsmasq log:\n{}", dnsmasq.log()),
    };
    assert!(
        (ip(10, 77, 0, 100)..=ip(10, 77, 0, 150)).contains(&lease.address),
        "{lease:?}"
    );
    assert_eq!(lease.prefix_len, 24);
    assert_eq!(lease.server_id, ip(10, 77, 0, 1));
    assert_eq!(
        lease.router,
        Some(ip(10, 77, 0, 1)),
        "the default route of option 121"
    );
    assert_eq!(lease.dns_servers, [ip(10, 77, 0, 53)]);
    assert_eq!(lease.domain_name.as_deref(), Some("lab.test"));
    assert_eq!(lease.domain_search, ["lab.test", "svc.lab.test"]);
    assert_eq!(lease.mtu, Some(1400));
    assert_eq!(lease.lease_time, Duration::from_secs(120));
    let routes: Vec<(Ipv4Addr, u8, Ipv4Addr)> = lease
        .classless_routes
        .iter()
        .map(|r| (r.destination, r.prefix_len, r.router))
        .collect();
    assert_eq!(
        routes,
        [
            (ip(192, 168, 50, 0), 24, ip(10, 77, 0, 2)),
            (ip(0, 0, 0, 0), 0, ip(10, 77, 0, 1))
        ]
    );
    // dnsmasq recorded it.
    let leases = fs::read_to_string(&lf).unwrap_or_default();
    assert!(leases.contains(&lease.address.to_string()), "{leases}");

    // Renew: move the engine's clock to T1; the unicast REQUEST gets an ACK.
    let t1 = Instant::now() + lease.renewal_time;
    client.with_client(|c| c.handle_timeout(t1));
    match client.recv_event(Duration::from_secs(30)) {
        Some(Event::LeaseRenewed(l)) => assert_eq!(l.address, lease.address),
        other => panic!("no renewal ({other:?}); dnsmasq log:\n{}", dnsmasq.log()),
    }
    let log = dnsmasq.log();
    assert!(log.contains("DHCPACK(dh0)"), "{log}");
    drop(dnsmasq);
}
