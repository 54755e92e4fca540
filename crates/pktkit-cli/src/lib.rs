//! # pktkit-cli — the `pktkit` command-line tool (pktkit layer 4)
//!
//! The binary `pktkit` is a thin shell over this library so that everything it
//! prints can be tested without spawning it:
//!
//! * [`capture`] reads pcap and pcapng files (with pktkit-wire's readers) into
//!   [`capture::CapturedPacket`]s;
//! * [`decode`] turns a packet into [`decode::Layers`] with pktkit-wire's
//!   codecs, and prints them as a tcpdump-like line ([`decode::summary`]) or a
//!   JSON object ([`decode::json`]);
//! * [`decode_file`] is `pktkit decode FILE [--json]` as a function.
//!
//! ```no_run
//! let bytes = std::fs::read("capture.pcapng").unwrap();
//! let mut out = Vec::new();
//! let report = pktkit_cli::decode_file(&bytes, true, &mut out).unwrap();
//! assert!(report.error.is_none());
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs, unreachable_pub)]

pub mod capture;
pub mod config;
pub mod decode;
pub mod gateway;
pub mod runner;
pub mod switch_capture;

use std::io::{self, Write};

use pktkit_wire::pcap::CaptureError;

use capture::{Capture, CapturedPacket};
use decode::{FrameInfo, Layers};
use pktkit_wire::pcapng::Direction;

/// What [`decode_file`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeReport {
    /// Packets printed.
    pub packets: usize,
    /// Why reading the file stopped early, if it did.
    pub error: Option<CaptureError>,
}

/// The `frame` facts of a captured packet.
pub fn frame_info(p: &CapturedPacket<'_>) -> FrameInfo {
    FrameInfo {
        number: p.number,
        time: format!("{}.{:09}", p.ts_sec, p.ts_nsec),
        len: p.orig_len,
        caplen: p.data.len(),
        interface: p.interface,
        direction: match p.direction {
            Direction::Inbound => Some("in"),
            Direction::Outbound => Some("out"),
            Direction::Unknown => None,
        },
        comment: p.comment.map(str::to_owned),
    }
}

/// Decodes one captured packet.
pub fn decode_packet(p: &CapturedPacket<'_>) -> Layers {
    decode::decode(p.link_type, p.data, p.orig_len)
}

/// Prints every packet of the capture file `bytes` to `out`, one line each
/// (summary, or JSON when `json`), until the file ends or turns out bad.
///
/// A bad file header or record is not an `Err`: the packets before it are
/// printed and the report carries the error. `Err` is only for failing to write.
pub fn decode_file(bytes: &[u8], json: bool, out: &mut dyn Write) -> io::Result<DecodeReport> {
    let cap = match Capture::open(bytes) {
        Ok(c) => c,
        Err(e) => {
            return Ok(DecodeReport {
                packets: 0,
                error: Some(e),
            });
        }
    };
    let mut packets = 0;
    for p in cap.packets() {
        let p = match p {
            Ok(p) => p,
            Err(e) => {
                return Ok(DecodeReport {
                    packets,
                    error: Some(e),
                });
            }
        };
        let frame = frame_info(&p);
        let layers = decode_packet(&p);
        let line = if json {
            decode::json::line(&frame, &layers)
        } else {
            decode::summary::line(&frame, &layers)
        };
        writeln!(out, "{line}")?;
        packets += 1;
    }
    Ok(DecodeReport {
        packets,
        error: None,
    })
}
