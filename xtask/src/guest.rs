//! `cargo xtask guest [--force]`: builds the tiny QEMU test guest (Debian
//! kernel + busybox initramfs) into `target/guest/`.
//!
//! The builder itself lives in `pktkit_testkit::GuestImage`, so tests that
//! boot the guest build it the same way when it is missing; this task is for
//! building it ahead of a test run (CI) or rebuilding it (`--force`). Not for
//! booting it: tests do that with `pktkit_testkit::Guest`.

use anyhow::{Context, Result, bail};
use pktkit_testkit::GuestImage;
use xshell::Shell;

/// Builds the guest image unless cached (or with `--force`), prints its paths.
pub(crate) fn run(_sh: &Shell, args: &[String]) -> Result<()> {
    let mut force = false;
    for a in args {
        match a.as_str() {
            "--force" => force = true,
            other => bail!("unexpected argument `{other}` (usage: cargo xtask guest [--force])"),
        }
    }
    let img = GuestImage::build(force).context("building the QEMU test guest")?;
    println!("kernel: {}", img.kernel.display());
    println!("initrd: {}", img.initrd.display());
    println!(
        "boot:   qemu-system-x86_64 -accel tcg -m 256 -nographic -no-reboot -kernel {} -initrd {} \
         -append 'console=ttyS0 quiet panic=-1 pktkit.ping=10.0.2.2' \
         -netdev user,id=n0 -device virtio-net-pci,netdev=n0",
        img.kernel.display(),
        img.initrd.display()
    );
    Ok(())
}
