//! The single pass that reads the common message: every option in the
//! options field, each code at most once, no option overload (52).
//!
//! One walk over the options field dispatches each option by code straight
//! into its field of the repr, checking its length and format on the way.
//! It gives up (returns an error that means only that) at the first thing it
//! does not handle: option 52, a typed option code seen a second time (an
//! RFC 3396 split value), or anything malformed. [`DhcpRepr::parse`] then
//! takes the general path in `parse.rs`, which reads those messages or names
//! the error. Not for: being called on its own; the general path is the
//! reference it must agree with (`tests_single_pass.rs` checks that on random
//! messages, the `dhcpv4` fuzz target on arbitrary bytes).

use core::net::Ipv4Addr;

use super::classless_routes::routes_are_valid;
use super::domain_search::search_list_is_valid;
use super::option_data::ListInner;
use super::options::{Areas, Overload};
use super::other_options::OtherInner;
use super::repr::SLOTS;
use super::{
    DhcpOption, DhcpRepr, HEADER_LEN, Ipv4List, MAGIC_COOKIE, MessageType, OpCode, OptionData,
    OtherOptions, field, opt,
};
use crate::{Result, WireError};

#[inline(always)]
fn value(data: &[u8]) -> Option<OptionData<'_>> {
    Some(OptionData::from_bytes(data))
}

#[inline(always)]
fn be32(data: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(data.try_into().ok()?))
}

#[inline(always)]
fn be16(data: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes(data.try_into().ok()?))
}

#[inline(always)]
fn addr(data: &[u8]) -> Option<Ipv4Addr> {
    be32(data).map(Ipv4Addr::from_bits)
}

/// Options 3 and 6: one or more whole addresses.
#[inline(always)]
fn list(data: &[u8]) -> Option<Ipv4List<'_>> {
    (!data.is_empty() && data.len().is_multiple_of(4))
        .then(|| Ipv4List(ListInner::Data(OptionData::from_bytes(data))))
}

/// `sname`/`file` up to the first zero byte.
#[inline(always)]
fn until_nul(f: &[u8]) -> &[u8] {
    &f[..f.iter().position(|&b| b == 0).unwrap_or(f.len())]
}

/// Bytes `at..at + N` of the fixed part (constant indices: no bounds checks).
#[inline(always)]
fn array<const N: usize>(h: &[u8; HEADER_LEN], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&h[at..at + N]);
    out
}

/// What the single pass returns for a message it leaves to the general path.
const NOT_COMMON: WireError = WireError::Unsupported;

impl<'a> DhcpRepr<'a> {
    /// The repr of the common message in one pass over its options, or
    /// `Err` when the general path must read it (see the module docs; the
    /// error means nothing more).
    #[inline]
    pub(crate) fn parse_single_pass(bytes: &'a [u8]) -> Result<Self> {
        let Some((h, options)) = bytes.split_first_chunk::<HEADER_LEN>() else {
            return Err(NOT_COMMON);
        };
        let hlen = h[field::HLEN];
        if u32::from_be_bytes(array(h, field::MAGIC.start)) != MAGIC_COOKIE || hlen > 16 {
            return Err(NOT_COMMON);
        }
        // The option fields start absent; `read_options` fills them in place.
        let mut out = Ok(DhcpRepr {
            op: OpCode::from(h[field::OP]),
            // Set from option 53 below; a message without one is not taken.
            message_type: MessageType::Unknown(0),
            htype: h[field::HTYPE],
            hlen,
            hops: h[field::HOPS],
            xid: u32::from_be_bytes(array(h, field::XID.start)),
            secs: u16::from_be_bytes(array(h, field::SECS.start)),
            broadcast: h[field::FLAGS.start] & 0x80 != 0,
            ciaddr: Ipv4Addr::from(array::<4>(h, field::CIADDR.start)),
            yiaddr: Ipv4Addr::from(array::<4>(h, field::YIADDR.start)),
            siaddr: Ipv4Addr::from(array::<4>(h, field::SIADDR.start)),
            giaddr: Ipv4Addr::from(array::<4>(h, field::GIADDR.start)),
            chaddr: array(h, field::CHADDR.start),
            sname: until_nul(&h[field::SNAME]),
            file: until_nul(&h[field::FILE]),
            // Every option absent (`new_request`'s header fields are all set above).
            ..DhcpRepr::new_request(MessageType::Unknown(0), 0, [0; 6])
        });
        if let Ok(r) = &mut out
            && r.read_options(bytes, options).is_none()
        {
            out = Err(NOT_COMMON);
        }
        out
    }

    /// Fills the option fields of `self` (all absent) from `options`, the
    /// options field of `bytes`; `None` where the general path must take over.
    #[inline(never)]
    fn read_options(&mut self, bytes: &'a [u8], options: &'a [u8]) -> Option<()> {
        let r = self;
        // Bit `SLOTS[code]` set: typed option `code` already read.
        let mut seen = 0u32;
        let mut unknown = 0u32;
        let mut at = 0;
        while let Some(&code) = options.get(at) {
            if code == opt::PAD {
                at += 1;
                continue;
            }
            if code == opt::END {
                break;
            }
            let start = at + 2;
            let end = start + *options.get(at + 1)? as usize;
            let data = options.get(start..end)?;
            at = end;
            // Typed codes (each its own bit of `seen`) may appear once.
            macro_rules! first {
                ($code:expr) => {{
                    const BIT: u32 = 1 << SLOTS[$code as usize];
                    if seen & BIT != 0 {
                        return None;
                    }
                    seen |= BIT;
                }};
            }
            match code {
                opt::MESSAGE_TYPE => {
                    first!(opt::MESSAGE_TYPE);
                    match data {
                        [v] => r.message_type = MessageType::from(*v),
                        _ => return None,
                    }
                }
                opt::SUBNET_MASK => {
                    first!(opt::SUBNET_MASK);
                    r.subnet_mask = Some(addr(data)?);
                }
                opt::ROUTER => {
                    first!(opt::ROUTER);
                    r.router = Some(list(data)?);
                }
                opt::DNS_SERVERS => {
                    first!(opt::DNS_SERVERS);
                    r.dns_servers = Some(list(data)?);
                }
                opt::HOSTNAME => {
                    first!(opt::HOSTNAME);
                    r.hostname = value(data);
                }
                opt::DOMAIN_NAME => {
                    first!(opt::DOMAIN_NAME);
                    r.domain_name = value(data);
                }
                opt::INTERFACE_MTU => {
                    first!(opt::INTERFACE_MTU);
                    r.interface_mtu = Some(be16(data).filter(|&m| m >= 68)?);
                }
                opt::BROADCAST_ADDRESS => {
                    first!(opt::BROADCAST_ADDRESS);
                    r.broadcast_address = Some(addr(data)?);
                }
                opt::REQUESTED_IP => {
                    first!(opt::REQUESTED_IP);
                    r.requested_ip = Some(addr(data)?);
                }
                opt::LEASE_TIME => {
                    first!(opt::LEASE_TIME);
                    r.lease_time = Some(be32(data)?);
                }
                opt::SERVER_ID => {
                    first!(opt::SERVER_ID);
                    r.server_id = Some(addr(data)?);
                }
                opt::PARAMETER_REQUEST_LIST => {
                    first!(opt::PARAMETER_REQUEST_LIST);
                    r.parameter_request_list = value(data);
                }
                opt::MESSAGE => {
                    first!(opt::MESSAGE);
                    r.message = value(data);
                }
                opt::MAX_MESSAGE_SIZE => {
                    first!(opt::MAX_MESSAGE_SIZE);
                    r.max_message_size = Some(be16(data)?);
                }
                opt::RENEWAL_TIME => {
                    first!(opt::RENEWAL_TIME);
                    r.renewal_time = Some(be32(data)?);
                }
                opt::REBINDING_TIME => {
                    first!(opt::REBINDING_TIME);
                    r.rebinding_time = Some(be32(data)?);
                }
                opt::CLIENT_ID => {
                    first!(opt::CLIENT_ID);
                    r.client_id = value(data);
                }
                opt::TFTP_SERVER_NAME => {
                    first!(opt::TFTP_SERVER_NAME);
                    r.tftp_server_name = value(data);
                }
                opt::BOOTFILE_NAME => {
                    first!(opt::BOOTFILE_NAME);
                    r.bootfile_name = value(data);
                }
                opt::RELAY_AGENT_INFO => {
                    first!(opt::RELAY_AGENT_INFO);
                    r.relay_agent_info = value(data);
                }
                opt::DOMAIN_SEARCH if search_list_is_valid(data) => {
                    first!(opt::DOMAIN_SEARCH);
                    r.domain_search = value(data);
                }
                opt::CLASSLESS_STATIC_ROUTES if routes_are_valid(data) => {
                    first!(opt::CLASSLESS_STATIC_ROUTES);
                    r.classless_routes = value(data);
                }
                // Option 52, or a malformed 119/121.
                opt::OVERLOAD | opt::DOMAIN_SEARCH | opt::CLASSLESS_STATIC_ROUTES => return None,
                _ => {
                    unknown += 1;
                    r.other = OtherOptions(OtherInner::One(DhcpOption { code, data }));
                }
            }
        }
        if seen & (1 << SLOTS[opt::MESSAGE_TYPE as usize]) == 0 {
            return None;
        }
        if unknown > 1 {
            r.other = OtherOptions(OtherInner::Parsed(Areas {
                packet: bytes,
                overload: Overload::None,
            }));
        }
        Some(())
    }
}
