//! Helpers the host tests share: paths in the repository and parsing a text.

use std::path::{Path, PathBuf};

use lvsh::lang::diagnostic::Diagnostic;
use lvsh::lang::source::Source;
use lvsh::render::diagnostic::render;

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The files directly in `dir` whose name ends with `.ext`, sorted.
pub fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

/// The path of `file` relative to the root, with `/` separators.
pub fn relative(file: &Path) -> String {
    let rel = file.strip_prefix(root()).unwrap_or(file);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Every diagnostic of `text`, parsed as a source named `name`.
pub fn diagnostics(name: &str, text: &str) -> (Source, Vec<Diagnostic>) {
    let source = Source::new(name, text);
    // Rhai blocks are compiled too, as `lvsh check` does.
    let (_, diagnostics) = lvsh::script::parse(&source);
    (source, diagnostics)
}

/// The diagnostics as `lvsh check` prints them without colour, one after another.
pub fn rendered(source: &Source, diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|d| render(d, source, false)).collect()
}
