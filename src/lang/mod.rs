//! text to AST: the .lvs language and ipvsadm-syntax lines.

pub mod ipvsadm;
pub mod show;
