//! ipvsadm's option syntax over any UTF-8 line, split as `ipvsadm -R`
//! splits it: no panic, and every word's range is that word in the line.
#![no_main]

mod checks;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| checks::ipvsadm_parse(bytes));
