//! IPv6 extension headers (RFC 8200 §4, RFC 4302): a bounded walker from the
//! fixed header to the upper-layer protocol, typed views of each header, and
//! builders for hop-by-hop / destination options and fragment headers.
//!
//! The walker ([`ExtHeaders`], [`walk`], [`upper_layer`]) starts from the fixed
//! header's Next Header and its payload and steps over hop-by-hop options,
//! routing, fragment, destination options and authentication (AH) headers. It
//! stops at the first protocol that is not one of those (TCP, UDP, ICMPv6, ESP,
//! "no next header", anything unknown), at the [`MAX_EXT_HEADERS`] bound, or at
//! a non-first fragment, whose payload does not start with an upper-layer header.
//!
//! Not for: reassembly, executing routing headers, or checking AH integrity.
//!
//! # Panic freedom
//!
//! Every function here takes untrusted bytes and returns [`WireError`] on
//! truncation or impossible lengths; nothing indexes past a length it checked.
//! The walker visits at most [`MAX_EXT_HEADERS`] headers, and option iterators
//! make progress on every item, so all loops are bounded by the input.
//!
//! ```
//! use pktkit_wire::{IpProtocol, ipv6_ext::{self, ExtHeaderKind}};
//!
//! // Hop-by-hop (Router Alert) then UDP.
//! let payload = [17, 0, 5, 2, 0, 0, 1, 0, /* UDP header: */ 0, 1, 0, 2, 0, 8, 0, 0];
//! let (proto, offset) = ipv6_ext::upper_layer(IpProtocol::HOP_BY_HOP, &payload).unwrap();
//! assert_eq!((proto, offset), (IpProtocol::UDP, 8));
//! let hbh = ipv6_ext::ExtHeaders::new(IpProtocol::HOP_BY_HOP, &payload).next().unwrap().unwrap();
//! assert_eq!(hbh.kind, ExtHeaderKind::HopByHop);
//! ```

use crate::{IpProtocol, Result, WireError};

/// How many extension headers the walker steps over before giving up with
/// [`WireError::Unsupported`]. RFC 8200 §4.1 allows each header once (destination
/// options twice), so a well-formed chain has at most six; eight leaves room for
/// AH and odd but legal orders.
pub const MAX_EXT_HEADERS: usize = 8;

/// The largest options / routing header: (255 + 1) * 8 bytes.
pub const MAX_EXT_HEADER_LEN: usize = 2048;

/// Which extension header a [`ExtHeader`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtHeaderKind {
    /// Hop-by-hop options (next header 0). Only allowed right after the fixed header.
    HopByHop,
    /// Routing header (43).
    Routing,
    /// Fragment header (44).
    Fragment,
    /// Destination options (60).
    DestinationOptions,
    /// Authentication header (51, RFC 4302); its length counts 4-byte units.
    Authentication,
}

impl ExtHeaderKind {
    /// The kind for an IPv6 next-header value, if it is one the walker steps over.
    pub const fn from_protocol(p: IpProtocol) -> Option<ExtHeaderKind> {
        Some(match p.0 {
            0 => ExtHeaderKind::HopByHop,
            43 => ExtHeaderKind::Routing,
            44 => ExtHeaderKind::Fragment,
            60 => ExtHeaderKind::DestinationOptions,
            51 => ExtHeaderKind::Authentication,
            _ => return None,
        })
    }

    /// The next-header value that announces this kind.
    pub const fn protocol(self) -> IpProtocol {
        match self {
            ExtHeaderKind::HopByHop => IpProtocol::HOP_BY_HOP,
            ExtHeaderKind::Routing => IpProtocol::IPV6_ROUTE,
            ExtHeaderKind::Fragment => IpProtocol::IPV6_FRAG,
            ExtHeaderKind::DestinationOptions => IpProtocol::IPV6_OPTS,
            ExtHeaderKind::Authentication => IpProtocol::AH,
        }
    }
}

/// Length of the extension header of `kind` at the start of `bytes`, after
/// checking that all of it is there.
///
/// Errors: [`WireError::Truncated`] if `bytes` are shorter than the header (or its
/// first 8 bytes), [`WireError::BadLength`] for an AH whose Payload Len is 0
/// (shorter than its fixed fields, RFC 4302 §2.2).
pub fn header_len(kind: ExtHeaderKind, bytes: &[u8]) -> Result<usize> {
    // Every extension header is at least 8 bytes (AH: 12).
    if bytes.len() < 8 {
        return Err(WireError::Truncated);
    }
    let len = match kind {
        ExtHeaderKind::Fragment => 8,
        ExtHeaderKind::Authentication => {
            if bytes[1] == 0 {
                return Err(WireError::BadLength);
            }
            (bytes[1] as usize + 2) * 4
        }
        _ => (bytes[1] as usize + 1) * 8,
    };
    if bytes.len() < len {
        return Err(WireError::Truncated);
    }
    Ok(len)
}

/// One extension header: its kind, its Next Header and all its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExtHeader<'a> {
    /// What header this is.
    pub kind: ExtHeaderKind,
    /// The header after this one.
    pub next_header: IpProtocol,
    /// The whole header, from its Next Header byte to its last padding byte.
    pub bytes: &'a [u8],
}

impl<'a> ExtHeader<'a> {
    /// Reads the header of `kind` at the start of `bytes` (see [`header_len`]).
    pub fn parse(kind: ExtHeaderKind, bytes: &'a [u8]) -> Result<ExtHeader<'a>> {
        let len = header_len(kind, bytes)?;
        Ok(ExtHeader {
            kind,
            next_header: IpProtocol(bytes[0]),
            bytes: &bytes[..len],
        })
    }

    /// Length of the header in bytes.
    #[allow(clippy::len_without_is_empty)] // never empty
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// The options of a hop-by-hop or destination options header.
    pub fn options(&self) -> Option<Ipv6Options<'a>> {
        match self.kind {
            ExtHeaderKind::HopByHop | ExtHeaderKind::DestinationOptions => {
                Some(Ipv6Options::new(&self.bytes[2..]))
            }
            _ => None,
        }
    }

    /// The typed view of a routing header.
    pub fn routing(&self) -> Option<RoutingHeader<'a>> {
        match self.kind {
            ExtHeaderKind::Routing => RoutingHeader::parse(self.bytes).ok(),
            _ => None,
        }
    }

    /// The typed view of a fragment header.
    pub fn fragment(&self) -> Option<FragmentHeader> {
        match self.kind {
            ExtHeaderKind::Fragment => FragmentHeader::parse(self.bytes).ok(),
            _ => None,
        }
    }

    /// The typed view of an authentication header.
    pub fn auth(&self) -> Option<AuthHeader<'a>> {
        match self.kind {
            ExtHeaderKind::Authentication => AuthHeader::parse(self.bytes).ok(),
            _ => None,
        }
    }
}

/// Iterator over the extension headers of an IPv6 packet; see the [module docs](self).
///
/// Yields `Err` once (then ends) on a malformed chain: truncation, a bad length,
/// a hop-by-hop header that is not first ([`WireError::BadOption`], RFC 8200 §4.3),
/// or more than [`MAX_EXT_HEADERS`] headers ([`WireError::Unsupported`]). When it
/// ends without error, [`next_header`](Self::next_header) and
/// [`offset`](Self::offset) locate the upper layer.
#[derive(Debug, Clone)]
pub struct ExtHeaders<'a> {
    next: IpProtocol,
    payload: &'a [u8],
    offset: usize,
    count: usize,
    done: bool,
    fragment: Option<FragmentHeader>,
}

impl<'a> ExtHeaders<'a> {
    /// Starts a walk at the fixed header's Next Header over its payload.
    pub fn new(next_header: IpProtocol, payload: &'a [u8]) -> ExtHeaders<'a> {
        ExtHeaders {
            next: next_header,
            payload,
            offset: 0,
            count: 0,
            done: false,
            fragment: None,
        }
    }

    /// The next header still to be read; once the walk ended, the upper-layer
    /// protocol (for a non-first fragment: the protocol of the fragmented payload).
    pub fn next_header(&self) -> IpProtocol {
        self.next
    }

    /// Offset into the payload of the next header still to be read; once the walk
    /// ended, where the upper layer (or the fragment data) starts.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The fragment header met so far, if any.
    pub fn fragment(&self) -> Option<FragmentHeader> {
        self.fragment
    }

    /// True when the walk stopped at a fragment header with a non-zero offset: the
    /// rest of the payload is fragment data, not an upper-layer header.
    pub fn is_non_first_fragment(&self) -> bool {
        self.fragment.is_some_and(|f| f.offset != 0)
    }

    fn step(&mut self) -> Option<Result<ExtHeader<'a>>> {
        if self.done {
            return None;
        }
        let kind = ExtHeaderKind::from_protocol(self.next)?;
        if self.count == MAX_EXT_HEADERS {
            return Some(Err(WireError::Unsupported));
        }
        if kind == ExtHeaderKind::HopByHop && self.count != 0 {
            return Some(Err(WireError::BadOption));
        }
        let rest = &self.payload[self.offset..];
        let h = match ExtHeader::parse(kind, rest) {
            Ok(h) => h,
            Err(e) => return Some(Err(e)),
        };
        self.count += 1;
        self.offset += h.len();
        self.next = h.next_header;
        if kind == ExtHeaderKind::Fragment {
            let f = h.fragment();
            self.fragment = f;
            if f.is_some_and(|f| f.offset != 0) {
                self.done = true;
            }
        }
        Some(Ok(h))
    }
}

impl<'a> Iterator for ExtHeaders<'a> {
    type Item = Result<ExtHeader<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        let r = self.step();
        if matches!(r, Some(Err(_)) | None) {
            self.done = true;
        }
        r
    }
}

impl core::iter::FusedIterator for ExtHeaders<'_> {}

/// What a whole walk found (see [`walk`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExtChain {
    /// The protocol after the last extension header (for a non-first fragment, the
    /// protocol of the fragmented payload).
    pub protocol: IpProtocol,
    /// Offset into the IPv6 payload where that protocol's bytes start.
    pub offset: usize,
    /// How many extension headers were stepped over.
    pub count: usize,
    /// The fragment header, if the packet has one.
    pub fragment: Option<FragmentHeader>,
}

impl ExtChain {
    /// True when the packet is a fragment with a non-zero offset, so no upper-layer
    /// header is in it.
    pub fn is_non_first_fragment(&self) -> bool {
        self.fragment.is_some_and(|f| f.offset != 0)
    }
}

/// Walks the whole chain; errors as [`ExtHeaders`] does.
pub fn walk(next_header: IpProtocol, payload: &[u8]) -> Result<ExtChain> {
    let mut it = ExtHeaders::new(next_header, payload);
    let mut count = 0;
    for h in &mut it {
        h?;
        count += 1;
    }
    Ok(ExtChain {
        protocol: it.next_header(),
        offset: it.offset(),
        count,
        fragment: it.fragment(),
    })
}

/// The upper-layer protocol and its offset in the IPv6 payload.
///
/// Errors as [`ExtHeaders`], and [`WireError::Unsupported`] for a non-first
/// fragment (its payload holds no upper-layer header; use [`walk`] to see the
/// fragment header).
pub fn upper_layer(next_header: IpProtocol, payload: &[u8]) -> Result<(IpProtocol, usize)> {
    let c = walk(next_header, payload)?;
    if c.is_non_first_fragment() {
        return Err(WireError::Unsupported);
    }
    Ok((c.protocol, c.offset))
}

// ---------------------------------------------------------------------------
// Options (hop-by-hop and destination options, RFC 8200 §4.2)
// ---------------------------------------------------------------------------

/// Option type of Pad1.
pub const OPT_PAD1: u8 = 0;
/// Option type of PadN.
pub const OPT_PADN: u8 = 1;
/// Option type of Router Alert (RFC 2711).
pub const OPT_ROUTER_ALERT: u8 = 5;

/// What a node that does not know an option must do (the two high bits of its
/// type, RFC 8200 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnknownOptionAction {
    /// `00`: skip the option and go on.
    Skip,
    /// `01`: discard the packet.
    Discard,
    /// `10`: discard and send an ICMPv6 Parameter Problem, code 2.
    DiscardSendIcmp,
    /// `11`: discard and send Parameter Problem unless the destination is multicast.
    DiscardSendIcmpUnlessMulticast,
}

impl UnknownOptionAction {
    /// The action encoded in an option type.
    pub const fn of(option_type: u8) -> UnknownOptionAction {
        match option_type >> 6 {
            0 => UnknownOptionAction::Skip,
            1 => UnknownOptionAction::Discard,
            2 => UnknownOptionAction::DiscardSendIcmp,
            _ => UnknownOptionAction::DiscardSendIcmpUnlessMulticast,
        }
    }
}

/// One hop-by-hop / destination option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ipv6Option<'a> {
    /// One byte of padding.
    Pad1,
    /// Padding of `2 + n` bytes (data emitted as zeros; received data is ignored).
    PadN(u8),
    /// Router Alert (RFC 2711) with its value (0 = MLD, 1 = RSVP, 2 = Active Networks).
    RouterAlert(u16),
    /// Any other option, kept with its type (whose two high bits are the
    /// [`UnknownOptionAction`] and third bit the may-change flag) and data.
    Unknown {
        /// Option type.
        kind: u8,
        /// Option data.
        data: &'a [u8],
    },
}

impl<'a> Ipv6Option<'a> {
    /// The option type byte.
    pub const fn kind(&self) -> u8 {
        match self {
            Ipv6Option::Pad1 => OPT_PAD1,
            Ipv6Option::PadN(_) => OPT_PADN,
            Ipv6Option::RouterAlert(_) => OPT_ROUTER_ALERT,
            Ipv6Option::Unknown { kind, .. } => *kind,
        }
    }

    /// What a node that does not know this option must do.
    pub const fn action(&self) -> UnknownOptionAction {
        UnknownOptionAction::of(self.kind())
    }

    /// The "option data may change en route" bit (RFC 8200 §4.2).
    pub const fn may_change_en_route(&self) -> bool {
        self.kind() & 0x20 != 0
    }

    /// Bytes [`emit`](Self::emit) writes.
    pub const fn buffer_len(&self) -> usize {
        match self {
            Ipv6Option::Pad1 => 1,
            Ipv6Option::PadN(n) => 2 + *n as usize,
            Ipv6Option::RouterAlert(_) => 4,
            Ipv6Option::Unknown { data, .. } => 2 + data.len(),
        }
    }

    /// Reads the option at the start of `bytes`, returning it and its length.
    ///
    /// Errors: [`WireError::Truncated`] when the option runs past `bytes`,
    /// [`WireError::BadOption`] for a Router Alert whose length is not 2
    /// (RFC 2711 §2.1).
    pub fn parse(bytes: &'a [u8]) -> Result<(Ipv6Option<'a>, usize)> {
        let Some(&kind) = bytes.first() else {
            return Err(WireError::Truncated);
        };
        if kind == OPT_PAD1 {
            return Ok((Ipv6Option::Pad1, 1));
        }
        let Some(&len) = bytes.get(1) else {
            return Err(WireError::Truncated);
        };
        let end = 2 + len as usize;
        let Some(data) = bytes.get(2..end) else {
            return Err(WireError::Truncated);
        };
        let opt = match kind {
            OPT_PADN => Ipv6Option::PadN(len),
            OPT_ROUTER_ALERT => {
                if len != 2 {
                    return Err(WireError::BadOption);
                }
                Ipv6Option::RouterAlert(u16::from_be_bytes([data[0], data[1]]))
            }
            _ => Ipv6Option::Unknown { kind, data },
        };
        Ok((opt, end))
    }

    /// Writes the option at the start of `buf`, returning its length.
    ///
    /// Errors: [`WireError::BufferTooSmall`], or [`WireError::BadOption`] for an
    /// `Unknown` option with more than 255 data bytes or a Pad1/PadN/Router Alert
    /// type (use those variants instead).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let n = self.buffer_len();
        if let Ipv6Option::Unknown { kind, data } = self
            && (data.len() > 255 || matches!(*kind, OPT_PAD1 | OPT_PADN | OPT_ROUTER_ALERT))
        {
            return Err(WireError::BadOption);
        }
        let Some(out) = buf.get_mut(..n) else {
            return Err(WireError::BufferTooSmall);
        };
        out[0] = self.kind();
        match self {
            Ipv6Option::Pad1 => {}
            Ipv6Option::PadN(len) => {
                out[1] = *len;
                out[2..].fill(0);
            }
            Ipv6Option::RouterAlert(v) => {
                out[1] = 2;
                out[2..4].copy_from_slice(&v.to_be_bytes());
            }
            Ipv6Option::Unknown { data, .. } => {
                out[1] = data.len() as u8;
                out[2..].copy_from_slice(data);
            }
        }
        Ok(n)
    }
}

/// Iterator over the options in the data of a hop-by-hop / destination options
/// header. Yields `Err` once (then ends) on a malformed option.
#[derive(Debug, Clone)]
pub struct Ipv6Options<'a> {
    rest: &'a [u8],
}

impl<'a> Ipv6Options<'a> {
    /// Iterates over the options in `data` (the header without its first 2 bytes).
    pub const fn new(data: &'a [u8]) -> Ipv6Options<'a> {
        Ipv6Options { rest: data }
    }
}

impl<'a> Iterator for Ipv6Options<'a> {
    type Item = Result<Ipv6Option<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match Ipv6Option::parse(self.rest) {
            Ok((opt, n)) => {
                self.rest = &self.rest[n..];
                Some(Ok(opt))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

impl core::iter::FusedIterator for Ipv6Options<'_> {}

/// A hop-by-hop or destination options header to emit.
///
/// [`emit`](Self::emit) writes the options in order and then pads the header to a
/// multiple of 8 bytes with Pad1 / PadN, so parsing an emitted header gives the
/// same options followed by at most one padding option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OptionsHeaderRepr<'a> {
    /// Next Header of the emitted header.
    pub next_header: IpProtocol,
    /// The options, in order, before the final padding.
    pub options: &'a [Ipv6Option<'a>],
}

impl OptionsHeaderRepr<'_> {
    /// Bytes [`emit`](Self::emit) writes (a multiple of 8).
    pub fn buffer_len(&self) -> usize {
        let used: usize = 2 + self.options.iter().map(|o| o.buffer_len()).sum::<usize>();
        used.div_ceil(8) * 8
    }

    /// Writes the header at the start of `buf`, returning its length.
    ///
    /// Errors: [`WireError::BadLength`] when the options do not fit in
    /// [`MAX_EXT_HEADER_LEN`], [`WireError::BufferTooSmall`], and the errors of
    /// [`Ipv6Option::emit`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let n = self.buffer_len();
        if n > MAX_EXT_HEADER_LEN {
            return Err(WireError::BadLength);
        }
        let Some(out) = buf.get_mut(..n) else {
            return Err(WireError::BufferTooSmall);
        };
        out[0] = self.next_header.0;
        out[1] = (n / 8 - 1) as u8;
        let mut at = 2;
        for o in self.options {
            at += o.emit(&mut out[at..])?;
        }
        match n - at {
            0 => {}
            1 => out[at] = OPT_PAD1,
            pad => {
                Ipv6Option::PadN((pad - 2) as u8).emit(&mut out[at..])?;
            }
        }
        Ok(n)
    }
}

// ---------------------------------------------------------------------------
// Routing, fragment and authentication headers
// ---------------------------------------------------------------------------

/// A routing header (RFC 8200 §4.4): type, segments left and type-specific data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoutingHeader<'a> {
    /// Next Header.
    pub next_header: IpProtocol,
    /// Routing type (0 deprecated by RFC 5095, 2 mobility, 3 RPL, 4 segment routing).
    pub routing_type: u8,
    /// Segments left.
    pub segments_left: u8,
    /// Type-specific data: everything after the first 4 bytes.
    pub data: &'a [u8],
}

impl<'a> RoutingHeader<'a> {
    /// Reads a routing header at the start of `bytes` (its length checked).
    pub fn parse(bytes: &'a [u8]) -> Result<RoutingHeader<'a>> {
        let n = header_len(ExtHeaderKind::Routing, bytes)?;
        Ok(RoutingHeader {
            next_header: IpProtocol(bytes[0]),
            routing_type: bytes[2],
            segments_left: bytes[3],
            data: &bytes[4..n],
        })
    }

    /// Bytes [`emit`](Self::emit) writes.
    pub const fn buffer_len(&self) -> usize {
        4 + self.data.len()
    }

    /// Writes the header at the start of `buf`, returning its length.
    ///
    /// Errors: [`WireError::BadLength`] unless `4 + data.len()` is a multiple of 8
    /// no larger than [`MAX_EXT_HEADER_LEN`]; [`WireError::BufferTooSmall`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let n = self.buffer_len();
        if !n.is_multiple_of(8) || n > MAX_EXT_HEADER_LEN {
            return Err(WireError::BadLength);
        }
        let Some(out) = buf.get_mut(..n) else {
            return Err(WireError::BufferTooSmall);
        };
        out[0] = self.next_header.0;
        out[1] = (n / 8 - 1) as u8;
        out[2] = self.routing_type;
        out[3] = self.segments_left;
        out[4..].copy_from_slice(self.data);
        Ok(n)
    }
}

/// A fragment header (RFC 8200 §4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FragmentHeader {
    /// Next Header of the fragmentable part.
    pub next_header: IpProtocol,
    /// Fragment offset in 8-byte units (13 bits).
    pub offset: u16,
    /// M flag: more fragments follow.
    pub more_fragments: bool,
    /// Identification.
    pub ident: u32,
}

impl FragmentHeader {
    /// Length of a fragment header.
    pub const LEN: usize = 8;

    /// Reads a fragment header at the start of `bytes`. Reserved bits are ignored.
    pub fn parse(bytes: &[u8]) -> Result<FragmentHeader> {
        if bytes.len() < Self::LEN {
            return Err(WireError::Truncated);
        }
        let off_m = u16::from_be_bytes([bytes[2], bytes[3]]);
        Ok(FragmentHeader {
            next_header: IpProtocol(bytes[0]),
            offset: off_m >> 3,
            more_fragments: off_m & 1 != 0,
            ident: u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
        })
    }

    /// The fragment offset in bytes.
    pub const fn byte_offset(&self) -> usize {
        self.offset as usize * 8
    }

    /// Bytes [`emit`](Self::emit) writes (8).
    pub const fn buffer_len(&self) -> usize {
        Self::LEN
    }

    /// Writes the header at the start of `buf` with reserved bits zero.
    ///
    /// Errors: [`WireError::BadField`] for an offset above 13 bits,
    /// [`WireError::BufferTooSmall`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        if self.offset > 0x1fff {
            return Err(WireError::BadField);
        }
        let Some(out) = buf.get_mut(..Self::LEN) else {
            return Err(WireError::BufferTooSmall);
        };
        out[0] = self.next_header.0;
        out[1] = 0;
        out[2..4].copy_from_slice(&((self.offset << 3) | self.more_fragments as u16).to_be_bytes());
        out[4..8].copy_from_slice(&self.ident.to_be_bytes());
        Ok(Self::LEN)
    }
}

/// An authentication header (RFC 4302 §2): read only, its ICV is not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthHeader<'a> {
    /// Next Header.
    pub next_header: IpProtocol,
    /// Security parameters index.
    pub spi: u32,
    /// Sequence number.
    pub seq: u32,
    /// Integrity check value (with any padding).
    pub icv: &'a [u8],
}

impl<'a> AuthHeader<'a> {
    /// Reads an authentication header at the start of `bytes` (length checked).
    pub fn parse(bytes: &'a [u8]) -> Result<AuthHeader<'a>> {
        let n = header_len(ExtHeaderKind::Authentication, bytes)?;
        Ok(AuthHeader {
            next_header: IpProtocol(bytes[0]),
            spi: u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
            seq: u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]),
            icv: &bytes[12..n],
        })
    }
}

#[cfg(test)]
mod tests;
