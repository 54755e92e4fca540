//! [`Event`]: what a connection tells its application.

use crate::Error;

/// An application-visible event, from [`crate::Connection::poll_event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The handshake completed.
    Connected,
    /// In-order data is waiting in the receive buffer.
    Readable,
    /// Send buffer space became free.
    Writable,
    /// The peer sent FIN and everything before it was received; `recv` drains
    /// the rest and then returns [`Error::Finished`].
    PeerFinished,
    /// The connection is over. `None`: closed normally (or aborted by us);
    /// `Some`: failed (reset, refused, timed out).
    Closed(Option<Error>),
}
