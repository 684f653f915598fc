//! The `.lvs` parser and checker over any UTF-8 text: no panic, every
//! diagnostic's places inside the text, and every diagnostic renders.
#![no_main]

mod checks;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| checks::lvs_parse(bytes));
