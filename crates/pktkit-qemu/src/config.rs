//! [`QemuConfig`]: the limits a listener or dialer puts on its guests.

use std::time::Duration;

/// The largest frame the QEMU stream protocol can carry here by default (and
/// QEMU's own `NET_BUFSIZE` is 68 KiB, so it never sends more).
pub const DEFAULT_MAX_FRAME: usize = 65_535;

/// Limits and policies for QEMU socket devices.
///
/// ```
/// use pktkit_qemu::QemuConfig;
/// let cfg = QemuConfig::default().with_pin_mac(true).with_max_guests(16);
/// assert!(cfg.pin_mac);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QemuConfig {
    /// Largest frame accepted from a guest (bytes, without the length
    /// prefix). On a stream a larger length (or 0) breaks the framing, so the
    /// connection is dropped; a larger datagram is dropped alone.
    pub max_frame: usize,
    /// Most guests one listener serves at once; more are refused (stream:
    /// hung up on; dgram: their datagrams dropped) and counted.
    pub max_guests: usize,
    /// Pin each guest's port to the first unicast source MAC it sends from:
    /// later frames from another source MAC are dropped (anti-spoofing).
    pub pin_mac: bool,
    /// Frames queued towards one guest before further ones are dropped (a
    /// guest that stops reading must not stall the sender, e.g. a hub).
    pub tx_queue: usize,
    /// A dgram guest that sends nothing for this long is considered gone
    /// (its [`pktkit_core::Done`] fires). Streams notice a hang-up by
    /// themselves. `None`: never.
    pub dgram_idle_timeout: Option<Duration>,
}

impl Default for QemuConfig {
    fn default() -> Self {
        QemuConfig {
            max_frame: DEFAULT_MAX_FRAME,
            max_guests: 256,
            pin_mac: false,
            tx_queue: 512,
            dgram_idle_timeout: None,
        }
    }
}

impl QemuConfig {
    /// Sets [`QemuConfig::max_frame`] (at least 14, the Ethernet header).
    #[must_use]
    pub fn with_max_frame(mut self, n: usize) -> Self {
        self.max_frame = n.max(14);
        self
    }
    /// Sets [`QemuConfig::max_guests`].
    #[must_use]
    pub fn with_max_guests(mut self, n: usize) -> Self {
        self.max_guests = n;
        self
    }
    /// Sets [`QemuConfig::pin_mac`].
    #[must_use]
    pub fn with_pin_mac(mut self, pin: bool) -> Self {
        self.pin_mac = pin;
        self
    }
    /// Sets [`QemuConfig::tx_queue`] (at least 1).
    #[must_use]
    pub fn with_tx_queue(mut self, n: usize) -> Self {
        self.tx_queue = n.max(1);
        self
    }
    /// Sets [`QemuConfig::dgram_idle_timeout`].
    #[must_use]
    pub fn with_dgram_idle_timeout(mut self, t: Option<Duration>) -> Self {
        self.dgram_idle_timeout = t;
        self
    }
}
