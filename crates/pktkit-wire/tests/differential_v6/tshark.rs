//! tshark as a third, independent reader of what we emit.

use super::*;

/// A small deterministic generator, so the tshark run is reproducible.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    fn addr(&mut self) -> Ipv6Addr {
        let (a, b, c, d) = (self.next(), self.next(), self.next(), self.next());
        Ipv6Addr::from((a as u128) << 96 | (b as u128) << 64 | (c as u128) << 32 | d as u128)
    }
    fn mac(&mut self) -> [u8; 6] {
        let (a, b) = (self.next().to_be_bytes(), self.next().to_be_bytes());
        [a[0], a[1], a[2], a[3], b[0], b[1]]
    }
}

fn mac_str(m: &[u8]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// One emitted packet and the tshark fields it must show.
struct Expect {
    bytes: Vec<u8>,
    fields: Vec<(&'static str, String)>,
}

/// Wraps an ICMPv6 message (checksum filled) in an IPv6 header, optionally
/// behind a hop-by-hop Router Alert and a destination options header.
fn wrap_icmpv6(
    repr: &Icmpv6Repr<'_>,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    with_ext: bool,
    fields: &mut Vec<(&'static str, String)>,
) -> Vec<u8> {
    use pktkit_wire::ipv6_ext::OptionsHeaderRepr;
    let mut ext = Vec::new();
    let first = if with_ext {
        let hbh = OptionsHeaderRepr {
            next_header: IpProtocol::IPV6_OPTS,
            options: &[Ipv6Option::RouterAlert(0)],
        };
        let dsto = OptionsHeaderRepr {
            next_header: IpProtocol::ICMPV6,
            options: &[Ipv6Option::Unknown {
                kind: 0x1e,
                data: &[1, 2, 3, 4, 5],
            }],
        };
        let mut b = vec![0u8; hbh.buffer_len() + dsto.buffer_len()];
        let n = hbh.emit(&mut b).unwrap();
        dsto.emit(&mut b[n..]).unwrap();
        ext = b;
        fields.push(("ipv6.opt.router_alert", "0".into()));
        fields.push(("ipv6.hopopts.nxt", "60".into()));
        fields.push(("ipv6.dstopts.nxt", "58".into()));
        IpProtocol::HOP_BY_HOP
    } else {
        IpProtocol::ICMPV6
    };
    let icmp_len = repr.buffer_len();
    let ip = Ipv6Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: first,
        payload_len: (ext.len() + icmp_len) as u16,
        hop_limit: 255,
        traffic_class: 0,
        flow_label: 0x12345,
    };
    let mut out = vec![0xa5u8; 40 + ext.len() + icmp_len];
    ip.emit(&mut Ipv6Packet::new_unchecked(&mut out[..]))
        .unwrap();
    out[40..40 + ext.len()].copy_from_slice(&ext);
    repr.emit_with_checksum(src, dst, &mut out[40 + ext.len()..])
        .unwrap();
    // tshark dissects a quoted (error) or redirected packet too, after ours.
    let quotes =
        matches!(repr, Icmpv6Repr::Ndp(NdpRepr::Redirect { .. })) || repr.msg_type().is_error();
    if quotes {
        fields.push(("ipv6.src", format!("{src},2001:db8::1")));
        fields.push(("ipv6.dst", format!("{dst},2001:db8::2")));
    } else {
        fields.push(("ipv6.src", src.to_string()));
        fields.push(("ipv6.dst", dst.to_string()));
        fields.push(("ipv6.flow", "0x012345".into()));
    }
    fields.push(("icmpv6.type", repr.msg_type().0.to_string()));
    fields.push(("icmpv6.checksum.status", "1".into())); // 1 = Good
    out
}

fn tshark_cases() -> Vec<Expect> {
    use pktkit_wire::ndp::{
        self, NdpOptions, NeighborFlags, PrefixInformation, Rdnss, RouterFlags,
    };
    let mut rng = Lcg(0x5eed);
    let mut cases = Vec::new();
    // The invoking packet quoted by the error messages.
    let quoted = Ipv6Repr {
        src_addr: "2001:db8::1".parse().unwrap(),
        dst_addr: "2001:db8::2".parse().unwrap(),
        next_header: IpProtocol::UDP,
        payload_len: 13,
        hop_limit: 1,
        traffic_class: 0,
        flow_label: 0,
    };
    let udp = [
        0x82, 0x9a, 0x82, 0x9b, 0, 13, 0, 0, b'h', b'e', b'l', b'l', b'o',
    ];
    for i in 0..80u32 {
        let (src, dst) = (rng.addr(), rng.addr());
        let mut f: Vec<(&'static str, String)> = Vec::new();
        let (mac, mac2) = (rng.mac(), rng.mac());
        let echo_data: Vec<u8> = (0..rng.next() % 40).map(|_| rng.next() as u8).collect();
        let dns = [rng.addr(), rng.addr()];
        let dns_bytes: Vec<u8> = dns.iter().flat_map(|a| a.octets()).collect();
        let mut opt_buf = vec![0u8; 256];
        let (w, x, y) = (rng.next(), rng.next(), rng.next());
        let target = rng.addr();
        let repr = match i % 10 {
            0 => {
                let (ident, seq_no) = (w as u16, x as u16);
                f.push(("icmpv6.echo.identifier", format!("0x{ident:04x}")));
                f.push(("icmpv6.echo.sequence_number", seq_no.to_string()));
                if y % 2 == 0 {
                    Icmpv6Repr::EchoRequest {
                        ident,
                        seq_no,
                        data: &echo_data,
                    }
                } else {
                    Icmpv6Repr::EchoReply {
                        ident,
                        seq_no,
                        data: &echo_data,
                    }
                }
            }
            1 => {
                let code = (w % 7) as u8;
                f.push(("icmpv6.code", code.to_string()));
                Icmpv6Repr::DstUnreachable {
                    code,
                    header: quoted,
                    data: &udp,
                }
            }
            2 => {
                let mtu = 1280 + w % 8000;
                f.push(("icmpv6.mtu", mtu.to_string()));
                Icmpv6Repr::PacketTooBig {
                    mtu,
                    header: quoted,
                    data: &udp,
                }
            }
            3 => {
                let code = (w % 2) as u8;
                f.push(("icmpv6.code", code.to_string()));
                Icmpv6Repr::TimeExceeded {
                    code,
                    header: quoted,
                    data: &udp,
                }
            }
            4 => {
                let (code, pointer) = ((w % 3) as u8, x % 48);
                f.push(("icmpv6.code", code.to_string()));
                f.push(("icmpv6.pointer", pointer.to_string()));
                Icmpv6Repr::ParamProblem {
                    code,
                    pointer,
                    header: quoted,
                    data: &udp,
                }
            }
            5 => {
                let n = ndp::emit_options(&[NdpOption::SourceLinkLayerAddr(&mac)], &mut opt_buf)
                    .unwrap();
                f.push(("icmpv6.opt.linkaddr", mac_str(&mac)));
                Icmpv6Repr::Ndp(NdpRepr::RouterSolicit {
                    options: NdpOptions::parse(&opt_buf[..n]).unwrap(),
                })
            }
            6 => {
                let pi = PrefixInformation {
                    prefix_len: 64,
                    flags: (w as u8) & 0xc0,
                    valid_lifetime: x,
                    preferred_lifetime: y,
                    prefix: Ipv6Addr::from(target.to_bits() & !0xffff_ffff_ffff_ffffu128),
                };
                let mtu = 1280 + w % 8000;
                let opts = [
                    NdpOption::SourceLinkLayerAddr(&mac),
                    NdpOption::Mtu(mtu),
                    NdpOption::PrefixInformation(pi),
                    NdpOption::Rdnss(Rdnss {
                        lifetime: w,
                        addrs: &dns_bytes,
                    }),
                ];
                let n = ndp::emit_options(&opts, &mut opt_buf).unwrap();
                let flags = RouterFlags((x as u8) & 0xc0);
                let (hop_limit, lifetime) = (y as u8, w as u16);
                f.push(("icmpv6.nd.ra.cur_hop_limit", hop_limit.to_string()));
                f.push(("icmpv6.nd.ra.flag.m", (flags.managed() as u8).to_string()));
                f.push(("icmpv6.nd.ra.flag.o", (flags.other() as u8).to_string()));
                f.push(("icmpv6.nd.ra.router_lifetime", lifetime.to_string()));
                f.push(("icmpv6.nd.ra.reachable_time", x.to_string()));
                f.push(("icmpv6.nd.ra.retrans_timer", y.to_string()));
                f.push(("icmpv6.opt.type", "1,5,3,25".into()));
                f.push(("icmpv6.opt.linkaddr", mac_str(&mac)));
                f.push(("icmpv6.opt.mtu", mtu.to_string()));
                f.push(("icmpv6.opt.prefix.length", "64".into()));
                f.push(("icmpv6.opt.prefix.flag.l", (pi.on_link() as u8).to_string()));
                f.push((
                    "icmpv6.opt.prefix.flag.a",
                    (pi.autonomous() as u8).to_string(),
                ));
                f.push(("icmpv6.opt.prefix.valid_lifetime", x.to_string()));
                f.push(("icmpv6.opt.prefix.preferred_lifetime", y.to_string()));
                f.push(("icmpv6.opt.prefix", pi.prefix.to_string()));
                f.push(("icmpv6.opt.rdnss.lifetime", w.to_string()));
                f.push(("icmpv6.opt.rdnss", format!("{},{}", dns[0], dns[1])));
                Icmpv6Repr::Ndp(NdpRepr::RouterAdvert {
                    hop_limit,
                    flags,
                    router_lifetime: lifetime,
                    reachable_time: x,
                    retrans_timer: y,
                    options: NdpOptions::parse(&opt_buf[..n]).unwrap(),
                })
            }
            7 => {
                let n = ndp::emit_options(&[NdpOption::SourceLinkLayerAddr(&mac)], &mut opt_buf)
                    .unwrap();
                f.push(("icmpv6.nd.ns.target_address", target.to_string()));
                f.push(("icmpv6.opt.linkaddr", mac_str(&mac)));
                Icmpv6Repr::Ndp(NdpRepr::NeighborSolicit {
                    target,
                    options: NdpOptions::parse(&opt_buf[..n]).unwrap(),
                })
            }
            8 => {
                let n = ndp::emit_options(&[NdpOption::TargetLinkLayerAddr(&mac2)], &mut opt_buf)
                    .unwrap();
                let flags = NeighborFlags::new(w % 2 == 0, x % 2 == 0, y % 2 == 0);
                f.push(("icmpv6.nd.na.flag.r", (flags.router() as u8).to_string()));
                f.push(("icmpv6.nd.na.flag.s", (flags.solicited() as u8).to_string()));
                f.push(("icmpv6.nd.na.flag.o", (flags.override_() as u8).to_string()));
                f.push(("icmpv6.nd.na.target_address", target.to_string()));
                f.push(("icmpv6.opt.linkaddr", mac_str(&mac2)));
                Icmpv6Repr::Ndp(NdpRepr::NeighborAdvert {
                    flags,
                    target,
                    options: NdpOptions::parse(&opt_buf[..n]).unwrap(),
                })
            }
            _ => {
                let mut redirected = vec![0u8; 40];
                quoted
                    .emit(&mut Ipv6Packet::new_unchecked(&mut redirected[..]))
                    .unwrap();
                redirected.extend_from_slice(&udp[..8]);
                let n = ndp::emit_options(
                    &[
                        NdpOption::TargetLinkLayerAddr(&mac2),
                        NdpOption::RedirectedHeader(&redirected),
                    ],
                    &mut opt_buf,
                )
                .unwrap();
                let destination = rng.addr();
                f.push(("icmpv6.nd.rd.target_address", target.to_string()));
                f.push(("icmpv6.rd.na.destination_address", destination.to_string()));
                f.push(("icmpv6.opt.type", "2,4".into()));
                f.push(("icmpv6.opt.linkaddr", mac_str(&mac2)));
                Icmpv6Repr::Ndp(NdpRepr::Redirect {
                    target,
                    destination,
                    options: NdpOptions::parse(&opt_buf[..n]).unwrap(),
                })
            }
        };
        let bytes = wrap_icmpv6(&repr, src, dst, i % 3 == 0, &mut f);
        cases.push(Expect { bytes, fields: f });
    }
    cases
}

/// Loud skip (or failure under CI) when tshark is missing.
fn have_tshark() -> bool {
    let found = std::process::Command::new("tshark")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let strict = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
            || std::env::var("PKTKIT_REQUIRE_PRIVILEGED").is_ok_and(|v| v == "1");
        assert!(!strict, "tshark is required under CI");
        eprintln!("SKIPPED (needs `tshark` on PATH)");
    }
    found
}

#[test]
fn tshark_reads_what_we_emit() {
    if !have_tshark() {
        return;
    }
    let cases = tshark_cases();
    // pcap, LINKTYPE_RAW (101): each record is a bare IP packet.
    let mut pcap = Vec::new();
    pcap.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    pcap.extend_from_slice(&2u16.to_le_bytes());
    pcap.extend_from_slice(&4u16.to_le_bytes());
    pcap.extend_from_slice(&[0; 8]);
    pcap.extend_from_slice(&65535u32.to_le_bytes());
    pcap.extend_from_slice(&101u32.to_le_bytes());
    for c in &cases {
        pcap.extend_from_slice(&[0; 8]);
        pcap.extend_from_slice(&(c.bytes.len() as u32).to_le_bytes());
        pcap.extend_from_slice(&(c.bytes.len() as u32).to_le_bytes());
        pcap.extend_from_slice(&c.bytes);
    }
    let path = std::env::temp_dir().join(format!("pktkit-v6-tshark-{}.pcap", std::process::id()));
    std::fs::write(&path, &pcap).unwrap();
    let mut names: Vec<&str> = cases
        .iter()
        .flat_map(|c| c.fields.iter().map(|(n, _)| *n))
        .collect();
    names.sort();
    names.dedup();
    names.push("_ws.malformed");
    let mut cmd = std::process::Command::new("tshark");
    cmd.args(["-n", "-r"]).arg(&path);
    cmd.args([
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ]);
    for n in &names {
        cmd.args(["-e", n]);
    }
    let out = cmd.output();
    let _ = std::fs::remove_file(&path);
    let out = out.expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), cases.len());
    let mut checked = 0;
    for (i, (c, line)) in cases.iter().zip(&lines).enumerate() {
        let cols: Vec<&str> = line.split('|').collect();
        assert_eq!(cols.len(), names.len(), "{line}");
        let col = |n: &str| cols[names.iter().position(|x| *x == n).unwrap()];
        assert_eq!(
            col("_ws.malformed"),
            "",
            "packet {i} is malformed to tshark: {:02x?}",
            c.bytes
        );
        for (n, want) in &c.fields {
            let got = col(n);
            // tshark prints booleans as 1/0 or True/False depending on version.
            let got = match got {
                "True" => "1",
                "False" => "0",
                g => g,
            };
            assert_eq!(got, want, "packet {i} field {n}: {:02x?}", c.bytes);
            checked += 1;
        }
    }
    assert!(checked > 500, "only {checked} fields checked");
}
