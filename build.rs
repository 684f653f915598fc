//! Builds in the tutorial's lessons: every `examples/lessons/NN-name.lvs`,
//! in the order of their numbers, so that a new lesson is one new file.

use std::fmt::Write;
use std::path::Path;

fn main() {
    // Read when the script runs, not when it was compiled: a build script
    // compiled for another checkout (a target folder copied or shared) would
    // otherwise build in that checkout's lessons.
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&root).join("examples/lessons");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".lvs"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// Each lesson's file name and text, in order.\npub const FILES: &[(&str, &str)] = &[\n",
    );
    for name in &files {
        let path = dir.join(name);
        writeln!(out, "    ({name:?}, include_str!({:?})),", path.display().to_string())
            .expect("writing to a String");
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("lessons.rs");
    std::fs::write(&target, out).unwrap_or_else(|e| panic!("cannot write {}: {e}", target.display()));
}
