//! `lvsh manpages DIR`: lvsh(1) from the command line's definition
//! (clap_mangen), and lvs(5), the language, from the guide and the
//! statement tables (`render::man`). scripts/dist runs it; a host test
//! renders both with groff and wants no warning.

use std::path::Path;

use clap::CommandFactory;

use super::App;
use crate::interp::FailureKind;

impl App {
    pub(super) fn manpages(&self, dir: &Path) -> u8 {
        let mut lvsh1 = Vec::new();
        let command = crate::cli::Cli::command();
        if let Err(e) = clap_mangen::Man::new(command).render(&mut lvsh1) {
            return self.fail_plain(&format!("cannot render lvsh(1): {e}"), None, FailureKind::Environment);
        }
        let lvs5 = crate::render::man::lvs5(env!("CARGO_PKG_VERSION"));
        let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes);
        let written = std::fs::create_dir_all(dir)
            .and_then(|()| write("lvsh.1", &lvsh1))
            .and_then(|()| write("lvs.5", lvs5.as_bytes()));
        match written {
            Ok(()) => {
                println!("wrote {} and {}", dir.join("lvsh.1").display(), dir.join("lvs.5").display());
                0
            }
            Err(e) => self.fail_plain(
                &format!("cannot write the manual pages into {}: {e}", dir.display()),
                Some("check that the folder is writable"),
                FailureKind::Environment,
            ),
        }
    }
}
