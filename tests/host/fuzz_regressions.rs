//! The fuzz targets' checks (fuzz/fuzz_targets/checks.rs) on the host:
//! every crash the fuzzers found, minimized and inline, and every input of
//! the committed corpus, so a fix that breaks again fails `cargo test`
//! without nightly or cargo-fuzz.

use std::path::Path;

#[path = "../../fuzz/fuzz_targets/checks.rs"]
mod checks;

/// Runs `check` on every file of `fuzz/corpus/<target>`, naming the input
/// that panics.
fn whole_corpus(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut count = 0;
    for entry in entries {
        let path = entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())).path();
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let outcome = std::panic::catch_unwind(|| check(&bytes));
        assert!(outcome.is_ok(), "{} panics (scripts/fuzz {target} found it or keeps it)", path.display());
        count += 1;
    }
    assert!(count > 0, "{} holds no inputs", dir.display());
}

#[test]
fn the_lvs_corpus_passes() {
    whole_corpus("lvs_parse", checks::lvs_parse);
}

#[test]
fn the_rhai_corpus_passes() {
    whole_corpus("rhai_compile", checks::rhai_compile);
}

#[test]
fn the_ipvsadm_corpus_passes() {
    whole_corpus("ipvsadm_parse", checks::ipvsadm_parse);
}

#[test]
fn the_netlink_corpus_passes() {
    whole_corpus("netlink_decode", checks::netlink_decode);
}
