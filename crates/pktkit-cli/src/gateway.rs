//! The switch's gateway port for `pktkit up`: pktkit-core's [`L2Adapter`] in
//! gateway mode (answers ARP for the gateway address and ICMP echo sent to
//! it), with DHCP requests (UDP to port 67) handed to the switch's DHCP
//! server, which shares the gateway's MAC and address.
//!
//! The adapter sits on one end of a [`PipeL2`]; this port holds the other
//! end, sends DHCP frames to the server and everything else to the adapter,
//! and passes both their outputs to the switch. Not here: routing (the
//! adapter's IP side discards what reaches it).

use std::io;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use pktkit_core::{
    DeviceCounters, L2Adapter, L2AdapterConfig, L2AdapterTimer, L2Device, L2Handler, L3Device,
    PipeL2, SystemClock,
};
use pktkit_wire::ipv4::Ipv4Packet;
use pktkit_wire::{EtherType, Frame, IpPrefix, IpProtocol, MacAddr};

/// The DHCP server's UDP port.
const DHCP_SERVER_PORT: u16 = 67;
/// How often the adapter's timers (neighbour cache, retries) run.
const ADAPTER_TICK: Duration = Duration::from_millis(250);

type Out = Arc<Mutex<Option<L2Handler>>>;

/// A gateway address on a switch (see the module docs).
pub struct Gateway {
    mac: MacAddr,
    ip: Ipv4Addr,
    dhcp: Option<Arc<dyn L2Device>>,
    to_adapter: Arc<PipeL2>,
    adapter: Arc<L2Adapter>,
    _timer: L2AdapterTimer,
    out: Out,
    counters: DeviceCounters,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("mac", &self.mac)
            .field("ip", &self.ip)
            .finish_non_exhaustive()
    }
}

/// A handler passing frames to whatever handler `out` holds (the switch).
fn forward_to(out: &Out) -> L2Handler {
    let out = out.clone();
    Arc::new(move |f: &Frame| {
        let h = out.lock().unwrap_or_else(PoisonError::into_inner).clone();
        match h {
            Some(h) => h(f),
            None => Ok(()),
        }
    })
}

impl Gateway {
    /// A gateway at `ip`/`prefix_len` with MAC `mac`; DHCP requests go to
    /// `dhcp`, whose replies leave through this port.
    pub fn new(
        mac: MacAddr,
        ip: Ipv4Addr,
        prefix_len: u8,
        dhcp: Option<Arc<dyn L2Device>>,
    ) -> io::Result<Arc<Gateway>> {
        let out: Out = Arc::default();
        let (ours, theirs) = PipeL2::pair(mac, mac);
        let addr: IpPrefix = format!("{ip}/{prefix_len}")
            .parse()
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "bad gateway prefix"))?;
        let cfg = L2AdapterConfig {
            mac: Some(mac),
            addrs: vec![addr],
            gateway_mode: true,
            link_local: false,
            ..L2AdapterConfig::default()
        };
        let adapter = L2Adapter::new(Arc::new(theirs), cfg, Arc::new(SystemClock));
        // Nothing routes from here: IP packets for the gateway itself (other
        // than the echo requests the adapter answers) are dropped.
        adapter.set_handler(Arc::new(|_: &pktkit_wire::Packet| Ok(())));
        let timer = adapter.start_timer(ADAPTER_TICK)?;
        ours.set_handler(forward_to(&out));
        if let Some(d) = &dhcp {
            d.set_handler(forward_to(&out));
        }
        Ok(Arc::new(Gateway {
            mac,
            ip,
            dhcp,
            to_adapter: Arc::new(ours),
            adapter,
            _timer: timer,
            out,
            counters: DeviceCounters::new(),
        }))
    }

    /// ARP replies and ICMP echo replies sent so far.
    pub fn replies(&self) -> (u64, u64) {
        let s = self.adapter.stats();
        (s.arp_replies_sent, s.echo_replies_sent)
    }

    /// True for an untagged IPv4 UDP frame to the DHCP server port.
    fn is_dhcp(frame: &Frame) -> bool {
        if frame.vlan_tag_count() != 0 || frame.ethertype() != EtherType::IPV4 {
            return false;
        }
        let Ok(ip) = Ipv4Packet::new_checked(frame.payload()) else {
            return false;
        };
        let p = ip.payload();
        !ip.is_fragment()
            && ip.protocol() == IpProtocol::UDP
            && p.len() >= 8
            && u16::from_be_bytes([p[2], p[3]]) == DHCP_SERVER_PORT
    }
}

impl L2Device for Gateway {
    /// A frame from the switch: DHCP to the server, the rest to the adapter.
    fn send(&self, frame: &Frame) -> io::Result<()> {
        self.counters.record_tx(frame.len());
        match &self.dhcp {
            Some(d) if Self::is_dhcp(frame) => d.send(frame),
            _ => self.to_adapter.send(frame),
        }
    }

    fn set_handler(&self, handler: L2Handler) {
        *self.out.lock().unwrap_or_else(PoisonError::into_inner) = Some(handler);
    }

    fn hw_addr(&self) -> MacAddr {
        self.mac
    }

    fn close(&self) -> io::Result<()> {
        self.out
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        L3Device::close(&*self.adapter)?;
        self.to_adapter.close()?;
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
            24,
            None,
        )
        .unwrap();
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
        // Padded to the 60-byte Ethernet minimum.
        assert_eq!(out[0].len(), 60);
        assert_eq!(out[0][..42], expected);
        assert!(out[0][42..].iter().all(|&b| b == 0));
    }

    #[test]
    fn answers_ping_with_valid_checksums() {
        let (gw, out) = gateway();
        // The guest resolves the gateway first, which teaches it the guest's MAC.
        gw.send(Frame::parse(&ARP_REQUEST).unwrap()).unwrap();
        let req = echo_request();
        gw.send(Frame::parse(&req).unwrap()).unwrap();
        let out = out.lock().unwrap();
        assert_eq!(out.len(), 2);
        let r = &out[1];
        assert_eq!(&r[..6], &req[6..12]);
        assert_eq!(r.len(), req.len().max(60));
        assert!(
            pktkit_wire::checksum::verify(&r[14..34]),
            "IPv4 header checksum"
        );
        assert!(
            pktkit_wire::checksum::verify(&r[34..req.len()]),
            "ICMP checksum"
        );
        assert_eq!(&r[26..30], &[10, 0, 2, 2]);
        assert_eq!(&r[30..34], &[10, 0, 2, 15]);
        assert_eq!(r[34], 0, "echo reply");
        assert_eq!(&r[38..req.len()], &req[38..], "id, seq and data echoed");
        // A corrupted request is ignored.
        drop(out);
        let mut bad = req.clone();
        bad[45] ^= 0xff;
        gw.send(Frame::parse(&bad).unwrap()).unwrap();
        assert_eq!(gw.replies(), (1, 1));
    }
}
