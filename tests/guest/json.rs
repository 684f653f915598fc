//! `--json` on the real kernel: every listing and result is the shape its
//! schema (`schema/NAME.schema.json`) and grammar/GUIDE.md give, and says
//! what ipvsadm and the kernel say.

use crate::lvsh::Output;
use crate::schema::check;
use crate::support::{lvsh, TestNs, IP};

const WEB: &str = "service web tcp 111.111.0.1:80 rr {
    backend 10.10.0.2:8000 masq
    backend 10.10.0.3:8000 masq weight 2
}
";

const VIP: &str = "tcp 111.111.0.1:80";

#[test]
fn the_table_and_every_result_about_it_have_their_documented_shapes() {
    let ns = TestNs::new();
    let file = ns.file("web.lvs", WEB);
    let json = |commands: &str| ns.lvsh().arg("--json").commands(commands).run();

    let plan = check("plan", &ns.lvsh().args(["--json", "plan", &file]).run().exits(1).stdout);
    assert_eq!((plan["in_sync"].as_bool(), plan["operations"].as_u64()), (Some(false), Some(3)), "{plan}");
    ns.lvsh().args(["apply", &file]).run().succeeds();
    assert!(ns.save().contains("-a -t 111.111.0.1:80 -r 10.10.0.3:8000 -m -w 2\n"), "{}", ns.save());

    let table = check("table", &json("show").succeeds().stdout);
    assert_eq!(table["services"].as_array().map(Vec::len), Some(1), "{table}");
    let service = check("service", &json(&format!("show {VIP}")).succeeds().stdout);
    let weights: Vec<_> =
        service["backends"].as_array().into_iter().flatten().map(|b| &b["weight"]).collect();
    assert_eq!(weights, [1, 2], "as ipvsadm -S -n says: {service}");
    check("connections", &json("show connections").succeeds().stdout);
    let timeouts = check("timeouts", &json("show timeouts").succeeds().stdout);
    assert_eq!(timeouts["tcp"], 900, "{timeouts}");
    // Sync daemons take turns (crate::daemons says why), on a dummy interface.
    let turn = crate::daemons::ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    ns.exec(&[IP, "link", "add", "d0", "type", "dummy"]);
    ns.exec(&[IP, "link", "set", "d0", "up"]);
    let daemons =
        json("daemon start master interface d0 syncid 9\nshow daemons\ndaemon stop master").succeeds();
    drop(turn);
    let daemons = check("daemons", &daemons.stdout);
    assert_eq!((daemons[0]["state"].as_str(), daemons[0]["sync_id"].as_u64()), (Some("master"), Some(9)));

    let held = check("expect", &json(&format!("expect {VIP} scheduler rr")).succeeds().stdout);
    assert_eq!(held["passed"], true, "{held}");
    let failed = json(&format!("expect {VIP} backends 5")).exits(1);
    let verdict = check("expect", &failed.stdout);
    assert_eq!(
        (verdict["passed"].as_bool(), verdict["observed"].as_str()),
        (Some(false), Some("2 backends"))
    );
    assert!(failed.stderr.contains("lvs::expect::failed"), "the failure is still said: {}", failed.stderr);

    let explained = check(
        "explain",
        &json(&format!("explain set backend {VIP} 10.10.0.2:8000 weight 5")).succeeds().stdout,
    );
    assert_eq!(
        explained["operations"][0]["ipvsadm"], "ipvsadm -e -t 111.111.0.1:80 -r 10.10.0.2:8000 -m -w 5",
        "{explained}"
    );
    assert!(ns.save().contains("-r 10.10.0.2:8000 -m -w 1\n"), "explain changed nothing");
    let read_only = check("explain", &json("explain show").succeeds().stdout);
    assert_eq!(
        (read_only["changes_kernel"].as_bool(), read_only["operations"].as_array().map(Vec::len)),
        (Some(false), Some(0))
    );

    let help = check("help", &json("help").succeeds().stdout);
    assert!(help["groups"].as_array().into_iter().flatten().any(|g| g["commands"][0]["name"] == "service"));
    let show = check("help-command", &json("help show").succeeds().stdout);
    assert!(show["options"].as_array().into_iter().flatten().any(|o| o["syntax"] == "--json"), "{show}");

    let history = check("history", &ns.lvsh().args(["--json", "history"]).run().succeeds().stdout);
    let last = &history["changes"][0];
    assert!(last["command"].as_str().unwrap_or_default().starts_with("apply "), "{history}");
    let number = last["number"].as_u64().expect("a change's number").to_string();
    let entry =
        check("history-entry", &ns.lvsh().args(["--json", "history", &number]).run().succeeds().stdout);
    let before = entry["before"].as_str().unwrap_or_default();
    assert!(before.contains("\n# no services\n"), "the table before the first change was empty: {entry}");

    let other = TestNs::new();
    let both = format!("{},{}", ns.name, other.name);
    let plans = lvsh().args(["--netns", &both, "--json", "plan", &file]).run().exits(1);
    let plans = check("plans", &plans.stdout);
    let in_sync: Vec<_> =
        plans["namespaces"].as_array().into_iter().flatten().map(|n| &n["plan"]["in_sync"]).collect();
    assert_eq!(in_sync, [true, false], "{plans}");
}

#[test]
fn the_lab_s_results_have_their_documented_shapes() {
    let script = "lab up prefix js-\n\
                  service web tcp 111.111.0.1:80 rr\n\
                  backend web 10.10.0.2:8000 masq\n\
                  backend web 10.10.0.3:8000 masq\n\
                  serve int1 8000\n\
                  serve int2 8000\n\
                  echo ==probe\nprobe web count 4 from ext1\n\
                  echo ==expect\nexpect web no failures\n\
                  echo ==check\ncheck web\n\
                  echo ==trace\ntrace web from ext1\n\
                  echo ==doctor\ndoctor\n\
                  echo ==jobs\njobs\n\
                  echo ==job\njobs int1\n\
                  echo ==status\nlab status\n\
                  echo ==expect-job\nexpect job int1 prints \"never printed\" within 200ms\n\
                  echo ==end\nlab down\n";
    let Output { code, stdout, stderr, .. } = lvsh().arg("--json").commands(script).run();
    assert_eq!(code, 1, "only the job's expectation fails:\n{stdout}\n{stderr}");
    let part = |name: &str| -> &str {
        let start = stdout.find(&format!("=={name}\n")).unwrap_or_else(|| panic!("no {name}:\n{stdout}"));
        let rest = &stdout[start + name.len() + 3..];
        &rest[..rest.find("\n==").map_or(rest.len(), |end| end + 1)]
    };
    let probe = check("probe", part("probe"));
    assert_eq!((probe["connections"].as_u64(), probe["served"].as_u64()), (Some(4), Some(4)), "{probe}");
    assert_eq!(check("expect", part("expect"))["passed"], true);
    let checked = check("check", part("check"));
    let up: Vec<_> =
        checked["backends"].as_array().into_iter().flatten().map(|b| (&b["node"], &b["up"])).collect();
    assert_eq!(up, [(&"int1".into(), &true.into()), (&"int2".into(), &true.into())], "{checked}");
    let trace = check("trace", part("trace"));
    assert_eq!(trace["lost"], false, "{trace}");
    assert_eq!(check("doctor", part("doctor"))["findings"], serde_json::json!([]));
    let jobs = check("jobs", part("jobs"));
    assert_eq!(jobs["jobs"].as_array().map(Vec::len), Some(2), "the two servers: {jobs}");
    let job = check("jobs", part("job"));
    assert!(job["jobs"][0]["output"].as_str().unwrap_or_default().contains("connection from"), "{job}");
    let status = check("lab-status", part("status"));
    assert_eq!(status["state"], "up", "{status}");
    let gw = status["nodes"].as_array().into_iter().flatten().find(|n| n["name"] == "gw").expect("gw");
    assert_eq!(gw["acted_on"], true, "{status}");
    let servers =
        status["nodes"].as_array().into_iter().flatten().filter(|n| n["processes"][0]["job"].is_u64());
    assert_eq!(servers.count(), 2, "each server is its job: {status}");
    let expect_job = check("expect", part("expect-job"));
    assert_eq!(expect_job["passed"], false, "{expect_job}");
}
