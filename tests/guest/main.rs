//! Guest tests: lvsh against a real IPVS kernel, inside the QEMU guest that
//! `scripts/test` boots. `ipvsadm` is the independent judge: what lvsh
//! writes is read back with `ipvsadm -S -n` (or `-L -n ...`), and what
//! ipvsadm writes is read back with lvsh. Each test works in a network
//! namespace of its own, so tests run in parallel without meeting.
//!
//! The `missing` module runs in a first phase, before `ip_vs` is loaded.

// Each test crate uses its own part of the shared builder.
#[path = "../support/ipvsadm_corpus.rs"]
mod ipvsadm_corpus;
#[allow(dead_code)]
#[path = "../support/lvsh.rs"]
mod lvsh;
#[path = "../support/pty.rs"]
mod pty;
#[path = "../support/schema.rs"]
mod schema;
mod support;

mod backends;
mod batch;
mod cli;
mod converge;
mod daemons;
mod describe;
mod dist;
mod doctor;
mod doctor_checks;
mod errors;
mod ha;
mod import;
mod ipvsadm_compat;
mod json;
mod keep;
mod lab;
mod lessons;
mod metrics;
mod missing;
mod namespaces;
mod quiet;
mod repl;
mod restore;
mod script;
mod services;
mod timeouts;
mod trace;
mod traffic;
