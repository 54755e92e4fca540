//! The device traits and the everyday types, for `use pktkit::prelude::*`.
//!
//! Traits are here so their methods (`send`, `set_handler`, `accept_l2`, …)
//! are callable on any device; the types are the ones nearly every program
//! names. Not here: codecs, configuration types and anything behind a feature
//! (reach those through their module, e.g. `pktkit::dhcp`).

pub use pktkit_core::{
    Done, L2Acceptor, L2Connector, L2Device, L2Handler, L2Hub, L3Acceptor, L3Connector, L3Device,
    L3Handler, L3Hub,
};
pub use pktkit_wire::{Frame, IpPrefix, MacAddr, Packet};
