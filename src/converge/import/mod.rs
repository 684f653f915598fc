//! `lvsh import FILE`: an `ipvsadm -S` file or a keepalived.conf as the
//! `.lvs` declarations that `lvsh apply` turns into the same table. Nothing
//! here touches a kernel: an ipvsadm file is played on a table in memory
//! ([`simulate`]), a keepalived.conf is read as keepalived reads it
//! ([`keepalived`]). What has no `.lvs` equivalent becomes a note (a
//! comment in the output), never nothing.

mod groups;
mod ipvsadm;
mod keepalived;
mod services;
mod simulate;
mod values;
mod virtual_server;

pub use virtual_server::commented;

use crate::lang::ast::{ServiceDecl, TimeoutsDecl};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::source::Source;

/// The two kinds of file `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Lines of ipvsadm options, as `ipvsadm -S` prints them.
    Ipvsadm,
    /// keepalived's configuration file.
    Keepalived,
}

impl Format {
    /// The format's name, as the output's header gives it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Ipvsadm => "ipvsadm -S",
            Format::Keepalived => "keepalived.conf",
        }
    }

    /// The format of a text: ipvsadm when its first line that is not blank
    /// or a comment is an ipvsadm option (`-A ...`) or starts with
    /// `ipvsadm`; keepalived.conf otherwise.
    pub fn detect(text: &str) -> Format {
        let first = text
            .lines()
            .map(str::trim_start)
            .find(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with('!'));
        match first {
            Some(line) if line.starts_with('-') || line.split_whitespace().next() == Some("ipvsadm") => {
                Format::Ipvsadm
            }
            _ => Format::Keepalived,
        }
    }
}

/// What a file declares, in the order it says it.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub format: Format,
    pub items: Vec<Item>,
}

/// One part of the output.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Where the declarations after it come from (a comment before them).
    Heading(String),
    Service(ServiceDecl),
    Timeouts(TimeoutsDecl),
    /// Something the file says that has no declaration: what, and why.
    Note(String),
}

/// The diagnostic code of a keepalived value lvsh cannot import as keepalived means it.
pub const BAD_VALUE: &str = "lvs::import::bad-value";

/// The diagnostic code of a service made twice, or a group name given twice.
pub const DUPLICATE: &str = "lvs::import::duplicate";

/// A value that cannot be imported: what is wrong, where, and what to write.
fn bad_value(
    span: crate::lang::source::Span,
    message: impl Into<String>,
    label: &str,
    help: impl Into<String>,
) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(BAD_VALUE, message, span, label).with_help(help))
}

/// Every declaration and note of `source`, read as `format`; or every
/// reason it cannot be imported (nothing is, then).
pub fn import(source: &Source, format: Format) -> Result<Imported, Vec<Diagnostic>> {
    let items = match format {
        Format::Ipvsadm => ipvsadm::import(source).map_err(|d| vec![*d])?,
        Format::Keepalived => keepalived::import(source)?,
    };
    Ok(Imported { format, items })
}

/// The items as `.lvs` text, without a header, for the tests of each format.
#[cfg(test)]
fn text(items: &[Item]) -> String {
    use crate::lang::ast::StmtKind;
    use crate::lang::print::print_stmt;
    items
        .iter()
        .map(|item| match item {
            Item::Service(d) => print_stmt(&StmtKind::Service(d.clone())) + "\n",
            Item::Timeouts(t) => print_stmt(&StmtKind::Timeouts(*t)) + "\n",
            Item::Note(n) | Item::Heading(n) => format!("# {n}\n"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_read_from_the_first_line_that_says_something() {
        assert_eq!(Format::detect("# saved\n\n-A -t 10.0.0.1:80 -s rr\n"), Format::Ipvsadm);
        assert_eq!(Format::detect("ipvsadm -A -t 10.0.0.1:80\n"), Format::Ipvsadm);
        assert_eq!(Format::detect("! Configuration File\nglobal_defs {\n}\n"), Format::Keepalived);
        assert_eq!(Format::detect("virtual_server 10.0.0.1 80 {\n}\n"), Format::Keepalived);
        assert_eq!(Format::detect(""), Format::Keepalived);
    }
}
