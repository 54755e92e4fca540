//! Builds a tiny pcapng capture in memory with pktkit-wire (an ICMPv6 echo
//! request over IPv6, sent and answered) and prints it the way
//! `pktkit decode` and `pktkit decode --json` would.
//!
//! Run with `cargo run -p pktkit-cli --example decode_in_memory`.

use std::net::Ipv6Addr;

use pktkit_wire::IpProtocol;
use pktkit_wire::icmpv6::Icmpv6Repr;
use pktkit_wire::ipv6::{Ipv6Packet, Ipv6Repr};
use pktkit_wire::pcap::LinkType;
use pktkit_wire::pcapng::{Direction, PcapngWriter};

fn echo(src: Ipv6Addr, dst: Ipv6Addr, request: bool) -> Vec<u8> {
    let msg = if request {
        Icmpv6Repr::EchoRequest {
            ident: 1,
            seq_no: 1,
            data: b"hi",
        }
    } else {
        Icmpv6Repr::EchoReply {
            ident: 1,
            seq_no: 1,
            data: b"hi",
        }
    };
    let ip = Ipv6Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: IpProtocol::ICMPV6,
        payload_len: msg.buffer_len() as u16,
        hop_limit: 64,
        traffic_class: 0,
        flow_label: 0,
    };
    let mut buf = vec![0; ip.buffer_len() + msg.buffer_len()];
    ip.emit(&mut Ipv6Packet::new_unchecked(&mut buf[..]))
        .expect("sized above");
    msg.emit_with_checksum(src, dst, &mut buf[ip.buffer_len()..])
        .expect("sized above");
    buf
}

fn main() -> anyhow::Result<()> {
    let (a, b): (Ipv6Addr, Ipv6Addr) = ("2001:db8::1".parse()?, "2001:db8::2".parse()?);
    let mut w = PcapngWriter::new(Vec::new())?;
    let tun = w.add_interface(LinkType::IPV6)?;
    w.write_packet(
        tun,
        1_700_000_000_000_000_000,
        &echo(a, b, true),
        Direction::Outbound,
        None,
    )?;
    w.write_packet(
        tun,
        1_700_000_000_000_250_000,
        &echo(b, a, false),
        Direction::Inbound,
        Some("the reply"),
    )?;
    let file = w.into_inner();

    let mut out = std::io::stdout();
    let summary = pktkit_cli::decode_file(&file, false, &mut out)?;
    let json = pktkit_cli::decode_file(&file, true, &mut out)?;
    assert_eq!((summary.packets, json.packets), (2, 2));
    assert!(summary.error.is_none());
    Ok(())
}
