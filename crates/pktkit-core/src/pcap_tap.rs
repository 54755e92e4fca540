//! [`PcapTap`]: capture what a device sends and receives to a pcapng file.
//!
//! The tap wraps any [`L2Device`] (link type Ethernet) or [`L3Device`] (link
//! type raw IP) and behaves as that device. Each frame is copied into a pool
//! buffer and handed over a bounded channel to a writer thread, which writes
//! Enhanced Packet Blocks with the direction flag set (inbound = received,
//! outbound = sent); Wireshark and tshark show it. The data path never waits
//! on the disk: when the channel is full the copy is dropped and counted
//! ([`PcapTap::dropped`]). Not a filter: everything is captured, whole.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use crossbeam_channel::{Sender, bounded};
use pktkit_wire::pcap::LinkType;
use pktkit_wire::pcapng::{Direction, PcapngWriter};
use pktkit_wire::{Frame, IpPrefix, MacAddr, Packet};

use crate::{
    BufferPool, DeviceCounters, Done, L2Device, L2Handler, L3Device, L3Handler, OwnedPoolBuf,
};

/// Default capacity of the queue to the writer thread, in packets.
pub const DEFAULT_TAP_QUEUE: usize = 4096;
const POOL_BUF: usize = 2048;

enum Data {
    Pooled(OwnedPoolBuf),
    Heap(Vec<u8>),
}

impl Data {
    fn bytes(&self) -> &[u8] {
        match self {
            Data::Pooled(b) => b,
            Data::Heap(v) => v,
        }
    }
}

enum Msg {
    Packet {
        dir: Direction,
        ts_nanos: u64,
        data: Data,
    },
    Flush(Sender<io::Result<()>>),
    Stop,
}

struct Capture {
    queue: Sender<Msg>,
    pool: Arc<BufferPool>,
    captured: AtomicU64,
    dropped: AtomicU64,
    stopped: AtomicBool,
}

impl Capture {
    #[inline]
    fn record(&self, dir: Direction, bytes: &[u8]) {
        if self.stopped.load(Relaxed) {
            return;
        }
        let ts_nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let data = if bytes.len() <= POOL_BUF {
            match self.pool.try_take_owned() {
                Some(mut b) => {
                    b.fill_from(bytes);
                    Data::Pooled(b)
                }
                None => {
                    self.dropped.fetch_add(1, Relaxed);
                    return;
                }
            }
        } else {
            Data::Heap(bytes.to_vec())
        };
        match self.queue.try_send(Msg::Packet {
            dir,
            ts_nanos,
            data,
        }) {
            Ok(()) => {
                self.captured.fetch_add(1, Relaxed);
            }
            Err(_) => {
                self.dropped.fetch_add(1, Relaxed);
            }
        }
    }
}

/// A device that writes a pcapng capture of its traffic (EPB direction flags:
/// inbound = received, outbound = sent) through a bounded queue to a writer
/// thread; when the queue is full the copy is dropped and counted
/// ([`PcapTap::dropped`]), so the data path never waits on the disk.
///
/// ```
/// use pktkit_core::{L2Device, PcapTap, PipeL2};
/// use pktkit_wire::{Frame, MacAddr};
///
/// let (a, b) = PipeL2::pair(MacAddr::new(2, 0, 0, 0, 0, 1), MacAddr::new(2, 0, 0, 0, 0, 2));
/// let file = std::env::temp_dir().join(format!("pktkit-doc-{}.pcapng", std::process::id()));
/// let tap = PcapTap::l2(a, std::fs::File::create(&file).unwrap()).unwrap();
/// tap.send(Frame::parse(&[0xffu8; 60]).unwrap()).unwrap();
/// tap.finish().unwrap();
/// assert_eq!(tap.captured(), 1);
/// # std::fs::remove_file(&file).unwrap();
/// # drop(b);
/// ```
pub struct PcapTap<D> {
    inner: D,
    capture: Arc<Capture>,
    writer: Mutex<Option<JoinHandle<io::Result<()>>>>,
}

impl<D> PcapTap<D> {
    fn start<W: Write + Send + 'static>(
        inner: D,
        out: W,
        link: LinkType,
        queue: usize,
    ) -> io::Result<Self> {
        let mut w = PcapngWriter::new(io::BufWriter::new(out))?;
        let iface = w.add_interface(link)?;
        let (tx, rx) = bounded::<Msg>(queue.max(1));
        let writer = std::thread::Builder::new()
            .name("pktkit-pcap-tap".into())
            .spawn(move || {
                let mut result = Ok(());
                for msg in rx {
                    match msg {
                        Msg::Packet {
                            dir,
                            ts_nanos,
                            data,
                        } => {
                            if result.is_ok() {
                                result = w.write_packet(iface, ts_nanos, data.bytes(), dir, None);
                            }
                        }
                        Msg::Flush(ack) => {
                            let r = match &result {
                                Ok(()) => w.flush(),
                                Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
                            };
                            let _ = ack.send(r);
                        }
                        Msg::Stop => break,
                    }
                }
                result.and_then(|()| w.flush())
            })?;
        Ok(PcapTap {
            inner,
            capture: Arc::new(Capture {
                queue: tx,
                pool: Arc::new(BufferPool::new(POOL_BUF, queue.clamp(1, 1024))),
                captured: AtomicU64::new(0),
                dropped: AtomicU64::new(0),
                stopped: AtomicBool::new(false),
            }),
            writer: Mutex::new(Some(writer)),
        })
    }

    /// Packets queued for writing so far.
    pub fn captured(&self) -> u64 {
        self.capture.captured.load(Relaxed)
    }

    /// Packets not captured because the writer fell behind.
    pub fn dropped(&self) -> u64 {
        self.capture.dropped.load(Relaxed)
    }

    /// The wrapped device.
    pub fn inner(&self) -> &D {
        &self.inner
    }

    /// Waits until everything captured so far is written and flushed.
    pub fn flush(&self) -> io::Result<()> {
        let (ack, done) = bounded(1);
        self.capture
            .queue
            .send(Msg::Flush(ack))
            .map_err(|_| io::Error::other("pcap writer stopped"))?;
        done.recv()
            .map_err(|_| io::Error::other("pcap writer stopped"))?
    }

    /// Writes out everything captured so far and stops the writer; later
    /// traffic still flows through the device but is no longer captured.
    /// Returns the first write error, if any. Dropping the tap does this too.
    pub fn finish(&self) -> io::Result<()> {
        let Some(handle) = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        else {
            return Ok(());
        };
        self.capture.stopped.store(true, Relaxed);
        let _ = self.capture.queue.send(Msg::Stop);
        handle
            .join()
            .map_err(|_| io::Error::other("pcap writer panicked"))?
    }
}

impl<D> Drop for PcapTap<D> {
    fn drop(&mut self) {
        if let Err(e) = self.finish() {
            tracing::warn!(error = %e, "pcap capture incomplete");
        }
    }
}

impl<D: L2Device> PcapTap<D> {
    /// Captures `inner`'s frames into `out` (link type Ethernet), with the
    /// default queue of [`DEFAULT_TAP_QUEUE`] packets.
    pub fn l2<W: Write + Send + 'static>(inner: D, out: W) -> io::Result<Self> {
        Self::start(inner, out, LinkType::ETHERNET, DEFAULT_TAP_QUEUE)
    }

    /// [`PcapTap::l2`] with a queue of `queue` packets.
    pub fn l2_with_queue<W: Write + Send + 'static>(
        inner: D,
        out: W,
        queue: usize,
    ) -> io::Result<Self> {
        Self::start(inner, out, LinkType::ETHERNET, queue)
    }
}

impl<D: L3Device> PcapTap<D> {
    /// Captures `inner`'s packets into `out` (link type raw IP).
    pub fn l3<W: Write + Send + 'static>(inner: D, out: W) -> io::Result<Self> {
        Self::start(inner, out, LinkType::RAW, DEFAULT_TAP_QUEUE)
    }
}

impl<D> fmt::Debug for PcapTap<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PcapTap")
            .field("captured", &self.captured())
            .field("dropped", &self.dropped())
            .finish()
    }
}

impl<D: L2Device> L2Device for PcapTap<D> {
    fn send(&self, frame: &Frame) -> io::Result<()> {
        self.capture.record(Direction::Outbound, frame.as_bytes());
        self.inner.send(frame)
    }

    fn set_handler(&self, handler: L2Handler) {
        let cap = self.capture.clone();
        self.inner.set_handler(Arc::new(move |f: &Frame| {
            cap.record(Direction::Inbound, f.as_bytes());
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

impl<D: L3Device> L3Device for PcapTap<D> {
    fn send(&self, packet: &Packet) -> io::Result<()> {
        self.capture.record(Direction::Outbound, packet.as_bytes());
        self.inner.send(packet)
    }

    fn set_handler(&self, handler: L3Handler) {
        let cap = self.capture.clone();
        self.inner.set_handler(Arc::new(move |p: &Packet| {
            cap.record(Direction::Inbound, p.as_bytes());
            handler(p)
        }));
    }

    fn addrs(&self) -> Vec<IpPrefix> {
        self.inner.addrs()
    }

    fn set_addrs(&self, addrs: &[IpPrefix]) -> io::Result<()> {
        self.inner.set_addrs(addrs)
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
