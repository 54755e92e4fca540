//! The crate's error type: what went wrong opening or configuring a TAP/TUN,
//! worded so that the message says what to do about it.

use std::io;

use nix::errno::Errno;

/// An error from opening, configuring or driving a TAP/TUN device.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `/dev/net/tun` does not exist.
    #[error(
        "/dev/net/tun is missing: load the tun module (`modprobe tun`) or, in a container, \
         pass the device in (e.g. `--device /dev/net/tun`)"
    )]
    NoTunDevice,
    /// The caller lacks `CAP_NET_ADMIN` (or the device is owned by another user).
    #[error(
        "permission denied for {what}: run as root, grant CAP_NET_ADMIN \
         (`setcap cap_net_admin+ep BINARY`), or have root create a persistent device \
         owned by your user (TapBuilder::owner + persist)"
    )]
    PermissionDenied {
        /// The operation that was refused.
        what: String,
    },
    /// The interface name does not fit in `IFNAMSIZ` or has forbidden characters.
    #[error(
        "interface name {name:?} is invalid: use 1 to 15 bytes without '/', ':', whitespace or NUL"
    )]
    InvalidName {
        /// The name given.
        name: String,
    },
    /// The name is taken by an interface of another kind or with other flags.
    #[error(
        "interface {name:?} exists with another type or other flags (TAP vs TUN, \
         multi-queue, vnet_hdr) or is held by another process: pick another name, or \
         delete it (Netlink::delete_link) first"
    )]
    NameInUse {
        /// The name asked for.
        name: String,
    },
    /// The kernel's tun driver lacks a requested feature.
    #[error("the kernel's tun driver does not support {feature}")]
    Unsupported {
        /// What is missing.
        feature: &'static str,
    },
    /// The builder was given settings that do not go together.
    #[error("invalid configuration: {0}")]
    Config(&'static str),
    /// A netlink request failed.
    #[error("netlink {op} failed: {source}")]
    Netlink {
        /// The request (`"set link up"`, `"add address"`, …).
        op: &'static str,
        /// The kernel's answer.
        #[source]
        source: io::Error,
    },
    /// Any other system call failure.
    #[error("{op} failed: {source}")]
    Io {
        /// The call that failed.
        op: &'static str,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

impl Error {
    /// Wraps an errno from `op`, turning EPERM/EACCES into [`Error::PermissionDenied`].
    pub(crate) fn sys(op: &'static str, e: Errno) -> Error {
        match e {
            Errno::EPERM | Errno::EACCES => Error::PermissionDenied { what: op.into() },
            _ => Error::Io {
                op,
                source: io::Error::from(e),
            },
        }
    }

    /// Wraps a netlink failure, turning EPERM/EACCES into [`Error::PermissionDenied`].
    pub(crate) fn netlink(op: &'static str, e: io::Error) -> Error {
        match e.raw_os_error() {
            Some(libc::EPERM) | Some(libc::EACCES) => Error::PermissionDenied { what: op.into() },
            _ => Error::Netlink { op, source: e },
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        let kind = match &e {
            Error::NoTunDevice => io::ErrorKind::NotFound,
            Error::PermissionDenied { .. } => io::ErrorKind::PermissionDenied,
            Error::InvalidName { .. } | Error::Config(_) => io::ErrorKind::InvalidInput,
            Error::NameInUse { .. } => io::ErrorKind::AddrInUse,
            Error::Unsupported { .. } => io::ErrorKind::Unsupported,
            Error::Netlink { source, .. } | Error::Io { source, .. } => source.kind(),
        };
        io::Error::new(kind, e)
    }
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
