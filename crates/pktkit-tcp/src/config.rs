//! [`Config`]: the knobs of a connection (buffers, MSS, timers, features).

use std::time::Duration;

use crate::congestion::CongestionAlgorithm;

/// Keepalive settings (RFC 9293 §3.8.4 / RFC 1122 §4.2.3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    /// Idle time before the first probe.
    pub idle: Duration,
    /// Time between unanswered probes.
    pub interval: Duration,
    /// Unanswered probes before the connection times out.
    pub count: u32,
}

impl Default for Keepalive {
    fn default() -> Keepalive {
        Keepalive {
            idle: Duration::from_secs(7200),
            interval: Duration::from_secs(75),
            count: 9,
        }
    }
}

/// Per-connection configuration. `Config::default()` is a sensible host
/// profile: 256 KiB buffers, MSS 1460, SACK, timestamps, window scaling,
/// CUBIC, Nagle on, 40 ms delayed ACK.
#[derive(Debug, Clone)]
pub struct Config {
    /// Send buffer, bytes (the most data `send` accepts ahead of the peer's ACKs).
    pub send_buffer: usize,
    /// Receive buffer, bytes (the largest window we advertise).
    pub recv_buffer: usize,
    /// MSS we announce, and the largest segment we send (before the peer's MSS).
    /// It is the link MTU minus the IP and TCP headers: 1460 for IPv4 on a
    /// 1500-byte link, 1440 for IPv6 on the same link.
    pub mss: u16,
    /// Nagle's algorithm (RFC 896): hold small segments while data is unacknowledged.
    pub nagle: bool,
    /// Delayed ACK timeout; `None` acknowledges every segment at once.
    pub delayed_ack: Option<Duration>,
    /// Offer and use SACK (RFC 2018).
    pub sack: bool,
    /// Offer and use timestamps (RFC 7323).
    pub timestamps: bool,
    /// Offer and use window scaling (RFC 7323).
    pub window_scaling: bool,
    /// RACK-TLP loss detection (RFC 8985) when SACK is in use.
    pub rack: bool,
    /// Congestion control.
    pub congestion: CongestionAlgorithm,
    /// RTO before the first RTT sample (RFC 6298: 1 s).
    pub initial_rto: Duration,
    /// Lower bound of the RTO (RFC 6298 says 1 s; Linux uses 200 ms).
    pub min_rto: Duration,
    /// Upper bound of the RTO.
    pub max_rto: Duration,
    /// SYN (or SYN-ACK) transmissions before giving up.
    pub syn_retries: u32,
    /// Consecutive retransmission timeouts before giving up.
    pub max_retransmissions: u32,
    /// Time spent in TIME-WAIT (2 × MSL).
    pub time_wait: Duration,
    /// Keepalive; `None` disables it.
    pub keepalive: Option<Keepalive>,
    /// Verify incoming checksums (turn off only behind a device that did it).
    pub verify_checksums: bool,
    /// IPv4 TTL / IPv6 hop limit of what we send.
    pub ttl: u8,
    /// Most challenge ACKs (RFC 5961 §7) sent per second.
    pub challenge_ack_limit: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            send_buffer: 256 * 1024,
            recv_buffer: 256 * 1024,
            mss: 1460,
            nagle: true,
            delayed_ack: Some(Duration::from_millis(40)),
            sack: true,
            timestamps: true,
            window_scaling: true,
            rack: true,
            congestion: CongestionAlgorithm::default(),
            initial_rto: Duration::from_secs(1),
            min_rto: Duration::from_millis(200),
            max_rto: Duration::from_secs(60),
            syn_retries: 6,
            max_retransmissions: 15,
            time_wait: Duration::from_secs(60),
            keepalive: None,
            verify_checksums: true,
            ttl: 64,
            challenge_ack_limit: 10,
        }
    }
}

impl Config {
    /// Window scale shift we offer: the smallest that covers the receive buffer.
    pub(crate) fn rcv_wscale(&self) -> u8 {
        if !self.window_scaling {
            return 0;
        }
        let mut s = 0u8;
        while s < 14 && (self.recv_buffer >> s) > 65_535 {
            s += 1;
        }
        s
    }
}
