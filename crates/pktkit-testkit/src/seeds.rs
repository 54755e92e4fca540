//! Replays a fuzz target's committed seed corpus as an ordinary test.
//!
//! Not for fuzzing itself (that is `cargo xtask fuzz`); this only makes sure
//! every committed seed still runs clean under `cargo test`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::{env, fs};

/// The workspace root: the nearest ancestor of the running crate's
/// `CARGO_MANIFEST_DIR` (falling back to this crate's) that has a `fuzz/` folder.
///
/// # Panics
/// When no such ancestor exists.
pub fn workspace_root() -> PathBuf {
    let start = env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    find_root_from(&start)
        .or_else(|| find_root_from(Path::new(env!("CARGO_MANIFEST_DIR"))))
        .unwrap_or_else(|| {
            panic!(
                "no ancestor of {} has a fuzz/ folder: is this the pktkit workspace?",
                start.display()
            )
        })
}

fn find_root_from(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join("fuzz").is_dir())
        .map(Path::to_path_buf)
}

/// Runs `f` on every file in `<workspace>/fuzz/seeds/<target>/` and returns
/// how many ran.
///
/// Use it from a crate's `tests/fuzz_seeds.rs`:
///
/// ```no_run
/// # fn frame(_: &[u8]) {}
/// #[test]
/// fn frame_seeds() {
///     pktkit_testkit::replay_seeds("frame", frame);
/// }
/// ```
///
/// # Panics
/// When the folder is missing or empty (a lost corpus must fail, not pass
/// silently), or when `f` panicked on any seed (all seeds still run; the
/// message names every seed that failed).
pub fn replay_seeds(target: &str, f: fn(&[u8])) -> usize {
    let dir = workspace_root().join("fuzz").join("seeds").join(target);
    let count = replay_seeds_in(&dir, f);
    eprintln!(
        "replayed {count} seeds of fuzz target `{target}` from {}",
        dir.display()
    );
    count
}

/// [`replay_seeds`] over an explicit folder.
///
/// # Panics
/// As [`replay_seeds`].
pub fn replay_seeds_in(dir: &Path, f: fn(&[u8])) -> usize {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| {
        panic!(
            "seed folder {} cannot be read ({e}); every fuzz target needs committed seeds",
            dir.display()
        )
    });
    let mut files: Vec<PathBuf> = entries
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
                .path()
        })
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "seed folder {} has no seeds; every fuzz target needs committed seeds",
        dir.display()
    );

    let mut failed = Vec::new();
    for path in &files {
        let data = fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        if catch_unwind(AssertUnwindSafe(|| f(&data))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} seeds panicked: {}",
        failed.len(),
        files.len(),
        failed.join(", ")
    );
    files.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fresh folder under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            static N: AtomicUsize = AtomicUsize::new(0);
            let n = N.fetch_add(1, Ordering::Relaxed);
            let path =
                env::temp_dir().join(format!("pktkit-testkit-{tag}-{}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&path);
            fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    static SEEN: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

    fn record(data: &[u8]) {
        SEEN.lock().unwrap().push(data.to_vec());
    }

    fn panic_on_bang(data: &[u8]) {
        assert!(!data.starts_with(b"!"), "bang");
    }

    #[test]
    fn runs_every_file_in_order_and_skips_folders() {
        let dir = TempDir::new("replay");
        fs::write(dir.0.join("b"), b"second").unwrap();
        fs::write(dir.0.join("a"), b"first").unwrap();
        fs::write(dir.0.join("c-empty"), b"").unwrap();
        fs::create_dir(dir.0.join("sub")).unwrap();
        assert_eq!(replay_seeds_in(&dir.0, record), 3);
        let seen = SEEN.lock().unwrap().clone();
        assert_eq!(
            seen,
            vec![b"first".to_vec(), b"second".to_vec(), Vec::new()]
        );
    }

    #[test]
    #[should_panic(expected = "has no seeds")]
    fn empty_corpus_fails() {
        let dir = TempDir::new("empty");
        replay_seeds_in(&dir.0, panic_on_bang);
    }

    #[test]
    #[should_panic(expected = "cannot be read")]
    fn missing_corpus_fails() {
        let dir = TempDir::new("missing");
        replay_seeds_in(&dir.0.join("nope"), panic_on_bang);
    }

    #[test]
    fn names_every_seed_that_panicked() {
        let dir = TempDir::new("bang");
        fs::write(dir.0.join("ok"), b"fine").unwrap();
        fs::write(dir.0.join("bad1"), b"!one").unwrap();
        fs::write(dir.0.join("bad2"), b"!two").unwrap();
        let err = catch_unwind(|| replay_seeds_in(&dir.0, panic_on_bang)).unwrap_err();
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.starts_with("2 of 3 seeds panicked"), "{msg}");
        assert!(msg.contains("bad1") && msg.contains("bad2"), "{msg}");
    }

    #[test]
    fn workspace_root_is_the_folder_with_fuzz() {
        let root = workspace_root();
        assert!(root.join("fuzz").is_dir());
        assert!(root.join("Cargo.toml").is_file());
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).starts_with(&root));
    }
}
