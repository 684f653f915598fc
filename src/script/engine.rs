//! The sandbox scripts run in: its limits, on an engine with nothing of
//! lvsh's yet (`api` adds the functions). Rhai has no file, process or
//! network access of its own, and `no_module` leaves `import` out of the
//! language.

use rhai::Engine;

/// The sandbox: every script stops with a clear error when it passes one.
pub mod limits {
    /// Operations per evaluation: `loop {}` ends here, well within a second.
    pub const OPERATIONS: u64 = 1_000_000;
    /// Nested function calls: a runaway recursion ends here.
    pub const CALL_LEVELS: usize = 32;
    /// Nesting of expressions, at the top level and inside functions.
    pub const EXPR_DEPTH: usize = 64;
    pub const FUNCTION_EXPR_DEPTH: usize = 32;
    /// Bytes in one string.
    pub const STRING_SIZE: usize = 1 << 20;
    /// Items in one array.
    pub const ARRAY_SIZE: usize = 100_000;
    /// Entries in one map.
    pub const MAP_SIZE: usize = 10_000;
    /// Variables alive at once.
    pub const VARIABLES: usize = 1_000;
}

/// An engine with the sandbox's limits and no lvsh functions: enough to compile a script.
pub fn sandboxed() -> Engine {
    let mut engine = Engine::new();
    engine
        .set_max_operations(limits::OPERATIONS)
        .set_max_call_levels(limits::CALL_LEVELS)
        .set_max_expr_depths(limits::EXPR_DEPTH, limits::FUNCTION_EXPR_DEPTH)
        .set_max_string_size(limits::STRING_SIZE)
        .set_max_array_size(limits::ARRAY_SIZE)
        .set_max_map_size(limits::MAP_SIZE)
        .set_max_variables(limits::VARIABLES);
    // `eval` would compile text the checks before a run never saw.
    engine.disable_symbol("eval");
    engine
}
