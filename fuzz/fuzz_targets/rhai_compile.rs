//! A `.rhai` file over any UTF-8 text, compiled before it would run: no
//! panic, and every syntax error inside the text.
#![no_main]

mod checks;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| checks::rhai_compile(bytes));
