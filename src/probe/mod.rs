//! Probing a virtual service: real connections ([`connect`]), the record of
//! which backend served each ([`result`]), and the assertions made over it
//! ([`expect`]). Only `connect` opens sockets; the rest is pure, so the
//! judging is unit-tested on the host.

pub mod announce;
pub mod connect;
pub mod expect;
pub mod health;
pub mod names;
pub mod result;
pub mod trace;

pub use expect::{judge, Expectation, Verdict};
pub use result::{Attempt, Failure, LatencySummary, Outcome, ProbeResult, Served};
