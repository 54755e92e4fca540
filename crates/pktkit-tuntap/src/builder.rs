//! [`TapBuilder`] and [`TunBuilder`]: how a TAP or TUN is opened (name, queues,
//! virtio-net header, offloads, persistence, owner) and the `/dev/net/tun`
//! dance that does it.
//!
//! Not for: interface addresses, MTU or link state; those are
//! [`crate::Netlink`]'s job once the device exists.

use std::os::fd::OwnedFd;

use nix::errno::Errno;
use nix::fcntl::{OFlag, open};
use nix::sys::stat::Mode;

use crate::error::{Error, Result};
use crate::offload::Offloads;
use crate::sys;
use crate::{Tap, Tun};

/// Whether opening may create the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OpenMode {
    /// Attach to the interface if it exists (a persistent one), else create it.
    #[default]
    OpenOrCreate,
    /// Create the interface; fail with [`Error::NameInUse`] if the name is taken.
    Create,
    /// Attach to an existing (persistent) interface; fail if there is none.
    Existing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Tap,
    Tun,
}

/// Settings shared by both builders.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) name: String,
    pub(crate) queues: usize,
    pub(crate) vnet_hdr: bool,
    pub(crate) vnet_hdr_len: usize,
    pub(crate) offloads: Offloads,
    pub(crate) persist: Option<bool>,
    pub(crate) owner: Option<u32>,
    pub(crate) group: Option<u32>,
    pub(crate) mode: OpenMode,
}

impl Config {
    fn new(name: &str) -> Config {
        Config {
            name: name.to_owned(),
            queues: 1,
            vnet_hdr: false,
            vnet_hdr_len: pktkit_wire::virtio_net::MRG_RXBUF_HEADER_LEN,
            offloads: Offloads::NONE,
            persist: None,
            owner: None,
            group: None,
            mode: OpenMode::OpenOrCreate,
        }
    }
}

/// The opened queues of one interface.
#[derive(Debug)]
pub(crate) struct Opened {
    pub(crate) name: String,
    pub(crate) fds: Vec<OwnedFd>,
    /// Virtio-net header length, 0 without `IFF_VNET_HDR`.
    pub(crate) hdr_len: usize,
    pub(crate) offloads: Offloads,
}

/// Checks an interface name as the kernel's `dev_valid_name` does.
pub(crate) fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= sys::IFNAMSIZ_MAX
        && name != "."
        && name != ".."
        && !name
            .bytes()
            .any(|b| b == b'/' || b == b':' || b == 0 || b.is_ascii_whitespace());
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidName { name: name.into() })
    }
}

fn open_clone_device() -> Result<OwnedFd> {
    match open(
        sys::TUN_PATH,
        OFlag::O_RDWR | OFlag::O_CLOEXEC | OFlag::O_NONBLOCK,
        Mode::empty(),
    ) {
        Ok(fd) => Ok(fd),
        Err(Errno::ENOENT) | Err(Errno::ENXIO) | Err(Errno::ENODEV) => Err(Error::NoTunDevice),
        Err(e) => Err(Error::sys("open /dev/net/tun", e)),
    }
}

fn interface_exists(name: &str) -> bool {
    nix::net::if_::if_nametoindex(name).is_ok()
}

pub(crate) fn open_queues(kind: Kind, c: &Config) -> Result<Opened> {
    check_name(&c.name)?;
    if c.queues == 0 {
        return Err(Error::Config("queues must be at least 1"));
    }
    if !c.offloads.is_empty() && !c.vnet_hdr {
        return Err(Error::Config("offloads need vnet_hdr(true)"));
    }
    if c.vnet_hdr
        && !(pktkit_wire::virtio_net::HEADER_LEN..=crate::queue::MAX_HDR_LEN)
            .contains(&c.vnet_hdr_len)
    {
        return Err(Error::Config(
            "the virtio-net header is 10 to 64 bytes long",
        ));
    }
    let o = c.offloads;
    if o.contains(Offloads::USO4) != o.contains(Offloads::USO6) {
        return Err(Error::Config(
            "USO4 and USO6 go together: the kernel takes both or neither",
        ));
    }
    if !o.is_empty() && !o.contains(Offloads::CSUM) {
        return Err(Error::Config(
            "TSO/USO offloads need Offloads::CSUM (large segments carry partial checksums)",
        ));
    }
    let exists = interface_exists(&c.name);
    match c.mode {
        OpenMode::Create if exists => {
            return Err(Error::NameInUse {
                name: c.name.clone(),
            });
        }
        OpenMode::Existing if !exists => {
            return Err(Error::Io {
                op: "open existing interface",
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!(
                        "no interface named {:?}: create it first (OpenMode::Create)",
                        c.name
                    ),
                ),
            });
        }
        _ => {}
    }
    let mut flags = libc::IFF_NO_PI
        | match kind {
            Kind::Tap => libc::IFF_TAP,
            Kind::Tun => libc::IFF_TUN,
        };
    if c.queues > 1 {
        flags |= libc::IFF_MULTI_QUEUE;
    }
    if c.vnet_hdr {
        flags |= libc::IFF_VNET_HDR;
    }
    if c.mode == OpenMode::Create {
        flags |= libc::IFF_TUN_EXCL;
    }
    let mut fds = Vec::with_capacity(c.queues);
    let mut name = c.name.clone();
    for i in 0..c.queues {
        let fd = open_clone_device()?;
        if i == 0 {
            let features = sys::tungetfeatures(&fd).map_err(|e| Error::sys("TUNGETFEATURES", e))?;
            let need = [
                (
                    libc::IFF_MULTI_QUEUE,
                    c.queues > 1,
                    "multi-queue (IFF_MULTI_QUEUE)",
                ),
                (
                    libc::IFF_VNET_HDR,
                    c.vnet_hdr,
                    "virtio-net headers (IFF_VNET_HDR)",
                ),
            ];
            for (bit, wanted, feature) in need {
                if wanted && features & bit as libc::c_uint == 0 {
                    return Err(Error::Unsupported { feature });
                }
            }
        }
        name = match sys::tunsetiff(&fd, &name, flags) {
            Ok(n) => n,
            Err(Errno::EBUSY) | Err(Errno::EEXIST) => {
                return Err(Error::NameInUse {
                    name: c.name.clone(),
                });
            }
            // EINVAL: the interface exists with other flags (TAP vs TUN, queues, vnet_hdr).
            Err(Errno::EINVAL) if exists => {
                return Err(Error::NameInUse {
                    name: c.name.clone(),
                });
            }
            Err(e) => return Err(Error::sys("TUNSETIFF", e)),
        };
        if i == 0 {
            // Devices opened now and then may carry other settings; set all we own.
            if c.vnet_hdr {
                sys::tunsetvnethdrsz(&fd, c.vnet_hdr_len)
                    .map_err(|e| Error::sys("TUNSETVNETHDRSZ", e))?;
                // Little-endian headers on every host (the default on little-endian
                // ones, where the call may be refused as unneeded).
                if let Err(e) = sys::tunsetvnetle(&fd)
                    && cfg!(target_endian = "big")
                {
                    return Err(Error::sys("TUNSETVNETLE", e));
                }
            }
            if c.vnet_hdr {
                sys::tunsetoffload(&fd, c.offloads.bits()).map_err(|e| match e {
                    Errno::EINVAL => Error::Unsupported {
                        feature: "the requested offloads (TUNSETOFFLOAD refused them)",
                    },
                    e => Error::sys("TUNSETOFFLOAD", e),
                })?;
            }
            if let Some(uid) = c.owner {
                sys::tunsetowner(&fd, uid).map_err(|e| Error::sys("TUNSETOWNER", e))?;
            }
            if let Some(gid) = c.group {
                sys::tunsetgroup(&fd, gid).map_err(|e| Error::sys("TUNSETGROUP", e))?;
            }
            if let Some(p) = c.persist {
                sys::tunsetpersist(&fd, p).map_err(|e| Error::sys("TUNSETPERSIST", e))?;
            }
        }
        fds.push(fd);
    }
    Ok(Opened {
        name,
        fds,
        hdr_len: if c.vnet_hdr { c.vnet_hdr_len } else { 0 },
        offloads: c.offloads,
    })
}

macro_rules! builder_setters {
    () => {
        /// Number of queues (default 1). Above 1 the interface is created with
        /// `IFF_MULTI_QUEUE` and each queue gets its own reader thread; the kernel
        /// spreads flows over the queues by hash.
        pub fn queues(mut self, n: usize) -> Self {
            self.c.queues = n;
            self
        }

        /// Exchange a virtio-net header with every frame (`IFF_VNET_HDR`, default
        /// off). Needed for [`offloads`](Self::offloads).
        pub fn vnet_hdr(mut self, on: bool) -> Self {
            self.c.vnet_hdr = on;
            self
        }

        /// The virtio-net header length: 10, 12 (default, virtio 1.x layout) or longer.
        pub fn vnet_hdr_len(mut self, len: usize) -> Self {
            self.c.vnet_hdr_len = len;
            self
        }

        /// Offloads to accept from the kernel (`TUNSETOFFLOAD`; needs `vnet_hdr`).
        /// Large segments then arrive whole; unless a GSO handler takes them they
        /// are cut in software before the frame handler sees them.
        pub fn offloads(mut self, o: $crate::Offloads) -> Self {
            self.c.offloads = o;
            self
        }

        /// Make the interface persistent (it outlives this process) or not.
        /// Unset (default) leaves the flag as it is.
        pub fn persist(mut self, on: bool) -> Self {
            self.c.persist = Some(on);
            self
        }

        /// Let user `uid` open the interface without `CAP_NET_ADMIN` (`TUNSETOWNER`).
        pub fn owner(mut self, uid: u32) -> Self {
            self.c.owner = Some(uid);
            self
        }

        /// Let group `gid` open the interface without `CAP_NET_ADMIN` (`TUNSETGROUP`).
        pub fn group(mut self, gid: u32) -> Self {
            self.c.group = Some(gid);
            self
        }

        /// Whether to create, attach, or either (default).
        pub fn mode(mut self, mode: $crate::OpenMode) -> Self {
            self.c.mode = mode;
            self
        }
    };
}

/// Opens a [`Tap`].
///
/// ```no_run
/// use pktkit_tuntap::{Offloads, TapBuilder};
/// let tap = TapBuilder::new("pk0")
///     .queues(2)
///     .vnet_hdr(true)
///     .offloads(Offloads::CSUM | Offloads::TSO4 | Offloads::TSO6)
///     .open()?;
/// # Ok::<(), pktkit_tuntap::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TapBuilder {
    c: Config,
    mac: Option<pktkit_wire::MacAddr>,
}

impl TapBuilder {
    /// A builder for interface `name` (at most 15 bytes; a `%d` in it lets the
    /// kernel pick a number, e.g. `"pk%d"`).
    pub fn new(name: &str) -> Self {
        TapBuilder {
            c: Config::new(name),
            mac: None,
        }
    }

    builder_setters!();

    /// The MAC address of *our* side (what [`pktkit_core::L2Device::hw_addr`]
    /// returns; the kernel interface keeps its own). Default: a random locally
    /// administered address.
    pub fn mac(mut self, mac: pktkit_wire::MacAddr) -> Self {
        self.mac = Some(mac);
        self
    }

    /// Opens (or creates) the interface and starts one reader thread per queue.
    pub fn open(self) -> Result<Tap> {
        let o = open_queues(Kind::Tap, &self.c)?;
        Tap::start(o, self.mac.unwrap_or_else(random_mac))
    }
}

/// Opens a [`Tun`].
///
/// ```no_run
/// use pktkit_tuntap::TunBuilder;
/// let tun = TunBuilder::new("pk1").queues(4).open()?;
/// # Ok::<(), pktkit_tuntap::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TunBuilder {
    c: Config,
}

impl TunBuilder {
    /// A builder for interface `name`; see [`TapBuilder::new`].
    pub fn new(name: &str) -> Self {
        TunBuilder {
            c: Config::new(name),
        }
    }

    builder_setters!();

    /// Opens (or creates) the interface and starts one reader thread per queue.
    pub fn open(self) -> Result<Tun> {
        let o = open_queues(Kind::Tun, &self.c)?;
        Tun::start(o)
    }
}

/// A random locally administered unicast MAC (02:xx:…), from the kernel's RNG.
fn random_mac() -> pktkit_wire::MacAddr {
    let mut b = [0u8; 6];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b))
        .is_err()
    {
        // No /dev/urandom: mix the pid and the time; uniqueness only matters locally.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let x = (t as u64) ^ ((std::process::id() as u64) << 32);
        b.copy_from_slice(&x.to_le_bytes()[..6]);
    }
    b[0] = (b[0] & 0xfe) | 0x02;
    pktkit_wire::MacAddr(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_like_the_kernel() {
        for ok in ["pk0", "a", "tap-123_x.y", "fifteen_chars_x", "pk%d"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "sixteen_chars_xx",
            "a/b",
            "a:b",
            "a b",
            "a\0b",
        ] {
            assert!(
                matches!(check_name(bad), Err(Error::InvalidName { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn bad_configs_fail_before_touching_the_os() {
        let c = Config {
            queues: 0,
            ..Config::new("pk0")
        };
        assert!(matches!(open_queues(Kind::Tap, &c), Err(Error::Config(_))));
        let bad = [
            (false, Offloads::CSUM),                 // offloads without vnet_hdr
            (true, Offloads::TSO4),                  // TSO without CSUM
            (true, Offloads::CSUM | Offloads::USO4), // USO4 without USO6
        ];
        for (vnet_hdr, offloads) in bad {
            let c = Config {
                vnet_hdr,
                offloads,
                ..Config::new("pk0")
            };
            assert!(
                matches!(open_queues(Kind::Tap, &c), Err(Error::Config(_))),
                "{offloads}"
            );
        }
    }

    #[test]
    fn random_macs_are_local_unicast() {
        let m = random_mac();
        assert_eq!(m.0[0] & 0x03, 0x02);
    }
}
