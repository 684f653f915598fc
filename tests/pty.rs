//! The shell through a pseudo-terminal, on the host: editing, completion
//! of the grammar, blocks, Ctrl-C, errors and history. No test here changes
//! a kernel (the host usually has no IPVS; the shell opens anyway); the
//! kernel's own objects are completed in the guest (tests/guest/repl.rs).

// Each test crate uses its own part of the shared builder.
#[allow(dead_code)]
#[path = "support/lvsh.rs"]
mod lvsh;
#[path = "support/pty.rs"]
mod pty;

use std::os::unix::fs::PermissionsExt;

use pty::{state_dir, Shell};

#[test]
fn tab_completes_commands_keywords_options_and_paths() {
    let state = state_dir("tab");
    let mut sh = Shell::start(&state, &[]);
    // A unique completion is inserted with its blank.
    sh.send("pro\t");
    sh.expect("probe ");
    sh.send("\x03");
    sh.prompt();
    // Several: the second Tab lists them.
    sh.send("del \t\t");
    sh.expect("backend  service");
    sh.send("\x03");
    sh.prompt();
    sh.send("show --sta\t");
    sh.expect("--stats ");
    sh.send("\x03");
    sh.prompt();
    sh.send("service web tcp 1.2.3.4:80 wr\t");
    sh.expect("wrr ");
    sh.send("\x03");
    sh.prompt();
    sh.send("ipvsadm -A -t 1.2.3.4:80 --sched\t\t");
    sh.expect("--sched-flags  --scheduler");
    sh.send("\x03");
    sh.prompt();
    std::fs::write(state.join("rules.txt"), "").unwrap();
    sh.send(&format!("restore {}/ru\t", state.display()));
    sh.expect("rules.txt ");
    sh.send("\x03");
    sh.prompt();
    assert_eq!(sh.quit(), 0);
}

#[test]
fn an_open_brace_continues_on_the_next_line_until_it_closes() {
    let state = state_dir("block");
    let mut sh = Shell::start(&state, &[]);
    // `explain` changes nothing, whichever kernel the host has.
    sh.line("explain service web tcp 1.2.3.4:80 rr {");
    sh.more();
    sh.send("back\t");
    sh.expect("backend ");
    sh.line("10.0.0.1:8000 masq");
    sh.more();
    sh.line("}");
    sh.prompt();
    assert_eq!(sh.quit(), 0);
    let history = std::fs::read_to_string(state.join("lvsh/history")).unwrap();
    assert_eq!(history, "explain service web tcp 1.2.3.4:80 rr {\\nbackend 10.0.0.1:8000 masq\\n}\n");
}

#[test]
fn ctrl_c_cancels_the_line_or_the_block_and_the_shell_goes_on() {
    let state = state_dir("ctrlc");
    let mut sh = Shell::start(&state, &[]);
    sh.send("echo never");
    sh.send("\x03");
    sh.prompt();
    sh.line("explain service web tcp 1.2.3.4:80 rr {");
    sh.more();
    sh.send("\x03");
    sh.prompt();
    sh.line("echo after");
    let output = sh.expect("after\r\n");
    assert!(!output.contains("never\r\n"), "a cancelled line ran: {output:?}");
    sh.prompt();
    assert_eq!(sh.quit(), 0);
}

#[test]
fn an_error_is_reported_and_the_shell_stays_usable() {
    let state = state_dir("error");
    let mut sh = Shell::start(&state, &[]);
    sh.line("frobnicate the table");
    sh.expect("error[lvs::parse::unknown-word]: unknown command `frobnicate`");
    sh.expect("<repl>:1:1");
    sh.prompt();
    sh.line("backend web 10.0.0.1:80 wieght 2");
    sh.expect("did you mean `weight`?");
    sh.prompt();
    sh.line("echo still here");
    sh.expect("still here");
    sh.prompt();
    assert_eq!(sh.quit(), 0);
}

#[test]
fn help_lists_commands_and_shows_one() {
    let state = state_dir("help");
    let mut sh = Shell::start(&state, &[]);
    sh.line("help");
    sh.expect("Services and backends");
    sh.expect("Verifying");
    sh.prompt();
    sh.line("help probe");
    sh.expect("probe SERVICE [PROBE-OPTION]...");
    sh.expect("example");
    sh.expect("probe web count 6 from ext1 send \"xxx\"");
    sh.prompt();
    assert_eq!(sh.quit(), 0);
}

#[test]
fn a_hint_from_history_is_accepted_with_the_right_arrow() {
    let state = state_dir("hint");
    let mut sh = Shell::start(&state, &[]);
    sh.line("echo hello world");
    sh.expect("hello world\r\n");
    sh.prompt();
    sh.send("echo h");
    sh.expect("ello world");
    sh.send("\x1b[C\r");
    sh.expect("hello world\r\n");
    sh.prompt();
    assert_eq!(sh.quit(), 0);
}

#[test]
fn history_persists_across_sessions_privately_and_once_each() {
    let state = state_dir("history");
    let mut first = Shell::start(&state, &[]);
    for line in ["echo one", "echo two", "echo one"] {
        first.line(line);
        first.prompt();
    }
    assert_eq!(first.quit(), 0);
    let file = state.join("lvsh/history");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "echo two\necho one\n");
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);

    let mut second = Shell::start(&state, &[]);
    // Up recalls the newest entry; Ctrl-R finds an older one.
    second.send("\x1b[A");
    second.expect("echo one");
    second.send("\x03");
    second.prompt();
    second.send("\x12two");
    second.expect("echo two");
    second.send("\r");
    second.expect("two\r\n");
    second.prompt();
    assert_eq!(second.quit(), 0);
}

#[test]
fn ctrl_c_during_a_command_ends_it_and_not_the_shell() {
    let state = state_dir("interrupt");
    let mut sh = Shell::start(&state, &[]);
    sh.line("echo started; sleep 10m");
    sh.expect("started\r\n");
    sh.send("\x03");
    sh.prompt();
    sh.line("echo alive");
    sh.expect("alive\r\n");
    sh.prompt();
    assert_eq!(sh.quit(), 0);
}

#[test]
fn an_equals_line_is_rhai_and_keeps_its_variables() {
    let state = state_dir("rhai");
    let mut sh = Shell::start(&state, &[]);
    sh.line("= let x = 40");
    sh.prompt();
    sh.line("= x + 2");
    sh.expect("42\r\n");
    sh.prompt();
    sh.line("help rhai");
    sh.expect("add_backend");
    sh.prompt();
    assert_eq!(sh.quit(), 0);
}

#[test]
fn a_question_mark_lists_what_may_come_next_and_keeps_the_line() {
    let state = state_dir("question");
    let mut sh = Shell::start(&state, &[]);
    // An empty line: every command, with its summary; the `?` is not inserted.
    sh.send("?");
    let listed = sh.expect("  explain ");
    assert!(listed.contains("  service "), "{listed}");
    assert!(listed.contains("declare a virtual service"), "{listed}");
    // The prompt comes back (a redraw: no fresh-prompt mark) with the empty line.
    sh.expect("]> ");
    sh.send("\x03");
    sh.prompt();
    // After `show `: its words, each with its line; the line comes back as typed.
    sh.send("show ?");
    let listed = sh.expect("<Enter>");
    assert!(listed.contains("\n  connections ") && listed.contains("the connection table"), "{listed}");
    assert!(listed.contains("--stats"), "{listed}");
    sh.expect_re(r"\]> show ");
    sh.send("--stats\r");
    sh.prompt();
    // After `probe web `: its options; the line is kept and runs as typed with more.
    sh.line("service web tcp 1.2.3.4:80 rr; explain probe web count 1");
    sh.prompt();
    sh.send("probe web ?");
    let listed = sh.expect("--json");
    assert!(listed.contains("count "), "{listed}");
    sh.expect_re(r"\]> probe web ");
    sh.send("\x03");
    sh.prompt();
    // In a quoted string, `?` is a character.
    sh.line("echo \"why?\"");
    sh.expect("why?");
    sh.prompt();
    assert_eq!(sh.quit(), 0);
}
