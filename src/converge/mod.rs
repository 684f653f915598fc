//! Converging the kernel to declarations: the table a set of files
//! declares ([`desired`]), the table the kernel holds ([`table::Live`]),
//! their difference as a plan ([`diff`]), and the plan as operations with
//! their undo ([`steps`]). `lvsh plan` prints the plan; `lvsh apply`
//! sends the operations through the interpreter, as one transaction.

pub mod declare;
pub mod desired;
pub mod diff;
pub mod history;
pub mod import;
pub mod steps;
pub mod table;

pub use diff::{changes, plan, BackendPlan, Changes, Field, Plan, ServicePlan};
pub use steps::{steps, Steps};
pub use table::{DeclaredService, Desired, Live, LiveService, Origin, Replay};
