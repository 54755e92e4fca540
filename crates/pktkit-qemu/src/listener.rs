//! [`Listener`]: a stream or datagram listener chosen at run time (from a
//! configuration file's `listen` and `mode`).

use std::io;
use std::sync::Arc;

use pktkit_core::{L2Acceptor, L2Device};

use crate::{DgramListener, Endpoint, ListenerStats, Mode, QemuConfig, StreamListener};

/// Either kind of QEMU listener, behind one [`L2Acceptor`].
#[derive(Debug)]
pub enum Listener {
    /// `-netdev stream` / `socket` guests.
    Stream(StreamListener),
    /// `-netdev dgram` guests.
    Dgram(DgramListener),
}

impl Listener {
    /// Binds `endpoint` for guests using `mode` (TCP only streams, UDP only
    /// datagrams, unix either).
    pub fn bind(endpoint: &Endpoint, mode: Mode, cfg: QemuConfig) -> io::Result<Listener> {
        endpoint
            .check_mode(mode)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(match mode {
            Mode::Stream => Listener::Stream(StreamListener::bind(endpoint, cfg)?),
            Mode::Dgram => Listener::Dgram(DgramListener::bind(endpoint, cfg)?),
        })
    }

    /// The bound endpoint (a port 0 replaced by the real one).
    pub fn endpoint(&self) -> &Endpoint {
        match self {
            Listener::Stream(l) => l.endpoint(),
            Listener::Dgram(l) => l.endpoint(),
        }
    }

    /// The listener's mode.
    pub fn mode(&self) -> Mode {
        match self {
            Listener::Stream(_) => Mode::Stream,
            Listener::Dgram(_) => Mode::Dgram,
        }
    }

    /// The `-netdev` value a guest with netdev id `id` uses to reach this
    /// listener (see [`Endpoint::qemu_netdev`]).
    pub fn qemu_netdev(&self, id: &str) -> String {
        self.endpoint().qemu_netdev(self.mode(), id)
    }

    /// Guest-level counts.
    pub fn stats(&self) -> ListenerStats {
        match self {
            Listener::Stream(l) => l.stats(),
            Listener::Dgram(l) => l.stats(),
        }
    }
}

impl L2Acceptor for Listener {
    fn accept_l2(&self) -> io::Result<Arc<dyn L2Device>> {
        match self {
            Listener::Stream(l) => l.accept_l2(),
            Listener::Dgram(l) => l.accept_l2(),
        }
    }

    fn close(&self) -> io::Result<()> {
        match self {
            Listener::Stream(l) => L2Acceptor::close(l),
            Listener::Dgram(l) => L2Acceptor::close(l),
        }
    }
}
