//! Probing a virtual service: the record of which backend served each
//! connection ([`result`]) and the assertions made over it ([`expect`]).
//!
//! This part is pure: it never opens a socket. Whatever opens the connections
//! fills a [`ProbeResult`]; [`judge`] reads it.

pub mod expect;
pub mod result;
pub mod tcp;

pub use expect::{judge, Expectation, Verdict};
pub use result::{Attempt, Failure, LatencySummary, Outcome, ProbeResult, Served};
