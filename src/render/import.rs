//! `lvsh import`'s output: a `.lvs` file of declarations (printed by the
//! language's own printer, so they always parse), each note a comment.

use crate::converge::import::{Imported, Item};
use crate::lang::ast::StmtKind;
use crate::lang::print::print_stmt;

/// The declarations and notes of an import of `file`.
pub fn text(imported: &Imported, file: &str) -> String {
    let mut out = format!("# imported by lvsh from {file} ({})\n", imported.format.name());
    if !imported.items.iter().any(|item| matches!(item, Item::Service(_))) {
        out += "# no services\n";
    }
    for item in &imported.items {
        match item {
            Item::Heading(text) => out += &format!("\n# {text}\n"),
            Item::Service(decl) => out += &(print_stmt(&StmtKind::Service(decl.clone())) + "\n"),
            Item::Timeouts(t) => out += &(print_stmt(&StmtKind::Timeouts(*t)) + "\n"),
            Item::Note(text) => out += &format!("# {text}\n"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::converge::import::{import, Format};
    use crate::lang::source::Source;

    #[test]
    fn the_header_names_the_file_and_its_format() {
        let source = Source::new("rules", "-A -t 10.0.0.1:80 -s rr\n");
        let imported = import(&source, Format::Ipvsadm).unwrap();
        assert_eq!(
            text(&imported, "rules"),
            "# imported by lvsh from rules (ipvsadm -S)\nservice tcp 10.0.0.1:80 rr\n"
        );
        let empty = import(&Source::new("k", "global_defs {\n}\n"), Format::Keepalived).unwrap();
        assert_eq!(text(&empty, "k"), "# imported by lvsh from k (keepalived.conf)\n# no services\n");
    }
}
