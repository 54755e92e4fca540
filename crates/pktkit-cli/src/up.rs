//! `pktkit up` in the binary: loads the configuration, turns SIGINT/SIGTERM
//! and `--exit-after` into the stop signal, and runs [`pktkit_cli::runner::up`].

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use nix::sys::signal::{SigSet, Signal};
use pktkit_cli::config::{Config, DEFAULT_CONFIG};
use pktkit_cli::runner::{UpOptions, up};
use pktkit_core::Done;

pub(crate) fn run(
    config: Option<PathBuf>,
    stats: bool,
    exit_after: Option<u64>,
) -> anyhow::Result<ExitCode> {
    let cfg = match &config {
        Some(p) => Config::load(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
        None => Config::parse(DEFAULT_CONFIG)
            .map_err(|e| anyhow::anyhow!("built-in default configuration: {e}"))?,
    };
    let stop = Done::new();
    // Blocked here, before any thread starts, so every thread inherits the
    // mask and only the waiter below takes the signals.
    let mut signals = SigSet::empty();
    signals.add(Signal::SIGINT);
    signals.add(Signal::SIGTERM);
    signals.thread_block().context("blocking SIGINT/SIGTERM")?;
    {
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("pktkit-signals".into())
            .spawn(move || {
                if let Ok(sig) = signals.wait() {
                    tracing::info!(signal = ?sig, "stopping");
                }
                stop.fire();
            })?;
    }
    if let Some(secs) = exit_after {
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("pktkit-exit-after".into())
            .spawn(move || {
                if !stop.wait_timeout(Duration::from_secs(secs)) {
                    tracing::info!(secs, "--exit-after reached; stopping");
                    stop.fire();
                }
            })?;
    }
    let opts = UpOptions {
        status_every: if stats {
            Duration::from_secs(2)
        } else {
            Duration::from_secs(60)
        },
    };
    let stdout = std::io::stdout();
    up(&cfg, opts, &stop, &mut stdout.lock())?;
    Ok(ExitCode::SUCCESS)
}
