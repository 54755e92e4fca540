//! [`L2AdapterStats`]: what an [`crate::L2Adapter`] did, as relaxed atomic
//! counters read into a plain snapshot. Not for per-neighbour accounting.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

macro_rules! stats {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        /// Protocol counters of an [`crate::L2Adapter`] at one moment.
        #[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct L2AdapterStats {
            $($(#[$doc])* pub $name: u64,)*
        }

        #[derive(Debug, Default)]
        pub(crate) struct Stats {
            $(pub(crate) $name: AtomicU64,)*
        }

        impl Stats {
            pub(crate) fn snapshot(&self) -> L2AdapterStats {
                L2AdapterStats { $($name: self.$name.load(Relaxed),)* }
            }
        }
    };
}

stats! {
    /// ARP requests sent (resolution, probes and gratuitous ARP).
    arp_requests_sent,
    /// ARP replies sent for our addresses.
    arp_replies_sent,
    /// Neighbor Solicitations sent (resolution, probes and DAD).
    neighbor_solicits_sent,
    /// Neighbor Advertisements sent (solicited and unsolicited).
    neighbor_adverts_sent,
    /// Gratuitous ARPs and unsolicited NAs sent for new addresses.
    announcements_sent,
    /// Next hops that were resolved (INCOMPLETE to a known MAC).
    resolved,
    /// Resolutions that failed after every retry.
    resolution_failures,
    /// Packets dropped because the resolution queue was full.
    queue_drops,
    /// ICMP / ICMPv6 errors given to the IP side (unreachable, too big).
    icmp_errors_sent,
    /// Echo replies sent in gateway mode.
    echo_replies_sent,
    /// Frames or packets dropped as malformed (bad length, checksum, NDP rules).
    malformed,
    /// Frames for another MAC, or of a kind we do not handle.
    ignored,
    /// Neighbour-cache entries evicted to stay within the bound.
    evictions,
    /// Someone else on the link uses one of our addresses (ARP / NA).
    address_conflicts,
    /// IPv6 addresses found duplicate by DAD.
    dad_failures,
    /// Router Solicitations sent (once the link-local address is usable, hosts only).
    router_solicits_sent,
    /// Router Advertisements taken in.
    router_adverts,
}

pub(crate) fn inc(c: &AtomicU64) {
    c.fetch_add(1, Relaxed);
}
