//! [`Offloads`]: which segmentation and checksum offloads the kernel may hand a
//! TAP/TUN (the `TUN_F_*` bits of `TUNSETOFFLOAD`).

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

/// A set of `TUN_F_*` offload bits. They only take effect with a virtio-net
/// header (`vnet_hdr(true)`): they tell the kernel that this side copes with
/// partial checksums (`CSUM`) and with large segments (`TSO4`, `TSO6`, …).
///
/// ```
/// use pktkit_tuntap::Offloads;
/// let o = Offloads::CSUM | Offloads::TSO4 | Offloads::TSO6;
/// assert!(o.contains(Offloads::TSO4));
/// assert!(!o.contains(Offloads::USO4));
/// assert_eq!(o.to_string(), "csum|tso4|tso6");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Offloads(u32);

impl Offloads {
    /// No offloads: every frame arrives complete and wire-sized.
    pub const NONE: Offloads = Offloads(0);
    /// `TUN_F_CSUM`: frames may arrive with a partial transport checksum.
    pub const CSUM: Offloads = Offloads(libc::TUN_F_CSUM);
    /// `TUN_F_TSO4`: TCP/IPv4 segments larger than the MTU (needs `CSUM`).
    pub const TSO4: Offloads = Offloads(libc::TUN_F_TSO4);
    /// `TUN_F_TSO6`: TCP/IPv6 segments larger than the MTU (needs `CSUM`).
    pub const TSO6: Offloads = Offloads(libc::TUN_F_TSO6);
    /// `TUN_F_TSO_ECN`: TSO segments with CWR set.
    pub const TSO_ECN: Offloads = Offloads(libc::TUN_F_TSO_ECN);
    /// `TUN_F_USO4`: UDP/IPv4 segmentation (needs `CSUM`; the kernel takes it
    /// only together with `USO6`).
    pub const USO4: Offloads = Offloads(libc::TUN_F_USO4);
    /// `TUN_F_USO6`: UDP/IPv6 segmentation (needs `CSUM`, and `USO4` with it).
    pub const USO6: Offloads = Offloads(libc::TUN_F_USO6);
    /// What this crate can segment in software: checksum, TSO v4/v6 (+ECN), USO v4/v6.
    pub const ALL: Offloads = Offloads(
        libc::TUN_F_CSUM
            | libc::TUN_F_TSO4
            | libc::TUN_F_TSO6
            | libc::TUN_F_TSO_ECN
            | libc::TUN_F_USO4
            | libc::TUN_F_USO6,
    );

    /// The raw `TUN_F_*` bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// True when every bit of `other` is set.
    pub const fn contains(self, other: Offloads) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets together (`|` in a `const`).
    pub const fn union(self, other: Offloads) -> Offloads {
        Offloads(self.0 | other.0)
    }

    /// True when no bit is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl BitOr for Offloads {
    type Output = Offloads;
    fn bitor(self, o: Offloads) -> Offloads {
        Offloads(self.0 | o.0)
    }
}

impl BitOrAssign for Offloads {
    fn bitor_assign(&mut self, o: Offloads) {
        self.0 |= o.0;
    }
}

impl fmt::Display for Offloads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(Offloads, &str); 6] = [
            (Offloads::CSUM, "csum"),
            (Offloads::TSO4, "tso4"),
            (Offloads::TSO6, "tso6"),
            (Offloads::TSO_ECN, "tso_ecn"),
            (Offloads::USO4, "uso4"),
            (Offloads::USO6, "uso6"),
        ];
        let mut first = true;
        for (bit, name) in NAMES {
            if self.contains(bit) {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Offloads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Offloads({self})")
    }
}

/// What the receive path did with offloaded frames, since the device opened.
///
/// ```
/// let s = pktkit_tuntap::OffloadStats::default();
/// assert_eq!(s.gso_frames, 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OffloadStats {
    /// Large segments (GSO/TSO/USO) received from the kernel.
    pub gso_frames: u64,
    /// Wire-sized frames cut from them in software.
    pub segments: u64,
    /// Large segments handed whole to a GSO handler.
    pub passed_whole: u64,
    /// Partial checksums completed in software.
    pub checksums_completed: u64,
    /// Largest frame received (bytes, without the virtio-net header).
    pub largest_frame: u64,
}

/// The live counters behind [`OffloadStats`].
#[derive(Debug, Default)]
pub(crate) struct OffloadCounters {
    pub(crate) gso_frames: std::sync::atomic::AtomicU64,
    pub(crate) segments: std::sync::atomic::AtomicU64,
    pub(crate) passed_whole: std::sync::atomic::AtomicU64,
    pub(crate) checksums_completed: std::sync::atomic::AtomicU64,
    pub(crate) largest_frame: std::sync::atomic::AtomicU64,
}

impl OffloadCounters {
    pub(crate) fn snapshot(&self) -> OffloadStats {
        use std::sync::atomic::Ordering::Relaxed;
        OffloadStats {
            gso_frames: self.gso_frames.load(Relaxed),
            segments: self.segments.load(Relaxed),
            passed_whole: self.passed_whole.load(Relaxed),
            checksums_completed: self.checksums_completed.load(Relaxed),
            largest_frame: self.largest_frame.load(Relaxed),
        }
    }

    pub(crate) fn bump(c: &std::sync::atomic::AtomicU64) {
        c.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}
