//! Rendering: the only module that formats output for people or machines.
//!
//! Everything below the renderers (the kernel client, the model) returns
//! data; the text users and scripts read is made here and nowhere else.

pub mod check;
pub mod describe;
pub mod diagnostic;
pub mod digits;
pub mod doctor;
pub mod explain;
pub mod export;
pub mod fn_doc;
pub mod help;
pub mod history;
pub mod import;
pub mod ipvsadm;
pub mod ipvsadm_line;
pub mod json;
pub mod keep_status;
pub mod lab;
pub mod lab_backends;
pub mod man;
pub mod metrics;
pub mod notes;
pub mod plan;
pub mod probe;
pub mod table;
pub mod trace;
pub mod tutorial;
pub mod watch;
pub mod words;
