//! serve / serve_with_done: accepted devices are attached, detached when their
//! peer goes, and everything is let go when the loop is stopped.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, unbounded};
use pktkit_core::{
    Done, L2Acceptor, L2Device, L2Hub, L3Acceptor, L3Device, L3Hub, PipeL2, PipeL3, serve,
    serve_l3_with_done, serve_with_done,
};
use pktkit_wire::{IpPrefix, MacAddr};

/// Hands out queued results; a closed acceptor returns `NotConnected`.
struct Queue<T> {
    rx: Receiver<io::Result<T>>,
    closed: Done,
}

impl<T> Queue<T> {
    fn new() -> (Sender<io::Result<T>>, Self) {
        let (tx, rx) = unbounded();
        (
            tx,
            Queue {
                rx,
                closed: Done::new(),
            },
        )
    }
    fn next(&self) -> io::Result<T> {
        loop {
            if self.closed.is_done() {
                return Err(io::ErrorKind::NotConnected.into());
            }
            if let Ok(r) = self.rx.recv_timeout(Duration::from_millis(5)) {
                return r;
            }
        }
    }
}

impl L2Acceptor for Queue<Arc<dyn L2Device>> {
    fn accept_l2(&self) -> io::Result<Arc<dyn L2Device>> {
        self.next()
    }
    fn close(&self) -> io::Result<()> {
        self.closed.fire();
        Ok(())
    }
}

impl L3Acceptor for Queue<Arc<dyn L3Device>> {
    fn accept_l3(&self) -> io::Result<Arc<dyn L3Device>> {
        self.next()
    }
    fn close(&self) -> io::Result<()> {
        self.closed.fire();
        Ok(())
    }
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn serve_attaches_retries_and_detaches_on_done() {
    let hub = Arc::new(L2Hub::new());
    let (tx, acceptor) = Queue::<Arc<dyn L2Device>>::new();
    let acceptor = Arc::new(acceptor);
    let (h, a) = (hub.clone(), acceptor.clone());
    let server = std::thread::spawn(move || serve(&*a, &*h));

    tx.send(Err(io::ErrorKind::Interrupted.into())).unwrap();
    tx.send(Err(io::ErrorKind::ConnectionAborted.into()))
        .unwrap();
    let mut vms = Vec::new();
    for n in 0..3u8 {
        let (vm, port) = PipeL2::pair(MacAddr::new(2, 0, 0, 0, 0, n), MacAddr::ZERO);
        tx.send(Ok(Arc::new(port) as Arc<dyn L2Device>)).unwrap();
        vms.push(vm);
    }
    wait_until("3 ports", || hub.port_count() == 3);
    vms[1].close().unwrap(); // the VM hangs up
    wait_until("2 ports", || hub.port_count() == 2);

    acceptor.close().unwrap();
    let err = server.join().unwrap().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotConnected);
    assert_eq!(hub.port_count(), 2, "serve leaves live devices attached");
}

#[test]
fn serve_with_done_stops_and_detaches_everything() {
    let hub = Arc::new(L2Hub::new());
    let (tx, acceptor) = Queue::<Arc<dyn L2Device>>::new();
    let acceptor: Arc<dyn L2Acceptor> = Arc::new(acceptor);
    let stop = Done::new();
    let (h, s) = (hub.clone(), stop.clone());
    let server = std::thread::spawn(move || serve_with_done(acceptor, &*h, &s));
    let keep = Arc::new(Mutex::new(Vec::new()));
    for n in 0..4u8 {
        let (vm, port) = PipeL2::pair(MacAddr::new(2, 0, 0, 0, 0, n), MacAddr::ZERO);
        tx.send(Ok(Arc::new(port) as Arc<dyn L2Device>)).unwrap();
        keep.lock().unwrap().push(vm);
    }
    wait_until("4 ports", || hub.port_count() == 4);
    stop.fire();
    server.join().unwrap().unwrap();
    assert_eq!(hub.port_count(), 0);
}

#[test]
fn serve_l3_with_done_attaches_routes() {
    let router = Arc::new(L3Hub::new());
    let (tx, acceptor) = Queue::<Arc<dyn L3Device>>::new();
    let acceptor: Arc<dyn L3Acceptor> = Arc::new(acceptor);
    let stop = Done::new();
    let (r, s) = (router.clone(), stop.clone());
    let server = std::thread::spawn(move || serve_l3_with_done(acceptor, &*r, &s));
    let net: IpPrefix = "10.9.0.1/16".parse().unwrap();
    let (peer, port) = PipeL3::pair(&[], &[net]);
    tx.send(Ok(Arc::new(port) as Arc<dyn L3Device>)).unwrap();
    wait_until("a route", || {
        router.route("10.9.3.3".parse().unwrap()).is_some()
    });
    peer.close().unwrap();
    wait_until("the route to go", || {
        router.route("10.9.3.3".parse().unwrap()).is_none()
    });
    stop.fire();
    server.join().unwrap().unwrap();
}
