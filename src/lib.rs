//! lvsh: a shell and scripting language for Linux IPVS.
//!
//! ```text
//! text ──lang (nom)──▶ AST ──interp──▶ ops on the model ──ipvs──▶ netlink ──▶ kernel
//! ```
//!
//! This crate's layers, bottom up; a module uses only modules of the layers
//! before its own (tests/host/architecture.rs checks it):
//!
//! 1. [`ipvs`]: the model and the netlink client;
//! 2. [`probe`], [`node`]: connections through a service; processes in namespaces;
//! 3. [`lang`]: text to checked statements;
//! 4. [`lab`], [`converge`], [`diagnose`]: the test lab's namespaces and
//!    bridges; the difference between declarations and the kernel, as a
//!    plan; what stops traffic, found from facts read in the namespaces;
//! 5. [`keep`]: the keeper's health counts, and the table it keeps;
//! 6. [`render`]: text for people and machines;
//! 7. [`interp`]: runs statements against the kernel;
//! 8. [`script`]: Rhai over the interpreter;
//! 9. [`repl`], [`cli`]: the interactive shell; the command line;
//! 10. [`app`]: from the command line to a run, and its exit code.
//!
//! Where a lower layer needs something of a higher one, the higher one
//! hands it down: the lab's node names reach the parser as a
//! [`lang::parse::Nodes`] function, and Rhai reaches the interpreter as an
//! [`interp::Scripting`] that `app` and the shell pass to
//! [`interp::Interpreter::new`].

pub mod app;
pub mod cli;
pub mod converge;
pub mod diagnose;
pub mod interp;
pub mod ipvs;
pub mod keep;
pub mod lab;
pub mod lang;
pub mod node;
pub mod probe;
pub mod render;
pub mod repl;
pub mod script;
