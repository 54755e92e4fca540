//! The switch's gateway port for `pktkit up`: answers ARP for the gateway
//! address and ICMP echo (ping) sent to it, and hands DHCP requests (UDP to
//! port 67) to the switch's DHCP server, which shares its MAC and address.
//!
//! A minimal stand-in, to be replaced by the "gateway mode" of pktkit-core's
//! `L2Adapter` (modules `arp`/`ndp`) once that lands: it does not route, keep
//! a neighbour cache, or speak IPv6. Only untagged frames are looked at.

use std::io;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use pktkit_core::{DeviceCounters, L2Device, L2Handler};
use pktkit_wire::arp::{ArpOperation, ArpPacket, ArpRepr};
use pktkit_wire::icmpv4::{Icmpv4Packet, msg_type};
use pktkit_wire::ipv4::Ipv4Packet;
use pktkit_wire::{ETHERNET_HEADER_LEN, EtherType, Frame, IpProtocol, MacAddr};

/// The DHCP server's UDP port.
const DHCP_SERVER_PORT: u16 = 67;

/// A gateway address on a switch (see the module docs).
pub struct Gateway {
    mac: MacAddr,
    ip: Ipv4Addr,
    dhcp: Option<Arc<dyn L2Device>>,
    handler: Arc<Mutex<Option<L2Handler>>>,
    counters: DeviceCounters,
    arp_replies: AtomicU64,
    echo_replies: AtomicU64,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("mac", &self.mac)
            .field("ip", &self.ip)
            .finish_non_exhaustive()
    }
}

impl Gateway {
    /// A gateway at `ip` with MAC `mac`; DHCP requests go to `dhcp`, whose
    /// replies leave through this port.
    pub fn new(mac: MacAddr, ip: Ipv4Addr, dhcp: Option<Arc<dyn L2Device>>) -> Arc<Gateway> {
        let handler: Arc<Mutex<Option<L2Handler>>> = Arc::default();
        if let Some(d) = &dhcp {
            let h = handler.clone();
            d.set_handler(Arc::new(move |f: &Frame| {
                let out = h.lock().unwrap_or_else(PoisonError::into_inner).clone();
                match out {
                    Some(out) => out(f),
                    None => Ok(()),
                }
            }));
        }
        Arc::new(Gateway {
            mac,
            ip,
            dhcp,
            handler,
            counters: DeviceCounters::new(),
            arp_replies: AtomicU64::new(0),
            echo_replies: AtomicU64::new(0),
        })
    }

    /// ARP replies and ICMP echo replies sent so far.
    pub fn replies(&self) -> (u64, u64) {
        (
            self.arp_replies.load(Ordering::Relaxed),
            self.echo_replies.load(Ordering::Relaxed),
        )
    }

    fn emit(&self, bytes: &[u8]) -> io::Result<()> {
        let out = self
            .handler
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match (out, Frame::parse(bytes)) {
            (Some(out), Ok(f)) => {
                self.counters.record_rx(f.len());
                out(f)
            }
            _ => Ok(()),
        }
    }

    fn arp(&self, frame: &Frame) -> io::Result<()> {
        let Ok(pkt) = ArpPacket::new_checked(frame.payload()) else {
            return Ok(());
        };
        let Ok(req) = ArpRepr::parse(&pkt) else {
            return Ok(());
        };
        if req.op != ArpOperation::Request || req.tpa != self.ip {
            return Ok(());
        }
        let Some(reply) = req.reply(self.mac) else {
            return Ok(());
        };
        let mut buf = vec![0u8; ETHERNET_HEADER_LEN + reply.buffer_len()];
        ethernet(&mut buf, req.sha, self.mac, EtherType::ARP);
        reply.emit(&mut ArpPacket::new_unchecked(
            &mut buf[ETHERNET_HEADER_LEN..],
        ));
        self.arp_replies.fetch_add(1, Ordering::Relaxed);
        self.emit(&buf)
    }

    fn ipv4(&self, frame: &Frame) -> io::Result<()> {
        let Ok(ip) = Ipv4Packet::new_checked(frame.payload()) else {
            return Ok(());
        };
        if ip.is_fragment() {
            return Ok(());
        }
        let proto = ip.protocol();
        if proto == IpProtocol::UDP {
            let p = ip.payload();
            if p.len() >= 8
                && u16::from_be_bytes([p[2], p[3]]) == DHCP_SERVER_PORT
                && let Some(d) = &self.dhcp
            {
                return d.send(frame);
            }
            return Ok(());
        }
        if proto != IpProtocol::ICMP || ip.dst_addr() != self.ip {
            return Ok(());
        }
        let Ok(icmp) = Icmpv4Packet::new_checked(ip.payload()) else {
            return Ok(());
        };
        if icmp.msg_type() != msg_type::ECHO_REQUEST || !icmp.verify_checksum() {
            return Ok(());
        }
        let icmp_len = ip.payload().len();
        let total = 20 + icmp_len;
        let mut buf = vec![0u8; ETHERNET_HEADER_LEN + total];
        ethernet(&mut buf, frame.src(), self.mac, EtherType::IPV4);
        {
            let mut out = Ipv4Packet::new_unchecked(&mut buf[ETHERNET_HEADER_LEN..]);
            out.set_version(4);
            out.set_header_len(20);
            out.set_total_len(total as u16);
            out.set_ident(ip.ident());
            out.clear_flags();
            out.set_frag_offset(0);
            out.set_ttl(64);
            out.set_protocol(IpProtocol::ICMP);
            out.set_src_addr(self.ip);
            out.set_dst_addr(ip.src_addr());
            out.fill_checksum();
            let payload = out.payload_mut();
            payload.copy_from_slice(ip.payload());
            let mut reply = Icmpv4Packet::new_unchecked(payload);
            reply.set_msg_type(msg_type::ECHO_REPLY);
            reply.set_msg_code(0);
            reply.fill_checksum();
        }
        self.echo_replies.fetch_add(1, Ordering::Relaxed);
        self.emit(&buf)
    }
}

fn ethernet(buf: &mut [u8], dst: MacAddr, src: MacAddr, ty: EtherType) {
    buf[..6].copy_from_slice(dst.as_bytes());
    buf[6..12].copy_from_slice(src.as_bytes());
    buf[12..14].copy_from_slice(&ty.0.to_be_bytes());
}

impl L2Device for Gateway {
    /// A frame from the switch: answered if it is for the gateway.
    fn send(&self, frame: &Frame) -> io::Result<()> {
        self.counters.record_tx(frame.len());
        if frame.vlan_tag_count() != 0 {
            return Ok(());
        }
        let dst = frame.dst();
        if dst != self.mac && !dst.is_broadcast() {
            return Ok(());
        }
        match frame.ethertype() {
            EtherType::ARP => self.arp(frame),
            EtherType::IPV4 => self.ipv4(frame),
            _ => Ok(()),
        }
    }

    fn set_handler(&self, handler: L2Handler) {
        *self.handler.lock().unwrap_or_else(PoisonError::into_inner) = Some(handler);
    }

    fn hw_addr(&self) -> MacAddr {
        self.mac
    }

    fn close(&self) -> io::Result<()> {
        self.handler
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(d) = &self.dhcp {
            d.close()?;
        }
        Ok(())
    }

    fn counters(&self) -> Option<&DeviceCounters> {
        Some(&self.counters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ARP who-has 10.0.2.2 from 52:54:00:12:34:56 / 10.0.2.15, as the
    /// Linux kernel sends it (captured with tcpdump -xx).
    static ARP_REQUEST: [u8; 42] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06, 0x00,
        0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x0a, 0x00,
        0x02, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x02, 0x02,
    ];

    /// `ping -c1 -p 00 -s 8 10.0.2.2` from 10.0.2.15: ICMP echo id 0x1234 seq 1.
    fn echo_request() -> Vec<u8> {
        let mut b = vec![
            0x02, 0x50, 0x4b, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x00,
            0x45, 0x00, 0x00, 0x24, 0xab, 0xcd, 0x40, 0x00, 0x40, 0x01, 0x00, 0x00, 0x0a, 0x00,
            0x02, 0x0f, 0x0a, 0x00, 0x02, 0x02, 0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01, 1,
            2, 3, 4, 5, 6, 7, 8,
        ];
        let ip_sum = pktkit_wire::checksum::checksum(&b[14..34]);
        b[24..26].copy_from_slice(&ip_sum.to_be_bytes());
        let icmp_sum = pktkit_wire::checksum::checksum(&b[34..]);
        b[36..38].copy_from_slice(&icmp_sum.to_be_bytes());
        b
    }

    type Sent = Arc<Mutex<Vec<Vec<u8>>>>;

    fn gateway() -> (Arc<Gateway>, Sent) {
        let gw = Gateway::new(
            MacAddr::new(0x02, 0x50, 0x4b, 0, 0, 1),
            Ipv4Addr::new(10, 0, 2, 2),
            None,
        );
        let out: Sent = Arc::default();
        let o = out.clone();
        gw.set_handler(Arc::new(move |f: &Frame| {
            o.lock().unwrap().push(f.as_bytes().to_vec());
            Ok(())
        }));
        (gw, out)
    }

    #[test]
    fn answers_arp_for_its_address_only() {
        let (gw, out) = gateway();
        gw.send(Frame::parse(&ARP_REQUEST).unwrap()).unwrap();
        let mut other = ARP_REQUEST;
        other[41] = 3; // who-has 10.0.2.3
        gw.send(Frame::parse(&other).unwrap()).unwrap();
        let out = out.lock().unwrap();
        assert_eq!(out.len(), 1);
        let expected: [u8; 42] = [
            0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x02, 0x50, 0x4b, 0x00, 0x00, 0x01, 0x08, 0x06,
            0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x02, 0x50, 0x4b, 0x00, 0x00, 0x01,
            0x0a, 0x00, 0x02, 0x02, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x0a, 0x00, 0x02, 0x0f,
        ];
        assert_eq!(out[0], expected);
    }

    #[test]
    fn answers_ping_with_valid_checksums() {
        let (gw, out) = gateway();
        let req = echo_request();
        gw.send(Frame::parse(&req).unwrap()).unwrap();
        let out = out.lock().unwrap();
        assert_eq!(out.len(), 1);
        let r = &out[0];
        assert_eq!(&r[..6], &req[6..12]);
        assert_eq!(r.len(), req.len());
        assert!(
            pktkit_wire::checksum::verify(&r[14..34]),
            "IPv4 header checksum"
        );
        assert!(pktkit_wire::checksum::verify(&r[34..]), "ICMP checksum");
        assert_eq!(&r[26..30], &[10, 0, 2, 2]);
        assert_eq!(&r[30..34], &[10, 0, 2, 15]);
        assert_eq!(r[34], 0, "echo reply");
        assert_eq!(&r[38..], &req[38..], "id, seq and data echoed");
        // A corrupted request is ignored.
        drop(out);
        let mut bad = req.clone();
        bad[45] ^= 0xff;
        gw.send(Frame::parse(&bad).unwrap()).unwrap();
        assert_eq!(gw.replies(), (0, 1));
    }
}
