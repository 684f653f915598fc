//! Diagnosis: why a service does not answer, in words, with the fix.
//!
//! ```text
//! namespaces ──gather──▶ Facts ──checks──▶ Findings ──render──▶ text, JSON
//! ```
//!
//! The checks are pure functions over [`Facts`] (sysctls, routes, listening
//! sockets, the IPVS table), so they are tested on the host with facts
//! written by hand, and `doctor`, a later `trace` and a failed probe can all
//! ask them. [`gather`] reads the facts from the director's namespace and
//! from the backends' namespaces lvsh can enter (the lab's nodes).

pub mod checks;
pub mod facts;
pub mod finding;
pub mod gather;
pub mod links;
pub mod sockets;

pub use facts::{BackendHost, Conf, ConfValues, Facts, Link, Listeners, Route, ServiceFacts, VsSysctls};
pub use finding::{relevant, Finding, Place, Severity};
