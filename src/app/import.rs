//! `lvsh import FILE`: an ipvsadm save or a keepalived.conf printed as
//! `.lvs` declarations. It reads only the file: no kernel, no namespace.

use std::path::Path;

use super::{exit_code, App, ErrorSummary, Withheld};
use crate::converge::import::{import, Format};
use crate::interp::FailureKind;
use crate::render;

impl App {
    /// Prints the declarations of `file`, read as `from` (or as its first
    /// line says); all of them, or none and every error.
    pub(super) fn import(&self, file: &Path, from: Option<Format>) -> u8 {
        let source = match self.read(file) {
            Ok(source) => source,
            Err(code) => return code,
        };
        let format = from.unwrap_or_else(|| Format::detect(&source.text));
        match import(&source, format) {
            Ok(imported) => {
                print!("{}", render::import::text(&imported, &source.name));
                0
            }
            Err(diagnostics) => {
                let errors = self.report(&source, &diagnostics);
                eprintln!("{}", ErrorSummary { errors, withheld: Withheld::Import });
                exit_code(FailureKind::Script)
            }
        }
    }
}
