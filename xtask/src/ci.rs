//! `cargo xtask ci`: every check CI runs, in one place, each step timed.
//!
//! Not a build system: each step is one or two cargo commands. `.ci/run`
//! runs exactly `cargo xtask ci`; developers run single steps with
//! `--only STEP` and leave slow ones out with `--skip STEP`.
//!
//! Steps stop at the first failure (a broken build makes later steps noise),
//! but the summary table is always printed, with the steps not run marked.
//! `--keep-going` runs every selected step anyway and reports all failures.

use std::time::Instant;

use anyhow::{Result, bail};
use xshell::{Shell, cmd};

use crate::{fuzz, install, layering};

/// One named CI step.
struct Step {
    name: &'static str,
    run: fn(&Shell) -> Result<()>,
}

/// The steps, in the order they run: cheap checks first, then the builds.
const STEPS: &[Step] = &[
    Step {
        name: "install",
        run: install::run,
    },
    Step {
        name: "fmt",
        run: fmt,
    },
    Step {
        name: "layering",
        run: layering::run,
    },
    Step {
        name: "deny",
        run: deny,
    },
    Step {
        name: "clippy",
        run: clippy,
    },
    Step {
        name: "test",
        run: test,
    },
    Step {
        name: "doc",
        run: doc,
    },
    Step {
        name: "bench-smoke",
        run: bench_smoke,
    },
    Step {
        name: "fuzz",
        run: fuzz_smoke,
    },
];

/// Interop and end-to-end steps (real peers, QEMU guests), run after
/// [`STEPS`]. Later work adds its step here, e.g.
/// `Step { name: "interop-dhcp", run: interop_dhcp }` running
/// `cargo test -p pktkit-dhcp --test interop_udhcpc`.
const INTEROP_STEPS: &[Step] = &[];

/// Seconds each fuzz target runs in CI.
const FUZZ_SECONDS: u64 = 5;

/// How a step ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Status {
    Ok,
    Failed,
    Skipped,
    NotRun,
}

pub(crate) fn run(sh: &Shell, args: &[String]) -> Result<()> {
    let selection = Selection::parse(args)?;
    if selection.list {
        for step in all_steps() {
            println!("{}", step.name);
        }
        return Ok(());
    }

    let started = Instant::now();
    let mut results: Vec<(&str, Status, f64)> = Vec::new();
    let mut failures = Vec::new();
    for step in all_steps() {
        if !selection.wants(step.name) {
            results.push((step.name, Status::Skipped, 0.0));
            continue;
        }
        if !failures.is_empty() && !selection.keep_going {
            results.push((step.name, Status::NotRun, 0.0));
            continue;
        }
        println!("\n==> ci step `{}`", step.name);
        let t = Instant::now();
        let outcome = (step.run)(sh);
        let secs = t.elapsed().as_secs_f64();
        println!("<== ci step `{}` took {secs:.1} s", step.name);
        match outcome {
            Ok(()) => results.push((step.name, Status::Ok, secs)),
            Err(e) => {
                eprintln!("ci step `{}` FAILED: {e:#}", step.name);
                results.push((step.name, Status::Failed, secs));
                failures.push(step.name);
            }
        }
    }

    print!("{}", summary(&results, started.elapsed().as_secs_f64()));
    if !failures.is_empty() {
        bail!("ci steps failed: {}", failures.join(", "));
    }
    Ok(())
}

fn all_steps() -> impl Iterator<Item = &'static Step> {
    STEPS.iter().chain(INTEROP_STEPS)
}

/// Which steps to run, from `--only`/`--skip` (both repeatable).
#[derive(Debug, Default, PartialEq, Eq)]
struct Selection {
    only: Vec<String>,
    skip: Vec<String>,
    list: bool,
    keep_going: bool,
}

impl Selection {
    fn parse(args: &[String]) -> Result<Selection> {
        let mut selection = Selection::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let list = match arg.as_str() {
                "--only" => &mut selection.only,
                "--skip" => &mut selection.skip,
                "--list" => {
                    selection.list = true;
                    continue;
                }
                "--keep-going" => {
                    selection.keep_going = true;
                    continue;
                }
                other => bail!(
                    "unknown argument `{other}` (use --only STEP, --skip STEP, --keep-going, --list)"
                ),
            };
            let Some(value) = args.next() else {
                bail!("{arg} needs a step name");
            };
            for name in value.split(',') {
                if !all_steps().any(|step| step.name == name) {
                    let names: Vec<&str> = all_steps().map(|step| step.name).collect();
                    bail!("unknown step `{name}`; steps: {}", names.join(", "));
                }
                list.push(name.to_owned());
            }
        }
        Ok(selection)
    }

    fn wants(&self, name: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|n| n == name))
            && !self.skip.iter().any(|n| n == name)
    }
}

/// The closing table: step, status, seconds; then the total.
fn summary(results: &[(&str, Status, f64)], total: f64) -> String {
    let mut out = String::from("\nci summary\n| step | status | seconds |\n|---|---|---:|\n");
    for &(name, status, secs) in results {
        let (status, secs) = match status {
            Status::Ok => ("ok", format!("{secs:.1}")),
            Status::Failed => ("FAILED", format!("{secs:.1}")),
            Status::Skipped => ("skipped", "-".to_owned()),
            Status::NotRun => ("not run", "-".to_owned()),
        };
        out.push_str(&format!("| {name} | {status} | {secs} |\n"));
    }
    let failed = results.iter().filter(|r| r.1 == Status::Failed).count();
    let ok = results.iter().filter(|r| r.1 == Status::Ok).count();
    out.push_str(&format!(
        "| total | {ok} ok, {failed} failed | {total:.1} |\n"
    ));
    out
}

fn fmt(sh: &Shell) -> Result<()> {
    cmd!(sh, "cargo fmt --all --check").run()?;
    Ok(())
}

fn clippy(sh: &Shell) -> Result<()> {
    cmd!(
        sh,
        "cargo clippy --workspace --all-targets --keep-going -- -D warnings"
    )
    .run()?;
    Ok(())
}

fn test(sh: &Shell) -> Result<()> {
    // --no-fail-fast: one run reports every failing test binary, not just the first.
    let mut test = cmd!(sh, "cargo test --workspace --no-fail-fast");
    if install::is_root() {
        // Root can run the privileged tests, so none of them may skip.
        test = test.env("PKTKIT_REQUIRE_PRIVILEGED", "1");
    }
    test.run()?;
    Ok(())
}

fn doc(sh: &Shell) -> Result<()> {
    cmd!(sh, "cargo doc --workspace --no-deps --keep-going")
        .env("RUSTDOCFLAGS", "-D warnings")
        .run()?;
    Ok(())
}

fn deny(sh: &Shell) -> Result<()> {
    install::cargo_tool(sh, "cargo-deny", "deny")?;
    println!(
        "deny: NOTE `advisories` is SKIPPED: the RustSec advisory database cannot be \
         fetched on this offline machine; checking licenses, bans and sources"
    );
    cmd!(sh, "cargo deny check licenses bans sources").run()?;
    Ok(())
}

/// Builds every criterion bench and runs each once in criterion's test mode
/// (the dev profile, so it reuses the `test` step's dependencies).
fn bench_smoke(sh: &Shell) -> Result<()> {
    cmd!(sh, "cargo test -p pktkit-benches --benches").run()?;
    Ok(())
}

fn fuzz_smoke(sh: &Shell) -> Result<()> {
    fuzz::run_targets(sh, None, FUZZ_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn selection_only_and_skip() {
        let all = Selection::parse(&[]).unwrap();
        assert!(all.wants("fmt") && all.wants("fuzz"));

        let only = Selection::parse(&args("--only fmt --only layering,deny")).unwrap();
        assert!(only.wants("fmt") && only.wants("layering") && only.wants("deny"));
        assert!(!only.wants("test"));

        let skip = Selection::parse(&args("--skip fuzz")).unwrap();
        assert!(!skip.wants("fuzz") && skip.wants("test"));
        assert!(!skip.keep_going);
        assert!(Selection::parse(&args("--keep-going")).unwrap().keep_going);
    }

    #[test]
    fn selection_rejects_unknown_steps_and_flags() {
        assert!(Selection::parse(&args("--only fuz")).is_err());
        assert!(Selection::parse(&args("--skip")).is_err());
        assert!(Selection::parse(&args("--fast")).is_err());
    }

    #[test]
    fn step_names_are_unique() {
        let mut names: Vec<&str> = all_steps().map(|s| s.name).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
    }

    #[test]
    fn summary_marks_every_status() {
        let table = summary(
            &[
                ("fmt", Status::Ok, 1.5),
                ("clippy", Status::Failed, 30.0),
                ("test", Status::NotRun, 0.0),
                ("fuzz", Status::Skipped, 0.0),
            ],
            31.3,
        );
        assert!(table.contains("| fmt | ok | 1.5 |"));
        assert!(table.contains("| clippy | FAILED | 30.0 |"));
        assert!(table.contains("| test | not run | - |"));
        assert!(table.contains("| fuzz | skipped | - |"));
        assert!(table.contains("| total | 1 ok, 1 failed | 31.3 |"));
    }
}
