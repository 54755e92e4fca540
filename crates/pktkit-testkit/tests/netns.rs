//! Network namespaces against the kernel's own view (needs root; skipped
//! loudly otherwise, fails under CI).

use std::net::UdpSocket;
use std::path::Path;
use std::time::Duration;

use pktkit_testkit::{Netns, require_root, require_tool, veth_pair};

fn netns_list() -> String {
    let out = std::process::Command::new("ip")
        .args(["netns", "list"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn listed(list: &str, name: &str) -> bool {
    list.lines()
        .any(|line| line.split_whitespace().next() == Some(name))
}

/// The kernel's identity of a network namespace: the inode of its nsfs file.
fn ns_inode(path: &str) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).unwrap().ino()
}

#[test]
fn namespace_lives_exactly_as_long_as_the_value() {
    if !require_root() || !require_tool("ip") {
        return;
    }
    let ns = Netns::new("tk-life").unwrap();
    let name = ns.name().to_owned();
    assert!(name.len() <= 15 && name.starts_with("tk-life"), "{name}");
    assert!(listed(&netns_list(), &name));

    let lo = ns.run(&["ip", "-o", "link", "show", "lo"]).unwrap();
    let lo = String::from_utf8_lossy(&lo.stdout);
    assert!(lo.contains("LOOPBACK,UP"), "{lo}");
    // Only lo exists in a fresh namespace.
    let links = ns.run(&["ip", "-o", "link", "show"]).unwrap();
    assert_eq!(String::from_utf8_lossy(&links.stdout).lines().count(), 1);

    drop(ns);
    assert!(!listed(&netns_list(), &name));
    assert!(!Path::new("/run/netns").join(&name).exists());
}

#[test]
fn two_namespaces_get_different_names() {
    if !require_root() {
        return;
    }
    let a = Netns::new("tk-uniq").unwrap();
    let b = Netns::new("tk-uniq").unwrap();
    assert_ne!(a.name(), b.name());
}

#[test]
fn run_reports_stderr_of_a_failing_command() {
    if !require_root() {
        return;
    }
    let ns = Netns::new("tk-err").unwrap();
    let err = ns.run(&["ip", "link", "show", "no-such-if0"]).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("no-such-if0") && msg.contains("does not exist"),
        "{msg}"
    );
}

#[test]
fn dropping_the_namespace_kills_its_processes() {
    if !require_root() {
        return;
    }
    let ns = Netns::new("tk-kill").unwrap();
    let mut child = ns.spawn(&["sleep", "1000"]).unwrap();
    let pid = child.id();
    // `ip netns exec` execs the program, so the pid we hold is inside the namespace.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !ns.pids().unwrap().contains(&pid) {
        assert!(
            std::time::Instant::now() < deadline,
            "sleep never entered the netns"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(ns);
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(9), "{status}");
}

#[test]
fn enter_on_thread_runs_inside_the_namespace_only() {
    if !require_root() {
        return;
    }
    let ns = Netns::new("tk-enter").unwrap();
    let outside = ns_inode("/proc/thread-self/ns/net");
    let expected = ns_inode(&format!("/run/netns/{}", ns.name()));
    assert_ne!(outside, expected);
    let inside = ns
        .enter_on_thread(|| ns_inode("/proc/thread-self/ns/net"))
        .unwrap();
    assert_eq!(inside, expected);
    // The calling thread never moved.
    assert_eq!(ns_inode("/proc/thread-self/ns/net"), outside);
}

#[test]
fn enter_on_thread_propagates_panics() {
    if !require_root() {
        return;
    }
    let ns = Netns::new("tk-panic").unwrap();
    let result = std::panic::catch_unwind(|| ns.enter_on_thread(|| panic!("inner boom")));
    let payload = result.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"inner boom"));
}

#[test]
fn veth_pair_carries_udp_between_namespaces() {
    if !require_root() {
        return;
    }
    let a = Netns::new("tk-va").unwrap();
    let b = Netns::new("tk-vb").unwrap();
    veth_pair(&a, "tk0", &b, "tk1").unwrap();
    // 198.18.0.0/15 is reserved for benchmarking (RFC 2544); it lives only
    // inside these two namespaces.
    a.run(&["ip", "addr", "add", "198.18.0.1/30", "dev", "tk0"])
        .unwrap();
    b.run(&["ip", "addr", "add", "198.18.0.2/30", "dev", "tk1"])
        .unwrap();

    // Sockets opened on a thread inside a namespace stay there.
    let rx = b
        .enter_on_thread(|| UdpSocket::bind("198.18.0.2:4789"))
        .unwrap()
        .unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let tx = a
        .enter_on_thread(|| UdpSocket::bind("198.18.0.1:0"))
        .unwrap()
        .unwrap();
    // The first datagram may wait on ARP; the kernel queues it.
    tx.send_to(b"across the veth", "198.18.0.2:4789").unwrap();
    let mut buf = [0u8; 64];
    let (n, from) = rx.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"across the veth");
    assert_eq!(from, tx.local_addr().unwrap());

    // The host namespace has no such interface.
    let host = std::process::Command::new("ip")
        .args(["link", "show", "tk0"])
        .output()
        .unwrap();
    assert!(!host.status.success());
}

/// Deletes a host interface on drop, so a failed test leaves nothing behind.
struct HostLink(String);

impl Drop for HostLink {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["link", "del", &self.0])
            .output();
    }
}

#[test]
fn move_link_moves_a_host_interface_in() {
    if !require_root() {
        return;
    }
    let ns = Netns::new("tk-move").unwrap();
    let pid = std::process::id();
    let (end0, end1) = (format!("tkh{pid:x}a"), format!("tkh{pid:x}b"));
    let status = std::process::Command::new("ip")
        .args(["link", "add", &end0, "type", "veth", "peer", "name", &end1])
        .status()
        .unwrap();
    assert!(status.success());
    let _cleanup = HostLink(end0.clone());

    ns.move_link(&end0).unwrap();
    ns.move_link(&end1).unwrap();
    let links = ns.run(&["ip", "-o", "link", "show"]).unwrap();
    let links = String::from_utf8_lossy(&links.stdout);
    assert!(links.contains(&format!("{end0}@{end1}")), "{links}");
    let host = std::process::Command::new("ip")
        .args(["link", "show", &end0])
        .output()
        .unwrap();
    assert!(!host.status.success(), "{end0} still in the host namespace");
    assert!(ns.move_link("pktkit-none0").is_err());
}
