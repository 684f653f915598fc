//! The `lvsh` binary where no IPVS kernel is needed: what `check`, `-c` and
//! standard input print and how they exit when a script does not parse,
//! commands that never reach the kernel, and the command line itself. The
//! exit codes are src/app.rs's: 0 ok, 1 an expectation failed, 2 usage or
//! script error, 3 the kernel refused, 4 environment.

use std::path::{Path, PathBuf};

use crate::lvsh::Lvsh;
use crate::support::root;

/// A fresh folder for one test holding `files` (name, text).
fn folder_with(test: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lvsh-cli-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("make the test folder");
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write a test file");
    }
    dir
}

/// `lvsh` started in `dir`, where the tests' relative paths are.
fn lvsh_in(dir: &Path) -> Lvsh {
    Lvsh::new().current_dir(dir)
}

const UNCLOSED_BLOCK: &str = "service web tcp 1.2.3.4:80 rr {\n";

/// What `check` prints for [`UNCLOSED_BLOCK`] in a file `bad.lvs`.
const UNCLOSED_BLOCK_DIAGNOSTIC: &str = "\
error[lvs::parse::unclosed-block]: this `{` is never closed
 --> bad.lvs:1:31
  |
1 | service web tcp 1.2.3.4:80 rr {
  |                               ^ opened here
  |
  = help: close the block with `}` after its backends
";

// ---- check ------------------------------------------------------------------

#[test]
fn check_of_a_good_file_counts_its_statements_and_exits_0() {
    let case = "tests/cases/parse/ok/003-tutorial.lvs";
    let out = lvsh_in(&root()).args(["check", case]).run().succeeds();
    assert_eq!(out.stdout, format!("{case}: ok (4 statements)\n"));
    assert_eq!(out.stderr, "");
}

#[test]
fn check_of_a_rhai_file_compiles_it() {
    let out = lvsh_in(&root()).args(["check", "examples/drain.rhai"]).run().succeeds();
    assert_eq!(out.stdout, "examples/drain.rhai: ok (Rhai)\n");
}

#[test]
fn check_of_a_bad_file_points_at_file_line_and_column_and_exits_2() {
    let dir = folder_with("check-bad", &[("bad.lvs", UNCLOSED_BLOCK)]);
    let out = lvsh_in(&dir).args(["check", "bad.lvs"]).run().exits(2);
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, format!("{UNCLOSED_BLOCK_DIAGNOSTIC}note: 1 error; nothing was run\n"));
}

#[test]
fn check_prints_a_corpus_case_exactly_as_its_golden_file() {
    let case = "tests/cases/parse/err/020-service-unknown-option-suggests.lvs";
    let golden =
        std::fs::read_to_string(root().join(case).with_extension("stderr")).expect("the golden file");
    let out = lvsh_in(&root()).args(["check", case]).run().exits(2);
    assert_eq!(out.stderr, format!("{golden}note: 1 error; nothing was run\n"));
}

#[test]
fn check_reports_each_file_and_exits_2_if_any_is_bad() {
    let dir = folder_with("check-both", &[("good.lvs", "echo hi\n"), ("bad.lvs", UNCLOSED_BLOCK)]);
    let out = lvsh_in(&dir).args(["check", "good.lvs", "bad.lvs"]).run().exits(2);
    assert_eq!(out.stdout, "good.lvs: ok (1 statement)\n");
    assert_eq!(out.stderr, format!("{UNCLOSED_BLOCK_DIAGNOSTIC}note: 1 error; nothing was run\n"));
}

#[test]
fn check_of_a_missing_file_is_an_environment_error_4() {
    let dir = folder_with("check-missing", &[]);
    let out = lvsh_in(&dir).args(["check", "nowhere.lvs"]).run().exits(4);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: cannot read `nowhere.lvs`: No such file or directory (os error 2)\nhelp: check the path\n"
    );
}

// ---- run, -c and standard input that do not parse ---------------------------

#[test]
fn run_of_a_missing_file_exits_4_before_any_kernel() {
    let dir = folder_with("run-missing", &[]);
    let out = lvsh_in(&dir).args(["run", "nowhere.lvs"]).run().exits(4);
    assert!(out.stderr.starts_with("error: cannot read `nowhere.lvs`: "), "{}", out.stderr);
}

#[test]
fn run_of_files_one_of_which_does_not_parse_runs_none_of_them() {
    let dir = folder_with("run-bad", &[("good.lvs", "echo never\n"), ("bad.lvs", UNCLOSED_BLOCK)]);
    let out = lvsh_in(&dir).args(["run", "good.lvs", "bad.lvs"]).run().exits(2);
    assert_eq!(out.stdout, "", "nothing ran");
    assert_eq!(
        out.stderr,
        format!("{UNCLOSED_BLOCK_DIAGNOSTIC}note: 1 error; lvsh changed nothing in the kernel\n")
    );
}

#[test]
fn dash_c_that_does_not_parse_points_into_the_argument_and_exits_2() {
    let out = Lvsh::new().commands("echo first\nservice web tcp 1.2.3.4:80 rr persistant").run().exits(2);
    assert_eq!(out.stdout, "", "the echo before the error did not run");
    assert_eq!(
        out.stderr,
        "\
error[lvs::parse::unknown-word]: unknown service option `persistant`
 --> -c:2:31
  |
2 | service web tcp 1.2.3.4:80 rr persistant
  |                               ^^^^^^^^^^ expected `persistent`, `netmask`, `prefix`, `one-packet`, `flags`, or `pe`
  |
  = help: did you mean `persistent`?
note: 1 error; lvsh changed nothing in the kernel
"
    );
}

#[test]
fn dash_c_takes_a_unique_prefix_of_a_word_for_the_word() {
    let whole = Lvsh::new().commands("help show").run().succeeds();
    let out = Lvsh::new().commands("hel sh").run().succeeds();
    assert_eq!(out.stdout, whole.stdout);
    assert!(out.stdout.starts_with("show [SERVICE | connections"), "{}", out.stdout);
    let out = Lvsh::new().commands("ec \"hi\"").run().succeeds();
    assert_eq!(out.stdout, "hi\n");
}

#[test]
fn dash_c_refuses_an_ambiguous_prefix_and_lists_each_word_with_its_line() {
    let out = Lvsh::new().commands("echo first\nser int1 8000").run().exits(2);
    assert_eq!(out.stdout, "", "nothing ran");
    assert_eq!(
        out.stderr,
        "\
error[lvs::parse::ambiguous-word]: `ser` is ambiguous: it begins `serve` or `service`
 --> -c:2:1
  |
2 | ser int1 8000
  | ^^^ more than one word begins so
  |
  = help: type more of the word, enough to tell them apart
  = note: serve    a built-in backend on a node that answers with its name
  = note: service  declare a virtual service: created if missing, edited if different
note: 1 error; lvsh changed nothing in the kernel
"
    );
}

#[test]
fn a_file_is_read_as_written_without_prefixes() {
    let dir = folder_with("prefix-file", &[("short.lvs", "hel\n")]);
    let out = lvsh_in(&dir).args(["check", "short.lvs"]).run().exits(2);
    assert!(
        out.stderr.starts_with("error[lvs::parse::unknown-word]: unknown command `hel`\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn standard_input_that_does_not_parse_is_named_stdin_and_exits_2() {
    let out = Lvsh::new().stdin("echo first\nfrobnicate\n").run().exits(2);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.starts_with("error[lvs::parse::unknown-word]: unknown command `frobnicate`\n"));
    assert!(out.stderr.contains(" --> <stdin>:2:1\n"), "{}", out.stderr);
}

#[test]
fn every_error_of_a_text_is_reported_and_counted() {
    let out = Lvsh::new().commands("frobnicate\nsleep forever\necho fine").run().exits(2);
    assert!(out.stderr.contains(" --> -c:1:1\n") && out.stderr.contains(" --> -c:2:7\n"), "{}", out.stderr);
    assert!(out.stderr.ends_with("note: 2 errors; lvsh changed nothing in the kernel\n"), "{}", out.stderr);
}

// ---- commands that need no kernel ------------------------------------------

#[test]
fn echo_and_help_run_without_ipvs() {
    let out = Lvsh::new().commands("echo \"a\\tb\"; echo plain words").run().succeeds();
    assert_eq!(out.stdout, "a\tb\nplain words\n");
    assert_eq!(out.stderr, "");
    // Even on a namespace that does not exist: nothing needs its IPVS.
    let out = Lvsh::new().netns("lvsh-nowhere").commands("echo hi").run().succeeds();
    assert_eq!(out.stdout, "hi\n");
}

#[test]
fn standard_input_runs_like_dash_c() {
    let out = Lvsh::new().stdin("echo one\necho two\n").run().succeeds();
    assert_eq!(out.stdout, "one\ntwo\n");
}

#[test]
fn help_lists_the_commands_by_group() {
    let out = Lvsh::new().commands("help").run().succeeds();
    assert!(
        out.stdout.starts_with("Commands (`help COMMAND` shows one, with an example):\n"),
        "{}",
        out.stdout
    );
    for group in ["Services and backends", "Looking at the kernel", "Verifying", "The lab", "The shell"] {
        assert!(out.stdout.contains(&format!("\n{group}\n")), "{group} in {}", out.stdout);
    }
}

#[test]
fn help_of_a_command_shows_its_syntax_and_an_example() {
    let out = Lvsh::new().commands("help probe").run().succeeds();
    assert!(out.stdout.starts_with("probe SERVICE [PROBE-OPTION]...\n"), "{}", out.stdout);
    assert!(out.stdout.contains("probe web count 6 from ext1 send \"xxx\""), "{}", out.stdout);
    let out = Lvsh::new().commands("help rhai").run().succeeds();
    assert!(out.stdout.contains("service(ref: string) -> Service"), "{}", out.stdout);
}

#[test]
fn help_of_an_unknown_command_is_a_script_error_2() {
    let out = Lvsh::new().commands("help nosuch").run().exits(2);
    assert!(out.stderr.starts_with("error[lvs::parse::unknown-word]: unknown command `nosuch`\n"));
}

#[test]
fn a_namespace_that_does_not_exist_is_an_environment_error_4() {
    // `-c` commands and the subcommands that read the table alike (`lvsh metrics`).
    for lvsh in [Lvsh::new().commands("show"), Lvsh::new().arg("metrics")] {
        let out = lvsh.netns("lvsh-nowhere").run().exits(4);
        assert_eq!(
            out.stderr,
            "error: no network namespace `lvsh-nowhere` (/var/run/netns/lvsh-nowhere)\n\
             help: create it with `ip netns add lvsh-nowhere`, or list them with `ip netns`\n"
        );
        assert_eq!(out.stdout, "");
    }
}

// ---- the command line --------------------------------------------------------

#[test]
fn completions_are_printed_for_each_shell() {
    let out = Lvsh::new().args(["completions", "bash"]).run().succeeds();
    assert!(out.stdout.starts_with("_lvsh() {\n"), "{}", out.stdout);
    let words = out.stdout.lines().find(|l| l.contains(" run ")).unwrap_or_default().to_string();
    for command in [
        "run",
        "plan",
        "apply",
        "export",
        "metrics",
        "import",
        "history",
        "rollback",
        "check",
        "recover",
        "completions",
    ] {
        assert!(words.split_whitespace().any(|w| w == command), "`{command}` in the subcommands: {words}");
    }
    assert!(out.stdout.contains("complete -F _lvsh "), "{}", out.stdout);
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = Lvsh::new().args(["completions", shell]).run().succeeds();
        assert!(out.stdout.contains("lvsh"), "{shell}: {}", out.stdout);
    }
}

#[test]
fn completions_and_help_never_show_the_hidden_subcommands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = Lvsh::new().args(["completions", shell]).run().succeeds();
        for hidden in ["serve-backend", "confirm-watchdog", "manpages"] {
            assert!(!out.stdout.contains(hidden), "{shell} completion offers `{hidden}`");
        }
        // What is offered is still offered, with the global options.
        assert!(out.stdout.contains("rollback") && out.stdout.contains("netns"), "{shell}: {}", out.stdout);
    }
    for help in [Lvsh::new().arg("--help"), Lvsh::new().arg("help"), Lvsh::new().commands("help")] {
        let out = help.run().succeeds();
        assert!(!out.stdout.contains("serve-backend"), "{}", out.stdout);
    }
}

#[test]
fn completions_read_only_in_part_end_quietly() {
    // `lvsh completions zsh | head -1`: here the reader is gone before lvsh writes.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = Lvsh::new()
        .args(["completions", "zsh"])
        .into_command()
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("lvsh runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "{:?}: {stderr}", out.status);
}

#[test]
fn completions_for_an_unknown_shell_are_a_usage_error_2() {
    let out = Lvsh::new().args(["completions", "nosuch"]).run().exits(2);
    assert!(out.stderr.starts_with("error: invalid value 'nosuch' for '<SHELL>'\n"), "{}", out.stderr);
    assert!(out.stderr.contains("[possible values: bash, elvish, fish, powershell, zsh]"), "{}", out.stderr);
}

#[test]
fn unknown_flags_and_subcommands_are_usage_errors_2() {
    let out = Lvsh::new().arg("--frobnicate").run().exits(2);
    assert!(out.stderr.starts_with("error: unexpected argument '--frobnicate' found\n"), "{}", out.stderr);
    assert!(out.stderr.contains("\nUsage: lvsh "), "{}", out.stderr);
    let out = Lvsh::new().arg("frobnicate").run().exits(2);
    assert!(out.stderr.starts_with("error: unrecognized subcommand 'frobnicate'\n"), "{}", out.stderr);
    let out = Lvsh::new().args(["check", "--frobnicate", "x.lvs"]).run().exits(2);
    assert!(out.stderr.starts_with("error: unexpected argument '--frobnicate' found\n"), "{}", out.stderr);
}

#[test]
fn run_and_check_need_a_file() {
    for subcommand in ["run", "check"] {
        let out = Lvsh::new().arg(subcommand).run().exits(2);
        assert!(
            out.stderr
                .starts_with("error: the following required arguments were not provided:\n  <FILES>...\n"),
            "{subcommand}: {}",
            out.stderr
        );
    }
}

#[test]
fn dash_c_and_a_subcommand_together_are_a_usage_error_2() {
    let out = Lvsh::new().commands("show").args(["run", "x.lvs"]).run().exits(2);
    assert_eq!(
        out.stderr,
        "error: `-c` and a subcommand cannot be used together\n\
         help: use either `lvsh -c 'COMMANDS'` or `lvsh run FILE`\n"
    );
}

#[test]
fn version_and_help_exit_0() {
    let out = Lvsh::new().arg("--version").run().succeeds();
    assert_eq!(out.stdout, format!("lvsh {}\n", env!("CARGO_PKG_VERSION")));
    let out = Lvsh::new().arg("--help").run().succeeds();
    assert!(out
        .stdout
        .contains("Exit status: 0 ok, 1 an expectation failed (or `plan`: changes pending),\n"));
    assert!(out.stdout.contains("rollback), 4 environment, 130/143/129 stopped by a signal (rolled back)."));
}

#[test]
fn commands_of_one_namespaces_state_refuse_several_namespaces() {
    for verb in [&["history"][..], &["rollback"], &["export"], &["confirm"], &["keep", "x.lvs"]] {
        let out = Lvsh::new().args(["--netns", "gw,gw2"]).args(verb.iter().copied()).run();
        assert_eq!(out.code, 2, "{verb:?}: {}", out.stderr);
        assert!(out.stderr.contains("acts on one namespace, and `--netns` names several"), "{}", out.stderr);
    }
}
