//! Option 121 (RFC 3442): classless static routes, encoded and walked.

use core::net::Ipv4Addr;

use super::OptionData;
use crate::{Result, WireError};

/// One classless static route (RFC 3442).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClasslessRoute {
    /// Destination network (bits past `prefix_len` are zero after parsing).
    pub destination: Ipv4Addr,
    /// Prefix length, 0..=32.
    pub prefix_len: u8,
    /// Next hop (0.0.0.0 means on-link).
    pub router: Ipv4Addr,
}

impl ClasslessRoute {
    fn encoded_len(&self) -> usize {
        1 + (self.prefix_len as usize).div_ceil(8) + 4
    }
}

/// Encodes routes as an option 121 value into `out`; returns the length.
///
/// Errors: [`WireError::BadField`] for a prefix length over 32,
/// [`WireError::BufferTooSmall`] if `out` is too short.
///
/// ```
/// use core::net::Ipv4Addr;
/// use pktkit_wire::dhcpv4::{ClasslessRoute, encode_classless_routes};
/// let routes = [ClasslessRoute {
///     destination: Ipv4Addr::new(10, 17, 0, 0),
///     prefix_len: 16,
///     router: Ipv4Addr::new(10, 0, 0, 1),
/// }];
/// let mut buf = [0u8; 16];
/// let n = encode_classless_routes(&routes, &mut buf).unwrap();
/// assert_eq!(&buf[..n], &[16, 10, 17, 10, 0, 0, 1]); // RFC 3442 §1 example
/// ```
pub fn encode_classless_routes(routes: &[ClasslessRoute], out: &mut [u8]) -> Result<usize> {
    let mut at = 0;
    for r in routes {
        if r.prefix_len > 32 {
            return Err(WireError::BadField);
        }
        let n = r.encoded_len();
        let dst = out.get_mut(at..at + n).ok_or(WireError::BufferTooSmall)?;
        let sig = n - 5;
        dst[0] = r.prefix_len;
        dst[1..1 + sig].copy_from_slice(&r.destination.octets()[..sig]);
        dst[1 + sig..].copy_from_slice(&r.router.octets());
        at += n;
    }
    Ok(at)
}

/// Whether an option 121 value held in one slice is well-formed: exactly
/// what walking it with [`ClasslessRoutes`] accepts (no width over 32, no
/// route cut short), without building the routes.
pub(super) fn routes_are_valid(mut data: &[u8]) -> bool {
    while let Some(&width) = data.first() {
        if width > 32 {
            return false;
        }
        let Some(rest) = data.get(1 + (width as usize).div_ceil(8) + 4..) else {
            return false;
        };
        data = rest;
    }
    true
}

/// The routes of an option 121 value (see
/// [`DhcpRepr::classless_route_list`](super::DhcpRepr::classless_route_list)).
///
/// Yields `Err(BadOption)` once for a malformed value (a width over 32 or a
/// route cut short), then stops.
#[derive(Clone, Debug)]
pub struct ClasslessRoutes<'a> {
    data: OptionData<'a>,
    pos: usize,
}

impl<'a> ClasslessRoutes<'a> {
    /// Walks the routes in an option 121 value.
    pub const fn new(data: OptionData<'a>) -> Self {
        ClasslessRoutes { data, pos: 0 }
    }
}

impl Iterator for ClasslessRoutes<'_> {
    type Item = Result<ClasslessRoute>;

    fn next(&mut self) -> Option<Self::Item> {
        let width = self.data.get(self.pos)?;
        let fail = |s: &mut Self| {
            s.pos = usize::MAX;
            Some(Err(WireError::BadOption))
        };
        if width > 32 {
            return fail(self);
        }
        let sig = (width as usize).div_ceil(8);
        let mut dst = [0u8; 4];
        let mut gw = [0u8; 4];
        for (i, d) in dst.iter_mut().take(sig).enumerate() {
            match self.data.get(self.pos + 1 + i) {
                Some(b) => *d = b,
                None => return fail(self),
            }
        }
        for (i, g) in gw.iter_mut().enumerate() {
            match self.data.get(self.pos + 1 + sig + i) {
                Some(b) => *g = b,
                None => return fail(self),
            }
        }
        self.pos += 1 + sig + 4;
        let mask = if width == 0 {
            0
        } else {
            u32::MAX << (32 - width as u32)
        };
        let destination = Ipv4Addr::from(u32::from_be_bytes(dst) & mask);
        Some(Ok(ClasslessRoute {
            destination,
            prefix_len: width,
            router: Ipv4Addr::from(gw),
        }))
    }
}
