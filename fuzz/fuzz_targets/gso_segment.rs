#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| pktkit_tuntap::fuzzing::gso_segment(data));
