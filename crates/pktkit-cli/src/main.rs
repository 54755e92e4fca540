//! `pktkit`: the pktkit command-line tool. See the `pktkit_cli` library for what each command does.
#![forbid(unsafe_code)]

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

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
