//! Initial sequence numbers (RFC 6528): `ISN = M + F(local, remote, secret)`,
//! where M is a 4 µs clock and F a keyed hash (SipHash-2-4) of the
//! connection's addresses. The secret is the caller's; nothing here reads a
//! clock or an entropy source.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// A keyed ISN generator. Create one per host stack with a random secret.
///
/// ```
/// use pktkit_tcp::IsnGenerator;
/// use std::time::Duration;
/// let g = IsnGenerator::new([7; 16]);
/// let (a, b) = ("10.0.0.1:1000".parse().unwrap(), "10.0.0.2:80".parse().unwrap());
/// let isn = g.isn(a, b, Duration::from_secs(1));
/// // 4 µs later the ISN moved on by one.
/// assert_eq!(g.isn(a, b, Duration::from_micros(1_000_004)), isn.wrapping_add(1));
/// ```
#[derive(Clone)]
pub struct IsnGenerator {
    key: [u64; 2],
}

impl std::fmt::Debug for IsnGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IsnGenerator { .. }")
    }
}

impl IsnGenerator {
    /// A generator keyed with `secret` (keep it secret and random).
    pub fn new(secret: [u8; 16]) -> IsnGenerator {
        let mut k0 = [0u8; 8];
        let mut k1 = [0u8; 8];
        k0.copy_from_slice(&secret[..8]);
        k1.copy_from_slice(&secret[8..]);
        IsnGenerator {
            key: [u64::from_le_bytes(k0), u64::from_le_bytes(k1)],
        }
    }

    /// The ISN for a connection, `elapsed` being the time since any fixed
    /// reference the caller keeps (the M timer ticks every 4 µs).
    pub fn isn(&self, local: SocketAddr, remote: SocketAddr, elapsed: Duration) -> u32 {
        let m = (elapsed.as_micros() / 4) as u32;
        m.wrapping_add(self.hash(local, remote, 0) as u32)
    }

    /// SipHash-2-4 of the four-tuple and an extra word, keyed with the secret.
    pub(crate) fn hash(&self, local: SocketAddr, remote: SocketAddr, extra: u64) -> u64 {
        let mut buf = [0u8; 16 + 16 + 2 + 2 + 8];
        let mut n = 0;
        for a in [local.ip(), remote.ip()] {
            let o = match a {
                IpAddr::V4(v) => v.to_ipv6_mapped().octets(),
                IpAddr::V6(v) => v.octets(),
            };
            buf[n..n + 16].copy_from_slice(&o);
            n += 16;
        }
        buf[n..n + 2].copy_from_slice(&local.port().to_be_bytes());
        buf[n + 2..n + 4].copy_from_slice(&remote.port().to_be_bytes());
        buf[n + 4..n + 12].copy_from_slice(&extra.to_le_bytes());
        siphash24(self.key, &buf)
    }
}

/// SipHash-2-4 (Aumasson & Bernstein), 64-bit output.
pub(crate) fn siphash24(key: [u64; 2], data: &[u8]) -> u64 {
    let mut v = [
        key[0] ^ 0x736f_6d65_7073_6575,
        key[1] ^ 0x646f_7261_6e64_6f6d,
        key[0] ^ 0x6c79_6765_6e65_7261,
        key[1] ^ 0x7465_6462_7974_6573,
    ];
    fn round(v: &mut [u64; 4]) {
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13) ^ v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16) ^ v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21) ^ v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17) ^ v[2];
        v[2] = v[2].rotate_left(32);
    }
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let m = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        v[3] ^= m;
        round(&mut v);
        round(&mut v);
        v[0] ^= m;
    }
    let rest = chunks.remainder();
    let mut last = [0u8; 8];
    last[..rest.len()].copy_from_slice(rest);
    let m = u64::from_le_bytes(last) | ((data.len() as u64 & 0xff) << 56);
    v[3] ^= m;
    round(&mut v);
    round(&mut v);
    v[0] ^= m;
    v[2] ^= 0xff;
    for _ in 0..4 {
        round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siphash_reference_vectors() {
        // From the SipHash paper, appendix A: key 00..0f, message 00..0e (15 bytes).
        let key = [
            u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7]),
            u64::from_le_bytes([8, 9, 10, 11, 12, 13, 14, 15]),
        ];
        let msg: Vec<u8> = (0..15).collect();
        assert_eq!(siphash24(key, &msg), 0xa129_ca61_49be_45e5);
        // Empty message: first entry of the reference vectors.h (0x726fdb47dd0e0e31).
        assert_eq!(siphash24(key, &[]), 0x726f_db47_dd0e_0e31);
    }

    #[test]
    fn isn_depends_on_tuple_and_secret() {
        let a: SocketAddr = "10.0.0.1:1000".parse().unwrap();
        let b: SocketAddr = "10.0.0.2:80".parse().unwrap();
        let c: SocketAddr = "10.0.0.2:81".parse().unwrap();
        let g = IsnGenerator::new([1; 16]);
        let t = Duration::from_secs(5);
        assert_ne!(g.isn(a, b, t), g.isn(a, c, t));
        assert_ne!(g.isn(a, b, t), IsnGenerator::new([2; 16]).isn(a, b, t));
    }
}
