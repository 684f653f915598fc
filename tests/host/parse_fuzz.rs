//! The parser on hostile input: arbitrary text and near-valid lines (a valid
//! statement with one word mutated, deleted or duplicated). It never panics,
//! and every diagnostic points inside the text.

use lvsh::lab::Lab;
use lvsh::lang::source::Source;
use proptest::prelude::*;

/// Valid statements: every kind, most options and every `expect` predicate.
const VALID: &[&str] = &[
    "service web tcp 111.111.0.1:80 rr { backend 10.10.0.2:8000 masq weight 2 }",
    "service tcp 111.111.0.1:443 wlc persistent 300 netmask 255.255.255.0",
    "service v6 tcp [2001:db8::1]:80 sh flags sh-fallback,sh-port prefix 64",
    "service mark fwmark 7 ipv6 rr one-packet pe sip",
    "backend web 10.10.0.3:8000 route upper 100 lower 10",
    "backend udp 111.111.0.1:53 10.10.0.4:53 tunnel gue port 6080 remcsum",
    "set service web wrr persistent",
    "set backend web 10.10.0.2:8000 weight 0",
    "del backend fwmark 7 10.10.0.2:0",
    "del service web",
    "flush",
    "zero web",
    "timeouts tcp 900 tcpfin 120 udp 300",
    "daemon start master interface eth0 syncid 3 maxlen 1500 group 224.0.0.81 port 8848 ttl 2",
    "daemon stop backup",
    "show web --stats --exact",
    "show connections --json",
    "save \"rules.txt\"",
    "restore rules.txt",
    "source lab.lvs",
    "echo \"a\\tb\"",
    "echo plain words",
    "sleep 1.5s",
    "ipvsadm -A -t 111.111.0.1:80 -s rr",
    "ipvsadm -a -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 3",
    "probe web count 6 from ext1 send \"xxx\" reply int timeout 2s interval 10ms",
    "probe tcp 111.111.0.1:80 concurrency 4 source 111.111.0.2 http /health --json",
    "expect web spread even within 1",
    "expect web ratio weights within 10%",
    "expect web order alternate",
    "expect web order 10.10.0.2:8000 10.10.0.3:8000",
    "expect web reaches all",
    "expect web reaches only 10.10.0.2:8000",
    "expect web sticky",
    "expect web no failures",
    "expect web latency below 200ms",
    "expect web scheduler wrr",
    "expect web backends 2",
    "expect web backend 10.10.0.2:8000 weight 3",
    "check web --drain-failed timeout 500ms",
    "watch web --stats --exact interval 200ms count 3",
    "lab up prefix t1- --explain",
    "lab status",
    "on ext1 sh -c 'echo \"a;b\"'",
    "int1 nc -l -p 8000 -v -k &",
    "jobs int1",
    "stop 1",
    "serve int2 5353 udp reply \"two\"",
    "use /var/run/netns/gw",
    "use -",
    "tutorial 3 --yes",
    "script { let web = service(\"web\"); print(`${web}`); }",
    "explain backend web 10.10.0.5:80 tunnel gue port 6080 csum weight 0",
    "help probe",
];

/// Pieces that tend to reach the parser's corners.
const PIECES: &[&str] = &[
    "{",
    "}",
    ";",
    "#",
    "\"",
    "\\\n",
    "\n",
    " ",
    "é",
    "[",
    "]",
    ":",
    ",",
    "-",
    "--",
    "0",
    "65536",
    "4294967296",
    "::",
    "service",
    "backend",
    "ipvsadm",
    "tcp",
    "fwmark",
    "ipv6",
    "weight",
    "tunnel",
    "gue",
    "port",
    "flags",
    "persistent",
    "show",
    "-t",
    "-A",
    "-r",
];

/// Parses `text` and checks that nothing panics and every span is inside it.
fn check_spans(text: &str) -> Result<(), TestCaseError> {
    let source = Source::new("fuzz.lvs", text);
    let (script, found) = lvsh::lang::parse(&source, Lab::is_node);
    let len = text.len() as u32;
    for d in &found {
        for label in std::iter::once(&d.primary).chain(&d.secondary) {
            prop_assert!(
                label.span.start <= label.span.end && label.span.end <= len,
                "{}: span {} outside a text of {len} bytes: {text:?}",
                d.code,
                label.span
            );
        }
        let _ = lvsh::render::diagnostic::render(d, &source, false);
    }
    for stmt in &script.stmts {
        prop_assert!(stmt.span.end <= len, "statement span {} outside {text:?}", stmt.span);
    }
    Ok(())
}

/// A valid statement with one word replaced, deleted or duplicated.
fn near_valid() -> impl Strategy<Value = String> {
    let edit = prop_oneof![Just(0u8), Just(1u8), Just(2u8), Just(3u8),];
    (
        proptest::sample::select(VALID),
        any::<prop::sample::Index>(),
        edit,
        proptest::sample::select(PIECES),
        "[ -~]{0,6}",
    )
        .prop_map(|(stmt, at, edit, piece, junk)| {
            let mut words: Vec<String> = stmt.split(' ').map(String::from).collect();
            let n = at.index(words.len());
            match edit {
                0 => words[n] = piece.to_string(),
                1 => {
                    words.remove(n);
                }
                2 => words.insert(n, words[n].clone()),
                _ => words[n] = junk,
            }
            words.join(" ")
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics_and_spans_stay_inside(text in "\\PC{0,80}") {
        check_spans(&text)?;
    }

    #[test]
    fn pieces_of_the_language_never_panic(
        pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..24)
    ) {
        check_spans(&pieces.concat())?;
    }

    #[test]
    fn near_valid_lines_never_panic_and_spans_stay_inside(line in near_valid(), second in near_valid()) {
        check_spans(&line)?;
        check_spans(&format!("{line}\n{second}\n"))?;
    }
}

#[test]
fn every_valid_statement_of_the_fuzzer_parses() {
    for stmt in VALID {
        let source = Source::new("valid.lvs", *stmt);
        let (script, found) = lvsh::lang::parse::parse_script(&source, Lab::is_node);
        assert!(found.is_empty(), "{stmt}: {found:?}");
        assert_eq!(script.stmts.len(), 1, "{stmt}");
    }
}

/// A node's name alone at the very end of a text (`lvsh -c 'int1'`, or
/// `on ext1`): "a command to run is missing" points at the end, not past it.
#[test]
fn a_node_name_alone_at_the_end_points_inside_the_text() {
    for text in ["int1", "on ext1", "echo a; gw"] {
        check_spans(text).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// A command line with non-ASCII text ends where it should (its end is
/// counted in bytes, as the input is taken).
#[test]
fn a_command_line_with_non_ascii_text_does_not_panic() {
    for text in ["on ext1 echo café", "int1 nc -l -p 8000 -v -k é", "gw echo é; show"] {
        check_spans(text).unwrap_or_else(|e| panic!("{e}"));
    }
}
