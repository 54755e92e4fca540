//! A tiny Linux guest for QEMU tests: Debian's kernel plus a busybox
//! initramfs that brings up `eth0` with `udhcpc`, pings what it is told to
//! and powers off, reporting each step on its serial console.
//!
//! Not a general VM launcher: the guest only does what its kernel command
//! line asks (`pktkit.*` parameters, see [`GuestParams`]), and it runs under
//! TCG (`-accel tcg`), because the machines this project runs on have no KVM.
//!
//! The image is built once and cached under `target/guest/`
//! ([`GuestImage::build`], also `cargo xtask guest`): the kernel comes from the
//! `linux-image-amd64` package (`apt-get download`, unpacked with
//! `dpkg-deb`), the initramfs holds `/bin/busybox` from `busybox-static`, the
//! `virtio_pci` and `virtio_net` modules and everything they `depends=` on
//! (read from each module's `.modinfo`, loaded dependencies first), an
//! `/init` script and a `udhcpc` script.
//!
//! Console markers (one line each):
//! * `PKTKIT-BOOTED` once the modules are loaded and `eth0` is up,
//! * `PKTKIT-LEASE ip=A mask=M router=R` when `udhcpc` got a lease,
//! * `PKTKIT-NOLEASE` when it did not,
//! * `PKTKIT-PING T ok|fail` per ping target,
//! * `PKTKIT-DONE` before `poweroff -f`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::{ChildGuard, require_tool, strict_mode, workspace_root};

/// The guest's `/init`: parameters come from `/proc/cmdline`.
const INIT: &str = r#"#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /sbin /usr/bin /usr/sbin /tmp /dev
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
PING=; WAIT=60; HOLD=0
for a in $(cat /proc/cmdline); do
  case "$a" in
    pktkit.ping=*) PING=$(echo "${a#pktkit.ping=}" | tr ',' ' ') ;;
    pktkit.wait=*) WAIT=${a#pktkit.wait=} ;;
    pktkit.hold=*) HOLD=${a#pktkit.hold=} ;;
  esac
done
for m in $(cat /modules.order); do
  insmod "/modules/$m" || echo "PKTKIT-INSMOD-FAILED $m"
done
ip link set lo up
ip link set eth0 up
echo PKTKIT-BOOTED
if udhcpc -i eth0 -n -q -t 10 -T 2 -s /udhcpc.script; then
  for t in $PING; do
    end=$(( $(date +%s) + WAIT ))
    r=fail
    while [ "$(date +%s)" -lt "$end" ]; do
      if ping -c 1 -W 2 "$t" >/dev/null 2>&1; then r=ok; break; fi
      sleep 1
    done
    echo "PKTKIT-PING $t $r"
  done
else
  echo PKTKIT-NOLEASE
fi
sleep "$HOLD"
echo PKTKIT-DONE
poweroff -f
"#;

/// `udhcpc -s` script: applies the lease and reports it.
const UDHCPC_SCRIPT: &str = r#"#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    for r in $router; do ip route add default via "$r" dev "$interface"; break; done
    echo "PKTKIT-LEASE ip=$ip mask=$mask router=$router"
    ;;
esac
"#;

/// The kernel and initramfs of the test guest.
#[derive(Debug, Clone)]
pub struct GuestImage {
    /// The `vmlinuz` from Debian's `linux-image-amd64`.
    pub kernel: PathBuf,
    /// The busybox initramfs (newc cpio).
    pub initrd: PathBuf,
}

impl GuestImage {
    /// Where the image is cached: `target/guest/` of the workspace.
    pub fn dir() -> PathBuf {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(|d| workspace_root().join(d))
            .unwrap_or_else(|| workspace_root().join("target"))
            .join("guest")
    }

    /// For tests: the image (built when missing), or `None` after a loud
    /// `SKIPPED` line when a tool is missing (a panic under CI, see
    /// [`require_tool`]).
    pub fn require() -> Option<GuestImage> {
        for tool in ["qemu-system-x86_64", "apt-get", "dpkg-deb", "busybox"] {
            if !require_tool(tool) {
                return None;
            }
        }
        match GuestImage::build(false) {
            Ok(img) => Some(img),
            Err(e) if !strict_mode() => {
                eprintln!("SKIPPED (building the QEMU test guest failed: {e})");
                None
            }
            Err(e) => panic!("building the QEMU test guest failed: {e}"),
        }
    }

    /// Builds the image into [`GuestImage::dir`] unless it is there already
    /// (or `force`). Needs `apt-get`, `dpkg-deb` and `busybox-static`'s
    /// `/bin/busybox`; runs `apt-get update` first.
    pub fn build(force: bool) -> io::Result<GuestImage> {
        let dir = GuestImage::dir();
        let img = GuestImage {
            kernel: dir.join("vmlinuz"),
            initrd: dir.join("initrd.cpio"),
        };
        if !force && img.kernel.is_file() && img.initrd.is_file() {
            return Ok(img);
        }
        // Tests run as threads of one process: one builds, the others wait and
        // then find the image (two builds at once would share the work folder
        // below and both take apt's lock).
        static BUILDING: Mutex<()> = Mutex::new(());
        let _one_at_a_time = BUILDING.lock().unwrap_or_else(PoisonError::into_inner);
        if !force && img.kernel.is_file() && img.initrd.is_file() {
            return Ok(img);
        }
        let busybox = fs::read("/bin/busybox")?;
        if has_elf_interpreter(&busybox) {
            return Err(io::Error::other(
                "/bin/busybox is dynamically linked: install busybox-static",
            ));
        }
        fs::create_dir_all(&dir)?;
        // Per process, so that two test binaries building at once do not collide;
        // the final renames are atomic, the last one wins with identical files.
        let work = dir.join(format!("work-{}", std::process::id()));
        let _ = fs::remove_dir_all(&work);
        fs::create_dir_all(&work)?;
        let result = build_into(&work, &busybox, &img);
        let _ = fs::remove_dir_all(&work);
        result.map(|()| img)
    }
}

/// Whether a 64-bit little-endian ELF file asks for a dynamic loader
/// (has a `PT_INTERP` program header); such a binary needs its libraries in
/// the initramfs, a static one does not.
fn has_elf_interpreter(elf: &[u8]) -> bool {
    const PT_INTERP: u32 = 3;
    let u16_at = |o: usize| {
        elf.get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
    };
    let u32_at = |o: usize| {
        elf.get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let u64_at = |o: usize| {
        elf.get(o..o + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    };
    if elf.get(..5) != Some(b"\x7fELF\x02".as_slice()) {
        return true; // not what we can check: treat as unusable
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38))
    else {
        return true;
    };
    (0..phnum).any(|i| {
        usize::try_from(phoff)
            .ok()
            .and_then(|off| off.checked_add(i * phentsize))
            .and_then(u32_at)
            .is_none_or(|t| t == PT_INTERP)
    })
}

fn run(cmd: &mut Command) -> io::Result<String> {
    let out = cmd.output()?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn build_into(work: &Path, busybox: &[u8], img: &GuestImage) -> io::Result<()> {
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    // linux-image-amd64 is a metapackage: the kernel is its dependency.
    let deps = run(Command::new("apt-cache").args(["depends", "linux-image-amd64"]))?;
    let pkg = deps
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Depends: "))
        .find(|p| p.starts_with("linux-image-"))
        .ok_or_else(|| io::Error::other("linux-image-amd64 depends on no kernel package"))?
        .to_string();
    run(Command::new("apt-get")
        .args(["download", "-qq", &pkg])
        .current_dir(work))?;
    let deb = files_under(work)?
        .into_iter()
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .ok_or_else(|| io::Error::other("apt-get download left no .deb"))?;
    let root = work.join("root");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root))?;
    let vmlinuz = files_under(&root.join("boot"))?
        .into_iter()
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("vmlinuz-"))
        })
        .ok_or_else(|| io::Error::other("no vmlinuz in the kernel package"))?;
    let modules = files_under(&root.join("lib/modules"))?;
    let order = load_order(&modules, &["virtio_pci", "virtio_net"])?;
    if !order.iter().any(|(name, _)| name == "virtio_net") {
        return Err(io::Error::other(
            "virtio_net is not a module of this kernel",
        ));
    }

    let mut cpio = Cpio::default();
    for d in ["bin", "dev", "modules", "proc", "sys"] {
        cpio.entry(d, 0o040755, b"", (0, 0));
    }
    cpio.entry("dev/console", 0o020600, b"", (5, 1));
    cpio.entry("bin/busybox", 0o100755, busybox, (0, 0));
    cpio.entry("init", 0o100755, INIT.as_bytes(), (0, 0));
    cpio.entry("udhcpc.script", 0o100755, UDHCPC_SCRIPT.as_bytes(), (0, 0));
    let mut names = String::new();
    for (name, ko) in &order {
        let file = format!("{name}.ko");
        cpio.entry(&format!("modules/{file}"), 0o100644, ko, (0, 0));
        names.push_str(&file);
        names.push('\n');
    }
    cpio.entry("modules.order", 0o100644, names.as_bytes(), (0, 0));
    cpio.entry("TRAILER!!!", 0, b"", (0, 0));

    // Write then rename, so a half-built image is never taken for a cached one.
    let (tmp_kernel, tmp_initrd) = (work.join("vmlinuz"), work.join("initrd.cpio"));
    fs::write(&tmp_initrd, &cpio.data)?;
    fs::copy(&vmlinuz, &tmp_kernel)?;
    fs::rename(&tmp_kernel, &img.kernel)?;
    fs::rename(&tmp_initrd, &img.initrd)?;
    Ok(())
}

fn files_under(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// A module's name as the kernel spells it (`-` and `_` are the same).
fn module_name(path: &Path) -> Option<String> {
    let file = path.file_name()?.to_str()?;
    let stem = file
        .strip_suffix(".ko")
        .or_else(|| file.strip_suffix(".ko.xz"))
        .or_else(|| file.strip_suffix(".ko.zst"))?;
    Some(stem.replace('-', "_"))
}

/// A module's bytes, decompressed (busybox `insmod` takes plain ELF only).
fn module_bytes(path: &Path) -> io::Result<Vec<u8>> {
    let name = path.to_string_lossy();
    let tool = if name.ends_with(".xz") {
        "xz"
    } else if name.ends_with(".zst") {
        "zstd"
    } else {
        return fs::read(path);
    };
    let out = Command::new(tool).args(["-dc"]).arg(path).output()?;
    if !out.status.success() {
        return Err(io::Error::other(format!("{tool} -dc {name} failed")));
    }
    Ok(out.stdout)
}

/// The `depends=` entry of a module's `.modinfo` section (what
/// `modinfo -F depends` prints).
fn depends(ko: &[u8]) -> Vec<String> {
    let key = b"\0depends=";
    let Some(i) = ko.windows(key.len()).position(|w| w == key) else {
        return Vec::new();
    };
    let rest = &ko[i + key.len()..];
    let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    String::from_utf8_lossy(&rest[..end])
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.replace('-', "_"))
        .collect()
}

/// The modules `wanted` needs, dependencies first; names not found among
/// `files` are built into the kernel.
fn load_order(files: &[PathBuf], wanted: &[&str]) -> io::Result<Vec<(String, Vec<u8>)>> {
    fn visit(
        name: &str,
        files: &[PathBuf],
        seen: &mut Vec<String>,
        order: &mut Vec<(String, Vec<u8>)>,
    ) -> io::Result<()> {
        if seen.iter().any(|s| s == name) {
            return Ok(());
        }
        seen.push(name.to_string());
        let Some(path) = files
            .iter()
            .find(|p| module_name(p).as_deref() == Some(name))
        else {
            return Ok(());
        };
        let ko = module_bytes(path)?;
        for dep in depends(&ko) {
            visit(&dep, files, seen, order)?;
        }
        order.push((name.to_string(), ko));
        Ok(())
    }
    let (mut seen, mut order) = (Vec::new(), Vec::new());
    for w in wanted {
        visit(w, files, &mut seen, &mut order)?;
    }
    Ok(order)
}

/// A newc ("070701") cpio archive, as the kernel unpacks an initramfs.
#[derive(Default)]
struct Cpio {
    data: Vec<u8>,
    ino: u32,
}

impl Cpio {
    fn entry(&mut self, name: &str, mode: u32, body: &[u8], rdev: (u32, u32)) {
        self.ino += 1;
        let fields = [
            self.ino,
            mode,
            0,
            0,
            1,
            0,
            body.len() as u32,
            0,
            0,
            rdev.0,
            rdev.1,
            name.len() as u32 + 1,
            0,
        ];
        self.data.extend_from_slice(b"070701");
        for f in fields {
            self.data.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        self.data.extend_from_slice(name.as_bytes());
        self.data.push(0);
        self.pad();
        self.data.extend_from_slice(body);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.data.len().is_multiple_of(4) {
            self.data.push(0);
        }
    }
}

/// What the guest does after it booted (its `pktkit.*` kernel parameters).
#[derive(Debug, Clone, Default)]
pub struct GuestParams {
    /// Addresses to ping after the lease, in order (`pktkit.ping=`).
    pub ping: Vec<String>,
    /// How long to keep retrying each ping target, in seconds (default 60).
    pub wait_secs: Option<u32>,
    /// How long to stay up after the pings, in seconds (default 0), e.g. so
    /// that another guest can ping this one.
    pub hold_secs: u32,
}

impl GuestParams {
    fn cmdline(&self) -> String {
        let mut s = String::from("console=ttyS0 quiet panic=-1");
        if !self.ping.is_empty() {
            s.push_str(&format!(" pktkit.ping={}", self.ping.join(",")));
        }
        if let Some(w) = self.wait_secs {
            s.push_str(&format!(" pktkit.wait={w}"));
        }
        s.push_str(&format!(" pktkit.hold={}", self.hold_secs));
        s
    }
}

/// A running guest; killed (and its QEMU reaped) on drop.
#[derive(Debug)]
pub struct Guest {
    qemu: ChildGuard,
}

impl Guest {
    /// Boots `image` under TCG with `net_args` (its `-netdev`/`-device`
    /// arguments) and `params`; the serial console is QEMU's stdout.
    ///
    /// ```no_run
    /// use pktkit_testkit::{Guest, GuestImage, GuestParams};
    ///
    /// let Some(img) = GuestImage::require() else { return };
    /// let mut g = Guest::boot(&img, &["-netdev", "user,id=n0", "-device",
    ///     "virtio-net-pci,netdev=n0"], &GuestParams::default()).unwrap();
    /// let lease = g.wait_for("PKTKIT-LEASE", std::time::Duration::from_secs(120));
    /// ```
    pub fn boot(image: &GuestImage, net_args: &[&str], params: &GuestParams) -> io::Result<Guest> {
        let mut cmd = Command::new("qemu-system-x86_64");
        cmd.args(["-accel", "tcg", "-m", "256", "-nodefaults", "-no-reboot"])
            .args(["-display", "none", "-serial", "stdio"])
            .arg("-kernel")
            .arg(&image.kernel)
            .arg("-initrd")
            .arg(&image.initrd)
            .arg("-append")
            .arg(params.cmdline())
            .args(net_args);
        Ok(Guest {
            qemu: ChildGuard::spawn(cmd)?,
        })
    }

    /// Everything the guest (and QEMU) printed so far.
    pub fn console(&self) -> String {
        self.qemu.log()
    }

    /// Waits up to `timeout` for a console line containing `needle` and
    /// returns it; `None` on timeout or when QEMU exited without it.
    pub fn wait_for(&mut self, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let exited = !matches!(self.qemu.try_wait(), Ok(None));
            if let Some(l) = self.console().lines().find(|l| l.contains(needle)) {
                return Some(l.trim_end().to_string());
            }
            if exited || Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits up to `timeout` for QEMU to exit (the guest powered off);
    /// `true` if it did.
    pub fn wait_exit(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if !matches!(self.qemu.try_wait(), Ok(None)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }

    /// QEMU's process id.
    pub fn id(&self) -> u32 {
        self.qemu.id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depends_reads_the_modinfo_entry() {
        let ko = b"\x7fELF...\0license=GPL\0depends=virtio_pci_modern_dev,virtio-pci-legacy-dev\0intree=Y\0";
        assert_eq!(
            depends(ko),
            ["virtio_pci_modern_dev", "virtio_pci_legacy_dev"]
        );
        assert!(depends(b"\0depends=\0").is_empty());
        assert!(depends(b"no modinfo here").is_empty());
    }

    #[test]
    fn elf_interpreter_matches_file_s_verdict() {
        // `file` is the independent judge of "dynamically linked".
        if !require_tool("file") {
            return;
        }
        for bin in ["/bin/busybox", "/bin/sh", "/usr/bin/env"] {
            let Ok(elf) = fs::read(bin) else { continue };
            let out = Command::new("file").arg("-L").arg(bin).output().unwrap();
            let verdict = String::from_utf8_lossy(&out.stdout);
            if verdict.contains("statically linked") {
                assert!(!has_elf_interpreter(&elf), "{verdict}");
            } else if verdict.contains("dynamically linked") {
                assert!(has_elf_interpreter(&elf), "{verdict}");
            }
        }
        assert!(has_elf_interpreter(b"not an elf"));
    }

    #[test]
    fn cpio_archive_reads_back_with_gnu_cpio() {
        if !require_tool("cpio") {
            return;
        }
        let mut c = Cpio::default();
        c.entry("bin", 0o040755, b"", (0, 0));
        c.entry("init", 0o100755, b"#!/bin/sh\necho hi\n", (0, 0));
        c.entry("dev/console", 0o020600, b"", (5, 1));
        c.entry("TRAILER!!!", 0, b"", (0, 0));
        assert!(c.data.len().is_multiple_of(4));
        let path = std::env::temp_dir().join(format!("pktkit-cpio-{}", std::process::id()));
        fs::write(&path, &c.data).unwrap();
        let list = Command::new("cpio")
            .args(["-itv", "-F"])
            .arg(&path)
            .output()
            .unwrap();
        let body = Command::new("cpio")
            .args(["-i", "--to-stdout", "-F"])
            .arg(&path)
            .arg("init")
            .output()
            .unwrap();
        let _ = fs::remove_file(&path);
        assert!(list.status.success(), "{list:?}");
        let list = String::from_utf8_lossy(&list.stdout);
        let lines: Vec<&str> = list.lines().collect();
        assert_eq!(lines.len(), 3, "{list}");
        assert!(lines[0].starts_with("drwxr-xr-x") && lines[0].ends_with(" bin"));
        assert!(lines[1].starts_with("-rwxr-xr-x") && lines[1].ends_with(" init"));
        assert!(lines[2].starts_with("crw-------") && lines[2].contains("5,"));
        assert_eq!(body.stdout, b"#!/bin/sh\necho hi\n");
    }
}
