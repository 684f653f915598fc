//! `trace` in the lab: one connection followed through gw. With int1's
//! default route gone (the classic masquerading mistake), the connection
//! that rr gives int1 stays SYN_RECV in gw's table, and trace names int1,
//! the state, and doctor's finding with its fix; after the fix it answers.

use crate::lvsh::Output;
use crate::support::lvsh;

#[test]
fn trace_shows_syn_recv_and_names_int1_when_its_replies_do_not_come_back() {
    let script = "lab up prefix tr-\n\
                  service web tcp 111.111.0.1:80 rr\n\
                  backend web 10.10.0.2:8000 masq\n\
                  backend web 10.10.0.3:8000 masq\n\
                  serve int1 8000\n\
                  serve int2 8000\n\
                  int1 ip route del default\n\
                  trace web from ext1 timeout 1s\n\
                  trace web from ext1 timeout 1s\n\
                  echo fixing\n\
                  int1 ip route add default via 10.10.0.1\n\
                  trace web from ext1\n\
                  trace web from ext1 --json\n\
                  lab down\n";
    let Output { code, stdout, stderr, .. } = lvsh().commands(script).run();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let (broken, fixed) = stdout.split_once("fixing\n").expect("both halves ran");
    let lost = broken
        .split("ext1 111.111.0.2:")
        .find(|t| t.contains("→ int1 10.10.0.2:8000 [no reply through gw]"))
        .unwrap_or_else(|| panic!("one of the two traces went to int1 and was lost:\n{broken}"));
    assert!(lost.contains("  connection:  TCP SYN_RECV, expires in "), "{lost}");
    assert!(lost.contains("(the backend's reply never came back through gw)"), "{lost}");
    assert!(lost.contains("  backend:     10.10.0.2:8000 (int1), chosen by rr for service web\n"), "{lost}");
    assert!(
        lost.contains("likely cause: int1 has no route to client 111.111.0.2 (ext1), not via gw 10.10.0.1 (doctor::no-reply-path) — fix: int1 ip route add default via 10.10.0.1"),
        "{lost}"
    );
    let other = broken.split("ext1 111.111.0.2:").find(|t| t.contains("→ int2 10.10.0.3:8000 [answered: "));
    assert!(other.is_some(), "the other trace went to int2 and was answered:\n{broken}");
    assert_eq!(fixed.matches("[answered: ").count(), 1, "{fixed}");
    let json = fixed.lines().find(|l| l.starts_with('{')).expect("the JSON trace");
    let value: serde_json::Value = serde_json::from_str(json).expect("JSON");
    assert_eq!(value["lost"], false);
    // Answered and closed: the entry has moved on from SYN_RECV (to FIN_WAIT, TIME_WAIT, ...).
    let state = value["connection"]["state"].as_str().unwrap_or_default();
    assert!(!state.is_empty() && state != "SYN_RECV", "{json}");
}
