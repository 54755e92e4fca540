//! [`Error`]: why a connection failed or an operation was refused.

/// A connection error. Fatal ones (reset, timeout, refused) are sticky: once
/// reported, every later `send`/`recv` returns the same error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The peer reset the connection (RST in a synchronized state).
    #[error("connection reset by peer")]
    ConnectionReset,
    /// The peer refused the connection (RST in answer to our SYN).
    #[error("connection refused")]
    ConnectionRefused,
    /// Retransmissions, SYN retries or keepalive probes ran out.
    #[error("connection timed out")]
    TimedOut,
    /// The operation is not allowed in the connection's current state (e.g.
    /// `send` after `close`).
    #[error("operation not allowed in this connection state")]
    InvalidState,
    /// The peer closed its sending direction and every byte it sent was read.
    #[error("the peer finished sending")]
    Finished,
    /// The connection was aborted locally.
    #[error("connection aborted")]
    Aborted,
}
