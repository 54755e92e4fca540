//! [`Stats`]: counters of one connection (or listener), for logs and tests.

/// What a connection did. All counters only grow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Segments sent (all kinds).
    pub segments_sent: u64,
    /// Segments received and accepted for processing.
    pub segments_received: u64,
    /// Payload bytes sent for the first time.
    pub bytes_sent: u64,
    /// Payload bytes delivered in order to the receive buffer.
    pub bytes_received: u64,
    /// Segments retransmitted (any reason).
    pub retransmits: u64,
    /// Payload bytes retransmitted.
    pub bytes_retransmitted: u64,
    /// Fast retransmissions (dupack, SACK or RACK loss detection).
    pub fast_retransmits: u64,
    /// Retransmission timeouts.
    pub rto_expirations: u64,
    /// Tail loss probes sent.
    pub tail_loss_probes: u64,
    /// Loss recovery episodes entered.
    pub recoveries: u64,
    /// Losses repaired by a tail loss probe retransmission and detected when
    /// its episode ended (RFC 8985 §7.4); each is also a recovery.
    pub tlp_recoveries: u64,
    /// RFC 6675 rescue retransmissions (NextSeg() rule 4, one per recovery).
    pub rescue_retransmits: u64,
    /// Duplicate ACKs received.
    pub dup_acks: u64,
    /// Zero-window probes sent.
    pub window_probes: u64,
    /// Keepalive probes sent.
    pub keepalive_probes: u64,
    /// Challenge ACKs sent (RFC 5961).
    pub challenge_acks: u64,
    /// Segments dropped as malformed (bad header or options).
    pub dropped_malformed: u64,
    /// Segments dropped for a bad checksum.
    pub dropped_checksum: u64,
    /// Segments dropped by PAWS (RFC 7323).
    pub dropped_paws: u64,
    /// Segments dropped as not acceptable (outside the window, bad ACK, wrong tuple).
    pub dropped_unacceptable: u64,
    /// Out-of-order segments received.
    pub out_of_order: u64,
}
