//! Software offloads at the edge: cutting a large TCP/UDP segment (GSO/TSO/USO)
//! into wire-sized ones, and finishing a partial checksum (`NEEDS_CSUM`).
//!
//! When the kernel hands a TAP/TUN with offloads one 64 KiB TCP segment, and the
//! frame's next hop cannot take it whole, these functions produce what the
//! kernel's own `tcp_gso_segment` would have sent: per segment a copy of the
//! headers with the IPv4 total length / IPv6 payload length, the IPv4
//! identification (incremented per segment), the TCP sequence number and
//! flags (CWR only on the first, FIN and PSH only on the last) fixed up, and
//! full IPv4 header and TCP/UDP checksums.
//!
//! Pure: no I/O, no allocation beyond the scratch buffer the caller passes.
//! Input comes from the kernel or a peer, so every length is checked; a frame
//! that does not add up is an error, never a panic. Not for: IP fragmentation
//! (`GsoType::Udp`, UFO), tunnels (encapsulated GSO) or IPv6 extension headers
//! in front of TCP; those return [`GsoError::Unsupported`].

use std::fmt;

use pktkit_wire::checksum;
use pktkit_wire::virtio_net::{GsoType, VirtioNetRepr};
use pktkit_wire::{EtherType, Frame, IpProtocol};

/// Why a frame could not be segmented or checksummed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GsoError {
    /// Headers or lengths do not add up (short frame, bad IHL, offsets past the end).
    Malformed,
    /// A GSO kind or header layout this module does not cut (see the module docs).
    Unsupported,
}

impl fmt::Display for GsoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GsoError::Malformed => "malformed GSO frame",
            GsoError::Unsupported => "unsupported GSO frame",
        })
    }
}

impl std::error::Error for GsoError {}

/// Where the IP header of a buffer starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// The buffer is an Ethernet frame (TAP): the IP header follows the Ethernet
    /// header and its VLAN tags.
    Ethernet,
    /// The buffer starts with the IP header (TUN).
    Ip,
}

/// Finishes a partial checksum: sums `buf[csum_start..]` (whose checksum field
/// holds the pseudo-header sum, as `NEEDS_CSUM` promises) and writes the
/// checksum at `csum_start + csum_offset`. A result of 0 is written as 0xffff
/// (the same value in one's complement, and the only valid zero for UDP).
pub fn complete_checksum(
    buf: &mut [u8],
    csum_start: usize,
    csum_offset: usize,
) -> Result<(), GsoError> {
    let at = csum_start
        .checked_add(csum_offset)
        .ok_or(GsoError::Malformed)?;
    if at.checked_add(2).is_none_or(|end| end > buf.len()) {
        return Err(GsoError::Malformed);
    }
    let c = !checksum::fold(checksum::sum(&buf[csum_start..], 0));
    let c = if c == 0 { 0xffff } else { c };
    buf[at..at + 2].copy_from_slice(&c.to_be_bytes());
    Ok(())
}

/// The parsed layout of a GSO frame's headers.
#[derive(Debug, Clone, Copy)]
struct Layout {
    l3: usize,
    v4: bool,
    l4: usize,
    /// End of all headers (start of the payload).
    payload: usize,
    /// End of the IP packet (trailing bytes after it are ignored).
    end: usize,
    tcp: bool,
}

fn layout(buf: &[u8], link: Link, want_tcp: bool) -> Result<Layout, GsoError> {
    let l3 = match link {
        Link::Ethernet => {
            let f = Frame::parse(buf).map_err(|_| GsoError::Malformed)?;
            let et = f.ethertype();
            if et != EtherType::IPV4 && et != EtherType::IPV6 {
                return Err(GsoError::Unsupported);
            }
            f.header_len()
        }
        Link::Ip => 0,
    };
    let ip = &buf[l3..];
    let first = *ip.first().ok_or(GsoError::Malformed)?;
    let (v4, l4, proto, end) = match first >> 4 {
        4 => {
            if ip.len() < 20 {
                return Err(GsoError::Malformed);
            }
            let ihl = (first & 0x0f) as usize * 4;
            let total = u16::from_be_bytes([ip[2], ip[3]]) as usize;
            if ihl < 20 || total < ihl || total > ip.len() {
                return Err(GsoError::Malformed);
            }
            if u16::from_be_bytes([ip[6], ip[7]]) & 0x3fff != 0 {
                return Err(GsoError::Unsupported); // a fragment
            }
            (true, l3 + ihl, ip[9], l3 + total)
        }
        6 => {
            if ip.len() < 40 {
                return Err(GsoError::Malformed);
            }
            let plen = u16::from_be_bytes([ip[4], ip[5]]) as usize;
            // BIG TCP sends payload length 0 with the real length implied by the buffer.
            let total = if plen == 0 { ip.len() } else { 40 + plen };
            if total > ip.len() {
                return Err(GsoError::Malformed);
            }
            (false, l3 + 40, ip[6], l3 + total)
        }
        _ => return Err(GsoError::Malformed),
    };
    let tcp = proto == IpProtocol::TCP.0;
    if tcp != want_tcp || (!tcp && proto != IpProtocol::UDP.0) {
        return Err(GsoError::Unsupported);
    }
    let l4_len = if tcp {
        let off = *buf.get(l4 + 12).ok_or(GsoError::Malformed)?;
        (off >> 4) as usize * 4
    } else {
        8
    };
    // TCP's data offset is at least 5 words (RFC 9293 3.1); UDP's header is 8 bytes.
    let min_l4 = if tcp { 20 } else { 8 };
    if l4_len < min_l4 || l4 + l4_len > end {
        return Err(GsoError::Malformed);
    }
    Ok(Layout {
        l3,
        v4,
        l4,
        payload: l4 + l4_len,
        end,
        tcp,
    })
}

/// Where the payload of a GSO frame lies (after all headers, up to the end of
/// the IP packet): what [`segment`] cuts into `gso_size` pieces.
pub fn payload_range(
    buf: &[u8],
    link: Link,
    gso: &VirtioNetRepr,
) -> Result<std::ops::Range<usize>, GsoError> {
    let want_tcp = match gso.gso_type {
        GsoType::TcpV4 | GsoType::TcpV6 => true,
        GsoType::UdpL4 => false,
        _ => return Err(GsoError::Unsupported),
    };
    let l = layout(buf, link, want_tcp)?;
    Ok(l.payload..l.end)
}

/// Cuts one GSO frame into segments of at most `gso.gso_size` payload bytes and
/// hands each, fully checksummed, to `emit` (built in `scratch`, which is
/// reused). Returns the number of segments.
///
/// A frame whose payload already fits in one segment is emitted once with its
/// checksums completed. `emit`'s first error stops the cutting and is returned
/// as [`SegmentError::Emit`].
pub fn segment<E>(
    buf: &[u8],
    link: Link,
    gso: &VirtioNetRepr,
    scratch: &mut Vec<u8>,
    mut emit: impl FnMut(&mut [u8]) -> Result<(), E>,
) -> Result<usize, SegmentError<E>> {
    let want_tcp = match gso.gso_type {
        GsoType::TcpV4 | GsoType::TcpV6 => true,
        GsoType::UdpL4 => false,
        _ => return Err(SegmentError::Gso(GsoError::Unsupported)),
    };
    let l = layout(buf, link, want_tcp).map_err(SegmentError::Gso)?;
    if l.v4 != (gso.gso_type == GsoType::TcpV4) && want_tcp {
        return Err(SegmentError::Gso(GsoError::Malformed));
    }
    let mss = gso.gso_size as usize;
    if mss == 0 {
        return Err(SegmentError::Gso(GsoError::Malformed));
    }
    let headers = &buf[..l.payload];
    let payload = &buf[l.payload..l.end];
    let n = payload.len().div_ceil(mss).max(1);
    let ip_id = u16::from_be_bytes([buf[l.l3 + 4], buf[l.l3 + 5]]);
    let seq = u32::from_be_bytes([buf[l.l4 + 4], buf[l.l4 + 5], buf[l.l4 + 6], buf[l.l4 + 7]]);
    let tcp_flags = if l.tcp { buf[l.l4 + 13] } else { 0 };
    for i in 0..n {
        let lo = i * mss;
        let hi = (lo + mss).min(payload.len());
        let chunk = &payload[lo..hi];
        scratch.clear();
        scratch.extend_from_slice(headers);
        scratch.extend_from_slice(chunk);
        let st = Step {
            i,
            n,
            ip_id,
            seq: seq.wrapping_add(lo as u32),
            tcp_flags,
        };
        fix_up(scratch, &l, st);
        emit(scratch).map_err(SegmentError::Emit)?;
    }
    Ok(n)
}

/// Error of [`segment`]: the frame was bad, or the sink refused a segment.
#[derive(Debug)]
pub enum SegmentError<E> {
    /// The frame could not be cut.
    Gso(GsoError),
    /// `emit` failed.
    Emit(E),
}

/// What changes from one segment to the next.
#[derive(Debug, Clone, Copy)]
struct Step {
    /// Index of this segment.
    i: usize,
    /// Number of segments.
    n: usize,
    /// IPv4 identification of the first segment.
    ip_id: u16,
    /// TCP sequence number of this segment's first byte.
    seq: u32,
    /// TCP flags of the original frame.
    tcp_flags: u8,
}

/// Rewrites the headers copied into `s` (headers + this segment's payload) for segment `st.i`.
fn fix_up(s: &mut [u8], l: &Layout, st: Step) {
    let l4_total = s.len() - l.l4;
    let ip = l.l3;
    if l.v4 {
        let total = (s.len() - ip) as u16;
        s[ip + 2..ip + 4].copy_from_slice(&total.to_be_bytes());
        let id = st.ip_id.wrapping_add(st.i as u16);
        s[ip + 4..ip + 6].copy_from_slice(&id.to_be_bytes());
        s[ip + 10..ip + 12].fill(0);
        let c = checksum::checksum(&s[ip..l.l4]);
        s[ip + 10..ip + 12].copy_from_slice(&c.to_be_bytes());
    } else {
        let plen = (s.len() - ip - 40) as u16;
        s[ip + 4..ip + 6].copy_from_slice(&plen.to_be_bytes());
    }
    let t = l.l4;
    let csum_at = if l.tcp {
        s[t + 4..t + 8].copy_from_slice(&st.seq.to_be_bytes());
        let mut f = st.tcp_flags;
        if st.i != 0 {
            f &= !TCP_CWR;
        }
        if st.i + 1 != st.n {
            f &= !(TCP_FIN | TCP_PSH);
        }
        s[t + 13] = f;
        t + 16
    } else {
        s[t + 4..t + 6].copy_from_slice(&(l4_total as u16).to_be_bytes());
        t + 6
    };
    s[csum_at..csum_at + 2].fill(0);
    let proto = if l.tcp {
        IpProtocol::TCP
    } else {
        IpProtocol::UDP
    };
    let ph = pseudo(s, l, proto, l4_total as u32);
    let c = !checksum::fold(checksum::sum(&s[t..], ph));
    let c = if c == 0 && !l.tcp { 0xffff } else { c };
    s[csum_at..csum_at + 2].copy_from_slice(&c.to_be_bytes());
}

const TCP_FIN: u8 = 0x01;
const TCP_PSH: u8 = 0x08;
const TCP_CWR: u8 = 0x80;

fn pseudo(s: &[u8], l: &Layout, proto: IpProtocol, len: u32) -> u32 {
    let ip = l.l3;
    if l.v4 {
        let a = |o: usize| std::net::Ipv4Addr::new(s[o], s[o + 1], s[o + 2], s[o + 3]);
        checksum::pseudo_header_v4(a(ip + 12), a(ip + 16), proto, len)
    } else {
        let a = |o: usize| {
            let mut b = [0u8; 16];
            b.copy_from_slice(&s[o..o + 16]);
            std::net::Ipv6Addr::from(b)
        };
        checksum::pseudo_header_v6(a(ip + 8), a(ip + 24), proto, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames of a vector file: the input first, then the expected segments.
    fn vector(text: &str) -> Vec<Vec<u8>> {
        text.lines()
            .filter(|l| !l.is_empty())
            .map(|l| {
                (0..l.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&l[i..i + 2], 16).unwrap())
                    .collect()
            })
            .collect()
    }

    fn cut(frames: &[Vec<u8>], gso_type: GsoType, mss: u16) -> Vec<Vec<u8>> {
        let gso = VirtioNetRepr {
            gso_type,
            gso_size: mss,
            ..Default::default()
        };
        let mut out = Vec::new();
        let mut scratch = Vec::new();
        let n = segment(&frames[0], Link::Ethernet, &gso, &mut scratch, |s| {
            out.push(s.to_vec());
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(n, out.len());
        out
    }

    // The expected segments were built by scapy (testdata/make_gso_vectors.py), an
    // independent implementation of the lengths, ids, flags and checksums.
    #[test]
    fn tso4_matches_scapy() {
        let v = vector(include_str!("../testdata/tso4.hex"));
        let got = cut(&v, GsoType::TcpV4, 1000);
        assert_eq!(got.len(), 3);
        for (i, (g, want)) in got.iter().zip(&v[1..]).enumerate() {
            assert_eq!(g, want, "segment {i}");
        }
    }

    #[test]
    fn tso6_matches_scapy() {
        let v = vector(include_str!("../testdata/tso6.hex"));
        let got = cut(&v, GsoType::TcpV6, 1200);
        assert_eq!(got, v[1..].to_vec());
    }

    #[test]
    fn uso4_matches_scapy() {
        let v = vector(include_str!("../testdata/uso4.hex"));
        let got = cut(&v, GsoType::UdpL4, 1400);
        assert_eq!(got, v[1..].to_vec());
    }

    #[test]
    fn segments_also_verify_with_etherparse() {
        // A second, independent check of the checksums: etherparse's own.
        let v = vector(include_str!("../testdata/tso4.hex"));
        for s in cut(&v, GsoType::TcpV4, 512) {
            let p = etherparse::SlicedPacket::from_ethernet(&s).unwrap();
            let Some(etherparse::NetSlice::Ipv4(ip)) = p.net else {
                panic!("not IPv4")
            };
            let Some(etherparse::TransportSlice::Tcp(tcp)) = p.transport else {
                panic!("not TCP")
            };
            let want = tcp
                .to_header()
                .calc_checksum_ipv4(&ip.header().to_header(), tcp.payload())
                .unwrap();
            assert_eq!(tcp.checksum(), want);
            assert!(checksum::verify(ip.header().slice()));
            assert!(tcp.payload().len() <= 512);
        }
    }

    #[test]
    fn complete_checksum_matches_scapy() {
        let v = vector(include_str!("../testdata/csum6.hex"));
        let mut partial = v[0].clone();
        assert_ne!(partial, v[1]);
        complete_checksum(&mut partial, 14 + 40, 6).unwrap();
        assert_eq!(partial, v[1]);
    }

    #[test]
    fn small_frame_is_emitted_once() {
        let v = vector(include_str!("../testdata/tso4.hex"));
        // The last expected segment fits in one MSS: cutting it again yields itself.
        let last = v.last().unwrap().clone();
        let got = cut(std::slice::from_ref(&last), GsoType::TcpV4, 1000);
        assert_eq!(got, vec![last]);
    }

    #[test]
    fn hostile_frames_are_errors() {
        let v = vector(include_str!("../testdata/tso4.hex"));
        let gso = VirtioNetRepr {
            gso_type: GsoType::TcpV4,
            gso_size: 1000,
            ..Default::default()
        };
        let mut scratch = Vec::new();
        let mut run = |b: &[u8], g: &VirtioNetRepr| {
            segment(b, Link::Ethernet, g, &mut scratch, |_| Ok::<(), ()>(())).map(|_| ())
        };
        // Every truncation of the headers, and of the total length.
        for n in 0..v[0].len() {
            assert!(run(&v[0][..n], &gso).is_err(), "len {n}");
        }
        let mut bad = v[0].clone();
        bad[14] = 0x44; // IHL 4
        assert!(matches!(
            run(&bad, &gso),
            Err(SegmentError::Gso(GsoError::Malformed))
        ));
        let mut bad = v[0].clone();
        bad[14 + 20 + 12] = 0xf0; // TCP data offset 60 (ok) ...
        bad[14 + 2] = 0;
        bad[14 + 3] = 40; // ... but IP total length leaves no room for it
        assert!(matches!(
            run(&bad, &gso),
            Err(SegmentError::Gso(GsoError::Malformed))
        ));
        let mut zero = gso;
        zero.gso_size = 0;
        assert!(run(&v[0], &zero).is_err());
        let v6 = GsoType::TcpV6;
        assert!(
            run(
                &v[0],
                &VirtioNetRepr {
                    gso_type: v6,
                    ..gso
                }
            )
            .is_err()
        );
        let ufo = GsoType::Udp;
        assert!(matches!(
            run(
                &v[0],
                &VirtioNetRepr {
                    gso_type: ufo,
                    ..gso
                }
            ),
            Err(SegmentError::Gso(GsoError::Unsupported))
        ));
        let mut b = [0u8; 4];
        assert_eq!(complete_checksum(&mut b, 2, 1), Err(GsoError::Malformed));
        assert_eq!(
            complete_checksum(&mut b, usize::MAX, 2),
            Err(GsoError::Malformed)
        );
        assert!(complete_checksum(&mut b, 0, 2).is_ok());
    }

    #[test]
    fn emit_error_stops() {
        let v = vector(include_str!("../testdata/tso4.hex"));
        let gso = VirtioNetRepr {
            gso_type: GsoType::TcpV4,
            gso_size: 1000,
            ..Default::default()
        };
        let mut calls = 0;
        let r = segment(&v[0], Link::Ethernet, &gso, &mut Vec::new(), |_| {
            calls += 1;
            Err("full")
        });
        assert!(matches!(r, Err(SegmentError::Emit("full"))));
        assert_eq!(calls, 1);
    }
}
