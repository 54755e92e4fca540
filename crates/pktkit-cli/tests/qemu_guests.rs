//! Real QEMU guests on `pktkit up`: two tiny Linux guests (Debian's kernel,
//! a busybox initramfs that loads virtio_net and what it depends on), one on
//! `-netdev stream`, one on `-netdev dgram`, each gets an address with
//! busybox `udhcpc` from our DHCP server and pings our gateway.
//!
//! The guest is built once and cached under `target/qemu-guest/`: the kernel
//! comes from the `linux-image-amd64` package (`apt-get download`), modules'
//! dependencies from their `depends=` modinfo, the initramfs is a newc cpio
//! written here. Needs `qemu-system-x86_64`, `apt-get`, `dpkg-deb` and
//! busybox-static; without them the test says SKIPPED (and fails under CI).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pktkit_testkit::{require_tool, strict_mode, workspace_root};

/// TCG is slow: a guest boots, leases and pings within this.
const GUEST_TIMEOUT: Duration = Duration::from_secs(300);

struct Running(Child);
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The `depends=` of a kernel module, from its modinfo strings.
fn depends(ko: &[u8]) -> Vec<String> {
    let key = b"depends=";
    let Some(i) = ko.windows(key.len()).position(|w| w == key) else {
        return Vec::new();
    };
    let rest = &ko[i + key.len()..];
    let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    String::from_utf8_lossy(&rest[..end])
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn find_modules(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            find_modules(&p, out);
        } else if p.extension().is_some_and(|x| x == "ko") {
            out.push(p);
        }
    }
}

/// Modules to load, dependencies first.
fn load_order(all: &[PathBuf], wanted: &[&str]) -> Vec<PathBuf> {
    let norm = |s: &str| s.replace('-', "_");
    let by_name = |name: &str| {
        all.iter()
            .find(|p| norm(p.file_stem().unwrap().to_str().unwrap()) == norm(name))
            .cloned()
    };
    fn visit(
        name: &str,
        by_name: &dyn Fn(&str) -> Option<PathBuf>,
        seen: &mut BTreeSet<String>,
        order: &mut Vec<PathBuf>,
    ) {
        if !seen.insert(name.replace('-', "_")) {
            return;
        }
        let Some(p) = by_name(name) else {
            return; // built in
        };
        for d in depends(&std::fs::read(&p).unwrap()) {
            visit(&d, by_name, seen, order);
        }
        order.push(p);
    }
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    for w in wanted {
        visit(w, &by_name, &mut seen, &mut order);
    }
    order
}

/// A newc cpio archive.
struct Cpio(Vec<u8>, u32);
impl Cpio {
    fn entry(&mut self, name: &str, mode: u32, data: &[u8], rdev: (u32, u32)) {
        self.1 += 1;
        let fields = [
            self.1,
            mode,
            0,
            0,
            1,
            0,
            data.len() as u32,
            0,
            0,
            rdev.0,
            rdev.1,
            name.len() as u32 + 1,
            0,
        ];
        self.0.extend_from_slice(b"070701");
        for f in fields {
            self.0.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        self.0.extend_from_slice(name.as_bytes());
        self.0.push(0);
        while !self.0.len().is_multiple_of(4) {
            self.0.push(0);
        }
        self.0.extend_from_slice(data);
        while !self.0.len().is_multiple_of(4) {
            self.0.push(0);
        }
    }
}

const INIT: &str = r#"#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /sbin /usr/bin /usr/sbin /tmp
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
for m in $(cat /modules.order); do insmod /modules/$m || echo "PKTKIT-INSMOD-FAILED $m"; done
ip link set lo up
ip link set eth0 up
if udhcpc -i eth0 -n -q -t 20 -T 2 -s /udhcpc.sh; then
  if ping -c 3 -W 5 10.0.2.2; then echo PKTKIT-PING-OK; fi
fi
echo PKTKIT-DONE
poweroff -f
"#;

const UDHCPC: &str = r#"#!/bin/sh
case "$1" in
  bound|renew)
    ifconfig "$interface" "$ip" netmask "$subnet" up
    echo "PKTKIT-LEASE $ip router $router"
    ;;
esac
"#;

/// Builds (or reuses) the kernel and initramfs; `None` if a tool is missing.
fn guest() -> Option<(PathBuf, PathBuf)> {
    for t in ["qemu-system-x86_64", "apt-get", "apt-cache", "dpkg-deb"] {
        if !require_tool(t) {
            return None;
        }
    }
    // A dynamically linked busybox would need its libraries in the initramfs:
    // busybox-static's has no ELF interpreter.
    let busybox = Path::new("/bin/busybox");
    let is_static = std::fs::read(busybox)
        .map(|b| !b.windows(14).any(|w| w == b"/lib64/ld-linu"))
        .unwrap_or(false);
    if !is_static {
        assert!(
            !strict_mode(),
            "busybox-static is required (apt-get install busybox-static)"
        );
        eprintln!("SKIPPED (busybox-static is not installed)");
        return None;
    }
    let dir = workspace_root().join("target/qemu-guest");
    let (kernel, initrd) = (dir.join("vmlinuz"), dir.join("initrd.cpio"));
    if kernel.exists() && initrd.exists() {
        return Some((kernel, initrd));
    }
    std::fs::create_dir_all(&dir).unwrap();
    let deps = run(Command::new("apt-cache").args(["depends", "linux-image-amd64"]));
    let pkg = deps
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Depends: "))
        .find(|p| p.starts_with("linux-image-"))
        .expect("linux-image-amd64 depends on no kernel package")
        .to_string();
    let dl = dir.join("download");
    let _ = std::fs::remove_dir_all(&dl);
    std::fs::create_dir_all(&dl).unwrap();
    run(Command::new("apt-get")
        .args(["download", &pkg])
        .current_dir(&dl));
    let deb = std::fs::read_dir(&dl)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .expect("no .deb downloaded");
    let x = dl.join("x");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&x));
    let vmlinuz = std::fs::read_dir(x.join("boot"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("vmlinuz-")
        })
        .expect("no vmlinuz in the package");
    let mut kos = Vec::new();
    find_modules(&x.join("lib/modules"), &mut kos);
    let order = load_order(&kos, &["virtio_pci", "virtio_net"]);
    assert!(
        order.iter().any(|p| p.ends_with("virtio_net.ko")),
        "virtio_net.ko not found"
    );

    let mut c = Cpio(Vec::new(), 0);
    for d in ["bin", "dev", "modules", "etc"] {
        c.entry(d, 0o040755, b"", (0, 0));
    }
    c.entry("dev/console", 0o020600, b"", (5, 1));
    c.entry(
        "bin/busybox",
        0o100755,
        &std::fs::read(busybox).unwrap(),
        (0, 0),
    );
    c.entry("init", 0o100755, INIT.as_bytes(), (0, 0));
    c.entry("udhcpc.sh", 0o100755, UDHCPC.as_bytes(), (0, 0));
    let mut names = String::new();
    for p in &order {
        let n = p.file_name().unwrap().to_str().unwrap();
        c.entry(
            &format!("modules/{n}"),
            0o100644,
            &std::fs::read(p).unwrap(),
            (0, 0),
        );
        names.push_str(n);
        names.push('\n');
    }
    c.entry("modules.order", 0o100644, names.as_bytes(), (0, 0));
    c.entry("TRAILER!!!", 0, b"", (0, 0));
    std::fs::write(&initrd, &c.0).unwrap();
    std::fs::copy(&vmlinuz, &kernel).unwrap();
    let _ = std::fs::remove_dir_all(&dl);
    Some((kernel, initrd))
}

/// Boots a guest on `netdev`, returning its console lines as they come.
fn boot(
    kernel: &Path,
    initrd: &Path,
    netdev: &str,
    id: &str,
    mac: &str,
) -> (Running, mpsc::Receiver<String>) {
    let mut child = Command::new("qemu-system-x86_64")
        .args([
            "-accel",
            "tcg",
            "-m",
            "256",
            "-nodefaults",
            "-no-reboot",
            "-display",
            "none",
        ])
        .args(["-serial", "stdio"])
        .arg("-kernel")
        .arg(kernel)
        .arg("-initrd")
        .arg(initrd)
        .args(["-append", "console=ttyS0 panic=-1 loglevel=3"])
        .args(["-netdev", netdev])
        .args(["-device", &format!("virtio-net-pci,netdev={id},mac={mac}")])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting qemu");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    (Running(child), rx)
}

#[test]
fn stream_and_dgram_guests_lease_and_ping() {
    let Some((kernel, initrd)) = guest() else {
        return;
    };
    let dir = TempDir(std::env::temp_dir().join(format!("pktkit-qemu-e2e-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).unwrap();
    let cfg = dir.0.join("net.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"
[[switch]]
name = "lan"
subnet = "10.0.2.0/24"
gateway = "10.0.2.2"
[switch.dhcp]
range = ["10.0.2.15", "10.0.2.254"]
[[switch.qemu]]
listen = "unix:{d}/stream.sock"
mode = "stream"
[[switch.qemu]]
listen = "unix:{d}/dgram.sock"
mode = "dgram"
"#,
            d = dir.0.display()
        ),
    )
    .unwrap();
    let mut up = Running(
        Command::new(env!("CARGO_BIN_EXE_pktkit"))
            .args(["up", "--stats", "--exit-after", "600", "--config"])
            .arg(&cfg)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(up.0.stdout.take().unwrap()).lines();
    let mut netdevs = Vec::new();
    while netdevs.len() < 2 {
        let l = lines.next().expect("pktkit up ended early").unwrap();
        if let Some(i) = l.find("-netdev ") {
            netdevs.push(l[i + 8..].split_whitespace().next().unwrap().to_string());
        }
    }
    std::thread::spawn(move || for _ in lines.by_ref() {});
    assert!(netdevs[0].starts_with("stream,id=lan0,"), "{netdevs:?}");
    assert!(netdevs[1].starts_with("dgram,id=lan1,"), "{netdevs:?}");

    let guests = [
        boot(&kernel, &initrd, &netdevs[0], "lan0", "52:54:00:00:00:21"),
        boot(&kernel, &initrd, &netdevs[1], "lan1", "52:54:00:00:00:22"),
    ];
    let mut leases = Vec::new();
    for (i, (_q, rx)) in guests.iter().enumerate() {
        let start = Instant::now();
        let mut console = Vec::new();
        let mut lease = None;
        let mut pinged = false;
        while start.elapsed() < GUEST_TIMEOUT {
            match rx.recv_timeout(Duration::from_secs(5)) {
                Ok(l) => {
                    if let Some(rest) = l.split("PKTKIT-LEASE ").nth(1) {
                        lease = rest.split_whitespace().next().map(str::to_string);
                        assert!(rest.ends_with("router 10.0.2.2"), "{l}");
                    }
                    pinged |= l.contains("PKTKIT-PING-OK");
                    let done = l.contains("PKTKIT-DONE");
                    console.push(l);
                    if done {
                        break;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let lease =
            lease.unwrap_or_else(|| panic!("guest {i} got no lease:\n{}", console.join("\n")));
        assert!(
            pinged,
            "guest {i} could not ping the gateway:\n{}",
            console.join("\n")
        );
        assert!(lease.starts_with("10.0.2."), "{lease}");
        let mode = netdevs[i].split(',').next().unwrap_or("");
        eprintln!("guest {i} ({mode}): leased {lease}, pinged 10.0.2.2");
        leases.push(lease);
    }
    assert_ne!(leases[0], leases[1], "both guests got the same address");
}
