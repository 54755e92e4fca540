//! Property tests of the DHCPv4 codec: any repr built from random fields
//! emits and parses back equal; parsing never panics on mangled messages.

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
    )
        .prop_map(
            |(
                (mt, xid, secs, broadcast, addrs),
                (chaddr, hlen, sname),
                (mask, routers, dns, hostname, lease, mtu, client_id),
                (search, routes, other),
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
            },
        )
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

        let mut buf = vec![0xa5u8; r.buffer_len()];
        r.emit(&mut DhcpPacket::new_unchecked(&mut buf[..])).unwrap();
        let back = DhcpRepr::parse(&DhcpPacket::new_checked(&buf[..]).unwrap()).unwrap();
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
