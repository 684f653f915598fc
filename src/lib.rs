//! lvsh: a shell and scripting language for Linux IPVS.
//!
//! ```text
//! text ──lang (nom)──▶ AST ──interp──▶ ops on the model ──ipvs──▶ netlink ──▶ kernel
//! ```
//!
//! This crate's layers, bottom up: [`ipvs`] (the model and the netlink client).

pub mod app;
pub mod cli;
pub mod interp;
pub mod ipvs;
pub mod lab;
pub mod lang;
pub mod node;
pub mod probe;
pub mod render;
pub mod repl;
pub mod script;
pub mod words;
