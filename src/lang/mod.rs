//! Text to AST: the `.lvs` language and ipvsadm-syntax lines. Knows nothing
//! of the kernel beyond the model's plain types.

pub mod abbrev;
pub mod ast;
pub mod check;
pub mod codes;
pub mod command;
pub mod describe;
pub mod diagnostic;
pub mod ipvsadm;
pub mod keepalived;
pub mod keywords;
pub mod parse;
pub mod print;
pub mod shape;
pub mod show;
pub mod source;
pub mod token;

use ast::Script;
use diagnostic::Diagnostic;
use source::Source;

/// Parses and checks a source: the script, and every error and warning
/// found. `nodes` says which words are nodes that run a command.
pub fn parse(source: &Source, nodes: parse::Nodes) -> (Script, Vec<Diagnostic>) {
    let (script, mut diagnostics) = parse::parse_script(source, nodes);
    diagnostics.extend(check::check(&script, &[]));
    (script, diagnostics)
}
