//! Errors across the border: an lvsh failure travels through Rhai as a
//! runtime error carrying it (so `try`/`catch` sees its message), and any
//! Rhai error comes back as a failure pointing at its line in the source.

use std::rc::Rc;

use rhai::{Dynamic, EvalAltResult, ParseError, Position};

use super::engine::limits;
use super::place::Place;
use crate::interp::{Failure, FailureKind};
use crate::lang::diagnostic::{suggest, Diagnostic};

/// An lvsh failure as a Rhai value (what `catch (e)` receives).
#[derive(Debug, Clone)]
pub struct ScriptError(pub Rc<Failure>);

impl ScriptError {
    /// The failure's message, as the `.lvs` language words it.
    pub fn message(&self) -> String {
        self.0.diagnostic.message.clone()
    }

    /// The failure's diagnostic code, e.g. `lvs::kernel::refused`.
    pub fn code(&self) -> String {
        self.0.diagnostic.code.to_string()
    }
}

/// A failure as a Rhai error at `pos`.
pub fn raise(failure: Failure, pos: Position) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(Dynamic::from(ScriptError(Rc::new(failure))), pos).into()
}

/// The failure a Rhai error means, placed in the code's source.
pub fn failure(place: &Place, error: EvalAltResult) -> Failure {
    let error = match error {
        EvalAltResult::ErrorInFunctionCall(name, _, inner, pos) => {
            let mut failure = failure(place, *inner);
            let (line, col) = place.source().line_col(place.span_at(pos).start as usize);
            let note = format!("in function `{name}`, called at line {line}, column {col}");
            // Name only the outermost call: a deep recursion would repeat it.
            match failure.diagnostic.notes.iter_mut().find(|n| n.starts_with("in function")) {
                Some(inner) => *inner = note,
                None => failure.diagnostic.notes.push(note),
            }
            return failure;
        }
        EvalAltResult::ErrorRuntime(value, pos) => return runtime(place, value, pos),
        other => other,
    };
    let (code, help, kind) = classify(&error);
    let mut error = error;
    let span = place.span_at(error.take_position());
    let message = match &error {
        EvalAltResult::ErrorFunctionNotFound(signature, _) => no_function(signature),
        EvalAltResult::ErrorTooManyOperations(_) => {
            format!("too many operations (at most {})", limits::OPERATIONS)
        }
        EvalAltResult::ErrorStackOverflow(_) => {
            format!("too many nested function calls (at most {})", limits::CALL_LEVELS)
        }
        other => lower_first(&other.to_string()),
    };
    let mut diagnostic = Diagnostic::error(code, message, span, "");
    diagnostic.help = help;
    Failure::new(kind, place.source(), diagnostic)
}

/// A compile error as a diagnostic in the code's source.
pub fn syntax(place: &Place, error: &ParseError) -> Diagnostic {
    let span = place.span_at(error.position());
    Diagnostic::error("lvs::script::syntax", lower_first(&error.err_type().to_string()), span, "here")
}

/// A value a script threw, or an lvsh failure that went through Rhai.
fn runtime(place: &Place, value: Dynamic, pos: Position) -> Failure {
    if let Some(e) = value.read_lock::<ScriptError>() {
        return (*e.0).clone();
    }
    let span = place.span_at(pos);
    let mut diagnostic = Diagnostic::error("lvs::script::thrown", value.to_string(), span, "thrown here");
    diagnostic.help = Some("catch it with `try { ... } catch (e) { ... }` to go on".into());
    Failure::script(place.source(), diagnostic)
}

/// The code, hint and kind of a Rhai error.
fn classify(error: &EvalAltResult) -> (&'static str, Option<String>, FailureKind) {
    let limit = |help: String| ("lvs::script::limit", Some(help), FailureKind::Script);
    match error {
        EvalAltResult::ErrorTooManyOperations(_) | EvalAltResult::ErrorTerminated(..) => limit(format!(
            "a script may run {} operations; is there a loop that never ends?",
            limits::OPERATIONS
        )),
        EvalAltResult::ErrorStackOverflow(_) => limit(format!(
            "functions may call each other {} deep; does a recursion miss its end?",
            limits::CALL_LEVELS
        )),
        EvalAltResult::ErrorDataTooLarge(..) => limit(format!(
            "strings may hold {} bytes, arrays {} items and maps {} entries",
            limits::STRING_SIZE,
            limits::ARRAY_SIZE,
            limits::MAP_SIZE
        )),
        EvalAltResult::ErrorTooManyVariables(_) | EvalAltResult::ErrorTooManyModules(_) => {
            limit(format!("a script may hold {} variables and no modules", limits::VARIABLES))
        }
        EvalAltResult::ErrorParsing(..) => ("lvs::script::syntax", None, FailureKind::Script),
        EvalAltResult::ErrorFunctionNotFound(signature, _) => {
            ("lvs::script::no-function", Some(function_help(signature)), FailureKind::Script)
        }
        EvalAltResult::ErrorMismatchDataType(..)
        | EvalAltResult::ErrorMismatchOutputType(..)
        | EvalAltResult::ErrorIndexingType(..) => ("lvs::script::type", None, FailureKind::Script),
        EvalAltResult::ErrorVariableNotFound(..) | EvalAltResult::ErrorPropertyNotFound(..) => {
            ("lvs::script::unknown-name", None, FailureKind::Script)
        }
        _ => ("lvs::script::error", None, FailureKind::Script),
    }
}

/// What to do about a call no function takes: a near name, or the list.
fn function_help(signature: &str) -> String {
    let name = signature.split([' ', '(']).next().unwrap_or(signature);
    let names = super::docs::functions().iter().map(|f| f.name);
    match suggest(name, names) {
        Some(near) if near != name => format!("did you mean `{near}`? `help rhai` lists lvsh's functions"),
        _ => "check the arguments' types; `help rhai` lists lvsh's functions and what they take".into(),
    }
}

/// A call no function takes, in a script writer's words: Rhai names
/// properties `get$x`/`set$x` and types by their Rust names.
fn no_function(signature: &str) -> String {
    let (name, args) = signature.split_once(' ').unwrap_or((signature, ""));
    let args = args.trim().trim_start_matches('(').trim_end_matches(')');
    let types: Vec<&str> = args.split(", ").filter(|t| !t.is_empty()).map(script_type).collect();
    if let Some(property) = name.strip_prefix("set$") {
        let (object, value) = (types.first().unwrap_or(&"value"), types.get(1).unwrap_or(&"value"));
        return format!("property `{property}` of a {object} cannot be set to a {value}");
    }
    if let Some(property) = name.strip_prefix("get$") {
        return format!("a {} has no property `{property}`", types.first().unwrap_or(&"value"));
    }
    format!("no function matches `{name}({})`", types.join(", "))
}

/// A Rust type name as Rhai scripts call the type.
fn script_type(rust: &str) -> &str {
    match rust {
        "&str | ImmutableString | String" | "ImmutableString" | "String" | "&str" => "string",
        "i64" => "int",
        "f64" => "float",
        "Map" | "rhai::Map" => "map",
        "Array" | "rhai::Array" => "array",
        other => other,
    }
}

/// Rhai's messages start with a capital; lvsh's are lowercase sentences.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
