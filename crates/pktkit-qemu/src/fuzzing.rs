//! Fuzz entry points (see docs/CONVENTIONS.md): each must not panic on any
//! input and asserts its invariants. Not a stable API.

use std::sync::{Arc, Mutex, PoisonError};

use pktkit_wire::Frame;

use crate::port::PortState;
use crate::stream::{End, read_frames};

/// Largest frame the fuzzed reader accepts (small, so "too long" is reachable).
const MAX: usize = 1600;

/// The stream reader over `data` as a guest's byte stream: it delivers
/// exactly the frames a straightforward model of QEMU's framing finds, and
/// stops for the same reason.
pub fn qemu_stream(data: &[u8]) {
    let port = PortState::new("fuzz".into(), false);
    let got: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let g = got.clone();
    port.set_handler(Arc::new(move |f: &Frame| {
        g.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(f.as_bytes().to_vec());
        Ok(())
    }));
    let end = read_frames(&mut &data[..], &port, MAX);

    // The model: 4-byte big-endian length, then that many bytes.
    let mut want = Vec::new();
    let mut rest = data;
    let model_end = loop {
        if rest.is_empty() {
            break "hangup";
        }
        if rest.len() < 4 {
            break "truncated";
        }
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len == 0 || len > MAX {
            break "bad length";
        }
        if rest.len() - 4 < len {
            break "truncated";
        }
        let frame = &rest[4..4 + len];
        if Frame::parse(frame).is_ok() {
            want.push(frame.to_vec());
        }
        rest = &rest[4 + len..];
    };
    let end = match end {
        End::Hangup => "hangup",
        End::Truncated { .. } => "truncated",
        End::BadLength(_) => "bad length",
        End::Error(_) | End::Closed => "other",
    };
    assert_eq!(end, model_end);
    let got = got.lock().unwrap_or_else(PoisonError::into_inner);
    assert_eq!(*got, want);
    let c = port.counters.snapshot();
    assert_eq!(c.rx_packets as usize, want.len());
}
