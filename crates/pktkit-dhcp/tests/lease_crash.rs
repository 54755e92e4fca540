//! Crash safety of the lease file: a writer killed with SIGKILL in the middle
//! of a storm of saves never leaves a file that fails to load.
//!
//! The test re-runs its own binary as the writer (`lease_storm_child`, which
//! does nothing unless `PKTKIT_DHCP_LEASE_STORM` names a file).

use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::time::Duration;

use pktkit_dhcp::store::{LeaseStore, PersistedLease};
use pktkit_wire::MacAddr;

const ENV: &str = "PKTKIT_DHCP_LEASE_STORM";

/// Generation `g`: `g % 200 + 1` leases, each with expiry `g` (so a file
/// mixing two saves would show).
fn generation(g: u64) -> Vec<PersistedLease> {
    (0..g % 200 + 1)
        .map(|i| PersistedLease {
            address: Ipv4Addr::from(0x0a00_0000 + i as u32),
            mac: MacAddr::from_u64(0x0200_0000_0000 + i),
            client_id: (i % 2 == 0).then(|| vec![1, i as u8, 0xaa, 0xbb]),
            expires_unix: g,
        })
        .collect()
}

#[test]
fn lease_storm_child() {
    let Ok(path) = std::env::var(ENV) else { return };
    let store = LeaseStore::new(path);
    for g in 1.. {
        store.save(&generation(g)).expect("save");
    }
}

/// Removes the test's directory, also when an assertion fails.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn killed_writer_never_leaves_a_corrupt_file() {
    let dir =
        TempDir(std::env::temp_dir().join(format!("pktkit-dhcp-crash-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).unwrap();
    let path = dir.0.join("leases");
    let exe = std::env::current_exe().unwrap();
    let mut last = 0;
    for round in 0..8u64 {
        let mut child = Command::new(&exe)
            .args(["--exact", "lease_storm_child", "--test-threads=1"])
            .env(ENV, &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Let it write a while (varying, so the kill lands at different points).
        std::thread::sleep(Duration::from_millis(150 + 37 * round));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let leases = LeaseStore::new(&path)
            .load()
            .expect("file loads after kill -9");
        assert!(
            !leases.is_empty(),
            "round {round}: the writer got no save done"
        );
        let g = leases[0].expires_unix;
        assert_eq!(leases, generation(g), "round {round}: a whole generation");
        last = g;
    }
    assert!(last > 1);
}
