//! The catalogue: every kind of packet we emit, and what tshark must say of it.

use super::*;

/// Every kind we can build.
pub(crate) fn kinds() -> Vec<Kind> {
    let mut k = Vec::new();
    let (a4, b4): (IpAddr, IpAddr) = (V4_A.into(), V4_B.into());
    let (a6, b6): (IpAddr, IpAddr) = (V6_A.into(), V6_B.into());

    // --- Ethernet / 802.1Q / QinQ, ARP -----------------------------------
    k.push(Kind {
        name: "arp request",
        link: Link::Ethernet,
        bytes: ethernet(
            Vlan::None,
            EtherType::ARP,
            &arp(ArpOperation::Request, MacAddr::ZERO),
        ),
        protocols: "eth:ethertype:arp",
        fields: vec![
            f("arp.opcode", 1),
            f("arp.src.proto_ipv4", V4_A),
            f("arp.dst.proto_ipv4", V4_B),
        ],
    });
    k.push(Kind {
        name: "arp reply, 802.1Q",
        link: Link::Ethernet,
        bytes: ethernet(
            Vlan::Single(tag(EtherType::VLAN, 10)),
            EtherType::ARP,
            &arp(ArpOperation::Reply, MAC_B),
        ),
        protocols: "eth:ethertype:vlan:ethertype:arp",
        fields: vec![
            f("arp.opcode", 2),
            f("vlan.id", 10),
            f("vlan.priority", 3),
            f("arp.dst.hw_mac", MAC_B),
        ],
    });

    // --- TCP over IPv4 (every option), 802.1Q and QinQ ---------------------
    let syn = tcp(&full_tcp(TcpFlags::SYN, b""), a4, b4);
    k.push(Kind {
        name: "ipv4 tcp syn, every option",
        link: Link::Ethernet,
        bytes: ethernet(
            Vlan::None,
            EtherType::IPV4,
            &ipv4(v4(IpProtocol::TCP), &syn),
        ),
        protocols: "eth:ethertype:ip:tcp",
        fields: vec![
            f("tcp.options.mss_val", 1460),
            f("tcp.options.wscale.shift", 7),
            f("tcp.options.sack_perm", "0402"),
            f("tcp.options.timestamp.tsval", 123_456),
            f("tcp.options.timestamp.tsecr", 654_321),
            f("tcp.seq_raw", 0xdead_beefu32),
            f("tcp.flags", "0x0002"),
            f("ip.id", "0x4242"),
        ],
    });
    let data = tcp(
        &full_tcp(TcpFlags::ACK | TcpFlags::PSH, b"hello tshark"),
        a4,
        b4,
    );
    k.push(Kind {
        name: "ipv4 tcp data with sack, 802.1Q",
        link: Link::Ethernet,
        bytes: ethernet(
            Vlan::Single(tag(EtherType::VLAN, 100)),
            EtherType::IPV4,
            &ipv4(v4(IpProtocol::TCP), &data),
        ),
        protocols: "eth:ethertype:vlan:ethertype:ip:tcp:data",
        fields: vec![
            f("tcp.options.sack_le", 5000),
            f("tcp.options.sack_re", 6000),
            f("tcp.ack_raw", 0x0102_0304u32),
            f("tcp.len", 12),
            f("vlan.id", 100),
        ],
    });
    // Every option kind one at a time through TcpOption::emit, in an order
    // TcpRepr never writes, ending in an experimental (RFC 4727) option and EOL.
    let mut one_block = TcpSackBlocks::new();
    one_block.push(100, 200);
    let opts = [
        TcpOption::MaxSegmentSize(536),
        TcpOption::NoOperation,
        TcpOption::WindowScale(14),
        TcpOption::SackPermitted,
        TcpOption::Timestamp(TcpTimestamp { tsval: 1, tsecr: 2 }),
        TcpOption::SackRange(one_block),
        TcpOption::Unknown {
            kind: 253,
            data: &[0xbe, 0xef],
        },
        TcpOption::EndOfList,
    ];
    let opt_len: usize = opts.iter().map(|o| o.buffer_len()).sum();
    let hl = 20 + opt_len.div_ceil(4) * 4;
    let mut seg = vec![0xa5; hl];
    {
        let mut p = TcpPacket::new_unchecked(&mut seg[..]);
        p.set_src_port(1234);
        p.set_dst_port(80);
        p.set_seq_number(1);
        p.set_ack_number(0);
        p.set_header_len(hl as u8);
        p.set_flags(TcpFlags::SYN);
        p.set_window_len(1024);
        p.set_urgent_at(0);
        let mut rest = p.options_mut();
        for o in &opts {
            rest = o.emit(rest).unwrap();
        }
        rest.fill(0);
        p.fill_checksum(a4, b4);
    }
    k.push(Kind {
        name: "ipv4 tcp, every option kind via TcpOption::emit",
        link: Link::Ethernet,
        bytes: ethernet(
            Vlan::None,
            EtherType::IPV4,
            &ipv4(v4(IpProtocol::TCP), &seg),
        ),
        protocols: "eth:ethertype:ip:tcp",
        fields: vec![
            f("tcp.options.mss_val", 536),
            f("tcp.options.wscale.shift", 14),
            f("tcp.options.sack_le", 100),
            f("tcp.options.sack_re", 200),
            f("tcp.options.timestamp.tsval", 1),
            // tshark lists the zero padding byte after EOL as one more EOL.
            f("tcp.option_kind", "2|1|3|4|8|5|253|0|0"),
        ],
    });
    let v6syn = tcp(&full_tcp(TcpFlags::SYN | TcpFlags::ACK, b""), a6, b6);
    k.push(Kind {
        name: "ipv6 tcp syn-ack, QinQ",
        link: Link::Ethernet,
        bytes: ethernet(
            Vlan::Double {
                outer: tag(EtherType::QINQ, 200),
                inner: tag(EtherType::VLAN, 20),
            },
            EtherType::IPV6,
            &ipv6(V6_A, V6_B, 64, IpProtocol::TCP, &v6syn),
        ),
        protocols: "eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:ipv6:tcp",
        fields: vec![
            f("ieee8021ad.id", 200),
            f("vlan.id", 20),
            f("tcp.flags", "0x0012"),
            f("ipv6.flow", "0x012345"),
        ],
    });

    // --- IPv4 options and fragments ----------------------------------------
    // Record Route with room for two addresses, then NOPs, then End of Options.
    let rr: &'static [u8] = &[7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0];
    let opt_udp = udp((4000, 4001), b"options!", a4, b4);
    k.push(Kind {
        name: "ipv4 options (record route), udp",
        link: Link::Ethernet,
        bytes: ethernet(
            Vlan::None,
            EtherType::IPV4,
            &ipv4(
                Ipv4Repr {
                    options: rr,
                    ..v4(IpProtocol::UDP)
                },
                &opt_udp,
            ),
        ),
        protocols: "eth:ethertype:ip:udp:data",
        fields: vec![
            f("ip.hdr_len", 36),
            f("ip.opt.type", 7),
            f("udp.srcport", 4000),
        ],
    });
    icmpv4_kinds(&mut k);
    dhcp_kinds(&mut k);
    // A UDP datagram sent in two IPv4 fragments; tshark reassembles and checks UDP.
    let big: Vec<u8> = (0..64u8).collect();
    let dgram = udp((5000, 5001), &big, a4, b4);
    let (first, second) = dgram.split_at(32);
    let frag1 = ipv4(
        Ipv4Repr {
            ident: 0x9999,
            more_frags: true,
            ..v4(IpProtocol::UDP)
        },
        first,
    );
    let frag2 = ipv4(
        Ipv4Repr {
            ident: 0x9999,
            frag_offset: 32,
            ..v4(IpProtocol::UDP)
        },
        second,
    );
    k.push(Kind {
        name: "ipv4 fragment 1/2 (udp)",
        link: Link::Ethernet,
        bytes: ethernet(Vlan::None, EtherType::IPV4, &frag1),
        protocols: "eth:ethertype:ip:data",
        fields: vec![f("ip.flags.mf", 1), f("ip.frag_offset", 0)],
    });
    k.push(Kind {
        name: "ipv4 fragment 2/2 (udp)",
        link: Link::Ethernet,
        bytes: ethernet(Vlan::None, EtherType::IPV4, &frag2),
        protocols: "eth:ethertype:ip:udp:data",
        fields: vec![
            f("ip.frag_offset", 4),
            f("udp.length", 72),
            f("ip.fragment.count", 2),
        ],
    });
    let plain_udp = udp((53000, 9), b"udp over v4", a4, b4);
    k.push(Kind {
        name: "udp over ipv4",
        link: Link::Ethernet,
        bytes: ethernet(
            Vlan::None,
            EtherType::IPV4,
            &ipv4(v4(IpProtocol::UDP), &plain_udp),
        ),
        protocols: "eth:ethertype:ip:udp:data",
        fields: vec![f("udp.srcport", 53000), f("udp.length", 19)],
    });

    // --- Raw IP link types -------------------------------------------------
    k.push(Kind {
        name: "ipv4 tcp, raw ipv4 link",
        link: Link::RawIpv4,
        bytes: ipv4(v4(IpProtocol::TCP), &syn),
        protocols: "ip:tcp",
        fields: vec![f("tcp.options.mss_val", 1460)],
    });
    k.push(Kind {
        name: "ipv6 tcp, raw ipv6 link",
        link: Link::RawIpv6,
        bytes: ipv6(V6_A, V6_B, 64, IpProtocol::TCP, &v6syn),
        protocols: "ipv6:tcp",
        fields: vec![f("ipv6.hlim", 64)],
    });

    // --- IPv6 extension headers ---------------------------------------------
    let u6 = udp((40001, 40002), b"udp over v6", a6, b6);
    let mut chain = Vec::new();
    let hbh = OptionsHeaderRepr {
        next_header: IpProtocol::IPV6_OPTS,
        options: &[Ipv6Option::RouterAlert(0)],
    };
    let dst_opts = OptionsHeaderRepr {
        next_header: IpProtocol::IPV6_ROUTE,
        options: &[Ipv6Option::PadN(4)],
    };
    // Type 2 routing header (RFC 6275): one reserved word and one address, segments left 1.
    let mut rt_data = [0u8; 20];
    rt_data[4..].copy_from_slice(&V6_B.octets());
    let routing = RoutingHeader {
        next_header: IpProtocol::UDP,
        routing_type: 2,
        segments_left: 1,
        data: &rt_data,
    };
    let mut b = vec![0xa5; hbh.buffer_len()];
    hbh.emit(&mut b).unwrap();
    chain.extend_from_slice(&b);
    let mut b = vec![0xa5; dst_opts.buffer_len()];
    dst_opts.emit(&mut b).unwrap();
    chain.extend_from_slice(&b);
    let mut b = vec![0xa5; routing.buffer_len()];
    routing.emit(&mut b).unwrap();
    chain.extend_from_slice(&b);
    // With a routing header the upper-layer checksum uses the final destination
    // (RFC 8200 §8.1): the address in the type 2 header, V6_B, not the IPv6 dst.
    chain.extend_from_slice(&u6);
    k.push(Kind {
        name: "ipv6 hbh + dstopts + routing + udp",
        link: Link::Ethernet,
        bytes: ethernet(
            Vlan::None,
            EtherType::IPV6,
            &ipv6(V6_A, LL_B, 64, IpProtocol::HOP_BY_HOP, &chain),
        ),
        protocols: "eth:ethertype:ipv6:ipv6.hopopts:ipv6.dstopts:ipv6.routing:udp:data",
        fields: vec![
            f("ipv6.routing.type", 2),
            f("ipv6.routing.segleft", 1),
            f("ipv6.opt.router_alert", 0),
        ],
    });
    k.push(Kind {
        name: "udp over ipv6, raw ipv6 link",
        link: Link::RawIpv6,
        bytes: ipv6(V6_A, V6_B, 64, IpProtocol::UDP, &u6),
        protocols: "ipv6:udp:data",
        fields: vec![f("udp.srcport", 40001)],
    });
    // An ICMPv6 echo in two fragments.
    let echo6 = icmpv6(
        &Icmpv6Repr::EchoRequest {
            ident: 9,
            seq_no: 1,
            data: &[0x5a; 48],
        },
        V6_A,
        V6_B,
    );
    let (p1, p2) = echo6.split_at(24);
    for (i, (part, offset, more)) in [(p1, 0u16, true), (p2, 3u16, false)]
        .into_iter()
        .enumerate()
    {
        let fh = FragmentHeader {
            next_header: IpProtocol::ICMPV6,
            offset,
            more_fragments: more,
            ident: 0xfeed_f00d,
        };
        let mut b = vec![0xa5; fh.buffer_len() + part.len()];
        fh.emit(&mut b).unwrap();
        b[8..].copy_from_slice(part);
        k.push(Kind {
            name: if i == 0 {
                "ipv6 fragment 1/2 (icmpv6 echo)"
            } else {
                "ipv6 fragment 2/2 (icmpv6 echo)"
            },
            link: Link::Ethernet,
            bytes: ethernet(
                Vlan::None,
                EtherType::IPV6,
                &ipv6(V6_A, V6_B, 64, IpProtocol::IPV6_FRAG, &b),
            ),
            protocols: if i == 0 {
                "eth:ethertype:ipv6:ipv6.fraghdr:data"
            } else {
                "eth:ethertype:ipv6:ipv6.fraghdr:icmpv6:data"
            },
            fields: vec![
                f("ipv6.fraghdr.ident", "0xfeedf00d"),
                f("ipv6.fraghdr.offset", offset),
            ],
        });
    }

    // --- ICMPv6 and NDP ------------------------------------------------------
    k.push(Kind {
        name: "icmpv6 echo reply",
        link: Link::Ethernet,
        bytes: ethernet(
            Vlan::None,
            EtherType::IPV6,
            &ipv6(
                V6_B,
                V6_A,
                64,
                IpProtocol::ICMPV6,
                &icmpv6(
                    &Icmpv6Repr::EchoReply {
                        ident: 9,
                        seq_no: 1,
                        data: b"pong",
                    },
                    V6_B,
                    V6_A,
                ),
            ),
        ),
        protocols: "eth:ethertype:ipv6:icmpv6:data",
        fields: vec![f("icmpv6.type", 129), f("icmpv6.echo.identifier", "0x0009")],
    });
    let invoking = ipv6(
        V6_B,
        V6_A,
        64,
        IpProtocol::UDP,
        &udp((33333, 44444), b"8 bytes!", b6, a6),
    );
    let inv_hdr = Ipv6Repr::parse(&Ipv6Packet::new_checked(&invoking[..]).unwrap()).unwrap();
    k.push(Kind {
        name: "icmpv6 port unreachable",
        link: Link::Ethernet,
        bytes: ethernet(
            Vlan::None,
            EtherType::IPV6,
            &ipv6(
                V6_A,
                V6_B,
                64,
                IpProtocol::ICMPV6,
                &icmpv6(
                    &Icmpv6Repr::DstUnreachable {
                        code: icmpv6_code::PORT_UNREACHABLE,
                        header: inv_hdr,
                        data: &invoking[40..],
                    },
                    V6_A,
                    V6_B,
                ),
            ),
        ),
        protocols: "eth:ethertype:ipv6:icmpv6:ipv6:udp:data",
        fields: vec![f("icmpv6.type", 1), f("icmpv6.code", 4)],
    });
    let all_routers: Ipv6Addr = "ff02::2".parse().unwrap();
    let all_nodes: Ipv6Addr = "ff02::1".parse().unwrap();
    let sol_node: Ipv6Addr = "ff02::1:ff00:2".parse().unwrap();
    let slla = ndp_options(&[NdpOption::SourceLinkLayerAddr(&MAC_A.0)]);
    let rs = NdpRepr::RouterSolicit {
        options: NdpOptions::parse(&slla).unwrap(),
    };
    k.push(ndp_kind(
        "ndp router solicitation",
        &rs,
        LL_A,
        all_routers,
        133,
        vec![f("icmpv6.opt.linkaddr", MAC_A)],
    ));
    let dns = V6_B.octets();
    let ra_opts = ndp_options(&[
        NdpOption::SourceLinkLayerAddr(&MAC_B.0),
        NdpOption::Mtu(1500),
        NdpOption::PrefixInformation(PrefixInformation {
            prefix_len: 64,
            flags: PrefixInformation::ON_LINK | PrefixInformation::AUTONOMOUS,
            valid_lifetime: 86400,
            preferred_lifetime: 14400,
            prefix: "2001:db8::".parse().unwrap(),
        }),
        NdpOption::Rdnss(Rdnss {
            lifetime: 600,
            addrs: &dns,
        }),
    ]);
    let ra = NdpRepr::RouterAdvert {
        hop_limit: 64,
        flags: RouterFlags(RouterFlags::OTHER),
        router_lifetime: 1800,
        reachable_time: 30000,
        retrans_timer: 1000,
        options: NdpOptions::parse(&ra_opts).unwrap(),
    };
    k.push(ndp_kind(
        "ndp router advertisement",
        &ra,
        LL_B,
        all_nodes,
        134,
        vec![
            f("icmpv6.nd.ra.router_lifetime", 1800),
            f("icmpv6.opt.mtu", 1500),
            f("icmpv6.opt.prefix", "2001:db8::"),
            f("icmpv6.opt.rdnss", V6_B),
        ],
    ));
    let ns = NdpRepr::NeighborSolicit {
        target: V6_B,
        options: NdpOptions::parse(&slla).unwrap(),
    };
    k.push(ndp_kind(
        "ndp neighbor solicitation",
        &ns,
        V6_A,
        sol_node,
        135,
        vec![f("icmpv6.nd.ns.target_address", V6_B)],
    ));
    let tlla = ndp_options(&[NdpOption::TargetLinkLayerAddr(&MAC_B.0)]);
    let na = NdpRepr::NeighborAdvert {
        flags: NeighborFlags::new(false, true, true),
        target: V6_B,
        options: NdpOptions::parse(&tlla).unwrap(),
    };
    k.push(ndp_kind(
        "ndp neighbor advertisement",
        &na,
        V6_B,
        V6_A,
        136,
        vec![
            f("icmpv6.nd.na.flag.s", 1),
            f("icmpv6.nd.na.flag.o", 1),
            f("icmpv6.opt.linkaddr", MAC_B),
        ],
    ));
    // A whole packet of a multiple of 8 bytes: the option then needs no padding
    // (tshark reports padding after the quoted packet as undecoded data).
    let redirected = &invoking[..];
    assert_eq!(redirected.len() % 8, 0);
    let mut red_opt_data = vec![0u8; 6];
    red_opt_data.extend_from_slice(redirected);
    let red_opts = ndp_options(&[
        NdpOption::TargetLinkLayerAddr(&MAC_B.0),
        NdpOption::RedirectedHeader(&red_opt_data[6..]),
    ]);
    let redirect = NdpRepr::Redirect {
        target: LL_B,
        destination: V6_A,
        options: NdpOptions::parse(&red_opts).unwrap(),
    };
    let mut rd = ndp_kind(
        "ndp redirect",
        &redirect,
        LL_A,
        V6_B,
        137,
        vec![
            f("icmpv6.nd.rd.target_address", LL_B),
            f("icmpv6.rd.na.destination_address", V6_A),
        ],
    );
    // tshark also decodes the redirected packet carried in the option.
    rd.protocols = PROTO_REDIRECT;
    k.push(rd);
    k
}

/// ICMPv4: echo request and reply, destination unreachable and time exceeded
/// quoting a UDP probe.
fn icmpv4_kinds(k: &mut Vec<Kind>) {
    let (a4, b4): (IpAddr, IpAddr) = (V4_A.into(), V4_B.into());
    let echo = icmpv4(&Icmpv4Repr::EchoRequest {
        ident: 0x77,
        seq_no: 3,
        data: b"options!",
    });
    k.push(Kind {
        name: "icmp echo request",
        link: Link::Ethernet,
        bytes: ethernet(
            Vlan::None,
            EtherType::IPV4,
            &ipv4(v4(IpProtocol::ICMP), &echo),
        ),
        protocols: "eth:ethertype:ip:icmp:data",
        fields: vec![f("icmp.type", 8), f("icmp.ident", 0x77), f("icmp.seq", 3)],
    });
    let reply = icmpv4(&Icmpv4Repr::EchoReply {
        ident: 0x77,
        seq_no: 3,
        data: b"reply",
    });
    k.push(Kind {
        name: "icmp echo reply, raw ipv4 link",
        link: Link::RawIpv4,
        bytes: ipv4(v4(IpProtocol::ICMP), &reply),
        protocols: "ip:icmp:data",
        fields: vec![f("icmp.type", 0)],
    });
    // ICMP errors quoting a whole UDP probe (RFC 1812 §4.3.2.3 allows more than
    // 8 bytes), so tshark can verify the quoted UDP checksum too.
    let probe_udp = udp((33000, 33434), b"probe", b4, a4);
    let probe = ipv4(
        Ipv4Repr {
            src: V4_B,
            dst: V4_A,
            ttl: 1,
            ..v4(IpProtocol::UDP)
        },
        &probe_udp,
    );
    for (name, repr, ty, code) in [
        (
            "icmp port unreachable",
            Icmpv4Repr::DstUnreachable {
                reason: pktkit_wire::icmpv4::DstUnreachable::PortUnreachable,
                next_hop_mtu: 0,
                data: &probe,
            },
            3,
            3,
        ),
        (
            "icmp time exceeded",
            Icmpv4Repr::TimeExceeded {
                reason: pktkit_wire::icmpv4::TimeExceeded::TtlExpired,
                data: &probe,
            },
            11,
            0,
        ),
    ] {
        let msg = icmpv4(&repr);
        k.push(Kind {
            name,
            link: Link::Ethernet,
            bytes: ethernet(
                Vlan::None,
                EtherType::IPV4,
                &ipv4(v4(IpProtocol::ICMP), &msg),
            ),
            protocols: "eth:ethertype:ip:icmp:ip:udp:data",
            fields: vec![
                f("icmp.type", ty),
                f("icmp.code", code),
                f("udp.dstport", 33434),
            ],
        });
    }
}

/// DHCPv4 DISCOVER and OFFER (RFC 2131/2132), broadcast over UDP 68 → 67 / 67 → 68.
fn dhcp_kinds(k: &mut Vec<Kind>) {
    let bcast = Ipv4Addr::BROADCAST;
    let mut discover = DhcpRepr::new_request(MessageType::Discover, 0x1234_5678, MAC_A.0);
    discover.broadcast = true;
    discover.parameter_request_list = Some(OptionData::from_bytes(&[1, 3, 6, 15, 51]));
    discover.hostname = Some(OptionData::from_bytes(b"pktkit"));
    discover.max_message_size = Some(1500);
    let routers = [V4_B];
    let dns = [V4_B, Ipv4Addr::new(198, 51, 100, 53)];
    let offer = DhcpRepr {
        op: MessageType::Offer.opcode(),
        message_type: MessageType::Offer,
        yiaddr: V4_A,
        siaddr: V4_B,
        broadcast: true,
        subnet_mask: Some(Ipv4Addr::new(255, 255, 255, 0)),
        router: Some(Ipv4List::new(&routers)),
        dns_servers: Some(Ipv4List::new(&dns)),
        lease_time: Some(86400),
        server_id: Some(V4_B),
        domain_name: Some(OptionData::from_bytes(b"example.test")),
        ..DhcpRepr::new_request(MessageType::Offer, 0x1234_5678, MAC_A.0)
    };
    for (name, repr, src, dst, ports, ty) in [
        (
            "dhcp discover",
            &discover,
            Ipv4Addr::UNSPECIFIED,
            bcast,
            (68, 67),
            1,
        ),
        ("dhcp offer", &offer, V4_B, bcast, (67, 68), 2),
    ] {
        let mut msg = vec![0xa5; repr.buffer_len()];
        repr.emit(&mut DhcpPacket::new_unchecked(&mut msg[..]))
            .unwrap();
        let dgram = udp(ports, &msg, src.into(), dst.into());
        let ip = ipv4(
            Ipv4Repr {
                src,
                dst,
                ttl: 128,
                ..v4(IpProtocol::UDP)
            },
            &dgram,
        );
        let mut fields = vec![
            f("dhcp.option.dhcp", ty),
            f("dhcp.id", "0x12345678"),
            f("dhcp.hw.mac_addr", MAC_A),
            f("dhcp.flags.bc", 1),
        ];
        if ty == 2 {
            fields.extend([
                f("dhcp.ip.your", V4_A),
                f("dhcp.option.subnet_mask", "255.255.255.0"),
                f("dhcp.option.router", V4_B),
                f("dhcp.option.domain_name_server", V4_B),
                f("dhcp.option.ip_address_lease_time", 86400),
                f("dhcp.option.dhcp_server_id", V4_B),
                f("dhcp.option.domain_name", "example.test"),
            ]);
        } else {
            fields.extend([
                f("dhcp.option.hostname", "pktkit"),
                f("dhcp.option.dhcp_max_message_size", 1500),
            ]);
        }
        k.push(Kind {
            name,
            link: Link::Ethernet,
            bytes: ethernet(Vlan::None, EtherType::IPV4, &ip),
            protocols: "eth:ethertype:ip:udp:dhcp",
            fields,
        });
    }
}

fn ndp_kind(
    name: &'static str,
    repr: &NdpRepr<'_>,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    ty: u8,
    mut fields: Vec<(&'static str, String)>,
) -> Kind {
    let msg = icmpv6(&Icmpv6Repr::Ndp(*repr), src, dst);
    fields.push(f("icmpv6.type", ty));
    Kind {
        name,
        link: Link::Ethernet,
        bytes: ethernet(
            Vlan::None,
            EtherType::IPV6,
            &ipv6(src, dst, 255, IpProtocol::ICMPV6, &msg),
        ),
        protocols: "eth:ethertype:ipv6:icmpv6",
        fields,
    }
}
