//! Network namespaces a test creates for itself and that vanish with it.
//!
//! Not a general network-configuration library: it shells out to `ip` from
//! iproute2 for setup, which is what a person debugging the test would type.

use std::fs::File;
use std::io;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use nix::sched::{CloneFlags, setns};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::ChildGuard;

/// Longest namespace name we make (fits `IFNAMSIZ - 1`, readable in `ip netns`).
const MAX_NAME_LEN: usize = 15;

/// A network namespace named `<prefix><pid>-<n>`, with `lo` up.
///
/// On drop, every process still inside it is killed (SIGKILL) and the
/// namespace is deleted (`ip netns del`); interfaces inside it go with it.
/// Needs root: gate the test with [`crate::require_root`].
///
/// ```no_run
/// let ns = pktkit_testkit::Netns::new("dhcp").unwrap();
/// ns.run(&["ip", "addr", "add", "198.18.0.1/24", "dev", "lo"]).unwrap();
/// ```
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Creates a fresh namespace whose name starts with (a prefix of) `prefix`.
    pub fn new(prefix: &str) -> io::Result<Netns> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = unique_name(prefix, std::process::id(), n);
        if let Err(first) = ip(&["netns", "add", &name]) {
            // A namespace with our pid in its name can only be left over from
            // a dead process whose pid we inherited: remove it and retry once.
            if !first.to_string().contains("File exists") {
                return Err(first);
            }
            ip(&["netns", "del", &name])?;
            ip(&["netns", "add", &name])?;
        }
        let ns = Netns { name };
        ns.run(&["ip", "link", "set", "lo", "up"])?;
        Ok(ns)
    }

    /// The namespace's name, as `ip netns` shows it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A [`Command`] running `program` inside the namespace
    /// (`ip netns exec NAME program`), to add arguments and stdio to.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.name, program]);
        cmd
    }

    /// Runs `args` inside the namespace and waits; a non-zero exit is an
    /// error whose message has the command and its stderr.
    pub fn run(&self, args: &[&str]) -> io::Result<Output> {
        let (program, rest) = args
            .split_first()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command"))?;
        let mut cmd = self.command(program);
        cmd.args(rest);
        checked_output(cmd, &format!("in netns {}: {}", self.name, args.join(" ")))
    }

    /// Starts `args` inside the namespace; the returned guard kills it on
    /// drop, and dropping the namespace kills it too.
    pub fn spawn(&self, args: &[&str]) -> io::Result<ChildGuard> {
        let (program, rest) = args
            .split_first()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command"))?;
        let mut cmd = self.command(program);
        cmd.args(rest);
        ChildGuard::spawn(cmd)
    }

    /// Moves the host interface `ifname` into this namespace.
    pub fn move_link(&self, ifname: &str) -> io::Result<()> {
        ip(&["link", "set", "dev", ifname, "netns", &self.name]).map(drop)
    }

    /// Runs `f` on a new thread that has entered this namespace
    /// (`setns(CLONE_NEWNET)`), and returns its result.
    ///
    /// Sockets and file descriptors opened there (a TUN device from
    /// `/dev/net/tun`, a raw socket) stay in this namespace after the thread
    /// ends and can be used from any thread. A panic in `f` is re-raised.
    pub fn enter_on_thread<F, R>(&self, f: F) -> io::Result<R>
    where
        F: FnOnce() -> R + Send,
        R: Send,
    {
        let handle = File::open(format!("/run/netns/{}", self.name))?;
        std::thread::scope(|scope| {
            let thread = std::thread::Builder::new()
                .name(format!("netns-{}", self.name))
                .spawn_scoped(scope, move || {
                    setns(&handle, CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
                    Ok(f())
                })?;
            thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    /// Process ids currently inside the namespace (`ip netns pids`).
    pub fn pids(&self) -> io::Result<Vec<u32>> {
        let out = ip(&["netns", "pids", &self.name])?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|pid| pid.parse().ok())
            .collect())
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Ok(pids) = self.pids() {
            // Never ourselves: a thread of the test may have entered the namespace.
            for pid in pids.into_iter().filter(|&pid| pid != std::process::id()) {
                if let Ok(pid) = i32::try_from(pid) {
                    let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
                }
            }
        }
        if let Err(e) = ip(&["netns", "del", &self.name]) {
            eprintln!("pktkit-testkit: could not delete netns {}: {e}", self.name);
        }
    }
}

/// Creates a veth pair with end `if_a` in `a` and end `if_b` in `b`, both up.
///
/// ```no_run
/// use pktkit_testkit::{Netns, veth_pair};
/// let (a, b) = (Netns::new("a").unwrap(), Netns::new("b").unwrap());
/// veth_pair(&a, "veth-a", &b, "veth-b").unwrap();
/// ```
pub fn veth_pair(a: &Netns, if_a: &str, b: &Netns, if_b: &str) -> io::Result<()> {
    ip(&[
        "link", "add", if_a, "netns", &a.name, "type", "veth", "peer", "name", if_b, "netns",
        &b.name,
    ])?;
    a.run(&["ip", "link", "set", if_a, "up"])?;
    b.run(&["ip", "link", "set", if_b, "up"])?;
    Ok(())
}

/// `<prefix><pid in hex>-<n in hex>`, with the prefix cut so the whole name
/// is at most [`MAX_NAME_LEN`] bytes and made of `[A-Za-z0-9-]`.
fn unique_name(prefix: &str, pid: u32, n: u32) -> String {
    let suffix = format!("{pid:x}-{n:x}");
    let room = MAX_NAME_LEN.saturating_sub(suffix.len());
    let prefix: String = prefix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(room)
        .collect();
    format!("{prefix}{suffix}")
}

/// Runs `ip args` in the current namespace; a non-zero exit is an error.
fn ip(args: &[&str]) -> io::Result<Output> {
    let mut cmd = Command::new("ip");
    cmd.args(args);
    checked_output(cmd, &format!("ip {}", args.join(" ")))
}

fn checked_output(mut cmd: Command, what: &str) -> io::Result<Output> {
    let out = cmd
        .output()
        .map_err(|e| io::Error::new(e.kind(), format!("{what}: {e}")))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(io::Error::other(format!(
            "{what}: {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_and_stay_unique() {
        assert_eq!(unique_name("dhcp", 0x1234, 0), "dhcp1234-0");
        let long = unique_name("a-very-long-prefix", 4_194_304, 0xffff_ffff);
        assert!(long.len() <= MAX_NAME_LEN, "{long}");
        assert!(long.ends_with("400000-ffffffff"), "{long}");
        assert_eq!(unique_name("we!rd/ns", 1, 2), "werdns1-2");
        assert_ne!(unique_name("x", 7, 1), unique_name("x", 7, 2));
        assert_ne!(unique_name("x", 7, 1), unique_name("x", 8, 1));
    }
}
