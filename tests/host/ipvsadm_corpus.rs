//! The drop-in ipvsadm's corpus reads, and reaches every command ipvsadm
//! has with at least 80 invocations (the guest runs it: ipvsadm_compat).

use crate::ipvsadm_corpus::{invocations, CORPUS};

#[test]
fn the_corpus_reads_and_covers_every_command_family() {
    let corpus = invocations(CORPUS).unwrap_or_else(|e| panic!("{e}"));
    assert!(corpus.len() >= 80, "{} invocations; the corpus should have at least 80", corpus.len());
    let families: &[(&str, &[&str])] = &[
        ("add service", &["-A", "--add-service", "-At"]),
        ("edit service", &["-E", "--edit-service"]),
        ("delete service", &["-D"]),
        ("clear", &["-C"]),
        ("restore", &["-R"]),
        ("save", &["-S", "--save"]),
        ("add server", &["-a"]),
        ("edit server", &["-e"]),
        ("delete server", &["-d", "--delete-server"]),
        ("list", &["-L", "-Ln", "-Lnc", "--list"]),
        ("list (-l)", &["-l"]),
        ("zero", &["-Z", "--zero"]),
        ("set", &["--set"]),
        ("start daemon", &["--start-daemon"]),
        ("stop daemon", &["--stop-daemon"]),
        ("help", &["-h", "--help"]),
        ("version", &["-v", "--version"]),
    ];
    for (family, spellings) in families {
        let count =
            corpus.iter().filter(|i| i.args.first().is_some_and(|a| spellings.contains(&a.as_str()))).count();
        assert!(count > 0, "no invocation of {family} ({spellings:?})");
    }
    assert!(corpus.iter().any(|i| i.args.is_empty()), "no bare `ipvsadm`");
    assert!(
        corpus.iter().any(|i| i.stdin.as_deref().is_some_and(|s| s.contains("\n# "))),
        "no comment in -R"
    );
}

#[test]
fn heredocs_and_escaped_texts_become_standard_input() {
    let text = "ipvsadm -R 2>&1 <<EOF\n-C\n  -Z\nEOF\nipvsadm -R <<< \"-C\\n-Z \\t\"\nipvsadm -L 'a b'\n";
    let read = invocations(text).unwrap();
    assert_eq!(read[0].stdin.as_deref(), Some("-C\n  -Z\n"));
    assert_eq!((read[0].args.clone(), read[0].merged, read[1].merged), (vec!["-R".to_string()], true, false));
    assert_eq!(read[1].stdin.as_deref(), Some("-C\n-Z \t"));
    assert_eq!((read[2].args.clone(), read[2].line), (vec!["-L".to_string(), "a b".to_string()], 6));
    assert!(invocations("ipvsadm -R <<EOF\n-C\n").is_err());
    assert!(invocations("lvsh -L\n").is_err());
}
