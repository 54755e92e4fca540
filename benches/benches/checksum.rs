//! Internet checksum (RFC 1071) over payload-sized buffers: pktkit-wire's
//! dispatching `checksum::sum` beside smoltcp, etherparse, the pktkit 0.1.11
//! crate and a plain copy of the same bytes (`memcpy`) as the speed of light;
//! `copy_and_sum` is pktkit-wire's copy with the checksum fused in.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn data(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x2545_f491;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn checksum(c: &mut Criterion) {
    for len in [64usize, 576, 1500, 9000] {
        let buf = data(len);
        let mut g = c.benchmark_group(format!("checksum/{len}"));
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function(BenchmarkId::from_parameter("pktkit"), |b| {
            b.iter(|| pktkit_wire::checksum::checksum(black_box(&buf)))
        });
        g.bench_function(BenchmarkId::from_parameter("smoltcp"), |b| {
            b.iter(|| !smoltcp::wire::checksum::data(black_box(&buf)))
        });
        g.bench_function(BenchmarkId::from_parameter("etherparse"), |b| {
            b.iter(|| {
                etherparse::checksum::Sum16BitWords::new()
                    .add_slice(black_box(&buf))
                    .ones_complement()
            })
        });
        g.bench_function(BenchmarkId::from_parameter("pktkit-0.1.11"), |b| {
            b.iter(|| pktkit_peer::checksum(black_box(&buf)))
        });
        let mut dst = vec![0u8; len];
        g.bench_function(BenchmarkId::from_parameter("memcpy"), |b| {
            b.iter(|| {
                black_box(&mut dst[..]).copy_from_slice(black_box(&buf));
                black_box(&dst);
            })
        });
        // The same copy with the checksum of the copied bytes fused into it.
        g.bench_function(BenchmarkId::from_parameter("copy_and_sum"), |b| {
            b.iter(|| {
                pktkit_wire::checksum::copy_and_sum(black_box(&mut dst[..]), black_box(&buf), 0)
            })
        });
        g.finish();
    }
}

criterion_group!(benches, checksum);
criterion_main!(benches);
