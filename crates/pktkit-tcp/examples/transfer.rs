//! Two engines transferring 8 MiB over an in-memory link with a virtual clock.
//!
//! Run with `cargo run -p pktkit-tcp --example transfer --release`. The link
//! delays every packet by 5 ms and drops one in a hundred (seeded), so you see
//! the handshake, slow start, SACK recovery and the close; the clock is
//! virtual, so it runs as fast as the CPU allows.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use pktkit_tcp::{Config, Connection, Error, Event, Listener, ListenerConfig};

fn main() {
    let t0 = Instant::now();
    let mut now = t0;
    let client_addr: SocketAddr = "192.0.2.1:50000".parse().unwrap();
    let server_addr: SocketAddr = "192.0.2.2:8080".parse().unwrap();
    let cfg = Config {
        time_wait: Duration::from_secs(1),
        ..Config::default()
    };

    // The server side: a listener hands over the connection once it is established.
    let lcfg = ListenerConfig {
        connection: cfg.clone(),
        ..ListenerConfig::default()
    };
    let mut listener = Listener::new(server_addr, lcfg, *b"example secret!!", t0);
    let isn = pktkit_tcp::IsnGenerator::new(*b"another secret!!").isn(
        client_addr,
        server_addr,
        Duration::ZERO,
    );
    let mut client = Connection::connect(cfg, client_addr, server_addr, isn, t0).unwrap();
    let mut server: Option<Connection> = None;

    // The link: (delivery time, packet) queues, one per direction; drop 1 % (xorshift).
    let delay = Duration::from_millis(5);
    let mut to_server: VecDeque<(Instant, Vec<u8>)> = VecDeque::new();
    let mut to_client: VecDeque<(Instant, Vec<u8>)> = VecDeque::new();
    let mut rng: u32 = 0x1234_5678;
    let mut lose = move || {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        rng.is_multiple_of(100)
    };

    let total = 8 * 1024 * 1024;
    let data: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
    let (mut written, mut received) = (0, 0);
    let mut buf = vec![0u8; 1600];
    let mut sink = vec![0u8; 64 * 1024];
    loop {
        // The client application writes, then closes.
        if client.state().is_synchronized() && written < total {
            written += client.send(&data[written..]).unwrap();
            if written == total {
                client.close();
            }
        }
        // The server application reads until the client's FIN.
        if let Some(s) = server.as_mut() {
            loop {
                match s.recv(&mut sink) {
                    Ok(0) => break,
                    Ok(n) => {
                        assert!(
                            sink[..n]
                                .iter()
                                .enumerate()
                                .all(|(k, &b)| b == ((received + k) % 251) as u8)
                        );
                        received += n;
                    }
                    Err(Error::Finished) => {
                        s.close();
                        break;
                    }
                    Err(e) => panic!("server: {e}"),
                }
            }
        }
        // Packets out.
        while let Some(t) = client.poll_transmit(now, &mut buf) {
            if !lose() {
                to_server.push_back((now + delay, buf[..t.len].to_vec()));
            }
        }
        let srv_tx = match server.as_mut() {
            Some(s) => s.poll_transmit(now, &mut buf),
            None => listener.poll_transmit(now, &mut buf),
        };
        if let Some(t) = srv_tx {
            if !lose() {
                to_client.push_back((now + delay, buf[..t.len].to_vec()));
            }
            continue; // poll again before moving the clock
        }
        // Events.
        while let Some(ev) = client.poll_event() {
            if ev != Event::Writable {
                println!("{:>8.3} s  client: {ev:?}", (now - t0).as_secs_f64());
            }
            if let Event::Closed(_) = ev {
                let st = client.stats();
                println!(
                    "received {received} bytes intact; {} segments sent, {} retransmitted, {} recoveries, srtt {:?}",
                    st.segments_sent,
                    st.retransmits,
                    st.recoveries,
                    client.srtt()
                );
                return;
            }
        }
        // Advance the virtual clock to the next packet or timer.
        let next = [
            to_server.front().map(|p| p.0),
            to_client.front().map(|p| p.0),
            client.poll_timeout(),
            server
                .as_ref()
                .map_or(listener.poll_timeout(), |s| s.poll_timeout()),
        ]
        .into_iter()
        .flatten()
        .min()
        .expect("something is always scheduled until the client closes");
        now = now.max(next);
        while to_server.front().is_some_and(|p| p.0 <= now) {
            let (_, p) = to_server.pop_front().unwrap();
            match server.as_mut() {
                Some(s) => s.handle_packet(now, &p),
                None => {
                    listener.handle_packet(now, &p);
                    server = listener.accept();
                    if server.is_some() {
                        println!("{:>8.3} s  server: accepted", (now - t0).as_secs_f64());
                    }
                }
            }
        }
        while to_client.front().is_some_and(|p| p.0 <= now) {
            let (_, p) = to_client.pop_front().unwrap();
            client.handle_packet(now, &p);
        }
        client.handle_timeout(now);
        match server.as_mut() {
            Some(s) => s.handle_timeout(now),
            None => listener.handle_timeout(now),
        }
    }
}
