//! # pktkit-testkit — shared helpers for pktkit's tests (dev-dependency only)
//!
//! What every crate's integration tests need and none should write twice:
//!
//! * [`require_root`] / [`require_tool`] — gates for tests that need
//!   privileges or a real peer program. Outside CI they print a loud
//!   `SKIPPED (...)` line and return `false`; under `CI=true` or
//!   `PKTKIT_REQUIRE_PRIVILEGED=1` they panic, so CI never passes a test that
//!   did not run.
//! * [`replay_seeds`] — runs a fuzz target over its committed seed corpus
//!   (`fuzz/seeds/<target>/`) as an ordinary `cargo test`.
//! * [`Netns`] — a uniquely named network namespace that is deleted on drop,
//!   with helpers to run commands in it ([`Netns::run`]), start peers in it
//!   ([`Netns::spawn`], returning a [`ChildGuard`] that kills on drop), wire
//!   namespaces together ([`veth_pair`]) and run Rust code inside it
//!   ([`Netns::enter_on_thread`], e.g. to open `/dev/net/tun` there).
//! * [`GuestImage`] / [`Guest`] — a tiny Linux guest for QEMU tests (Debian
//!   kernel, busybox initramfs running `udhcpc` and `ping`), built once under
//!   `target/guest/`, booted under TCG, its serial console read by tests.
//!
//! This crate is tooling: it has no layer, is never published and may only be
//! a `dev-dependency` of the layered crates (`cargo xtask ci` checks that).
//!
//! ```no_run
//! use pktkit_testkit::{Netns, require_root};
//!
//! if !require_root() {
//!     return;
//! }
//! let ns = Netns::new("demo").unwrap();
//! let out = ns.run(&["ip", "-o", "link", "show", "lo"]).unwrap();
//! assert!(String::from_utf8_lossy(&out.stdout).contains("UP"));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs, unreachable_pub)]

mod child;
mod guest;
mod netns;
mod require;
mod seeds;

pub use child::ChildGuard;
pub use guest::{Guest, GuestImage, GuestParams};
pub use netns::{Netns, veth_pair};
pub use require::{require_root, require_tool, strict_mode};
pub use seeds::{replay_seeds, replay_seeds_in, workspace_root};
