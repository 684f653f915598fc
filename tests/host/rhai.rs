//! Rhai without a kernel: the sandbox's limits, type errors, and errors
//! placed at their line of the `.lvs` file. (What reaches the kernel is
//! tested in the guest, `tests/guest/script.rs`.)

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::time::{Duration, Instant};

use lvsh::interp::{Failure, FailureKind, Interpreter};
use lvsh::ipvs::{
    BackendEntry, ConnEntry, Daemon, Info, Kernel, KernelError, Netns, Op, Outcomes, ServiceEntry,
    ServiceKey, Timeouts,
};
use lvsh::lang::source::Source;
use lvsh::render::diagnostic::render;
use lvsh::script::ScriptSession;

/// A kernel without IPVS: these tests never need one.
struct NoIpvs;

impl Kernel for NoIpvs {
    fn info(&mut self) -> Result<Info, KernelError> {
        Err(KernelError::IpvsMissing)
    }
    fn services(&mut self) -> Result<Vec<ServiceEntry>, KernelError> {
        Err(KernelError::IpvsMissing)
    }
    fn service(&mut self, _: &ServiceKey) -> Result<ServiceEntry, KernelError> {
        Err(KernelError::IpvsMissing)
    }
    fn backends(&mut self, _: &ServiceKey) -> Result<Vec<BackendEntry>, KernelError> {
        Err(KernelError::IpvsMissing)
    }
    fn timeouts(&mut self) -> Result<Timeouts, KernelError> {
        Err(KernelError::IpvsMissing)
    }
    fn daemons(&mut self) -> Result<Vec<Daemon>, KernelError> {
        Err(KernelError::IpvsMissing)
    }
    fn connections(&mut self) -> Result<Vec<ConnEntry>, KernelError> {
        Err(KernelError::IpvsMissing)
    }
    fn netns(&self) -> Netns {
        Netns::Current
    }
    fn apply(&mut self, _: &[Op]) -> Result<Outcomes, KernelError> {
        Err(KernelError::IpvsMissing)
    }
}

/// Output the test can read after the run.
#[derive(Clone, Default)]
struct Captured(Rc<RefCell<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `.lvs` text (checked as `lvsh run` checks it); returns the output and the failure, rendered.
fn run(name: &str, text: &str) -> (String, Option<(FailureKind, String)>) {
    let out = Captured::default();
    let mut interp = Interpreter::new(Box::new(NoIpvs), Box::new(out.clone()));
    let source = Source::new(name, text);
    let (script, mut diagnostics) = lvsh::lang::parse(&source, lvsh::lab::Lab::is_node);
    diagnostics.extend(lvsh::script::check(&source, &script));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let failure = interp.run(&source, &script).err().or_else(|| interp.failures.pop());
    let text = String::from_utf8_lossy(&out.0.borrow()).into_owned();
    (text, failure.map(|f| (f.kind, rendered(&f))))
}

fn rendered(f: &Failure) -> String {
    render(&f.diagnostic, &f.source, false)
}

fn failure_of(text: &str) -> (FailureKind, String) {
    let (_, failure) = run("t.lvs", text);
    failure.expect("the script fails")
}

#[test]
fn an_endless_loop_stops_at_the_operation_limit_with_a_clear_error() {
    let started = Instant::now();
    let (kind, text) = failure_of("script {\n    let n = 0;\n    loop { n += 1; }\n}\n");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert_eq!(kind, FailureKind::Script);
    assert!(text.starts_with("error[lvs::script::limit]: too many operations (at most 1000000)"), "{text}");
    assert!(text.contains("--> t.lvs:3:"), "{text}");
    assert!(text.contains("is there a loop that never ends?"), "{text}");
}

#[test]
fn a_runaway_recursion_stops_at_the_call_depth_limit() {
    let started = Instant::now();
    let (kind, text) = failure_of("script {\n    fn down(n) { down(n + 1) }\n    down(0);\n}\n");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert_eq!(kind, FailureKind::Script);
    assert!(
        text.starts_with("error[lvs::script::limit]: too many nested function calls (at most 32)"),
        "{text}"
    );
    assert!(text.contains(" --> t.lvs:3:5\n"), "{text}");
    assert!(text.contains("does a recursion miss its end?"), "{text}");
}

#[test]
fn strings_and_arrays_have_a_size_limit() {
    let (_, text) = failure_of("script { let s = \"x\"; loop { s += s; } }");
    assert!(text.starts_with("error[lvs::script::limit]: "), "{text}");
    let (_, text) = failure_of("script { let a = []; a.pad(200000, 0); }");
    assert!(text.starts_with("error[lvs::script::limit]: "), "{text}");
}

#[test]
fn there_is_no_import_and_no_eval() {
    let source = Source::new("t.lvs", "script { import \"x\" as y; }\nscript { eval(\"1\"); }\n");
    let (script, _) = lvsh::lang::parse(&source, lvsh::lab::Lab::is_node);
    let errors = lvsh::script::check(&source, &script);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().all(|d| d.code == "lvs::script::syntax"), "{errors:?}");
}

#[test]
fn an_error_points_at_its_line_in_the_lvs_file() {
    let text = "echo before\nscript {\n    let x = 1;\n    let y = x + \"a\" * 2;\n}\necho after\n";
    let (out, failure) = run("lab.lvs", text);
    let (kind, rendered) = failure.expect("the block fails");
    assert_eq!(out, "before\n");
    assert_eq!(kind, FailureKind::Script);
    assert!(rendered.contains(" --> lab.lvs:4:21\n"), "{rendered}");
    assert!(rendered.contains("4 |     let y = x + \"a\" * 2;\n"), "{rendered}");
}

#[test]
fn a_syntax_error_is_found_before_anything_runs() {
    let source = Source::new("lab.lvs", "show\nscript {\n  let = 3;\n}\n");
    let (script, _) = lvsh::lang::parse(&source, lvsh::lab::Lab::is_node);
    let errors = lvsh::script::check(&source, &script);
    assert_eq!(errors.len(), 1);
    let text = render(&errors[0], &source, false);
    assert!(text.starts_with("error[lvs::script::syntax]: "), "{text}");
    assert!(text.contains(" --> lab.lvs:3:7\n"), "{text}");
}

#[test]
fn a_value_of_the_wrong_type_is_named() {
    let (_, text) = failure_of("script {\n  sleep(\"ten\");\n}");
    assert!(
        text.starts_with("error[lvs::script::no-function]: no function matches `sleep(string)`"),
        "{text}"
    );
    assert!(text.contains(" --> t.lvs:2:3\n"), "{text}");
    let (_, text) = failure_of("script { let n = 1 + (); }");
    assert!(text.starts_with("error[lvs::script::no-function]: "), "{text}");
    let (_, text) = failure_of("script { sleep(-5); }");
    assert!(text.starts_with("error[lvs::script::range]: cannot sleep -5 ms"), "{text}");
}

#[test]
fn a_misspelt_function_gets_a_suggestion() {
    let (_, text) = failure_of("script { servics(); }");
    assert!(text.contains("help: did you mean `services`?"), "{text}");
}

#[test]
fn print_goes_to_the_runs_output_and_assert_is_an_expectation() {
    let (out, failure) = run(
        "t.lvs",
        "script { print(`sum ${1 + 2}`); assert(1 > 2, \"one is more\"); print(\"no\"); }\necho after",
    );
    assert_eq!(out, "sum 3\nafter\n");
    let (kind, text) = failure.expect("the assertion fails");
    assert_eq!(kind, FailureKind::Expectation);
    assert!(text.starts_with("error[lvs::script::assert]: assertion failed: one is more"), "{text}");
}

#[test]
fn a_thrown_value_and_a_kernel_error_read_as_messages() {
    let (_, text) = failure_of("script {\n  throw \"no way\";\n}");
    assert!(text.starts_with("error[lvs::script::thrown]: no way\n --> t.lvs:2:3"), "{text}");
    let (_, text) = failure_of("script {\n  services();\n}");
    assert!(
        text.starts_with("error[lvs::kernel::refused]: IPVS is not available in this kernel\n --> t.lvs:2:3"),
        "{text}"
    );
    let (out, _) = run("t.lvs", "script { try { services(); } catch (e) { print(e.message); } }");
    assert_eq!(out, "IPVS is not available in this kernel\n");
}

#[test]
fn a_bad_option_or_reference_uses_the_languages_words() {
    let (_, text) = failure_of("script { service_add(\"tcp 1.2.3.4:80\", #{ schedular: \"rr\" }); }");
    assert!(
        text.starts_with("error[lvs::script::option]: unknown option `schedular` for a service"),
        "{text}"
    );
    assert!(text.contains("help: did you mean `scheduler`?"), "{text}");
    let (_, text) = failure_of("script { service_add(\"tcp 1.2.3.4\"); }");
    assert!(text.starts_with("error[lvs::parse::bad-address]: `1.2.3.4` is not an address:port"), "{text}");
    let (_, text) = failure_of("script { service(\"webb\"); }");
    assert!(text.starts_with("error[lvs::check::unknown-service]: no service is named `webb`"), "{text}");
}

#[test]
fn a_rhai_file_is_one_block_and_its_errors_point_into_it() {
    let source = Source::new("gen.rhai", "let a = 1;\nlet b = a +;\n");
    let script = lvsh::script::rhai_file(&source);
    let errors = lvsh::script::check(&source, &script);
    assert_eq!(errors.len(), 1);
    assert!(render(&errors[0], &source, false).contains(" --> gen.rhai:2:"), "{errors:?}");
}

#[test]
fn the_repl_keeps_variables_and_functions_between_lines() {
    let mut interp = Interpreter::new(Box::new(NoIpvs), Box::new(Captured::default()));
    let mut session = ScriptSession::new();
    assert_eq!(ScriptSession::strip("= let x = 20"), Some(" let x = 20"));
    assert_eq!(ScriptSession::strip("show"), None);
    assert_eq!(session.eval_line(&mut interp, "let x = 20").unwrap(), None);
    assert_eq!(session.eval_line(&mut interp, "fn twice(n) { n * 2 }").unwrap(), None);
    assert_eq!(session.eval_line(&mut interp, "twice(x) + 2").unwrap().as_deref(), Some("42"));
    let failure = session.eval_line(&mut interp, "loop {}").unwrap_err();
    assert_eq!(failure.diagnostic.code, "lvs::script::limit");
    assert_eq!(session.eval_line(&mut interp, "x").unwrap().as_deref(), Some("20"));
}
