//! One entry of `help rhai`. The entries are written next to the Rhai API
//! (`crate::script`); their type is here so that showing them needs nothing
//! from the layers above rendering.

/// One function or property of lvsh's Rhai API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FnDoc {
    /// The name a script calls, e.g. `add_backend`.
    pub name: &'static str,
    /// How it is called, with argument and result types.
    pub signature: &'static str,
    /// What it does, in one line.
    pub doc: &'static str,
    /// A line of Rhai that uses it.
    pub example: &'static str,
}
