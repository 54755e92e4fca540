//! [`DhcpRepr::parse`]: reading and validating a message, and its general
//! path (option overload, split options, errors). The single pass that reads
//! the common message is in `single_pass.rs`.

use core::net::Ipv4Addr;

use super::option_data::{DataInner, ListInner};
use super::options::{Areas, Overload};
use super::other_options::OtherInner;
use super::repr::{TYPED, typed_slot};
use super::{
    ClasslessRoutes, DhcpPacket, DhcpRepr, DomainSearch, Ipv4List, MAGIC_COOKIE, MessageType,
    OptionData, OtherOptions, RawOptions, field, opt,
};
use crate::{Result, WireError};

/// Accumulated instances of one typed option during parse.
#[derive(Clone, Copy)]
struct Acc<'a> {
    first: &'a [u8],
    count: u32,
    len: usize,
}

impl<'a> DhcpRepr<'a> {
    /// Reads and validates a message. See the [module docs](super) for what is checked.
    ///
    /// Errors: [`WireError::Truncated`] (shorter than the fixed part),
    /// [`WireError::BadField`] (magic cookie, `hlen` over 16),
    /// [`WireError::BadOption`] (an option cut short, an impossible length
    /// for a typed option, a bad overload value, a malformed option 119/121),
    /// [`WireError::Unsupported`] (no message type: plain BOOTP).
    #[inline]
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &DhcpPacket<&'a T>) -> Result<Self> {
        // The common message in one pass; anything else (option overload, an
        // option code given more than once, any error) takes the general
        // path, which gives the same repr or says what is wrong.
        let mut out = Self::parse_single_pass(packet.as_bytes());
        if out.is_err() {
            out = Self::parse_general(packet);
        }
        out
    }

    /// The parse of any message: overloaded `file`/`sname` areas, options
    /// split into several instances (RFC 3396), and the error of a malformed
    /// message. [`DhcpRepr::parse`] takes it only when its single pass cannot;
    /// the two agree on every message the single pass accepts.
    #[cold]
    #[inline(never)]
    pub(crate) fn parse_general<T: AsRef<[u8]> + ?Sized>(
        packet: &DhcpPacket<&'a T>,
    ) -> Result<Self> {
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
        let mut overload = Overload::None;
        for o in packet.options() {
            let o = o?;
            if o.code == opt::OVERLOAD {
                match (overload, o.data) {
                    (Overload::None, &[v]) => {
                        overload = Overload::from_value(v).ok_or(WireError::BadOption)?;
                    }
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
                _ => Some(OptionData(DataInner::split(areas, code, a.len))),
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
        let sname = if overload.has(2) {
            &[][..]
        } else {
            until_nul(&bytes[field::SNAME])
        };
        let file = if overload.has(1) {
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
}
