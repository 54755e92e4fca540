//! Errors of this crate that are not plain [`std::io::Error`]s.

use crate::Mode;

/// An endpoint or mode string that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// No `scheme:` prefix.
    #[error("`{0}` has no scheme: write unix:PATH, tcp:HOST:PORT or udp:HOST:PORT")]
    NoScheme(String),
    /// A scheme other than `unix`, `tcp`, `udp`.
    #[error("unknown scheme `{0}`: expected unix, tcp or udp")]
    UnknownScheme(String),
    /// An address that does not resolve, or an empty path.
    #[error("bad address `{0}`")]
    BadAddress(String),
    /// A mode other than `stream`, `socket`, `dgram`.
    #[error("unknown mode `{0}`: expected stream, socket or dgram")]
    UnknownMode(String),
    /// TCP with `dgram` or UDP with `stream`.
    #[error("a {0} endpoint cannot carry mode {1}")]
    ModeMismatch(&'static str, Mode),
}
