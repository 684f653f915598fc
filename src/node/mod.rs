//! Running things inside nodes (network namespaces): commands, background
//! jobs with their output, and the built-in backend server.

pub mod jobs;
pub mod serve;
pub mod spawn;
