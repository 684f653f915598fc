//! The JSON Schema of each `--json` shape (`schema/NAME.schema.json`, one
//! per shape, documented in grammar/GUIDE.md), and output checked against
//! one. Schemas refer to each other by file name; none is fetched.

use std::sync::OnceLock;

use serde_json::Value;

/// Every shape: its name and its schema's text.
pub const SHAPES: &[(&str, &str)] = &[
    ("check", include_str!("../../schema/check.schema.json")),
    ("check-files", include_str!("../../schema/check-files.schema.json")),
    ("connections", include_str!("../../schema/connections.schema.json")),
    ("daemons", include_str!("../../schema/daemons.schema.json")),
    ("describe", include_str!("../../schema/describe.schema.json")),
    ("describe-topic", include_str!("../../schema/describe-topic.schema.json")),
    ("doctor", include_str!("../../schema/doctor.schema.json")),
    ("doctor-fix", include_str!("../../schema/doctor-fix.schema.json")),
    ("event", include_str!("../../schema/event.schema.json")),
    ("expect", include_str!("../../schema/expect.schema.json")),
    ("explain", include_str!("../../schema/explain.schema.json")),
    ("help", include_str!("../../schema/help.schema.json")),
    ("help-command", include_str!("../../schema/help-command.schema.json")),
    ("history", include_str!("../../schema/history.schema.json")),
    ("history-entry", include_str!("../../schema/history-entry.schema.json")),
    ("jobs", include_str!("../../schema/jobs.schema.json")),
    ("keep-status", include_str!("../../schema/keep-status.schema.json")),
    ("lab-status", include_str!("../../schema/lab-status.schema.json")),
    ("lesson", include_str!("../../schema/lesson.schema.json")),
    ("lessons", include_str!("../../schema/lessons.schema.json")),
    ("plan", include_str!("../../schema/plan.schema.json")),
    ("plans", include_str!("../../schema/plans.schema.json")),
    ("probe", include_str!("../../schema/probe.schema.json")),
    ("service", include_str!("../../schema/service.schema.json")),
    ("table", include_str!("../../schema/table.schema.json")),
    ("timeouts", include_str!("../../schema/timeouts.schema.json")),
    ("trace", include_str!("../../schema/trace.schema.json")),
];

const BASE: &str = "https://lvsh.invalid/schema/";

fn registry() -> &'static jsonschema::Registry<'static> {
    static REGISTRY: OnceLock<jsonschema::Registry<'static>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = jsonschema::Registry::new();
        for (name, text) in SHAPES {
            let schema: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("schema {name}: {e}"));
            registry = registry
                .add(format!("{BASE}{name}.schema.json"), schema)
                .unwrap_or_else(|e| panic!("schema {name}: {e}"));
        }
        registry.prepare().unwrap_or_else(|e| panic!("the schemas: {e}"))
    })
}

/// The validator of shape `name`.
pub fn validator(name: &str) -> jsonschema::Validator {
    let (_, text) = SHAPES.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no shape {name}"));
    let schema: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("schema {name}: {e}"));
    jsonschema::options()
        .offline()
        .with_registry(registry())
        .build(&schema)
        .unwrap_or_else(|e| panic!("schema {name} does not build: {e}"))
}

/// `text` is one JSON document of shape `name`: returned, or the test
/// fails with every place it differs.
pub fn check(name: &str, text: &str) -> Value {
    let value: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}) for {name}:\n{text}"));
    let errors: Vec<String> =
        validator(name).iter_errors(&value).map(|e| format!("  at {}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "output is not shape {name}:\n{}\n{text}", errors.join("\n"));
    value
}

/// `text` is JSON lines, each of shape `name`.
pub fn check_lines(name: &str, text: &str) -> Vec<Value> {
    text.lines().filter(|l| !l.trim().is_empty()).map(|line| check(name, line)).collect()
}

/// The first JSON document in `text` that starts with `start` (output mixed
/// with other lines), checked as shape `name`.
pub fn check_at(name: &str, text: &str, start: &str) -> Value {
    let at = text.find(start).unwrap_or_else(|| panic!("no {start:?} for {name} in:\n{text}"));
    let mut values = serde_json::Deserializer::from_str(&text[at..]).into_iter::<Value>();
    let value = match values.next() {
        Some(Ok(value)) => value,
        other => panic!("no JSON document at {start:?} ({other:?}) in:\n{text}"),
    };
    check(name, &value.to_string())
}
