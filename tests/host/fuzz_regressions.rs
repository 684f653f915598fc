//! The fuzz targets' checks (fuzz/fuzz_targets/checks.rs) on the host:
//! every crash the fuzzers found, minimized and inline, and every input of
//! the committed corpus, so a fix that breaks again fails `cargo test`
//! without nightly or cargo-fuzz.

use std::path::{Path, PathBuf};

#[path = "../../fuzz/fuzz_targets/checks.rs"]
mod checks;

/// What a fuzz target runs on one input (a function of checks.rs).
type Check = fn(&[u8]);

/// Each target's corpus directory (under fuzz/corpus/) and its check.
const TARGETS: [(&str, Check); 4] = [
    ("lvs_parse", checks::lvs_parse),
    ("rhai_compile", checks::rhai_compile),
    ("ipvsadm_parse", checks::ipvsadm_parse),
    ("netlink_decode", checks::netlink_decode),
];

/// The committed corpus holds the inputs that reach the most code; each
/// one passing is the floor a change to the parsers or decoder must keep.
#[test]
fn every_corpus_input_passes_its_targets_check() {
    for (target, check) in TARGETS {
        let inputs = corpus(target);
        assert!(!inputs.is_empty(), "fuzz/corpus/{target} holds no inputs");
        for (path, bytes) in inputs {
            let outcome = std::panic::catch_unwind(|| check(&bytes));
            assert!(outcome.is_ok(), "{} panics in {target}'s check", path.display());
        }
    }
}

/// The files of `fuzz/corpus/<target>`, each with its bytes.
fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    entries
        .map(|entry| {
            let path = entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())).path();
            let bytes =
                std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            (path, bytes)
        })
        .collect()
}
