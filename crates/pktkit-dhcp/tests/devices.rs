//! The device drivers joined in memory: [`ClientDevice`] ↔ [`ServerDevice`]
//! with `connect_l2`, frames checked by the pktkit-wire codecs.

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pktkit_core::{L2Device, PipeL2, connect_l2};
use pktkit_dhcp::client::{ClientConfig, ClientState, Event, LossReason};
use pktkit_dhcp::device::{ClientDevice, ServerDevice};
use pktkit_dhcp::server::ServerConfig;
use pktkit_wire::arp::{ArpOperation, ArpPacket, ArpRepr};
use pktkit_wire::{Frame, MacAddr};

fn config() -> ServerConfig {
    ServerConfig::new(
        Ipv4Addr::new(10, 1, 0, 1),
        24,
        Ipv4Addr::new(10, 1, 0, 10),
        Ipv4Addr::new(10, 1, 0, 20),
    )
}

#[test]
fn client_device_gets_renews_and_releases_a_lease_from_server_device() {
    let server = ServerDevice::new(config(), MacAddr::new(2, 0, 0, 0, 0, 1), None).unwrap();
    let client = ClientDevice::start(ClientConfig::new(MacAddr::new(2, 0, 0, 0, 0, 2))).unwrap();
    let _link = connect_l2(&client, &server);
    let lease = match client.recv_event(Duration::from_secs(10)) {
        Some(Event::LeaseAcquired(l)) => l,
        other => panic!("{other:?}"),
    };
    assert_eq!(lease.address, Ipv4Addr::new(10, 1, 0, 10));
    assert_eq!(client.state(), ClientState::Bound);
    // Renewal is unicast to the server's MAC, learned from its ACK.
    client.with_client(|c| c.handle_timeout(Instant::now() + lease.renewal_time));
    assert!(matches!(
        client.recv_event(Duration::from_secs(10)),
        Some(Event::LeaseRenewed(l)) if l.address == lease.address
    ));
    assert_eq!(server.stats().acks, 2);
    client.release();
    assert_eq!(
        client.recv_event(Duration::from_secs(10)),
        Some(Event::LeaseLost {
            address: lease.address,
            reason: LossReason::Released
        })
    );
    assert_eq!(server.stats().releases, 1);
    assert!(client.lease().is_none());
}

#[test]
fn server_device_answers_arp_for_its_address_only() {
    let server = ServerDevice::new(config(), MacAddr::new(2, 0, 0, 0, 0, 1), None).unwrap();
    let (host, port) = PipeL2::pair(
        MacAddr::new(2, 0, 0, 0, 0, 9),
        MacAddr::new(2, 0, 0, 0, 0, 8),
    );
    let port = Arc::new(port);
    let _link = connect_l2(&port, &server);
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    host.set_handler(Arc::new(move |f: &Frame| {
        g.lock().unwrap().push(f.as_bytes().to_vec());
        Ok(())
    }));
    for target in [Ipv4Addr::new(10, 1, 0, 1), Ipv4Addr::new(10, 1, 0, 2)] {
        let req = ArpRepr {
            op: ArpOperation::Request,
            sha: MacAddr::new(2, 0, 0, 0, 0, 9),
            spa: Ipv4Addr::new(10, 1, 0, 99),
            tha: MacAddr::ZERO,
            tpa: target,
        };
        let mut buf = vec![0u8; 60];
        buf[..6].copy_from_slice(&[0xff; 6]);
        buf[6..12].copy_from_slice(&[2, 0, 0, 0, 0, 9]);
        buf[12..14].copy_from_slice(&[0x08, 0x06]);
        req.emit(&mut ArpPacket::new_unchecked(
            &mut buf[14..14 + req.buffer_len()],
        ));
        host.send(Frame::parse(&buf).unwrap()).unwrap();
    }
    let got = got.lock().unwrap();
    assert_eq!(got.len(), 1, "one reply, for 10.1.0.1");
    let rep = ArpRepr::parse(&ArpPacket::new_checked(&got[0][14..]).unwrap()).unwrap();
    assert_eq!(rep.op, ArpOperation::Reply);
    assert_eq!(
        (rep.sha, rep.spa),
        (MacAddr::new(2, 0, 0, 0, 0, 1), Ipv4Addr::new(10, 1, 0, 1))
    );
    assert_eq!(rep.tha, MacAddr::new(2, 0, 0, 0, 0, 9));
}
