//! Inputs meant to break lvsh: each must end in a diagnostic, never a
//! crash or a stack overflow.

use lvsh::interp::{FailureKind, Interpreter};
use lvsh::ipvs::{KernelError, Netns, Unreachable};
use lvsh::lab::Lab;
use lvsh::lang::parse::parse_script;
use lvsh::lang::source::Source;
use lvsh::render::diagnostic::render;
use lvsh::repl::catalog::{Catalog, Names};
use lvsh::repl::complete::{complete, Model};
use lvsh::repl::highlight::styles;

use crate::lvsh::Lvsh;

/// `explain` nested 5,000 deep: once a stack overflow.
fn deep_explain() -> String {
    format!("{}flush", "explain ".repeat(5_000))
}

#[test]
fn explain_nested_thousands_deep_is_an_error_not_a_stack_overflow() {
    let (_, found) = parse_script(&Source::new("deep", deep_explain()), Lab::is_node);
    assert_eq!(found.iter().map(|d| d.code).collect::<Vec<_>>(), ["lvs::parse::too-deep"]);
    let dir = std::env::temp_dir().join(format!("lvsh-deep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let file = dir.join("deep.lvs");
    std::fs::write(&file, deep_explain()).expect("write the file");
    let out = Lvsh::new().arg("check").arg(&file).run().exits(2);
    assert!(out.stderr.contains("lvs::parse::too-deep"), "{}", out.stderr);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_shell_completes_and_colors_a_line_of_thousands_of_explains() {
    let (catalog, names) = (Catalog::default(), Names::default());
    let model = Model { catalog: &catalog, names: &names };
    let line = deep_explain();
    let (_, offered) = complete(&line[..line.len() - "flush".len()], model);
    assert!(offered.is_empty(), "nothing fits that deep: {offered:?}");
    assert!(!styles("", &line, model).is_empty());
}

/// Output a run wrote, readable after it.
#[derive(Clone, Default)]
struct Captured(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs the file at `path` as `lvsh run` would, without IPVS (these files
/// only echo and source): what it printed, and its failure rendered.
fn run_file(path: &std::path::Path) -> (String, Option<(FailureKind, String)>) {
    let out = Captured::default();
    let kernel = Unreachable::new(Netns::Current, &KernelError::IpvsMissing);
    let mut interp = Interpreter::new(Box::new(kernel), Box::new(out.clone()), lvsh::script::SCRIPTING);
    let source = Source::read(path).expect("a test file");
    let (script, found) = lvsh::script::parse(&source);
    assert!(found.is_empty(), "{found:?}");
    let failure = interp.run(&source, &script).err();
    let printed = String::from_utf8_lossy(&out.0.borrow()).into_owned();
    (printed, failure.map(|f| (f.kind, render(&f.diagnostic, &f.source, false))))
}

/// A fresh directory with `files` written in it.
fn files(name: &str, files: &[(&str, &[u8])]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lvsh-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    for (file, text) in files {
        std::fs::write(dir.join(file), text).expect("write a test file");
    }
    dir
}

#[test]
fn a_file_that_sources_itself_through_another_is_refused_with_the_chain() {
    let dir = files("cycle", &[]);
    let (a, b) = (dir.join("a.lvs"), dir.join("b.lvs"));
    std::fs::write(&a, format!("echo a\nsource {}\n", b.display())).expect("a.lvs");
    std::fs::write(&b, format!("echo b\n\nsource {}\n", a.display())).expect("b.lvs");
    let (printed, failure) = run_file(&a);
    assert_eq!(printed, "a\nb\n", "each file ran once before the loop was seen");
    let (kind, text) = failure.expect("the loop is refused");
    assert_eq!(kind, FailureKind::Script);
    assert!(text.starts_with("error[lvs::source::cycle]: "), "{text}");
    assert!(text.contains(&format!("{}:3:8", b.display())), "points at b's `source`: {text}");
    assert!(text.contains(&format!("{}:2 sources ", a.display())), "the chain: {text}");
    assert!(text.contains(&format!("{}:3 sources ", b.display())), "the chain: {text}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_chain_of_sources_deeper_than_sixteen_is_refused() {
    let dir = files("depth", &[]);
    for n in 0..20 {
        std::fs::write(
            dir.join(format!("{n}.lvs")),
            format!("source {}\n", dir.join(format!("{}.lvs", n + 1)).display()),
        )
        .expect("a link of the chain");
    }
    let (_, failure) = run_file(&dir.join("0.lvs"));
    let (kind, text) = failure.expect("the chain is cut");
    assert_eq!(kind, FailureKind::Script);
    assert!(text.starts_with("error[lvs::source::too-deep]: `source` is nested more than 16 deep"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_script_that_is_not_utf8_is_a_script_error_naming_the_byte() {
    let dir = files("utf8", &[("bad.lvs", b"echo ok\necho \xff\n")]);
    let out = Lvsh::new().arg("check").arg(dir.join("bad.lvs")).run().exits(2);
    assert!(out.stderr.contains("byte 13 (on line 2) is not part of a character"), "{}", out.stderr);
    let out = Lvsh::new().stdin_bytes(b"echo \xfe").run().exits(2);
    assert!(
        out.stderr.contains("cannot read standard input: it is not UTF-8 text: byte 5"),
        "{}",
        out.stderr
    );
    let sourcing = files("utf8-source", &[("bad.lvs", b"\xc3(")]);
    std::fs::write(sourcing.join("main.lvs"), format!("source {}\n", sourcing.join("bad.lvs").display()))
        .expect("main.lvs");
    let (_, failure) = run_file(&sourcing.join("main.lvs"));
    let (kind, text) = failure.expect("a sourced file that is not text fails");
    assert_eq!(kind, FailureKind::Script);
    assert!(text.starts_with("error[lvs::io::not-utf8]: "), "{text}");
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_dir_all(&sourcing).ok();
}

#[test]
fn scripts_that_run_scripts_stop_at_a_depth_with_an_error() {
    // A script block that runs a script block that runs one ... 12 deep.
    let mut text = "echo \"bottom\"".to_string();
    for _ in 0..12 {
        let quoted = text.replace('\\', "\\\\").replace('"', "\\\"");
        text = format!("script {{ run(\"{quoted}\"); }}");
    }
    let dir = files("scripts", &[("deep.lvs", text.as_bytes())]);
    let (printed, failure) = run_file(&dir.join("deep.lvs"));
    assert_eq!(printed, "", "the bottom is never reached");
    let (kind, text) = failure.expect("too deep");
    assert_eq!(kind, FailureKind::Script);
    assert!(text.contains("lvs::script::too-deep"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

/// Starts `lvsh -c TEXT`, waits until it printed `ready`, sends `signal`,
/// and returns its exit code, standard output and error.
fn signalled(text: &str, ready: &str, signal: i32) -> (Option<i32>, String, String) {
    use std::io::{BufRead, BufReader, Read};
    let mut child = Lvsh::new()
        .commands(text)
        .into_command()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("lvsh starts");
    let mut out = BufReader::new(child.stdout.take().expect("its output"));
    let mut seen = String::new();
    while !seen.contains(ready) {
        let mut line = String::new();
        if out.read_line(&mut line).expect("its output") == 0 {
            break;
        }
        seen.push_str(&line);
    }
    // SAFETY: kill only sends a signal to the child this test started.
    unsafe { libc::kill(child.id() as i32, signal) };
    let mut rest = String::new();
    out.read_to_string(&mut rest).ok();
    let mut err = String::new();
    child.stderr.take().expect("its errors").read_to_string(&mut err).ok();
    let status = child.wait().expect("lvsh ends");
    (status.code(), seen + rest.as_str(), err)
}

#[test]
fn a_signal_during_a_sleep_stops_the_run_at_once_with_the_shells_exit_code() {
    for (signal, name, code) in
        [(libc::SIGINT, "SIGINT", 130), (libc::SIGTERM, "SIGTERM", 143), (libc::SIGHUP, "SIGHUP", 129)]
    {
        let started = std::time::Instant::now();
        let (status, out, err) = signalled("echo ready; sleep 30; echo after", "ready", signal);
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{name}: the sleep went on");
        assert_eq!(status, Some(code), "{name}: {err}");
        assert_eq!(out, "ready\n", "{name}: nothing after the sleep runs");
        assert!(err.starts_with(&format!("error[lvs::run::interrupted]: interrupted by {name}")), "{err}");
        assert!(err.contains("1 | echo ready; sleep 30; echo after"), "points at the sleep: {err}");
    }
}
