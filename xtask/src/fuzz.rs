//! `cargo xtask fuzz [TARGET] [--seconds N]`: runs cargo-fuzz targets for a
//! bounded time each.
//!
//! Targets are the `[[bin]]`s of `fuzz/Cargo.toml`. All of them are built once,
//! then each runs over a working corpus in `target/fuzz-corpus/<target>/`
//! (never committed) seeded from `fuzz/seeds/<target>/` (committed, read
//! only). cargo-fuzz needs nightly flags; `RUSTC_BOOTSTRAP=1` lets the stable
//! toolchain accept them. Crashes land in `fuzz/artifacts/<target>/`.
//!
//! Not for long fuzzing campaigns: use `cargo fuzz run` directly for those.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use crate::install;

/// Default seconds per target.
const DEFAULT_SECONDS: u64 = 5;

/// The sanitizer the targets are built with (cargo-fuzz `--sanitizer`).
const SANITIZER: &str = "address";

pub(crate) fn run(sh: &Shell, args: &[String]) -> Result<()> {
    let mut target = None;
    let mut seconds = DEFAULT_SECONDS;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                let value = args.next().context("--seconds needs a number")?;
                seconds = value
                    .parse()
                    .with_context(|| format!("--seconds {value}: not a whole number"))?;
            }
            flag if flag.starts_with('-') => bail!("unknown flag `{flag}`"),
            name if target.is_none() => target = Some(name.to_owned()),
            extra => bail!("unexpected argument `{extra}`"),
        }
    }
    run_targets(sh, target.as_deref(), seconds)
}

/// Builds all targets, then runs `only` (or every target) for `seconds` each.
pub(crate) fn run_targets(sh: &Shell, only: Option<&str>, seconds: u64) -> Result<()> {
    let manifest = sh.read_file("fuzz/Cargo.toml")?;
    let all = targets(&manifest)?;
    let selected: Vec<&str> = match only {
        Some(name) if all.iter().any(|t| t == name) => vec![name],
        Some(name) => bail!("no fuzz target `{name}`; targets: {}", all.join(", ")),
        None => all.iter().map(String::as_str).collect(),
    };
    if selected.is_empty() {
        bail!("fuzz/Cargo.toml declares no [[bin]] targets");
    }
    for target in &selected {
        let seeds = Path::new("fuzz/seeds").join(target);
        if !sh.path_exists(&seeds) {
            bail!(
                "fuzz target `{target}` has no seed folder {}",
                seeds.display()
            );
        }
    }
    install::cargo_tool(sh, "cargo-fuzz", "fuzz")?;

    let _bootstrap = sh.push_env("RUSTC_BOOTSTRAP", "1");
    let target_dir = crate::target_dir().join("fuzz");
    let target_dir = target_dir.to_str().context("target dir is not UTF-8")?;
    let sanitizer = SANITIZER;
    let build_only = only.map(|t| vec![t]).unwrap_or_default();
    cmd!(
        sh,
        "cargo fuzz build --fuzz-dir fuzz --sanitizer {sanitizer} --target-dir {target_dir} {build_only...}"
    )
    .run()
    .context("building the fuzz targets")?;

    let mut results = Vec::new();
    for target in selected {
        let corpus = crate::target_dir().join("fuzz-corpus").join(target);
        sh.create_dir(&corpus)?;
        let seeds = crate::project_root().join("fuzz/seeds").join(target);
        let max_time = format!("-max_total_time={seconds}");
        println!("fuzz: {target} for {seconds} s");
        let t = Instant::now();
        let output = cmd!(
            sh,
            "cargo fuzz run --fuzz-dir fuzz --sanitizer {sanitizer} --target-dir {target_dir}
             {target} {corpus} {seeds} -- {max_time} -timeout=20 -print_final_stats=1"
        )
        .ignore_status()
        .output()?;
        let secs = t.elapsed().as_secs_f64();
        let log = String::from_utf8_lossy(&output.stderr);
        let runs = executed_runs(&log);
        if !output.status.success() {
            eprintln!("{}", tail(&log, 60));
        }
        results.push((target, output.status.success(), runs, secs));
    }

    println!("\nfuzz summary\n| target | status | runs | seconds |\n|---|---|---:|---:|");
    for (target, ok, runs, secs) in &results {
        let status = if *ok { "ok" } else { "CRASHED" };
        let runs = runs.map_or_else(|| "?".to_owned(), |n| n.to_string());
        println!("| {target} | {status} | {runs} | {secs:.1} |");
    }
    let crashed: Vec<&str> = results.iter().filter(|r| !r.1).map(|r| r.0).collect();
    if !crashed.is_empty() {
        bail!(
            "fuzz targets failed: {} (inputs saved in fuzz/artifacts/<target>/)",
            crashed.join(", ")
        );
    }
    Ok(())
}

/// The `[[bin]]` names of a cargo-fuzz manifest, in file order.
pub(crate) fn targets(manifest: &str) -> Result<Vec<String>> {
    let manifest: toml::Table = manifest.parse().context("parsing fuzz/Cargo.toml")?;
    let bins = match manifest.get("bin") {
        None => return Ok(Vec::new()),
        Some(bins) => bins.as_array().context("[[bin]] is not an array")?,
    };
    bins.iter()
        .map(|bin| {
            bin.get("name")
                .and_then(toml::Value::as_str)
                .map(str::to_owned)
                .context("a [[bin]] without a name")
        })
        .collect()
}

/// libFuzzer's `stat::number_of_executed_units:` line (`-print_final_stats`,
/// also printed after a crash) or its `Done N runs` line.
fn executed_runs(log: &str) -> Option<u64> {
    log.lines().rev().find_map(|line| {
        if let Some(n) = line.strip_prefix("stat::number_of_executed_units:") {
            return n.trim().parse().ok();
        }
        let rest = line.strip_prefix("Done ")?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

fn tail(log: &str, lines: usize) -> String {
    let all: Vec<&str> = log.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_bin_targets_in_order() {
        let manifest = r#"
            [package]
            name = "pktkit-fuzz"
            [package.metadata]
            cargo-fuzz = true
            [[bin]]
            name = "frame"
            path = "fuzz_targets/frame.rs"
            [[bin]]
            name = "packet"
            path = "fuzz_targets/packet.rs"
        "#;
        assert_eq!(targets(manifest).unwrap(), ["frame", "packet"]);
        assert!(targets("[package]\nname = \"x\"").unwrap().is_empty());
        assert!(targets("[[bin]]\npath = \"x.rs\"").is_err());
    }

    #[test]
    fn reads_libfuzzer_run_counts() {
        let log = "#2\tINITED cov: 10\nDone 123456 runs in 5 second(s)\n";
        assert_eq!(executed_runs(log), Some(123_456));
        let stats = "Done 9 runs in 1 second(s)\nstat::number_of_executed_units: 777\nstat::peak_rss_mb: 40\n";
        assert_eq!(executed_runs(stats), Some(777));
        // A crash: libFuzzer prints its final stats but no `Done` line.
        let crash = "==1== ERROR: libFuzzer: deadly signal\nstat::number_of_executed_units: 4242\nstat::average_exec_per_sec:     1000\n";
        assert_eq!(executed_runs(crash), Some(4242));
        assert_eq!(executed_runs("==1==ERROR: AddressSanitizer"), None);
    }
}
