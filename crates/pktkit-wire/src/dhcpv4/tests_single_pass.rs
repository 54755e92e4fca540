//! Differential property tests: the slice validators of options 119/121
//! against the walks they stand for, and the single pass of `single_pass.rs` against
//! the general path of `parse.rs`, on random messages that mix well-formed
//! and malformed typed options, repeated codes (RFC 3396 splits), option
//! overload (52) with options in `file`/`sname`, PAD, END, trailing bytes and
//! truncation.
//!
//! Whenever the single pass accepts a message, the general path gives the
//! same repr, borrowing the same bytes; whenever the general path accepts a
//! message without overload or a repeated typed code, the single pass
//! accepts it too (so the fast path is not quietly skipped); and
//! [`DhcpRepr::parse`] always answers as the general path does.

use core::net::Ipv4Addr;
use std::vec::Vec;

use proptest::prelude::*;

use super::classless_routes::routes_are_valid;
use super::domain_search::search_list_is_valid;
use super::repr::{TYPED, is_typed};
use super::{
    ClasslessRoute, ClasslessRoutes, DhcpPacket, DhcpRepr, DomainSearch, HEADER_LEN, MAGIC_COOKIE,
    OptionData, RawOptions, encode_classless_routes, encode_domain_search, field, opt,
};

/// One entry of an option area.
#[derive(Debug, Clone)]
enum Item {
    Pad,
    Opt(u8, Vec<u8>),
}

fn encode(items: &[Item], out: &mut Vec<u8>) {
    for i in items {
        match i {
            Item::Pad => out.push(opt::PAD),
            Item::Opt(code, data) => {
                out.push(*code);
                out.push(data.len() as u8);
                out.extend_from_slice(data);
            }
        }
    }
}

fn search_value() -> impl Strategy<Value = Vec<u8>> {
    let name = prop::collection::vec("[a-c]{1,3}", 1..4).prop_map(|l| l.join("."));
    prop::collection::vec(name, 1..4).prop_map(|names| {
        let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
        let mut buf = [0u8; 255];
        let n = encode_domain_search(&names, &mut buf).expect("short names fit");
        buf[..n].to_vec()
    })
}

fn routes_value() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((any::<u32>(), 0u8..=32, any::<u32>()), 1..4).prop_map(|rs| {
        let routes: Vec<ClasslessRoute> = rs
            .iter()
            .map(|&(d, p, g)| ClasslessRoute {
                destination: Ipv4Addr::from_bits(d),
                prefix_len: p,
                router: Ipv4Addr::from_bits(g),
            })
            .collect();
        let mut buf = [0u8; 64];
        let n = encode_classless_routes(&routes, &mut buf).expect("widths are valid");
        buf[..n].to_vec()
    })
}

/// A value that is well-formed for `code`.
fn good_value(code: u8) -> BoxedStrategy<Vec<u8>> {
    match code {
        opt::MESSAGE_TYPE => (1u8..=8).prop_map(|v| std::vec![v]).boxed(),
        opt::SUBNET_MASK
        | opt::BROADCAST_ADDRESS
        | opt::REQUESTED_IP
        | opt::LEASE_TIME
        | opt::SERVER_ID
        | opt::RENEWAL_TIME
        | opt::REBINDING_TIME => any::<[u8; 4]>().prop_map(|v| v.to_vec()).boxed(),
        // Around the floor of 68 as often as above it.
        opt::INTERFACE_MTU => prop_oneof![60u16..76, 68u16..]
            .prop_map(|v| v.to_be_bytes().to_vec())
            .boxed(),
        opt::MAX_MESSAGE_SIZE => any::<u16>().prop_map(|v| v.to_be_bytes().to_vec()).boxed(),
        opt::ROUTER | opt::DNS_SERVERS => prop::collection::vec(any::<[u8; 4]>(), 1..4)
            .prop_map(|v| v.concat())
            .boxed(),
        opt::OVERLOAD => (1u8..=3).prop_map(|v| std::vec![v]).boxed(),
        opt::DOMAIN_SEARCH => search_value().boxed(),
        opt::CLASSLESS_STATIC_ROUTES => routes_value().boxed(),
        _ => prop::collection::vec(any::<u8>(), 0..24).boxed(),
    }
}

/// An option: mostly typed codes (so they repeat now and then), mostly
/// well-formed values.
fn item() -> impl Strategy<Value = Item> {
    let code = prop_oneof![
        4 => prop::sample::select(&TYPED[..]),
        1 => 1u8..=254,
    ];
    prop_oneof![
        1 => Just(Item::Pad),
        12 => code.prop_flat_map(|code| {
            let value = prop_oneof![
                6 => good_value(code),
                1 => prop::collection::vec(any::<u8>(), 0..12),
            ];
            value.prop_map(move |v| Item::Opt(code, v))
        }),
    ]
}

/// `file` or `sname`: zeros, text, or an option area.
fn area(len: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        prop::collection::vec(1u8..=255, 0..len),
        (prop::collection::vec(item(), 0..4), any::<bool>()).prop_map(move |(items, end)| {
            let mut v = Vec::new();
            encode(&items, &mut v);
            if end {
                v.push(opt::END);
            }
            v.truncate(len);
            v
        }),
    ]
}

#[derive(Debug, Clone)]
struct Message {
    header: [u8; 28],
    chaddr: [u8; 16],
    sname: Vec<u8>,
    file: Vec<u8>,
    cookie_ok: bool,
    message_type: Option<u8>,
    items: Vec<Item>,
    end: bool,
    trailer: Vec<u8>,
    cut: Option<prop::sample::Index>,
}

fn message() -> impl Strategy<Value = Message> {
    (
        (any::<[u8; 28]>(), 0u8..=17, any::<[u8; 16]>()),
        (area(64), area(128)),
        (
            prop::bool::weighted(0.95),
            prop::option::weighted(0.9, 1u8..=9),
        ),
        prop::collection::vec(item(), 0..16),
        (any::<bool>(), prop::collection::vec(any::<u8>(), 0..8)),
        prop::option::weighted(0.1, any::<prop::sample::Index>()),
    )
        .prop_map(
            |(
                (mut header, hlen, chaddr),
                (sname, file),
                (cookie_ok, mt),
                items,
                (end, trailer),
                cut,
            )| {
                header[field::HLEN] = hlen;
                Message {
                    header,
                    chaddr,
                    sname,
                    file,
                    cookie_ok,
                    message_type: mt,
                    items,
                    end,
                    trailer,
                    cut,
                }
            },
        )
}

impl Message {
    fn bytes(&self) -> Vec<u8> {
        let mut b = self.header.to_vec();
        b.extend_from_slice(&self.chaddr);
        let mut sname = self.sname.clone();
        sname.resize(64, 0);
        let mut file = self.file.clone();
        file.resize(128, 0);
        b.extend_from_slice(&sname);
        b.extend_from_slice(&file);
        let cookie = if self.cookie_ok {
            MAGIC_COOKIE
        } else {
            0x6382_5364
        };
        b.extend_from_slice(&cookie.to_be_bytes());
        assert_eq!(b.len(), HEADER_LEN);
        if let Some(mt) = self.message_type {
            b.extend_from_slice(&[opt::MESSAGE_TYPE, 1, mt]);
        }
        encode(&self.items, &mut b);
        if self.end {
            b.push(opt::END);
            b.extend_from_slice(&self.trailer);
        }
        if let Some(cut) = self.cut {
            b.truncate(cut.index(b.len() + 1));
        }
        b
    }
}

/// Where an option value lives: the same bytes, not only equal ones.
fn place(d: Option<OptionData<'_>>) -> Option<Option<(usize, usize)>> {
    d.map(|d| d.as_slice().map(|s| (s.as_ptr() as usize, s.len())))
}

fn same_places(a: &DhcpRepr<'_>, b: &DhcpRepr<'_>) -> bool {
    let data = |r: &DhcpRepr<'_>| {
        [
            r.hostname,
            r.domain_name,
            r.parameter_request_list,
            r.message,
            r.client_id,
            r.tftp_server_name,
            r.bootfile_name,
            r.relay_agent_info,
            r.domain_search,
            r.classless_routes,
        ]
        .map(place)
    };
    let other = |r: &DhcpRepr<'_>| -> Vec<(u8, usize, usize)> {
        r.other
            .iter()
            .map(|o| (o.code, o.data.as_ptr() as usize, o.data.len()))
            .collect()
    };
    data(a) == data(b)
        && other(a) == other(b)
        && (a.sname.as_ptr(), a.file.as_ptr()) == (b.sname.as_ptr(), b.file.as_ptr())
}

/// Whether the options field holds option 52 or a typed code twice (before
/// END, as the general path reads it).
fn needs_general_path(bytes: &[u8]) -> bool {
    let mut seen = [false; 256];
    for o in RawOptions::new(bytes.get(HEADER_LEN..).unwrap_or(&[])) {
        let Ok(o) = o else { return true };
        if o.code == opt::OVERLOAD || (is_typed(o.code) && seen[o.code as usize]) {
            return true;
        }
        seen[o.code as usize] = true;
    }
    false
}

/// Bytes that look like option 119 or 121 values: small lengths, pointers
/// (0xc0..), reserved label types and widths over 32 now and then.
fn value_like_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            4 => 0u8..8,
            2 => any::<u8>(),
            1 => 0xc0u8..=0xc1,
            1 => 30u8..=34,
        ],
        0..40,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn slice_validators_agree_with_walks(d in value_like_bytes()) {
        let data = OptionData::from_bytes(&d);
        prop_assert_eq!(
            search_list_is_valid(&d),
            DomainSearch::new(data).all(|n| n.is_ok())
        );
        prop_assert_eq!(
            routes_are_valid(&d),
            ClasslessRoutes::new(data).all(|r| r.is_ok())
        );
    }

    #[test]
    fn single_pass_agrees_with_general_path(m in message()) {
        let bytes = m.bytes();
        let fast = DhcpRepr::parse_single_pass(&bytes);
        let general = match DhcpPacket::new_checked(&bytes[..]) {
            Ok(p) => DhcpRepr::parse_general(&p),
            Err(e) => Err(e),
        };
        let parsed = DhcpPacket::new_checked(&bytes[..]).and_then(|p| DhcpRepr::parse(&p));
        prop_assert_eq!(&parsed, &general);
        if let Ok(f) = &fast {
            let g = general.as_ref().expect("the general path reads what the single pass reads");
            prop_assert_eq!(f, g);
            prop_assert!(same_places(f, g), "same values from different bytes");
        }
        if general.is_ok() && !needs_general_path(&bytes) {
            prop_assert!(fast.is_ok(), "the single pass skipped a common message");
        }
    }
}

/// The hand-made corners the generator reaches only by luck.
#[test]
fn single_pass_corners() {
    let head = {
        let mut h = [0u8; HEADER_LEN];
        h[field::HLEN] = 6;
        h[field::MAGIC].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
        h
    };
    let with = |opts: &[u8]| {
        let mut v = head.to_vec();
        v.extend_from_slice(opts);
        v
    };
    // (options, single pass takes it)
    let cases: [(&[u8], bool); 10] = [
        (&[53, 1, 1, 255], true),
        (&[53, 1, 1], true),                            // no END
        (&[53, 1, 1, 224, 1, 9, 224, 1, 8, 255], true), // an untyped code twice
        (&[53, 1, 1, 12, 1, b'a', 12, 1, b'b'], false), // a typed code twice (RFC 3396)
        (&[53, 1, 1, 53, 1, 1], false),                 // message type twice
        (&[53, 1, 1, 52, 1, 1], false),                 // overload
        (&[53, 1, 1, 26, 2, 0, 67], false),             // MTU below 68
        (&[12, 1, b'a'], false),                        // no message type
        (&[53, 1, 1, 119, 2, 0xc0, 0], false),          // search pointer loop
        (&[53, 1, 1, 121, 1, 33], false),               // route width
    ];
    for (opts, fast) in cases {
        let b = with(opts);
        let single = DhcpRepr::parse_single_pass(&b);
        assert_eq!(single.is_ok(), fast, "{opts:?}");
        let general = DhcpRepr::parse_general(&DhcpPacket::new_checked(&b[..]).unwrap());
        if let Ok(s) = single {
            assert_eq!(Ok(s), general, "{opts:?}");
        }
    }
    let b = with(&[53, 1, 1, 12, 1, b'a', 12, 1, b'b']);
    let r = DhcpRepr::parse(&DhcpPacket::new_checked(&b[..]).unwrap()).unwrap();
    assert!(r.hostname.unwrap().eq_bytes(b"ab"));
}
