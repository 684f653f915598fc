//! Host tests: everything that needs no kernel.

#[path = "host/abbrev.rs"]
mod abbrev;
#[path = "host/architecture.rs"]
mod architecture;
#[path = "host/cli.rs"]
mod cli;
#[path = "host/codes.rs"]
mod codes;
#[path = "host/commands.rs"]
mod commands;
#[path = "host/describe.rs"]
mod describe;
#[path = "host/examples.rs"]
mod examples;
#[path = "host/fuzz_regressions.rs"]
mod fuzz_regressions;
#[path = "host/grammar.rs"]
mod grammar;
// Each test crate uses its own part of the shared builder.
#[path = "host/hostile.rs"]
mod hostile;
#[path = "host/import.rs"]
mod import;
#[path = "host/ipvsadm_corpus.rs"]
mod ipvsadm_corpus_reads;
#[path = "host/json_shapes.rs"]
mod json_shapes;
// The guest test uses the hosts and services beside the corpus.
#[allow(dead_code)]
#[path = "support/ipvsadm_corpus.rs"]
mod ipvsadm_corpus;
#[allow(dead_code)]
#[path = "support/lvsh.rs"]
mod lvsh;
#[path = "host/man.rs"]
mod man;
#[path = "host/parse_fuzz.rs"]
mod parse_fuzz;
#[path = "host/parse_golden.rs"]
mod parse_golden;
#[path = "host/restore.rs"]
mod restore;
#[path = "host/rhai.rs"]
mod rhai;
// Only the guest tests read JSON lines.
#[allow(dead_code)]
#[path = "support/schema.rs"]
mod schema;
#[path = "host/statements.rs"]
mod statements;
#[path = "host/support.rs"]
mod support;
#[path = "host/tutorial.rs"]
mod tutorial;
