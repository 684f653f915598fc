//! The `--json` shapes: one JSON Schema file per shape in `schema/`, each
//! documented in grammar/GUIDE.md; the results that need no kernel checked
//! here against theirs (the guest tests check the rest on a real kernel).

use crate::lvsh::Lvsh;
use crate::schema::{check, validator, SHAPES};
use crate::support::root;

#[test]
fn every_schema_file_is_a_shape_that_builds_with_its_own_id() {
    let mut files: Vec<String> = std::fs::read_dir(root().join("schema"))
        .expect("the schema folder")
        .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut shapes: Vec<String> = SHAPES.iter().map(|(name, _)| format!("{name}.schema.json")).collect();
    shapes.sort();
    assert_eq!(files, shapes, "tests/support/schema.rs lists every file of schema/, and only those");
    for (name, text) in SHAPES {
        let schema: serde_json::Value = serde_json::from_str(text).expect("a schema is JSON");
        assert_eq!(schema["$id"], format!("https://lvsh.invalid/schema/{name}.schema.json"), "{name}");
        assert!(schema["title"].is_string() && schema["description"].is_string(), "{name} says what it is");
        validator(name);
    }
}

#[test]
fn the_guide_documents_every_shape_and_no_other() {
    let guide = std::fs::read_to_string(root().join("grammar/GUIDE.md")).expect("the guide");
    let named: std::collections::BTreeSet<&str> = guide
        .match_indices("schema/")
        .filter_map(|(at, _)| {
            let rest = &guide[at + "schema/".len()..];
            rest.find(".schema.json").map(|end| &rest[..end])
        })
        .filter(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .collect();
    let shapes: std::collections::BTreeSet<&str> = SHAPES.iter().map(|(name, _)| *name).collect();
    assert_eq!(named, shapes, "grammar/GUIDE.md's JSON section names each schema file");
}

#[test]
fn a_schema_refuses_what_its_shape_is_not() {
    let expect = validator("expect");
    let good = serde_json::json!({"statement": "expect web spread even", "passed": true,
                                  "expected": "even", "observed": "even"});
    assert!(expect.is_valid(&good));
    let mut extra = good.clone();
    extra["surprise"] = serde_json::json!(1);
    assert!(!expect.is_valid(&extra), "a field the guide does not document");
    let mut missing = good;
    missing.as_object_mut().map(|o| o.remove("passed"));
    assert!(!expect.is_valid(&missing), "a documented field left out");
}

#[test]
fn help_as_json_lists_every_command_and_each_one_s_options() {
    let out = Lvsh::new().args(["--json", "-c", "help"]).run().succeeds();
    let help = check("help", &out.stdout);
    let listed: Vec<&str> = help["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| g["commands"].as_array().into_iter().flatten())
        .filter_map(|c| c["name"].as_str())
        .collect();
    let commands: Vec<&str> = lvsh::lang::command::COMMAND_HELP.iter().map(|c| c.name).collect();
    let mut sorted = (listed.clone(), commands.clone());
    sorted.0.sort();
    sorted.1.sort();
    assert_eq!(sorted.0, sorted.1, "help --json lists each command once");
    for name in commands {
        let out = Lvsh::new().args(["--json", "-c", &format!("help {name}")]).run().succeeds();
        let one = check("help-command", &out.stdout);
        assert_eq!(one["name"], name);
    }
}

#[test]
fn check_as_json_gives_each_file_s_diagnostics_with_lines_and_columns() {
    let dir = std::env::temp_dir().join(format!("lvsh-json-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a test folder");
    std::fs::write(dir.join("good.lvs"), "echo hi\n").expect("good.lvs");
    std::fs::write(dir.join("bad.lvs"), "echo hi\nservice web tcp 1.2.3.4:80 rr {\n").expect("bad.lvs");
    let out = Lvsh::new().current_dir(&dir).args(["--json", "check", "good.lvs", "bad.lvs"]).run().exits(2);
    assert_eq!(out.stderr, "", "the diagnostics are in the JSON");
    let files = check("check-files", &out.stdout);
    assert_eq!(
        (files["files"][0]["ok"].as_bool(), files["files"][0]["statements"].as_u64()),
        (Some(true), Some(1))
    );
    let d = &files["files"][1]["diagnostics"][0];
    assert_eq!(d["code"], "lvs::parse::unclosed-block", "{files}");
    assert_eq!((d["at"]["line"].as_u64(), d["at"]["column"].as_u64()), (Some(2), Some(31)), "{files}");
    let out = Lvsh::new().current_dir(&dir).args(["--json", "check", "good.lvs"]).run().succeeds();
    assert_eq!(check("check-files", &out.stdout)["files"][0]["diagnostics"], serde_json::json!([]));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn describe_as_json_gives_every_topic_whole() {
    let out = Lvsh::new().args(["--json", "-c", "describe"]).run().succeeds();
    let all = check("describe", &out.stdout);
    let names: Vec<&str> =
        all["topics"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names.len(), lvsh::lang::describe::TOPICS.len(), "{all}");
    let out = Lvsh::new().args(["--json", "-c", "describe mh"]).run().succeeds();
    let mh = check("describe-topic", &out.stdout);
    assert_eq!(
        (mh["kind"].as_str(), mh["ipvsadm"].as_str().map(|s| s.contains("-s mh"))),
        (Some("scheduler"), Some(true)),
        "{mh}"
    );
}

#[test]
fn the_lessons_as_json_name_each_step() {
    let out = Lvsh::new().args(["--json", "-c", "tutorial --list"]).run().succeeds();
    let all = check("lessons", &out.stdout);
    assert_eq!(all["lessons"][0]["name"], "seed", "{all}");
    let out = Lvsh::new().args(["--json", "-c", "tutorial weights --list"]).run().succeeds();
    let weights = check("lesson", &out.stdout);
    assert_eq!(
        weights["steps"].as_array().map(Vec::len),
        all["lessons"][1]["steps"].as_array().map(Vec::len)
    );
    assert!(weights["steps"][0]["code"].as_array().is_some_and(|c| !c.is_empty()), "{weights}");
}
