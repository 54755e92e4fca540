//! Tests of the codec against captured (scapy-built) messages.

use core::net::Ipv4Addr;

use super::*;
use crate::{MacAddr, Result, WireError};
use std::string::ToString;
use std::vec::Vec;

// Built with scapy 2.8 (an independent encoder):
// BOOTP(op=1, xid=0x3903f326, chaddr=52:54:00:12:34:56) / DHCP(options=[
//   message-type=discover, hostname="guest", requested_addr=192.168.1.100,
//   max_dhcp_size=1500, param_req_list=[1,3,6,15,26,28,119,121],
//   client_id=01:52:54:00:12:34:56, end])
static DISCOVER_BYTES: [u8; 280] = [
    0x01, 0x01, 0x06, 0x00, 0x39, 0x03, 0xf3, 0x26, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x52, 0x54, 0x00, 0x12,
    0x34, 0x56, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x63, 0x82, 0x53, 0x63,
    0x35, 0x01, 0x01, 0x0c, 0x05, 0x67, 0x75, 0x65, 0x73, 0x74, 0x32, 0x04, 0xc0, 0xa8, 0x01, 0x64,
    0x39, 0x02, 0x05, 0xdc, 0x37, 0x08, 0x01, 0x03, 0x06, 0x0f, 0x1a, 0x1c, 0x77, 0x79, 0x3d, 0x07,
    0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0xff,
];

// scapy: BOOTP(op=2, xid=0x3903f326, secs=3, flags=0x8000, yiaddr=192.168.1.100,
//   siaddr=192.168.1.1) / DHCP(options=[ack, server_id, lease 3600, T1 1800,
//   T2 3150, mask /24, broadcast, router, DNS 192.168.1.1 + 9.9.9.9,
//   domain "example.test", MTU 1400, 119 = RFC 3397 example, 121 = RFC 3442
//   example + default route, (224, "private"), 82 = 01 04 "eth0", end])
static ACK_BYTES: [u8; 374] = [
    0x02, 0x01, 0x06, 0x00, 0x39, 0x03, 0xf3, 0x26, 0x00, 0x03, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xc0, 0xa8, 0x01, 0x64, 0xc0, 0xa8, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x52, 0x54, 0x00, 0x12,
    0x34, 0x56, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x63, 0x82, 0x53, 0x63,
    0x35, 0x01, 0x05, 0x36, 0x04, 0xc0, 0xa8, 0x01, 0x01, 0x33, 0x04, 0x00, 0x00, 0x0e, 0x10, 0x3a,
    0x04, 0x00, 0x00, 0x07, 0x08, 0x3b, 0x04, 0x00, 0x00, 0x0c, 0x4e, 0x01, 0x04, 0xff, 0xff, 0xff,
    0x00, 0x1c, 0x04, 0xc0, 0xa8, 0x01, 0xff, 0x03, 0x04, 0xc0, 0xa8, 0x01, 0x01, 0x06, 0x08, 0xc0,
    0xa8, 0x01, 0x01, 0x09, 0x09, 0x09, 0x09, 0x0f, 0x0c, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
    0x2e, 0x74, 0x65, 0x73, 0x74, 0x1a, 0x02, 0x05, 0x78, 0x77, 0x1b, 0x03, 0x65, 0x6e, 0x67, 0x05,
    0x61, 0x70, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x09, 0x6d, 0x61, 0x72, 0x6b, 0x65,
    0x74, 0x69, 0x6e, 0x67, 0xc0, 0x04, 0x79, 0x0c, 0x10, 0x0a, 0x11, 0x0a, 0x00, 0x00, 0x01, 0x00,
    0xc0, 0xa8, 0x01, 0x01, 0xe0, 0x07, 0x70, 0x72, 0x69, 0x76, 0x61, 0x74, 0x65, 0x52, 0x06, 0x01,
    0x04, 0x65, 0x74, 0x68, 0x30, 0xff,
];

// scapy: an OFFER whose option 52 = 3 overloads file and sname, with the
// hostname ("very" + "-long"), DNS list (10.0.0.1 + 9.9.9.9) and search
// list ("\x07example" + "\x03com\x00") split across areas (RFC 3396).
static OVERLOAD_BYTES: [u8; 269] = [
    0x02, 0x01, 0x06, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x0a, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x52, 0x54, 0x00, 0x12,
    0x34, 0x56, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x05, 0x2d, 0x6c,
    0x6f, 0x6e, 0x67, 0x77, 0x05, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x04, 0x76, 0x65,
    0x72, 0x79, 0x06, 0x04, 0x09, 0x09, 0x09, 0x09, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x63, 0x82, 0x53, 0x63,
    0x35, 0x01, 0x02, 0x34, 0x01, 0x03, 0x06, 0x04, 0x0a, 0x00, 0x00, 0x01, 0x77, 0x08, 0x07, 0x65,
    0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x36, 0x04, 0x0a, 0x00, 0x00, 0x01, 0xff,
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
    let n = encode_domain_search(&["a.b.test", "a.b.test.", "c.test", "other"], &mut buf).unwrap();
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

#[test]
fn option_values_stay_small() {
    // The repr holds a dozen values: each grown word is copied on every parse.
    assert_eq!(core::mem::size_of::<Option<OptionData<'_>>>(), 24);
    assert_eq!(core::mem::size_of::<Option<Ipv4List<'_>>>(), 24);
}
