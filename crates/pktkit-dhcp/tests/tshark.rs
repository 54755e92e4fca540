//! tshark (an independent decoder) reads what our engines send: the
//! client's DISCOVER and REQUEST and the server's OFFER and ACK, with the
//! RFC 3397 search list (compressed) and RFC 3442 routes.

use std::fs;
use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;
use std::time::Instant;

use pktkit_dhcp::client::{Client, ClientConfig};
use pktkit_dhcp::server::{Server, ServerConfig};
use pktkit_testkit::require_tool;
use pktkit_wire::dhcpv4::ClasslessRoute;
use pktkit_wire::ethernet::{EthernetFrame, EthernetRepr, Vlan};
use pktkit_wire::ipv4::{Ipv4Packet, Ipv4Repr};
use pktkit_wire::udp::{UdpPacket, UdpRepr};
use pktkit_wire::{EtherType, IpProtocol, MacAddr};

/// Ethernet/IPv4/UDP around a DHCP payload.
fn frame(src: Ipv4Addr, dst: Ipv4Addr, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 42 + payload.len()];
    EthernetRepr {
        dst: MacAddr::BROADCAST,
        src: MacAddr::new(2, 0, 0, 0, 0, 1),
        vlan: Vlan::None,
        ethertype: EtherType::IPV4,
    }
    .emit(&mut EthernetFrame::new_unchecked(&mut b[..]));
    Ipv4Repr {
        src,
        dst,
        protocol: IpProtocol::UDP,
        payload_len: 8 + payload.len(),
        ttl: 64,
        ..Ipv4Repr::default()
    }
    .emit(&mut Ipv4Packet::new_unchecked(&mut b[14..]));
    let u = UdpRepr {
        src_port: sport,
        dst_port: dport,
        payload_len: payload.len(),
    };
    u.emit_with_payload(
        &mut UdpPacket::new_unchecked(&mut b[34..]),
        payload,
        IpAddr::V4(src),
        IpAddr::V4(dst),
    );
    b
}

fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    // Classic pcap, little endian: magic, version 2.4, zone, sigfigs, snaplen, Ethernet.
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    for v in [0u32, 0, 65535, 1] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for (i, f) in frames.iter().enumerate() {
        for v in [i as u32, 0, f.len() as u32, f.len() as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(f);
    }
    out
}

#[test]
fn tshark_decodes_our_messages() {
    if !require_tool("tshark") {
        return;
    }
    let now = Instant::now();
    let mut cfg = ServerConfig::new(
        Ipv4Addr::new(10, 0, 0, 1),
        24,
        Ipv4Addr::new(10, 0, 0, 100),
        Ipv4Addr::new(10, 0, 0, 109),
    );
    cfg.domain_search = vec!["lab.test".into(), "svc.lab.test".into()];
    cfg.classless_routes = vec![
        ClasslessRoute {
            destination: Ipv4Addr::new(192, 168, 50, 0),
            prefix_len: 24,
            router: Ipv4Addr::new(10, 0, 0, 2),
        },
        ClasslessRoute {
            destination: Ipv4Addr::UNSPECIFIED,
            prefix_len: 0,
            router: Ipv4Addr::new(10, 0, 0, 1),
        },
    ];
    cfg.mtu = Some(1400);
    let mut server = Server::new(cfg).unwrap();
    let mut cc = ClientConfig::new(MacAddr::new(2, 0, 0, 0, 0, 7));
    cc.hostname = Some("guest".into());
    let mut client = Client::new(cc, now);
    let mut frames = Vec::new();
    let mut buf = [0u8; 1500];
    for _ in 0..2 {
        let t = client.poll_transmit(now, &mut buf).unwrap();
        frames.push(frame(t.src, t.dst, 68, 67, &buf[..t.len]));
        server.handle_input(now, &buf[..t.len]);
        let t = server.poll_transmit(now, &mut buf).unwrap();
        frames.push(frame(
            Ipv4Addr::new(10, 0, 0, 1),
            t.dst_ip,
            67,
            68,
            &buf[..t.len],
        ));
        client.handle_input(now, &buf[..t.len]);
    }
    assert!(client.lease().is_some());
    let path = std::env::temp_dir().join(format!("pktkit-dhcp-tshark-{}.pcap", std::process::id()));
    fs::write(&path, pcap(&frames)).unwrap();
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .arg("-V")
        .output()
        .unwrap();
    fs::remove_file(&path).unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("Malformed"), "{text}");
    for want in [
        "DHCP Message Type (Discover)",
        "DHCP Message Type (Offer)",
        "DHCP Message Type (Request)",
        "DHCP Message Type (ACK)",
        "Host Name: guest",
        "Your (client) IP address: 10.0.0.100",
        "Requested IP Address: 10.0.0.100",
        "DHCP Server Identifier (10.0.0.1)",
        "Subnet Mask (255.255.255.0)",
        "FQDN: lab.test",
        "FQDN: svc.lab.test",
        "192.168.50.0/24-10.0.0.2",
        "default-10.0.0.1",
        "Interface MTU: 1400",
        "IP Address Lease Time: (3600s) 1 hour",
    ] {
        assert!(text.contains(want), "tshark did not show {want:?}:\n{text}");
    }
}
