//! [`DhcpRepr`]: a DHCPv4 message in typed form, and which option codes
//! have a typed field. Parsing is in `parse.rs`, emitting in `emit.rs`.

use core::net::Ipv4Addr;

use super::{
    ClasslessRoutes, DomainSearch, Ipv4List, MessageType, OpCode, OptionData, OtherOptions, opt,
};
use crate::MacAddr;

/// A DHCPv4 message in typed form. See the [module docs](super).
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
    /// build with [`encode_domain_search`](super::encode_domain_search).
    pub domain_search: Option<OptionData<'a>>,
    /// Option 121 (RFC 3442), encoded; read with [`DhcpRepr::classless_route_list`],
    /// build with [`encode_classless_routes`](super::encode_classless_routes).
    pub classless_routes: Option<OptionData<'a>>,
    /// Every other option, in order.
    pub other: OtherOptions<'a>,
}

/// The option codes with a typed field in [`DhcpRepr`] (plus PAD, END and overload).
pub(super) const TYPED: [u8; 23] = [
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
pub(super) const SLOTS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < TYPED.len() {
        t[TYPED[i] as usize] = i as u8 + 1;
        i += 1;
    }
    t
};

pub(super) fn typed_slot(code: u8) -> Option<usize> {
    match SLOTS[code as usize] {
        0 => None,
        n => Some(n as usize - 1),
    }
}

pub(super) fn is_typed(code: u8) -> bool {
    typed_slot(code).is_some()
}

impl<'a> DhcpRepr<'a> {
    /// A message with every field zero or absent except those given:
    /// op follows from `message_type`, htype/hlen are Ethernet, chaddr is `mac`.
    #[inline]
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
}
