//! The netlink reply decoder over any bytes: a value or an error, never
//! a panic (src/ipvs/netlink/attr.rs promises it is total).
#![no_main]

mod checks;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| checks::netlink_decode(bytes));
