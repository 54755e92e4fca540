//! Unit tests of the parent module.

use super::*;
use core::net::{Ipv4Addr, Ipv6Addr};
use std::vec;
use std::vec::Vec;

fn v4(a: [u8; 4]) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(a))
}

// Built with scapy 2.8 (an independent encoder), checksums included:
// IP(src="192.168.1.10", dst="192.168.1.20")/TCP(sport=45678, dport=80,
//   seq=0x12345678, flags="S", window=64240, options=[('MSS',1460),
//   ('SAckOK',b''),('Timestamp',(2886729728,0)),('NOP',None),('WScale',7)])
static SYN_V4: [u8; 40] = [
    0xb2, 0x6e, 0x00, 0x50, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0,
    0x02, 0x25, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0xac, 0x10, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
];
// IP(src="10.0.0.1", dst="10.0.0.2")/TCP(sport=443, dport=51000, seq=1000,
//   ack=2000, flags="PA", window=501, options=[NOP,NOP,('Timestamp',(100,200)),
//   NOP,NOP,('SAck',(3000,4000,5000,6000))])/b"hello, world"
static DATA_SACK_V4: [u8; 64] = [
    0x01, 0xbb, 0xc7, 0x38, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x07, 0xd0, 0xd0, 0x18, 0x01, 0xf5,
    0xae, 0x16, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0xc8,
    0x01, 0x01, 0x05, 0x12, 0x00, 0x00, 0x0b, 0xb8, 0x00, 0x00, 0x0f, 0xa0, 0x00, 0x00, 0x13, 0x88,
    0x00, 0x00, 0x17, 0x70, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x77, 0x6f, 0x72, 0x6c, 0x64,
];
// IPv6(src="2001:db8::1", dst="2001:db8::2")/TCP(sport=1234, dport=22, seq=7,
//   ack=9, flags="FA", window=1000)/b"bye"
static FIN_V6: [u8; 23] = [
    0x04, 0xd2, 0x00, 0x16, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x09, 0x50, 0x11, 0x03, 0xe8,
    0x84, 0x02, 0x00, 0x00, 0x62, 0x79, 0x65,
];
// IP(src="10.0.0.1", dst="10.0.0.2")/TCP(sport=1, dport=2, seq=1, flags="SEC",
//   window=65535, options=[('MSS',8960),(253,b'\x01\x02'),('EOL',None)])
static SYN_ECN_UNKNOWN_V4: [u8; 32] = [
    0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x80, 0xc2, 0xff, 0xff,
    0x48, 0x05, 0x00, 0x00, 0x02, 0x04, 0x23, 0x00, 0xfd, 0x04, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00,
];

#[test]
fn deconstruct_syn() {
    let p = TcpPacket::new_checked(&SYN_V4[..]).unwrap();
    assert_eq!(p.src_port(), 45678);
    assert_eq!(p.dst_port(), 80);
    assert_eq!(p.seq_number(), 0x1234_5678);
    assert_eq!(p.ack_number(), 0);
    assert_eq!(p.header_len(), 40);
    assert_eq!(p.flags(), TcpFlags::SYN);
    assert!(p.syn() && !p.ack() && !p.fin() && !p.rst() && !p.psh() && !p.urg());
    assert_eq!(p.window_len(), 64240);
    assert_eq!(p.checksum(), 0x0225);
    assert_eq!(p.urgent_at(), 0);
    assert_eq!(p.segment_len(), 1);
    assert!(p.payload().is_empty());
    assert!(p.verify_checksum(v4([192, 168, 1, 10]), v4([192, 168, 1, 20])));
    assert!(!p.verify_checksum(v4([192, 168, 1, 10]), v4([192, 168, 1, 21])));
    let opts: Vec<_> = p.options_iter().map(|o| o.unwrap()).collect();
    assert_eq!(
        opts,
        vec![
            TcpOption::MaxSegmentSize(1460),
            TcpOption::SackPermitted,
            TcpOption::Timestamp(TcpTimestamp {
                tsval: 2886729728,
                tsecr: 0
            }),
            TcpOption::NoOperation,
            TcpOption::WindowScale(7),
        ]
    );
}

#[test]
fn deconstruct_data_with_sack() {
    let p = TcpPacket::new_checked(&DATA_SACK_V4[..]).unwrap();
    assert_eq!(p.flags(), TcpFlags::PSH | TcpFlags::ACK);
    assert_eq!(p.payload(), b"hello, world");
    assert!(p.verify_checksum(v4([10, 0, 0, 1]), v4([10, 0, 0, 2])));
    let r = TcpRepr::parse(&p).unwrap();
    assert_eq!(r.seq_number, 1000);
    assert_eq!(r.ack_number, 2000);
    assert_eq!(
        r.timestamp,
        Some(TcpTimestamp {
            tsval: 100,
            tsecr: 200
        })
    );
    assert_eq!(r.sack_blocks.as_slice(), &[(3000, 4000), (5000, 6000)]);
    assert_eq!(r.segment_len(), 12);
}

#[test]
fn ipv6_checksum() {
    let p = TcpPacket::new_checked(&FIN_V6[..]).unwrap();
    let s: IpAddr = "2001:db8::1".parse::<Ipv6Addr>().unwrap().into();
    let d: IpAddr = "2001:db8::2".parse::<Ipv6Addr>().unwrap().into();
    assert!(p.verify_checksum(s, d));
    assert!(
        !p.verify_checksum(s, v4([10, 0, 0, 1])),
        "mixed versions never verify"
    );
    assert_eq!(p.segment_len(), 4);
    let mut buf = FIN_V6;
    let mut q = TcpPacket::new_unchecked(&mut buf[..]);
    q.set_checksum(0xdead);
    q.fill_checksum(s, d);
    assert_eq!(&buf[..], &FIN_V6[..]);
}

#[test]
fn ecn_flags_and_unknown_option_kept() {
    let p = TcpPacket::new_checked(&SYN_ECN_UNKNOWN_V4[..]).unwrap();
    assert!(p.syn() && p.ece() && p.cwr() && !p.ns());
    let opts: Vec<_> = p.options_iter().map(|o| o.unwrap()).collect();
    assert_eq!(
        opts,
        vec![
            TcpOption::MaxSegmentSize(8960),
            TcpOption::Unknown {
                kind: 253,
                data: &[1, 2]
            },
            TcpOption::EndOfList,
        ]
    );
    let r = TcpRepr::parse(&p).unwrap();
    assert_eq!(r.mss, Some(8960));
    assert_eq!(r.flags, TcpFlags::SYN | TcpFlags::ECE | TcpFlags::CWR);
}

#[test]
fn construct_into_junk() {
    let mut buf = [0xa5u8; 23];
    let mut p = TcpPacket::new_unchecked(&mut buf[..]);
    p.set_src_port(1234);
    p.set_dst_port(22);
    p.set_seq_number(7);
    p.set_ack_number(9);
    p.set_header_len(20);
    p.clear_flags();
    p.set_fin(true);
    p.set_ack(true);
    p.set_window_len(1000);
    p.set_urgent_at(0);
    p.payload_mut().copy_from_slice(b"bye");
    p.fill_checksum(
        "2001:db8::1".parse().unwrap(),
        "2001:db8::2".parse().unwrap(),
    );
    assert_eq!(&buf[..], &FIN_V6[..]);
}

#[test]
fn every_flag_setter() {
    let mut buf = [0xa5u8; 20];
    let mut p = TcpPacket::new_unchecked(&mut buf[..]);
    p.set_header_len(20);
    p.clear_flags();
    assert_eq!(p.reserved(), 0);
    type Setter = fn(&mut TcpPacket<&mut [u8]>, bool);
    let all: [(Setter, TcpFlags); 9] = [
        (
            |p: &mut TcpPacket<&mut [u8]>, v| p.set_fin(v),
            TcpFlags::FIN,
        ),
        (
            |p: &mut TcpPacket<&mut [u8]>, v| p.set_syn(v),
            TcpFlags::SYN,
        ),
        (
            |p: &mut TcpPacket<&mut [u8]>, v| p.set_rst(v),
            TcpFlags::RST,
        ),
        (
            |p: &mut TcpPacket<&mut [u8]>, v| p.set_psh(v),
            TcpFlags::PSH,
        ),
        (
            |p: &mut TcpPacket<&mut [u8]>, v| p.set_ack(v),
            TcpFlags::ACK,
        ),
        (
            |p: &mut TcpPacket<&mut [u8]>, v| p.set_urg(v),
            TcpFlags::URG,
        ),
        (
            |p: &mut TcpPacket<&mut [u8]>, v| p.set_ece(v),
            TcpFlags::ECE,
        ),
        (
            |p: &mut TcpPacket<&mut [u8]>, v| p.set_cwr(v),
            TcpFlags::CWR,
        ),
        (|p: &mut TcpPacket<&mut [u8]>, v| p.set_ns(v), TcpFlags::NS),
    ];
    for (set, flag) in all {
        set(&mut p, true);
        assert_eq!(p.flags(), flag);
        assert_eq!(p.header_len(), 20, "flag {flag} clobbered the data offset");
        set(&mut p, false);
        assert_eq!(p.flags(), TcpFlags::NONE);
    }
    p.set_ns(true);
    assert_eq!(buf[12], 0x51);
}

#[test]
fn emit_matches_scapy_syn_layout() {
    // Our layout for MSS + SACK-permitted + TS + WS is the same as Linux's
    // except WS comes as NOP WS; scapy's capture above used the same order.
    let r = TcpRepr::parse(&TcpPacket::new_checked(&SYN_V4[..]).unwrap()).unwrap();
    let mut buf = [0xa5u8; 40];
    assert_eq!(r.buffer_len(), 40);
    let mut p = TcpPacket::new_unchecked(&mut buf[..]);
    r.emit(&mut p);
    p.fill_checksum(v4([192, 168, 1, 10]), v4([192, 168, 1, 20]));
    assert_eq!(&buf[..], &SYN_V4[..]);
}

#[test]
fn emit_data_with_sack_matches_scapy() {
    let r = TcpRepr::parse(&TcpPacket::new_checked(&DATA_SACK_V4[..]).unwrap()).unwrap();
    let mut buf = [0xa5u8; 64];
    let mut p = TcpPacket::new_unchecked(&mut buf[..]);
    r.emit(&mut p);
    p.fill_checksum(v4([10, 0, 0, 1]), v4([10, 0, 0, 2]));
    assert_eq!(&buf[..], &DATA_SACK_V4[..]);
}

#[test]
fn sack_blocks_trimmed_to_fit() {
    let mut sack = TcpSackBlocks::new();
    for i in 0..4 {
        assert!(sack.push(i * 100, i * 100 + 50));
    }
    assert!(!sack.push(1, 2));
    let mut r = TcpRepr {
        flags: TcpFlags::ACK,
        sack_blocks: sack,
        ..TcpRepr::default()
    };
    assert_eq!(r.emitted_sack_blocks(), 4);
    assert_eq!(r.header_len(), 20 + 36);
    r.timestamp = Some(TcpTimestamp { tsval: 1, tsecr: 2 });
    assert_eq!(r.emitted_sack_blocks(), 3);
    assert_eq!(r.header_len(), 20 + 12 + 28);
    let mut buf = [0xa5u8; 60];
    let mut p = TcpPacket::new_unchecked(&mut buf[..]);
    r.emit(&mut p);
    let back = TcpRepr::parse(&TcpPacket::new_checked(&buf[..]).unwrap()).unwrap();
    assert_eq!(back.sack_blocks.as_slice(), &sack.as_slice()[..3]);
    assert_eq!(back.timestamp, r.timestamp);
}

#[test]
fn option_emit_and_parse_roundtrip() {
    let mut sack = TcpSackBlocks::new();
    sack.push(1, 2);
    let opts = [
        TcpOption::MaxSegmentSize(536),
        TcpOption::WindowScale(14),
        TcpOption::SackPermitted,
        TcpOption::SackRange(sack),
        TcpOption::Timestamp(TcpTimestamp { tsval: 5, tsecr: 6 }),
        TcpOption::Unknown {
            kind: 30,
            data: &[9, 9, 9],
        },
        TcpOption::NoOperation,
        TcpOption::EndOfList,
    ];
    let mut buf = [0xa5u8; 40];
    let mut rest = &mut buf[..];
    for o in &opts {
        rest = o.emit(rest).unwrap();
    }
    let used = 40 - rest.len();
    let back: Vec<_> = TcpOptionIter::new(&buf[..used])
        .map(|o| o.unwrap())
        .collect();
    assert_eq!(back, opts);
    assert_eq!(
        TcpOption::MaxSegmentSize(1).emit(&mut [0u8; 3]),
        Err(WireError::BufferTooSmall)
    );
    assert_eq!(
        TcpOption::SackRange(TcpSackBlocks::new()).emit(&mut [0u8; 3]),
        Err(WireError::BadOption)
    );
}

#[test]
fn malformed_lengths() {
    assert_eq!(
        TcpPacket::new_checked(&SYN_V4[..19]).err(),
        Some(WireError::Truncated)
    );
    // Data offset 4 words (16 bytes): below the fixed header.
    let mut b = FIN_V6;
    b[12] = 0x40;
    assert_eq!(
        TcpPacket::new_checked(&b[..]).err(),
        Some(WireError::BadLength)
    );
    b[12] = 0x00;
    assert_eq!(
        TcpPacket::new_checked(&b[..]).err(),
        Some(WireError::BadLength)
    );
    // Data offset 15 words (60 bytes) in a 23-byte buffer.
    b[12] = 0xf0;
    assert_eq!(
        TcpPacket::new_checked(&b[..]).err(),
        Some(WireError::Truncated)
    );
    // Header of 40 bytes cut at 39.
    assert_eq!(
        TcpPacket::new_checked(&SYN_V4[..39]).err(),
        Some(WireError::Truncated)
    );
}

fn with_options(opts: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 20];
    b[12] = (((20 + opts.len()) / 4) as u8) << 4;
    b.extend_from_slice(opts);
    b
}

#[test]
fn malformed_options() {
    let cases: &[&[u8]] = &[
        &[2, 0, 0, 0],             // length 0
        &[2, 1, 0, 0],             // length 1
        &[1, 1, 2, 4],             // MSS past the header
        &[2, 3, 5, 1],             // MSS with length 3
        &[3, 4, 7, 1],             // WS with length 4
        &[4, 3, 0, 1],             // SACK-permitted with length 3
        &[8, 8, 0, 0, 0, 0, 0, 0], // TS with length 8
        &[5, 2, 1, 1],             // SACK without blocks
        &[5, 6, 0, 0, 0, 0],       // SACK block of 4 bytes
        &[30, 9, 0, 0],            // unknown option past the header
        &[1, 1, 1, 3],             // WS cut after the kind/length
    ];
    for opts in cases {
        let mut o = opts.to_vec();
        while o.len() % 4 != 0 {
            o.push(0);
        }
        // Make sure padding did not turn a too-long option into a valid one.
        let b = with_options(&o);
        let p = TcpPacket::new_checked(&b[..]).unwrap();
        assert_eq!(
            TcpRepr::parse(&p).err(),
            Some(WireError::BadOption),
            "{opts:?}"
        );
        let last = p.options_iter().last().unwrap();
        assert_eq!(last, Err(WireError::BadOption), "{opts:?}");
    }
    // SACK with 5 blocks (42 bytes) cannot be formed in 40 option bytes; a
    // length byte claiming it runs past the header.
    let mut o = vec![5u8, 42];
    o.resize(40, 0);
    let b = with_options(&o);
    assert!(TcpRepr::parse(&TcpPacket::new_checked(&b[..]).unwrap()).is_err());
}

#[test]
fn options_after_eol_are_padding() {
    let b = with_options(&[0, 2, 1, 0]);
    let p = TcpPacket::new_checked(&b[..]).unwrap();
    let opts: Vec<_> = p.options_iter().collect();
    assert_eq!(opts, vec![Ok(TcpOption::EndOfList)]);
    assert_eq!(TcpRepr::parse(&p).unwrap().mss, None);
}

#[test]
fn flags_display() {
    assert_eq!(std::format!("{}", TcpFlags::NONE), "-");
    assert_eq!(
        std::format!("{}", TcpFlags::ALL),
        "NS|CWR|ECE|URG|SYN|FIN|RST|PSH|ACK"
    );
    assert_eq!(!TcpFlags::ACK & TcpFlags::ALL, TcpFlags(0x1ef));
}
