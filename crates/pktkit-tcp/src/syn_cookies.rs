//! SYN cookies: a stateless SYN-ACK whose sequence number encodes what the
//! connection needs, so that a flood of SYNs cannot fill memory.
//!
//! Layout of the cookie (our ISN): `t (5 bits) | mss index (3 bits) | MAC (24 bits)`
//! where `t` counts 64-second periods and the MAC is SipHash of the four-tuple,
//! the peer's ISN and `t`, keyed with the listener's secret. A cookie is valid
//! for the current and the previous period.
//!
//! The other SYN options survive the way Linux keeps them
//! (`net/ipv4/syncookies.c`, `cookie_init_timestamp` /
//! `cookie_timestamp_decode`): when the SYN carries timestamps (and we use
//! them), the SYN-ACK's TSval carries the options in its low 6 bits, and the
//! ACK that completes the handshake echoes them back in its TSecr:
//!
//! | bits | meaning |
//! |---|---|
//! | 0–3 | the peer's window scale shift (0–14), or 15: no window scaling |
//! | 4 | SACK permitted |
//! | 5 | (ECN in Linux; unused, always 0) |
//!
//! The TSval is our timestamp clock rounded down to a value with those low
//! bits, so it never runs ahead of the clock the connection goes on with.
//! Without timestamps there is nowhere to keep them: the SYN-ACK offers only
//! the MSS, and the connection runs without window scaling, SACK or
//! timestamps. As in Linux, the option bits are not covered by the MAC: a
//! forged value only changes the forger's own connection.

use std::net::SocketAddr;
use std::time::Duration;

use crate::isn::IsnGenerator;

/// MSS values a cookie can carry (the largest not above the peer's is used).
pub(crate) const MSS_TABLE: [u16; 8] = [536, 1220, 1440, 1460, 4312, 8960, 9000, 65_495];

const PERIOD: Duration = Duration::from_secs(64);

/// Low TSval bits that carry the options.
const TS_BITS: u32 = 6;
const TS_MASK: u32 = (1 << TS_BITS) - 1;
/// Window scale field value meaning "no window scaling".
const TS_NO_WSCALE: u32 = 0xf;
const TS_SACK: u32 = 1 << 4;

/// The options a cookie connection keeps from the SYN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CookieOptions {
    /// The MSS the cookie carries (from [`MSS_TABLE`]).
    pub(crate) mss: u16,
    /// The peer's window scale shift, when both sides scale windows.
    pub(crate) wscale: Option<u8>,
    /// SACK permitted on both sides.
    pub(crate) sack: bool,
    /// Timestamps in use: our timestamp clock now (the connection goes on
    /// from it) and the peer's TSval in the ACK.
    pub(crate) timestamps: Option<(u32, u32)>,
}

/// `cookie_init_timestamp`: the SYN-ACK's TSval for the clock value `ts_now`,
/// carrying the peer's window scale (`None`: no scaling) and SACK.
pub(crate) fn encode_timestamp(ts_now: u32, wscale: Option<u8>, sack: bool) -> u32 {
    let mut options = wscale.map_or(TS_NO_WSCALE, |w| u32::from(w.min(14)));
    if sack {
        options |= TS_SACK;
    }
    let ts = (ts_now & !TS_MASK) | options;
    // Never ahead of the clock (modulo 2^32, as timestamps compare).
    if (ts.wrapping_sub(ts_now) as i32) > 0 {
        ts.wrapping_sub(1 << TS_BITS)
    } else {
        ts
    }
}

/// `cookie_timestamp_decode`: the window scale and SACK from the TSecr echoed
/// by the ACK.
pub(crate) fn decode_timestamp(tsecr: u32) -> (Option<u8>, bool) {
    let ws = tsecr & TS_NO_WSCALE;
    let wscale = (ws != TS_NO_WSCALE).then_some(ws.min(14) as u8);
    (wscale, tsecr & TS_SACK != 0)
}

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
    fn options_in_the_timestamp_as_linux_encodes_them() {
        // Linux: options = wscale_ok ? snd_wscale : 0xf, | BIT(4) if SACK;
        // ts = (now >> 6) << 6 | options; if ts > now, ts -= 64.
        // now = 1000 = 0b1111101000: 960 | 0x17 = 983 ≤ 1000.
        assert_eq!(encode_timestamp(1000, Some(7), true), 983);
        // now = 1029 = 1024 + 5: 1024 | 0x1f = 1055 > 1029, so 1055 − 64 = 991.
        assert_eq!(encode_timestamp(1029, None, true), 991);
        // now = 1024 + 63: 1024 | 0x02 = 1026.
        assert_eq!(encode_timestamp(1087, Some(2), false), 1026);
        // Around the wrap: now = 3, options 0x0e > 3: 0x0e − 64 wraps below 0.
        assert_eq!(encode_timestamp(3, Some(14), false), 14u32.wrapping_sub(64));
        assert_eq!(decode_timestamp(983), (Some(7), true));
        assert_eq!(decode_timestamp(991), (None, true));
        assert_eq!(decode_timestamp(1026), (Some(2), false));
        // Every combination survives, and the TSval never runs ahead.
        for now in [0u32, 1, 63, 64, 1_000_000, u32::MAX - 5, u32::MAX] {
            for ws in (0..=14).map(Some).chain([None]) {
                for sack in [false, true] {
                    let ts = encode_timestamp(now, ws, sack);
                    assert_eq!(decode_timestamp(ts), (ws, sack));
                    let behind = now.wrapping_sub(ts);
                    assert!(behind < 64, "now {now} ts {ts}");
                }
            }
        }
    }

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
