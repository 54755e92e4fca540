//! Round trips through our capture writers and readers, over arbitrary records.
//!
//! `read(write(records)) == records` for pcap (both byte orders, both
//! precisions) and pcapng (several interfaces with their own resolutions,
//! flags, comments); and a reader never panics on any prefix of a written file.

use pktkit_wire::pcap::{
    Endian, LinkType, PcapHeader, PcapReader, PcapRecord, PcapSliceWriter, PcapWriter, TsPrecision,
};
use pktkit_wire::pcapng::{
    Block, EnhancedPacket, InterfaceDescription, PcapngReader, PcapngWriter, SectionHeader,
    TsResolution,
};
use proptest::prelude::*;

fn record() -> impl Strategy<Value = (u32, u32, u32, Vec<u8>)> {
    (
        any::<u32>(),
        0u32..1_000_000,
        any::<u32>(),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
}

proptest! {
    #[test]
    fn pcap_round_trip(
        records in proptest::collection::vec(record(), 0..20),
        big in any::<bool>(),
        nano in any::<bool>(),
        link in prop_oneof![Just(LinkType::ETHERNET), Just(LinkType::RAW), Just(LinkType::IPV4), Just(LinkType::IPV6)],
    ) {
        let precision = if nano { TsPrecision::Nano } else { TsPrecision::Micro };
        let mut header = PcapHeader::new(link, precision);
        header.endian = if big { Endian::Big } else { Endian::Little };
        let size = 24 + records.iter().map(|r| 16 + r.3.len()).sum::<usize>();
        let mut buf = vec![0xa5; size];
        let mut w = PcapSliceWriter::new(&mut buf, &header).unwrap();
        for (s, f, o, d) in &records {
            w.push(&PcapRecord { ts_sec: *s, ts_frac: *f, orig_len: *o, data: d }).unwrap();
        }
        prop_assert_eq!(w.len(), size);
        // The io::Write writer writes the same bytes.
        let mut w2 = PcapWriter::with_header(Vec::new(), header).unwrap();
        for (s, f, o, d) in &records {
            w2.write_record(&PcapRecord { ts_sec: *s, ts_frac: *f, orig_len: *o, data: d }).unwrap();
        }
        prop_assert_eq!(&w2.into_inner(), &buf);

        let r = PcapReader::new(&buf).unwrap();
        prop_assert_eq!(*r.header(), header);
        let back: Vec<_> = r.map(|x| x.unwrap()).collect();
        prop_assert_eq!(back.len(), records.len());
        for (b, (s, f, o, d)) in back.iter().zip(&records) {
            prop_assert_eq!((b.ts_sec, b.ts_frac, b.data), (*s, *f, &d[..]));
            prop_assert_eq!(b.orig_len, (*o).max(d.len() as u32));
        }
        for n in 0..buf.len() {
            if let Ok(r) = PcapReader::new(&buf[..n]) {
                for x in r {
                    if let Err(e) = x {
                        prop_assert!(e.offset < n);
                    }
                }
            }
        }
    }

    #[test]
    fn pcapng_round_trip(
        resolutions in proptest::collection::vec(prop_oneof![
            (0u8..=9).prop_map(TsResolution::Pow10),
            (0u8..=30).prop_map(TsResolution::Pow2),
        ], 1..4),
        packets in proptest::collection::vec((any::<u8>(), any::<u64>(), proptest::collection::vec(any::<u8>(), 0..200), proptest::option::of(any::<u32>()), proptest::option::of("[ -~]{0,40}")), 0..16),
        big in any::<bool>(),
    ) {
        let endian = if big { Endian::Big } else { Endian::Little };
        let mut file = Vec::new();
        let mut put = |len: usize, f: &dyn Fn(&mut [u8]) -> pktkit_wire::Result<usize>| {
            let at = file.len();
            file.resize(at + len, 0xa5);
            prop_assert_eq!(f(&mut file[at..]).unwrap(), len);
            Ok(())
        };
        put(28, &|b| SectionHeader::new(endian).emit(b))?;
        let idbs: Vec<InterfaceDescription> = resolutions
            .iter()
            .enumerate()
            .map(|(i, r)| InterfaceDescription {
                snaplen: i as u32 * 1000,
                ts_resolution: *r,
                ts_offset: i as i64 - 1,
                ..InterfaceDescription::new(LinkType(1 + i as u32))
            })
            .collect();
        for idb in &idbs {
            put(idb.buffer_len(), &|b| idb.emit(b, endian))?;
        }
        let epbs: Vec<EnhancedPacket<'_>> = packets
            .iter()
            .map(|(i, ts, d, fl, c)| EnhancedPacket {
                interface_id: u32::from(*i) % idbs.len() as u32,
                timestamp: *ts,
                orig_len: d.len() as u32 + 1,
                data: d,
                flags: *fl,
                comment: c.as_deref(),
            })
            .collect();
        for e in &epbs {
            put(e.buffer_len(), &|b| e.emit(b, endian))?;
        }
        let blocks: Vec<Block<'_>> = PcapngReader::new(&file).unwrap().map(|b| b.unwrap()).collect();
        prop_assert_eq!(blocks.len(), 1 + idbs.len() + epbs.len());
        for (b, idb) in blocks[1..].iter().zip(&idbs) {
            prop_assert_eq!(b, &Block::InterfaceDescription(*idb));
        }
        for (b, e) in blocks[1 + idbs.len()..].iter().zip(&epbs) {
            let Block::Packet(p) = b else { panic!("{b:?}") };
            prop_assert_eq!(p.interface_id, e.interface_id);
            prop_assert_eq!(p.link_type, idbs[e.interface_id as usize].link_type);
            prop_assert_eq!(p.ts_resolution, idbs[e.interface_id as usize].ts_resolution);
            prop_assert_eq!((p.timestamp, p.orig_len, p.data), (e.timestamp, e.orig_len, e.data));
            prop_assert_eq!((p.flags, p.comment), (e.flags, e.comment));
        }
        for n in 0..file.len() {
            if let Ok(r) = PcapngReader::new(&file[..n]) {
                for x in r {
                    if let Err(e) = x {
                        prop_assert!(e.offset < n);
                    }
                }
            }
        }
    }

    /// The io::Write writer converts nanoseconds into each interface's units.
    #[test]
    fn pcapng_writer_timestamps(ns in 0u64..4_000_000_000_000_000_000, micro in any::<bool>()) {
        let mut w = PcapngWriter::new(Vec::new()).unwrap();
        let id = if micro {
            w.add_interface_desc(&InterfaceDescription::new(LinkType::ETHERNET)).unwrap()
        } else {
            w.add_interface(LinkType::ETHERNET).unwrap()
        };
        w.write_packet(id, ns, &[1, 2, 3], pktkit_wire::pcapng::Direction::Unknown, None).unwrap();
        let f = w.into_inner();
        let p = PcapngReader::new(&f).unwrap().packets().next().unwrap().unwrap();
        let (s, n) = p.timestamp_parts();
        prop_assert_eq!(s, ns / 1_000_000_000);
        let want = if micro { (ns % 1_000_000_000) / 1000 * 1000 } else { ns % 1_000_000_000 };
        prop_assert_eq!(u64::from(n), want);
        prop_assert_eq!(p.flags, None);
    }
}
