#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| pktkit_tcp::fuzzing::tcp_engine(data));
