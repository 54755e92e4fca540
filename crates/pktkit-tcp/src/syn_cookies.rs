//! SYN cookies: a stateless SYN-ACK whose sequence number encodes what the
//! connection needs, so that a flood of SYNs cannot fill memory.
//!
//! Layout of the cookie (our ISN): `t (5 bits) | mss index (3 bits) | MAC (24 bits)`
//! where `t` counts 64-second periods and the MAC is SipHash of the four-tuple,
//! the peer's ISN and `t`, keyed with the listener's secret. A cookie is valid
//! for the current and the previous period. Only the MSS survives: window
//! scaling, SACK and timestamps are off on connections made from a cookie.

use std::net::SocketAddr;
use std::time::Duration;

use crate::isn::IsnGenerator;

/// MSS values a cookie can carry (the largest not above the peer's is used).
pub(crate) const MSS_TABLE: [u16; 8] = [536, 1220, 1440, 1460, 4312, 8960, 9000, 65_495];

const PERIOD: Duration = Duration::from_secs(64);

fn period(elapsed: Duration) -> u32 {
    (elapsed.as_secs() / PERIOD.as_secs()) as u32
}

fn mac(keys: &IsnGenerator, local: SocketAddr, remote: SocketAddr, peer_isn: u32, t: u32) -> u32 {
    let extra = (u64::from(peer_isn) << 32) | u64::from(t);
    (keys.hash(local, remote, extra ^ 0xc00c_1e5a_0000_0000) as u32) & 0x00ff_ffff
}

/// The cookie ISN for a SYN from `remote` with sequence number `peer_isn` and
/// MSS option `mss`; `elapsed` is the listener's clock.
pub(crate) fn make(
    keys: &IsnGenerator,
    local: SocketAddr,
    remote: SocketAddr,
    peer_isn: u32,
    mss: u16,
    elapsed: Duration,
) -> u32 {
    let idx = MSS_TABLE.iter().rposition(|&m| m <= mss).unwrap_or(0) as u32;
    let t = period(elapsed);
    ((t & 0x1f) << 27) | (idx << 24) | mac(keys, local, remote, peer_isn, t)
}

/// Checks the ACK completing a cookie handshake: `ack` is its acknowledgment
/// number (cookie + 1), `seq` its sequence number (peer ISN + 1). Returns the MSS.
pub(crate) fn check(
    keys: &IsnGenerator,
    local: SocketAddr,
    remote: SocketAddr,
    seq: u32,
    ack: u32,
    elapsed: Duration,
) -> Option<u16> {
    let cookie = ack.wrapping_sub(1);
    let peer_isn = seq.wrapping_sub(1);
    let now = period(elapsed);
    let t_low = cookie >> 27;
    // Which of the last two periods has these low bits.
    let t = [now, now.wrapping_sub(1)]
        .into_iter()
        .find(|t| t & 0x1f == t_low)?;
    if mac(keys, local, remote, peer_isn, t) != cookie & 0x00ff_ffff {
        return None;
    }
    Some(MSS_TABLE[((cookie >> 24) & 0x7) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_expiry_and_forgery() {
        let k = IsnGenerator::new([9; 16]);
        let l: SocketAddr = "10.0.0.1:80".parse().unwrap();
        let r: SocketAddr = "10.0.0.9:5555".parse().unwrap();
        let t = Duration::from_secs(1000);
        let c = make(&k, l, r, 777, 1460, t);
        assert_eq!(check(&k, l, r, 778, c.wrapping_add(1), t), Some(1460));
        assert_eq!(
            check(&k, l, r, 778, c.wrapping_add(1), t + PERIOD),
            Some(1460)
        );
        assert_eq!(
            check(&k, l, r, 778, c.wrapping_add(1), t + 3 * PERIOD),
            None,
            "expired"
        );
        assert_eq!(
            check(&k, l, r, 779, c.wrapping_add(1), t),
            None,
            "other peer ISN"
        );
        assert_eq!(
            check(
                &k,
                l,
                "10.0.0.9:5556".parse().unwrap(),
                778,
                c.wrapping_add(1),
                t
            ),
            None
        );
        assert_eq!(check(&k, l, r, 778, c.wrapping_add(2), t), None, "forged");
        // MSS rounds down to the table.
        let c = make(&k, l, r, 1, 1400, t);
        assert_eq!(check(&k, l, r, 2, c.wrapping_add(1), t), Some(1220));
    }
}
