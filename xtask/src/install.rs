//! Installs what the tests and tasks need on a fresh Debian machine: the real
//! peer programs (Debian packages) and the cargo tools (`cargo-deny`,
//! `cargo-fuzz`).
//!
//! Not for project dependencies (those are crates in `Cargo.toml`). Only what
//! is missing is installed, so a second run costs a few `dpkg-query` calls.

use std::path::Path;

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

/// Debian packages the tests use, each with the program it provides.
///
/// The single list every later issue appends to when a test needs a new peer.
pub(crate) const DEBIAN_PACKAGES: &[(&str, &str)] = &[
    ("tshark", "tshark"),
    ("qemu-system-x86", "qemu-system-x86_64"),
    // dnsmasq-base: the program only; the `dnsmasq` package would also start a system service.
    ("dnsmasq-base", "dnsmasq"),
    ("udhcpc", "udhcpc"),
    ("isc-dhcp-client", "dhclient"),
    ("iperf3", "iperf3"),
    ("iproute2", "ip"),
    // `ping` is not on a fresh machine; the TAP and L2Adapter tests run the kernel's ping.
    ("iputils-ping", "ping"),
    ("busybox-static", "busybox"),
    ("socat", "socat"),
    ("netcat-openbsd", "nc"),
    ("procps", "ps"),
    ("clang", "clang"),
    // The QEMU test guest's unit tests check its initramfs and busybox with these.
    ("cpio", "cpio"),
    ("file", "file"),
];

/// Cargo subcommands the tasks run, as (crate, subcommand).
pub(crate) const CARGO_TOOLS: &[(&str, &str)] = &[("cargo-deny", "deny"), ("cargo-fuzz", "fuzz")];

/// `cargo xtask install`: every Debian package and cargo tool.
pub(crate) fn run(sh: &Shell) -> Result<()> {
    debian_packages(sh)?;
    for &(krate, subcommand) in CARGO_TOOLS {
        cargo_tool(sh, krate, subcommand)?;
    }
    Ok(())
}

/// Installs the [`DEBIAN_PACKAGES`] that are missing (needs root and apt).
pub(crate) fn debian_packages(sh: &Shell) -> Result<()> {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .filter(|&&(package, program)| !package_installed(sh, package, program))
        .map(|&(package, _)| package)
        .collect();
    if missing.is_empty() {
        println!(
            "install: all {} Debian packages present",
            DEBIAN_PACKAGES.len()
        );
        return Ok(());
    }
    println!("install: missing Debian packages: {}", missing.join(" "));
    if !is_root() {
        eprintln!(
            "install: WARNING not root, not installing; tests needing {} will be SKIPPED \
             (and fail under CI=true)",
            missing.join(", ")
        );
        return Ok(());
    }
    if which("apt-get").is_none() {
        bail!("apt-get not found: install {} by hand", missing.join(" "));
    }
    cmd!(sh, "apt-get update -q").run()?;
    cmd!(
        sh,
        "apt-get install -y -q --no-install-recommends {missing...}"
    )
    .env("DEBIAN_FRONTEND", "noninteractive")
    .run()
    .context("apt-get install")?;
    Ok(())
}

/// Installs `krate` with `cargo install --locked` unless `cargo SUBCOMMAND` works.
pub(crate) fn cargo_tool(sh: &Shell, krate: &str, subcommand: &str) -> Result<()> {
    let present = cmd!(sh, "cargo {subcommand} --version")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_ok();
    if present {
        println!("install: {krate} present");
        return Ok(());
    }
    println!("install: building {krate} (cargo install --locked)");
    cmd!(sh, "cargo install --locked {krate}")
        .run()
        .with_context(|| format!("cargo install {krate}"))?;
    Ok(())
}

/// Whether `package` is installed: dpkg's word where dpkg exists (so that
/// `busybox` does not pass for `busybox-static`), otherwise its program on PATH.
fn package_installed(sh: &Shell, package: &str, program: &str) -> bool {
    if which("dpkg-query").is_some() {
        let format = "${Status}";
        let status = cmd!(sh, "dpkg-query -W -f {format} {package}")
            .quiet()
            .ignore_status()
            .ignore_stderr()
            .read()
            .unwrap_or_default();
        return status.trim() == "install ok installed";
    }
    which(program).is_some()
}

/// The first `name` on PATH (plus the sbin folders root's PATH may lack).
pub(crate) fn which(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(Into::into))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether we run as root (euid 0), read from /proc to avoid a libc dependency.
pub(crate) fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|uids| uids.split_whitespace().nth(1).map(|euid| euid == "0"))
            .unwrap_or(false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_list_has_no_duplicates() {
        let mut names: Vec<&str> = DEBIAN_PACKAGES.iter().map(|p| p.0).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), DEBIAN_PACKAGES.len());
    }

    #[test]
    fn which_finds_sh_only() {
        assert!(which("sh").is_some());
        assert!(which("pktkit-no-such-tool-4711").is_none());
    }
}
