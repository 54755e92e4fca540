#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| pktkit_wire::fuzzing::packet(data));
