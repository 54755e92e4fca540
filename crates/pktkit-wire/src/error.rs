//! The one error type of the codecs.
//!
//! Every fallible parse in this crate returns [`WireError`]. It says *why* bytes
//! were rejected in a word a log line or a JSON field can carry; the layer that
//! failed is known to the caller (it called that layer's parser).

use core::fmt;

/// Why bytes could not be read as (or written into) a wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WireError {
    /// The buffer is shorter than the fixed header, or than a length field says.
    Truncated,
    /// A length field is impossible (e.g. IPv4 IHL < 5, total length below the header).
    BadLength,
    /// The version field is not the one this codec reads.
    BadVersion,
    /// An option, TLV or extension header is malformed.
    BadOption,
    /// A field holds a value the format forbids.
    BadField,
    /// A checksum did not verify (only from explicit `verify_*` calls).
    BadChecksum,
    /// Well-formed, but a kind this codec does not handle.
    Unsupported,
    /// The output buffer is too small for what is being emitted.
    BufferTooSmall,
}

impl WireError {
    /// A short, stable, lower-case name for logs and JSON (`"truncated"`, `"bad length"`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            WireError::Truncated => "truncated",
            WireError::BadLength => "bad length",
            WireError::BadVersion => "bad version",
            WireError::BadOption => "bad option",
            WireError::BadField => "bad field",
            WireError::BadChecksum => "bad checksum",
            WireError::Unsupported => "unsupported",
            WireError::BufferTooSmall => "buffer too small",
        }
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for WireError {}

/// `Result` with [`WireError`].
pub type Result<T> = core::result::Result<T, WireError>;
