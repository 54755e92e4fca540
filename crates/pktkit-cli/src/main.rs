//! `pktkit`: the pktkit command-line tool. See the `pktkit_cli` library for what each command does.
#![forbid(unsafe_code)]

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

mod up;

/// Tools for pktkit virtual networks.
#[derive(Parser, Debug)]
#[command(name = "pktkit", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Decode a pcap or pcapng file: one line per packet.
    Decode {
        /// The capture file.
        file: PathBuf,
        /// Print one JSON object per packet instead of a summary line.
        #[arg(long)]
        json: bool,
    },
    /// Run virtual switches (QEMU sockets, DHCP, gateway) from a config file,
    /// or the built-in default: one switch `lan` on 10.0.2.0/24.
    Up {
        /// The configuration (TOML); without it, the built-in default.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print a status line every 2 seconds (otherwise every minute).
        #[arg(long)]
        stats: bool,
        /// Stop after this many seconds (for tests and scripts).
        #[arg(long, value_name = "SECONDS")]
        exit_after: Option<u64>,
    },
    /// Check a configuration file; errors name the line and key.
    Check {
        /// The configuration (TOML).
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("pktkit: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Up {
            config,
            stats,
            exit_after,
        } => up::run(config, stats, exit_after),
        Command::Check { file } => match pktkit_cli::config::Config::load(&file) {
            Ok(c) => {
                println!(
                    "{}: ok ({} switch{})",
                    file.display(),
                    c.switches.len(),
                    if c.switches.len() == 1 { "" } else { "es" }
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("pktkit: {}: {e}", file.display());
                Ok(ExitCode::FAILURE)
            }
        },
        Command::Decode { file, json } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            tracing::debug!(bytes = bytes.len(), file = %file.display(), "decoding");
            let stdout = io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            let report = pktkit_cli::decode_file(&bytes, json, &mut out)?;
            out.flush()?;
            match report.error {
                None => Ok(ExitCode::SUCCESS),
                Some(e) if e.record.is_none() && e.error == pktkit_wire::WireError::BadVersion => {
                    eprintln!(
                        "pktkit: {}: not a pcap or pcapng file ({e})",
                        file.display()
                    );
                    Ok(ExitCode::FAILURE)
                }
                Some(e) => {
                    eprintln!(
                        "pktkit: {}: {} packets decoded, then {e}",
                        file.display(),
                        report.packets
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
