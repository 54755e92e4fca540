//! Unit tests of the parent module.

use super::*;
use std::vec::Vec;

/// Builds a big-endian file by hand, field by field per the pcapng spec:
/// SHB, an IDB (Ethernet, snaplen 96, if_tsresol 9), an unknown block
/// (type 0x0bad), an EPB (flags inbound, comment "hi"), an SPB.
fn big_endian_file() -> Vec<u8> {
    let mut f = Vec::new();
    let be = |f: &mut Vec<u8>, v: u32| f.extend_from_slice(&v.to_be_bytes());
    // SHB, 28 bytes
    be(&mut f, 0x0a0d0d0a);
    be(&mut f, 28);
    be(&mut f, 0x1a2b3c4d);
    f.extend_from_slice(&[0, 1, 0, 0]);
    f.extend_from_slice(&[0xff; 8]);
    be(&mut f, 28);
    // IDB, 32 bytes: linktype 1, snaplen 96, if_tsresol=9, endofopt
    be(&mut f, 1);
    be(&mut f, 32);
    f.extend_from_slice(&[0, 1, 0, 0]);
    be(&mut f, 96);
    f.extend_from_slice(&[0, 9, 0, 1, 9, 0, 0, 0]);
    be(&mut f, 0);
    be(&mut f, 32);
    // unknown block, 16 bytes
    be(&mut f, 0x0bad);
    be(&mut f, 16);
    be(&mut f, 0x12345678);
    be(&mut f, 16);
    // EPB: 3 data bytes (padded to 4), flags inbound, comment "hi"
    be(&mut f, 6);
    be(&mut f, 32 + 4 + 8 + 8 + 4);
    be(&mut f, 0);
    be(&mut f, 0x0000_0001);
    be(&mut f, 0x0000_0002);
    be(&mut f, 3);
    be(&mut f, 60);
    f.extend_from_slice(&[1, 2, 3, 0]);
    f.extend_from_slice(&[0, 2, 0, 4]);
    be(&mut f, 1);
    f.extend_from_slice(&[0, 1, 0, 2, b'h', b'i', 0, 0]);
    be(&mut f, 0);
    be(&mut f, 56);
    // SPB: orig_len 5, 8 bytes room
    be(&mut f, 3);
    be(&mut f, 24);
    be(&mut f, 5);
    f.extend_from_slice(&[9, 8, 7, 6, 5, 0, 0, 0]);
    be(&mut f, 24);
    f
}

#[test]
fn reads_big_endian_blocks() {
    let f = big_endian_file();
    let blocks: Vec<_> = PcapngReader::new(&f).unwrap().collect();
    assert_eq!(blocks.len(), 5);
    let Ok(Block::SectionHeader(shb)) = blocks[0] else {
        panic!("{:?}", blocks[0])
    };
    assert_eq!(shb.endian, Endian::Big);
    assert_eq!(shb.section_len, -1);
    let Ok(Block::InterfaceDescription(idb)) = blocks[1] else {
        panic!()
    };
    assert_eq!(idb.link_type, LinkType::ETHERNET);
    assert_eq!(idb.snaplen, 96);
    assert_eq!(idb.ts_resolution, TsResolution::NANOS);
    assert!(matches!(
        blocks[2],
        Ok(Block::Other {
            block_type: 0x0bad,
            offset: 60,
            ..
        })
    ));
    let Ok(Block::Packet(epb)) = blocks[3] else {
        panic!()
    };
    assert_eq!(epb.data, &[1, 2, 3]);
    assert_eq!(epb.orig_len, 60);
    assert_eq!(epb.timestamp, 0x1_0000_0002);
    assert_eq!(epb.timestamp_parts(), (4, 294_967_298));
    assert_eq!(epb.direction(), Direction::Inbound);
    assert_eq!(epb.comment, Some("hi"));
    assert_eq!(epb.block_offset, 76);
    let Ok(Block::Packet(spb)) = blocks[4] else {
        panic!()
    };
    assert_eq!(spb.data, &[9, 8, 7, 6, 5]);
    assert_eq!(spb.direction(), Direction::Unknown);
}

#[test]
fn writer_emits_the_same_blocks_little_endian() {
    let mut w = PcapngWriter::new(Vec::new()).unwrap();
    let id = w
        .add_interface_desc(&InterfaceDescription {
            snaplen: 96,
            ts_resolution: TsResolution::NANOS,
            ..InterfaceDescription::new(LinkType::ETHERNET)
        })
        .unwrap();
    w.write_block(&EnhancedPacket {
        interface_id: id,
        timestamp: 0x1_0000_0002,
        orig_len: 60,
        data: &[1, 2, 3],
        flags: Some(Direction::Inbound.to_flags()),
        comment: Some("hi"),
    })
    .unwrap();
    let le = w.into_inner();
    // Byte-exact against the hand-built file when emitted big-endian.
    let mut out = std::vec![0xa5u8; 116];
    let mut n = SectionHeader::new(Endian::Big).emit(&mut out).unwrap();
    n += InterfaceDescription {
        snaplen: 96,
        ts_resolution: TsResolution::NANOS,
        ..InterfaceDescription::new(LinkType::ETHERNET)
    }
    .emit(&mut out[n..], Endian::Big)
    .unwrap();
    n += EnhancedPacket {
        interface_id: 0,
        timestamp: 0x1_0000_0002,
        orig_len: 60,
        data: &[1, 2, 3],
        flags: Some(1),
        comment: Some("hi"),
    }
    .emit(&mut out[n..], Endian::Big)
    .unwrap();
    assert_eq!(n, 116);
    // Same structure as the hand-built big-endian file minus the unknown block and SPB,
    // every u32/u16 field byte-swapped.
    let be = big_endian_file();
    let mut expect = Vec::new();
    expect.extend_from_slice(&be[..60]);
    expect.extend_from_slice(&be[76..132]);
    assert_eq!(out, expect);
    assert_eq!(le.len(), expect.len());
    let mut r = PcapngReader::new(&le).unwrap().packets();
    let p = r.next().unwrap().unwrap();
    let q = PcapngReader::new(&be)
        .unwrap()
        .packets()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(p.block_offset, 60);
    assert_eq!(
        PcapngPacket {
            block_offset: 76,
            ..p
        },
        q
    );
    assert!(r.next().is_none());
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let f = big_endian_file();
    for n in 0..f.len() {
        let Ok(r) = PcapngReader::new(&f[..n]) else {
            assert!(n < 12);
            continue;
        };
        let last = r.last();
        let boundaries = [28, 60, 76, 132];
        if boundaries.contains(&n) {
            assert!(matches!(last, Some(Ok(_))), "len {n}");
        } else {
            let e = last.unwrap().unwrap_err();
            assert!(
                matches!(e.error, WireError::Truncated | WireError::BadLength),
                "len {n}: {e}"
            );
        }
    }
}

#[test]
fn lying_lengths() {
    let f = big_endian_file();
    // EPB total length not a multiple of 4.
    let mut b = f.clone();
    b[76 + 7] = 57;
    let e = PcapngReader::new(&b).unwrap().last().unwrap().unwrap_err();
    assert_eq!(
        (e.offset, e.record, e.error),
        (76, Some(3), WireError::BadLength)
    );
    assert_eq!(
        std::format!("{e}"),
        "pcapng enhanced packet block #3 at byte offset 76: bad length"
    );
    // Huge total length: truncated, no allocation.
    let mut b = f.clone();
    b[80..84].copy_from_slice(&u32::MAX.wrapping_sub(3).to_be_bytes());
    let e = PcapngReader::new(&b).unwrap().last().unwrap().unwrap_err();
    assert_eq!(e.error, WireError::Truncated);
    // Trailing length disagrees.
    let mut b = f.clone();
    b[131] = 52;
    let e = PcapngReader::new(&b).unwrap().last().unwrap().unwrap_err();
    assert_eq!(e.error, WireError::BadLength);
    // Captured length past the block.
    let mut b = f.clone();
    b[76 + 20..76 + 24].copy_from_slice(&40u32.to_be_bytes());
    let e = PcapngReader::new(&b).unwrap().last().unwrap().unwrap_err();
    assert_eq!(e.error, WireError::Truncated);
    // Option running past the block.
    let mut b = f.clone();
    b[76 + 32 + 2..76 + 32 + 4].copy_from_slice(&[0, 99]);
    let e = PcapngReader::new(&b).unwrap().last().unwrap().unwrap_err();
    assert_eq!(e.error, WireError::BadOption);
    // Packet on an undeclared interface.
    let mut b = f.clone();
    b[76 + 11] = 1;
    let e = PcapngReader::new(&b).unwrap().last().unwrap().unwrap_err();
    assert_eq!(e.error, WireError::BadField);
}

#[test]
fn not_pcapng() {
    let e = PcapngReader::new(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0]).unwrap_err();
    assert_eq!(e.error, WireError::BadVersion);
}

#[test]
fn interface_table_is_bounded() {
    let mut f = Vec::new();
    let mut b = [0u8; 64];
    let n = SectionHeader::new(Endian::Little).emit(&mut b).unwrap();
    f.extend_from_slice(&b[..n]);
    for _ in 0..=MAX_INTERFACES {
        let n = InterfaceDescription::new(LinkType::RAW)
            .emit(&mut b, Endian::Little)
            .unwrap();
        f.extend_from_slice(&b[..n]);
    }
    let r: Vec<_> = PcapngReader::new(&f).unwrap().collect();
    assert_eq!(r.len(), MAX_INTERFACES + 2);
    assert_eq!(r.last().unwrap().unwrap_err().error, WireError::Unsupported);
}

#[test]
fn second_section_resets_interfaces_and_byte_order() {
    let mut f = big_endian_file();
    let mut b = [0u8; 128];
    let n = SectionHeader::new(Endian::Little).emit(&mut b).unwrap();
    f.extend_from_slice(&b[..n]);
    let mut idb = InterfaceDescription::new(LinkType::IPV4);
    idb.ts_resolution = TsResolution::Pow2(10);
    idb.ts_offset = -1;
    let n = idb.emit(&mut b, Endian::Little).unwrap();
    f.extend_from_slice(&b[..n]);
    let n = EnhancedPacket {
        interface_id: 0,
        timestamp: 3 * 1024 + 512,
        orig_len: 1,
        data: &[0x45],
        flags: None,
        comment: None,
    }
    .emit(&mut b, Endian::Little)
    .unwrap();
    f.extend_from_slice(&b[..n]);
    let ps: Vec<_> = PcapngReader::new(&f)
        .unwrap()
        .packets()
        .collect::<core::result::Result<_, _>>()
        .unwrap();
    assert_eq!(ps.len(), 3);
    assert_eq!(ps[2].link_type, LinkType::IPV4);
    assert_eq!(ps[2].timestamp_parts(), (2, 500_000_000));
    assert_eq!(ps[2].data, &[0x45]);
}

#[test]
fn resolution_split() {
    assert_eq!(TsResolution::MICROS.split(1_234_567), (1, 234_567_000));
    assert_eq!(TsResolution::Pow10(12).split(1_000_000_000_001), (1, 0));
    assert_eq!(TsResolution::Pow2(1).split(3), (1, 500_000_000));
    assert_eq!(TsResolution::from_byte(20), Err(WireError::Unsupported));
    assert_eq!(
        TsResolution::from_byte(0x80 | 64),
        Err(WireError::Unsupported)
    );
    assert_eq!(TsResolution::from_byte(0x8a), Ok(TsResolution::Pow2(10)));
}
