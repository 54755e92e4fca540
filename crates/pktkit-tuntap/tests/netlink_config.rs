//! Interface configuration through our `Netlink`, checked against what
//! iproute2 (`ip`) reads back from the kernel; persistent devices and owners.

mod common;

use std::sync::Arc;

use pktkit_core::L2Device;
use pktkit_testkit::{Netns, require_root, require_tool};
use pktkit_tuntap::{Netlink, OpenMode, Route, TapBuilder};
use pktkit_wire::{Frame, MacAddr};

fn ip_out(ns: &Netns, args: &[&str]) -> String {
    let mut a = vec!["ip"];
    a.extend_from_slice(args);
    String::from_utf8(ns.run(&a).unwrap().stdout).unwrap()
}

#[test]
fn configure_link_addresses_routes_and_read_back_with_ip() {
    if !require_root() || !require_tool("ip") {
        return;
    }
    let ns = Netns::new("tnl").unwrap();
    let name = common::ifname("n");
    // Created inside the namespace directly (the fd keeps working from any thread).
    let tap = ns
        .enter_on_thread({
            let name = name.clone();
            move || TapBuilder::new(&name).open().unwrap()
        })
        .unwrap();
    tap.set_handler(Arc::new(|_: &Frame| Ok(())));
    let mut nl = Netlink::in_netns(format!("/run/netns/{}", ns.name())).unwrap();
    let idx = nl.link_index(&name).unwrap();

    nl.set_mtu(idx, 9000).unwrap();
    let mac = MacAddr::new(0x02, 0x11, 0x22, 0x33, 0x44, 0x55);
    nl.set_mac(idx, mac).unwrap();
    nl.set_link_up(idx).unwrap();
    let info = nl.link(idx).unwrap();
    assert_eq!((info.mtu, info.mac, info.up), (9000, Some(mac), true));
    assert_eq!(info.name, name);
    let link = ip_out(&ns, &["-o", "link", "show", "dev", &name]);
    assert!(link.contains("mtu 9000"), "{link}");
    assert!(link.contains("link/ether 02:11:22:33:44:55"), "{link}");
    assert!(link.contains(",UP"), "{link}");

    nl.add_address(idx, "10.83.0.1/24".parse().unwrap())
        .unwrap();
    nl.add_address_no_dad(idx, "fd83::1/64".parse().unwrap())
        .unwrap();
    let addrs = ip_out(&ns, &["-o", "addr", "show", "dev", &name]);
    assert!(
        addrs.contains("inet 10.83.0.1/24 brd 10.83.0.255"),
        "{addrs}"
    );
    assert!(addrs.contains("inet6 fd83::1/64"), "{addrs}");
    // Adding the same address twice is an error the kernel reports (EEXIST).
    let e = nl
        .add_address(idx, "10.83.0.1/24".parse().unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("exists"), "{e}");

    let r4 = Route::via_gateway(
        "10.84.0.0/16".parse().unwrap(),
        "10.83.0.254".parse().unwrap(),
    )
    .metric(7);
    let r6 = Route::via_interface("fd84::/48".parse().unwrap(), idx);
    nl.add_route(&r4).unwrap();
    nl.add_route(&r6).unwrap();
    let routes = ip_out(&ns, &["route", "show", "10.84.0.0/16"]);
    assert!(
        routes.contains(&format!("10.84.0.0/16 via 10.83.0.254 dev {name}"))
            && routes.contains("metric 7"),
        "{routes}"
    );
    let routes6 = ip_out(&ns, &["-6", "route", "show", "fd84::/48"]);
    assert!(
        routes6.contains(&format!("fd84::/48 dev {name}")),
        "{routes6}"
    );
    nl.del_route(&r4).unwrap();
    nl.del_route(&r6).unwrap();
    assert_eq!(ip_out(&ns, &["route", "show", "10.84.0.0/16"]).trim(), "");

    nl.del_address(idx, "10.83.0.1/24".parse().unwrap())
        .unwrap();
    let addrs = nl.addresses(idx).unwrap();
    assert!(
        !addrs.contains(&"10.83.0.1/24".parse().unwrap()),
        "{addrs:?}"
    );
    assert!(addrs.contains(&"fd83::1/64".parse().unwrap()), "{addrs:?}");

    nl.set_link_down(idx).unwrap();
    assert!(!nl.link(idx).unwrap().up);
    assert!(nl.link_index("no-such-if0").is_err());
    drop(tap);
}

#[test]
fn persistent_device_with_owner_outlives_its_fd() {
    if !require_root() {
        return;
    }
    let ns = Netns::new("tper").unwrap();
    let name = common::ifname("s");
    let path = format!("/run/netns/{}", ns.name());
    let n2 = name.clone();
    ns.enter_on_thread(move || {
        let tap = TapBuilder::new(&n2)
            .persist(true)
            .owner(65534)
            .group(65534)
            .mode(OpenMode::Create)
            .open()
            .unwrap();
        tap.close().unwrap();
        drop(tap);
    })
    .unwrap();
    // Still there after the last fd closed, owned by nobody:nogroup.
    let owner = ns
        .run(&["cat", &format!("/sys/class/net/{name}/owner")])
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&owner.stdout).trim(), "65534");
    let group = ns
        .run(&["cat", &format!("/sys/class/net/{name}/group")])
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&group.stdout).trim(), "65534");
    // Reattach to it, then make it go away with our Netlink.
    let n3 = name.clone();
    ns.enter_on_thread(move || {
        let tap = TapBuilder::new(&n3)
            .mode(OpenMode::Existing)
            .persist(false)
            .open()
            .unwrap();
        assert_eq!(tap.name(), n3);
    })
    .unwrap();
    let mut nl = Netlink::in_netns(&path).unwrap();
    // Gone with its last fd. The kernel may finish that release after the
    // close returns (a file's last reference dropped while its thread exits
    // is released from a workqueue), so allow it a moment.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while nl.link_index(&name).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "non-persistent now: gone with its fd (still there after 5 s)"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }

    // A persistent one deleted explicitly.
    let n4 = name.clone();
    ns.enter_on_thread(move || {
        TapBuilder::new(&n4).persist(true).open().unwrap();
    })
    .unwrap();
    let idx = nl.link_index(&name).unwrap();
    nl.delete_link(idx).unwrap();
    assert!(nl.link_index(&name).is_err());
}

#[test]
fn deleting_the_interface_fires_done() {
    if !require_root() {
        return;
    }
    let ns = Netns::new("tdone").unwrap();
    let name = common::ifname("d");
    let tap = ns
        .enter_on_thread({
            let name = name.clone();
            move || TapBuilder::new(&name).queues(2).open().unwrap()
        })
        .unwrap();
    let done = tap.done().unwrap();
    assert!(!done.is_done());
    let mut nl = Netlink::in_netns(format!("/run/netns/{}", ns.name())).unwrap();
    let idx = nl.link_index(&name).unwrap();
    nl.delete_link(idx).unwrap();
    assert!(
        done.wait_timeout(std::time::Duration::from_secs(5)),
        "readers noticed the interface is gone"
    );
    assert!(tap.send(Frame::parse(&[0u8; 60]).unwrap()).is_err());
    tap.close().unwrap();
}
