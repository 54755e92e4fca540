//! `cargo xtask layering`: crates depend strictly downward.
//!
//! The table below is the one `docs/CONVENTIONS.md` describes. A crate's
//! normal and build dependencies on workspace crates must be of a strictly
//! lower layer; dev-dependencies are free. Tooling crates have no layer and
//! may be only dev-dependencies of layered crates. A workspace crate missing
//! from the table fails the check, so every new crate gets placed.
//!
//! Not for third-party dependencies (`deny.toml` governs those).

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use xshell::{Shell, cmd};

/// Every layered crate and its layer (0 wire … 4 product).
pub(crate) const LAYERS: &[(&str, u8)] = &[
    ("pktkit-wire", 0),
    ("pktkit-core", 1),
    // backends
    ("pktkit-tuntap", 2),
    ("pktkit-afpacket", 2),
    ("pktkit-afxdp", 2),
    ("pktkit-virtio", 2),
    ("pktkit-qemu", 2),
    ("pktkit-vxlan", 2),
    // engines
    ("pktkit-tcp", 2),
    ("pktkit-dhcp", 2),
    ("pktkit-nat", 2),
    // services
    ("pktkit-stack", 3),
    ("pktkit-slirp", 3),
    ("pktkit-wg", 3),
    ("pktkit-ovpn", 3),
    // product
    ("pktkit", 4),
    ("pktkit-cli", 4),
];

/// Crates with no layer: only dev-dependencies of layered crates.
pub(crate) const TOOLING: &[&str] = &["xtask", "pktkit-benches", "pktkit-testkit"];

/// How a crate depends on another.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum DepKind {
    Normal,
    Build,
    Dev,
}

/// A workspace crate and its dependencies on other workspace crates.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct CrateDeps {
    pub(crate) name: String,
    pub(crate) deps: Vec<(String, DepKind)>,
}

pub(crate) fn run(sh: &Shell) -> Result<()> {
    let metadata = cmd!(sh, "cargo metadata --format-version 1 --no-deps")
        .quiet()
        .read()?;
    let crates = workspace_crates(&metadata)?;
    let errors = check(&crates);
    if !errors.is_empty() {
        bail!(
            "layering violations (see docs/CONVENTIONS.md, table in xtask/src/layering.rs):\n  {}",
            errors.join("\n  ")
        );
    }
    println!(
        "layering: {} workspace crates respect the layers",
        crates.len()
    );
    Ok(())
}

/// The workspace crates of `cargo metadata --no-deps` output, with their
/// dependencies on each other (path dependencies on workspace members; a
/// crates.io package that shares a name, like the `pktkit` 0.1 peer, is not one).
pub(crate) fn workspace_crates(metadata_json: &str) -> Result<Vec<CrateDeps>> {
    let metadata: Value = serde_json::from_str(metadata_json).context("parsing cargo metadata")?;
    let packages = metadata["packages"]
        .as_array()
        .context("cargo metadata has no packages")?;
    let members: Vec<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let mut crates = Vec::new();
    for package in packages {
        let name = package["name"].as_str().context("package without a name")?;
        let mut deps = Vec::new();
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            let dep_name = dep["name"].as_str().context("dependency without a name")?;
            let is_path = dep["source"].is_null() && dep["path"].is_string();
            if !is_path || !members.contains(&dep_name) {
                continue;
            }
            let kind = match dep["kind"].as_str() {
                None => DepKind::Normal,
                Some("build") => DepKind::Build,
                Some("dev") => DepKind::Dev,
                Some(other) => bail!("{name}: unknown dependency kind `{other}`"),
            };
            deps.push((dep_name.to_owned(), kind));
        }
        crates.push(CrateDeps {
            name: name.to_owned(),
            deps,
        });
    }
    Ok(crates)
}

/// Every violation of the layering rules, as readable sentences.
pub(crate) fn check(crates: &[CrateDeps]) -> Vec<String> {
    let layers: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let mut errors = Vec::new();
    for krate in crates {
        let name = krate.name.as_str();
        let own = layers.get(name).copied();
        if own.is_none() && !TOOLING.contains(&name) {
            errors.push(format!(
                "{name} has no layer: add it to LAYERS (or TOOLING) in xtask/src/layering.rs \
                 and to docs/CONVENTIONS.md"
            ));
            continue;
        }
        let Some(own) = own else {
            continue; // tooling may depend on anything
        };
        for (dep, kind) in &krate.deps {
            if *kind == DepKind::Dev {
                continue;
            }
            match layers.get(dep.as_str()) {
                Some(&theirs) if theirs < own => {}
                Some(&theirs) => errors.push(format!(
                    "{name} (layer {own}) has a {kind:?} dependency on {dep} (layer {theirs}): \
                     only strictly lower layers are allowed"
                )),
                None if TOOLING.contains(&dep.as_str()) => errors.push(format!(
                    "{name} has a {kind:?} dependency on tooling crate {dep}: \
                     tooling may only be a dev-dependency"
                )),
                // An unplaced crate is reported on its own.
                None => {}
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn krate(name: &str, deps: &[(&str, DepKind)]) -> CrateDeps {
        CrateDeps {
            name: name.to_owned(),
            deps: deps.iter().map(|&(d, k)| (d.to_owned(), k)).collect(),
        }
    }

    #[test]
    fn downward_dependencies_pass() {
        let crates = [
            krate("pktkit-wire", &[]),
            krate("pktkit-core", &[("pktkit-wire", DepKind::Normal)]),
            krate(
                "pktkit-dhcp",
                &[
                    ("pktkit-wire", DepKind::Normal),
                    ("pktkit-core", DepKind::Build),
                ],
            ),
            krate("pktkit-cli", &[("pktkit-stack", DepKind::Normal)]),
            krate("pktkit", &[("pktkit-dhcp", DepKind::Normal)]),
        ];
        assert_eq!(check(&crates), Vec::<String>::new());
    }

    #[test]
    fn same_layer_and_upward_dependencies_fail() {
        let crates = [
            krate("pktkit-tcp", &[("pktkit-tuntap", DepKind::Normal)]),
            krate("pktkit-wire", &[("pktkit-core", DepKind::Build)]),
            // Layer 4 is one layer too: the CLI uses the services, not the facade.
            krate("pktkit-cli", &[("pktkit", DepKind::Normal)]),
        ];
        let errors = check(&crates);
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(
            errors[0].contains("pktkit-tcp (layer 2)")
                && errors[0].contains("pktkit-tuntap (layer 2)")
        );
        assert!(errors[1].contains("Build dependency on pktkit-core (layer 1)"));
    }

    #[test]
    fn dev_dependencies_are_free() {
        let crates = [krate(
            "pktkit-tcp",
            &[
                ("pktkit-tuntap", DepKind::Dev),
                ("pktkit-testkit", DepKind::Dev),
                ("pktkit-stack", DepKind::Dev),
            ],
        )];
        assert_eq!(check(&crates), Vec::<String>::new());
    }

    #[test]
    fn tooling_only_as_dev_dependency() {
        let crates = [
            krate("pktkit-core", &[("pktkit-testkit", DepKind::Normal)]),
            // Tooling itself may depend on anything.
            krate("pktkit-benches", &[("pktkit", DepKind::Normal)]),
            krate("pktkit-testkit", &[]),
        ];
        let errors = check(&crates);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].contains("tooling crate pktkit-testkit"));
    }

    #[test]
    fn unplaced_crates_fail() {
        let errors = check(&[krate("pktkit-quic", &[("pktkit-wire", DepKind::Normal)])]);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("pktkit-quic has no layer"));
    }

    #[test]
    fn reads_cargo_metadata_and_ignores_registry_namesakes() {
        // Trimmed `cargo metadata --no-deps` output: the facade `pktkit` is a
        // member, and pktkit-benches also depends on crates.io's `pktkit` 0.1.
        let json = r#"{"packages": [
            {"name": "pktkit", "dependencies": [
                {"name": "pktkit-wire", "source": null, "kind": null, "path": "/w/crates/pktkit-wire"}]},
            {"name": "pktkit-wire", "dependencies": [
                {"name": "ref-cast", "source": "registry+https://github.com/rust-lang/crates.io-index", "kind": null},
                {"name": "pktkit-testkit", "source": null, "kind": "dev", "path": "/w/crates/pktkit-testkit"}]},
            {"name": "pktkit-testkit", "dependencies": []},
            {"name": "pktkit-benches", "dependencies": [
                {"name": "pktkit", "source": "registry+https://github.com/rust-lang/crates.io-index", "kind": null, "rename": "pktkit-peer"},
                {"name": "pktkit-wire", "source": null, "kind": "build", "path": "/w/crates/pktkit-wire"}]}
        ]}"#;
        let crates = workspace_crates(json).unwrap();
        assert_eq!(
            crates,
            vec![
                krate("pktkit", &[("pktkit-wire", DepKind::Normal)]),
                krate("pktkit-wire", &[("pktkit-testkit", DepKind::Dev)]),
                krate("pktkit-testkit", &[]),
                krate("pktkit-benches", &[("pktkit-wire", DepKind::Build)]),
            ]
        );
        assert_eq!(check(&crates), Vec::<String>::new());
    }
}
