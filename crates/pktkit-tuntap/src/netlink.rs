//! [`Netlink`]: interface configuration over rtnetlink, so users never shell out
//! to `ip`: link up/down, MTU, MAC, network namespace, addresses (IPv4/IPv6),
//! routes, static neighbours, deleting links.
//!
//! Synchronous (a blocking `NETLINK_ROUTE` socket; messages built with
//! `netlink-packet-route`), so no async runtime is needed. A `Netlink` acts on
//! the network namespace it was opened in: [`Netlink::new`] the caller's,
//! [`Netlink::in_netns`] any other (the socket keeps its namespace for life).
//! Not for: watching link events or dumping the whole routing table.

use std::io;
use std::net::IpAddr;
use std::os::fd::AsRawFd;
use std::path::Path;

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage,
    NetlinkPayload,
};
use netlink_packet_route::address::{
    AddressAttribute, AddressFlags, AddressHeaderFlags, AddressMessage,
};
use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
use netlink_packet_route::neighbour::{
    NeighbourAddress, NeighbourAttribute, NeighbourMessage, NeighbourState,
};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_ROUTE};
use pktkit_wire::{IpPrefix, MacAddr};

use crate::error::{Error, Result};

/// What [`Netlink::link`] reports about an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkInfo {
    /// Interface index.
    pub index: u32,
    /// Interface name.
    pub name: String,
    /// MTU.
    pub mtu: u32,
    /// MAC address (`None` for a TUN, which has none).
    pub mac: Option<MacAddr>,
    /// Administratively up.
    pub up: bool,
}

/// A route for [`Netlink::add_route`]: a destination prefix reached through an
/// interface, a gateway, or both. Main table, static protocol.
///
/// ```
/// use pktkit_tuntap::Route;
/// let r = Route::via_interface("10.20.0.0/16".parse().unwrap(), 7).metric(100);
/// assert_eq!(r.oif, Some(7));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Route {
    /// The destination (host bits are cleared when sent).
    pub dst: IpPrefix,
    /// Next hop, if any.
    pub gateway: Option<IpAddr>,
    /// Output interface index, if any.
    pub oif: Option<u32>,
    /// Route priority (lower wins).
    pub metric: Option<u32>,
}

impl Route {
    /// A route to `dst` out of interface `oif` (on-link).
    pub fn via_interface(dst: IpPrefix, oif: u32) -> Route {
        Route {
            dst,
            gateway: None,
            oif: Some(oif),
            metric: None,
        }
    }

    /// A route to `dst` through `gateway`.
    pub fn via_gateway(dst: IpPrefix, gateway: IpAddr) -> Route {
        Route {
            dst,
            gateway: Some(gateway),
            oif: None,
            metric: None,
        }
    }

    /// Sets the metric.
    pub fn metric(mut self, m: u32) -> Route {
        self.metric = Some(m);
        self
    }
}

/// A blocking rtnetlink connection, acting on the network namespace it was
/// opened in ([`Netlink::new`]: the caller's; [`Netlink::in_netns`]: another).
///
/// ```no_run
/// use pktkit_tuntap::{Netlink, Route};
/// let mut nl = Netlink::new()?;
/// let idx = nl.link_index("pk0")?;
/// nl.set_mtu(idx, 9000)?;
/// nl.add_address(idx, "10.9.0.1/24".parse().unwrap())?;
/// nl.add_address(idx, "fd00:9::1/64".parse().unwrap())?;
/// nl.set_link_up(idx)?;
/// nl.add_route(&Route::via_gateway("10.20.0.0/16".parse().unwrap(), "10.9.0.2".parse().unwrap()))?;
/// # Ok::<(), pktkit_tuntap::Error>(())
/// ```
pub struct Netlink {
    sock: Socket,
    seq: u32,
    buf: Vec<u8>,
}

impl std::fmt::Debug for Netlink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Netlink").field("seq", &self.seq).finish()
    }
}

fn io_op(op: &'static str) -> impl FnOnce(io::Error) -> Error {
    move |e| Error::netlink(op, e)
}

impl Netlink {
    /// Opens a connection in the calling thread's network namespace.
    pub fn new() -> Result<Netlink> {
        let mut sock = Socket::new(NETLINK_ROUTE).map_err(io_op("open socket"))?;
        sock.bind_auto().map_err(io_op("bind"))?;
        sock.connect(&SocketAddr::new(0, 0))
            .map_err(io_op("connect"))?;
        Ok(Netlink {
            sock,
            seq: 0,
            buf: vec![0; 64 * 1024],
        })
    }

    /// Opens a connection inside another network namespace, named by a file such
    /// as `/run/netns/NAME` (what `ip netns add` makes) or `/proc/PID/ns/net`.
    /// The caller's own namespace is left alone (the socket is made on a helper
    /// thread that enters the namespace).
    pub fn in_netns(ns: impl AsRef<Path>) -> Result<Netlink> {
        let file = std::fs::File::open(ns.as_ref()).map_err(|e| Error::Io {
            op: "open network namespace",
            source: e,
        })?;
        std::thread::spawn(move || {
            nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET)
                .map_err(|e| Error::sys("setns", e))?;
            Netlink::new()
        })
        .join()
        .map_err(|_| Error::Config("netlink helper thread panicked"))?
    }

    /// Sends `msg` with `flags` and collects the replies up to the ACK / DONE.
    fn request(
        &mut self,
        op: &'static str,
        msg: RouteNetlinkMessage,
        flags: u16,
    ) -> Result<Vec<RouteNetlinkMessage>> {
        self.seq = self.seq.wrapping_add(1);
        let mut hdr = NetlinkHeader::default();
        hdr.flags = flags;
        hdr.sequence_number = self.seq;
        let mut m = NetlinkMessage::new(hdr, NetlinkPayload::from(msg));
        m.finalize();
        let mut out = vec![0u8; m.buffer_len()];
        m.serialize(&mut out);
        self.sock.send(&out, 0).map_err(io_op(op))?;
        let mut replies = Vec::new();
        loop {
            let n = self
                .sock
                .recv(&mut &mut self.buf[..], 0)
                .map_err(io_op(op))?;
            let mut at = 0;
            while at < n {
                let m = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&self.buf[at..n])
                    .map_err(|e| {
                        Error::netlink(
                            op,
                            io::Error::new(io::ErrorKind::InvalidData, e.to_string()),
                        )
                    })?;
                let len = m.header.length as usize;
                if len == 0 {
                    return Err(Error::netlink(op, io::ErrorKind::InvalidData.into()));
                }
                at += (len + 3) & !3;
                if m.header.sequence_number != self.seq {
                    continue; // a stale reply to an earlier request
                }
                match m.payload {
                    NetlinkPayload::Error(e) => {
                        return match e.code {
                            None => Ok(replies), // the ACK
                            Some(code) => Err(Error::netlink(
                                op,
                                io::Error::from_raw_os_error(-code.get()),
                            )),
                        };
                    }
                    NetlinkPayload::Done(_) => return Ok(replies),
                    NetlinkPayload::InnerMessage(inner) => {
                        replies.push(inner);
                        if flags & NLM_F_DUMP != NLM_F_DUMP && flags & NLM_F_ACK == 0 {
                            return Ok(replies);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn set_link(
        &mut self,
        op: &'static str,
        index: u32,
        f: impl FnOnce(&mut LinkMessage),
    ) -> Result<()> {
        let mut m = LinkMessage::default();
        m.header.index = index;
        f(&mut m);
        self.request(
            op,
            RouteNetlinkMessage::SetLink(m),
            NLM_F_REQUEST | NLM_F_ACK,
        )?;
        Ok(())
    }

    /// The index of interface `name`.
    pub fn link_index(&mut self, name: &str) -> Result<u32> {
        self.link_by_name(name).map(|l| l.index)
    }

    /// Everything [`LinkInfo`] holds about interface `name`.
    pub fn link_by_name(&mut self, name: &str) -> Result<LinkInfo> {
        let mut m = LinkMessage::default();
        m.attributes.push(LinkAttribute::IfName(name.to_owned()));
        self.get_link(m)
    }

    /// Everything [`LinkInfo`] holds about interface `index`.
    pub fn link(&mut self, index: u32) -> Result<LinkInfo> {
        let mut m = LinkMessage::default();
        m.header.index = index;
        self.get_link(m)
    }

    fn get_link(&mut self, m: LinkMessage) -> Result<LinkInfo> {
        let r = self.request("get link", RouteNetlinkMessage::GetLink(m), NLM_F_REQUEST)?;
        let Some(RouteNetlinkMessage::NewLink(l)) = r.into_iter().next() else {
            return Err(Error::netlink(
                "get link",
                io::ErrorKind::InvalidData.into(),
            ));
        };
        let mut info = LinkInfo {
            index: l.header.index,
            name: String::new(),
            mtu: 0,
            mac: None,
            up: l.header.flags.contains(LinkFlags::Up),
        };
        for a in l.attributes {
            match a {
                LinkAttribute::IfName(n) => info.name = n,
                LinkAttribute::Mtu(m) => info.mtu = m,
                LinkAttribute::Address(b) if b.len() == 6 => {
                    let mut mac = [0u8; 6];
                    mac.copy_from_slice(&b);
                    info.mac = Some(MacAddr(mac));
                }
                _ => {}
            }
        }
        Ok(info)
    }

    /// Sets the link administratively up.
    pub fn set_link_up(&mut self, index: u32) -> Result<()> {
        self.set_link("set link up", index, |m| {
            m.header.flags = LinkFlags::Up;
            m.header.change_mask = LinkFlags::Up;
        })
    }

    /// Sets the link administratively down.
    pub fn set_link_down(&mut self, index: u32) -> Result<()> {
        self.set_link("set link down", index, |m| {
            m.header.flags = LinkFlags::empty();
            m.header.change_mask = LinkFlags::Up;
        })
    }

    /// Sets the MTU.
    pub fn set_mtu(&mut self, index: u32, mtu: u32) -> Result<()> {
        self.set_link("set mtu", index, |m| {
            m.attributes.push(LinkAttribute::Mtu(mtu))
        })
    }

    /// Sets the kernel interface's MAC address (TAP only).
    pub fn set_mac(&mut self, index: u32, mac: MacAddr) -> Result<()> {
        self.set_link("set mac", index, |m| {
            m.attributes.push(LinkAttribute::Address(mac.0.to_vec()))
        })
    }

    /// Moves the interface into another network namespace, named by a file as
    /// in [`Netlink::in_netns`]. A TAP/TUN keeps working through its open fds;
    /// configure it afterwards with a `Netlink` opened in that namespace.
    pub fn move_to_netns(&mut self, index: u32, ns: impl AsRef<Path>) -> Result<()> {
        let file = std::fs::File::open(ns.as_ref()).map_err(|e| Error::Io {
            op: "open network namespace",
            source: e,
        })?;
        let fd = file.as_raw_fd();
        self.set_link("move to netns", index, |m| {
            m.attributes.push(LinkAttribute::NetNsFd(fd))
        })
        // `file` is closed here, after the kernel took its reference to the namespace.
    }

    /// Deletes the interface (a persistent TAP/TUN included).
    pub fn delete_link(&mut self, index: u32) -> Result<()> {
        let mut m = LinkMessage::default();
        m.header.index = index;
        self.request(
            "delete link",
            RouteNetlinkMessage::DelLink(m),
            NLM_F_REQUEST | NLM_F_ACK,
        )?;
        Ok(())
    }

    fn address_message(index: u32, addr: IpPrefix) -> AddressMessage {
        let mut m = AddressMessage::default();
        m.header.index = index;
        m.header.prefix_len = addr.len();
        m.header.family = if addr.is_ipv4() {
            AddressFamily::Inet
        } else {
            AddressFamily::Inet6
        };
        m.attributes.push(AddressAttribute::Local(addr.addr()));
        m.attributes.push(AddressAttribute::Address(addr.addr()));
        if let IpAddr::V4(a) = addr.addr()
            && addr.len() < 31
        {
            let brd = u32::from(a) | (u32::MAX >> addr.len());
            m.attributes.push(AddressAttribute::Broadcast(brd.into()));
        }
        m
    }

    /// Adds an address (`10.0.0.1/24`, `fd00::1/64`) to the interface. Fails
    /// with `EEXIST` if it is already there.
    pub fn add_address(&mut self, index: u32, addr: IpPrefix) -> Result<()> {
        let m = Self::address_message(index, addr);
        self.request(
            "add address",
            RouteNetlinkMessage::NewAddress(m),
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        )?;
        Ok(())
    }

    /// [`Netlink::add_address`] without IPv6 Duplicate Address Detection
    /// (`IFA_F_NODAD`): the address is usable at once instead of after about a
    /// second of probing. For point-to-point links and test labs where no
    /// other host can hold the address.
    pub fn add_address_no_dad(&mut self, index: u32, addr: IpPrefix) -> Result<()> {
        let mut m = Self::address_message(index, addr);
        m.header.flags = AddressHeaderFlags::Nodad;
        m.attributes
            .push(AddressAttribute::Flags(AddressFlags::Nodad));
        self.request(
            "add address",
            RouteNetlinkMessage::NewAddress(m),
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        )?;
        Ok(())
    }

    /// Removes an address from the interface.
    pub fn del_address(&mut self, index: u32, addr: IpPrefix) -> Result<()> {
        let m = Self::address_message(index, addr);
        self.request(
            "delete address",
            RouteNetlinkMessage::DelAddress(m),
            NLM_F_REQUEST | NLM_F_ACK,
        )?;
        Ok(())
    }

    /// The addresses of the interface (IPv4 and IPv6).
    pub fn addresses(&mut self, index: u32) -> Result<Vec<IpPrefix>> {
        let r = self.request(
            "list addresses",
            RouteNetlinkMessage::GetAddress(AddressMessage::default()),
            NLM_F_REQUEST | NLM_F_DUMP,
        )?;
        let mut out = Vec::new();
        for m in r {
            let RouteNetlinkMessage::NewAddress(a) = m else {
                continue;
            };
            if a.header.index != index {
                continue;
            }
            let addr = a.attributes.iter().find_map(|x| match x {
                AddressAttribute::Local(ip) => Some(*ip),
                _ => None,
            });
            let addr = addr.or_else(|| {
                a.attributes.iter().find_map(|x| match x {
                    AddressAttribute::Address(ip) => Some(*ip),
                    _ => None,
                })
            });
            if let Some(p) = addr.and_then(|ip| IpPrefix::new(ip, a.header.prefix_len).ok()) {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// Adds a permanent neighbour (ARP / NDP) entry: `ip` is at `mac` on the
    /// interface, so the kernel sends to it without resolving first.
    pub fn add_neighbour(&mut self, index: u32, ip: IpAddr, mac: MacAddr) -> Result<()> {
        let mut m = NeighbourMessage::default();
        m.header.ifindex = index;
        m.header.state = NeighbourState::Permanent;
        m.header.kind = RouteType::Unicast;
        let (family, dst) = match ip {
            IpAddr::V4(a) => (AddressFamily::Inet, NeighbourAddress::Inet(a)),
            IpAddr::V6(a) => (AddressFamily::Inet6, NeighbourAddress::Inet6(a)),
        };
        m.header.family = family;
        m.attributes.push(NeighbourAttribute::Destination(dst));
        m.attributes
            .push(NeighbourAttribute::LinkLayerAddress(mac.0.to_vec()));
        self.request(
            "add neighbour",
            RouteNetlinkMessage::NewNeighbour(m),
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        )?;
        Ok(())
    }

    fn route_message(r: &Route) -> RouteMessage {
        let mut m = RouteMessage::default();
        let dst = r.dst.network();
        m.header.address_family = if dst.is_ipv4() {
            AddressFamily::Inet
        } else {
            AddressFamily::Inet6
        };
        m.header.destination_prefix_length = dst.len();
        m.header.table = RouteHeader::RT_TABLE_MAIN;
        m.header.protocol = RouteProtocol::Static;
        m.header.kind = RouteType::Unicast;
        m.header.scope = if r.gateway.is_some() {
            RouteScope::Universe
        } else {
            RouteScope::Link
        };
        let addr = |ip: IpAddr| match ip {
            IpAddr::V4(a) => RouteAddress::Inet(a),
            IpAddr::V6(a) => RouteAddress::Inet6(a),
        };
        if dst.len() > 0 {
            m.attributes
                .push(RouteAttribute::Destination(addr(dst.addr())));
        }
        if let Some(g) = r.gateway {
            m.attributes.push(RouteAttribute::Gateway(addr(g)));
        }
        if let Some(o) = r.oif {
            m.attributes.push(RouteAttribute::Oif(o));
        }
        if let Some(p) = r.metric {
            m.attributes.push(RouteAttribute::Priority(p));
        }
        m
    }

    /// Adds a route.
    pub fn add_route(&mut self, r: &Route) -> Result<()> {
        if r.gateway.is_none() && r.oif.is_none() {
            return Err(Error::Config(
                "a route needs a gateway or an output interface",
            ));
        }
        if r.gateway.is_some_and(|g| g.is_ipv4() != r.dst.is_ipv4()) {
            return Err(Error::Config(
                "route gateway and destination differ in IP version",
            ));
        }
        self.request(
            "add route",
            RouteNetlinkMessage::NewRoute(Self::route_message(r)),
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        )?;
        Ok(())
    }

    /// Deletes a route.
    pub fn del_route(&mut self, r: &Route) -> Result<()> {
        self.request(
            "delete route",
            RouteNetlinkMessage::DelRoute(Self::route_message(r)),
            NLM_F_REQUEST | NLM_F_ACK,
        )?;
        Ok(())
    }
}
