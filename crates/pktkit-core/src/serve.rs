//! Accept loops: attach every device an acceptor produces, detach it when done.
//!
//! [`serve`] runs until the acceptor fails for good; [`serve_with_done`] also
//! stops when a [`Done`] fires and then detaches everything it attached.
//! Devices whose [`L2Device::done`] fires (a VM hung up) are detached and
//! closed as soon as it does. Not here: any protocol; the acceptor owns that.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::{
    Attachment, Done, L2Acceptor, L2Connector, L2Device, L3Acceptor, L3Connector, L3Device,
};

/// Whether an accept error is worth retrying.
fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::TimedOut
            | io::ErrorKind::OutOfMemory
    )
}

/// The attachments a loop is responsible for, keyed so a device's own `Done`
/// can remove its entry.
type Registry = Arc<Mutex<HashMap<u64, Attachment>>>;

struct Accepted {
    attach: io::Result<Attachment>,
    done: Option<Done>,
    close: Box<dyn FnOnce() + Send>,
}

/// The loop shared by the four public functions.
fn run(
    mut accept: impl FnMut() -> io::Result<Accepted>,
    stop: Option<&Done>,
    registry: Option<Registry>,
) -> io::Result<()> {
    let next_id = AtomicU64::new(0);
    let mut backoff = Duration::from_millis(1);
    loop {
        if stop.is_some_and(Done::is_done) {
            return Ok(());
        }
        let acc = match accept() {
            Ok(a) => {
                backoff = Duration::from_millis(1);
                a
            }
            Err(e) if stop.is_some_and(Done::is_done) => {
                tracing::debug!(error = %e, "accept loop stopped");
                return Ok(());
            }
            Err(e) if is_transient(&e) => {
                tracing::debug!(error = %e, "transient accept error, retrying");
                if e.kind() != io::ErrorKind::WouldBlock && e.kind() != io::ErrorKind::Interrupted {
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_millis(200));
                } else {
                    std::thread::yield_now();
                }
                continue;
            }
            Err(e) => return Err(e),
        };
        let att = match acc.attach {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "could not attach an accepted device; closing it");
                (acc.close)();
                continue;
            }
        };
        match (acc.done, &registry) {
            (Some(done), Some(reg)) => {
                let id = next_id.fetch_add(1, Ordering::Relaxed);
                reg.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(id, att);
                let reg = Arc::downgrade(reg);
                let close = acc.close;
                done.on_done(move || {
                    let att = reg
                        .upgrade()
                        .and_then(|r| r.lock().unwrap_or_else(PoisonError::into_inner).remove(&id));
                    drop(att);
                    close();
                });
            }
            (None, Some(reg)) => {
                let id = next_id.fetch_add(1, Ordering::Relaxed);
                reg.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(id, att);
            }
            (Some(done), None) => {
                let close = acc.close;
                done.on_done(move || {
                    att.detach();
                    close();
                });
            }
            (None, None) => att.keep(),
        }
    }
}

/// Accepts L2 devices forever and connects each to `connector` (e.g. an
/// [`crate::L2Hub`]). A device whose [`L2Device::done`] fires is detached and
/// closed; the others stay attached.
///
/// Transient accept errors are retried with a short backoff; the first other
/// error ends the loop and is returned (an acceptor closed with
/// [`L2Acceptor::close`] ends it this way).
pub fn serve(acceptor: &dyn L2Acceptor, connector: &dyn L2Connector) -> io::Result<()> {
    run(|| accept_l2(acceptor, connector), None, None)
}

/// [`serve`] that also stops when `stop` fires: it closes the acceptor to wake
/// a blocked accept, detaches every device it attached that is still attached,
/// and returns `Ok(())`.
pub fn serve_with_done(
    acceptor: Arc<dyn L2Acceptor>,
    connector: &dyn L2Connector,
    stop: &Done,
) -> io::Result<()> {
    let a = acceptor.clone();
    stop.on_done(move || {
        let _ = a.close();
    });
    let registry: Registry = Arc::default();
    let r = run(
        || accept_l2(&*acceptor, connector),
        Some(stop),
        Some(registry.clone()),
    );
    drain(&registry);
    r
}

/// [`serve`] for L3 devices.
pub fn serve_l3(acceptor: &dyn L3Acceptor, connector: &dyn L3Connector) -> io::Result<()> {
    run(|| accept_l3(acceptor, connector), None, None)
}

/// [`serve_with_done`] for L3 devices.
pub fn serve_l3_with_done(
    acceptor: Arc<dyn L3Acceptor>,
    connector: &dyn L3Connector,
    stop: &Done,
) -> io::Result<()> {
    let a = acceptor.clone();
    stop.on_done(move || {
        let _ = a.close();
    });
    let registry: Registry = Arc::default();
    let r = run(
        || accept_l3(&*acceptor, connector),
        Some(stop),
        Some(registry.clone()),
    );
    drain(&registry);
    r
}

fn drain(registry: &Registry) {
    let all: Vec<Attachment> = registry
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .drain()
        .map(|(_, a)| a)
        .collect();
    drop(all);
}

fn accept_l2(acceptor: &dyn L2Acceptor, connector: &dyn L2Connector) -> io::Result<Accepted> {
    let dev = acceptor.accept_l2()?;
    let done = dev.done();
    let attach = connector.connect_l2(dev.clone());
    Ok(Accepted {
        attach,
        done,
        close: Box::new(move || {
            let _ = dev.close();
        }),
    })
}

fn accept_l3(acceptor: &dyn L3Acceptor, connector: &dyn L3Connector) -> io::Result<Accepted> {
    let dev = acceptor.accept_l3()?;
    let done = dev.done();
    let attach = connector.connect_l3(dev.clone());
    Ok(Accepted {
        attach,
        done,
        close: Box::new(move || {
            let _ = dev.close();
        }),
    })
}
