//! Run before `ip_vs` is loaded, with module autoloading disabled
//! (scripts/test's first phase).

use lvsh::ipvs::{KernelError, NetlinkKernel};

fn require_no_ipvs_phase() {
    crate::support::require_guest();
    assert_eq!(
        std::env::var("LVSH_GUEST_PHASE").as_deref(),
        Ok("no-ipvs"),
        "the missing:: tests must run before ip_vs is loaded (scripts/test does that)"
    );
}

#[test]
fn connecting_without_ipvs_says_how_to_load_it() {
    require_no_ipvs_phase();
    let err = NetlinkKernel::connect().err().expect("IPVS should be missing");
    assert!(matches!(err, KernelError::IpvsMissing));
    assert_eq!(err.to_string(), "IPVS is not available in this kernel");
    assert_eq!(err.help().as_deref(), Some("load it with `modprobe ip_vs`"));
}

#[test]
fn the_cli_exits_4_without_ipvs() {
    require_no_ipvs_phase();
    let out = crate::support::lvsh().commands("show").run();
    assert_eq!(out.code, 4);
    assert!(
        out.stderr.starts_with("error[lvs::kernel::list]: IPVS is not available in this kernel\n"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("help: load it with `modprobe ip_vs`\n"), "{}", out.stderr);
}

#[test]
fn what_needs_no_ipvs_runs_before_the_first_statement_that_does() {
    require_no_ipvs_phase();
    let out = crate::support::lvsh().commands("echo hi; show; echo never").run();
    assert_eq!((out.code, out.stdout.as_str()), (4, "hi\n"), "{}", out.stderr);
    assert!(
        out.stderr.contains("1 | echo hi; show; echo never"),
        "the error points at `show`: {}",
        out.stderr
    );
    let out = crate::support::lvsh().commands("tutorial --list").run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with(" 1. seed "), "{}", out.stdout);
}

#[test]
fn explain_without_ipvs_shows_the_ipvsadm_lines_and_says_the_kernel_was_not_read() {
    require_no_ipvs_phase();
    let out = crate::support::lvsh()
        .commands("explain service web tcp 10.1.0.1:80 rr { backend 10.2.0.2:8000 }")
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("      ipvsadm -A -t 10.1.0.1:80 -s rr\n"), "{}", out.stdout);
    assert!(
        out.stdout.contains("      ipvsadm -a -t 10.1.0.1:80 -r 10.2.0.2:8000 -m -w 1\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.ends_with(
            "note: lvsh could not read the kernel (IPVS is not available in this kernel): \
             this plan starts from an empty table\n"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn doctor_without_ipvs_reports_it_as_a_finding_with_its_fix() {
    require_no_ipvs_phase();
    let out = crate::support::lvsh().commands("doctor").run();
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("doctor: 1 problem found on this host\n"), "{}", out.stdout);
    assert!(
        out.stdout.contains("error doctor::no-ipvs: IPVS is not loaded on the director\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("  fix:   modprobe ip_vs\n"), "{}", out.stdout);
}

#[test]
fn help_describe_and_tutorial_list_run_without_ipvs() {
    require_no_ipvs_phase();
    let out = crate::support::lvsh().commands("help").run().succeeds();
    assert!(out.stdout.starts_with("Commands (`help COMMAND` shows one"), "{}", out.stdout);
    let out = crate::support::lvsh().commands("help describe").run().succeeds();
    assert!(out.stdout.starts_with("describe [TOPIC]\n"), "{}", out.stdout);
    let out = crate::support::lvsh().commands("describe").run().succeeds();
    assert!(
        out.stdout.contains("\n  mh           Maglev hashing: consistent hashing of the source\n"),
        "{}",
        out.stdout
    );
    let out = crate::support::lvsh().commands("describe sip").run().succeeds();
    assert!(out.stdout.contains("\n  module     ip_vs_pe_sip\n"), "{}", out.stdout);
    let out = crate::support::lvsh().commands("tutorial --list").run().succeeds();
    assert!(out.stdout.starts_with(" 1. seed "), "{}", out.stdout);
    let out = crate::support::lvsh().commands("tutorial weights --list").run().succeeds();
    assert!(out.stdout.starts_with("lesson 2/8, weights: "), "{}", out.stdout);
    assert_eq!(out.stderr, "");
}

#[test]
fn the_shell_without_ipvs_answers_help_describe_tutorial_list_and_explain() {
    require_no_ipvs_phase();
    let mut sh = crate::pty::Shell::start(&crate::pty::state_dir("missing-shell"), &[]);
    sh.line("help");
    sh.expect("Services and backends");
    sh.prompt();
    sh.line("describe nq");
    sh.expect("nq: never queue: an idle backend first");
    sh.expect("ipvsadm    -s nq");
    sh.prompt();
    sh.line("tutorial --list");
    sh.expect(" 2. weights ");
    sh.prompt();
    sh.line("tutorial weights --list");
    sh.expect("lesson 2/8, weights: ");
    sh.prompt();
    // The kernel cannot be read: the plan starts from an empty table, and says so.
    sh.line("explain service web tcp 10.1.0.1:80 sh flags sh-port");
    sh.expect("ipvsadm -A -t 10.1.0.1:80 -s sh -b sh-port");
    sh.expect("note: lvsh could not read the kernel (IPVS is not available in this kernel)");
    sh.prompt();
    assert_eq!(sh.quit(), 0);
}
