//! A switch's `pcap` capture for `pktkit up`: every frame that enters the
//! switch, from any port, is written once to one pcapng file.
//!
//! Each port's device is wrapped ([`SwitchCapture::port`]) so that what it
//! receives is also handed to a [`PcapTap`] in front of a device that
//! discards; the tap's writer thread does the file I/O, and drops (counted)
//! rather than slow the switch when the disk falls behind. Frames appear as
//! "outbound" in the file (sent to the capture). Not a filter.

use std::io;
use std::sync::Arc;

use pktkit_core::{Attachment, DeviceCounters, Done, L2Connector, L2Device, L2Handler, PcapTap};
use pktkit_wire::{Frame, MacAddr};

/// A device that takes frames and does nothing with them (the capture's sink).
#[derive(Debug)]
struct Discard;

impl L2Device for Discard {
    fn send(&self, _: &Frame) -> io::Result<()> {
        Ok(())
    }
    fn set_handler(&self, _: L2Handler) {}
    fn hw_addr(&self) -> MacAddr {
        MacAddr::ZERO
    }
    fn close(&self) -> io::Result<()> {
        Ok(())
    }
}

/// The capture of one switch.
#[derive(Debug)]
pub struct SwitchCapture {
    tap: Arc<PcapTap<Discard>>,
}

impl SwitchCapture {
    /// Starts writing a pcapng capture to `out`.
    pub fn new<W: io::Write + Send + 'static>(out: W) -> io::Result<SwitchCapture> {
        Ok(SwitchCapture {
            tap: Arc::new(PcapTap::l2(Discard, out)?),
        })
    }

    /// `dev`, with what it receives also captured.
    pub fn port(&self, dev: Arc<dyn L2Device>) -> Arc<dyn L2Device> {
        Arc::new(Captured {
            inner: dev,
            tap: self.tap.clone(),
        })
    }

    /// A connector attaching each device to `hub` through [`SwitchCapture::port`].
    pub fn connector(&self, hub: Arc<dyn L2Connector>) -> CapturingConnector {
        CapturingConnector {
            hub,
            tap: self.tap.clone(),
        }
    }

    /// Frames captured and frames dropped because the writer fell behind.
    pub fn counts(&self) -> (u64, u64) {
        (self.tap.captured(), self.tap.dropped())
    }

    /// Writes out what is queued and closes the capture.
    pub fn finish(&self) -> io::Result<()> {
        self.tap.finish()
    }
}

/// A port whose received frames are captured.
struct Captured {
    inner: Arc<dyn L2Device>,
    tap: Arc<PcapTap<Discard>>,
}

impl L2Device for Captured {
    fn send(&self, frame: &Frame) -> io::Result<()> {
        self.inner.send(frame)
    }
    fn send_batch(&self, frames: &[&Frame]) -> io::Result<usize> {
        self.inner.send_batch(frames)
    }
    fn set_handler(&self, handler: L2Handler) {
        let tap = self.tap.clone();
        self.inner.set_handler(Arc::new(move |f: &Frame| {
            let _ = tap.send(f);
            handler(f)
        }));
    }
    fn hw_addr(&self) -> MacAddr {
        self.inner.hw_addr()
    }
    fn close(&self) -> io::Result<()> {
        self.inner.close()
    }
    fn counters(&self) -> Option<&DeviceCounters> {
        self.inner.counters()
    }
    fn done(&self) -> Option<Done> {
        self.inner.done()
    }
}

/// [`L2Connector`] that captures each device it attaches (see [`SwitchCapture::connector`]).
pub struct CapturingConnector {
    hub: Arc<dyn L2Connector>,
    tap: Arc<PcapTap<Discard>>,
}

impl std::fmt::Debug for CapturingConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CapturingConnector").finish_non_exhaustive()
    }
}

impl L2Connector for CapturingConnector {
    fn connect_l2(&self, device: Arc<dyn L2Device>) -> io::Result<Attachment> {
        self.hub.connect_l2(Arc::new(Captured {
            inner: device,
            tap: self.tap.clone(),
        }))
    }
}
