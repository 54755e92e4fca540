//! A child process that is killed and reaped when its guard drops.
//!
//! Not for long-lived services: this is for peers a test starts (a DHCP
//! server, `iperf3 -s`, a QEMU guest) that must not outlive the test, even
//! when an assertion fails first.

use std::fs;
use std::io;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Owns a started process; `Drop` kills it (SIGKILL) and waits for it.
///
/// The process's stdout and stderr go to a log file that [`ChildGuard::log`]
/// reads (handy in assertion messages) and that is removed on drop.
#[derive(Debug)]
pub struct ChildGuard {
    child: Child,
    log: PathBuf,
}

impl ChildGuard {
    /// Starts `cmd` with stdin closed and stdout + stderr sent to a log file.
    ///
    /// ```
    /// let mut cmd = std::process::Command::new("sleep");
    /// cmd.arg("30");
    /// let guard = pktkit_testkit::ChildGuard::spawn(cmd).unwrap();
    /// drop(guard); // killed and reaped here
    /// ```
    pub fn spawn(mut cmd: Command) -> io::Result<ChildGuard> {
        static N: AtomicUsize = AtomicUsize::new(0);
        let log = std::env::temp_dir().join(format!(
            "pktkit-testkit-child-{}-{}.log",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let out = fs::File::create(&log)?;
        let err = out.try_clone()?;
        cmd.stdin(Stdio::null()).stdout(out).stderr(err);
        match cmd.spawn() {
            Ok(child) => Ok(ChildGuard { child, log }),
            Err(e) => {
                let _ = fs::remove_file(&log);
                Err(io::Error::new(
                    e.kind(),
                    format!("starting {:?}: {e}", cmd.get_program()),
                ))
            }
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Everything the process wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        fs::read(&self.log)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }

    /// `Some(status)` when the process has exited, without blocking.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.child.try_wait()
    }

    /// Waits for the process to exit on its own.
    pub fn wait(&mut self) -> io::Result<ExitStatus> {
        self.child.wait()
    }

    /// The underlying [`Child`], e.g. to send it a signal.
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = fs::remove_file(&self.log);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alive(pid: u32) -> bool {
        // A reaped process has no /proc entry; a zombie would show state Z.
        fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|stat| !stat.contains(") Z "))
            .unwrap_or(false)
    }

    #[test]
    fn drop_kills_and_reaps() {
        let mut cmd = Command::new("sleep");
        cmd.arg("1000");
        let guard = ChildGuard::spawn(cmd).unwrap();
        let pid = guard.id();
        assert!(alive(pid));
        drop(guard);
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    }

    #[test]
    fn log_captures_stdout_and_stderr() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo out; echo err >&2; exit 3"]);
        let mut guard = ChildGuard::spawn(cmd).unwrap();
        let status = guard.wait().unwrap();
        assert_eq!(status.code(), Some(3));
        let log = guard.log();
        assert!(log.contains("out\n") && log.contains("err\n"), "{log:?}");
    }

    #[test]
    fn spawn_error_names_the_program() {
        let err = ChildGuard::spawn(Command::new("pktkit-no-such-program-4711")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(err.to_string().contains("pktkit-no-such-program-4711"));
    }
}
