//! Gates for tests that need root or a real peer program.
//!
//! Not for deciding *how* a test runs: a gate only answers "may this test
//! run here?", loudly.

use std::env;
use std::path::{Path, PathBuf};

/// True when a missing precondition must fail the test instead of skipping it:
/// under `CI=true` (or `CI=1`) or `PKTKIT_REQUIRE_PRIVILEGED=1`.
pub fn strict_mode() -> bool {
    let ci = env::var("CI").map(|v| v.eq_ignore_ascii_case("true") || v == "1");
    let forced = env::var("PKTKIT_REQUIRE_PRIVILEGED").map(|v| v == "1");
    ci.unwrap_or(false) || forced.unwrap_or(false)
}

/// Returns `true` when the test runs as root (effective uid 0).
///
/// Otherwise prints `SKIPPED (needs root)` to stderr and returns `false`, or
/// panics in [`strict_mode`]. Use as `if !require_root() { return; }`.
pub fn require_root() -> bool {
    gate(
        nix::unistd::geteuid().is_root(),
        strict_mode(),
        "needs root (run the tests as root, e.g. `sudo -E cargo test`)",
    )
}

/// Returns `true` when the program `name` is found on `PATH`.
///
/// Otherwise prints `SKIPPED (needs NAME)` to stderr and returns `false`, or
/// panics in [`strict_mode`]. `cargo xtask ci` installs the Debian packages
/// that provide the peers. Use as `if !require_tool("udhcpc") { return; }`.
pub fn require_tool(name: &str) -> bool {
    let path = env::var_os("PATH").unwrap_or_default();
    let found = find_in_path(name, env::split_paths(&path)).is_some();
    gate(
        found,
        strict_mode(),
        &format!("needs `{name}` on PATH (`cargo xtask ci` installs it)"),
    )
}

/// The first executable called `name` in `dirs`.
pub(crate) fn find_in_path(name: &str, dirs: impl IntoIterator<Item = PathBuf>) -> Option<PathBuf> {
    if name.contains('/') {
        return is_executable(Path::new(name)).then(|| PathBuf::from(name));
    }
    dirs.into_iter()
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The decision shared by every gate: run, skip loudly, or panic.
pub(crate) fn gate(present: bool, strict: bool, reason: &str) -> bool {
    if present {
        return true;
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_owned();
    if strict {
        panic!("{test}: {reason}; refusing to skip because CI=true or PKTKIT_REQUIRE_PRIVILEGED=1");
    }
    eprintln!("\n*** SKIPPED ({reason}): {test} did not run ***\n");
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn present_precondition_runs() {
        assert!(gate(true, false, "x"));
        assert!(gate(true, true, "x"));
    }

    #[test]
    fn missing_precondition_skips_outside_ci() {
        assert!(!gate(false, false, "needs nothing"));
    }

    #[test]
    #[should_panic(expected = "refusing to skip")]
    fn missing_precondition_panics_in_ci() {
        gate(false, true, "needs a unicorn");
    }

    #[test]
    fn finds_sh_and_not_a_made_up_tool() {
        let dirs = || vec![PathBuf::from("/usr/bin"), PathBuf::from("/bin")];
        assert!(find_in_path("sh", dirs()).is_some());
        assert!(find_in_path("pktkit-no-such-tool-4711", dirs()).is_none());
        assert_eq!(
            find_in_path("/bin/sh", Vec::new()),
            Some(PathBuf::from("/bin/sh"))
        );
        // A directory or a non-executable file is not a tool.
        assert!(find_in_path("/etc", Vec::new()).is_none());
        assert!(find_in_path("/etc/passwd", Vec::new()).is_none());
    }

    #[test]
    fn require_tool_finds_a_tool_every_machine_has() {
        assert!(require_tool("sh"));
    }
}
