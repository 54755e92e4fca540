#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| pktkit_core::fuzzing::l2_adapter(data));
