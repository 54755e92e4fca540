//! The one-line, tcpdump-like summary of a decoded packet.
//!
//! `TIME [In|Out ][vlan V: ]PROTO SRC > DST: DETAILS, length N`, e.g.
//! `1700000003.123456000 IP 10.0.2.15.40000 > 93.184.216.34.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 74`.
//! Bad checksums add `[bad ipv4 cksum]`-style marks and a decoding failure ends
//! the line with `[malformed LAYER: REASON]`. The final `length` is the length on
//! the wire.
//!
//! Not for: machine reading (use [`crate::decode::json`]).

use std::fmt::Write;
use std::net::IpAddr;

use super::model::{FrameInfo, IcmpLayer, Layers, TcpLayer, TcpOptionLayer};

/// Formats one packet's summary line (without a newline).
pub fn line(frame: &FrameInfo, l: &Layers) -> String {
    let mut s = String::with_capacity(128);
    s.push_str(&frame.time);
    s.push(' ');
    match frame.direction {
        Some("in") => s.push_str("In "),
        Some("out") => s.push_str("Out "),
        _ => {}
    }
    if let Some(eth) = &l.eth
        && !eth.vlan.is_empty()
    {
        let ids: Vec<String> = eth.vlan.iter().map(u16::to_string).collect();
        let _ = write!(s, "vlan {}: ", ids.join("."));
    }
    body(&mut s, l);
    let mut bad = Vec::new();
    if l.ipv4.as_ref().is_some_and(|i| !i.checksum_ok) {
        bad.push("ipv4");
    }
    if l.icmpv4
        .as_ref()
        .is_some_and(|i| i.checksum_ok == Some(false))
    {
        bad.push("icmp");
    }
    if l.icmpv6
        .as_ref()
        .is_some_and(|i| i.checksum_ok == Some(false))
    {
        bad.push("icmp6");
    }
    if l.tcp.as_ref().is_some_and(|t| t.checksum_ok == Some(false)) {
        bad.push("tcp");
    }
    if l.udp.as_ref().is_some_and(|u| u.checksum_ok == Some(false)) {
        bad.push("udp");
    }
    let _ = write!(s, ", length {}", frame.len);
    for b in bad {
        let _ = write!(s, " [bad {b} cksum]");
    }
    if let Some(e) = &l.error {
        let _ = write!(s, " [malformed {}: {}]", e.layer, e.reason);
    }
    if let Some(c) = &frame.comment {
        let _ = write!(s, " # {}", c.escape_debug());
    }
    s
}

fn body(s: &mut String, l: &Layers) {
    if let Some(a) = &l.arp {
        let _ = match a.op {
            1 => write!(s, "ARP, Request who-has {} tell {}", a.tpa, a.spa),
            2 => write!(s, "ARP, Reply {} is-at {}", a.spa, a.sha),
            op => write!(s, "ARP, op {op} {} > {}", a.spa, a.tpa),
        };
        return;
    }
    let (tag, src, dst): (&str, IpAddr, IpAddr) = if let Some(ip) = &l.ipv4 {
        ("IP", ip.src.into(), ip.dst.into())
    } else if let Some(ip) = &l.ipv6 {
        ("IP6", ip.src.into(), ip.dst.into())
    } else {
        match &l.eth {
            Some(e) => {
                let _ = write!(s, "{} > {}, ethertype 0x{:04x}", e.src, e.dst, e.ethertype);
            }
            None => s.push('?'),
        }
        return;
    };
    s.push_str(tag);
    s.push(' ');
    if let Some(t) = &l.tcp {
        let _ = write!(s, "{src}.{} > {dst}.{}: ", t.sport, t.dport);
        tcp(s, t);
    } else if let Some(u) = &l.udp {
        let _ = write!(
            s,
            "{src}.{} > {dst}.{}: UDP, payload {}",
            u.sport,
            u.dport,
            u.len.saturating_sub(8)
        );
    } else if let Some(i) = &l.icmpv4 {
        let _ = write!(s, "{src} > {dst}: ICMP {}", icmpv4_name(i));
    } else if let Some(i) = &l.icmpv6 {
        let _ = write!(s, "{src} > {dst}: ICMP6, {}", icmpv6_name(i));
    } else {
        let _ = write!(s, "{src} > {dst}: ");
        if let Some(ip) = &l.ipv4 {
            if ip.frag_offset != 0 || ip.mf {
                let _ = write!(
                    s,
                    "frag (id {}, offset {}{}), proto {}",
                    ip.id,
                    ip.frag_offset,
                    if ip.mf { "+" } else { "" },
                    ip.proto
                );
            } else {
                let _ = write!(s, "proto {}", ip.proto);
            }
        } else if let Some(ip) = &l.ipv6 {
            match ip.ext.iter().find(|e| e.kind == "fragment") {
                Some(f) => {
                    let _ = write!(
                        s,
                        "frag (id {}, offset {}{}), next header {}",
                        f.id.unwrap_or(0),
                        f.frag_offset.unwrap_or(0),
                        if f.mf == Some(true) { "+" } else { "" },
                        f.next_header
                    );
                }
                None => {
                    let nh = ip.ext.last().map_or(ip.next_header, |e| e.next_header);
                    let _ = write!(s, "next header {nh}");
                }
            }
        }
    }
}

fn tcp(s: &mut String, t: &TcpLayer) {
    // tcpdump's letters, in its order.
    let mut flags = String::new();
    for (bit, c) in [
        (0x002, 'S'),
        (0x001, 'F'),
        (0x008, 'P'),
        (0x004, 'R'),
        (0x020, 'U'),
        (0x040, 'E'),
        (0x080, 'W'),
        (0x010, '.'),
    ] {
        if t.flags & bit != 0 {
            flags.push(c);
        }
    }
    if flags.is_empty() {
        flags.push_str("none");
    }
    let _ = write!(s, "Flags [{flags}], seq {}", t.seq);
    if t.flags & 0x010 != 0 {
        let _ = write!(s, ", ack {}", t.ack);
    }
    let _ = write!(s, ", win {}", t.window);
    if !t.options.is_empty() {
        let opts: Vec<String> = t
            .options
            .iter()
            .map(|o| match o {
                TcpOptionLayer::Eol => "eol".to_owned(),
                TcpOptionLayer::Nop => "nop".to_owned(),
                TcpOptionLayer::Mss { value } => format!("mss {value}"),
                TcpOptionLayer::WindowScale { value } => format!("wscale {value}"),
                TcpOptionLayer::SackPermitted => "sackOK".to_owned(),
                TcpOptionLayer::Sack { blocks } => {
                    let b: Vec<String> = blocks.iter().map(|[l, r]| format!("{l}:{r}")).collect();
                    format!("sack {} {{{}}}", blocks.len(), b.join("}{"))
                }
                TcpOptionLayer::Timestamp { tsval, tsecr } => {
                    format!("TS val {tsval} ecr {tsecr}")
                }
                TcpOptionLayer::Unknown { code, len } => format!("unknown-{code} len {len}"),
            })
            .collect();
        let _ = write!(s, ", options [{}]", opts.join(","));
    }
}

fn icmpv4_name(i: &IcmpLayer) -> String {
    match (i.icmp_type, i.code) {
        (0, _) => "echo reply".to_owned(),
        (8, _) => "echo request".to_owned(),
        (3, c) => format!("destination unreachable (code {c})"),
        (11, c) => format!("time exceeded (code {c})"),
        (5, c) => format!("redirect (code {c})"),
        (12, c) => format!("parameter problem (code {c})"),
        (t, c) => format!("type {t} code {c}"),
    }
}

fn icmpv6_name(i: &IcmpLayer) -> String {
    match (i.icmp_type, i.code) {
        (1, c) => format!("destination unreachable (code {c})"),
        (2, _) => "packet too big".to_owned(),
        (3, c) => format!("time exceeded (code {c})"),
        (4, c) => format!("parameter problem (code {c})"),
        (128, _) => "echo request".to_owned(),
        (129, _) => "echo reply".to_owned(),
        (133, _) => "router solicitation".to_owned(),
        (134, _) => "router advertisement".to_owned(),
        (135, _) => "neighbor solicitation".to_owned(),
        (136, _) => "neighbor advertisement".to_owned(),
        (137, _) => "redirect".to_owned(),
        (t, c) => format!("type {t} code {c}"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::{ErrorLayer, EthLayer, Ipv4Layer, Ipv6ExtLayer, Ipv6Layer, UdpLayer};
    use super::*;

    fn frame(direction: Option<&'static str>) -> FrameInfo {
        FrameInfo {
            number: 1,
            time: "1.000000500".into(),
            len: 99,
            caplen: 99,
            interface: None,
            direction,
            comment: None,
        }
    }

    fn v4() -> Ipv4Layer {
        Ipv4Layer {
            src: [10, 0, 0, 1].into(),
            dst: [10, 0, 0, 2].into(),
            ttl: 64,
            proto: 6,
            len: 80,
            id: 1,
            df: false,
            mf: false,
            frag_offset: 0,
            checksum_ok: true,
        }
    }

    #[test]
    fn tcp_line_like_tcpdump() {
        let l = Layers {
            eth: Some(EthLayer {
                src: "a".into(),
                dst: "b".into(),
                ethertype: 0x0800,
                vlan: vec![100, 20],
            }),
            ipv4: Some(v4()),
            tcp: Some(TcpLayer {
                sport: 40000,
                dport: 443,
                seq: 7,
                ack: 9,
                flags: 0x012,
                window: 512,
                options: vec![
                    TcpOptionLayer::Mss { value: 1460 },
                    TcpOptionLayer::SackPermitted,
                    TcpOptionLayer::Timestamp { tsval: 1, tsecr: 2 },
                    TcpOptionLayer::Nop,
                    TcpOptionLayer::WindowScale { value: 7 },
                    TcpOptionLayer::Sack {
                        blocks: vec![[1, 2], [3, 4]],
                    },
                ],
                checksum_ok: Some(false),
            }),
            ..Layers::default()
        };
        assert_eq!(
            line(&frame(Some("in")), &l),
            "1.000000500 In vlan 100.20: IP 10.0.0.1.40000 > 10.0.0.2.443: Flags [S.], seq 7, ack 9, \
             win 512, options [mss 1460,sackOK,TS val 1 ecr 2,nop,wscale 7,sack 2 {1:2}{3:4}], \
             length 99 [bad tcp cksum]"
        );
    }

    #[test]
    fn ipv6_fragment_and_error() {
        let l = Layers {
            ipv6: Some(Ipv6Layer {
                src: "2001:db8::1".parse().unwrap(),
                dst: "2001:db8::2".parse().unwrap(),
                hop_limit: 1,
                next_header: 44,
                payload_len: 8,
                ext: vec![Ipv6ExtLayer {
                    kind: "fragment",
                    next_header: 17,
                    len: 8,
                    frag_offset: Some(1448),
                    mf: Some(true),
                    id: Some(5),
                    routing_type: None,
                    segments_left: None,
                }],
            }),
            error: Some(ErrorLayer {
                layer: "ipv6",
                reason: "truncated".into(),
            }),
            ..Layers::default()
        };
        assert_eq!(
            line(&frame(Some("out")), &l),
            "1.000000500 Out IP6 2001:db8::1 > 2001:db8::2: frag (id 5, offset 1448+), next header 17, \
             length 99 [malformed ipv6: truncated]"
        );
    }

    #[test]
    fn udp_and_unknown_ethertype() {
        let l = Layers {
            ipv4: Some(Ipv4Layer { proto: 17, ..v4() }),
            udp: Some(UdpLayer {
                sport: 53,
                dport: 5353,
                len: 20,
                checksum_ok: None,
            }),
            ..Layers::default()
        };
        assert_eq!(
            line(&frame(None), &l),
            "1.000000500 IP 10.0.0.1.53 > 10.0.0.2.5353: UDP, payload 12, length 99"
        );
        let l = Layers {
            eth: Some(EthLayer {
                src: "52:54:00:00:00:01".into(),
                dst: "ff:ff:ff:ff:ff:ff".into(),
                ethertype: 0x88cc,
                vlan: vec![],
            }),
            ..Layers::default()
        };
        assert_eq!(
            line(&frame(None), &l),
            "1.000000500 52:54:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype 0x88cc, length 99"
        );
    }
}
