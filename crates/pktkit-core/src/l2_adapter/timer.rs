//! [`L2AdapterTimer`]: a thread that calls [`crate::L2Adapter::tick`]
//! periodically, for programs that have no event loop of their own. Tests
//! on a [`crate::ManualClock`] call `tick` themselves instead.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use super::L2Adapter;

/// Runs an adapter's timers until dropped (the thread holds the adapter weakly).
#[derive(Debug)]
pub struct L2AdapterTimer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl L2AdapterTimer {
    pub(crate) fn start(adapter: Weak<L2Adapter>, period: Duration) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let s = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("pktkit-l2-adapter-timer".into())
            .spawn(move || {
                while !s.load(Ordering::Acquire) {
                    std::thread::park_timeout(period);
                    if s.load(Ordering::Acquire) {
                        break;
                    }
                    match adapter.upgrade() {
                        Some(a) => a.tick(),
                        None => break,
                    }
                }
            })?;
        Ok(L2AdapterTimer {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for L2AdapterTimer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}
