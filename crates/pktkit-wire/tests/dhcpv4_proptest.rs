//! Property tests of the DHCPv4 codec: any repr built from random fields
//! emits and parses back equal, and emits exactly the bytes a plain
//! reference encoder (below, written from RFC 2131/2132/3396/3046) gives;
//! parsing never panics on mangled messages.

use core::net::Ipv4Addr;

use pktkit_wire::dhcpv4::{
    ClasslessRoute, DhcpOption, DhcpPacket, DhcpRepr, Ipv4List, MessageType, OpCode, OptionData,
    OtherOptions, encode_classless_routes, encode_domain_search,
};
use proptest::prelude::*;

fn addr() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

fn label() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,12}"
}

fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(label(), 1..4).prop_map(|l| l.join("."))
}

#[derive(Debug, Clone)]
struct Input {
    mt: u8,
    xid: u32,
    secs: u16,
    broadcast: bool,
    addrs: [Ipv4Addr; 4],
    chaddr: [u8; 16],
    hlen: u8,
    sname: Vec<u8>,
    mask: Option<Ipv4Addr>,
    routers: Vec<Ipv4Addr>,
    dns: Vec<Ipv4Addr>,
    hostname: Option<Vec<u8>>,
    lease: Option<u32>,
    mtu: Option<u16>,
    client_id: Option<Vec<u8>>,
    search: Vec<String>,
    routes: Vec<(Ipv4Addr, u8, Ipv4Addr)>,
    other: Vec<(u8, Vec<u8>)>,
    message: Option<Vec<u8>>,
    relay: Option<Vec<u8>>,
}

fn input() -> impl Strategy<Value = Input> {
    (
        (
            1u8..=8,
            any::<u32>(),
            any::<u16>(),
            any::<bool>(),
            [addr(), addr(), addr(), addr()],
        ),
        (
            any::<[u8; 16]>(),
            0u8..=16,
            prop::collection::vec(1u8..=255, 0..64),
        ),
        (
            prop::option::of(addr()),
            prop::collection::vec(addr(), 1..4),
            prop::collection::vec(addr(), 0..70),
            prop::option::of(prop::collection::vec(any::<u8>(), 1..400)),
            prop::option::of(any::<u32>()),
            prop::option::of(68u16..),
            prop::option::of(prop::collection::vec(any::<u8>(), 2..20)),
        ),
        (
            prop::collection::vec(name(), 0..5),
            prop::collection::vec((addr(), 0u8..=32, addr()), 0..5),
            prop::collection::vec(
                (200u8..=254, prop::collection::vec(any::<u8>(), 0..255)),
                0..3,
            ),
        ),
        (
            prop::option::of(prop::collection::vec(any::<u8>(), 0..300)),
            prop::option::of(prop::collection::vec(any::<u8>(), 0..40)),
        ),
    )
        .prop_map(
            |(
                (mt, xid, secs, broadcast, addrs),
                (chaddr, hlen, sname),
                (mask, routers, dns, hostname, lease, mtu, client_id),
                (search, routes, other),
                (message, relay),
            )| Input {
                mt,
                xid,
                secs,
                broadcast,
                addrs,
                chaddr,
                hlen,
                sname,
                mask,
                routers,
                dns,
                hostname,
                lease,
                mtu,
                client_id,
                search,
                routes,
                other,
                message,
                relay,
            },
        )
}

/// One option as the reference encoder writes it: instances of up to 255
/// bytes (RFC 3396), at least one.
fn reference_option(out: &mut Vec<u8>, code: u8, value: &[u8]) {
    let mut chunks: Vec<&[u8]> = value.chunks(255).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    for c in chunks {
        out.push(code);
        out.push(c.len() as u8);
        out.extend_from_slice(c);
    }
}

/// The message `r` stands for, written field by field: the BOOTP header
/// (RFC 2131 §2), the options in the documented order (message type first,
/// relay agent information last, RFC 3046 §2.1), END, PAD to 300 bytes.
fn reference_emit(r: &DhcpRepr<'_>) -> Vec<u8> {
    let mut b = vec![u8::from(r.op), r.htype, r.hlen, r.hops];
    b.extend_from_slice(&r.xid.to_be_bytes());
    b.extend_from_slice(&r.secs.to_be_bytes());
    b.extend_from_slice(&(if r.broadcast { 0x8000u16 } else { 0 }).to_be_bytes());
    for a in [r.ciaddr, r.yiaddr, r.siaddr, r.giaddr] {
        b.extend_from_slice(&a.octets());
    }
    b.extend_from_slice(&r.chaddr);
    for (field, len) in [(r.sname, 64), (r.file, 128)] {
        b.extend_from_slice(field);
        b.resize(b.len() + len - field.len(), 0);
    }
    b.extend_from_slice(&[0x63, 0x82, 0x53, 0x63]);
    let data = |d: Option<OptionData<'_>>| d.map(|d| d.bytes().collect::<Vec<u8>>());
    let list = |l: Option<Ipv4List<'_>>| l.map(|l| l.iter().flat_map(|a| a.octets()).collect());
    let four = |v: Option<[u8; 4]>| v.map(|v| v.to_vec());
    let two = |v: Option<u16>| v.map(|v| v.to_be_bytes().to_vec());
    let options: Vec<(u8, Option<Vec<u8>>)> = vec![
        (53, Some(vec![u8::from(r.message_type)])),
        (54, four(r.server_id.map(|a| a.octets()))),
        (51, four(r.lease_time.map(u32::to_be_bytes))),
        (58, four(r.renewal_time.map(u32::to_be_bytes))),
        (59, four(r.rebinding_time.map(u32::to_be_bytes))),
        (1, four(r.subnet_mask.map(|a| a.octets()))),
        (28, four(r.broadcast_address.map(|a| a.octets()))),
        (3, list(r.router)),
        (6, list(r.dns_servers)),
        (15, data(r.domain_name)),
        (12, data(r.hostname)),
        (26, two(r.interface_mtu)),
        (50, four(r.requested_ip.map(|a| a.octets()))),
        (57, two(r.max_message_size)),
        (55, data(r.parameter_request_list)),
        (61, data(r.client_id)),
        (56, data(r.message)),
        (66, data(r.tftp_server_name)),
        (67, data(r.bootfile_name)),
        (119, data(r.domain_search)),
        (121, data(r.classless_routes)),
    ];
    for (code, v) in options {
        if let Some(v) = v {
            reference_option(&mut b, code, &v);
        }
    }
    for o in r.other.iter() {
        reference_option(&mut b, o.code, o.data);
    }
    if let Some(v) = data(r.relay_agent_info) {
        reference_option(&mut b, 82, &v);
    }
    b.push(255);
    if b.len() < 300 {
        b.resize(300, 0);
    }
    b
}

proptest! {
    #[test]
    fn emit_then_parse_is_identity(i in input()) {
        let mut search = vec![0u8; 2048];
        let names: Vec<&str> = i.search.iter().map(String::as_str).collect();
        let n = encode_domain_search(&names, &mut search).unwrap();
        search.truncate(n);
        let routes: Vec<ClasslessRoute> = i.routes.iter().map(|&(d, p, r)| {
            let m = if p == 0 { 0 } else { u32::MAX << (32 - p as u32) };
            ClasslessRoute { destination: Ipv4Addr::from(u32::from(d) & m), prefix_len: p, router: r }
        }).collect();
        let mut rbuf = vec![0u8; 9 * routes.len()];
        let n = encode_classless_routes(&routes, &mut rbuf).unwrap();
        rbuf.truncate(n);
        let other: Vec<DhcpOption<'_>> = i.other.iter().map(|(c, d)| DhcpOption { code: *c, data: d }).collect();

        let mut r = DhcpRepr::new_request(MessageType::from(i.mt), i.xid, [0; 6]);
        r.op = if i.mt % 2 == 0 { OpCode::Reply } else { OpCode::Request };
        r.secs = i.secs;
        r.broadcast = i.broadcast;
        [r.ciaddr, r.yiaddr, r.siaddr, r.giaddr] = i.addrs;
        r.chaddr = i.chaddr;
        r.hlen = i.hlen;
        r.sname = &i.sname;
        r.subnet_mask = i.mask;
        r.router = Some(Ipv4List::new(&i.routers));
        r.dns_servers = (!i.dns.is_empty()).then(|| Ipv4List::new(&i.dns));
        r.hostname = i.hostname.as_deref().map(OptionData::from_bytes);
        r.lease_time = i.lease;
        r.interface_mtu = i.mtu;
        r.client_id = i.client_id.as_deref().map(OptionData::from_bytes);
        r.domain_search = (!search.is_empty()).then(|| OptionData::from_bytes(&search));
        r.classless_routes = (!rbuf.is_empty()).then(|| OptionData::from_bytes(&rbuf));
        r.other = OtherOptions::new(&other);

        r.message = i.message.as_deref().map(OptionData::from_bytes);
        r.relay_agent_info = i.relay.as_deref().map(OptionData::from_bytes);

        let mut buf = vec![0xa5u8; r.buffer_len()];
        r.emit(&mut DhcpPacket::new_unchecked(&mut buf[..])).unwrap();
        prop_assert_eq!(&buf, &reference_emit(&r));
        // Any buffer shorter than buffer_len() is refused.
        let short = buf.len() - 1 - i.secs as usize % 8;
        prop_assert_eq!(
            r.emit(&mut DhcpPacket::new_unchecked(&mut vec![0u8; short][..])),
            Err(pktkit_wire::WireError::BufferTooSmall)
        );
        let back = DhcpRepr::parse(&DhcpPacket::new_checked(&buf[..]).unwrap()).unwrap();
        // Emitted again from the parsed repr (values borrowed from the
        // message, other options walked in place): the same bytes.
        let mut again = vec![0x5au8; back.buffer_len()];
        back.emit(&mut DhcpPacket::new_unchecked(&mut again[..])).unwrap();
        prop_assert_eq!(&again, &buf);
        prop_assert_eq!(back, r);
        let got: Vec<String> = back.domain_search_list().into_iter().flatten().map(|n| n.unwrap().to_string()).collect();
        prop_assert_eq!(got, i.search);
        let got: Vec<ClasslessRoute> = back.classless_route_list().into_iter().flatten().map(|r| r.unwrap()).collect();
        prop_assert_eq!(got, routes);
    }

    #[test]
    fn mangled_messages_never_panic(i in input(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut r = DhcpRepr::new_request(MessageType::from(i.mt), i.xid, [0; 6]);
        r.hostname = i.hostname.as_deref().map(OptionData::from_bytes);
        r.dns_servers = (!i.dns.is_empty()).then(|| Ipv4List::new(&i.dns));
        let mut buf = vec![0u8; r.buffer_len()];
        r.emit(&mut DhcpPacket::new_unchecked(&mut buf[..])).unwrap();
        for (at, v) in flips {
            let k = at.index(buf.len());
            buf[k] = v;
        }
        pktkit_wire::fuzzing::dhcpv4(&buf);
    }
}
