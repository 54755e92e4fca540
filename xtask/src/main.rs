//! pktkit's project automation, in the rust-analyzer `xtask` style.
//!
//! `cargo xtask <task>` (aliased in `.cargo/config.toml`) dispatches to one
//! module per task. Each task is a plain function over an [`xshell::Shell`]
//! whose working directory is the workspace root.
//!
//! Not for anything a library user needs: this crate is tooling, has no
//! layer and is never published.

mod bench;
mod ci;
mod fuzz;
mod guest;
mod install;
mod layering;

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use xshell::Shell;

const HELP: &str = "\
cargo xtask <task>

tasks:
  ci [--skip STEP]... [--only STEP]... [--keep-going]
                                         run the CI steps (`ci --list` lists them)
  fuzz [TARGET] [--seconds N]            run fuzz targets (default: all, 5 s each)
  bench [FILTER]                         run criterion benches, print pktkit vs peers
  guest [--force]                        build the QEMU test guest into target/guest/
  layering                               check crate layering (docs/CONVENTIONS.md)
  install                                install missing Debian packages and cargo tools
";

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let sh = Shell::new()?;
    sh.change_dir(project_root());
    match task.as_str() {
        "ci" => ci::run(&sh, &rest),
        "fuzz" => fuzz::run(&sh, &rest),
        "bench" => bench::run(&sh, &rest),
        "guest" => guest::run(&sh, &rest),
        "layering" => no_args(&rest).and_then(|()| layering::run(&sh)),
        "install" => no_args(&rest).and_then(|()| install::run(&sh)),
        "" | "help" | "-h" | "--help" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown task `{other}`\n\n{HELP}"),
    }
}

fn no_args(rest: &[String]) -> Result<()> {
    if let Some(arg) = rest.first() {
        bail!("unexpected argument `{arg}`\n\n{HELP}");
    }
    Ok(())
}

/// The workspace root (the folder above `xtask/`).
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ lives inside the workspace root")
        .to_path_buf()
}

/// Cargo's target directory as the build scripts will use it.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| project_root().join(dir))
        .unwrap_or_else(|| project_root().join("target"))
}
