//! PcapTap writes pcapng that pktkit-wire's reader and tshark (when installed)
//! read back with the right bytes and directions; a slow disk costs drops, not waits.

use std::io::{self, Write};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use pktkit_core::{L2Device, PcapTap, PipeL2};
use pktkit_wire::pcapng::{Direction, PcapngReader};
use pktkit_wire::{Frame, MacAddr};

fn frame(n: u8) -> Vec<u8> {
    let mut b = vec![n; 60];
    b[..6].copy_from_slice(&[2, 0, 0, 0, 0, 2]);
    b[6..12].copy_from_slice(&[2, 0, 0, 0, 0, 1]);
    b[12..14].copy_from_slice(&[0x08, 0x00]);
    b
}

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);
impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn captures_both_directions() {
    let (a, b) = PipeL2::pair(
        MacAddr::new(2, 0, 0, 0, 0, 1),
        MacAddr::new(2, 0, 0, 0, 0, 2),
    );
    let out = Shared::default();
    let tap = PcapTap::l2(a, out.clone()).unwrap();
    tap.set_handler(Arc::new(|_: &Frame| Ok(())));
    b.set_handler(Arc::new(|_: &Frame| Ok(())));
    tap.send(Frame::parse(&frame(1)).unwrap()).unwrap();
    b.send(Frame::parse(&frame(2)).unwrap()).unwrap();
    b.send(Frame::parse(&frame(3)).unwrap()).unwrap();
    tap.send(Frame::parse(&frame(4)).unwrap()).unwrap();
    tap.finish().unwrap();
    assert_eq!((tap.captured(), tap.dropped()), (4, 0));

    let bytes = out.0.lock().unwrap().clone();
    let got: Vec<(Direction, Vec<u8>)> = PcapngReader::new(&bytes)
        .unwrap()
        .packets()
        .map(|p| {
            let p = p.unwrap();
            (p.direction(), p.data.to_vec())
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (Direction::Outbound, frame(1)),
            (Direction::Inbound, frame(2)),
            (Direction::Inbound, frame(3)),
            (Direction::Outbound, frame(4)),
        ]
    );

    // tshark, an independent reader, when present.
    if std::process::Command::new("tshark")
        .arg("-v")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED (tshark not installed): pcapng not cross-checked with tshark");
        return;
    }
    let path = std::env::temp_dir().join(format!("pktkit-core-tap-{}.pcapng", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let o = std::process::Command::new("tshark")
        .args(["-r", path.to_str().unwrap(), "-T", "fields"])
        .args(["-e", "frame.packet_flags_direction", "-e", "eth.src"])
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let dirs: Vec<&str> = text
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    // tshark prints the 2-bit direction: 0x2 outbound, 0x1 inbound.
    let norm: Vec<u32> = dirs
        .iter()
        .map(|d| u32::from_str_radix(d.trim_start_matches("0x"), 16).unwrap())
        .collect();
    assert_eq!(norm, vec![2, 1, 1, 2], "tshark read: {text}");
    assert!(text.lines().all(|l| l.ends_with("02:00:00:00:00:01")));
}

/// A writer stuck until told to go on: the disk that cannot keep up.
struct Stuck(Mutex<mpsc::Receiver<()>>, Shared);
impl Write for Stuck {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let _ = self.0.lock().unwrap().recv();
        self.1.write(b)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_slow_writer_costs_drops_not_blocking() {
    let (go, wait) = mpsc::channel();
    let (a, b) = PipeL2::pair(MacAddr::ZERO, MacAddr::ZERO);
    b.set_handler(Arc::new(|_: &Frame| Ok(())));
    let out = Shared::default();
    // The header goes through the BufWriter, which writes on flush only.
    let tap = PcapTap::l2_with_queue(a, Stuck(Mutex::new(wait), out.clone()), 8).unwrap();
    for i in 0..1000u32 {
        tap.send(Frame::parse(&frame(i as u8)).unwrap()).unwrap();
    }
    assert_eq!(tap.captured() + tap.dropped(), 1000);
    assert!(tap.dropped() > 900, "dropped {}", tap.dropped());
    drop(go); // unblock the writer for good
    tap.finish().unwrap();
    let bytes = out.0.lock().unwrap().clone();
    let n = PcapngReader::new(&bytes).unwrap().packets().count() as u64;
    assert_eq!(n, tap.captured());
}
