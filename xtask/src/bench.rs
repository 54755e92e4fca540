//! `cargo xtask bench [FILTER]`: runs the criterion benches and prints, per
//! subject, how pktkit compares with each peer.
//!
//! Reads what criterion wrote (`target/criterion/**/new/benchmark.json` and
//! `estimates.json`) by the naming of docs/CONVENTIONS.md: the group is the
//! case (`checksum/1500`), the function id the implementation (`pktkit`,
//! `smoltcp`, `pktkit-0.1.11`, `memcpy`, …). Only results written by this
//! run are shown. A ratio `peer/pktkit > 1` means pktkit is faster.
//!
//! Not a regression tracker: it compares implementations within one run.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result};
use serde_json::Value;
use xshell::{Shell, cmd};

/// Our implementation's function id.
const OURS: &str = "pktkit";

pub(crate) fn run(sh: &Shell, args: &[String]) -> Result<()> {
    let started = SystemTime::now();
    // --no-fail-fast: one broken bench binary must not hide the others' results.
    let ran = cmd!(
        sh,
        "cargo bench -p pktkit-benches --benches --no-fail-fast -- {args...}"
    )
    .run();
    let results = read_results(&crate::target_dir().join("criterion"), started)?;
    if results.is_empty() {
        println!("bench: no criterion results were written by this run");
    } else {
        print!("{}", tables(&results));
    }
    ran.context("some benches failed (results above are from those that ran)")
}

/// One measured case: `case` (criterion group, plus the value if any),
/// `implementation` (function id) and the median time in nanoseconds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Measurement {
    pub(crate) case: String,
    pub(crate) implementation: String,
    pub(crate) median_ns: f64,
}

/// Every measurement under `criterion_dir` whose estimates were written at
/// or after `since`.
pub(crate) fn read_results(criterion_dir: &Path, since: SystemTime) -> Result<Vec<Measurement>> {
    let mut found = Vec::new();
    if criterion_dir.is_dir() {
        collect_new_dirs(criterion_dir, &mut found)?;
    }
    found.sort();
    let mut results = Vec::new();
    for new_dir in found {
        let estimates_path = new_dir.join("estimates.json");
        let Ok(meta) = fs::metadata(&estimates_path) else {
            continue;
        };
        if meta.modified()? < since {
            continue;
        }
        let benchmark: Value = read_json(&new_dir.join("benchmark.json"))?;
        let estimates: Value = read_json(&estimates_path)?;
        let group = benchmark["group_id"]
            .as_str()
            .with_context(|| format!("{}: no group_id", new_dir.display()))?;
        let (case, implementation) = case_and_implementation(
            group,
            benchmark["function_id"].as_str(),
            benchmark["value_str"].as_str(),
        );
        let median_ns = estimates["median"]["point_estimate"]
            .as_f64()
            .with_context(|| format!("{}: no median estimate", estimates_path.display()))?;
        results.push(Measurement {
            case,
            implementation,
            median_ns,
        });
    }
    Ok(results)
}

/// Splits criterion's ids into (case, implementation):
/// `bench_function("smoltcp")` gives a function id, `BenchmarkId::from_parameter("smoltcp")`
/// only a value, and `BenchmarkId::new("smoltcp", 1500)` both (the value then
/// belongs to the case). A bare `bench_function` outside a group is ours.
fn case_and_implementation(
    group: &str,
    function: Option<&str>,
    value: Option<&str>,
) -> (String, String) {
    match (function, value) {
        (Some(function), Some(value)) => (format!("{group}/{value}"), function.to_owned()),
        (Some(function), None) => (group.to_owned(), function.to_owned()),
        (None, Some(value)) => (group.to_owned(), value.to_owned()),
        (None, None) => (group.to_owned(), OURS.to_owned()),
    }
}

/// Every `new/` folder below `dir` that has a `benchmark.json`.
fn collect_new_dirs(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") && path.join("benchmark.json").is_file() {
            found.push(path);
        } else {
            collect_new_dirs(&path, found)?;
        }
    }
    Ok(())
}

fn read_json(path: &Path) -> Result<Value> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// One markdown table per subject (the case up to its first `/`): a row per
/// case, our median, each peer's median, and each peer/pktkit ratio.
pub(crate) fn tables(results: &[Measurement]) -> String {
    // subject -> case -> implementation -> ns
    let mut subjects: BTreeMap<&str, BTreeMap<&str, BTreeMap<&str, f64>>> = BTreeMap::new();
    for m in results {
        let subject = m.case.split('/').next().unwrap_or(&m.case);
        subjects
            .entry(subject)
            .or_default()
            .entry(&m.case)
            .or_default()
            .insert(&m.implementation, m.median_ns);
    }

    let mut out = String::new();
    for (subject, cases) in &subjects {
        let peers: BTreeSet<&str> = cases
            .values()
            .flat_map(|imps| imps.keys().copied())
            .filter(|&imp| imp != OURS)
            .collect();
        out.push_str(&format!(
            "\n### {subject} (median time; peer/pktkit > 1: pktkit is faster)\n\n"
        ));
        let mut header = format!("| case | {OURS} |");
        let mut rule = String::from("|---|---:|");
        for peer in &peers {
            header.push_str(&format!(" {peer} |"));
            rule.push_str("---:|");
        }
        for peer in &peers {
            header.push_str(&format!(" {peer}/{OURS} |"));
            rule.push_str("---:|");
        }
        out.push_str(&format!("{header}\n{rule}\n"));
        let mut rows: Vec<_> = cases.iter().collect();
        rows.sort_by_key(|(case, _)| natural_key(case));
        for (case, imps) in rows {
            let ours = imps.get(OURS).copied();
            let mut row = format!("| {case} | {} |", ours.map_or("-".to_owned(), format_ns));
            for peer in &peers {
                row.push_str(&format!(
                    " {} |",
                    imps.get(peer).map_or("-".to_owned(), |&ns| format_ns(ns))
                ));
            }
            for peer in &peers {
                let ratio = match (imps.get(peer), ours) {
                    (Some(&theirs), Some(ours)) if ours > 0.0 => format!("{:.2}", theirs / ours),
                    _ => "-".to_owned(),
                };
                row.push_str(&format!(" {ratio} |"));
            }
            out.push_str(&format!("{row}\n"));
        }
    }
    out
}

/// Sort key that orders `checksum/64` before `checksum/1500`: numeric path
/// segments compare as numbers, others as text.
fn natural_key(case: &str) -> Vec<(u64, String)> {
    case.split('/')
        .map(|part| match part.parse::<u64>() {
            Ok(n) => (n, String::new()),
            Err(_) => (u64::MAX, part.to_owned()),
        })
        .collect()
}

/// A duration in ns with a readable unit and three significant digits.
fn format_ns(ns: f64) -> String {
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let decimals = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.decimals$} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A fake `target/criterion` tree, removed on drop.
    struct FakeCriterion(PathBuf);

    impl FakeCriterion {
        fn new(tag: &str) -> FakeCriterion {
            let dir =
                std::env::temp_dir().join(format!("xtask-bench-{}-{tag}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            FakeCriterion(dir)
        }

        /// Writes one result the way criterion lays it out.
        fn add(&self, group: &str, function: Option<&str>, value: Option<&str>, median: f64) {
            let mut dir = self.0.join(group.replace('/', "_"));
            if let Some(function) = function {
                dir = dir.join(function);
            }
            if let Some(value) = value {
                dir = dir.join(value);
            }
            let new = dir.join("new");
            fs::create_dir_all(&new).unwrap();
            let benchmark = serde_json::json!({
                "group_id": group, "function_id": function, "value_str": value,
                "throughput": null, "full_id": "ignored", "directory_name": "ignored", "title": "ignored"
            });
            fs::write(new.join("benchmark.json"), benchmark.to_string()).unwrap();
            let estimate = |x: f64| {
                serde_json::json!({"confidence_interval": {"confidence_level": 0.95,
                "lower_bound": x * 0.9, "upper_bound": x * 1.1}, "point_estimate": x, "standard_error": 1.0})
            };
            let estimates = serde_json::json!({"mean": estimate(median * 2.0), "median": estimate(median),
                "median_abs_dev": estimate(1.0), "slope": null, "std_dev": estimate(1.0)});
            fs::write(new.join("estimates.json"), estimates.to_string()).unwrap();
        }
    }

    impl Drop for FakeCriterion {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn reads_criterion_layout_and_builds_tables() {
        let fake = FakeCriterion::new("tables");
        fake.add("checksum/1500", Some("pktkit"), None, 100.0);
        fake.add("checksum/1500", Some("smoltcp"), None, 250.0);
        fake.add("checksum/1500", Some("memcpy"), None, 50.0);
        // BenchmarkId::from_parameter("pktkit"): no function id, the value names the implementation.
        fake.add("checksum/64", None, Some("pktkit"), 8.0);
        fake.add("checksum/64", None, Some("smoltcp"), 12.0);
        // BenchmarkId::new("pktkit", 128) inside group "l2hub/unicast".
        fake.add("l2hub/unicast", Some("pktkit"), Some("128"), 1500.0);

        let mut results = read_results(&fake.0, SystemTime::UNIX_EPOCH).unwrap();
        results.sort_by(|a, b| (&a.case, &a.implementation).cmp(&(&b.case, &b.implementation)));
        assert_eq!(results.len(), 6);
        assert_eq!(
            results[0],
            Measurement {
                case: "checksum/1500".into(),
                implementation: "memcpy".into(),
                median_ns: 50.0
            }
        );
        assert_eq!(results[5].case, "l2hub/unicast/128");

        let table = tables(&results);
        assert!(table.contains("### checksum "), "{table}");
        assert!(
            table.contains("| case | pktkit | memcpy | smoltcp | memcpy/pktkit | smoltcp/pktkit |"),
            "{table}"
        );
        assert!(
            table.contains("| checksum/1500 | 100 ns | 50.0 ns | 250 ns | 0.50 | 2.50 |"),
            "{table}"
        );
        assert!(
            table.contains("| checksum/64 | 8.00 ns | - | 12.0 ns | - | 1.50 |"),
            "{table}"
        );
        let (small, large) = (
            table.find("| checksum/64 ").unwrap(),
            table.find("| checksum/1500 ").unwrap(),
        );
        assert!(small < large, "rows in numeric order: {table}");
        assert!(table.contains("### l2hub "), "{table}");
        assert!(table.contains("| l2hub/unicast/128 | 1.50 µs |"), "{table}");
    }

    #[test]
    fn skips_results_older_than_the_run() {
        let fake = FakeCriterion::new("old");
        fake.add("memcpy/64", Some("memcpy"), None, 3.0);
        let later = SystemTime::now() + Duration::from_secs(60);
        assert!(read_results(&fake.0, later).unwrap().is_empty());
        assert_eq!(
            read_results(&fake.0, SystemTime::UNIX_EPOCH).unwrap().len(),
            1
        );
        assert!(
            read_results(&fake.0.join("absent"), SystemTime::UNIX_EPOCH)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn formats_durations() {
        assert_eq!(format_ns(1.234), "1.23 ns");
        assert_eq!(format_ns(56_780.0), "56.8 µs");
        assert_eq!(format_ns(123_000_000.0), "123 ms");
        assert_eq!(format_ns(2.5e9), "2.50 s");
    }
}
