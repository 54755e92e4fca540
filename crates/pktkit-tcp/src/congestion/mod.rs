//! Congestion control: the [`CongestionControl`] trait a connection drives,
//! and the algorithms behind it, chosen per connection with
//! [`CongestionAlgorithm`]: [`NewReno`] (RFC 5681 / RFC 6582) and [`Cubic`]
//! (RFC 9438, with HyStart++ slow start, RFC 9406).
//!
//! The trait only sizes the congestion window. Loss detection (dupacks, SACK,
//! RACK, RTO) and recovery bookkeeping live in the connection, which calls
//! [`CongestionControl::on_congestion_event`] once per recovery episode.

mod cubic;
mod new_reno;

use std::fmt;
use std::time::{Duration, Instant};

pub use cubic::Cubic;
pub use new_reno::NewReno;

/// Which algorithm a connection uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CongestionAlgorithm {
    /// NewReno (RFC 5681, RFC 6582).
    NewReno,
    /// CUBIC (RFC 9438) with HyStart++ (RFC 9406).
    #[default]
    Cubic,
}

impl CongestionAlgorithm {
    /// A fresh controller for a connection whose sender MSS is `mss`.
    pub fn build(self, mss: u32) -> Box<dyn CongestionControl> {
        match self {
            CongestionAlgorithm::NewReno => Box::new(NewReno::new(mss)),
            CongestionAlgorithm::Cubic => Box::new(Cubic::new(mss)),
        }
    }
}

/// What an acknowledgment told the sender.
#[derive(Debug, Clone, Copy)]
pub struct AckContext {
    /// When the ACK arrived.
    pub now: Instant,
    /// Bytes newly acknowledged (cumulatively or selectively).
    pub acked: u32,
    /// An RTT sample taken from this ACK, if any.
    pub rtt_sample: Option<Duration>,
    /// The smoothed RTT.
    pub srtt: Duration,
    /// True when this ACK ends a round trip (it covers what was outstanding
    /// when the previous round ended).
    pub new_round: bool,
    /// True when the window, not the application, limited sending.
    pub cwnd_limited: bool,
}

/// A congestion controller: sizes the congestion window in bytes.
pub trait CongestionControl: Send + fmt::Debug {
    /// Short name (`"newreno"`, `"cubic"`).
    fn name(&self) -> &'static str;
    /// The congestion window, bytes.
    fn window(&self) -> u32;
    /// The slow-start threshold, bytes.
    fn ssthresh(&self) -> u32;
    /// Changes the sender MSS (after the handshake negotiated it).
    fn set_mss(&mut self, mss: u32);
    /// New data was acknowledged outside loss recovery.
    fn on_ack(&mut self, ack: &AckContext);
    /// Loss (or ECN) detected: one reduction per recovery episode.
    fn on_congestion_event(&mut self, now: Instant, in_flight: u32);
    /// The retransmission timer expired: collapse to the loss window.
    fn on_rto(&mut self, now: Instant, in_flight: u32);
}

/// RFC 6928 initial window: min(10 × MSS, max(2 × MSS, 14 600)).
pub fn initial_window(mss: u32) -> u32 {
    (10 * mss).min((2 * mss).max(14_600))
}
