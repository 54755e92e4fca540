//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::sync::{Arc, Mutex};

use pktkit_core::{L2Device, PipeL2};
use pktkit_wire::{Frame, MacAddr};

pub fn mac(n: u64) -> MacAddr {
    MacAddr::from_u64(0x0200_0000_0000 | n)
}

/// An untagged Ethernet frame of 60 bytes.
pub fn frame(dst: MacAddr, src: MacAddr) -> Vec<u8> {
    let mut b = vec![0u8; 60];
    b[..6].copy_from_slice(&dst.0);
    b[6..12].copy_from_slice(&src.0);
    b[12..14].copy_from_slice(&[0x08, 0x00]);
    for (i, x) in b[14..].iter_mut().enumerate() {
        *x = i as u8;
    }
    b
}

/// The same frame with an 802.1Q tag inserted.
pub fn tagged(untagged: &[u8], vid: u16) -> Vec<u8> {
    let mut b = untagged[..12].to_vec();
    b.extend_from_slice(&[0x81, 0x00]);
    b.extend_from_slice(&vid.to_be_bytes());
    b.extend_from_slice(&untagged[12..]);
    b
}

/// A host: the outer end of a pipe, recording what it receives.
pub struct Host {
    pub dev: PipeL2,
    pub got: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Host {
    pub fn send(&self, bytes: &[u8]) {
        self.dev.send(Frame::parse(bytes).unwrap()).unwrap();
    }
    pub fn take(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut *self.got.lock().unwrap())
    }
}

/// A host and the hub side of its pipe.
pub fn host(n: u64) -> (Host, Arc<PipeL2>) {
    let (outer, inner) = PipeL2::pair(mac(n), mac(1000 + n));
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    outer.set_handler(Arc::new(move |f: &Frame| {
        g.lock().unwrap().push(f.as_bytes().to_vec());
        Ok(())
    }));
    (Host { dev: outer, got }, Arc::new(inner))
}
