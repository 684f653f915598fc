//! The shell on a pseudo-terminal against a real kernel: completion offers
//! what the kernel holds now, including what ipvsadm changed behind lvsh's
//! back, and `explain` prints ipvsadm lines that do exactly what lvsh does.

use crate::pty::{state_dir, Shell};
use crate::support::TestNs;

/// `lvsh --netns NS` on a pty, its state in a folder of its own.
fn shell(ns: &TestNs) -> Shell {
    Shell::start(&state_dir(&ns.name), &["--netns", &ns.name])
}

#[test]
fn completion_offers_the_services_and_backends_in_the_kernel_even_those_ipvsadm_added() {
    let ns = TestNs::new();
    ns.ipvsadm_line("-A -t 10.1.1.1:80 -s rr");
    ns.ipvsadm_line("-a -t 10.1.1.1:80 -r 10.2.2.2:8080 -m");
    let mut sh = shell(&ns);
    sh.send("del service \t");
    sh.expect("tcp 10.1.1.1:80 ");
    sh.send("\x03");
    sh.prompt();
    sh.send("del backend tcp 10.1.1.1:80 \t");
    sh.expect("10.2.2.2:8080 ");
    sh.send("\x03");
    sh.prompt();

    // Behind lvsh's back: after the next line (here an empty one) the
    // prompt counts it and Tab offers it.
    ns.ipvsadm_line("-A -u 10.1.1.2:53 -s rr");
    ns.ipvsadm_line("-a -u 10.1.1.2:53 -r 10.2.2.3:53 -m");
    sh.line("");
    sh.expect(&format!("lvsh {} [2 svc]> ", ns.name));
    sh.send("show udp \t");
    sh.expect("10.1.1.2:53 ");
    sh.send("\x03");
    sh.prompt();
    sh.send("set backend udp 10.1.1.2:53 \t");
    sh.expect("10.2.2.3:53 ");
    sh.send("\x03");
    sh.prompt();
    sh.send("ipvsadm -d -u 10.1.1.2:53 -r \t");
    sh.expect("10.2.2.3:53 ");
    sh.send("\x03");
    sh.prompt();
    assert_eq!(sh.quit(), 0);
}

#[test]
fn a_block_typed_in_the_shell_declares_a_service_and_its_backends_complete_by_name() {
    let ns = TestNs::new();
    let mut sh = shell(&ns);
    sh.line("service web tcp 10.1.1.3:80 rr {");
    sh.more();
    sh.line("backend 10.2.2.4:80 masq");
    sh.more();
    sh.line("}");
    sh.expect(&format!("lvsh {} [1 svc]> ", ns.name));
    sh.send("del backend web \t");
    sh.expect("10.2.2.4:80 ");
    sh.send("\x03");
    sh.prompt();
    // A refused line reports and leaves the shell (and the kernel) as it was.
    sh.line("ipvsadm -A -t 10.1.1.3:80 -s rr");
    sh.expect("already exists");
    sh.prompt();
    sh.line("explain backend web 10.2.2.5:80 weight 2");
    sh.expect("ipvsadm -a -t 10.1.1.3:80 -r 10.2.2.5:80 -m -w 2");
    sh.prompt();
    assert_eq!(sh.quit(), 0);
    assert_eq!(ns.save(), "-A -t 10.1.1.3:80 -s rr\n-a -t 10.1.1.3:80 -r 10.2.2.4:80 -m -w 1\n");
}

/// The ipvsadm lines an `explain` printed.
fn explained_lines(explanation: &str) -> Vec<String> {
    explanation.lines().filter_map(|l| l.trim_start().strip_prefix("ipvsadm ")).map(str::to_string).collect()
}

#[test]
fn explain_changes_nothing_and_its_ipvsadm_lines_do_what_lvsh_does() {
    let setup = "service web tcp 111.111.0.1:80 wlc persistent 60 {
    backend 10.10.0.2:8000 masq weight 2
    backend 10.10.0.3:8000 masq
}
service dns udp 111.111.0.1:53 sh flags sh-fallback one-packet
";
    let lines = [
        "service web tcp 111.111.0.1:80 rr { backend 10.10.0.2:8000 masq weight 3; backend 10.10.0.4:80 route }",
        "backend web 10.10.0.5:80 tunnel gue port 6080 csum weight 0 upper 100 lower 10",
        "set service dns wrr persistent 300",
        "set backend web 10.10.0.3:8000 weight 7",
        "del backend web 10.10.0.2:8000",
        "del service dns",
        "flush",
        "timeouts tcp 900 udp 30",
        "ipvsadm -A -f 7 -s lc",
        "service v6 tcp [2001:db8::1]:80 sed { backend [2001:db8::10]:8080 masq }",
    ];
    for line in lines {
        let by_lvsh = TestNs::new();
        let by_ipvsadm = TestNs::new();
        for ns in [&by_lvsh, &by_ipvsadm] {
            ns.lvsh().commands(setup).run().succeeds();
        }
        let before = by_lvsh.save();
        let explanation = by_lvsh.lvsh().commands(&format!("{setup}explain {line}")).run().succeeds().stdout;
        assert_eq!(by_lvsh.save(), before, "`explain {line}` changed the kernel");
        let commands = explained_lines(&explanation);
        assert!(!commands.is_empty(), "`explain {line}` planned nothing:\n{explanation}");
        by_lvsh.lvsh().commands(&format!("{setup}{line}")).run().succeeds();
        for command in &commands {
            by_ipvsadm.ipvsadm_line(command);
        }
        assert_eq!(by_ipvsadm.save(), by_lvsh.save(), "`{line}` explained as {commands:?}");
        let timeouts = ["-L", "--timeout"];
        assert_eq!(by_ipvsadm.ipvsadm(&timeouts), by_lvsh.ipvsadm(&timeouts), "`{line}`");
        let thresholds = ["-L", "-n", "--thresholds"];
        assert_eq!(by_ipvsadm.ipvsadm(&thresholds), by_lvsh.ipvsadm(&thresholds), "`{line}`");
    }
}

#[test]
fn explain_of_a_declaration_that_holds_plans_nothing() {
    let ns = TestNs::new();
    let out = ns
        .lvsh()
        .commands(
            "service web tcp 111.111.0.1:80 rr\nexplain service web tcp 111.111.0.1:80 rr\nexplain show",
        )
        .run()
        .succeeds()
        .stdout;
    assert_eq!(
        out,
        "no kernel operation: the kernel already matches\nno kernel operation: `show` changes nothing in the kernel\n"
    );
}

#[test]
fn a_name_that_still_names_another_service_is_not_moved() {
    let ns = TestNs::new();
    let mut sh = shell(&ns);
    sh.line("service web tcp 10.1.1.5:80 rr");
    sh.expect(&format!("lvsh {} [1 svc]> ", ns.name));
    // A later line: only the session knows `web`, so the run refuses it.
    sh.line("service web tcp 10.1.1.6:80 rr");
    sh.expect("`web` already names service tcp 10.1.1.5:80");
    sh.expect(&format!("lvsh {} [1 svc]> ", ns.name));
    assert_eq!(ns.save(), "-A -t 10.1.1.5:80 -s rr\n", "the refused line changed nothing");
    // Once that service is gone, the name is free.
    sh.line("del service web");
    sh.expect(&format!("lvsh {} [0 svc]> ", ns.name));
    sh.line("service web tcp 10.1.1.6:80 rr");
    sh.expect(&format!("lvsh {} [1 svc]> ", ns.name));
    assert_eq!(ns.save(), "-A -t 10.1.1.6:80 -s rr\n");
    assert_eq!(sh.quit(), 0);
}
