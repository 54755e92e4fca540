//! [`Endpoint`] and [`Mode`]: where a QEMU socket netdev lives and how it frames.
//!
//! An endpoint is written `unix:PATH`, `tcp:HOST:PORT` or `udp:HOST:PORT`
//! (the form `pktkit up`'s configuration uses). The mode says which QEMU
//! netdev talks to it: `stream` (also the legacy `socket`) or `dgram`. This
//! module only names things and prints QEMU arguments; it opens nothing.

use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::EndpointError;

/// A socket address QEMU and pktkit meet at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// A unix-domain socket path (stream or datagram).
    Unix(PathBuf),
    /// A TCP address (stream mode).
    Tcp(SocketAddr),
    /// A UDP address (dgram mode).
    Udp(SocketAddr),
}

/// How frames are carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `-netdev stream` and the legacy `-netdev socket`: each frame is
    /// preceded by its length as a 4-byte big-endian number.
    Stream,
    /// `-netdev dgram`: one frame per datagram, no header.
    Dgram,
}

impl FromStr for Mode {
    type Err = EndpointError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "stream" | "socket" => Ok(Mode::Stream),
            "dgram" => Ok(Mode::Dgram),
            other => Err(EndpointError::UnknownMode(other.to_string())),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Stream => "stream",
            Mode::Dgram => "dgram",
        })
    }
}

impl Endpoint {
    /// The mode this endpoint implies when none is given: `udp:` is dgram,
    /// `tcp:` stream, `unix:` stream.
    pub fn default_mode(&self) -> Mode {
        match self {
            Endpoint::Udp(_) => Mode::Dgram,
            _ => Mode::Stream,
        }
    }

    /// Checks that the endpoint can carry `mode` (TCP only streams, UDP only datagrams).
    pub fn check_mode(&self, mode: Mode) -> Result<(), EndpointError> {
        match (self, mode) {
            (Endpoint::Tcp(_), Mode::Dgram) => Err(EndpointError::ModeMismatch("tcp", mode)),
            (Endpoint::Udp(_), Mode::Stream) => Err(EndpointError::ModeMismatch("udp", mode)),
            _ => Ok(()),
        }
    }

    /// The unix socket path, if this is a unix endpoint.
    pub fn unix_path(&self) -> Option<&Path> {
        match self {
            Endpoint::Unix(p) => Some(p),
            _ => None,
        }
    }

    /// The QEMU `-netdev` value (without `-netdev`) of a guest that reaches a
    /// pktkit listener at this endpoint in `mode`, with netdev id `id`.
    ///
    /// A dgram guest also needs an address of its own, where pktkit answers:
    /// for unix it is `PATH.ID` beside the listener's socket, for UDP the same
    /// host with port 0 (the kernel picks one; pktkit learns it from the
    /// first datagram).
    ///
    /// ```
    /// use pktkit_qemu::{Endpoint, Mode};
    /// let ep: Endpoint = "unix:/run/pk/lan.sock".parse().unwrap();
    /// assert_eq!(
    ///     ep.qemu_netdev(Mode::Stream, "net0"),
    ///     "stream,id=net0,server=off,addr.type=unix,addr.path=/run/pk/lan.sock"
    /// );
    /// ```
    pub fn qemu_netdev(&self, mode: Mode, id: &str) -> String {
        match (self, mode) {
            (Endpoint::Unix(p), Mode::Stream) => format!(
                "stream,id={id},server=off,addr.type=unix,addr.path={}",
                p.display()
            ),
            (Endpoint::Tcp(a) | Endpoint::Udp(a), Mode::Stream) => format!(
                "stream,id={id},server=off,addr.type=inet,addr.host={},addr.port={}",
                a.ip(),
                a.port()
            ),
            (Endpoint::Unix(p), Mode::Dgram) => format!(
                "dgram,id={id},local.type=unix,local.path={}.{id},remote.type=unix,remote.path={}",
                p.display(),
                p.display()
            ),
            (Endpoint::Tcp(a) | Endpoint::Udp(a), Mode::Dgram) => format!(
                "dgram,id={id},local.type=inet,local.host={},local.port=0,remote.type=inet,remote.host={},remote.port={}",
                a.ip(),
                a.ip(),
                a.port()
            ),
        }
    }
}

impl FromStr for Endpoint {
    type Err = EndpointError;

    /// Parses `unix:PATH`, `tcp:HOST:PORT` or `udp:HOST:PORT` (HOST may be a
    /// name, resolved once here; IPv6 literals in brackets).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (scheme, rest) = s
            .split_once(':')
            .ok_or_else(|| EndpointError::NoScheme(s.to_string()))?;
        let inet = |rest: &str| -> Result<SocketAddr, EndpointError> {
            rest.to_socket_addrs()
                .ok()
                .and_then(|mut a| a.next())
                .ok_or_else(|| EndpointError::BadAddress(rest.to_string()))
        };
        match scheme {
            "unix" if rest.is_empty() => Err(EndpointError::BadAddress(s.to_string())),
            "unix" => Ok(Endpoint::Unix(PathBuf::from(rest))),
            "tcp" => Ok(Endpoint::Tcp(inet(rest)?)),
            "udp" => Ok(Endpoint::Udp(inet(rest)?)),
            other => Err(EndpointError::UnknownScheme(other.to_string())),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Unix(p) => write!(f, "unix:{}", p.display()),
            Endpoint::Tcp(a) => write!(f, "tcp:{a}"),
            Endpoint::Udp(a) => write!(f, "udp:{a}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        for s in ["unix:/tmp/a.sock", "tcp:127.0.0.1:5555", "udp:[::1]:7"] {
            assert_eq!(s.parse::<Endpoint>().unwrap().to_string(), s);
        }
        assert!(matches!(
            "ftp:x".parse::<Endpoint>(),
            Err(EndpointError::UnknownScheme(_))
        ));
        assert!(matches!(
            "nocolon".parse::<Endpoint>(),
            Err(EndpointError::NoScheme(_))
        ));
        assert!(matches!(
            "tcp:127.0.0.1".parse::<Endpoint>(),
            Err(EndpointError::BadAddress(_))
        ));
        assert!(matches!(
            "unix:".parse::<Endpoint>(),
            Err(EndpointError::BadAddress(_))
        ));
        assert_eq!("socket".parse::<Mode>().unwrap(), Mode::Stream);
        assert!(
            "tcp:127.0.0.1:1"
                .parse::<Endpoint>()
                .unwrap()
                .check_mode(Mode::Dgram)
                .is_err()
        );
    }

    #[test]
    fn netdev_arguments() {
        let tcp: Endpoint = "tcp:127.0.0.1:5555".parse().unwrap();
        assert_eq!(
            tcp.qemu_netdev(Mode::Stream, "n"),
            "stream,id=n,server=off,addr.type=inet,addr.host=127.0.0.1,addr.port=5555"
        );
        let ux: Endpoint = "unix:/r/l.sock".parse().unwrap();
        assert_eq!(
            ux.qemu_netdev(Mode::Dgram, "g1"),
            "dgram,id=g1,local.type=unix,local.path=/r/l.sock.g1,remote.type=unix,remote.path=/r/l.sock"
        );
    }
}
