//! DHCPv4 (RFC 2131 / RFC 2132): the BOOTP message and its options.
//!
//! [`DhcpPacket`] is a zero-copy view over a UDP payload (ports 67/68): the
//! fixed BOOTP part (op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr,
//! siaddr, giaddr, chaddr, sname, file, magic cookie) and a walk over the raw
//! options ([`DhcpPacket::options`]). [`DhcpRepr`] is the typed form a client
//! or server works with: [`DhcpRepr::parse`] reads it, [`DhcpRepr::emit`]
//! writes it back, neither allocates.
//!
//! What the repr understands:
//!
//! * options 1, 3, 6, 12, 15, 26, 28, 50, 51, 53, 54, 55, 56, 57, 58, 59, 61,
//!   66, 67, 82, 119 (RFC 3397 domain search, with DNS name compression) and
//!   121 (RFC 3442 classless static routes), each as a typed field;
//! * every other option is kept in order ([`OtherOptions`]) and emitted again;
//! * option overload (52): the `file` and `sname` fields are read as further
//!   option space (options, then `file`, then `sname`, RFC 2131 §4.1); when
//!   they are overloaded the repr's `sname`/`file` are empty. [`DhcpRepr::emit`]
//!   never overloads;
//! * long options (RFC 3396): every instance of an option code is
//!   concatenated in order. Values longer than 255 bytes are split into
//!   several instances on emit. A value that was split on the wire is kept as
//!   an [`OptionData`] that walks its pieces without copying.
//!
//! Not for: BOOTP messages without a DHCP message type (rejected with
//! [`WireError::Unsupported`]), option 52 outside the options field, and
//! DHCPv6 (a different protocol).
//!
//! ## Panic freedom
//!
//! [`DhcpPacket::new_checked`] checks the fixed 240-byte part; after it the
//! fixed-field getters cannot panic. [`DhcpRepr::parse`] additionally walks
//! and validates every option (lengths, the overload value, the formats of the
//! typed options, the compression pointers of option 119, the route widths of
//! option 121): a repr that parsed can be read and re-emitted without error.
//! [`DhcpPacket::new_unchecked`] views are for buffers the caller built; their
//! getters panic on a buffer shorter than [`HEADER_LEN`].
//!
//! ```
//! use core::net::Ipv4Addr;
//! use pktkit_wire::dhcpv4::{DhcpPacket, DhcpRepr, MessageType};
//!
//! let mut repr = DhcpRepr::new_request(MessageType::Discover, 0x1234_5678, [2, 0, 0, 0, 0, 1]);
//! repr.requested_ip = Some(Ipv4Addr::new(10, 0, 0, 5));
//! let mut buf = [0u8; 512];
//! let len = repr.buffer_len();
//! repr.emit(&mut DhcpPacket::new_unchecked(&mut buf[..len])).unwrap();
//!
//! let packet = DhcpPacket::new_checked(&buf[..len]).unwrap();
//! let parsed = DhcpRepr::parse(&packet).unwrap();
//! assert_eq!(parsed.message_type, MessageType::Discover);
//! assert_eq!(parsed.xid, 0x1234_5678);
//! assert_eq!(parsed.requested_ip, Some(Ipv4Addr::new(10, 0, 0, 5)));
//! ```

use core::fmt;
use core::net::Ipv4Addr;

use crate::{MacAddr, Result, WireError};

/// The UDP port DHCP servers listen on.
pub const SERVER_PORT: u16 = 67;
/// The UDP port DHCP clients listen on.
pub const CLIENT_PORT: u16 = 68;
/// The magic cookie that opens the options field (RFC 2131 §3).
pub const MAGIC_COOKIE: u32 = 0x6382_5363;
/// Length of the fixed part, magic cookie included.
pub const HEADER_LEN: usize = field::OPTIONS;
/// The minimum BOOTP message length (RFC 1542 §2.1); [`DhcpRepr::emit`] pads to it.
pub const BOOTP_MIN_LEN: usize = 300;
/// The largest message every DHCP client must accept (RFC 2131 §2): 576-byte
/// IP datagram minus IPv4 and UDP headers.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 576 - 20 - 8;
/// The broadcast bit of the `flags` field.
pub const FLAG_BROADCAST: u16 = 0x8000;

mod field {
    use core::ops::Range;
    pub(crate) const OP: usize = 0;
    pub(crate) const HTYPE: usize = 1;
    pub(crate) const HLEN: usize = 2;
    pub(crate) const HOPS: usize = 3;
    pub(crate) const XID: Range<usize> = 4..8;
    pub(crate) const SECS: Range<usize> = 8..10;
    pub(crate) const FLAGS: Range<usize> = 10..12;
    pub(crate) const CIADDR: Range<usize> = 12..16;
    pub(crate) const YIADDR: Range<usize> = 16..20;
    pub(crate) const SIADDR: Range<usize> = 20..24;
    pub(crate) const GIADDR: Range<usize> = 24..28;
    pub(crate) const CHADDR: Range<usize> = 28..44;
    pub(crate) const SNAME: Range<usize> = 44..108;
    pub(crate) const FILE: Range<usize> = 108..236;
    pub(crate) const MAGIC: Range<usize> = 236..240;
    pub(crate) const OPTIONS: usize = 240;
}

/// Option codes this module knows by name (RFC 2132 and later).
pub mod opt {
    /// Padding (no length byte).
    pub const PAD: u8 = 0;
    /// Subnet mask.
    pub const SUBNET_MASK: u8 = 1;
    /// Routers.
    pub const ROUTER: u8 = 3;
    /// DNS servers.
    pub const DNS_SERVERS: u8 = 6;
    /// Host name.
    pub const HOSTNAME: u8 = 12;
    /// Domain name.
    pub const DOMAIN_NAME: u8 = 15;
    /// Interface MTU.
    pub const INTERFACE_MTU: u8 = 26;
    /// Broadcast address.
    pub const BROADCAST_ADDRESS: u8 = 28;
    /// Requested IP address.
    pub const REQUESTED_IP: u8 = 50;
    /// IP address lease time.
    pub const LEASE_TIME: u8 = 51;
    /// Option overload.
    pub const OVERLOAD: u8 = 52;
    /// DHCP message type.
    pub const MESSAGE_TYPE: u8 = 53;
    /// Server identifier.
    pub const SERVER_ID: u8 = 54;
    /// Parameter request list.
    pub const PARAMETER_REQUEST_LIST: u8 = 55;
    /// Message (error text).
    pub const MESSAGE: u8 = 56;
    /// Maximum DHCP message size.
    pub const MAX_MESSAGE_SIZE: u8 = 57;
    /// Renewal (T1) time.
    pub const RENEWAL_TIME: u8 = 58;
    /// Rebinding (T2) time.
    pub const REBINDING_TIME: u8 = 59;
    /// Vendor class identifier.
    pub const VENDOR_CLASS_ID: u8 = 60;
    /// Client identifier.
    pub const CLIENT_ID: u8 = 61;
    /// TFTP server name.
    pub const TFTP_SERVER_NAME: u8 = 66;
    /// Bootfile name.
    pub const BOOTFILE_NAME: u8 = 67;
    /// Relay agent information (RFC 3046).
    pub const RELAY_AGENT_INFO: u8 = 82;
    /// Domain search list (RFC 3397).
    pub const DOMAIN_SEARCH: u8 = 119;
    /// Classless static routes (RFC 3442).
    pub const CLASSLESS_STATIC_ROUTES: u8 = 121;
    /// End of options.
    pub const END: u8 = 255;
}

/// The BOOTP `op` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpCode {
    /// `BOOTREQUEST` (1): client to server.
    Request,
    /// `BOOTREPLY` (2): server to client.
    Reply,
    /// Any other value.
    Unknown(u8),
}

impl From<u8> for OpCode {
    fn from(v: u8) -> Self {
        match v {
            1 => OpCode::Request,
            2 => OpCode::Reply,
            v => OpCode::Unknown(v),
        }
    }
}

impl From<OpCode> for u8 {
    fn from(v: OpCode) -> u8 {
        match v {
            OpCode::Request => 1,
            OpCode::Reply => 2,
            OpCode::Unknown(v) => v,
        }
    }
}

/// The DHCP message type (option 53).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// DHCPDISCOVER (1).
    Discover,
    /// DHCPOFFER (2).
    Offer,
    /// DHCPREQUEST (3).
    Request,
    /// DHCPDECLINE (4).
    Decline,
    /// DHCPACK (5).
    Ack,
    /// DHCPNAK (6).
    Nak,
    /// DHCPRELEASE (7).
    Release,
    /// DHCPINFORM (8).
    Inform,
    /// Any other value.
    Unknown(u8),
}

impl From<u8> for MessageType {
    fn from(v: u8) -> Self {
        match v {
            1 => MessageType::Discover,
            2 => MessageType::Offer,
            3 => MessageType::Request,
            4 => MessageType::Decline,
            5 => MessageType::Ack,
            6 => MessageType::Nak,
            7 => MessageType::Release,
            8 => MessageType::Inform,
            v => MessageType::Unknown(v),
        }
    }
}

impl From<MessageType> for u8 {
    fn from(v: MessageType) -> u8 {
        match v {
            MessageType::Discover => 1,
            MessageType::Offer => 2,
            MessageType::Request => 3,
            MessageType::Decline => 4,
            MessageType::Ack => 5,
            MessageType::Nak => 6,
            MessageType::Release => 7,
            MessageType::Inform => 8,
            MessageType::Unknown(v) => v,
        }
    }
}

impl MessageType {
    /// The BOOTP op a message of this type travels with.
    pub const fn opcode(self) -> OpCode {
        match self {
            MessageType::Offer | MessageType::Ack | MessageType::Nak => OpCode::Reply,
            _ => OpCode::Request,
        }
    }
}

/// A view over a DHCPv4 message (a UDP payload). See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn addr(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

impl<T: AsRef<[u8]>> DhcpPacket<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> DhcpPacket<T> {
        DhcpPacket { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<DhcpPacket<T>> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// [`WireError::Truncated`] if the buffer is shorter than the fixed part
    /// ([`HEADER_LEN`], magic cookie included).
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// `op`.
    pub fn opcode(&self) -> OpCode {
        self.buffer.as_ref()[field::OP].into()
    }
    /// `htype` (1 for Ethernet).
    pub fn hardware_type(&self) -> u8 {
        self.buffer.as_ref()[field::HTYPE]
    }
    /// `hlen` (6 for Ethernet).
    pub fn hardware_len(&self) -> u8 {
        self.buffer.as_ref()[field::HLEN]
    }
    /// `hops`.
    pub fn hops(&self) -> u8 {
        self.buffer.as_ref()[field::HOPS]
    }
    /// `xid`, the transaction id.
    pub fn transaction_id(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::XID])
    }
    /// `secs`.
    pub fn secs(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::SECS];
        u16::from_be_bytes([b[0], b[1]])
    }
    /// `flags`.
    pub fn flags(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::FLAGS];
        u16::from_be_bytes([b[0], b[1]])
    }
    /// The broadcast bit of `flags`.
    pub fn broadcast_flag(&self) -> bool {
        self.flags() & FLAG_BROADCAST != 0
    }
    /// `ciaddr`.
    pub fn client_ip(&self) -> Ipv4Addr {
        addr(&self.buffer.as_ref()[field::CIADDR])
    }
    /// `yiaddr`.
    pub fn your_ip(&self) -> Ipv4Addr {
        addr(&self.buffer.as_ref()[field::YIADDR])
    }
    /// `siaddr`.
    pub fn server_ip(&self) -> Ipv4Addr {
        addr(&self.buffer.as_ref()[field::SIADDR])
    }
    /// `giaddr`.
    pub fn relay_agent_ip(&self) -> Ipv4Addr {
        addr(&self.buffer.as_ref()[field::GIADDR])
    }
    /// The whole 16-byte `chaddr` field.
    pub fn client_hardware_field(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out.copy_from_slice(&self.buffer.as_ref()[field::CHADDR]);
        out
    }
    /// The first six bytes of `chaddr` as a MAC address (meaningful when htype is 1).
    pub fn client_hardware_address(&self) -> MacAddr {
        let b = &self.buffer.as_ref()[field::CHADDR];
        MacAddr([b[0], b[1], b[2], b[3], b[4], b[5]])
    }
    /// The raw 64-byte `sname` field.
    pub fn server_name_field(&self) -> &[u8] {
        &self.buffer.as_ref()[field::SNAME]
    }
    /// The raw 128-byte `file` field.
    pub fn boot_file_field(&self) -> &[u8] {
        &self.buffer.as_ref()[field::FILE]
    }
    /// The magic cookie (should be [`MAGIC_COOKIE`]).
    pub fn magic_cookie(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::MAGIC])
    }
    /// The raw bytes after the magic cookie.
    pub fn options_field(&self) -> &[u8] {
        &self.buffer.as_ref()[field::OPTIONS..]
    }
    /// The options in the options field only (not the overloaded `file`/`sname`).
    pub fn options(&self) -> RawOptions<'_> {
        RawOptions::new(self.options_field())
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> DhcpPacket<&'a T> {
    /// The bytes of the message, borrowed from the buffer rather than the view.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buffer.as_ref()
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> DhcpPacket<T> {
    fn b(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }
    /// Sets `op`.
    pub fn set_opcode(&mut self, v: OpCode) {
        self.b()[field::OP] = v.into();
    }
    /// Sets `htype`.
    pub fn set_hardware_type(&mut self, v: u8) {
        self.b()[field::HTYPE] = v;
    }
    /// Sets `hlen`.
    pub fn set_hardware_len(&mut self, v: u8) {
        self.b()[field::HLEN] = v;
    }
    /// Sets `hops`.
    pub fn set_hops(&mut self, v: u8) {
        self.b()[field::HOPS] = v;
    }
    /// Sets `xid`.
    pub fn set_transaction_id(&mut self, v: u32) {
        self.b()[field::XID].copy_from_slice(&v.to_be_bytes());
    }
    /// Sets `secs`.
    pub fn set_secs(&mut self, v: u16) {
        self.b()[field::SECS].copy_from_slice(&v.to_be_bytes());
    }
    /// Sets `flags`.
    pub fn set_flags(&mut self, v: u16) {
        self.b()[field::FLAGS].copy_from_slice(&v.to_be_bytes());
    }
    /// Sets `ciaddr`.
    pub fn set_client_ip(&mut self, v: Ipv4Addr) {
        self.b()[field::CIADDR].copy_from_slice(&v.octets());
    }
    /// Sets `yiaddr`.
    pub fn set_your_ip(&mut self, v: Ipv4Addr) {
        self.b()[field::YIADDR].copy_from_slice(&v.octets());
    }
    /// Sets `siaddr`.
    pub fn set_server_ip(&mut self, v: Ipv4Addr) {
        self.b()[field::SIADDR].copy_from_slice(&v.octets());
    }
    /// Sets `giaddr`.
    pub fn set_relay_agent_ip(&mut self, v: Ipv4Addr) {
        self.b()[field::GIADDR].copy_from_slice(&v.octets());
    }
    /// Sets the 16-byte `chaddr` field.
    pub fn set_client_hardware_field(&mut self, v: &[u8; 16]) {
        self.b()[field::CHADDR].copy_from_slice(v);
    }
    /// Sets `sname`: `v` then zeros. [`WireError::BadField`] if longer than 64 bytes.
    pub fn set_server_name_field(&mut self, v: &[u8]) -> Result<()> {
        set_padded(&mut self.b()[field::SNAME], v)
    }
    /// Sets `file`: `v` then zeros. [`WireError::BadField`] if longer than 128 bytes.
    pub fn set_boot_file_field(&mut self, v: &[u8]) -> Result<()> {
        set_padded(&mut self.b()[field::FILE], v)
    }
    /// Writes the magic cookie.
    pub fn set_magic_cookie(&mut self) {
        self.b()[field::MAGIC].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
    }
    /// The options field, mutably.
    pub fn options_field_mut(&mut self) -> &mut [u8] {
        &mut self.b()[field::OPTIONS..]
    }
}

fn set_padded(dst: &mut [u8], v: &[u8]) -> Result<()> {
    if v.len() > dst.len() {
        return Err(WireError::BadField);
    }
    let (a, b) = dst.split_at_mut(v.len());
    a.copy_from_slice(v);
    b.fill(0);
    Ok(())
}

/// One option instance as it appears on the wire: code and value (≤ 255 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DhcpOption<'a> {
    /// The option code.
    pub code: u8,
    /// The value bytes.
    pub data: &'a [u8],
}

/// Iterator over the option instances of one option area (pads skipped,
/// stops after END). Yields `Err(BadOption)` once if an option runs past the
/// end of the area, then stops. Running out of bytes without END is accepted.
#[derive(Clone, Debug)]
pub struct RawOptions<'a> {
    rest: &'a [u8],
}

impl<'a> RawOptions<'a> {
    /// Walks the options in `area`.
    pub const fn new(area: &'a [u8]) -> Self {
        RawOptions { rest: area }
    }
}

impl<'a> Iterator for RawOptions<'a> {
    type Item = Result<DhcpOption<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (&code, rest) = self.rest.split_first()?;
            match code {
                opt::PAD => self.rest = rest,
                opt::END => {
                    self.rest = &[];
                    return None;
                }
                _ => {
                    let Some((&len, rest)) = rest.split_first() else {
                        self.rest = &[];
                        return Some(Err(WireError::BadOption));
                    };
                    let len = len as usize;
                    if rest.len() < len {
                        self.rest = &[];
                        return Some(Err(WireError::BadOption));
                    }
                    let (data, rest) = rest.split_at(len);
                    self.rest = rest;
                    return Some(Ok(DhcpOption { code, data }));
                }
            }
        }
    }
}

/// The option areas of a message in RFC 2131 order: options, then `file` and
/// `sname` when option 52 says they are overloaded.
#[derive(Clone, Copy)]
struct Areas<'a> {
    packet: &'a [u8],
    overload: u8,
}

impl<'a> Areas<'a> {
    fn area(&self, i: usize) -> &'a [u8] {
        match i {
            0 => self.packet.get(field::OPTIONS..).unwrap_or(&[]),
            1 if self.overload & 1 != 0 => self.packet.get(field::FILE).unwrap_or(&[]),
            2 if self.overload & 2 != 0 => self.packet.get(field::SNAME).unwrap_or(&[]),
            _ => &[],
        }
    }

    fn iter(self) -> AreaOptions<'a> {
        AreaOptions {
            areas: self,
            index: 0,
            cur: RawOptions::new(self.area(0)),
        }
    }
}

/// All option instances across the areas (errors end the walk silently: the
/// areas were validated by `DhcpRepr::parse`).
#[derive(Clone)]
struct AreaOptions<'a> {
    areas: Areas<'a>,
    index: usize,
    cur: RawOptions<'a>,
}

impl<'a> Iterator for AreaOptions<'a> {
    type Item = DhcpOption<'a>;
    fn next(&mut self) -> Option<DhcpOption<'a>> {
        loop {
            match self.cur.next() {
                Some(Ok(o)) => return Some(o),
                Some(Err(_)) | None => {
                    self.index += 1;
                    if self.index > 2 {
                        return None;
                    }
                    self.cur = RawOptions::new(self.areas.area(self.index));
                }
            }
        }
    }
}

/// The value of one option, all its instances concatenated (RFC 3396).
///
/// Either a plain slice (one instance on the wire, or a value the caller
/// built) or a walk over the pieces of a value split across instances; the
/// bytes are never copied. Compare with `==` by content.
#[derive(Clone, Copy)]
pub struct OptionData<'a>(DataInner<'a>);

#[derive(Clone, Copy)]
enum DataInner<'a> {
    Bytes(&'a [u8]),
    Split {
        areas: Areas<'a>,
        code: u8,
        len: usize,
    },
}

impl<'a> OptionData<'a> {
    /// A value held in one slice (what a caller building a message uses).
    pub const fn from_bytes(bytes: &'a [u8]) -> Self {
        OptionData(DataInner::Bytes(bytes))
    }

    /// Total length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        match self.0 {
            DataInner::Bytes(b) => b.len(),
            DataInner::Split { len, .. } => len,
        }
    }

    /// True for a zero-length value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value as one slice, when it is one (not split on the wire).
    pub fn as_slice(&self) -> Option<&'a [u8]> {
        match self.0 {
            DataInner::Bytes(b) => Some(b),
            DataInner::Split { .. } => None,
        }
    }

    /// The pieces of the value, in order.
    pub fn chunks(&self) -> impl Iterator<Item = &'a [u8]> + Clone + use<'a> {
        let (single, split) = match self.0 {
            DataInner::Bytes(b) => (Some(b), None),
            DataInner::Split { areas, code, .. } => (None, Some((areas.iter(), code))),
        };
        single.into_iter().chain(
            split
                .into_iter()
                .flat_map(|(it, code)| it.filter(move |o| o.code == code).map(|o| o.data)),
        )
    }

    /// The bytes of the value, in order.
    pub fn bytes(&self) -> impl Iterator<Item = u8> + Clone + use<'a> {
        self.chunks().flat_map(|c| c.iter().copied())
    }

    /// The byte at `index`.
    #[inline]
    pub fn get(&self, mut index: usize) -> Option<u8> {
        if let DataInner::Bytes(b) = self.0 {
            return b.get(index).copied();
        }
        for c in self.chunks() {
            if index < c.len() {
                return Some(c[index]);
            }
            index -= c.len();
        }
        None
    }

    /// Copies the value into `out`; `None` if it does not fit.
    pub fn copy_to<'b>(&self, out: &'b mut [u8]) -> Option<&'b [u8]> {
        let n = self.len();
        let dst = out.get_mut(..n)?;
        if let DataInner::Bytes(b) = self.0 {
            dst.copy_from_slice(b);
            return Some(dst);
        }
        let mut at = 0;
        for c in self.chunks() {
            dst.get_mut(at..at + c.len())?.copy_from_slice(c);
            at += c.len();
        }
        Some(dst)
    }

    fn array<const N: usize>(&self) -> Option<[u8; N]> {
        if self.len() != N {
            return None;
        }
        let mut out = [0u8; N];
        self.copy_to(&mut out)?;
        Some(out)
    }

    /// The value read as IPv4 addresses (4 bytes each; a trailing partial one is ignored).
    pub fn addrs(&self) -> impl Iterator<Item = Ipv4Addr> + Clone + use<'a> {
        let n = self.len() / 4;
        let mut bytes = self.bytes();
        (0..n).filter_map(move |_| {
            Some(Ipv4Addr::new(
                bytes.next()?,
                bytes.next()?,
                bytes.next()?,
                bytes.next()?,
            ))
        })
    }

    /// True when the value equals `other` byte for byte.
    pub fn eq_bytes(&self, other: &[u8]) -> bool {
        self.len() == other.len() && self.bytes().eq(other.iter().copied())
    }
}

impl PartialEq for OptionData<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.bytes().eq(other.bytes())
    }
}
impl Eq for OptionData<'_> {}

impl fmt::Debug for OptionData<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for b in self.bytes() {
            if b.is_ascii_graphic() || b == b' ' {
                write!(f, "{}", b as char)?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        f.write_str("\"")
    }
}

/// A list of IPv4 addresses (options 3 and 6): parsed from the wire or given
/// by the caller as a slice.
#[derive(Clone, Copy)]
pub struct Ipv4List<'a>(ListInner<'a>);

#[derive(Clone, Copy)]
enum ListInner<'a> {
    Addrs(&'a [Ipv4Addr]),
    Data(OptionData<'a>),
}

impl<'a> Ipv4List<'a> {
    /// A list the caller built.
    pub const fn new(addrs: &'a [Ipv4Addr]) -> Self {
        Ipv4List(ListInner::Addrs(addrs))
    }
    /// Number of addresses.
    pub fn len(&self) -> usize {
        match self.0 {
            ListInner::Addrs(a) => a.len(),
            ListInner::Data(d) => d.len() / 4,
        }
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The first address.
    pub fn first(&self) -> Option<Ipv4Addr> {
        self.iter().next()
    }
    /// The addresses in order.
    pub fn iter(&self) -> impl Iterator<Item = Ipv4Addr> + Clone + use<'a> {
        let (a, d) = match self.0 {
            ListInner::Addrs(a) => (Some(a), None),
            ListInner::Data(d) => (None, Some(d)),
        };
        a.into_iter()
            .flat_map(|a| a.iter().copied())
            .chain(d.into_iter().flat_map(|d| d.addrs()))
    }
    fn bytes(&self) -> impl Iterator<Item = u8> + Clone + use<'a> {
        self.iter().flat_map(|a| a.octets())
    }
}

impl PartialEq for Ipv4List<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}
impl Eq for Ipv4List<'_> {}

impl fmt::Debug for Ipv4List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The options a repr has no typed field for, kept in wire order.
#[derive(Clone, Copy)]
pub struct OtherOptions<'a>(OtherInner<'a>);

#[derive(Clone, Copy)]
enum OtherInner<'a> {
    List(&'a [DhcpOption<'a>]),
    /// The only unknown option of a parsed message (the common case, kept
    /// so emit need not walk the message again).
    One(DhcpOption<'a>),
    Parsed(Areas<'a>),
}

impl<'a> OtherOptions<'a> {
    /// Options the caller wants emitted as they are (values over 255 bytes
    /// are rejected by emit: split them yourself or use a typed field).
    pub const fn new(list: &'a [DhcpOption<'a>]) -> Self {
        OtherOptions(OtherInner::List(list))
    }
    /// No other options.
    pub const fn none() -> Self {
        OtherOptions(OtherInner::List(&[]))
    }
    /// The option instances, in order.
    pub fn iter(&self) -> impl Iterator<Item = DhcpOption<'a>> + Clone + use<'a> {
        let (l, o, p) = match self.0 {
            OtherInner::List(l) => (Some(l), None, None),
            OtherInner::One(o) => (None, Some(o), None),
            OtherInner::Parsed(a) => (None, None, Some(a)),
        };
        l.into_iter()
            .flat_map(|l| l.iter().copied())
            .chain(o)
            .chain(
                p.into_iter()
                    .flat_map(|a| a.iter().filter(|o| !is_typed(o.code))),
            )
    }
    /// The value of option `code` (all its instances concatenated), if present.
    pub fn find(&self, code: u8) -> Option<OptionData<'a>> {
        match self.0 {
            OtherInner::List(l) => l
                .iter()
                .find(|o| o.code == code)
                .map(|o| OptionData::from_bytes(o.data)),
            OtherInner::One(o) => (o.code == code).then(|| OptionData::from_bytes(o.data)),
            OtherInner::Parsed(areas) => {
                let mut n = 0;
                let mut len = 0;
                let mut first: &[u8] = &[];
                for o in areas.iter().filter(|o| o.code == code) {
                    if n == 0 {
                        first = o.data;
                    }
                    n += 1;
                    len += o.data.len();
                }
                match n {
                    0 => None,
                    1 => Some(OptionData::from_bytes(first)),
                    _ => Some(OptionData(DataInner::Split { areas, code, len })),
                }
            }
        }
    }
}

impl PartialEq for OtherOptions<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}
impl Eq for OtherOptions<'_> {}

impl fmt::Debug for OtherOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.iter()
                    .map(|o| (o.code, OptionData::from_bytes(o.data))),
            )
            .finish()
    }
}

/// The option codes with a typed field in [`DhcpRepr`] (plus PAD, END and overload).
const TYPED: [u8; 23] = [
    opt::SUBNET_MASK,
    opt::ROUTER,
    opt::DNS_SERVERS,
    opt::HOSTNAME,
    opt::DOMAIN_NAME,
    opt::INTERFACE_MTU,
    opt::BROADCAST_ADDRESS,
    opt::REQUESTED_IP,
    opt::LEASE_TIME,
    opt::OVERLOAD,
    opt::MESSAGE_TYPE,
    opt::SERVER_ID,
    opt::PARAMETER_REQUEST_LIST,
    opt::MESSAGE,
    opt::MAX_MESSAGE_SIZE,
    opt::RENEWAL_TIME,
    opt::REBINDING_TIME,
    opt::CLIENT_ID,
    opt::TFTP_SERVER_NAME,
    opt::BOOTFILE_NAME,
    opt::RELAY_AGENT_INFO,
    opt::DOMAIN_SEARCH,
    opt::CLASSLESS_STATIC_ROUTES,
];

/// `TYPED` index + 1 by option code (0: not typed), so a lookup is one load.
const SLOTS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < TYPED.len() {
        t[TYPED[i] as usize] = i as u8 + 1;
        i += 1;
    }
    t
};

fn typed_slot(code: u8) -> Option<usize> {
    match SLOTS[code as usize] {
        0 => None,
        n => Some(n as usize - 1),
    }
}

fn is_typed(code: u8) -> bool {
    typed_slot(code).is_some()
}

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

/// The routes of an option 121 value (see [`DhcpRepr::classless_route_list`]).
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

/// Longest domain name on the wire (RFC 1035 §2.3.4).
const MAX_NAME_LEN: usize = 255;

/// Encodes domain names as an option 119 value (RFC 3397) into `out`, with
/// DNS name compression against the names written before; returns the length.
///
/// Names are dotted (`"eng.example.com"`, a trailing dot is allowed).
/// Errors: [`WireError::BadField`] for an empty or over-long label or name,
/// [`WireError::BufferTooSmall`] if `out` is too short.
///
/// ```
/// use pktkit_wire::dhcpv4::encode_domain_search;
/// let mut buf = [0u8; 64];
/// let n = encode_domain_search(&["eng.apple.com", "marketing.apple.com"], &mut buf).unwrap();
/// // RFC 3397 §2 example: the second name points back at "apple.com".
/// assert_eq!(&buf[..n], b"\x03eng\x05apple\x03com\x00\x09marketing\xc0\x04");
/// ```
pub fn encode_domain_search(names: &[&str], out: &mut [u8]) -> Result<usize> {
    let mut w = 0;
    for name in names {
        let name = name.strip_suffix('.').unwrap_or(name);
        let mut total = 1;
        let mut count = 0;
        for l in labels_of(name) {
            if l.is_empty() || l.len() > 63 {
                return Err(WireError::BadField);
            }
            total += l.len() + 1;
            count += 1;
        }
        if total > MAX_NAME_LEN {
            return Err(WireError::BadField);
        }
        // The longest suffix already in `out`.
        let mut pointer = None;
        for skip in 0..count {
            if let Some(q) = find_suffix(&out[..w], name, skip) {
                pointer = Some((skip, q));
                break;
            }
        }
        let keep = pointer.map_or(count, |(skip, _)| skip);
        for l in labels_of(name).take(keep) {
            let dst = out
                .get_mut(w..w + 1 + l.len())
                .ok_or(WireError::BufferTooSmall)?;
            dst[0] = l.len() as u8;
            dst[1..].copy_from_slice(l.as_bytes());
            w += 1 + l.len();
        }
        match pointer {
            Some((_, q)) => {
                let dst = out.get_mut(w..w + 2).ok_or(WireError::BufferTooSmall)?;
                dst.copy_from_slice(&(0xc000 | q as u16).to_be_bytes());
                w += 2;
            }
            None => {
                *out.get_mut(w).ok_or(WireError::BufferTooSmall)? = 0;
                w += 1;
            }
        }
    }
    Ok(w)
}

fn labels_of(name: &str) -> impl Iterator<Item = &str> + Clone {
    name.split('.').filter(move |_| !name.is_empty())
}

/// A position in `buf` (a label start written in place) whose name equals the
/// labels of `name` after skipping `skip` of them.
fn find_suffix(buf: &[u8], name: &str, skip: usize) -> Option<usize> {
    let mut pos = 0;
    while pos < buf.len() {
        let mut p = pos;
        loop {
            let l = *buf.get(p)? as usize;
            if l == 0 {
                pos = p + 1;
                break;
            }
            if l & 0xc0 == 0xc0 {
                pos = p + 2;
                break;
            }
            if p <= 0x3fff && name_eq(buf, p, labels_of(name).skip(skip)) {
                return Some(p);
            }
            p += 1 + l;
        }
    }
    None
}

/// Whether the (possibly compressed) name at `pos` in `buf` is exactly `labels`.
fn name_eq<'n>(buf: &[u8], mut pos: usize, mut labels: impl Iterator<Item = &'n str>) -> bool {
    let mut hops = 0;
    loop {
        let Some(&l) = buf.get(pos) else { return false };
        if l & 0xc0 == 0xc0 {
            let Some(&lo) = buf.get(pos + 1) else {
                return false;
            };
            let target = ((l as usize & 0x3f) << 8) | lo as usize;
            hops += 1;
            if target >= pos || hops > 128 {
                return false;
            }
            pos = target;
            continue;
        }
        let l = l as usize;
        if l == 0 {
            return labels.next().is_none();
        }
        let Some(want) = labels.next() else {
            return false;
        };
        match buf.get(pos + 1..pos + 1 + l) {
            Some(have) if have.eq_ignore_ascii_case(want.as_bytes()) => pos += 1 + l,
            _ => return false,
        }
    }
}

/// One name of an option 119 value.
#[derive(Clone, Copy, Debug)]
pub struct DomainName<'a> {
    data: OptionData<'a>,
    start: usize,
}

impl DomainName<'_> {
    /// Calls `f` with each label in order (at most 63 bytes each); stops early
    /// when `f` returns false. Returns the name's end in the value (just past
    /// the terminating zero or the first pointer).
    fn walk(&self, mut f: impl FnMut(&[u8]) -> bool) -> Result<usize> {
        let mut pos = self.start;
        let mut end = None;
        let mut total = 1;
        let mut label = [0u8; 63];
        loop {
            let l = self.data.get(pos).ok_or(WireError::BadOption)?;
            if l & 0xc0 == 0xc0 {
                let lo = self.data.get(pos + 1).ok_or(WireError::BadOption)?;
                let target = ((l as usize & 0x3f) << 8) | lo as usize;
                // Strictly backwards: every jump lowers `pos`, so the walk ends.
                if target >= pos {
                    return Err(WireError::BadOption);
                }
                end.get_or_insert(pos + 2);
                pos = target;
                continue;
            }
            if l & 0xc0 != 0 {
                return Err(WireError::BadOption);
            }
            if l == 0 {
                return Ok(end.unwrap_or(pos + 1));
            }
            let l = l as usize;
            total += l + 1;
            if total > MAX_NAME_LEN {
                return Err(WireError::BadOption);
            }
            if let Some(s) = self.data.as_slice() {
                let src = s.get(pos + 1..pos + 1 + l).ok_or(WireError::BadOption)?;
                label[..l].copy_from_slice(src);
            } else {
                for (i, b) in label[..l].iter_mut().enumerate() {
                    *b = self.data.get(pos + 1 + i).ok_or(WireError::BadOption)?;
                }
            }
            if !f(&label[..l]) {
                return Ok(0);
            }
            pos += 1 + l;
        }
    }

    /// True when the name equals the dotted `name` (ASCII case-insensitive).
    pub fn eq_str(&self, name: &str) -> bool {
        let name = name.strip_suffix('.').unwrap_or(name);
        let mut want = labels_of(name);
        let mut ok = true;
        let r = self.walk(|l| {
            ok = want
                .next()
                .is_some_and(|w| w.as_bytes().eq_ignore_ascii_case(l));
            ok
        });
        ok && r.is_ok() && want.next().is_none()
    }

    /// Writes the dotted name into `out` (no trailing dot; bytes outside
    /// printable ASCII as `\ddd`); `None` if it does not fit.
    pub fn write_to<'b>(&self, out: &'b mut [u8]) -> Option<&'b str> {
        let mut w = 0;
        let mut fits = true;
        let r = self.walk(|l| {
            let first = w == 0;
            let mut put = |b: u8| match out.get_mut(w) {
                Some(o) => {
                    *o = b;
                    w += 1;
                    true
                }
                None => {
                    fits = false;
                    false
                }
            };
            (first || put(b'.'))
                && l.iter().all(|&b| {
                    if b.is_ascii_graphic() && b != b'.' && b != b'\\' {
                        put(b)
                    } else {
                        put(b'\\')
                            && put(b'0' + b / 100)
                            && put(b'0' + b / 10 % 10)
                            && put(b'0' + b % 10)
                    }
                })
        });
        if !fits || r.is_err() {
            return None;
        }
        core::str::from_utf8(&out[..w]).ok()
    }
}

impl fmt::Display for DomainName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 4 * MAX_NAME_LEN];
        match self.write_to(&mut buf) {
            Some("") => f.write_str("."),
            Some(s) => f.write_str(s),
            None => f.write_str("<bad name>"),
        }
    }
}

/// The names of an option 119 value (see [`DhcpRepr::domain_search_list`]).
///
/// Yields `Err(BadOption)` once for a malformed name (cut short, a label
/// over 63 bytes, a name over 255, a compression pointer that does not point
/// strictly backwards), then stops.
#[derive(Clone, Debug)]
pub struct DomainSearch<'a> {
    data: OptionData<'a>,
    pos: usize,
}

impl<'a> DomainSearch<'a> {
    /// Walks the names in an option 119 value.
    pub const fn new(data: OptionData<'a>) -> Self {
        DomainSearch { data, pos: 0 }
    }
}

impl<'a> Iterator for DomainSearch<'a> {
    type Item = Result<DomainName<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.data.len() {
            return None;
        }
        let name = DomainName {
            data: self.data,
            start: self.pos,
        };
        match name.walk(|_| true) {
            Ok(end) => {
                self.pos = end;
                Some(Ok(name))
            }
            Err(e) => {
                self.pos = usize::MAX;
                Some(Err(e))
            }
        }
    }
}

/// A DHCPv4 message in typed form. See the [module docs](self).
///
/// Option values borrow the parsed buffer (or the caller's slices when
/// building one); nothing is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DhcpRepr<'a> {
    /// BOOTP `op`.
    pub op: OpCode,
    /// Option 53.
    pub message_type: MessageType,
    /// `htype` (1 = Ethernet).
    pub htype: u8,
    /// `hlen` (≤ 16).
    pub hlen: u8,
    /// `hops`.
    pub hops: u8,
    /// `xid`.
    pub xid: u32,
    /// `secs`.
    pub secs: u16,
    /// The broadcast bit of `flags` (the other bits are reserved, read as zero).
    pub broadcast: bool,
    /// `ciaddr`.
    pub ciaddr: Ipv4Addr,
    /// `yiaddr`.
    pub yiaddr: Ipv4Addr,
    /// `siaddr`.
    pub siaddr: Ipv4Addr,
    /// `giaddr`.
    pub giaddr: Ipv4Addr,
    /// `chaddr` (the first `hlen` bytes are meaningful).
    pub chaddr: [u8; 16],
    /// `sname` up to its first zero byte (empty when overloaded).
    pub sname: &'a [u8],
    /// `file` up to its first zero byte (empty when overloaded).
    pub file: &'a [u8],
    /// Option 1.
    pub subnet_mask: Option<Ipv4Addr>,
    /// Option 3.
    pub router: Option<Ipv4List<'a>>,
    /// Option 6.
    pub dns_servers: Option<Ipv4List<'a>>,
    /// Option 12.
    pub hostname: Option<OptionData<'a>>,
    /// Option 15.
    pub domain_name: Option<OptionData<'a>>,
    /// Option 26.
    pub interface_mtu: Option<u16>,
    /// Option 28.
    pub broadcast_address: Option<Ipv4Addr>,
    /// Option 50.
    pub requested_ip: Option<Ipv4Addr>,
    /// Option 51, seconds (`u32::MAX` = infinite).
    pub lease_time: Option<u32>,
    /// Option 54.
    pub server_id: Option<Ipv4Addr>,
    /// Option 55: the option codes the client asks for.
    pub parameter_request_list: Option<OptionData<'a>>,
    /// Option 56: a text message (e.g. why a NAK).
    pub message: Option<OptionData<'a>>,
    /// Option 57.
    pub max_message_size: Option<u16>,
    /// Option 58 (T1), seconds.
    pub renewal_time: Option<u32>,
    /// Option 59 (T2), seconds.
    pub rebinding_time: Option<u32>,
    /// Option 61.
    pub client_id: Option<OptionData<'a>>,
    /// Option 66.
    pub tftp_server_name: Option<OptionData<'a>>,
    /// Option 67.
    pub bootfile_name: Option<OptionData<'a>>,
    /// Option 82 (RFC 3046), kept raw; a server echoes it.
    pub relay_agent_info: Option<OptionData<'a>>,
    /// Option 119 (RFC 3397), encoded; read with [`DhcpRepr::domain_search_list`],
    /// build with [`encode_domain_search`].
    pub domain_search: Option<OptionData<'a>>,
    /// Option 121 (RFC 3442), encoded; read with [`DhcpRepr::classless_route_list`],
    /// build with [`encode_classless_routes`].
    pub classless_routes: Option<OptionData<'a>>,
    /// Every other option, in order.
    pub other: OtherOptions<'a>,
}

/// The value bytes handed to the option writer: a slice when contiguous.
enum Src<'s> {
    Slice(&'s [u8]),
    Iter(&'s mut dyn Iterator<Item = u8>),
}

/// Hands `d` to the option writer, as a slice when it is one.
fn put_data(f: &mut dyn FnMut(u8, usize, Src<'_>), code: u8, d: &OptionData<'_>) {
    match d.as_slice() {
        Some(b) => f(code, b.len(), Src::Slice(b)),
        None => f(code, d.len(), Src::Iter(&mut d.bytes())),
    }
}

/// Accumulated instances of one typed option during parse.
#[derive(Clone, Copy)]
struct Acc<'a> {
    first: &'a [u8],
    count: u32,
    len: usize,
}

impl<'a> DhcpRepr<'a> {
    /// A message with every field zero or absent except those given:
    /// op follows from `message_type`, htype/hlen are Ethernet, chaddr is `mac`.
    pub fn new_request(message_type: MessageType, xid: u32, mac: [u8; 6]) -> Self {
        let mut chaddr = [0u8; 16];
        chaddr[..6].copy_from_slice(&mac);
        DhcpRepr {
            op: message_type.opcode(),
            message_type,
            htype: 1,
            hlen: 6,
            hops: 0,
            xid,
            secs: 0,
            broadcast: false,
            ciaddr: Ipv4Addr::UNSPECIFIED,
            yiaddr: Ipv4Addr::UNSPECIFIED,
            siaddr: Ipv4Addr::UNSPECIFIED,
            giaddr: Ipv4Addr::UNSPECIFIED,
            chaddr,
            sname: &[],
            file: &[],
            subnet_mask: None,
            router: None,
            dns_servers: None,
            hostname: None,
            domain_name: None,
            interface_mtu: None,
            broadcast_address: None,
            requested_ip: None,
            lease_time: None,
            server_id: None,
            parameter_request_list: None,
            message: None,
            max_message_size: None,
            renewal_time: None,
            rebinding_time: None,
            client_id: None,
            tftp_server_name: None,
            bootfile_name: None,
            relay_agent_info: None,
            domain_search: None,
            classless_routes: None,
            other: OtherOptions::none(),
        }
    }

    /// The client's MAC address, when `htype`/`hlen` say Ethernet.
    pub fn client_mac(&self) -> Option<MacAddr> {
        (self.htype == 1 && self.hlen == 6)
            .then(|| MacAddr::from_slice(&self.chaddr).unwrap_or_default())
    }

    /// The meaningful part of `chaddr` (`hlen` bytes).
    pub fn client_hardware(&self) -> &[u8] {
        &self.chaddr[..(self.hlen as usize).min(16)]
    }

    /// The routes of option 121, if present.
    pub fn classless_route_list(&self) -> Option<ClasslessRoutes<'a>> {
        self.classless_routes.map(ClasslessRoutes::new)
    }

    /// The names of option 119, if present.
    pub fn domain_search_list(&self) -> Option<DomainSearch<'a>> {
        self.domain_search.map(DomainSearch::new)
    }

    /// Whether the parameter request list (option 55) asks for `code`.
    pub fn requests_option(&self, code: u8) -> bool {
        self.parameter_request_list
            .is_some_and(|p| p.bytes().any(|c| c == code))
    }

    /// Reads and validates a message. See the [module docs](self) for what is checked.
    ///
    /// Errors: [`WireError::Truncated`] (shorter than the fixed part),
    /// [`WireError::BadField`] (magic cookie, `hlen` over 16),
    /// [`WireError::BadOption`] (an option cut short, an impossible length
    /// for a typed option, a bad overload value, a malformed option 119/121),
    /// [`WireError::Unsupported`] (no message type: plain BOOTP).
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &DhcpPacket<&'a T>) -> Result<Self> {
        packet.check_len()?;
        let bytes = packet.as_bytes();
        if packet.magic_cookie() != MAGIC_COOKIE {
            return Err(WireError::BadField);
        }
        let hlen = packet.hardware_len();
        if hlen > 16 {
            return Err(WireError::BadField);
        }
        // The options field first: it alone may hold option 52.
        let mut overload = 0;
        for o in packet.options() {
            let o = o?;
            if o.code == opt::OVERLOAD {
                match o.data {
                    [v @ 1..=3] if overload == 0 => overload = *v,
                    _ => return Err(WireError::BadOption),
                }
            }
        }
        let areas = Areas {
            packet: bytes,
            overload,
        };
        let empty = Acc {
            first: &[],
            count: 0,
            len: 0,
        };
        let mut acc = [empty; TYPED.len()];
        let mut unknown = 0usize;
        let mut first_unknown = None;
        for i in 0..3 {
            for o in RawOptions::new(areas.area(i)) {
                let o = o?;
                if o.code == opt::OVERLOAD && i != 0 {
                    return Err(WireError::BadOption);
                }
                if o.code != opt::OVERLOAD && typed_slot(o.code).is_none() {
                    unknown += 1;
                    first_unknown = Some(o);
                }
                if let Some(slot) = typed_slot(o.code) {
                    let a = &mut acc[slot];
                    if a.count == 0 {
                        a.first = o.data;
                    }
                    a.count += 1;
                    a.len += o.data.len();
                }
            }
        }
        let data = |code: u8| -> Option<OptionData<'a>> {
            let a = acc[typed_slot(code)?];
            match a.count {
                0 => None,
                1 => Some(OptionData::from_bytes(a.first)),
                _ => Some(OptionData(DataInner::Split {
                    areas,
                    code,
                    len: a.len,
                })),
            }
        };
        let fixed4 = |code: u8| -> Result<Option<[u8; 4]>> {
            data(code)
                .map(|d| d.array::<4>().ok_or(WireError::BadOption))
                .transpose()
        };
        let fixed2 = |code: u8| -> Result<Option<u16>> {
            data(code)
                .map(|d| {
                    d.array::<2>()
                        .map(u16::from_be_bytes)
                        .ok_or(WireError::BadOption)
                })
                .transpose()
        };
        let list = |code: u8| -> Result<Option<Ipv4List<'a>>> {
            match data(code) {
                Some(d) if d.is_empty() || d.len() % 4 != 0 => Err(WireError::BadOption),
                d => Ok(d.map(|d| Ipv4List(ListInner::Data(d)))),
            }
        };
        let message_type = match data(opt::MESSAGE_TYPE) {
            None => return Err(WireError::Unsupported),
            Some(d) => MessageType::from(d.array::<1>().ok_or(WireError::BadOption)?[0]),
        };
        let interface_mtu = fixed2(opt::INTERFACE_MTU)?;
        if interface_mtu.is_some_and(|m| m < 68) {
            return Err(WireError::BadOption);
        }
        let domain_search = data(opt::DOMAIN_SEARCH);
        if let Some(d) = domain_search {
            for n in DomainSearch::new(d) {
                n?;
            }
        }
        let classless_routes = data(opt::CLASSLESS_STATIC_ROUTES);
        if let Some(d) = classless_routes {
            for r in ClasslessRoutes::new(d) {
                r?;
            }
        }
        let until_nul = |f: &'a [u8]| &f[..f.iter().position(|&b| b == 0).unwrap_or(f.len())];
        let sname = if overload & 2 != 0 {
            &[][..]
        } else {
            until_nul(&bytes[field::SNAME])
        };
        let file = if overload & 1 != 0 {
            &[][..]
        } else {
            until_nul(&bytes[field::FILE])
        };
        Ok(DhcpRepr {
            op: packet.opcode(),
            message_type,
            htype: packet.hardware_type(),
            hlen,
            hops: packet.hops(),
            xid: packet.transaction_id(),
            secs: packet.secs(),
            broadcast: packet.broadcast_flag(),
            ciaddr: packet.client_ip(),
            yiaddr: packet.your_ip(),
            siaddr: packet.server_ip(),
            giaddr: packet.relay_agent_ip(),
            chaddr: packet.client_hardware_field(),
            sname,
            file,
            subnet_mask: fixed4(opt::SUBNET_MASK)?.map(Ipv4Addr::from),
            router: list(opt::ROUTER)?,
            dns_servers: list(opt::DNS_SERVERS)?,
            hostname: data(opt::HOSTNAME),
            domain_name: data(opt::DOMAIN_NAME),
            interface_mtu,
            broadcast_address: fixed4(opt::BROADCAST_ADDRESS)?.map(Ipv4Addr::from),
            requested_ip: fixed4(opt::REQUESTED_IP)?.map(Ipv4Addr::from),
            lease_time: fixed4(opt::LEASE_TIME)?.map(u32::from_be_bytes),
            server_id: fixed4(opt::SERVER_ID)?.map(Ipv4Addr::from),
            parameter_request_list: data(opt::PARAMETER_REQUEST_LIST),
            message: data(opt::MESSAGE),
            max_message_size: fixed2(opt::MAX_MESSAGE_SIZE)?,
            renewal_time: fixed4(opt::RENEWAL_TIME)?.map(u32::from_be_bytes),
            rebinding_time: fixed4(opt::REBINDING_TIME)?.map(u32::from_be_bytes),
            client_id: data(opt::CLIENT_ID),
            tftp_server_name: data(opt::TFTP_SERVER_NAME),
            bootfile_name: data(opt::BOOTFILE_NAME),
            relay_agent_info: data(opt::RELAY_AGENT_INFO),
            domain_search,
            classless_routes,
            other: match (unknown, first_unknown) {
                (1, Some(o)) => OtherOptions(OtherInner::One(o)),
                (0, _) => OtherOptions::none(),
                _ => OtherOptions(OtherInner::Parsed(areas)),
            },
        })
    }

    /// Calls `f(code, len, bytes)` for each option to emit, in emit order.
    fn for_each_option(&self, mut f: impl FnMut(u8, usize, Src<'_>)) {
        let mtype = [u8::from(self.message_type)];
        f(opt::MESSAGE_TYPE, 1, Src::Slice(&mtype));
        let a4 = |f: &mut dyn FnMut(u8, usize, Src<'_>), code, v: Option<[u8; 4]>| {
            if let Some(v) = v {
                f(code, 4, Src::Slice(&v));
            }
        };
        a4(&mut f, opt::SERVER_ID, self.server_id.map(|a| a.octets()));
        a4(
            &mut f,
            opt::LEASE_TIME,
            self.lease_time.map(u32::to_be_bytes),
        );
        a4(
            &mut f,
            opt::RENEWAL_TIME,
            self.renewal_time.map(u32::to_be_bytes),
        );
        a4(
            &mut f,
            opt::REBINDING_TIME,
            self.rebinding_time.map(u32::to_be_bytes),
        );
        a4(
            &mut f,
            opt::SUBNET_MASK,
            self.subnet_mask.map(|a| a.octets()),
        );
        a4(
            &mut f,
            opt::BROADCAST_ADDRESS,
            self.broadcast_address.map(|a| a.octets()),
        );
        for (code, l) in [
            (opt::ROUTER, self.router),
            (opt::DNS_SERVERS, self.dns_servers),
        ] {
            if let Some(l) = l {
                match l.0 {
                    ListInner::Data(d) => put_data(&mut f, code, &d),
                    ListInner::Addrs(_) => f(code, l.len() * 4, Src::Iter(&mut l.bytes())),
                }
            }
        }
        let data = [
            (opt::DOMAIN_NAME, self.domain_name),
            (opt::HOSTNAME, self.hostname),
        ];
        for (code, d) in data {
            if let Some(d) = d {
                put_data(&mut f, code, &d);
            }
        }
        if let Some(m) = self.interface_mtu {
            f(opt::INTERFACE_MTU, 2, Src::Slice(&m.to_be_bytes()));
        }
        a4(
            &mut f,
            opt::REQUESTED_IP,
            self.requested_ip.map(|a| a.octets()),
        );
        if let Some(m) = self.max_message_size {
            f(opt::MAX_MESSAGE_SIZE, 2, Src::Slice(&m.to_be_bytes()));
        }
        let data = [
            (opt::PARAMETER_REQUEST_LIST, self.parameter_request_list),
            (opt::CLIENT_ID, self.client_id),
            (opt::MESSAGE, self.message),
            (opt::TFTP_SERVER_NAME, self.tftp_server_name),
            (opt::BOOTFILE_NAME, self.bootfile_name),
            (opt::DOMAIN_SEARCH, self.domain_search),
            (opt::CLASSLESS_STATIC_ROUTES, self.classless_routes),
        ];
        for (code, d) in data {
            if let Some(d) = d {
                put_data(&mut f, code, &d);
            }
        }
        for o in self.other.iter() {
            f(o.code, o.data.len(), Src::Slice(o.data));
        }
        // RFC 3046 §2.1: the relay agent information option comes last.
        if let Some(d) = self.relay_agent_info {
            put_data(&mut f, opt::RELAY_AGENT_INFO, &d);
        }
    }

    /// Bytes of the options field as emitted, END included.
    fn options_len(&self) -> usize {
        let mut n = 1;
        self.for_each_option(|_, len, _| n += 2 * len.div_ceil(255).max(1) + len);
        n
    }

    /// The length [`emit`](Self::emit) writes: the fixed part, the options and
    /// END, padded to [`BOOTP_MIN_LEN`].
    pub fn buffer_len(&self) -> usize {
        (HEADER_LEN + self.options_len()).max(BOOTP_MIN_LEN)
    }

    /// Writes the message into `packet` (at least [`buffer_len`](Self::buffer_len)
    /// bytes; anything after the options is filled with PAD). Options longer
    /// than 255 bytes are split into several instances (RFC 3396).
    ///
    /// Errors: [`WireError::BufferTooSmall`], [`WireError::BadField`] (`hlen`
    /// over 16, `sname` over 64 or `file` over 128 bytes, an entry of
    /// [`DhcpRepr::other`] that is PAD/END or over 255 bytes).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(
        &self,
        packet: &mut DhcpPacket<&mut T>,
    ) -> Result<()> {
        if self.hlen > 16 || self.sname.len() > 64 || self.file.len() > 128 {
            return Err(WireError::BadField);
        }
        // Parsed options are well-formed by construction; check the caller's.
        if let OtherInner::List(list) = self.other.0
            && list
                .iter()
                .any(|o| o.code == opt::PAD || o.code == opt::END || o.data.len() > 255)
        {
            return Err(WireError::BadField);
        }
        if packet.buffer.as_ref().len() < self.buffer_len() {
            return Err(WireError::BufferTooSmall);
        }
        packet.set_opcode(self.op);
        packet.set_hardware_type(self.htype);
        packet.set_hardware_len(self.hlen);
        packet.set_hops(self.hops);
        packet.set_transaction_id(self.xid);
        packet.set_secs(self.secs);
        packet.set_flags(if self.broadcast { FLAG_BROADCAST } else { 0 });
        packet.set_client_ip(self.ciaddr);
        packet.set_your_ip(self.yiaddr);
        packet.set_server_ip(self.siaddr);
        packet.set_relay_agent_ip(self.giaddr);
        packet.set_client_hardware_field(&self.chaddr);
        packet.set_server_name_field(self.sname)?;
        packet.set_boot_file_field(self.file)?;
        packet.set_magic_cookie();
        let out = packet.options_field_mut();
        let mut at = 0;
        self.for_each_option(|code, len, mut src| {
            let mut left = len;
            let mut from = 0;
            loop {
                let n = left.min(255);
                out[at] = code;
                out[at + 1] = n as u8;
                let dst = &mut out[at + 2..at + 2 + n];
                match &mut src {
                    Src::Slice(b) => dst.copy_from_slice(&b[from..from + n]),
                    Src::Iter(it) => {
                        for slot in dst {
                            *slot = it.next().unwrap_or(0);
                        }
                    }
                }
                from += n;
                at += 2 + n;
                left -= n;
                if left == 0 {
                    break;
                }
            }
        });
        out[at] = opt::END;
        out[at + 1..].fill(opt::PAD);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;
    use std::vec::Vec;

    // Built with scapy 2.8 (an independent encoder):
    // BOOTP(op=1, xid=0x3903f326, chaddr=52:54:00:12:34:56) / DHCP(options=[
    //   message-type=discover, hostname="guest", requested_addr=192.168.1.100,
    //   max_dhcp_size=1500, param_req_list=[1,3,6,15,26,28,119,121],
    //   client_id=01:52:54:00:12:34:56, end])
    static DISCOVER_BYTES: [u8; 280] = [
        0x01, 0x01, 0x06, 0x00, 0x39, 0x03, 0xf3, 0x26, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x52, 0x54,
        0x00, 0x12, 0x34, 0x56, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x63, 0x82, 0x53, 0x63,
        0x35, 0x01, 0x01, 0x0c, 0x05, 0x67, 0x75, 0x65, 0x73, 0x74, 0x32, 0x04, 0xc0, 0xa8, 0x01,
        0x64, 0x39, 0x02, 0x05, 0xdc, 0x37, 0x08, 0x01, 0x03, 0x06, 0x0f, 0x1a, 0x1c, 0x77, 0x79,
        0x3d, 0x07, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0xff,
    ];

    // scapy: BOOTP(op=2, xid=0x3903f326, secs=3, flags=0x8000, yiaddr=192.168.1.100,
    //   siaddr=192.168.1.1) / DHCP(options=[ack, server_id, lease 3600, T1 1800,
    //   T2 3150, mask /24, broadcast, router, DNS 192.168.1.1 + 9.9.9.9,
    //   domain "example.test", MTU 1400, 119 = RFC 3397 example, 121 = RFC 3442
    //   example + default route, (224, "private"), 82 = 01 04 "eth0", end])
    static ACK_BYTES: [u8; 374] = [
        0x02, 0x01, 0x06, 0x00, 0x39, 0x03, 0xf3, 0x26, 0x00, 0x03, 0x80, 0x00, 0x00, 0x00, 0x00,
        0x00, 0xc0, 0xa8, 0x01, 0x64, 0xc0, 0xa8, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x52, 0x54,
        0x00, 0x12, 0x34, 0x56, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x63, 0x82, 0x53, 0x63,
        0x35, 0x01, 0x05, 0x36, 0x04, 0xc0, 0xa8, 0x01, 0x01, 0x33, 0x04, 0x00, 0x00, 0x0e, 0x10,
        0x3a, 0x04, 0x00, 0x00, 0x07, 0x08, 0x3b, 0x04, 0x00, 0x00, 0x0c, 0x4e, 0x01, 0x04, 0xff,
        0xff, 0xff, 0x00, 0x1c, 0x04, 0xc0, 0xa8, 0x01, 0xff, 0x03, 0x04, 0xc0, 0xa8, 0x01, 0x01,
        0x06, 0x08, 0xc0, 0xa8, 0x01, 0x01, 0x09, 0x09, 0x09, 0x09, 0x0f, 0x0c, 0x65, 0x78, 0x61,
        0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x74, 0x65, 0x73, 0x74, 0x1a, 0x02, 0x05, 0x78, 0x77, 0x1b,
        0x03, 0x65, 0x6e, 0x67, 0x05, 0x61, 0x70, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00,
        0x09, 0x6d, 0x61, 0x72, 0x6b, 0x65, 0x74, 0x69, 0x6e, 0x67, 0xc0, 0x04, 0x79, 0x0c, 0x10,
        0x0a, 0x11, 0x0a, 0x00, 0x00, 0x01, 0x00, 0xc0, 0xa8, 0x01, 0x01, 0xe0, 0x07, 0x70, 0x72,
        0x69, 0x76, 0x61, 0x74, 0x65, 0x52, 0x06, 0x01, 0x04, 0x65, 0x74, 0x68, 0x30, 0xff,
    ];

    // scapy: an OFFER whose option 52 = 3 overloads file and sname, with the
    // hostname ("very" + "-long"), DNS list (10.0.0.1 + 9.9.9.9) and search
    // list ("\x07example" + "\x03com\x00") split across areas (RFC 3396).
    static OVERLOAD_BYTES: [u8; 269] = [
        0x02, 0x01, 0x06, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x0a, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x52, 0x54,
        0x00, 0x12, 0x34, 0x56, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c,
        0x05, 0x2d, 0x6c, 0x6f, 0x6e, 0x67, 0x77, 0x05, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0xff, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x0c, 0x04, 0x76, 0x65, 0x72, 0x79, 0x06, 0x04, 0x09, 0x09, 0x09, 0x09,
        0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x63, 0x82, 0x53, 0x63,
        0x35, 0x01, 0x02, 0x34, 0x01, 0x03, 0x06, 0x04, 0x0a, 0x00, 0x00, 0x01, 0x77, 0x08, 0x07,
        0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x36, 0x04, 0x0a, 0x00, 0x00, 0x01, 0xff,
    ];

    const MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
    const CLIENT_ID: [u8; 7] = [0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
    const PARAMS: [u8; 8] = [1, 3, 6, 15, 26, 28, 119, 121];
    const SEARCH: &[u8] = b"\x03eng\x05apple\x03com\x00\x09marketing\xc0\x04";
    const ROUTES: [u8; 12] = [16, 10, 17, 10, 0, 0, 1, 0, 192, 168, 1, 1];

    fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Addr {
        Ipv4Addr::new(a, b, c, d)
    }

    fn parse(bytes: &[u8]) -> Result<DhcpRepr<'_>> {
        DhcpRepr::parse(&DhcpPacket::new_checked(bytes)?)
    }

    fn emit(repr: &DhcpRepr<'_>) -> Vec<u8> {
        let mut buf = std::vec![0xa5u8; repr.buffer_len()];
        repr.emit(&mut DhcpPacket::new_unchecked(&mut buf[..]))
            .unwrap();
        buf
    }

    fn discover_repr() -> DhcpRepr<'static> {
        let mut r = DhcpRepr::new_request(MessageType::Discover, 0x3903_f326, MAC);
        r.hostname = Some(OptionData::from_bytes(b"guest"));
        r.requested_ip = Some(ip(192, 168, 1, 100));
        r.max_message_size = Some(1500);
        r.parameter_request_list = Some(OptionData::from_bytes(&PARAMS));
        r.client_id = Some(OptionData::from_bytes(&CLIENT_ID));
        r
    }

    static ROUTERS: [Ipv4Addr; 1] = [Ipv4Addr::new(192, 168, 1, 1)];
    static DNS: [Ipv4Addr; 2] = [Ipv4Addr::new(192, 168, 1, 1), Ipv4Addr::new(9, 9, 9, 9)];
    static OTHER: [DhcpOption<'static>; 1] = [DhcpOption {
        code: 224,
        data: b"private",
    }];

    fn ack_repr() -> DhcpRepr<'static> {
        let mut r = DhcpRepr::new_request(MessageType::Ack, 0x3903_f326, MAC);
        r.secs = 3;
        r.broadcast = true;
        r.yiaddr = ip(192, 168, 1, 100);
        r.siaddr = ip(192, 168, 1, 1);
        r.server_id = Some(ip(192, 168, 1, 1));
        r.lease_time = Some(3600);
        r.renewal_time = Some(1800);
        r.rebinding_time = Some(3150);
        r.subnet_mask = Some(ip(255, 255, 255, 0));
        r.broadcast_address = Some(ip(192, 168, 1, 255));
        r.router = Some(Ipv4List::new(&ROUTERS));
        r.dns_servers = Some(Ipv4List::new(&DNS));
        r.domain_name = Some(OptionData::from_bytes(b"example.test"));
        r.interface_mtu = Some(1400);
        r.domain_search = Some(OptionData::from_bytes(SEARCH));
        r.classless_routes = Some(OptionData::from_bytes(&ROUTES));
        r.other = OtherOptions::new(&OTHER);
        r.relay_agent_info = Some(OptionData::from_bytes(b"\x01\x04eth0"));
        r
    }

    #[test]
    fn deconstruct_discover() {
        let p = DhcpPacket::new_checked(&DISCOVER_BYTES[..]).unwrap();
        assert_eq!(p.opcode(), OpCode::Request);
        assert_eq!(p.hardware_type(), 1);
        assert_eq!(p.hardware_len(), 6);
        assert_eq!(p.hops(), 0);
        assert_eq!(p.transaction_id(), 0x3903_f326);
        assert_eq!(p.secs(), 0);
        assert!(!p.broadcast_flag());
        assert_eq!(p.client_ip(), Ipv4Addr::UNSPECIFIED);
        assert_eq!(p.client_hardware_address(), MacAddr(MAC));
        assert_eq!(p.magic_cookie(), MAGIC_COOKIE);
        let opts: Vec<_> = p.options().map(|o| o.unwrap().code).collect();
        assert_eq!(opts, [53, 12, 50, 57, 55, 61]);
    }

    #[test]
    fn parse_discover() {
        let r = parse(&DISCOVER_BYTES).unwrap();
        assert_eq!(r, discover_repr());
        assert_eq!(r.client_mac(), Some(MacAddr(MAC)));
        assert!(r.requests_option(opt::CLASSLESS_STATIC_ROUTES));
        assert!(!r.requests_option(opt::HOSTNAME));
        assert_eq!(r.other.iter().count(), 0);
    }

    #[test]
    fn construct_discover() {
        let r = discover_repr();
        assert_eq!(r.buffer_len(), BOOTP_MIN_LEN);
        let buf = emit(&r);
        assert_eq!(&buf[..DISCOVER_BYTES.len()], &DISCOVER_BYTES[..]);
        assert!(buf[DISCOVER_BYTES.len()..].iter().all(|&b| b == 0));
    }

    #[test]
    fn parse_ack() {
        let r = parse(&ACK_BYTES).unwrap();
        assert_eq!(r, ack_repr());
        assert_eq!(r.op, OpCode::Reply);
        assert_eq!(r.dns_servers.unwrap().iter().collect::<Vec<_>>(), DNS);
        let routes: Vec<_> = r
            .classless_route_list()
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(
            routes,
            [
                ClasslessRoute {
                    destination: ip(10, 17, 0, 0),
                    prefix_len: 16,
                    router: ip(10, 0, 0, 1)
                },
                ClasslessRoute {
                    destination: Ipv4Addr::UNSPECIFIED,
                    prefix_len: 0,
                    router: ip(192, 168, 1, 1)
                },
            ]
        );
        let names: Vec<_> = r
            .domain_search_list()
            .unwrap()
            .map(|n| n.unwrap().to_string())
            .collect();
        assert_eq!(names, ["eng.apple.com", "marketing.apple.com"]);
        assert!(
            r.domain_search_list()
                .unwrap()
                .nth(1)
                .unwrap()
                .unwrap()
                .eq_str("Marketing.Apple.COM.")
        );
        assert_eq!(r.other.find(224).unwrap().as_slice(), Some(&b"private"[..]));
    }

    #[test]
    fn construct_ack() {
        let buf = emit(&ack_repr());
        assert_eq!(&buf[..], &ACK_BYTES[..]);
    }

    #[test]
    fn overload_and_split_options() {
        let r = parse(&OVERLOAD_BYTES).unwrap();
        assert_eq!(r.message_type, MessageType::Offer);
        assert_eq!(r.sname, b"");
        assert_eq!(r.file, b"");
        let host = r.hostname.unwrap();
        assert!(host.as_slice().is_none(), "split across file and sname");
        assert!(host.eq_bytes(b"very-long"));
        let mut buf = [0u8; 16];
        assert_eq!(host.copy_to(&mut buf), Some(&b"very-long"[..]));
        assert_eq!(host.get(4), Some(b'-'));
        assert_eq!(
            r.dns_servers.unwrap().iter().collect::<Vec<_>>(),
            [ip(10, 0, 0, 1), ip(9, 9, 9, 9)]
        );
        let names: Vec<_> = r
            .domain_search_list()
            .unwrap()
            .map(|n| n.unwrap().to_string())
            .collect();
        assert_eq!(names, ["example.com"]);
        assert_eq!(r.server_id, Some(ip(10, 0, 0, 1)));
        // Emitted without overload, read back the same.
        let out = emit(&r);
        let again = parse(&out).unwrap();
        assert_eq!(again, r);
        assert!(again.hostname.unwrap().as_slice().is_some());
    }

    #[test]
    fn long_option_is_split_and_joined() {
        let long = [b'x'; 600];
        let mut r = DhcpRepr::new_request(MessageType::Inform, 7, MAC);
        r.hostname = Some(OptionData::from_bytes(&long));
        // 53 (3) + 3 instances of 12 (255 + 255 + 90, each +2) + END.
        assert_eq!(r.buffer_len(), HEADER_LEN + 3 + 606 + 1);
        let buf = emit(&r);
        let instances: Vec<_> = DhcpPacket::new_checked(&buf[..])
            .unwrap()
            .options()
            .map(|o| o.unwrap())
            .filter(|o| o.code == opt::HOSTNAME)
            .map(|o| o.data.len())
            .collect();
        assert_eq!(instances, [255, 255, 90]);
        let back = parse(&buf).unwrap();
        assert!(back.hostname.unwrap().eq_bytes(&long));
        assert_eq!(back, r);
    }

    #[test]
    fn domain_search_encoding() {
        let mut buf = [0u8; 128];
        let n = encode_domain_search(&["eng.apple.com", "marketing.apple.com"], &mut buf).unwrap();
        assert_eq!(&buf[..n], SEARCH);
        // An exact repeat becomes a bare pointer; a new tail is written out.
        let n =
            encode_domain_search(&["a.b.test", "a.b.test.", "c.test", "other"], &mut buf).unwrap();
        assert_eq!(
            &buf[..n],
            b"\x01a\x01b\x04test\x00\xc0\x00\x01c\xc0\x04\x05other\x00"
        );
        let d = OptionData::from_bytes(&buf[..n]);
        let names: Vec<_> = DomainSearch::new(d)
            .map(|n| n.unwrap().to_string())
            .collect();
        assert_eq!(names, ["a.b.test", "a.b.test", "c.test", "other"]);
        for bad in [&["a..b"][..], &["x".repeat(64).as_str()][..]] {
            assert_eq!(
                encode_domain_search(bad, &mut buf),
                Err(WireError::BadField)
            );
        }
        assert_eq!(
            encode_domain_search(&["example.com"], &mut buf[..5]),
            Err(WireError::BufferTooSmall)
        );
    }

    #[test]
    fn domain_search_malformed() {
        let cases: [&[u8]; 6] = [
            b"\x03com",           // cut short (no terminator)
            b"\x03co",            // label runs past the end
            b"\xc0\x00",          // points at itself
            b"\x01a\x00\xc0\x05", // points forward
            b"\x40abc\x00",       // reserved label type
            b"\x01a\xc0",         // pointer cut short
        ];
        for c in cases {
            let d = OptionData::from_bytes(c);
            let r: Vec<_> = DomainSearch::new(d).collect();
            assert_eq!(
                r.last().unwrap().as_ref().err(),
                Some(&WireError::BadOption),
                "{c:?}"
            );
        }
        // A name over 255 bytes through pointers.
        let mut long = Vec::new();
        for _ in 0..5 {
            long.push(63);
            long.extend_from_slice(&[b'a'; 63]);
        }
        long.push(0);
        assert!(
            DomainSearch::new(OptionData::from_bytes(&long))
                .next()
                .unwrap()
                .is_err()
        );
    }

    #[test]
    fn classless_routes_rfc3442() {
        // RFC 3442 §1 examples of destination encodings.
        let routes = [
            ClasslessRoute {
                destination: ip(0, 0, 0, 0),
                prefix_len: 0,
                router: ip(10, 0, 0, 1),
            },
            ClasslessRoute {
                destination: ip(10, 0, 0, 0),
                prefix_len: 8,
                router: ip(10, 0, 0, 2),
            },
            ClasslessRoute {
                destination: ip(10, 0, 0, 0),
                prefix_len: 24,
                router: ip(0, 0, 0, 0),
            },
            ClasslessRoute {
                destination: ip(10, 0, 127, 0),
                prefix_len: 25,
                router: ip(10, 0, 0, 3),
            },
            ClasslessRoute {
                destination: ip(10, 1, 2, 3),
                prefix_len: 32,
                router: ip(10, 0, 0, 4),
            },
        ];
        let mut buf = [0u8; 64];
        let n = encode_classless_routes(&routes, &mut buf).unwrap();
        assert_eq!(
            &buf[..n],
            &[
                0, 10, 0, 0, 1, //
                8, 10, 10, 0, 0, 2, //
                24, 10, 0, 0, 0, 0, 0, 0, //
                25, 10, 0, 127, 0, 10, 0, 0, 3, //
                32, 10, 1, 2, 3, 10, 0, 0, 4,
            ]
        );
        let back: Vec<_> = ClasslessRoutes::new(OptionData::from_bytes(&buf[..n]))
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(back, routes);
        // Host bits past the prefix are cleared on read.
        let r = ClasslessRoutes::new(OptionData::from_bytes(&[9, 10, 255, 1, 1, 1, 1]))
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(r.destination, ip(10, 128, 0, 0));
        for bad in [
            &[33u8, 1, 2, 3, 4, 5, 6, 7, 8][..],
            &[24, 10, 0, 0, 1, 1][..],
        ] {
            let r: Vec<_> = ClasslessRoutes::new(OptionData::from_bytes(bad)).collect();
            assert_eq!(r, [Err(WireError::BadOption)]);
        }
        assert_eq!(
            encode_classless_routes(
                &[ClasslessRoute {
                    destination: ip(0, 0, 0, 0),
                    prefix_len: 33,
                    router: ip(0, 0, 0, 0)
                }],
                &mut buf
            ),
            Err(WireError::BadField)
        );
    }

    /// DISCOVER_BYTES with its options field replaced by `opts`.
    fn with_options(opts: &[u8]) -> Vec<u8> {
        let mut v = DISCOVER_BYTES[..HEADER_LEN].to_vec();
        v.extend_from_slice(opts);
        v
    }

    #[test]
    fn malformed() {
        assert_eq!(
            parse(&DISCOVER_BYTES[..HEADER_LEN - 1]).err(),
            Some(WireError::Truncated)
        );
        let mut b = DISCOVER_BYTES;
        b[236] = 0;
        assert_eq!(parse(&b).err(), Some(WireError::BadField), "cookie");
        let mut b = DISCOVER_BYTES;
        b[2] = 17;
        assert_eq!(parse(&b).err(), Some(WireError::BadField), "hlen");
        let cases: [(&[u8], WireError); 13] = [
            (&[53, 1, 1, 12, 9, b'a'], WireError::BadOption), // runs past the end
            (&[53, 1, 1, 12], WireError::BadOption),          // length byte missing
            (&[12, 1, b'a', 255], WireError::Unsupported),    // no message type (BOOTP)
            (&[53, 2, 1, 1, 255], WireError::BadOption),      // message type length
            (&[53, 1, 1, 1, 3, 255, 255, 255], WireError::BadOption), // mask length
            (&[53, 1, 1, 3, 6, 1, 2, 3, 4, 5, 6], WireError::BadOption), // router length
            (&[53, 1, 1, 6, 0], WireError::BadOption),        // empty DNS list
            (&[53, 1, 1, 51, 2, 0, 1], WireError::BadOption), // lease time length
            (&[53, 1, 1, 26, 2, 0, 67], WireError::BadOption), // MTU below 68
            (&[53, 1, 1, 52, 1, 4], WireError::BadOption),    // overload value
            (&[53, 1, 1, 52, 2, 1, 1], WireError::BadOption), // overload length
            (&[53, 1, 1, 119, 2, 0xc0, 0], WireError::BadOption), // search loop
            (&[53, 1, 1, 121, 2, 33, 0], WireError::BadOption), // route width
        ];
        for (opts, err) in cases {
            assert_eq!(parse(&with_options(opts)).err(), Some(err), "{opts:?}");
        }
        // Option 52 may only sit in the options field.
        let mut b = with_options(&[53, 1, 2, 52, 1, 1, 255]);
        b[108..111].copy_from_slice(&[52, 1, 2]);
        assert_eq!(parse(&b).err(), Some(WireError::BadOption));
        // A missing END is tolerated; options after END are ignored.
        assert!(parse(&with_options(&[53, 1, 1])).is_ok());
        let b = with_options(&[53, 1, 1, 255, 12, 200]);
        assert_eq!(parse(&b).unwrap().hostname, None);
        // Not overloaded: file and sname are plain text, even if they look like options.
        let mut b = with_options(&[53, 1, 1, 255]);
        b[108..111].copy_from_slice(&[52, 1, 2]);
        assert_eq!(parse(&b).unwrap().file, &[52, 1, 2]);
    }

    #[test]
    fn emit_errors() {
        let r = discover_repr();
        let mut small = [0u8; 299];
        assert_eq!(
            r.emit(&mut DhcpPacket::new_unchecked(&mut small[..])),
            Err(WireError::BufferTooSmall)
        );
        let mut buf = [0u8; 400];
        let mut bad = r;
        bad.sname = &[b'a'; 65];
        assert_eq!(
            bad.emit(&mut DhcpPacket::new_unchecked(&mut buf[..])),
            Err(WireError::BadField)
        );
        let mut bad = r;
        bad.hlen = 17;
        assert_eq!(
            bad.emit(&mut DhcpPacket::new_unchecked(&mut buf[..])),
            Err(WireError::BadField)
        );
        static END: [DhcpOption<'static>; 1] = [DhcpOption {
            code: 255,
            data: b"",
        }];
        let mut bad = r;
        bad.other = OtherOptions::new(&END);
        assert_eq!(
            bad.emit(&mut DhcpPacket::new_unchecked(&mut buf[..])),
            Err(WireError::BadField)
        );
    }

    #[test]
    fn sname_and_file_round_trip() {
        let mut r = discover_repr();
        r.sname = b"server.test";
        r.file = b"pxelinux.0";
        let buf = emit(&r);
        let p = DhcpPacket::new_checked(&buf[..]).unwrap();
        assert_eq!(&p.server_name_field()[..11], b"server.test");
        assert!(p.server_name_field()[11..].iter().all(|&b| b == 0));
        assert_eq!(parse(&buf).unwrap(), r);
    }

    #[test]
    fn message_type_values() {
        for v in 0..=255u8 {
            assert_eq!(u8::from(MessageType::from(v)), v);
            assert_eq!(u8::from(OpCode::from(v)), v);
        }
        assert_eq!(MessageType::Ack.opcode(), OpCode::Reply);
        assert_eq!(MessageType::Inform.opcode(), OpCode::Request);
    }
}
