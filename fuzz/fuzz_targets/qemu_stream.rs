#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| pktkit_qemu::fuzzing::qemu_stream(data));
