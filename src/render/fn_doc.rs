//! One entry of `help rhai`. The entries are written next to the Rhai API
//! (`crate::script`); their type is here so that showing them needs nothing
//! from the layers above rendering.

/// One function or property of lvsh's Rhai API.
#[derive(Debug, Clone, Copy)]
pub struct FnDoc {
    /// The name a script calls, e.g. `add_backend`.
    pub name: &'static str,
    /// How it is called, with argument and result types.
    pub signature: &'static str,
    /// What it does, in one line.
    pub doc: &'static str,
    /// A line of Rhai that uses it.
    pub example: &'static str,
    /// The keys of its option map, from the statement tables (none: no map).
    pub options: fn() -> Vec<&'static str>,
}

impl FnDoc {
    /// The one line `help rhai` gives it: its doc, and its options if it takes a map.
    pub fn line(&self) -> String {
        match (self.options)()[..] {
            [] => self.doc.to_string(),
            ref keys => format!("{} (options: {})", self.doc, keys.join(", ")),
        }
    }
}
