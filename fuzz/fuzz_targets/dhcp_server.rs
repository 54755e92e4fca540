#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| pktkit_dhcp::fuzzing::dhcp_server(data));
