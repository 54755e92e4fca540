//! Fuzz target `pcap`: the pcap and pcapng readers on arbitrary bytes.
//!
//! Both readers must walk any input without panicking, stop at the first
//! error, and never report an error offset past the input. Whatever they read
//! must survive a round trip through our writers unchanged:
//! `read(write(read(x))) == read(x)`.

use alloc::vec;
use alloc::vec::Vec;

use crate::pcap::{Endian, PcapReader, PcapRecord, PcapSliceWriter};
use crate::pcapng::{
    Block, EnhancedPacket, InterfaceDescription, PcapngPacket, PcapngReader, SectionHeader,
};

/// Runs both readers over `data` and checks the invariants above.
pub fn pcap(data: &[u8]) {
    pcap_file(data);
    pcapng_file(data);
}

fn pcap_file(data: &[u8]) {
    let Ok(reader) = PcapReader::new(data) else {
        return;
    };
    let header = *reader.header();
    let mut records = Vec::new();
    for r in reader {
        match r {
            Ok(rec) => records.push(rec),
            Err(e) => {
                assert!(e.offset <= data.len());
                break;
            }
        }
    }
    // Write what we read (orig_len below data.len() is raised by the writer).
    let size = header.buffer_len() + records.iter().map(|r| r.buffer_len()).sum::<usize>();
    let mut out = vec![0u8; size];
    let mut w = PcapSliceWriter::new(&mut out, &header).expect("sized above");
    for r in &records {
        w.push(r).expect("sized above");
    }
    assert_eq!(w.len(), size);
    let again = PcapReader::new(&out).expect("our own header");
    assert_eq!(*again.header(), header);
    let mut n = 0;
    for (a, b) in again.zip(records.iter()) {
        let a = a.expect("our own record");
        assert_eq!(
            a,
            PcapRecord {
                orig_len: b.orig_len.max(b.data.len() as u32),
                ..*b
            }
        );
        n += 1;
    }
    assert_eq!(n, records.len());
}

fn pcapng_file(data: &[u8]) {
    let Ok(reader) = PcapngReader::new(data) else {
        return;
    };
    // Keep the first section only: our writers write one.
    let mut section: Option<SectionHeader> = None;
    let mut ifaces: Vec<InterfaceDescription> = Vec::new();
    let mut packets: Vec<PcapngPacket<'_>> = Vec::new();
    for b in reader {
        match b {
            Ok(Block::SectionHeader(s)) => {
                if section.is_some() {
                    break;
                }
                section = Some(s);
            }
            Ok(Block::InterfaceDescription(i)) => ifaces.push(i),
            Ok(Block::Packet(p)) => packets.push(p),
            Ok(_) => {}
            Err(e) => {
                assert!(e.offset <= data.len());
                break;
            }
        }
    }
    let Some(section) = section else { return };
    let endian: Endian = section.endian;
    let mut out = Vec::new();
    let mut put = |len: usize, f: &dyn Fn(&mut [u8]) -> crate::Result<usize>| {
        let at = out.len();
        out.resize(at + len, 0);
        let n = f(&mut out[at..]).expect("sized");
        assert_eq!(n, len);
    };
    put(section.buffer_len(), &|b| {
        SectionHeader {
            section_len: -1,
            ..section
        }
        .emit(b)
    });
    for i in &ifaces {
        if u16::try_from(i.link_type.0).is_err() {
            return;
        }
        put(i.buffer_len(), &|b| i.emit(b, endian));
    }
    for p in &packets {
        let epb = EnhancedPacket {
            interface_id: p.interface_id,
            timestamp: p.timestamp,
            orig_len: p.orig_len,
            data: p.data,
            flags: p.flags,
            comment: p.comment,
        };
        put(epb.buffer_len(), &|b| epb.emit(b, endian));
    }
    let again: Vec<_> = PcapngReader::new(&out)
        .expect("our own section header")
        .packets()
        .map(|p| p.expect("our own blocks"))
        .collect();
    assert_eq!(again.len(), packets.len());
    for (a, b) in again.iter().zip(&packets) {
        assert_eq!(a.interface_id, b.interface_id);
        assert_eq!(a.link_type, b.link_type);
        assert_eq!(a.timestamp, b.timestamp);
        assert_eq!(a.timestamp_parts(), b.timestamp_parts());
        assert_eq!(a.data, b.data);
        assert_eq!(a.orig_len, b.orig_len.max(b.data.len() as u32));
        assert_eq!(a.flags, b.flags);
        assert_eq!(a.comment, b.comment);
    }
}
